"""Calibration : ajuster des paramètres comportementaux (`calibrable = true`) aux cibles publiées, avec Optuna.

Règle : un essai propose des valeurs pour les paramètres libres du plan ; le modèle tourne sur `replicats` graines
(les MÊMES graines pour tous les essais : nombres aléatoires communs, pour que deux essais ne diffèrent que par
leurs paramètres) ; chaque cible est calculée par réplicat (`experiences.calibration.cibles`) puis moyennée ;
la perte est Σ ((moyenne − cible) / tolérance)². L'étude Optuna (TPE multivarié par défaut) est stockée dans
`<sortie>/etude.journal` (`JournalStorage` sur `JournalFileBackend` : un journal en ajout seul qui tient sur un
système de fichiers partagé entre nœuds, où SQLite ne tient pas ; une étude ancienne `<sortie>/etude.sqlite` se
reprend avec SQLite) : relancer la même commande reprend là où elle s'était arrêtée. Les réplicats d'un essai
tournent en parallèle dans un groupe de `travailleurs` processus, ou sur des travailleurs Dask soumis comme jobs
SLURM (`slurm`, voir docs/cluster.md) ; s'il y a plus de travailleurs que de réplicats, plusieurs essais avancent
en même temps (travailleurs // réplicats).

Le meilleur essai est écrit dans `parametres/calibration.toml` : [valeurs] (lu par les scénarios
`calibration = true`) et [meta] (ajustement, graines, date, ménages, réplicats, commit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiences.calibration import cibles as mod_cibles
from experiences.execution import processus
from experiences.execution.runs import SpecRun, executer_run, graine_replicat
from modele.calendrier import Calendrier
from modele.entrees import LIMITES, exiger_booleen, exiger_nom, nom_de_dossier
from modele.parametres import DOSSIER_PARAMETRES, RACINE, ErreurEntree, Parametres, lire_toml
from modele.scenarios import FICHIER_CALIBRATION, charger_scenario

FICHIER_PLAN = DOSSIER_PARAMETRES / "plan_calibration.toml"
CHAMPS_PLAN = {"nom", "scenario", "menages", "replicats", "graine", "debut", "fin", "essais", "echantillonneur",
               "cibles", "fichier_cibles", "demarrage", "hors_plage_plausible"}
ECHANTILLONNEURS = ("tpe", "cmaes", "aleatoire")


@dataclass
class PlanCalibration:
    """Ce qui définit une calibration : paramètres libres et bornes, cibles, taille, graines, essais."""

    nom: str
    parametres: dict[str, tuple[float, float]]
    cibles: list[mod_cibles.Cible]
    scenario: str = "reference"
    menages: int = 10000
    replicats: int = 2
    graine: int = 1000
    debut: str = "2014-01"
    fin: str = "2023-12"
    essais: int = 60
    echantillonneur: str = "tpe"
    demarrage: int = 10
    surcharges: dict[str, Any] = field(default_factory=dict)
    departs: list[dict[str, float]] = field(default_factory=list)
    fichier: str | None = None

    def empreinte(self) -> str:
        """Empreinte de ce qui rend deux études comparables (une étude ne se reprend qu'avec le même plan)."""
        cle = {"parametres": {k: list(v) for k, v in sorted(self.parametres.items())},
               "cibles": [(c.id, c.valeur, c.tolerance) for c in self.cibles], "scenario": self.scenario,
               "menages": self.menages, "replicats": self.replicats, "graine": self.graine, "debut": self.debut,
               "fin": self.fin, "surcharges": sorted((k, repr(v)) for k, v in self.surcharges.items())}
        return hashlib.sha256(json.dumps(cle, sort_keys=True).encode()).hexdigest()[:16]

    def graines(self) -> list[int]:
        """Graines des réplicats (communes à tous les essais)."""
        return [graine_replicat(self.graine, r) for r in range(self.replicats)]


def _entier(v, fichier, cle, minimum):
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ErreurEntree("Entier invalide.", fichier=fichier, cle=cle, valeur=v, attendu=f"un entier >= {minimum}")
    return v


def lire_plan(chemin: str | Path = FICHIER_PLAN, *, parametres: list[str] | None = None,
              cibles: list[str] | None = None, **remplacements) -> PlanCalibration:
    """Lit et valide un plan de calibration TOML ([calibration], [parametres], [surcharges] facultatif).

    `parametres` / `cibles` restreignent le plan à un sous-ensemble ; `remplacements` (menages, replicats, essais,
    graine, debut, fin, echantillonneur) remplacent les valeurs du fichier quand ils ne sont pas None.
    """
    chemin = Path(chemin)
    donnees = lire_toml(chemin)
    # [ensemble] : réglages de l'ensemble par history matching, lus par experiences/calibration/ensemble.py.
    inconnues = set(donnees) - {"calibration", "parametres", "surcharges", "depart", "ensemble"}
    if inconnues:
        raise ErreurEntree("Section inconnue dans un plan de calibration.", fichier=chemin, cle=sorted(inconnues)[0],
                           attendu="[calibration], [parametres], [surcharges], [[depart]], [ensemble]")
    entete = donnees.get("calibration")
    if not isinstance(entete, dict):
        raise ErreurEntree("Section [calibration] manquante.", fichier=chemin, cle="calibration",
                           attendu="[calibration] avec nom, menages, replicats, essais…")
    if set(entete) - CHAMPS_PLAN:
        raise ErreurEntree("Champ inconnu dans [calibration].", fichier=chemin,
                           cle="calibration." + sorted(set(entete) - CHAMPS_PLAN)[0],
                           attendu=", ".join(sorted(CHAMPS_PLAN)))
    entete = {**entete, **{k: v for k, v in remplacements.items() if v is not None}}
    defauts = Parametres.defauts()
    decl = defauts.declarations

    table = donnees.get("parametres", {})
    if not isinstance(table, dict) or not table:
        raise ErreurEntree("Aucun paramètre à calibrer.", fichier=chemin, cle="parametres",
                           attendu="[parametres] \"cle.du.parametre\" = { min = …, max = … } "
                                   "(ou {} : plage plausible déclarée)")
    libres: dict[str, tuple[float, float]] = {}
    hors_plausible = exiger_booleen(entete.get("hors_plage_plausible", False), chemin,
                                    "calibration.hors_plage_plausible")
    avertis: list[str] = []
    for cle, bornes in table.items():
        d = decl.get(cle)
        if d is None:
            raise ErreurEntree("Paramètre inconnu.", fichier=chemin, cle=f"parametres.{cle}",
                               attendu="une clé déclarée dans parametres/defauts/")
        if not d.calibrable:
            raise ErreurEntree("Ce paramètre n'est pas déclaré calibrable.", fichier=chemin, cle=f"parametres.{cle}",
                               attendu="un paramètre déclaré avec calibrable = true (comportement sans valeur publiée)")
        if bornes == "plausible":
            bornes = {}
        if not isinstance(bornes, dict) or set(bornes) - {"min", "max"}:
            raise ErreurEntree("Bornes mal formées.", fichier=chemin, cle=f"parametres.{cle}", valeur=bornes,
                               attendu="{ min = …, max = … }, ou {} ou \"plausible\" : plage plausible déclarée")
        # Sans intervalle : la plage plausible déclarée (jamais les bornes de validation, qui admettent des mondes
        # absurdes) ; un intervalle donné doit rester dans la plage plausible, sauf hors_plage_plausible = true.
        bas_p, haut_p = d.plausible
        lo = d.valider(bornes.get("min", bas_p), fichier=chemin, cle=f"parametres.{cle}.min")
        hi = d.valider(bornes.get("max", haut_p), fichier=chemin, cle=f"parametres.{cle}.max")
        if not lo < hi:
            raise ErreurEntree("Bornes vides.", fichier=chemin, cle=f"parametres.{cle}", valeur=[lo, hi],
                               attendu="min < max")
        for nom, v in (("min", lo), ("max", hi)):
            if not bas_p <= v <= haut_p:
                if not hors_plausible:
                    raise ErreurEntree(
                        "Intervalle de recherche hors de la plage plausible déclarée.", fichier=chemin,
                        cle=f"parametres.{cle}.{nom}", valeur=v,
                        attendu=f"une valeur dans la plage plausible [{bas_p:g}, {haut_p:g}] de {Path(d.fichier).name} "
                        "(ou élargir cette plage avec son argument, ou [calibration] hors_plage_plausible = true "
                        "pour explorer exprès des mondes jugés implausibles)")
                avertis.append(f"parametres.{cle}.{nom} = {v:g} hors de la plage plausible [{bas_p:g}, {haut_p:g}]")
        libres[cle] = (float(lo), float(hi))
    if avertis:
        warnings.warn(f"{chemin} : hors_plage_plausible = true : " + " ; ".join(avertis) + ".", UserWarning,
                      stacklevel=2)
    if parametres:
        for cle in parametres:
            if cle not in libres:
                raise ErreurEntree("Paramètre absent du plan.", fichier=chemin, cle="--parametres", valeur=cle,
                                   attendu="un paramètre parmi " + ", ".join(libres))
        libres = {k: v for k, v in libres.items() if k in parametres}

    surcharges = donnees.get("surcharges", {})
    if not isinstance(surcharges, dict):
        raise ErreurEntree("Section [surcharges] mal formée.", fichier=chemin, cle="surcharges", attendu="une table")
    defauts.avec(surcharges, origine="plan de calibration", fichier=chemin)
    if set(surcharges) & set(libres):
        raise ErreurEntree("Un paramètre est à la fois libre et fixé.", fichier=chemin,
                           cle=sorted(set(surcharges) & set(libres))[0], attendu="l'un ou l'autre")

    fichier_cibles = entete.get("fichier_cibles")
    fichier_cibles = mod_cibles.FICHIER_CIBLES if fichier_cibles is None else (chemin.parent / fichier_cibles)
    ids = cibles if cibles else entete.get("cibles")
    liste_cibles = mod_cibles.charger_cibles(fichier_cibles, ids)

    scenario = str(entete.get("scenario", "reference"))
    if scenario.endswith(".toml"):
        scenario = str((chemin.parent / scenario).resolve())  # relatif au plan
    charger_scenario(scenario)
    debut, fin = str(entete.get("debut", "2014-01")), str(entete.get("fin", "2023-12"))
    try:
        Calendrier.depuis_mois(debut, fin)
    except (ValueError, ErreurEntree):
        raise ErreurEntree("Période invalide.", fichier=chemin, cle="calibration.debut/fin", valeur=[debut, fin],
                           attendu="deux mois AAAA-MM, début avant fin") from None
    for c in liste_cibles:
        if fin < mod_cibles.MOIS_REQUIS[c.id]:
            raise ErreurEntree("La période simulée s'arrête avant la fenêtre d'une cible.", fichier=chemin,
                               cle="calibration.fin", valeur=fin,
                               attendu=f"au moins {mod_cibles.MOIS_REQUIS[c.id]} pour la cible {c.id}")
    departs = donnees.get("depart", [])
    if not isinstance(departs, list):
        raise ErreurEntree("Points de départ mal formés.", fichier=chemin, cle="depart",
                           attendu="des tables [[depart]] cle = valeur")
    for k, point in enumerate(departs):
        if not isinstance(point, dict):
            raise ErreurEntree("Point de départ mal formé.", fichier=chemin, cle=f"depart[{k}]", valeur=point,
                               attendu="une table [[depart]] cle = valeur")
        for cle, v in point.items():
            if cle not in table:
                raise ErreurEntree("Point de départ sur un paramètre qui n'est pas libre.", fichier=chemin,
                                   cle=f"depart[{k}].{cle}", attendu="un paramètre de [parametres]")
            if not (isinstance(v, (int, float)) and not isinstance(v, bool)) or not (
                    libres.get(cle, (v, v))[0] <= v <= libres.get(cle, (v, v))[1]):
                raise ErreurEntree("Point de départ hors des bornes de recherche.", fichier=chemin,
                                   cle=f"depart[{k}].{cle}", valeur=v, attendu="une valeur entre min et max du plan")
    departs = [{k: float(v) for k, v in point.items() if k in libres} for point in departs]
    ech = entete.get("echantillonneur", "tpe")
    if ech not in ECHANTILLONNEURS:
        raise ErreurEntree("Échantillonneur inconnu.", fichier=chemin, cle="calibration.echantillonneur", valeur=ech,
                           attendu=", ".join(ECHANTILLONNEURS))
    menages = _entier(entete.get("menages", 10000), chemin, "calibration.menages", 100)
    decl["simulation.menages"].valider(menages, fichier=chemin, cle="calibration.menages")
    nom = exiger_nom(entete.get("nom", nom_de_dossier(chemin.stem)), chemin, "calibration.nom")
    essais = _entier(entete.get("essais", 60), chemin, "calibration.essais", 1)
    if essais > LIMITES["essais_calibration"]:
        raise ErreurEntree("Trop d'essais.", fichier=chemin, cle="calibration.essais", valeur=essais,
                           attendu=f"au plus {LIMITES['essais_calibration']}")
    replicats = _entier(entete.get("replicats", 2), chemin, "calibration.replicats", 1)
    if replicats > LIMITES["replicats"]:
        raise ErreurEntree("Trop de réplicats.", fichier=chemin, cle="calibration.replicats", valeur=replicats,
                           attendu=f"au plus {LIMITES['replicats']}")
    graine = _entier(entete.get("graine", 1000), chemin, "calibration.graine", 0)
    if graine > LIMITES["graine"] - replicats:
        raise ErreurEntree("Graine trop grande.", fichier=chemin, cle="calibration.graine", valeur=graine,
                           attendu=f"au plus {LIMITES['graine'] - replicats}")
    return PlanCalibration(
        nom=nom, parametres=libres, cibles=liste_cibles, scenario=scenario,
        menages=menages, replicats=replicats, graine=graine, debut=debut, fin=fin, essais=essais,
        echantillonneur=ech,
        demarrage=_entier(entete.get("demarrage", 10), chemin, "calibration.demarrage", 1),
        surcharges=dict(surcharges), departs=departs, fichier=str(chemin))


# --- Évaluation --------------------------------------------------------------------------------------------

def _valeurs_run(spec: SpecRun, cibles: list[mod_cibles.Cible]) -> dict[str, float]:
    """Exécute une spec et rend la valeur de chaque cible (calculée dans le processus : rien de lourd ne revient)."""
    res = executer_run(spec)
    return mod_cibles.valeurs_modele(res.series, cibles, menages=spec.menages,
                                     personnes_par_menage=res.parametres["simulation.personnes_par_menage"])


def specs_essai(plan: PlanCalibration, valeurs: dict[str, float]) -> list[SpecRun]:
    """Les exécutions d'un essai : une par réplicat, graines communes à tous les essais."""
    surcharges = {**plan.surcharges, **valeurs}
    return [SpecRun(scenario=plan.scenario, graine=g, menages=plan.menages, debut=plan.debut, fin=plan.fin,
                    surcharges=surcharges, replicat=r) for r, g in enumerate(plan.graines())]


def evaluer(plan: PlanCalibration, valeurs: dict[str, float], pool: ProcessPoolExecutor | None = None
            ) -> tuple[float, dict[str, float], pd.DataFrame]:
    """Perte, moyennes par cible et tableau (replicat, cible, valeur) pour des valeurs des paramètres libres."""
    specs = specs_essai(plan, valeurs)
    if pool is None:
        resultats = [_valeurs_run(s, plan.cibles) for s in specs]
    else:
        resultats = [f.result() for f in [pool.submit(_valeurs_run, s, plan.cibles) for s in specs]]
    par_rep = pd.DataFrame([{"replicat": s.replicat, "cible": k, "valeur": v}
                            for s, r in zip(specs, resultats) for k, v in r.items()])
    moyennes = par_rep.groupby("cible")["valeur"].mean().to_dict()
    return mod_cibles.perte(moyennes, plan.cibles), moyennes, par_rep


def _arrondi(cle: str, v: float) -> float | int:
    """Valeur écrite dans le fichier de calibration : entière si le paramètre l'est, sinon EXACTE (pas d'arrondi :
    le modèle réagit de façon chaotique à de petits écarts, la valeur écrite doit redonner l'essai mesuré)."""
    d = Parametres.defauts().declarations[cle]
    return int(round(v)) if d.type == "entier" else float(v)


# --- Étude Optuna --------------------------------------------------------------------------------------------

def _echantillonneur(plan: PlanCalibration):
    import optuna

    if plan.echantillonneur == "tpe":
        return optuna.samplers.TPESampler(seed=plan.graine, multivariate=True,
                                          n_startup_trials=min(plan.demarrage, max(plan.essais - 1, 1)))
    if plan.echantillonneur == "aleatoire":
        return optuna.samplers.RandomSampler(seed=plan.graine)
    try:
        import cmaes  # noqa: F401
    except ModuleNotFoundError:
        raise ErreurEntree("L'échantillonneur CMA-ES demande le paquet « cmaes » (pip install cmaes).",
                           cle="calibration.echantillonneur", valeur="cmaes",
                           attendu="tpe, ou installer cmaes") from None
    return optuna.samplers.CmaEsSampler(seed=plan.graine, n_startup_trials=plan.demarrage)


def fichier_etude(dossier: Path) -> Path:
    """Fichier de l'étude : `etude.sqlite` s'il existe (étude ancienne reprise), sinon `etude.journal`."""
    ancien = Path(dossier) / "etude.sqlite"
    return ancien if ancien.is_file() else Path(dossier) / "etude.journal"


def stockage_etude(dossier: Path):
    """Stockage Optuna de l'étude : journal (JournalFileBackend, verrou par lien symbolique, sûr sur NFS/Lustre)
    ou, pour une étude ancienne, SQLite."""
    import optuna

    chemin = fichier_etude(dossier).resolve()
    if chemin.suffix == ".sqlite":
        return optuna.storages.RDBStorage(f"sqlite:///{chemin}", engine_kwargs={"connect_args": {"timeout": 60}})
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(str(chemin)))


