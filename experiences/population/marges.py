"""Marges de la population synthétique face aux chiffres publiés : calcul, verdict, sorties HTML + CSV + PNG.

Les marges sont lues dans `parametres/marges_population.toml` (valeur publiée, tolérance, source ou hypothèse) ;
chaque identifiant a ici son calcul (`CALCULS`), une fonction pure de la population tirée par
`modele.population.creer_menages`. Les chiffres publiés sur des personnes sont comparés avec les ménages pondérés à
la structure par âge des adultes (`modele.population.poids_adultes`), comme l'ajustement de l'illectronisme.

Niveau de vie « après prestations » : (ressources du ménage + prestations en espèces dues, lues dans la table des
droits : RSA, prime d'activité, aides au logement, ASPA) / unités de consommation de l'INSEE, comme le revenu
disponible (sans les prestations familiales, l'AAH ni les impôts directs, que le modèle ne représente pas). Les
enfants du modèle sont des enfants à charge sans âge ; la table des droits les calcule à 10, 7 et 4 ans : tous
comptent 0,3 UC (moins de 14 ans). Les quantiles et taux de pauvreté portent sur les personnes (ménages pondérés par
leur nombre de personnes), comme ceux de l'INSEE.

Une marge peut déclarer `ecart_connu` (pourquoi la population ne la tient pas encore) : son verdict est alors
« écart connu » au lieu de « hors tolérance » ; une marge tenue qui déclare un écart connu garde le verdict
« tenue » (la déclaration est à retirer : `tests/test_menages.py` le vérifie).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from modele.entrees import exiger_booleen, exiger_liste, exiger_table, exiger_texte, refuser_inconnues
from modele.etat import LOCATAIRE_SOCIAL, PROPRIETAIRE, TYPES_MENAGE, Menages
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, Parametres, lire_toml
from modele.population import creer_menages, niveau_de_vie, poids_adultes, tranche, unites_consommation

FICHIER_MARGES = DOSSIER_PARAMETRES / "marges_population.toml"
CHAMPS = {"id", "description", "unite", "valeur", "tolerance", "source", "hypothese", "ecart_connu"}
ANNEE_DEFAUT = 2021
SEUIL_PAUVRETE = 0.6  # définition du taux de pauvreté monétaire (60 % du niveau de vie médian)
# Prestations versées en espèces (dans le revenu disponible) ; la CSS est une couverture, pas un revenu.
PRESTATIONS_EN_ESPECES = ("rsa", "prime_activite", "aides_logement", "aspa")
TENUE, HORS, CONNU = "tenue", "hors tolérance", "écart connu"


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
    ecart_connu: str | None = None


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
        for champ in ("description", "unite", "source", "ecart_connu"):
            if champ in t:
                exiger_texte(t[champ], chemin, f"{ctx}.{champ}")
        if "hypothese" in t:
            exiger_booleen(t["hypothese"], chemin, f"{ctx}.hypothese")
        if ("source" in t) == bool(t.get("hypothese", False)):
            raise ErreurEntree("Une marge cite une source OU se déclare hypothèse (exactement l'un des deux).",
                               fichier=chemin, cle=ctx, attendu='source = "[cle] …" ou hypothese = true')
        marges.append(Marge(id=t["id"], description=t.get("description", ""), unite=t.get("unite", ""),
                            valeur=float(t["valeur"]), tolerance=float(t["tolerance"]), source=t.get("source"),
                            hypothese=bool(t.get("hypothese", False)), ecart_connu=t.get("ecart_connu")))
    doubles = sorted(i for i, n in Counter(m.id for m in marges).items() if n > 1)
    if doubles:
        raise ErreurEntree("Marge déclarée deux fois.", fichier=chemin, cle="marge.id", valeur=", ".join(doubles),
                           attendu="un identifiant une seule fois")
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
    """Ce dont les calculs ont besoin : la population, ses paramètres, ses poids et son niveau de vie après
    prestations."""

    M: Menages
    p: Parametres

    def __post_init__(self):
        self.t_age = tranche(self.M.age)
        self.poids = poids_adultes(self.p, self.t_age)
        self.illectronisme = self.M.numerique < self.p["population.seuil_illectronisme"]
        self.nv_apres = niveau_de_vie_apres_prestations(self.p, self.M)
        self.personnes = self.M.personnes().astype(float)
        self.un = np.ones(self.M.n)

    def eligibles(self, prestation: str) -> np.ndarray:
        """Ménages éligibles à `prestation` (nom du catalogue)."""
        from modele.prestations import Catalogue

        return self.M.eligible[:, Catalogue.depuis(self.p).noms.index(prestation)]


def niveau_de_vie_apres_prestations(p: Parametres, M: Menages) -> np.ndarray:
    """Niveau de vie mensuel après prestations en espèces (euros par UC) : ressources + montants dus (table des
    droits, `Menages.montant_du`) de `PRESTATIONS_EN_ESPECES`, divisés par les unités de consommation."""
    from modele.prestations import Catalogue

    noms = Catalogue.depuis(p).noms
    colonnes = [noms.index(n) for n in PRESTATIONS_EN_ESPECES if n in noms]
    return niveau_de_vie(p, M) + M.montant_du[:, colonnes].sum(axis=1) / unites_consommation(p, M.couple, M.enfants)


def _ill(masque: Callable[[Contexte], np.ndarray] | None = None):
    return lambda c: _moyenne(c.illectronisme, c.poids, None if masque is None else masque(c))


def _part(masque: Callable[[Contexte], np.ndarray]):
    return lambda c: float(masque(c).mean())


def _pauvrete(c: Contexte, masque=None) -> float:
    """Taux de pauvreté monétaire des personnes après prestations (seuil : 60 % du niveau de vie médian simulé)."""
    seuil = SEUIL_PAUVRETE * _quantile_pondere(c.nv_apres, c.personnes, 0.5)
    return _moyenne(c.nv_apres < seuil, c.personnes, masque)


def _rapport_pauvrete(masque: Callable[[Contexte], np.ndarray]):
    return lambda c: _pauvrete(c, masque(c)) / max(_pauvrete(c), 1e-12)


def _decile(k: int):
    return lambda c: _quantile_pondere(c.nv_apres, c.personnes, k / 10)


def _part_personnes(masque: Callable[[Contexte], np.ndarray]):
    return lambda c: _moyenne(masque(c), c.personnes)


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
    "niveau_de_vie_d1": _decile(1),
    "niveau_de_vie_d2": _decile(2),
    "niveau_de_vie_d3": _decile(3),
    "niveau_de_vie_median": _decile(5),
    "niveau_de_vie_d9": _decile(9),
    "rapport_d9_d1": lambda c: _decile(9)(c) / max(_decile(1)(c), 1e-12),
    "taux_pauvrete": _pauvrete,
    "taux_pauvrete_qpv": lambda c: _pauvrete(c, c.M.territoire == 1),
    "rapport_qpv_ensemble_pauvrete": _rapport_pauvrete(lambda c: c.M.territoire == 1),
    "rapport_urbain_ensemble_pauvrete": _rapport_pauvrete(lambda c: c.M.territoire <= 1),
    "rapport_periurbain_ensemble_pauvrete": _rapport_pauvrete(lambda c: c.M.territoire == 2),
    "rapport_rural_ensemble_pauvrete": _rapport_pauvrete(lambda c: c.M.territoire == 3),
    "part_proprietaires": _part(lambda c: c.M.logement == PROPRIETAIRE),
    "part_eligibles_rsa": _part(lambda c: c.eligibles("rsa")),
    "part_eligibles_prime_activite": _part(lambda c: c.eligibles("prime_activite")),
    "part_personnes_eligibles_css_gratuite": _part_personnes(lambda c: c.eligibles("css_gratuite")),
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
        verdict = TENUE if abs(ecart) <= mg.tolerance else (CONNU if mg.ecart_connu else HORS)
        lignes.append({"id": mg.id, "description": mg.description, "unite": mg.unite, "simule": v,
                       "publie": mg.valeur, "tolerance": mg.tolerance, "ecart": ecart, "verdict": verdict,
                       "source": mg.source if mg.source else "hypothèse (repère non publié)",
                       "ecart_connu": mg.ecart_connu or ""})
    return pd.DataFrame(lignes)


# --- Sorties ----------------------------------------------------------------------------------------------

def figure(tab: pd.DataFrame, chemin: Path) -> None:
    """Écarts normalisés par la tolérance (|écart| ≤ 1 : marge tenue), une barre par marge."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    z = (tab["ecart"] / tab["tolerance"]).to_numpy()
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(tab) + 1.5))
    couleurs = ["#2a7" if v == TENUE else ("#e8a33d" if v == CONNU else "#c33") for v in tab["verdict"]]
    ax.barh(tab["id"], z, color=couleurs)
    ax.axvline(-1, color="grey", ls="--")
    ax.axvline(1, color="grey", ls="--")
    ax.invert_yaxis()
    ax.set_xlabel("écart simulé − publié, en tolérances (|x| ≤ 1 : tenue ; orange : écart connu)")
    ax.set_title("Population synthétique face aux chiffres publiés")
    fig.tight_layout()
    fig.savefig(chemin, dpi=100)
    plt.close(fig)


def ecrire(dossier: Path, tab: pd.DataFrame, titre: str, provenance: dict | None = None) -> None:
    """marges.csv, marges.html, marges.png dans `dossier` (existant)."""
    from experiences.rapports import html

    tab.to_csv(dossier / "marges.csv", index=False)
    figure(tab, dossier / "marges.png")
    n_ok = int((tab["verdict"] == TENUE).sum())
    n_connus = int((tab["verdict"] == CONNU).sum())
    html.ecrire(dossier / "marges.html", "population.html.j2", titre=titre, n_ok=n_ok, n=len(tab),
                n_connus=n_connus, marges=html.tableau(tab),
                classes={TENUE: "tenue", HORS: "hors", CONNU: "connu"},
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
