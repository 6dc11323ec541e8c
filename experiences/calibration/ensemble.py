"""Ensemble de calibration par history matching : des mondes plausibles, pas un point.

Règle (section [ensemble] du plan de calibration, docs/calibration.md) :

1. **Vague 1** : `runs_par_vague` jeux de paramètres tirés par hypercube latin (`scipy.stats.qmc.LatinHypercube`)
   dans les plages PLAUSIBLES déclarées des paramètres libres du plan (`plage = "plausible"`, ou les intervalles
   du plan avec `plage = "plan"`).
2. Chaque jeu tourne sur `replicats` graines (les mêmes pour tous les jeux : nombres aléatoires communs) ; chaque
   cible est calculée par run (`cibles.valeurs_modele`). Le **bruit du modèle** d'une cible est la variance entre
   réplicats d'un même jeu, moyennée sur les jeux (σ²).
3. **Émulateur** : par cible, un processus gaussien scikit-learn (noyau constant × Matérn 5/2 à longueurs par
   paramètre + bruit blanc estimé), sur les paramètres ramenés à [0, 1] et la moyenne des réplicats centrée
   réduite (bruit connu σ²/R en `alpha`) ; moyenne linéaire (moindres carrés) quand il y a au moins 2 × (d + 1)
   jeux, le processus gaussien modélisant alors le résidu. Diagnostic : validation croisée en K blocs, à
   hyperparamètres fixés (RMSE, R², part des jeux dont la valeur tombe à ± 3 écarts-types prédits).
   **Échelle log** (`cibles_echelle_log`, pour les volumes dont le bruit croît avec le niveau et qui dépendent des
   paramètres de façon multiplicative) : chaque run y est porté par y ↦ log(max(y, 0) + `DECALAGE_LOG` × tolérance)
   avant moyenne et variance entre réplicats (σ², émulateur et diagnostics sur cette échelle), et la cible
   [v − t, v + t] devient le centre et la demi-largeur de son image ; la vérification (point 6) juge toujours la
   moyenne des runs sur l'échelle d'origine.
4. **Implausibilité** d'un jeu x pour la cible c : I_c(x) = |E[émulateur_c(x)] − valeur_c| / √(Var[émulateur_c(x)]
   + σ²_c / R_v + tolérance_c²), R_v = `replicats_verification` (la vérification finale juge la moyenne de R_v
   réplicats) ; I(x) = max_c I_c(x). Un jeu est exclu si I(x) > `seuil_implausibilite` (3 dans le plan livré).
5. **Vague suivante** : `candidats` points, une part `part_candidats_voisins` tirée autour des jeux déjà simulés
   que l'émulateur n'exclut pas (`ancres` : loi normale d'écart-type `ECHELLE_VOISINS` × celui des ancres, par
   paramètre, réfléchie dans les bornes ; la région non exclue rétrécit vite et l'hypercube latin seul n'y tombe
   presque plus), le reste par hypercube latin dans le même espace ; gardés si l'émulateur (ajusté sur TOUS les runs
   des vagues précédentes) ne les exclut pas (tirage par rejet), puis `runs_par_vague` d'entre eux : au hasard
   (uniformément), sauf à partir de la vague `premiere_vague_recentree` (0 : jamais) où le tirage (sans remise) est
   proportionnel à la **probabilité d'acceptation prédite** P(x) = Π_c P(|moyenne de R_v runs − valeur_c| ≤
   tolérance_c) sous l'émulateur (loi normale d'espérance E[émulateur_c(x)] et de variance Var[émulateur_c(x)] +
   σ²_c / R_v, cibles indépendantes) : la règle des trois écarts-types laisse une région bien plus large que la
   tolérance de chaque cible, et ces vagues apprennent à l'émulateur le cœur où toutes les cibles tiennent
   ensemble. Si aucun candidat n'est gardé, les vagues s'arrêtent (région non exclue vide).
6. **Vérification** : `verifications_max` jeux neufs (candidats tirés comme au point 5) parmi ceux que l'émulateur
   final n'exclut pas : au hasard (uniformément : l'étendue de l'ensemble est gardée) parmi ceux dont P(x) ≥ 0,5
   s'ils sont assez nombreux, sinon ceux de plus grande P(x) ; ils tournent sur `replicats_verification` graines
   FRAÎCHES (`graine_verification`, disjointes des graines des vagues) ; un jeu est **accepté** si la moyenne de ses
   réplicats tombe dans la tolérance de CHAQUE cible ajustée. [meta.verification] du fichier dit, acceptés ou non,
   la part des jeux vérifiés dans la tolérance de chaque cible, le nombre de jeux par nombre de cibles atteintes et
   la P(x) moyenne prédite (à comparer à la part acceptée : l'émulateur est-il trop optimiste ?).

Hors échantillon (`annee_max_cibles`) : la vague 1 ne dépend pas des cibles ; `--vague1-de DIR` la reprend d'un
ensemble du même plan (`copier_vague1`, vérifiée run par run) au lieu de la refaire.

Sortie : `parametres/ensemble_calibration.toml` (ou `…_jusqu_AAAA.toml` avec `annee_max_cibles`) : [meta]
(provenance : vagues, runs, diagnostics de l'émulateur, graines, date, commit), [meta.cibles] (médiane, intervalle
5-95 % et part des jeux dans la tolérance pour CHAQUE cible calculable, ajustée ou prédite) et un [[jeu]] par jeu
accepté. Stockage (reprise) : `<dossier>/vague_NN/` et `<dossier>/verification/` sont des stockages de balayage
(`experiences.balayages.stockage.Stockage` : un Parquet par run, écrit atomiquement) ; les points d'une vague sont
écrits avant ses runs et relus à la reprise : relancer la même commande ne refait aucun run terminé. Exécution :
`experiences.balayages.executeurs.executer_taches` (pool de processus, Dask, SLURM ; barre tqdm).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from experiences.balayages.executeurs import Tache, executer_taches
from experiences.balayages.plans import enregistrer_fonction_run, fonction_run_enregistree
from experiences.balayages.stockage import Stockage, ecrire_atomique, en_json, identifiant_run
from experiences.calibration import cibles as mod_cibles
from experiences.calibration.ajustement import (
    FICHIER_PLAN,
    PlanCalibration,
    chemin_relatif,
    ligne_ajustement,
    lignes_valeurs,
    lire_plan,
    valeur_toml,
)
from experiences.execution.runs import SpecRun, executer_run, graine_replicat
from experiences.execution.sorties import ErreurInterne
from modele.entrees import LIMITES
from modele.parametres import DOSSIER_PARAMETRES, RACINE, ErreurEntree, Parametres, lire_toml

FICHIER_ENSEMBLE = DOSSIER_PARAMETRES / "ensemble_calibration.toml"
FONCTION_RUN_CIBLES = "cibles_calibration"
FORMAT_ENSEMBLE = "nonrecours-ensemble/1"
PLAGES = ("plausible", "plan")
#: Champs de la section [ensemble] du plan (tous obligatoires sauf annee_max_cibles) et ce qui est permis.
CHAMPS_ENSEMBLE = {
    "vagues": "entier >= 1",
    "runs_par_vague": "entier >= 4",
    "menages": "entier >= 100 (ménages par run)",
    "replicats": "entier >= 2 (réplicats par jeu : le bruit du modèle en est estimé)",
    "seuil_implausibilite": "réel > 0 (3 : règle des trois écarts-types de Pukelsheim)",
    "candidats": "entier >= runs_par_vague (tirages par vague pour le rejet)",
    "verifications_max": "entier >= 1 (jeux vérifiés sur graines fraîches au plus)",
    "replicats_verification": "entier >= 1",
    "graine_verification": "entier >= 0 (graines fraîches, disjointes de celles des vagues)",
    "plage": "\"plausible\" (plages plausibles déclarées) ou \"plan\" (intervalles de [parametres])",
    "annee_max_cibles": "année : n'ajuster que les cibles datées de cette année ou avant (hors échantillon)",
    "premiere_vague_recentree": "entier : 0 (toutes les vagues tirées uniformément dans la région non exclue) ou >= 2 "
                                "(à partir de cette vague, tirage selon la probabilité d'acceptation prédite)",
    "part_candidats_voisins": "réel dans [0, 1[ (part des candidats d'une vague tirés autour des jeux non exclus "
                              "déjà simulés, le reste par hypercube latin)",
    "cibles_echelle_log": "liste d'identifiants de cibles ajustées (volumes) émulées sur l'échelle log",
}
FACULTATIFS_ENSEMBLE = {"annee_max_cibles": None, "premiere_vague_recentree": 0, "part_candidats_voisins": 0.0,
                        "cibles_echelle_log": []}
#: Réglages qui ne changent pas les runs déjà faits, hors de l'empreinte : une reprise peut ajouter des vagues ou
#: refaire la vérification, et l'échelle de l'émulateur ne sert qu'à tirer les vagues suivantes (chaque vague
#: l'inscrit dans son tirage.json).
EXTENSIBLES = ("vagues", "verifications_max", "cibles_echelle_log")
#: Décalage de l'échelle log, en part de la tolérance de la cible : y ↦ log(max(y, 0) + DECALAGE_LOG × tolérance).
DECALAGE_LOG = 0.1
OBLIGATOIRES_ENSEMBLE = tuple(k for k in CHAMPS_ENSEMBLE if k not in FACULTATIFS_ENSEMBLE)
#: Écart-type des candidats voisins, en part de l'écart-type (par paramètre) des jeux non exclus qui les ancrent.
ECHELLE_VOISINS = 0.5
#: Ancres minimales des candidats voisins (les jeux de plus faible implausibilité complètent).
ANCRES_MIN = 5
QUANTILES = (0.05, 0.95)  # intervalle de l'ensemble rapporté (5 %-95 % des jeux acceptés)

enregistrer_fonction_run(FONCTION_RUN_CIBLES, "experiences.calibration.ensemble:run_cibles")


class ErreurEnsemble(ErreurInterne):
    """L'ensemble n'a pas pu être produit (runs en échec) : message français, code 1."""


# --- Réglages --------------------------------------------------------------------------------------------

@dataclass
class ReglagesEnsemble:
    """Réglages de l'ensemble ([ensemble] du plan, remplaçables par les options de `nonrecours ensemble`)."""

    vagues: int
    runs_par_vague: int
    menages: int
    replicats: int
    seuil_implausibilite: float
    candidats: int
    verifications_max: int
    replicats_verification: int
    graine_verification: int
    plage: str = "plausible"
    annee_max_cibles: int | None = None
    premiere_vague_recentree: int = 0
    part_candidats_voisins: float = 0.0
    cibles_echelle_log: list[str] = field(default_factory=list)

    def graines_verification(self) -> list[int]:
        """Graines fraîches de la vérification."""
        return [graine_replicat(self.graine_verification, r) for r in range(self.replicats_verification)]