def ouvrir_etude(plan: PlanCalibration, dossier: Path):
    """Crée ou reprend l'étude de `dossier` (`fichier_etude`) ; refuse de reprendre une étude d'un autre plan."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dossier.mkdir(parents=True, exist_ok=True)
    stockage = stockage_etude(dossier)
    etude = optuna.create_study(study_name=plan.nom, storage=stockage, direction="minimize",
                                sampler=_echantillonneur(plan), load_if_exists=True)
    empreinte = etude.user_attrs.get("empreinte")
    if empreinte is None:
        etude.set_user_attr("empreinte", plan.empreinte())
        from experiences.execution.sorties import commit_git
        etude.set_user_attr("commit", commit_git())  # le code qui a fait tourner les essais
        etude.set_user_attr("plan", {"parametres": {k: list(v) for k, v in plan.parametres.items()},
                                     "cibles": [c.id for c in plan.cibles], "menages": plan.menages,
                                     "replicats": plan.replicats, "graines": plan.graines(), "debut": plan.debut,
                                     "fin": plan.fin, "scenario": plan.scenario, "surcharges": plan.surcharges})
        # Premier essai : les valeurs en vigueur (défauts + calibration existante), pour mesurer le gain.
        base = charger_scenario(plan.scenario).parametres_base(plan.surcharges)
        depart = {k: min(max(float(base[k]), lo), hi) for k, (lo, hi) in plan.parametres.items()}
        etude.enqueue_trial(depart)
        # Puis les points de départ du plan ([[depart]] : valeurs jugées plausibles ; les autres : en vigueur).
        for point in plan.departs:
            etude.enqueue_trial({**depart, **point})
    elif empreinte != plan.empreinte():
        raise ErreurEntree("Le dossier contient une étude d'un autre plan (paramètres, cibles, taille ou graines "
                           "différents) : impossible de la reprendre.", fichier=fichier_etude(dossier),
                           attendu="le même plan, ou un autre dossier --sortie")
    # Essais interrompus (processus tué) : marqués en échec pour être refaits.
    for t in etude.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        etude._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
    return etude


def n_termines(etude) -> int:
    """Essais terminés (état COMPLETE)."""
    import optuna

    return len(etude.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def calibrer(plan: PlanCalibration, dossier: Path, travailleurs: int = 1, progression=None, slurm=None):
    """Fait tourner l'étude jusqu'à `plan.essais` essais terminés ; rend l'étude.

    `slurm` (`experiences.execution.slurm.OptionsSlurm`) : les réplicats tournent sur des travailleurs Dask soumis
    comme jobs SLURM (au plus `slurm.travailleurs`), journaux des jobs dans `dossier/journaux_slurm`."""
    if slurm is not None:
        from experiences.execution.slurm import verifier

        verifier(slurm)  # avant d'ouvrir l'étude
    etude = ouvrir_etude(plan, dossier)
    reste = plan.essais - n_termines(etude)
    if progression is not None:
        progression.update(plan.essais - max(reste, 0))
    if reste <= 0:
        return etude
    pile = contextlib.ExitStack()
    if slurm is not None:
        from dask.distributed import Client

        from experiences.execution.slurm import grappe

        client = pile.enter_context(Client(pile.enter_context(grappe(slurm, Path(dossier) / "journaux_slurm"))))
        pool = client.get_executor(pure=False)  # un run perdu avec son job est refait par Dask
        travailleurs = slurm.travailleurs
    else:
        travailleurs = max(1, int(travailleurs))
        pool = processus.pool(travailleurs) if travailleurs > 1 else None
        if pool is not None:
            pile.callback(pool.shutdown, cancel_futures=True)
            # Ctrl+C, SIGTERM ou erreur : aucun travailleur ne reste (appelé avant shutdown, pile inversée).
            pile.push(lambda typ, val, tb: processus.arreter_pool(pool) if typ is not None else None)
            list(pool.map(abs, range(travailleurs)))  # démarre les processus avant les essais (durées comparables)

    def objectif(essai):
        valeurs = {}
        for cle, (lo, hi) in plan.parametres.items():
            if Parametres.defauts().declarations[cle].type == "entier":
                valeurs[cle] = essai.suggest_int(cle, int(lo), int(hi))
            else:
                valeurs[cle] = essai.suggest_float(cle, lo, hi)
        perte, moyennes, par_rep = evaluer(plan, valeurs, pool)
        essai.set_user_attr("moyennes", moyennes)
        essai.set_user_attr("par_replicat", par_rep.to_dict(orient="list"))
        return perte if math.isfinite(perte) else 1e9

    def rappel(_etude, _essai):
        if progression is not None:
            progression.update(1)
            meilleur = _etude.best_value if n_termines(_etude) else float("nan")
            progression.set_postfix(meilleure_perte=f"{meilleur:.2f}")

    # Les réplicats d'un essai tournent en parallèle ; s'il reste des processus, plusieurs essais avancent ensemble
    # (avec un seul essai à la fois, l'étude est reproductible : même graine → mêmes essais).
    n_jobs = max(1, travailleurs // max(plan.replicats, 1))
    with pile:
        etude.optimize(objectif, n_trials=reste, n_jobs=n_jobs, callbacks=[rappel], catch=(),
                       gc_after_trial=False)
    return etude


def tableau_essais(etude) -> pd.DataFrame:
    """Un essai par ligne : numéro, état, perte, valeurs des paramètres, moyenne de chaque cible."""
    lignes = []
    for t in etude.get_trials(deepcopy=False):
        ligne = {"essai": t.number, "etat": t.state.name, "perte": t.value}
        ligne.update(t.params)
        ligne.update({f"cible_{k}": v for k, v in t.user_attrs.get("moyennes", {}).items()})
        lignes.append(ligne)
    return pd.DataFrame(lignes)


# --- Fichier calibration.toml ------------------------------------------------------------------------------

def valeur_toml(v: Any) -> str:
    """Une valeur (booléen, nombre, liste, texte) écrite en TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(valeur_toml(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def chemin_relatif(chemin: str) -> str:
    """Chemin relatif à la racine du dépôt (inchangé s'il est ailleurs)."""
    try:
        return str(Path(chemin).resolve().relative_to(RACINE))
    except ValueError:
        return str(chemin)


def texte_calibration(plan: PlanCalibration, etude, valeurs_precedentes: dict[str, Any] | None = None,
                      commit: str = "inconnu") -> str:
    """Contenu TOML de parametres/calibration.toml : en-tête, [meta] (ajustement, graines, date…), [valeurs]."""
    meilleur = etude.best_trial
    valeurs = dict(valeurs_precedentes or {})
    valeurs.update({k: _arrondi(k, v) for k, v in meilleur.params.items()})
    moyennes = meilleur.user_attrs.get("moyennes", {})
    premier = next((t for t in etude.get_trials(deepcopy=False) if t.number == 0 and t.value is not None), None)
    lignes = [
        "# Valeurs calibrées par `nonrecours calibrer` (experiences/calibration/ajustement.py) : ne pas éditer "
        "à la main.",
        "# Lues par les scénarios `calibration = true` (seule la section [valeurs] est appliquée).",
        "# Cibles : parametres/cibles_calibration.toml ; correspondance : docs/calibration.md.",
        "",
        "[meta]",
        f"date = {valeur_toml(dt.datetime.now().isoformat(timespec='seconds'))}",
        f"plan = {valeur_toml(chemin_relatif(plan.fichier) if plan.fichier else plan.nom)}",
        f"commit_etude = {valeur_toml(etude.user_attrs.get('commit', {}).get('commit', 'inconnu'))}",
        f"commit_etude_modifie = {valeur_toml(bool(etude.user_attrs.get('commit', {}).get('modifie')))}",
        f"commit_ecriture = {valeur_toml(commit)}",
        f"scenario = {valeur_toml(plan.scenario)}",
        f"menages = {plan.menages}",
        f"replicats = {plan.replicats}",
        f"graines = {valeur_toml(plan.graines())}",
        f"debut = {valeur_toml(plan.debut)}",
        f"fin = {valeur_toml(plan.fin)}",
        f"echantillonneur = {valeur_toml(plan.echantillonneur)}",
        f"essais = {n_termines(etude)}",
        f"meilleur_essai = {meilleur.number}",
        f"perte = {float(meilleur.value):.4f}",
        f"perte_depart = {float(premier.value):.4f}" if premier is not None else "perte_depart = -1.0",
        "perte_definition = \"somme sur les cibles de ((moyenne des réplicats - cible) / tolérance)^2\"",
        f"parametres_libres = {valeur_toml(list(plan.parametres))}",
        f"surcharges_du_plan = {valeur_toml(sorted(plan.surcharges))}",
        "",
        "[meta.ajustement]",
    ]
    for c in plan.cibles:
        lignes.append(ligne_ajustement(c.id, c.valeur, moyennes.get(c.id, float("nan")), c.tolerance))
    lignes += ["", "[meta.bornes]"]
    for k, (lo, hi) in plan.parametres.items():
        lignes.append(f"{valeur_toml(k)} = [{lo!r}, {hi!r}]")
    lignes += ["", *lignes_valeurs(valeurs)]
    return "\n".join(lignes) + "\n"


def ligne_ajustement(cid: str, publie: float, modele: float, tolerance: float) -> str:
    """Une ligne de [meta.ajustement] de parametres/calibration.toml : valeur publiée, du modèle, tolérance."""
    return f"{cid} = {{ publie = {float(publie)!r}, modele = {float(modele):.4g}, tolerance = {float(tolerance)!r} }}"


def lignes_valeurs(valeurs: dict[str, Any]) -> list[str]:
    """Section [valeurs] de parametres/calibration.toml (clés triées), la seule que les scénarios appliquent."""
    return ["[valeurs]"] + [f"{valeur_toml(k)} = {valeur_toml(valeurs[k])}" for k in sorted(valeurs)]


def ecrire_calibration(texte: str, chemin: Path = FICHIER_CALIBRATION) -> Path:
    """Écrit le fichier de calibration d'un coup (fichier temporaire puis renommage) après l'avoir validé."""
    import tomllib

    donnees = tomllib.loads(texte)
    Parametres.defauts().avec(donnees["valeurs"], origine="calibration", fichier=chemin)
    chemin = Path(chemin)
    tmp = chemin.with_name(f".{chemin.name}.partiel")
    tmp.write_text(texte, encoding="utf-8")
    os.replace(tmp, chemin)
    return chemin


def valeurs_calibration_existantes(chemin: Path = FICHIER_CALIBRATION) -> dict[str, Any]:
    """[valeurs] du fichier de calibration en vigueur (vide s'il n'existe pas)."""
    return dict(lire_toml(chemin).get("valeurs", {})) if Path(chemin).is_file() else {}


def dossier_etude(plan: PlanCalibration, sortie: Path | None = None) -> Path:
    """Dossier de l'étude : `sortie`, ou resultats/calibration_<nom>/ ; refuse un chemin qui n'est pas un dossier."""
    dossier = Path(sortie) if sortie is not None else RACINE / "resultats" / f"calibration_{plan.nom}"
    if dossier.exists() and not dossier.is_dir():
        raise ErreurEntree("La sortie n'est pas un dossier.", cle="--sortie", valeur=str(dossier))
    return dossier


def executer_calibration(plan: PlanCalibration, dossier: Path | None = None, *, travailleurs: int | None = None,
                         fichier_calibration: Path | None = None, ecrire: bool = True, slurm=None):
    """`nonrecours calibrer` : fait tourner l'étude, écrit son dossier (essais.csv, meilleur.toml, provenance.json)
    et, si `ecrire`, le fichier de calibration ; rend (étude, dossier, fichier de calibration)."""
    import sys

    from tqdm import tqdm

    from experiences.execution import sorties
    from experiences.execution.runs import travailleurs_par_defaut

    dossier = dossier_etude(plan, dossier)
    travailleurs = travailleurs or travailleurs_par_defaut()
    fichier_cal = fichier_calibration if fichier_calibration is not None else FICHIER_CALIBRATION
    with tqdm(total=plan.essais, desc="calibrer", unit="essai", file=sys.stderr, disable=None) as barre:
        etude = calibrer(plan, dossier, travailleurs, barre, slurm=slurm)
    if n_termines(etude) == 0:
        raise ErreurEntree("Aucun essai terminé.", fichier=fichier_etude(dossier))
    precedentes = valeurs_calibration_existantes(fichier_cal) if Path(fichier_cal).is_file() else {}
    texte = texte_calibration(plan, etude, precedentes, sorties.commit_git()["commit"])
    tableau_essais(etude).to_csv(dossier / "essais.csv", index=False)
    (dossier / "meilleur.toml").write_text(texte, encoding="utf-8")
    sorties.ecrire_json(dossier / "provenance.json", sorties.provenance(
        plan={"fichier": plan.fichier, "nom": plan.nom, "empreinte": plan.empreinte(),
              "parametres": plan.parametres, "cibles": [c.id for c in plan.cibles]},
        graines=plan.graines(), menages=plan.menages, replicats=plan.replicats, debut=plan.debut, fin=plan.fin))
    if ecrire:
        ecrire_calibration(texte, fichier_cal)
    return etude, dossier, fichier_cal
