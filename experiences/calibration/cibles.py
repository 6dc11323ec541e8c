"""Cibles de calibration : le même indicateur, la même population et la même fenêtre que le chiffre publié.

Les cibles sont lues dans `parametres/cibles_calibration.toml` (chaque cible cite sa publication par sa clé de
`docs/sources.md`).
Chaque cible a une fonction pure qui la calcule à partir des séries longues d'UNE exécution (colonnes date,
indicateur, prestation, groupe, valeur) ; sa docstring est la définition. Avec plusieurs réplicats,
`valeurs_par_replicat` applique ces fonctions réplicat par réplicat et `synthese` rend moyenne, IC 95 %,
écart à la cible et verdict. Correspondance détaillée : docs/calibration.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from modele.entrees import exiger_liste, exiger_table, refuser_inconnues
from modele.indicateurs import totaux_flux
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, lire_toml

FICHIER_CIBLES = DOSSIER_PARAMETRES / "cibles_calibration.toml"
MOIS_FIN_TRIMESTRE = ("03", "06", "09", "12")
CHAMPS_CIBLE = {"id", "description", "prestation", "unite", "fenetre", "annee", "valeur", "tolerance", "source"}


@dataclass(frozen=True)
class Cible:
    """Un chiffre publié : valeur, tolérance (écart absolu jugé bon), unité, fenêtre, source."""

    id: str
    description: str
    unite: str
    fenetre: str
    annee: int
    valeur: float
    tolerance: float
    source: str
    prestation: str | None = None


def charger_cibles(chemin: str | Path = FICHIER_CIBLES, ids: list[str] | None = None) -> list[Cible]:
    """Lit et valide les cibles ; `ids` en garde un sous-ensemble (dans l'ordre du fichier)."""
    donnees = lire_toml(chemin)
    tables = exiger_liste(donnees.get("cible"), chemin, "cible", "des tables [[cible]]")
    if not tables:
        raise ErreurEntree("Aucune cible.", fichier=chemin, cle="cible", attendu="des tables [[cible]]")
    cibles = []
    for k, t in enumerate(tables):
        ctx = f"cible[{k}]"
        t = exiger_table(t, chemin, ctx, "une table [[cible]]")
        refuser_inconnues(t, CHAMPS_CIBLE, chemin, ctx, "Champ de cible inconnu.")
        for champ in ("id", "valeur", "tolerance", "annee"):
            if champ not in t:
                raise ErreurEntree("Champ de cible manquant.", fichier=chemin, cle=f"{ctx}.{champ}",
                                   attendu="id, valeur, tolerance, annee")
        if t["id"] not in CALCULS:
            raise ErreurEntree("Cible sans calcul dans le modèle.", fichier=chemin, cle=f"{ctx}.id", valeur=t["id"],
                               attendu="un identifiant parmi " + ", ".join(CALCULS))
        tol = t["tolerance"]
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol <= 0:
            raise ErreurEntree("Tolérance invalide.", fichier=chemin, cle=f"{ctx}.tolerance", valeur=tol,
                               attendu="un nombre > 0")
        cibles.append(Cible(id=t["id"], description=t.get("description", ""), unite=t.get("unite", ""),
                            fenetre=t.get("fenetre", ""), annee=int(t["annee"]), valeur=float(t["valeur"]),
                            tolerance=float(tol), source=t.get("source", ""), prestation=t.get("prestation")))
    if ids is not None:
        connus = {c.id for c in cibles}
        for i in ids:
            if i not in connus:
                raise ErreurEntree("Cible inconnue.", fichier=chemin, cle="cibles", valeur=i,
                                   attendu="un identifiant parmi " + ", ".join(sorted(connus)))
        cibles = [c for c in cibles if c.id in ids]
    return cibles


# --- Extraction (pures) ----------------------------------------------------------------------------------

def _selection(series: pd.DataFrame, indicateur: str, prestation: str, groupe: str) -> pd.DataFrame:
    d = series[(series["indicateur"].astype(str) == indicateur) & (series["prestation"].astype(str) == prestation)
               & (series["groupe"].astype(str) == groupe)]
    return d.assign(_date=d["date"].astype(str))


def moyenne_trimestrielle(series: pd.DataFrame, indicateur: str, prestation: str, annee: int,
                          groupe: str = "ensemble") -> float:
    """Moyenne des relevés de fin de trimestre (mars, juin, septembre, décembre) de l'année ; NaN s'il n'y en a pas."""
    d = _selection(series, indicateur, prestation, groupe)
    d = d[d["_date"].str[:4].eq(str(annee)) & d["_date"].str[5:7].isin(MOIS_FIN_TRIMESTRE)]
    return float(d["valeur"].mean()) if len(d) else float("nan")


def moyenne_annuelle(series: pd.DataFrame, indicateur: str, prestation: str, annee: int,
                     groupe: str = "ensemble") -> float:
    """Moyenne des relevés mensuels de l'année ; NaN s'il n'y en a pas."""
    d = _selection(series, indicateur, prestation, groupe)
    d = d[d["_date"].str[:4].eq(str(annee))]
    return float(d["valeur"].mean()) if len(d) else float("nan")


def valeur_au(series: pd.DataFrame, indicateur: str, date: str, prestation: str = "toutes",
              groupe: str = "ensemble") -> float:
    """Valeur du relevé du mois `date` (AAAA-MM) ; NaN s'il manque."""
    d = _selection(series, indicateur, prestation, groupe)
    d = d[d["_date"].eq(date)]
    return float(d["valeur"].iloc[0]) if len(d) else float("nan")


def somme_annuelle(series: pd.DataFrame, indicateur: str, groupe: str, annee: int, prestation: str = "toutes") -> float:
    """Total annuel d'un flux sur exactement 52 semaines (`modele.indicateurs.totaux_flux` : semaines réelles de
    l'année, ramenées à 52) ; NaN si l'année n'a pas ses 12 relevés."""
    d = _selection(series, indicateur, prestation, groupe)
    d = d[d["_date"].str[:4].eq(str(annee))]
    if d["_date"].nunique() != 12:
        return float("nan")
    sem = _selection(series, "semaines_releve", "toutes", "ensemble")
    sem = sem[sem["_date"].str[:4].eq(str(annee))]
    return float(totaux_flux(pd.concat([d, sem]).drop(columns="_date"), ["indicateur"]).sum())


# --- Une fonction par cible (docstring = définition) ----------------------------------------------------

def c1_rsa_trimestriel(series: pd.DataFrame, **_) -> float:
    """C1 — RSA, non-recours moyen par trimestre, 2018.

    Part des ménages (foyers) éligibles au RSA qui ne le perçoivent pas, moyenne des quatre relevés de fin
    de trimestre de 2018 de `taux_non_percu` (rsa, ensemble) — comme la DREES, moyenne par trimestre. Convention de
    la DREES : les demandes en cours (même dans leur délai normal) comptent comme non perçues, d'où `taux_non_percu`
    et non `taux_non_recours` (qui les exclut).
    """
    return moyenne_trimestrielle(series, "taux_non_percu", "rsa", 2018)


def c2_rsa_persistant(series: pd.DataFrame, **_) -> float:
    """C2 — RSA, non-recours persistant (3 trimestres), 2018.

    Parmi les ménages éligibles au RSA aux trois derniers relevés trimestriels, part non bénéficiaires aux
    trois (`taux_non_recours_persistant`, rsa, ensemble), moyenne des relevés de fin de trimestre de 2018. Comme
    la DREES, « non bénéficiaire » compte les demandes en cours (non perçu).
    """
    return moyenne_trimestrielle(series, "taux_non_recours_persistant", "rsa", 2018)


def c3_css_gratuite(series: pd.DataFrame, **_) -> float:
    """C3 — CSS sans participation, non-recours annuel, 2021.

    Part des ménages éligibles à la CSS sans participation qui ne la perçoivent pas, moyenne des douze
    relevés mensuels de 2021 (`taux_non_percu`, css_gratuite, ensemble : convention de la DREES, demandes en cours
    comprises). La DREES compte des individus ; le modèle
    compte des ménages (écart d'unité assumé : docs/calibration.md).
    """
    return moyenne_annuelle(series, "taux_non_percu", "css_gratuite", 2021)


def c4_prime_activite(series: pd.DataFrame, **_) -> float:
    """C4 — Prime d'activité, non-recours moyen par trimestre, 2016.

    Part des ménages éligibles à la prime d'activité qui ne la perçoivent pas, moyenne des relevés de fin de
    trimestre de 2016 (`taux_non_percu`, prime_activite, ensemble : convention de la DREES, demandes en cours
    comprises).
    """
    return moyenne_trimestrielle(series, "taux_non_percu", "prime_activite", 2016)


def c5a_demarche_en_ligne(series: pd.DataFrame, **_) -> float:
    """C5a — Démarche en ligne dans l'année, 2021.

    Part des ménages (personne de référence adulte) ayant fait au moins une démarche en ligne dans les
    12 derniers mois, relevé de décembre 2021 (`taux_demarche_en_ligne`, toutes, ensemble).
    """
    return valeur_au(series, "taux_demarche_en_ligne", "2021-12")


def c5b_abandon_en_ligne(series: pd.DataFrame, **_) -> float:
    """C5b — Abandon d'une démarche en ligne dans l'année, 2021.

    Part des ménages ayant abandonné au moins une démarche en ligne dans les 12 derniers mois, relevé de
    décembre 2021 (`taux_abandon_en_ligne`, toutes, ensemble).
    """
    return valeur_au(series, "taux_abandon_en_ligne", "2021-12")


def c5c_abandon_definitif(series: pd.DataFrame, **_) -> float:
    """C5c — Renoncement définitif à une démarche dans l'année, 2021.

    Part des ménages ayant renoncé pour de bon à une démarche (sans l'achever autrement) dans les 12
    derniers mois, relevé de décembre 2021 (`taux_abandon_definitif`, toutes, ensemble).
    """
    return valeur_au(series, "taux_abandon_definitif", "2021-12")


def c6_aide_sans_en_ligne(series: pd.DataFrame, **_) -> float:
    """C6 — Aide reçue sans démarche en ligne, 2021.

    Parmi les ménages sans démarche en ligne dans les 12 derniers mois, part qui ont été aidés (entourage,
    acteur, service payant), relevé de décembre 2021 (`taux_aide_sans_demarche_en_ligne`, toutes, ensemble).
    """
    return valeur_au(series, "taux_aide_sans_demarche_en_ligne", "2021-12")


def c7_france_services(series: pd.DataFrame, *, menages: int, personnes_par_menage: float,
                       indicateur: str = "n_demandes_aide", **_) -> float:
    """C7 — Demandes à France Services pour 1 000 habitants, 2023.

    Demandes adressées à France Services en 2023 pour 1 000 habitants = total sur 52 semaines des relevés mensuels
    2023 de `n_demandes_aide` (acteur=france_services ; `somme_annuelle`) / (ménages simulés × personnes par
    ménage) × 1 000. 2023 a 52 lundis : c'est la somme des 52 semaines simulées.
    """
    total = somme_annuelle(series, indicateur, "acteur=france_services", 2023)
    return total / (menages * personnes_par_menage) * 1000.0


def c8_aidants_connect(series: pd.DataFrame, *, menages: int, personnes_par_menage: float,
                       indicateur: str = "n_demarches_aidants_connect", **_) -> float:
    """C8 — Démarches faites sous Aidants Connect pour 1 000 habitants, 2023.

    Démarches faites sous Aidants Connect en 2023 pour 1 000 habitants = somme, sur les genres d'acteurs
    (groupes `acteur=…`), des douze relevés mensuels 2023 de `n_demarches_aidants_connect` (épisodes « faire à la
    place » servis par un acteur habilité) / (ménages simulés × personnes par ménage) × 1 000 ; NaN si un genre n'a
    pas ses douze relevés de 2023. Publié : plus de 155 000 démarches en 2023 pour ≈ 68 M d'habitants.
    """
    d = series[series["indicateur"].astype(str) == indicateur]
    genres = sorted({g for g in d["groupe"].astype(str).unique() if g.startswith("acteur=")})
    if not genres:
        return float("nan")
    total = sum(somme_annuelle(d, indicateur, g, 2023) for g in genres)
    return total / (menages * personnes_par_menage) * 1000.0


def c9_conseillers_numeriques(series: pd.DataFrame, *, menages: int, personnes_par_menage: float,
                              indicateur: str = "n_personnes_accompagnees", **_) -> float:
    """C9 — Personnes accompagnées par les conseillers numériques dans l'année pour 1 000 habitants, 2022.

    Relevé de décembre 2022 de `n_personnes_accompagnees` (acteur=conseiller_numerique : ménages distincts servis
    au moins une fois par un conseiller numérique du 1er janvier au 31 décembre 2022) / (ménages simulés × personnes
    par ménage) × 1 000. Le modèle compte des ménages (un ménage accompagné = une personne, la personne de
    référence) ; le chiffre publié compte des personnes (2,2 M en 2022 pour ≈ 68 M d'habitants).
    """
    v = valeur_au(series, indicateur, "2022-12", groupe="acteur=conseiller_numerique")
    return v / (menages * personnes_par_menage) * 1000.0


CALCULS: dict[str, Callable[..., float]] = {
    "C1": c1_rsa_trimestriel,
    "C2": c2_rsa_persistant,
    "C3": c3_css_gratuite,
    "C4": c4_prime_activite,
    "C5a": c5a_demarche_en_ligne,
    "C5b": c5b_abandon_en_ligne,
    "C5c": c5c_abandon_definitif,
    "C6": c6_aide_sans_en_ligne,
    "C7": c7_france_services,
    "C8": c8_aidants_connect,
    "C9": c9_conseillers_numeriques,
}

#: Dernier mois qu'une exécution doit couvrir pour calculer chaque cible.
MOIS_REQUIS = {"C1": "2018-12", "C2": "2018-12", "C3": "2021-12", "C4": "2016-12", "C5a": "2021-12",
               "C5b": "2021-12", "C5c": "2021-12", "C6": "2021-12", "C7": "2023-12", "C8": "2023-12",
               "C9": "2022-12"}


def valeurs_modele(series: pd.DataFrame, cibles: list[Cible], *, menages: int,
                   personnes_par_menage: float) -> dict[str, float]:
    """Valeur du modèle pour chaque cible, sur les séries d'UNE exécution."""
    return {c.id: CALCULS[c.id](series, menages=menages, personnes_par_menage=personnes_par_menage) for c in cibles}


def valeurs_par_replicat(series: pd.DataFrame, cibles: list[Cible], *, menages: int,
                         personnes_par_menage: float) -> pd.DataFrame:
    """Tableau long (replicat, cible, valeur) : chaque cible calculée sur chaque réplicat."""
    lignes = []
    for r, d in series.groupby("replicat", observed=True):
        for cid, v in valeurs_modele(d, cibles, menages=menages, personnes_par_menage=personnes_par_menage).items():
            lignes.append({"replicat": int(r), "cible": cid, "valeur": v})
    return pd.DataFrame(lignes, columns=["replicat", "cible", "valeur"])


def perte(moyennes: dict[str, float], cibles: list[Cible]) -> float:
    """Somme sur les cibles de ((modèle − cible) / tolérance)² ; une valeur manquante compte 100."""
    total = 0.0
    for c in cibles:
        v = moyennes.get(c.id, float("nan"))
        total += 100.0 if not np.isfinite(v) else ((v - c.valeur) / c.tolerance) ** 2
    return float(total)


def synthese(par_replicat: pd.DataFrame, cibles: list[Cible]) -> pd.DataFrame:
    """Tableau de validation : une ligne par cible.

    Par cible : valeur publiée, moyenne du modèle, IC 95 % sur les réplicats (t de Student), tolérance, écart,
    écart normé et verdict (« atteinte » si |moyenne − cible| ≤ tolérance, sinon « manquée » ; « compatible » si la
    moyenne est hors tolérance mais l'IC 95 % recoupe l'intervalle cible ± tolérance).
    """
    lignes = []
    for c in cibles:
        v = par_replicat.loc[par_replicat["cible"] == c.id, "valeur"].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        n = v.size
        moy = float(v.mean()) if n else float("nan")
        demi = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
        bas, haut = moy - demi, moy + demi
        ecart = moy - c.valeur
        if not np.isfinite(moy):
            verdict = "non calculée"
        elif abs(ecart) <= c.tolerance:
            verdict = "atteinte"
        elif bas <= c.valeur + c.tolerance and haut >= c.valeur - c.tolerance:
            verdict = "compatible"
        else:
            verdict = "manquée"
        lignes.append({"cible": c.id, "description": c.description, "unite": c.unite, "annee": c.annee,
                       "valeur_publiee": c.valeur, "tolerance": c.tolerance, "modele": moy, "ic95_bas": bas,
                       "ic95_haut": haut, "replicats": n, "ecart": ecart, "ecart_norme": ecart / c.tolerance,
                       "verdict": verdict, "source": c.source})
    return pd.DataFrame(lignes)