@dataclass
class PlanEnsemble:
    """Plan de calibration (cibles ajustées, taille, graines des vagues) + réglages + espace échantillonné."""

    plan: PlanCalibration
    reglages: ReglagesEnsemble
    bornes: dict[str, tuple[float, float]]
    cibles_toutes: list[mod_cibles.Cible] = field(default_factory=list)  # ajustées + prédites
    fonction_run: str = FONCTION_RUN_CIBLES

    @property
    def cles(self) -> list[str]:
        """Paramètres libres, dans l'ordre du plan."""
        return list(self.bornes)

    def empreinte(self) -> str:
        """Ce qui rend deux ensembles comparables (une reprise n'est permise qu'avec la même empreinte) ; le nombre
        de vagues et de vérifications n'en font pas partie (`EXTENSIBLES`) : une reprise peut en ajouter."""
        reglages = {k: v for k, v in self.reglages.__dict__.items() if k not in EXTENSIBLES}
        cle = {"plan": self.plan.empreinte(), "reglages": reglages,
               "bornes": {k: list(v) for k, v in self.bornes.items()}, "fonction_run": self.fonction_run}
        return hashlib.sha256(json.dumps(cle, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _entier(v: Any, fichier, cle: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum or (maximum is not None and v > maximum):
        borne = f"un entier >= {minimum}" + (f" et <= {maximum}" if maximum is not None else "")
        raise ErreurEntree("Entier invalide.", fichier=fichier, cle=cle, valeur=v, attendu=borne)
    return v


def lire_plan_ensemble(chemin: str | Path = FICHIER_PLAN, *, fonction_run: str | None = None,
                       **remplacements) -> PlanEnsemble:
    """Lit le plan de calibration et sa section [ensemble] ; `remplacements` (vagues, runs_par_vague, menages,
    replicats, seuil_implausibilite, annee_max_cibles…) remplacent le fichier quand ils ne sont pas None.

    Toute valeur invalide lève ErreurEntree (fichier ou option, clé, valeur, ce qui est permis : code 2)."""
    chemin = Path(chemin)
    brut = lire_toml(chemin)
    table = brut.get("ensemble")
    if not isinstance(table, dict):
        raise ErreurEntree("Section [ensemble] manquante dans le plan de calibration.", fichier=chemin,
                           cle="ensemble", attendu="[ensemble] avec " + ", ".join(OBLIGATOIRES_ENSEMBLE))
    for cle in table:
        if cle not in CHAMPS_ENSEMBLE:
            raise ErreurEntree("Champ inconnu dans [ensemble].", fichier=chemin, cle=f"ensemble.{cle}",
                               valeur=table[cle], attendu=", ".join(CHAMPS_ENSEMBLE))
    fusion = {**table, **{k: v for k, v in remplacements.items() if v is not None}}
    source = {k: ("--" + k.replace("_", "-") if remplacements.get(k) is not None else f"ensemble.{k}")
              for k in CHAMPS_ENSEMBLE}
    for cle in OBLIGATOIRES_ENSEMBLE:
        if cle not in fusion:
            raise ErreurEntree("Champ manquant dans [ensemble].", fichier=chemin, cle=f"ensemble.{cle}",
                               attendu=CHAMPS_ENSEMBLE[cle])
    ou = {k: (None if source[k].startswith("--") else chemin) for k in CHAMPS_ENSEMBLE}
    vagues = _entier(fusion["vagues"], ou["vagues"], source["vagues"], 1, 50)
    runs = _entier(fusion["runs_par_vague"], ou["runs_par_vague"], source["runs_par_vague"], 4,
                   LIMITES["runs_plan"])
    menages = _entier(fusion["menages"], ou["menages"], source["menages"], 100)
    Parametres.defauts().declarations["simulation.menages"].valider(menages, fichier=ou["menages"],
                                                                    cle=source["menages"])
    replicats = _entier(fusion["replicats"], ou["replicats"], source["replicats"], 2, LIMITES["replicats"])
    seuil = fusion["seuil_implausibilite"]
    if isinstance(seuil, bool) or not isinstance(seuil, (int, float)) or not math.isfinite(seuil) or seuil <= 0:
        raise ErreurEntree("Seuil d'implausibilité invalide.", fichier=ou["seuil_implausibilite"],
                           cle=source["seuil_implausibilite"], valeur=seuil,
                           attendu=CHAMPS_ENSEMBLE["seuil_implausibilite"])
    candidats = _entier(fusion["candidats"], ou["candidats"], source["candidats"], runs, 10_000_000)
    verif_max = _entier(fusion["verifications_max"], ou["verifications_max"], source["verifications_max"], 1)
    rep_v = _entier(fusion["replicats_verification"], ou["replicats_verification"],
                    source["replicats_verification"], 1, LIMITES["replicats"])
    graine_v = _entier(fusion["graine_verification"], ou["graine_verification"], source["graine_verification"], 0,
                       LIMITES["graine"] - rep_v)
    plage = fusion.get("plage", "plausible")
    if plage not in PLAGES:
        raise ErreurEntree("Plage d'échantillonnage inconnue.", fichier=ou["plage"], cle=source["plage"],
                           valeur=plage, attendu=CHAMPS_ENSEMBLE["plage"])
    annee_max = fusion.get("annee_max_cibles")
    if annee_max is not None:
        annee_max = _entier(annee_max, ou["annee_max_cibles"], source["annee_max_cibles"], 2000, 2100)

    recentrage = _entier(fusion.get("premiere_vague_recentree", 0), ou["premiere_vague_recentree"],
                         source["premiere_vague_recentree"], 0, 50)
    if recentrage == 1:
        raise ErreurEntree("La vague 1 ne peut pas être recentrée (hypercube latin, sans émulateur).",
                           fichier=ou["premiere_vague_recentree"], cle=source["premiere_vague_recentree"],
                           valeur=recentrage, attendu=CHAMPS_ENSEMBLE["premiere_vague_recentree"])
    part_v = fusion.get("part_candidats_voisins", 0.0)
    if isinstance(part_v, bool) or not isinstance(part_v, (int, float)) or not 0 <= part_v < 1:
        raise ErreurEntree("Part de candidats voisins invalide.", fichier=ou["part_candidats_voisins"],
                           cle=source["part_candidats_voisins"], valeur=part_v,
                           attendu=CHAMPS_ENSEMBLE["part_candidats_voisins"])

    toutes = lire_plan(chemin, menages=menages, replicats=replicats).cibles
    ids = [c.id for c in toutes if annee_max is None or c.annee <= annee_max]
    if not ids:
        raise ErreurEntree("Aucune cible datée de cette année ou avant.", fichier=ou["annee_max_cibles"],
                           cle=source["annee_max_cibles"], valeur=annee_max,
                           attendu="une année >= " + str(min(c.annee for c in toutes)))
    plan = lire_plan(chemin, menages=menages, replicats=replicats, cibles=ids)
    log = fusion.get("cibles_echelle_log", [])
    connues = [c.id for c in toutes]
    if (not isinstance(log, list) or any(not isinstance(c, str) or c not in connues for c in log)
            or len(set(log)) != len(log)):
        raise ErreurEntree("Cibles de l'échelle log invalides.", fichier=ou["cibles_echelle_log"],
                           cle=source["cibles_echelle_log"], valeur=log,
                           attendu=CHAMPS_ENSEMBLE["cibles_echelle_log"] + " parmi " + ", ".join(connues))
    log = [c for c in ids if c in log]  # les cibles prédites (hors échantillon) ne sont pas émulées
    reglages = ReglagesEnsemble(vagues=vagues, runs_par_vague=runs, menages=menages, replicats=replicats,
                                seuil_implausibilite=float(seuil), candidats=candidats, verifications_max=verif_max,
                                replicats_verification=rep_v, graine_verification=graine_v, plage=plage,
                                annee_max_cibles=annee_max, premiere_vague_recentree=recentrage,
                                part_candidats_voisins=float(part_v), cibles_echelle_log=log)
    if set(reglages.graines_verification()) & set(plan.graines()):
        raise ErreurEntree("Les graines de vérification recoupent celles des vagues (elles doivent être fraîches).",
                           fichier=ou["graine_verification"], cle=source["graine_verification"], valeur=graine_v,
                           attendu=f"une graine hors de [{plan.graine - rep_v + 1}, {plan.graine + replicats - 1}]")
    decl = Parametres.defauts().declarations
    bornes = {k: (tuple(float(x) for x in decl[k].plausible) if plage == "plausible" else v)
              for k, v in plan.parametres.items()}
    if fonction_run is not None:
        fonction_run_enregistree(fonction_run, str(chemin))
    return PlanEnsemble(plan=plan, reglages=reglages, bornes=bornes, cibles_toutes=toutes,
                        fonction_run=fonction_run or FONCTION_RUN_CIBLES)


# --- Run (côté travailleur) ---------------------------------------------------------------------------------

def colonne(cid: str) -> str:
    """Colonne du résumé d'un run qui porte la valeur de la cible `cid`."""
    return f"cible_{cid}"


def run_cibles(spec: SpecRun) -> SimpleNamespace:
    """Fonction de run de l'ensemble : exécute le modèle et rend, en résumé, la valeur de chaque cible calculable
    sur sa période (`cible_<id>`) ; aucune série n'est gardée (rien de lourd ne revient du travailleur)."""
    res = executer_run(spec)
    ids = [cid for cid, mois in mod_cibles.MOIS_REQUIS.items() if mois <= spec.fin]
    faux = [SimpleNamespace(id=cid) for cid in ids]
    valeurs = mod_cibles.valeurs_modele(res.series, faux, menages=spec.menages,
                                        personnes_par_menage=res.parametres["simulation.personnes_par_menage"])
    resume = {colonne(k): float(v) for k, v in valeurs.items()}
    resume["duree_s"] = res.duree_s  # hors de la table (stockage.CLES_RESUME_EXCLUES) ; dans journal.jsonl
    return SimpleNamespace(resume=resume, series=None)


# --- Échantillonnage ----------------------------------------------------------------------------------------

def hypercube_latin(bornes: dict[str, tuple[float, float]], n: int, graine: int | list[int]) -> pd.DataFrame:
    """`n` points d'un hypercube latin (scipy.stats.qmc) dans `bornes` ; colonnes = clés, dans l'ordre."""
    from scipy.stats import qmc

    bas = np.array([b[0] for b in bornes.values()])
    haut = np.array([b[1] for b in bornes.values()])
    u = qmc.LatinHypercube(d=len(bornes), seed=np.random.default_rng(graine)).random(n)
    return pd.DataFrame(qmc.scale(u, bas, haut), columns=list(bornes))


# --- Émulateur ---------------------------------------------------------------------------------------------

@dataclass
class EmulateurCible:
    """Émulateur d'une cible : moyenne linéaire facultative + processus gaussien sur le résidu centré réduit."""

    gp: Any
    coef: np.ndarray | None
    centre: float
    echelle: float

    def predire(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Espérance et variance prédites aux points `u` (paramètres ramenés à [0, 1])."""
        m, s = self.gp.predict(u, return_std=True)
        lin = 0.0 if self.coef is None else np.column_stack([np.ones(len(u)), u]) @ self.coef
        return lin + self.centre + self.echelle * m, (self.echelle * s) ** 2


def ajuster_cible(u: np.ndarray, y: np.ndarray, var_bruit: float, graine: int, noyau_fixe: Any = None
                  ) -> EmulateurCible:
    """Ajuste l'émulateur d'une cible sur (u dans [0, 1]^d, y = moyenne des réplicats) ; `var_bruit` : variance
    connue de y (σ²/R), mise en `alpha` du processus gaussien. `noyau_fixe` : hyperparamètres déjà estimés (noyau
    `kernel_` d'un ajustement complet), gardés tels quels (validation croisée)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    n, d = u.shape
    coef = None
    reste = y.astype(float)
    if n >= 2 * (d + 1):
        a = np.column_stack([np.ones(n), u])
        coef = np.linalg.lstsq(a, reste, rcond=None)[0]
        reste = reste - a @ coef
    centre = float(reste.mean())
    echelle = float(reste.std()) or 1.0
    z = (reste - centre) / echelle
    noyau = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2),
                                                         nu=2.5)
             + WhiteKernel(1e-2, (1e-8, 1.0)))
    gp = GaussianProcessRegressor(kernel=noyau if noyau_fixe is None else noyau_fixe,
                                  alpha=max(var_bruit, 0.0) / echelle ** 2 + 1e-10,
                                  optimizer="fmin_l_bfgs_b" if noyau_fixe is None else None,
                                  n_restarts_optimizer=1, random_state=graine, normalize_y=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(u, z)
    return EmulateurCible(gp, coef, centre, echelle)


@dataclass
class Emulateur:
    """Émulateurs de toutes les cibles ajustées, sur l'espace `bornes` ; bruit du modèle par cible."""

    bornes: dict[str, tuple[float, float]]
    cibles: list[mod_cibles.Cible]
    par_cible: dict[str, EmulateurCible]
    sigma2: dict[str, float]          # variance d'un run (entre réplicats d'un même jeu)
    diagnostics: dict[str, dict[str, float]] = field(default_factory=dict)

    def unitaire(self, x: np.ndarray) -> np.ndarray:
        """Paramètres ramenés à [0, 1] (bornes de l'espace échantillonné)."""
        bas = np.array([b[0] for b in self.bornes.values()])
        haut = np.array([b[1] for b in self.bornes.values()])
        return (np.asarray(x, dtype=float) - bas) / (haut - bas)

    def predire(self, x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Espérance et variance prédites de chaque cible aux points `x` (une ligne par jeu)."""
        u = self.unitaire(x)
        return {cid: e.predire(u) for cid, e in self.par_cible.items()}

    def implausibilite(self, x: np.ndarray, replicats_jugement: int, pred: dict | None = None) -> pd.DataFrame:
        """I_c(x) par cible (colonnes) et I(x) = max_c (colonne « max ») ; voir la docstring du module.
        `pred` : `predire(x)` déjà calculé."""
        pred = self.predire(x) if pred is None else pred
        out = {}
        for c in self.cibles:
            m, v = pred[c.id]
            out[c.id] = np.abs(m - c.valeur) / np.sqrt(v + self.sigma2[c.id] / replicats_jugement + c.tolerance ** 2)
        df = pd.DataFrame(out)
        df["max"] = df[[c.id for c in self.cibles]].max(axis=1)
        return df

    def log_proba_acceptation(self, x: np.ndarray, replicats_jugement: int, pred: dict | None = None) -> np.ndarray:
        """Log P(la moyenne de `replicats_jugement` runs tombe dans la tolérance de CHAQUE cible) en `x`, les cibles
        supposées indépendantes : Σ_c log[Φ((z_c + t_c − m_c)/s_c) − Φ((z_c − t_c − m_c)/s_c)], s_c² = Var[émulateur]
        + σ²_c / R."""
        return self.log_proba_par_cible(x, replicats_jugement, pred).sum(axis=1)

    def log_proba_par_cible(self, x: np.ndarray, replicats_jugement: int, pred: dict | None = None) -> np.ndarray:
        """Log-probabilité P_c(x) par cible (colonnes dans l'ordre de `cibles`) : les termes de
        `log_proba_acceptation`."""
        from scipy.stats import norm

        pred = self.predire(x) if pred is None else pred
        out = np.zeros((len(np.atleast_2d(x)), len(self.cibles)))
        for k, c in enumerate(self.cibles):
            m, v = pred[c.id]
            s = np.sqrt(v + self.sigma2[c.id] / replicats_jugement)
            p = norm.cdf((c.valeur + c.tolerance - m) / s) - norm.cdf((c.valeur - c.tolerance - m) / s)
            out[:, k] = np.log(np.maximum(p, 1e-300))
        return out


def ajuster_emulateur(x: np.ndarray, moyennes: pd.DataFrame, sigma2: dict[str, float], replicats: int,
                      bornes: dict[str, tuple[float, float]], cibles: list[mod_cibles.Cible], graine: int = 0,
                      blocs: int = 5) -> Emulateur:
    """Ajuste un émulateur par cible (moyennes : une colonne par cible, une ligne par jeu) et mesure son erreur
    de validation croisée en `blocs` blocs (RMSE, R², part à ± 3 écarts-types prédits)."""
    from sklearn.model_selection import KFold

    em = Emulateur(bornes, cibles, {}, dict(sigma2))
    u = em.unitaire(x)
    for c in cibles:
        y = moyennes[c.id].to_numpy(dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < 3:
            raise ErreurEnsemble(f"cible {c.id} : moins de 3 jeux où elle est calculable, émulateur impossible.")
        var_y = sigma2[c.id] / replicats
        em.par_cible[c.id] = ajuster_cible(u[ok], y[ok], var_y, graine)
        k = min(blocs, int(ok.sum()))
        pred = np.full(ok.sum(), np.nan)
        ecart = np.full(ok.sum(), np.nan)
        for app, test in KFold(k, shuffle=True, random_state=graine).split(u[ok]):
            e = ajuster_cible(u[ok][app], y[ok][app], var_y, graine, em.par_cible[c.id].gp.kernel_)
            m, v = e.predire(u[ok][test])
            pred[test], ecart[test] = m, np.sqrt(v + var_y)
        yy = y[ok]
        sst = float(((yy - yy.mean()) ** 2).sum())
        em.diagnostics[c.id] = {
            "rmse_vc": float(np.sqrt(np.mean((pred - yy) ** 2))),
            "r2_vc": float(1 - ((pred - yy) ** 2).sum() / sst) if sst > 0 else float("nan"),
            "part_3_ecarts_types_vc": float(np.mean(np.abs(pred - yy) <= 3 * ecart)),
            "bruit_ecart_type_run": float(math.sqrt(sigma2[c.id])),
            "jeux": int(ok.sum()),
        }
    return em


def bruit_par_cible(runs: pd.DataFrame, cibles: list[mod_cibles.Cible]) -> dict[str, float]:
    """σ² par cible : variance entre réplicats d'un même jeu (ddof = 1), moyennée sur les jeux."""
    out = {}
    for c in cibles:
        v = runs.groupby(["vague", "point"])[colonne(c.id)].var(ddof=1)
        v = v[np.isfinite(v)]
        out[c.id] = float(v.mean()) if len(v) else 0.0
    return out


def moyennes_par_jeu(runs: pd.DataFrame, cles: list[str], cibles: list[mod_cibles.Cible]) -> pd.DataFrame:
    """Une ligne par jeu (vague, point) : paramètres, moyenne des réplicats de chaque cible, réplicats."""
    cols = [colonne(c.id) for c in cibles if colonne(c.id) in runs.columns]
    g = runs.groupby(["vague", "point"], sort=True)
    out = g[cles].first().join(g[cols].mean()).join(g.size().rename("replicats")).reset_index()
    return out.rename(columns={colonne(c.id): c.id for c in cibles})


def vers_log(y: Any, cible: mod_cibles.Cible) -> Any:
    """Valeur d'une cible sur l'échelle log de l'émulateur : log(max(y, 0) + DECALAGE_LOG × tolérance)."""
    return np.log(np.maximum(y, 0.0) + DECALAGE_LOG * cible.tolerance)


def cibles_emulees(cibles: list[mod_cibles.Cible], echelle_log: list[str]) -> list[mod_cibles.Cible]:
    """Cibles telles que l'émulateur les voit : pour une cible de `echelle_log`, l'intervalle [v − t, v + t] porté
    sur l'échelle log (`vers_log`) devient une valeur (son centre) et une tolérance (sa demi-largeur) ; les autres
    inchangées."""
    from dataclasses import replace

    out = []
    for c in cibles:
        if c.id in echelle_log:
            bas, haut = vers_log(c.valeur - c.tolerance, c), vers_log(c.valeur + c.tolerance, c)
            c = replace(c, valeur=float((bas + haut) / 2), tolerance=float((haut - bas) / 2))
        out.append(c)
    return out


def runs_emules(runs: pd.DataFrame, cibles: list[mod_cibles.Cible], echelle_log: list[str]) -> pd.DataFrame:
    """Runs avec les cibles de `echelle_log` portées sur l'échelle log, run par run (avant moyenne et variance
    entre réplicats : le bruit du modèle est estimé sur la même échelle que l'émulateur)."""
    out = runs.copy()
    for c in cibles:
        if c.id in echelle_log:
            out[colonne(c.id)] = vers_log(out[colonne(c.id)].to_numpy(dtype=float), c)
    return out


def ancres(em: Emulateur, jeux: pd.DataFrame, pe: PlanEnsemble) -> np.ndarray:
    """Jeux déjà simulés (paramètres en [0, 1]) autour desquels tirer des candidats voisins : ceux que l'émulateur
    courant n'exclut pas, ou à défaut les `ANCRES_MIN` de plus faible implausibilité."""
    x = jeux[pe.cles].to_numpy()
    imp = em.implausibilite(x, pe.reglages.replicats_verification)["max"].to_numpy()
    garde = imp <= pe.reglages.seuil_implausibilite
    if garde.sum() < ANCRES_MIN:
        garde = np.zeros(len(x), dtype=bool)
        garde[np.argsort(imp, kind="stable")[:ANCRES_MIN]] = True
    return em.unitaire(x[garde])


def tirer_candidats(em: Emulateur, pe: PlanEnsemble, u_ancres: np.ndarray | None, graine: list[int]
                    ) -> pd.DataFrame:
    """`candidats` points : une part `part_candidats_voisins` autour des ancres (loi normale d'écart-type
    `ECHELLE_VOISINS` × celui des ancres par paramètre, réfléchie dans les bornes), le reste par hypercube latin ;
    avec leur implausibilité et leur log-probabilité d'acceptation prédites. Colonne `origine` : lhs ou voisin."""
    reg = pe.reglages
    n_vois = int(round(reg.part_candidats_voisins * reg.candidats)) if u_ancres is not None and len(u_ancres) else 0
    cand = hypercube_latin(pe.bornes, reg.candidats - n_vois, graine).assign(origine="lhs")
    if n_vois:
        rng = np.random.default_rng([*graine, 5])
        ecart = np.maximum(ECHELLE_VOISINS * u_ancres.std(axis=0), 0.01)
        u = u_ancres[rng.integers(len(u_ancres), size=n_vois)] + rng.normal(size=(n_vois, u_ancres.shape[1])) * ecart
        u = 1.0 - np.abs(1.0 - np.abs(u) % 2.0)  # réflexion dans [0, 1]
        bas = np.array([b[0] for b in pe.bornes.values()])
        haut = np.array([b[1] for b in pe.bornes.values()])
        vois = pd.DataFrame(bas + u * (haut - bas), columns=pe.cles).assign(origine="voisin")
        cand = pd.concat([cand, vois], ignore_index=True)
    morceaux = []
    for i in range(0, len(cand), 5000):
        x = cand[pe.cles].iloc[i:i + 5000].to_numpy()
        pred = em.predire(x)
        imp = em.implausibilite(x, reg.replicats_verification, pred)
        ecart_n = np.max([np.abs(pred[c.id][0] - c.valeur) / c.tolerance for c in em.cibles], axis=0)
        morceaux.append(pd.DataFrame({"implausibilite": imp["max"].to_numpy(), "ecart_norme_predit": ecart_n,
                                      "log_proba_acceptation": em.log_proba_acceptation(
                                          x, reg.replicats_verification, pred)}))
    return pd.concat([cand, pd.concat(morceaux, ignore_index=True)], axis=1)


def choisir_selon_proba(cand: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """`n` candidats tirés sans remise avec une probabilité proportionnelle à leur probabilité d'acceptation
    prédite (tous s'il y en a au plus `n`)."""
    if len(cand) <= n:
        return cand
    lp = cand["log_proba_acceptation"].to_numpy()
    w = np.exp(lp - lp.max()) + 1e-12
    return cand.iloc[np.sort(rng.choice(len(cand), n, replace=False, p=w / w.sum()))]


def candidats_verification(em: Emulateur, pe: PlanEnsemble, u_ancres: np.ndarray | None = None) -> pd.DataFrame:
    """Candidats de la vérification (tirés comme ceux d'une vague, graines propres à la vérification) que
    l'émulateur final n'exclut pas."""
    cand = tirer_candidats(em, pe, u_ancres, [pe.plan.graine, 0, 3])
    return cand[cand["implausibilite"] <= pe.reglages.seuil_implausibilite]


def tension(em: Emulateur, cand: pd.DataFrame, pe: PlanEnsemble) -> dict[str, Any]:
    """Quelles cibles se contrarient : sur les candidats non exclus, la plus grande probabilité d'acceptation
    prédite avec toutes les cibles, puis sans chaque cible tour à tour (produit des P_c des autres), et la
    meilleure P_c de chaque cible seule. Une cible dont le retrait fait bondir le maximum est celle que le modèle
    ne sait pas tenir avec les autres dans ces plages."""
    if len(cand) == 0:
        return {"candidats": 0}
    lp = em.log_proba_par_cible(cand[pe.cles].to_numpy(), pe.reglages.replicats_verification)
    total = lp.sum(axis=1)
    ids = [c.id for c in em.cibles]
    return {"candidats": int(len(cand)), "proba_max": float(np.exp(total.max())),
            "proba_max_sans": {c: float(np.exp((total - lp[:, k]).max())) for k, c in enumerate(ids)},
            "proba_max_seule": {c: float(np.exp(lp[:, k].max())) for k, c in enumerate(ids)}}


def tirer_verification(em: Emulateur, pe: PlanEnsemble, u_ancres: np.ndarray | None = None,
                       cand: pd.DataFrame | None = None) -> pd.DataFrame:
    """Jeux à vérifier sur graines fraîches (voir la docstring du module, point 6) ; `cand` :
    `candidats_verification` déjà tirés."""
    reg = pe.reglages
    cand = candidats_verification(em, pe, u_ancres) if cand is None else cand
    proba = np.exp(cand["log_proba_acceptation"])
    dedans = cand[proba >= 0.5]
    rng = np.random.default_rng([pe.plan.graine, 0, 4])
    if len(dedans) >= reg.verifications_max:
        choix = dedans.iloc[np.sort(rng.choice(len(dedans), reg.verifications_max, replace=False))]
    else:
        choix = cand.sort_values("log_proba_acceptation", ascending=False, kind="stable").head(reg.verifications_max)
    return choix.drop(columns="origine").reset_index(drop=True)


def tirer_non_exclus(em: Emulateur, pe: PlanEnsemble, vague: int, u_ancres: np.ndarray | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Points de la vague `vague` : tirage par rejet sur l'émulateur (voir la docstring du module)."""
    reg = pe.reglages
    cand = tirer_candidats(em, pe, u_ancres, [pe.plan.graine, vague, 1])
    garde = cand[(cand["implausibilite"] <= reg.seuil_implausibilite).to_numpy()].reset_index(drop=True)
    recentree = 2 <= reg.premiere_vague_recentree <= vague
    infos = {"candidats": int(len(cand)), "candidats_voisins": int((cand["origine"] == "voisin").sum()),
             "non_exclus": int(len(garde)), "part_non_implausible": float(len(garde) / len(cand)),
             "tirage": "selon la probabilité d'acceptation prédite" if recentree else "uniforme"}
    rng = np.random.default_rng([pe.plan.graine, vague, 2])
    if recentree:
        garde = choisir_selon_proba(garde, reg.runs_par_vague, rng)
    elif len(garde) > reg.runs_par_vague:
        garde = garde.iloc[np.sort(rng.choice(len(garde), reg.runs_par_vague, replace=False))]
    if len(garde):
        infos["proba_acceptation_predite_moyenne"] = float(np.exp(garde["log_proba_acceptation"]).mean())
    garde = garde.drop(columns=["origine", "implausibilite", "ecart_norme_predit", "log_proba_acceptation"])
    return garde.reset_index(drop=True), infos


# --- Exécution d'une vague (stockage de balayage) --------------------------------------------------------------

def _types(pe: PlanEnsemble) -> dict[str, str]:
    decl = Parametres.defauts().declarations
    return {k: ("int64" if decl[k].type == "entier" else "float64") for k in pe.cles}


def _valeurs_point(pe: PlanEnsemble, ligne: dict) -> dict[str, Any]:
    decl = Parametres.defauts().declarations
    return {k: (int(round(ligne[k])) if decl[k].type == "entier" else float(ligne[k])) for k in pe.cles}


def taches_points(pe: PlanEnsemble, points: pd.DataFrame, graines: list[int], deja: set[str]) -> list[Tache]:
    """Tâches des runs (point × réplicat) qui ne sont pas déjà dans `deja`."""
    plan = pe.plan
    fonction = fonction_run_enregistree(pe.fonction_run)
    out = []
    for ligne in points.to_dict("records"):
        valeurs = _valeurs_point(pe, ligne)
        for r, g in enumerate(graines):
            run = identifiant_run(int(ligne["point"]), r)
            if run in deja:
                continue
            out.append(Tache(run=run, point=int(ligne["point"]), replicat=r, graine=g, scenario=plan.scenario,
                             scenario_execution=plan.scenario, menages=plan.menages, debut=plan.debut, fin=plan.fin,
                             surcharges={**plan.surcharges, **valeurs}, valeurs=valeurs, types_valeurs=_types(pe),
                             fonction_run=fonction, series={"conserver": False, "indicateurs": [], "dates": []}))
    return out


def _ecrire_points(chemin: Path, points: pd.DataFrame) -> None:
    tampon = io.BytesIO()
    points.to_parquet(tampon, index=False)
    ecrire_atomique(chemin, tampon.getvalue())


def executer_lot(dossier: Path, pe: PlanEnsemble, points: pd.DataFrame, graines: list[int], libelle: str,
                 options: dict) -> pd.DataFrame:
    """Exécute (ou reprend) les runs d'un lot de points dans `dossier` ; rend une ligne par run terminé.

    Les points sont écrits avant les runs et relus à la reprise : un lot n'est jamais retiré au sort deux fois."""
    st = Stockage(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    fichier_points = dossier / "points.parquet"
    if fichier_points.is_file():
        points = pd.read_parquet(fichier_points)
    else:
        points = points.reset_index(drop=True)
        points.insert(0, "point", np.arange(len(points)))
        _ecrire_points(fichier_points, points)
    for sous in (st.resume, st.series, st.echecs):
        sous.mkdir(exist_ok=True)
    st.nettoyer()
    deja = st.termines()
    taches = taches_points(pe, points, graines, deja)
    total = len(points) * len(graines)
    if taches:
        _, echecs = executer_taches(iter(taches), st, total=total, deja=len(deja), libelle=libelle, **options)
        if echecs:
            raise ErreurEnsemble(f"{len(echecs)} run(s) en échec dans {dossier} (détail : {st.echecs}) ; "
                                 "relancer la même commande les retente.")
    st.assembler()
    return pd.read_parquet(dossier / "resume.parquet")


# --- Boucle des vagues ---------------------------------------------------------------------------------------

@dataclass
class ResultatEnsemble:
    """Ce que l'ensemble a produit : dossier, fichier écrit, jeux acceptés, vérification, provenance."""

    dossier: Path
    fichier: Path | None
    acceptes: pd.DataFrame
    verification: pd.DataFrame
    runs: pd.DataFrame
    meta: dict[str, Any]
    emulateur: Emulateur | None = None


def dossier_ensemble(pe: PlanEnsemble, sortie: Path | None = None) -> Path:
    """Dossier de travail : `sortie`, ou resultats/ensemble_<nom>[_jusqu_AAAA]/."""
    if sortie is not None:
        d = Path(sortie)
    else:
        suffixe = f"_jusqu_{pe.reglages.annee_max_cibles}" if pe.reglages.annee_max_cibles else ""
        d = RACINE / "resultats" / f"ensemble_{pe.plan.nom}{suffixe}"
    if d.exists() and not d.is_dir():
        raise ErreurEntree("La sortie n'est pas un dossier.", cle="--sortie", valeur=str(d))
    return d


def fichier_par_defaut(pe: PlanEnsemble) -> Path:
    """parametres/ensemble_calibration.toml, ou …_jusqu_AAAA.toml pour un ensemble hors échantillon."""
    a = pe.reglages.annee_max_cibles
    return FICHIER_ENSEMBLE if a is None else FICHIER_ENSEMBLE.with_name(f"ensemble_calibration_jusqu_{a}.toml")


def _ouvrir(dossier: Path, pe: PlanEnsemble) -> None:
    manifeste = dossier / "manifeste_ensemble.json"
    if manifeste.is_file():
        lu = json.loads(manifeste.read_text(encoding="utf-8"))
        if lu.get("empreinte") != pe.empreinte():
            raise ErreurEntree("Le dossier contient un ensemble d'un autre plan (paramètres, cibles, réglages ou "
                               "graines différents) : impossible de le reprendre.", fichier=manifeste,
                               attendu="le même plan et les mêmes options, ou un autre dossier --sortie")
        return
    visibles = [p for p in dossier.iterdir() if not p.name.startswith(".")]
    if visibles:
        raise ErreurEntree("Le dossier existe, n'est pas vide et n'est pas un dossier d'ensemble.", fichier=dossier,
                           cle="--sortie", attendu="un dossier neuf ou vide")
    from experiences.execution.sorties import commit_git

    ecrire_atomique(manifeste, en_json({
        "format": FORMAT_ENSEMBLE, "empreinte": pe.empreinte(), "plan": pe.plan.fichier,
        "reglages": pe.reglages.__dict__, "bornes": pe.bornes, "cibles": [c.id for c in pe.plan.cibles],
        "cree_le": dt.datetime.now().isoformat(timespec="seconds"), "commit": commit_git()}))


def _cle_tache(t: Tache) -> tuple:
    """Ce qui détermine le résultat d'un run (hors identifiant) : deux tâches de même clé donnent le même run."""
    return (t.run, t.graine, t.scenario, t.menages, t.debut, t.fin, json.dumps(t.surcharges, sort_keys=True),
            t.fonction_run)


def copier_vague1(pe: PlanEnsemble, source: Path, dv: Path) -> dict[str, Any]:
    """Reprend la vague 1 d'un autre ensemble (`--vague1-de`) au lieu de la refaire.

    Permis seulement si les runs sont les mêmes : la vague 1 ne dépend pas des cibles (hypercube latin dans les
    mêmes bornes, même graine, même nombre de jeux), donc un ensemble hors échantillon (`--annee-max-cibles`) et
    l'ensemble complet du même plan la partagent. Vérifié run par run : points identiques au tirage de CE plan, et
    pour chaque run la même graine, le même scénario, les mêmes ménages, période, surcharges et fonction de run ;
    tous les runs de la source doivent être terminés. Sinon ErreurEntree (code 2), rien n'est copié."""
    import shutil

    source = Path(source)
    sv = source / "vague_01"
    if not (source / "manifeste_ensemble.json").is_file() or not (sv / "points.parquet").is_file():
        raise ErreurEntree("Pas de vague 1 d'ensemble dans ce dossier.", cle="--vague1-de", valeur=str(source),
                           attendu="le dossier d'un ensemble (manifeste_ensemble.json, vague_01/points.parquet)")
    lu = json.loads((source / "manifeste_ensemble.json").read_text(encoding="utf-8"))
    reg = pe.reglages
    attendu = hypercube_latin(pe.bornes, reg.runs_par_vague, [pe.plan.graine, 1, 1])
    points = pd.read_parquet(sv / "points.parquet")
    memes = (list(points.columns[1:]) == list(attendu.columns) and len(points) == len(attendu)
             and np.array_equal(points[list(attendu.columns)].to_numpy(), attendu.to_numpy()))
    if not memes:
        raise ErreurEntree("La vague 1 de ce dossier n'a pas les points de ce plan (autres bornes, graine ou "
                           "nombre de jeux) : elle ne peut pas être reprise.", cle="--vague1-de", valeur=str(source),
                           attendu="un ensemble du même plan, aux mêmes bornes, graine et runs par vague")
    r_source = lu.get("reglages", {})
    try:
        pe_source = lire_plan_ensemble(lu["plan"], fonction_run=pe.fonction_run,
                                       **{k: r_source.get(k) for k in CHAMPS_ENSEMBLE})
    except ErreurEntree:
        pe_source = None
    if pe_source is None or pe_source.empreinte() != lu.get("empreinte"):
        raise ErreurEntree("Le plan de l'ensemble de ce dossier a changé depuis (ou sa fonction de run diffère) : "
                           "sa vague 1 ne peut pas être reprise.", cle="--vague1-de", valeur=str(source),
                           attendu="un ensemble dont le plan est inchangé")
    nous = {_cle_tache(t) for t in taches_points(pe, points, pe.plan.graines(), set())}
    eux = {_cle_tache(t) for t in taches_points(pe_source, points, pe_source.plan.graines(), set())}
    if nous != eux:
        raise ErreurEntree("Les runs de la vague 1 de ce dossier diffèrent de ceux de ce plan (ménages, graines, "
                           "période, scénario ou surcharges) : elle ne peut pas être reprise.", cle="--vague1-de",
                           valeur=str(source), attendu="un ensemble aux mêmes ménages, réplicats, graines et période")
    faits = Stockage(sv).termines()
    if len(faits) < len(nous):
        raise ErreurEntree(f"La vague 1 de ce dossier n'est pas terminée ({len(faits)} runs sur {len(nous)}).",
                           cle="--vague1-de", valeur=str(source), attendu="une vague 1 terminée")
    shutil.copytree(sv, dv, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    tirage = json.loads((sv / "tirage.json").read_text(encoding="utf-8"))
    tirage["copiee_de"] = chemin_relatif(str(source))
    ecrire_atomique(dv / "tirage.json", en_json(tirage))
    return tirage


def construire_ensemble(pe: PlanEnsemble, dossier: Path | None = None, *, travailleurs: int | None = None,
                        dask: str | None = None, slurm: Any = None, barre: bool | None = None,
                        fichier: Path | None = None, ecrire: bool = True,
                        vague1_de: Path | None = None) -> ResultatEnsemble:
    """`nonrecours ensemble` : vagues, émulateurs, vérification sur graines fraîches, fichier de l'ensemble.

    `vague1_de` : dossier d'un autre ensemble du même plan dont la vague 1 est reprise (`copier_vague1`)."""
    import time

    dossier = dossier_ensemble(pe, dossier)
    reg, plan = pe.reglages, pe.plan
    if slurm is not None:
        if dask is not None:
            raise ErreurEntree(f"--slurm avec --dask {dask} : choisir l'un ou l'autre.")
        from experiences.execution.slurm import verifier

        verifier(slurm)
    options = {"travailleurs": travailleurs, "dask": dask, "slurm": slurm, "barre": barre}
    debut = time.perf_counter()
    dossier.mkdir(parents=True, exist_ok=True)
    with Stockage(dossier).verrou():
        _ouvrir(dossier, pe)
        runs: list[pd.DataFrame] = []
        infos_vagues: list[dict[str, Any]] = []
        em, jeux = None, pd.DataFrame()
        cibles_em = cibles_emulees(plan.cibles, reg.cibles_echelle_log)
        for v in range(1, reg.vagues + 1):
            dv = dossier / f"vague_{v:02d}"
            infos: dict[str, Any] = {"numero": v}
            if v == 1 and vague1_de is not None and not (dv / "points.parquet").is_file():
                copier_vague1(pe, vague1_de, dv)
            if (dv / "points.parquet").is_file():
                points = None
                infos.update(json.loads((dv / "tirage.json").read_text(encoding="utf-8")))
            elif v == 1:
                points = hypercube_latin(pe.bornes, reg.runs_par_vague, [plan.graine, v, 1])
                infos.update({"candidats": reg.runs_par_vague, "non_exclus": reg.runs_par_vague,
                              "part_non_implausible": 1.0})
            else:
                u_anc = ancres(em, jeux, pe) if reg.part_candidats_voisins > 0 else None
                points, tirage = tirer_non_exclus(em, pe, v, u_anc)
                infos.update(tirage, cibles_echelle_log=reg.cibles_echelle_log)
                if len(points) == 0:
                    infos["arret"] = "aucun candidat non exclu : région non implausible vide"
                    infos_vagues.append(infos)
                    break
            if points is not None:
                dv.mkdir(parents=True, exist_ok=True)
                ecrire_atomique(dv / "tirage.json", en_json({k: infos[k] for k in infos if k != "numero"}))
            r = executer_lot(dv, pe, points, plan.graines(), f"ensemble vague {v}/{reg.vagues}", options)
            runs.append(r.assign(vague=v))
            infos["points"] = int(r["point"].nunique())
            infos["runs"] = int(len(r))
            tous = runs_emules(pd.concat(runs, ignore_index=True), plan.cibles, reg.cibles_echelle_log)
            jeux = moyennes_par_jeu(tous, pe.cles, plan.cibles)
            sigma2 = bruit_par_cible(tous, plan.cibles)
            em = ajuster_emulateur(jeux[pe.cles].to_numpy(), jeux, sigma2, reg.replicats, pe.bornes, cibles_em,
                                   graine=plan.graine)
            imp = em.implausibilite(jeux[pe.cles].to_numpy(), reg.replicats_verification)
            infos["jeux_non_exclus_apres"] = int((imp["max"] <= reg.seuil_implausibilite).sum())
            infos_vagues.append(infos)
        tous = pd.concat(runs, ignore_index=True)
        dv = dossier / "verification"
        tirage_v = {"apres_vagues": len(runs), "verifications_max": reg.verifications_max,
                    "cibles_echelle_log": reg.cibles_echelle_log}
        if (dv / "points.parquet").is_file() and (dv / "tirage.json").is_file():
            fait = json.loads((dv / "tirage.json").read_text(encoding="utf-8"))
            if fait != tirage_v:  # vagues, vérifications ou échelle changées : la précédente est archivée
                base = f"verification_{fait['apres_vagues']}_vagues_{fait['verifications_max']}"
                archive, k = dossier / base, 1
                while archive.exists():
                    k += 1
                    archive = dossier / f"{base}_{k}"
                dv.rename(archive)
        pts = None
        u_anc = ancres(em, jeux, pe) if reg.part_candidats_voisins > 0 else None
        cand_v = candidats_verification(em, pe, u_anc)
        diag_tension = tension(em, cand_v, pe)
        if not (dv / "points.parquet").is_file():
            pts = tirer_verification(em, pe, u_anc, cand_v)
            dv.mkdir(parents=True, exist_ok=True)
            ecrire_atomique(dv / "tirage.json", en_json(tirage_v))
        verif = pd.DataFrame()
        acceptes = pd.DataFrame()
        if pts is None or len(pts):
            rv = executer_lot(dv, pe, pts, reg.graines_verification(), "ensemble vérification", options)
            pts_lus = pd.read_parquet(dossier / "verification" / "points.parquet")
            verif = moyennes_par_jeu(rv.assign(vague=0), pe.cles, pe.cibles_toutes).drop(columns="vague")
            verif = verif.drop(columns=pe.cles).merge(pts_lus, on="point")
            dans = np.column_stack([(verif[c.id] - c.valeur).abs().to_numpy() <= c.tolerance for c in plan.cibles])
            verif["accepte"] = dans.all(axis=1)
            verif["cibles_dans_tolerance"] = dans.sum(axis=1)
            acceptes = verif[verif["accepte"]].sort_values(["implausibilite", "point"], kind="stable")
            acceptes = acceptes.reset_index(drop=True)
        duree = time.perf_counter() - debut
        tous.to_csv(dossier / "runs.csv", index=False)
        if len(verif):
            verif.to_csv(dossier / "verification.csv", index=False)
        from experiences.execution.sorties import commit_git

        commit = commit_git()
        meta = {
            "format": FORMAT_ENSEMBLE,
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "commit": commit.get("commit", "inconnu"), "commit_modifie": bool(commit.get("modifie")),
            "plan": chemin_relatif(plan.fichier) if plan.fichier else plan.nom, "empreinte": pe.empreinte(),
            "methode": "history matching (émulateur processus gaussien scikit-learn par cible, rejet par "
                       "implausibilité, vérification sur graines fraîches)",
            "scenario": plan.scenario, "menages": plan.menages, "replicats": plan.replicats,
            "graines": plan.graines(), "graines_verification": reg.graines_verification(),
            "replicats_verification": reg.replicats_verification, "debut": plan.debut, "fin": plan.fin,
            "seuil_implausibilite": reg.seuil_implausibilite, "critere": "max sur les cibles ajustées",
            "cibles_echelle_log": reg.cibles_echelle_log, "decalage_log": DECALAGE_LOG,
            "plage": reg.plage, "vagues_faites": len(runs), "vagues_prevues": reg.vagues,
            "runs": int(len(tous)) + int(len(verif) * reg.replicats_verification),
            "runs_vagues": int(len(tous)), "jeux_verifies": int(len(verif)), "acceptes": int(len(acceptes)),
            "cibles_ajustees": [c.id for c in plan.cibles],
            "cibles_predites": [c.id for c in pe.cibles_toutes if c.id not in {d.id for d in plan.cibles}],
            "duree_s": round(duree, 1),
            "duree_par_run_s": duree_moyenne_run(dossier),
            "vague": infos_vagues, "emulateur": em.diagnostics,
            "bornes": {k: list(v) for k, v in pe.bornes.items()},
        }
        if reg.annee_max_cibles is not None:
            meta["annee_max_cibles"] = reg.annee_max_cibles
        meta["cibles"] = resume_cibles(acceptes, pe.cibles_toutes, {c.id for c in plan.cibles})
        if len(verif):
            meta["verification"] = resume_verification(verif, plan.cibles)
        meta["tension"] = diag_tension
        sorties_json = {k: v for k, v in meta.items()}
        ecrire_atomique(dossier / "provenance_ensemble.json", en_json(sorties_json))
        chemin = None
        if ecrire:
            chemin = ecrire_ensemble(texte_ensemble(meta, acceptes, pe), fichier or fichier_par_defaut(pe))
    return ResultatEnsemble(dossier, chemin, acceptes, verif, tous, meta, em)


def duree_moyenne_run(dossier: Path) -> float:
    """Durée moyenne d'un run réussi (s), lue dans les journaux des stockages (`journal.jsonl`) ; −1 sans run."""
    durees = []
    for journal in sorted(Path(dossier).glob("*/journal.jsonl")):
        for ligne in journal.read_text(encoding="utf-8").splitlines():
            try:
                d = json.loads(ligne)
            except json.JSONDecodeError:
                continue
            if d.get("statut") == "ok":
                durees.append(float(d.get("duree_s", 0.0)))
    return round(float(np.mean(durees)), 2) if durees else -1.0


def resume_cibles(acceptes: pd.DataFrame, cibles: list[mod_cibles.Cible], ajustees: set[str]) -> dict[str, dict]:
    """Par cible : valeur publiée, tolérance, année, ajustée ou prédite, médiane et intervalle 5-95 % sur les jeux
    acceptés, part des jeux dans la tolérance (NaN sans jeu accepté)."""
    out = {}
    for c in cibles:
        v = acceptes[c.id].to_numpy(dtype=float) if c.id in acceptes else np.array([])
        v = v[np.isfinite(v)]
        n = v.size
        out[c.id] = {"publie": c.valeur, "tolerance": c.tolerance, "annee": c.annee, "ajustee": c.id in ajustees,
                     "mediane": float(np.median(v)) if n else float("nan"),
                     "bas": float(np.quantile(v, QUANTILES[0])) if n else float("nan"),
                     "haut": float(np.quantile(v, QUANTILES[1])) if n else float("nan"),
                     "part_dans_tolerance": float(np.mean(np.abs(v - c.valeur) <= c.tolerance)) if n else float("nan"),
                     "jeux": int(n)}
    return out


# --- Fichier de l'ensemble -------------------------------------------------------------------------------------

def resume_verification(verif: pd.DataFrame, cibles: list[mod_cibles.Cible]) -> dict[str, Any]:
    """Ce que la vérification sur graines fraîches a donné, acceptés ou non : part des jeux vérifiés dans la
    tolérance par cible ajustée, nombre de jeux par nombre de cibles atteintes, et probabilité d'acceptation que
    l'émulateur prédisait en moyenne (à comparer à la part acceptée)."""
    out: dict[str, Any] = {"jeux": int(len(verif)), "part_acceptee": float(verif["accepte"].mean())}
    if "log_proba_acceptation" in verif:
        out["proba_acceptation_predite_moyenne"] = float(np.exp(verif["log_proba_acceptation"]).mean())
    out["part_dans_tolerance"] = {c.id: float(((verif[c.id] - c.valeur).abs() <= c.tolerance).mean())
                                  for c in cibles}
    compte = verif["cibles_dans_tolerance"].value_counts()
    out["jeux_par_cibles_atteintes"] = {str(k): int(compte.get(k, 0)) for k in range(len(cibles) + 1)}
    return out


def _toml_valeur(v: Any) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_valeur(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_valeur(x) for x in v) + "]"
    return valeur_toml(v)


def texte_ensemble(meta: dict[str, Any], acceptes: pd.DataFrame, pe: PlanEnsemble) -> str:
    """Contenu TOML du fichier d'ensemble : en-tête, [meta], [meta.emulateur], [meta.cibles], [[meta.vague]],
    puis un [[jeu]] par jeu accepté (valeurs des paramètres libres, valeurs des cibles sur graines fraîches)."""
    lignes = [
        "# Ensemble de jeux de paramètres acceptés par `nonrecours ensemble` (history matching,",
        "# experiences/calibration/ensemble.py) : ne pas éditer à la main. Chaque [[jeu]] tombe dans la tolérance",
        "# de chaque cible ajustée sur les graines fraîches de meta.graines_verification. Lu par",
        "# `nonrecours comparer --ensemble K` et `nonrecours valider`. Méthode : docs/calibration.md.",
        "", "[meta]"]
    tables = ("vague", "emulateur", "cibles", "bornes", "verification", "tension")
    simples = {k: v for k, v in meta.items() if k not in tables}
    lignes += [f"{k} = {_toml_valeur(v)}" for k, v in simples.items()]
    lignes += ["", "[meta.bornes]"] + [f"{json.dumps(k)} = {_toml_valeur(v)}" for k, v in meta["bornes"].items()]
    lignes += ["", "[meta.emulateur]"] + [f"{k} = {_toml_valeur(v)}" for k, v in meta["emulateur"].items()]
    lignes += ["", "[meta.cibles]"] + [f"{k} = {_toml_valeur(v)}" for k, v in meta["cibles"].items()]
    for t in ("verification", "tension"):
        if t in meta:
            lignes += ["", f"[meta.{t}]"] + [f"{k} = {_toml_valeur(v)}" for k, v in meta[t].items()]
    for v in meta["vague"]:
        lignes += ["", "[[meta.vague]]"] + [f"{k} = {_toml_valeur(x)}" for k, x in v.items()]
    ids = [c.id for c in pe.cibles_toutes]
    for k, ligne in enumerate(acceptes.to_dict("records")):
        lignes += ["", "[[jeu]]", f"numero = {k}", f"point_verification = {int(ligne['point'])}",
                   f"implausibilite = {float(ligne['implausibilite'])!r}",
                   f"ecart_norme_predit = {float(ligne['ecart_norme_predit'])!r}",
                   *([f"proba_acceptation_predite = {math.exp(float(ligne['log_proba_acceptation']))!r}"]
                     if "log_proba_acceptation" in ligne else []),
                   "valeurs = " + _toml_valeur({c: _valeurs_point(pe, ligne)[c] for c in pe.cles}),
                   "cibles = " + _toml_valeur({i: float(ligne[i]) for i in ids if i in ligne})]
    return "\n".join(lignes) + "\n"


def ecrire_ensemble(texte: str, chemin: Path) -> Path:
    """Écrit le fichier d'ensemble d'un coup (temporaire puis renommage) après l'avoir relu et validé."""
    chemin = Path(chemin)
    tmp = chemin.with_name(f".{chemin.name}.partiel")
    tmp.write_text(texte, encoding="utf-8")
    try:
        charger_ensemble(tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, chemin)
    return chemin


@dataclass
class Ensemble:
    """Un ensemble lu : [meta] et la liste des jeux (valeurs des paramètres, valeurs des cibles)."""

    fichier: Path
    meta: dict[str, Any]
    jeux: list[dict[str, float]]
    cibles: pd.DataFrame  # une ligne par jeu, une colonne par cible

    def choisir(self, k: int) -> list[int]:
        """Indices de `k` jeux répartis régulièrement dans la liste (triée par implausibilité croissante)."""
        n = len(self.jeux)
        if not 1 <= k <= n:
            raise ErreurEntree("Pas assez de jeux acceptés dans l'ensemble.", fichier=self.fichier,
                               cle="--ensemble", valeur=k, attendu=f"un entier entre 1 et {n}")
        return sorted({int(round(i)) for i in np.linspace(0, n - 1, k)})


def charger_ensemble(chemin: str | Path = FICHIER_ENSEMBLE) -> Ensemble:
    """Lit et valide un fichier d'ensemble (chaque jeu passe la validation des paramètres : code 2 sinon)."""
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ErreurEntree("Fichier d'ensemble introuvable.", fichier=chemin,
                           attendu="un fichier écrit par `nonrecours ensemble` (parametres/ensemble_calibration.toml)")
    try:
        donnees = tomllib.loads(chemin.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ErreurEntree(f"Fichier d'ensemble illisible ({exc}).", fichier=chemin) from None
    meta = donnees.get("meta")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_ENSEMBLE:
        raise ErreurEntree("Ce n'est pas un fichier d'ensemble.", fichier=chemin, cle="meta.format",
                           valeur=(meta or {}).get("format") if isinstance(meta, dict) else None,
                           attendu=FORMAT_ENSEMBLE)
    jeux, lignes = [], []
    defauts = Parametres.defauts()
    for k, j in enumerate(donnees.get("jeu", [])):
        if not isinstance(j, dict) or not isinstance(j.get("valeurs"), dict):
            raise ErreurEntree("Jeu mal formé.", fichier=chemin, cle=f"jeu[{k}]",
                               attendu="une table [[jeu]] avec valeurs = { cle = valeur }")
        defauts.avec(j["valeurs"], origine="ensemble", fichier=chemin)
        jeux.append(dict(j["valeurs"]))
        lignes.append({"jeu": k, **{c: float(v) for c, v in j.get("cibles", {}).items()},
                       "proba_acceptation_predite": float(j.get("proba_acceptation_predite", float("nan")))})
    return Ensemble(chemin, meta, jeux, pd.DataFrame(lignes))


def jeu_representatif(ens: Ensemble) -> int:
    """Indice du jeu que la référence calibrée adopte : le jeu accepté de plus grande probabilité d'acceptation
    prédite par l'émulateur (le moins exposé au bruit des graines), à défaut le premier (plus faible
    implausibilité)."""
    if not ens.jeux:
        raise ErreurEntree("L'ensemble ne contient aucun jeu accepté.", fichier=ens.fichier, cle="jeu",
                           attendu="au moins un [[jeu]] (relancer `nonrecours ensemble`)")
    p = ens.cibles["proba_acceptation_predite"].to_numpy(dtype=float) if "proba_acceptation_predite" in ens.cibles \
        else np.full(len(ens.jeux), np.nan)
    return int(np.nanargmax(p)) if np.isfinite(p).any() else 0


def calibration_depuis_ensemble(fichier_ensemble: str | Path, fichier_calibration: str | Path | None = None
                                ) -> tuple[int, Path]:
    """`nonrecours ensemble --ecrire-calibration` : la référence calibrée adopte le jeu représentatif de l'ensemble
    (`jeu_representatif`) ; écrit `fichier_calibration` (défaut : parametres/calibration.toml) d'un coup, après
    validation des valeurs. Les valeurs calibrées en vigueur que le jeu ne fixe pas sont gardées."""
    from experiences.calibration.ajustement import ecrire_calibration, valeurs_calibration_existantes
    from experiences.execution.sorties import commit_git
    from modele.scenarios import FICHIER_CALIBRATION

    lu = charger_ensemble(fichier_ensemble)
    k = jeu_representatif(lu)
    texte = texte_calibration_ensemble(lu, k, valeurs_calibration_existantes(), commit_git().get("commit", "inconnu"))
    return k, ecrire_calibration(texte, Path(fichier_calibration) if fichier_calibration else FICHIER_CALIBRATION)


def texte_calibration_ensemble(ens: Ensemble, k: int, valeurs_precedentes: dict[str, Any] | None = None,
                               commit: str = "inconnu") -> str:
    """Contenu de parametres/calibration.toml quand la référence adopte le jeu `k` de l'ensemble : [meta] (fichier
    d'ensemble, jeu, date, commit, graines de vérification), [meta.ajustement] (cibles du jeu sur graines fraîches),
    [valeurs] (valeurs précédentes, remplacées par celles du jeu pour ses paramètres libres)."""
    m = ens.meta
    valeurs = dict(valeurs_precedentes or {})
    valeurs.update(ens.jeux[k])
    ligne = ens.cibles.iloc[k]
    lignes = [
        "# Valeurs de la référence calibrée : un jeu de l'ensemble accepté (`nonrecours ensemble",
        "# --ecrire-calibration`, experiences/calibration/ensemble.py) : ne pas éditer à la main. Lues par les",
        "# scénarios `calibration = true` (seule la section [valeurs] est appliquée). Méthode et choix du jeu :",
        "# docs/calibration.md.",
        "", "[meta]",
        f"date = {valeur_toml(dt.datetime.now().isoformat(timespec='seconds'))}",
        'methode = "ensemble"',
        f"fichier_ensemble = {valeur_toml(chemin_relatif(str(ens.fichier)))}",
        f"date_ensemble = {valeur_toml(str(m.get('date', 'inconnue')))}",
        f"commit_ensemble = {valeur_toml(str(m.get('commit', 'inconnu')))}",
        f"commit_ecriture = {valeur_toml(commit)}",
        f"jeu = {k}",
        f"jeux_acceptes = {len(ens.jeux)}",
        'choix = "jeu accepté de plus grande probabilité d\'acceptation prédite par l\'émulateur"',
        f"proba_acceptation_predite = {float(ligne.get('proba_acceptation_predite', float('nan')))!r}",
        f"scenario = {valeur_toml(str(m.get('scenario', 'reference')))}",
        f"menages = {int(m.get('menages', 0))}",
        f"replicats = {int(m.get('replicats_verification', 0))}",
        f"graines = {valeur_toml(list(m.get('graines_verification', [])))}",
        f"debut = {valeur_toml(str(m.get('debut', '')))}",
        f"fin = {valeur_toml(str(m.get('fin', '')))}",
        f"parametres_libres = {valeur_toml(list(ens.jeux[k]))}",
        "", "[meta.ajustement]"]
    for cid, d in m.get("cibles", {}).items():
        if cid in ligne and d.get("ajustee", True):
            lignes.append(ligne_ajustement(cid, d["publie"], ligne[cid], d["tolerance"]))
    lignes += ["", *lignes_valeurs(valeurs)]
    return "\n".join(lignes) + "\n"


def tableau_ensemble(ens: Ensemble, predites_seulement: bool = False) -> pd.DataFrame:
    """Tableau des cibles de l'ensemble ([meta.cibles]) : une ligne par cible ; `predites_seulement` ne garde que
    les cibles non ajustées (table « prédiction » d'un ensemble hors échantillon)."""
    lignes = [{"cible": cid, **d} for cid, d in ens.meta.get("cibles", {}).items()]
    df = pd.DataFrame(lignes)
    if predites_seulement and len(df):
        df = df[~df["ajustee"].astype(bool)]
    if len(df):
        df["dans_tolerance_mediane"] = (df["mediane"] - df["publie"]).abs() <= df["tolerance"]
    return df.reset_index(drop=True)

