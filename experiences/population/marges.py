"""Marges de la population synthétique face aux chiffres publiés : calcul, verdict, sorties HTML + CSV + PNG.

Les marges sont lues dans `parametres/marges_population.toml` (valeur publiée, tolérance, source ou hypothèse) ;
chaque identifiant a ici son calcul (`CALCULS`), une fonction pure de la population tirée par
`modele.population.creer_menages`. Les chiffres publiés sur des personnes sont comparés avec les ménages pondérés à
la structure par âge des adultes (`modele.population.poids_adultes`), comme l'ajustement de l'illectronisme.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from modele.entrees import exiger_liste, exiger_table, refuser_inconnues
from modele.etat import LOCATAIRE_SOCIAL, PROPRIETAIRE, TYPES_MENAGE, Menages
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, Parametres, lire_toml
from modele.population import creer_menages, niveau_de_vie, poids_adultes, tranche

FICHIER_MARGES = DOSSIER_PARAMETRES / "marges_population.toml"
CHAMPS = {"id", "description", "unite", "valeur", "tolerance", "source", "hypothese"}
ANNEE_DEFAUT = 2021
SEUIL_PAUVRETE = 0.6  # définition du taux de pauvreté monétaire (60 % du niveau de vie médian)


@dataclass(frozen=True)
class Marge:
    """Un chiffre publié (ou un repère déclaré hypothèse) et sa tolérance."""

    id: str
    description: str
    unite: str
    valeur: float
    tolerance: float
    source: str | None
    hypothese: bool


def charger_marges(chemin: str | Path = FICHIER_MARGES) -> list[Marge]:
    """Lit et valide les marges ; toute erreur lève `ErreurEntree` (fichier, clé, valeur, ce qui est permis)."""
    donnees = lire_toml(chemin)
    tables = exiger_liste(donnees.get("marge"), chemin, "marge", "des tables [[marge]]")
    if not tables:
        raise ErreurEntree("Aucune marge.", fichier=chemin, cle="marge", attendu="des tables [[marge]]")
    marges = []
    for k, t in enumerate(tables):
        ctx = f"marge[{k}]"
        t = exiger_table(t, chemin, ctx, "une table [[marge]]")
        refuser_inconnues(t, CHAMPS, chemin, ctx, "Champ de marge inconnu.")
        for champ in ("id", "valeur", "tolerance"):
            if champ not in t:
                raise ErreurEntree("Champ de marge manquant.", fichier=chemin, cle=f"{ctx}.{champ}",
                                   attendu="id, valeur, tolerance, et source ou hypothese")
        if t["id"] not in CALCULS:
            raise ErreurEntree("Marge sans calcul.", fichier=chemin, cle=f"{ctx}.id", valeur=t["id"],
                               attendu="un identifiant parmi " + ", ".join(CALCULS))
        for champ in ("valeur", "tolerance"):
            v = t[champ]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or (
                    champ == "tolerance" and v <= 0):
                raise ErreurEntree("Nombre invalide.", fichier=chemin, cle=f"{ctx}.{champ}", valeur=v,
                                   attendu="un nombre fini" + (" > 0" if champ == "tolerance" else ""))
        if ("source" in t) == bool(t.get("hypothese", False)):
            raise ErreurEntree("Une marge cite une source OU se déclare hypothèse (exactement l'un des deux).",
                               fichier=chemin, cle=ctx, attendu='source = "[cle] …" ou hypothese = true')
        marges.append(Marge(id=t["id"], description=t.get("description", ""), unite=t.get("unite", ""),
                            valeur=float(t["valeur"]), tolerance=float(t["tolerance"]), source=t.get("source"),
                            hypothese=bool(t.get("hypothese", False))))
    return marges


# --- Calculs (purs) ---------------------------------------------------------------------------------------

def _moyenne(x, poids, masque=None):
    x = np.asarray(x, dtype=float)
    if masque is not None:
        x, poids = x[masque], poids[masque]
    return float((x * poids).sum() / max(poids.sum(), 1e-12))


def _quantile_pondere(x, poids, q):
    o = np.argsort(x)
    c = np.cumsum(poids[o]) / poids.sum()
    return float(x[o][min(np.searchsorted(c, q), x.size - 1)])


@dataclass
class Contexte:
    """Ce dont les calculs ont besoin : la population, ses paramètres, ses poids et son niveau de vie."""

    M: Menages
    p: Parametres

    def __post_init__(self):
        self.t_age = tranche(self.M.age)
        self.poids = poids_adultes(self.p, self.t_age)
        self.illectronisme = self.M.numerique < self.p["population.seuil_illectronisme"]
        self.nv = niveau_de_vie(self.p, self.M)
        self.personnes = self.M.personnes().astype(float)
        self.un = np.ones(self.M.n)


def _ill(masque: Callable[[Contexte], np.ndarray] | None = None):
    return lambda c: _moyenne(c.illectronisme, c.poids, None if masque is None else masque(c))


def _part(masque: Callable[[Contexte], np.ndarray]):
    return lambda c: float(masque(c).mean())


def _pauvrete(c: Contexte, masque=None) -> float:
    seuil = SEUIL_PAUVRETE * _quantile_pondere(c.nv, c.personnes, 0.5)
    return _moyenne(c.nv < seuil, c.personnes, masque)


CALCULS: dict[str, Callable[[Contexte], float]] = {
    "illectronisme_ensemble": _ill(),
    "illectronisme_age_18_29": _ill(lambda c: c.t_age == 0),
    "illectronisme_age_30_44": _ill(lambda c: c.t_age == 1),
    "illectronisme_age_45_59": _ill(lambda c: c.t_age == 2),
    "illectronisme_age_60_74": _ill(lambda c: c.t_age == 3),
    "illectronisme_age_75_plus": _ill(lambda c: c.t_age == 4),
    "illectronisme_sans_diplome": _ill(lambda c: c.M.diplome == 0),
    "illectronisme_superieur": _ill(lambda c: c.M.diplome == 3),
    "illectronisme_quintiles_1_2": _ill(lambda c: c.M.quintile <= 1),
    "illectronisme_quintile_5": _ill(lambda c: c.M.quintile == 4),
    "sans_equipement": _part(lambda c: c.M.equipement == 0),
    **{f"part_{t}": _part(lambda c, k=k: c.M.type_menage == k) for k, t in enumerate(TYPES_MENAGE)},
    "part_qpv": _part(lambda c: c.M.territoire == 1),
    "part_rural": _part(lambda c: c.M.territoire == 3),
    "ecart_age_rural_urbain": lambda c: float(c.M.age[c.M.territoire == 3].mean()
                                              - c.M.age[c.M.territoire == 0].mean()),
    "part_75_plus": _part(lambda c: c.t_age == 4),
    "part_18_29": _part(lambda c: c.t_age == 0),
    "niveau_de_vie_median": lambda c: _quantile_pondere(c.nv, c.personnes, 0.5),
    "rapport_qpv_ensemble_pauvrete": lambda c: _pauvrete(c, c.M.territoire == 1) / max(_pauvrete(c), 1e-12),
    "part_proprietaires": _part(lambda c: c.M.logement == PROPRIETAIRE),
    "part_eligibles_rsa": _part(lambda c: c.M.eligible[:, 0]),
    "part_eligibles_prime_activite": _part(lambda c: c.M.eligible[:, 1]),
    "part_parc_social": _part(lambda c: c.M.logement == LOCATAIRE_SOCIAL),
}


def construire(p: Parametres, menages: int, annee: int, graine: int = 0) -> Menages:
    """La population synthétique de `menages` ménages, en euros de `annee` (indexés depuis l'année de référence),
    et ses montants dus lus dans la table des droits (`Menages.montant_du`, éligibilité : montant > 0)."""
    from modele.droits import TableDroits
    from modele.prestations import Catalogue

    M = creer_menages(p, menages, np.random.default_rng(graine), annee)
    t = TableDroits.charger(revalorisation_annuelle=p["droits.revalorisation_annuelle"])
    d = t.montants(max(annee, int(t.annees[0])), M.couple, M.enfants, M.age, M.revenus_activite,
                   M.pensions + M.autres_ressources, M.logement, M.loyer)
    cat = Catalogue.depuis(p)
    for b, nom in enumerate(cat.noms):
        cle = {"css_gratuite": "css_gratuite", "css_participation": "css_participation_eligible"}.get(nom, nom)
        M.montant_du[:, b] = d[cle]
    M.eligible[:] = M.montant_du > 0
    return M


def evaluer(M: Menages, p: Parametres, marges: list[Marge]) -> pd.DataFrame:
    """Une ligne par marge : valeur simulée, valeur publiée, tolérance, écart, verdict, source."""
    c = Contexte(M, p)
    lignes = []
    for mg in marges:
        v = CALCULS[mg.id](c)
        ecart = v - mg.valeur
        lignes.append({"id": mg.id, "description": mg.description, "unite": mg.unite, "simule": v,
                       "publie": mg.valeur, "tolerance": mg.tolerance, "ecart": ecart,
                       "verdict": "tenue" if abs(ecart) <= mg.tolerance else "hors tolérance",
                       "source": mg.source if mg.source else "hypothèse (repère non publié)"})
    return pd.DataFrame(lignes)


# --- Sorties ----------------------------------------------------------------------------------------------

def figure(tab: pd.DataFrame, chemin: Path) -> None:
    """Écarts normalisés par la tolérance (|écart| ≤ 1 : marge tenue), une barre par marge."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    z = (tab["ecart"] / tab["tolerance"]).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(tab) + 1.5))
    couleurs = ["#2a7" if abs(v) <= 1 else "#c33" for v in z]
    ax.barh(tab["id"], z, color=couleurs)
    ax.axvline(-1, color="grey", ls="--")
    ax.axvline(1, color="grey", ls="--")
    ax.invert_yaxis()
    ax.set_xlabel("écart simulé − publié, en tolérances (|x| ≤ 1 : tenue)")
    ax.set_title("Population synthétique face aux chiffres publiés")
    fig.tight_layout()
    fig.savefig(chemin, dpi=100)
    plt.close(fig)


def ecrire(dossier: Path, tab: pd.DataFrame, titre: str, provenance: dict | None = None) -> None:
    """marges.csv, marges.html, marges.png dans `dossier` (existant)."""
    from experiences.rapports import html

    tab.to_csv(dossier / "marges.csv", index=False)
    figure(tab, dossier / "marges.png")
    n_ok = int((tab["verdict"] == "tenue").sum())
    html.ecrire(dossier / "marges.html", "population.html.j2", titre=titre, n_ok=n_ok, n=len(tab),
                marges=html.tableau(tab), classes={"tenue": "tenue", "hors tolérance": "hors"},
                figure=dossier / "marges.png", provenance=provenance)


def executer(menages: int, annee: int, sortie: Path, graine: int = 0,
             fichier: str | Path = FICHIER_MARGES) -> pd.DataFrame:
    """Tire la population, évalue les marges et écrit marges.csv/.html/.png et provenance.json d'un coup (dossier
    atomique : rien n'est écrit si une entrée est invalide)."""
    from experiences.execution import sorties
    from modele.calendrier import ANNEE_MAX, ANNEE_MIN
    from modele.modele import MENAGES_MAX, MENAGES_MIN

    if not MENAGES_MIN <= menages <= MENAGES_MAX:
        raise ErreurEntree("Nombre de ménages invalide.", cle="--menages", valeur=menages,
                           attendu=f"un entier entre {MENAGES_MIN} et {MENAGES_MAX}")
    if not ANNEE_MIN <= annee <= ANNEE_MAX:
        raise ErreurEntree("Année invalide.", cle="--annee", valeur=annee,
                           attendu=f"une année entre {ANNEE_MIN} et {ANNEE_MAX}")
    marges = charger_marges(fichier)
    p = Parametres.defauts()
    tab = evaluer(construire(p, menages, annee, graine), p, marges)
    with sorties.DossierAtomique(sortie) as tmp:
        prov = sorties.provenance(menages=menages, annee=annee, graine=graine, fichier_marges=str(fichier),
                                  parametres=p.en_dict())
        ecrire(tmp, tab, f"Population synthétique ({menages} ménages, euros de {annee})", prov)
        sorties.ecrire_json(tmp / "provenance.json", prov)
    return tab
