"""Calcule hors ligne la table des droits légaux avec OpenFisca-France (venv séparé `.venv-openfisca/`).

    .venv-openfisca/bin/python -m experiences.droits.generer_table --sortie parametres/droits/
    .venv-openfisca/bin/python -m experiences.droits.generer_table --controle tests/donnees/menages_controles.csv

Le premier mode calcule la grille `GRILLE` (un ménage type par point, juin de chaque année) et écrit
`table_droits.parquet` et `provenance.toml` dans le dossier de sortie (tout ou rien). Le second calcule
les ménages de contrôle `MENAGES_CONTROLES` exactement (sans interpolation) et écrit leur CSV, que
`tests/test_droits.py` compare à `modele.droits.TableDroits.montants`.

Construction d'un ménage type (mêmes règles pour la grille et les contrôles) :
- une famille, un foyer fiscal, un ménage ; la personne de référence est `demandeur`, `declarant_principal`,
  `personne_de_reference` ; en couple, le conjoint (marié, même âge) est `conjoint` des trois entités ;
  les enfants (âges `AGES_ENFANTS`, dans l'ordre) sont `enfant` / `personne_a_charge` ;
- revenus d'activité = salaire net mensuel de la personne de référence ; le salaire brut (`salaire_de_base`)
  est trouvé en inversant le barème net → brut qu'OpenFisca calcule pour l'année ;
- autres ressources = montant brut mensuel, `chomage_brut` avant 65 ans, `retraite_brute` à 65 ans et plus,
  de la personne de référence ;
- situation stable : mêmes montants bruts, même logement pendant les années N-2, N-1 et N (les aides au
  logement lisent les ressources de N-2 jusqu'en 2020, d'une année glissante ensuite ; RSA et prime
  d'activité, celles du trimestre précédent) ;
- activité : actif occupé si salaire, chômeur si allocation chômage sans salaire, retraité à 65 ans et plus
  sans salaire, inactif sinon ; zone de logement `ZONE_APL` ; aucun patrimoine, aucune autre ressource.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from modele.droits import (
    COLONNES_GRILLE,
    COLONNES_MONTANTS,
    LOGEMENT_HEBERGE,
    LOGEMENT_LOCATAIRE_PRIVE,
    LOGEMENT_LOCATAIRE_SOCIAL,
    LOGEMENT_PROPRIETAIRE,
    LOGEMENTS,
)
from modele.parametres import RACINE, ErreurEntree

MOIS = 6  # mois représentatif de chaque année
ZONE_APL = "zone_2"  # agglomérations de plus de 100 000 habitants hors Île-de-France centrale
AGES_ENFANTS = (10, 7, 4)  # 1er, 2e, 3e enfant : pas de PAJE (>= 3 ans), pas de majoration d'âge des AF (< 14 ans)
STATUTS_OPENFISCA = {
    LOGEMENT_LOCATAIRE_PRIVE: "locataire_vide",
    LOGEMENT_LOCATAIRE_SOCIAL: "locataire_hlm",
    LOGEMENT_PROPRIETAIRE: "proprietaire",
    LOGEMENT_HEBERGE: "loge_gratuitement",
}
DEBUT_CSS = dt.date(2019, 11, 1)  # CSS (avec ou sans participation) ; avant : CMU-C et ACS
DEBUT_PRIME_ACTIVITE = 2016

GRILLE = {
    "annees": list(range(2014, 2027)),
    "couple": [0, 1],
    "enfants": [0, 1, 2, 3],
    # (âge représentatif, âge min, âge max) : seuils RSA (25), CSS (30, 50, 60, 70), ASPA (65)
    "ages": [(22, 18, 24), (35, 25, 49), (55, 50, 64), (67, 65, 69), (75, 70, 120)],
    "loyers_locataires": [200.0, 400.0, 600.0, 850.0],
    "revenus_activite": [float(x) for x in range(0, 3001, 150)] + [4000.0],
    "autres_ressources": [0.0, 400.0, 800.0, 1200.0, 2000.0],
}

# Ménages contrôlés : calculés par OpenFisca exactement, comparés à l'interpolation dans la table (à 1 € près).
# « grille » : toutes les coordonnées continues sont des points de grille ; « entre » : entre deux points
# de grille, sur un segment où tous les montants sont affines (l'interpolation y est exacte).
MENAGES_CONTROLES = [
    # libellé, annee, couple, enfants, age_ref, logement, loyer, revenus_activite, autres_ressources, position
    ("contrôle manuel : seul, 35 ans, sans revenu, locataire (RSA 534,82 €)",
     2023, 0, 0, 35, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 0.0, 0.0, "grille"),
    ("contrôle manuel : seul, 70 ans, sans revenu (ASPA 961,09 €)",
     2023, 0, 0, 70, LOGEMENT_PROPRIETAIRE, 0.0, 0.0, 0.0, "grille"),
    ("seul, 45 ans, 600 € de salaire, 2015 : RSA socle et RSA activité",
     2015, 0, 0, 45, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 600.0, 0.0, "grille"),
    ("seul, 30 ans, 1 500 € de salaire, 2016 : première année de la prime d'activité",
     2016, 0, 0, 30, LOGEMENT_LOCATAIRE_PRIVE, 600.0, 1500.0, 0.0, "grille"),
    ("couple, 40 ans, 2 enfants, 1 200 € de salaire, parc social, 2019",
     2019, 1, 2, 40, LOGEMENT_LOCATAIRE_SOCIAL, 600.0, 1200.0, 0.0, "grille"),
    ("couple de retraités, 67 ans, 1 200 € de pension, propriétaires, 2024 : ASPA couple",
     2024, 1, 0, 67, LOGEMENT_PROPRIETAIRE, 0.0, 0.0, 1200.0, "grille"),
    ("parent seul, 28 ans, 1 enfant, sans revenu, hébergé, 2021",
     2021, 0, 1, 28, LOGEMENT_HEBERGE, 0.0, 0.0, 0.0, "grille"),
    ("seul, 22 ans, 900 € de salaire, 2020 : prime d'activité avant 25 ans, pas de RSA",
     2020, 0, 0, 22, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 900.0, 0.0, "grille"),
    ("seul, 22 ans, sans revenu, 2020 : pas de RSA avant 25 ans",
     2020, 0, 0, 22, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 0.0, 0.0, "grille"),
    ("couple, 55 ans, 3 enfants, 2 400 € de salaire, parc social, 2025",
     2025, 1, 3, 55, LOGEMENT_LOCATAIRE_SOCIAL, 850.0, 2400.0, 0.0, "grille"),
    ("seul, 75 ans, 800 € de pension, locataire privé, 2018 : ASPA, aide au logement, ACS",
     2018, 0, 0, 75, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 0.0, 800.0, "grille"),
    ("seul, 35 ans, 1 050 € de salaire, 2022 : prime d'activité et CSS avec participation",
     2022, 0, 0, 35, LOGEMENT_LOCATAIRE_PRIVE, 600.0, 1050.0, 0.0, "grille"),
    ("seul, 35 ans, 450 € de salaire, 2023 : RSA près de son seuil de sortie",
     2023, 0, 0, 35, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 450.0, 0.0, "grille"),
    ("seul, 35 ans, 600 € de salaire, 2023 : juste au-delà du seuil du RSA",
     2023, 0, 0, 35, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 600.0, 0.0, "grille"),
    ("seul, 40 ans, 800 € de chômage, 2017",
     2017, 0, 0, 40, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 0.0, 800.0, "grille"),
    ("couple, 35 ans, 1 enfant, 3 000 € de salaire, propriétaires, 2026",
     2026, 1, 1, 35, LOGEMENT_PROPRIETAIRE, 0.0, 3000.0, 0.0, "grille"),
    ("seul, 35 ans, 75 € de salaire, 2023 : entre deux points (RSA et prime affines)",
     2023, 0, 0, 35, LOGEMENT_LOCATAIRE_PRIVE, 400.0, 75.0, 0.0, "entre"),
    ("seul, 75 ans, 600 € de pension, propriétaire, 2024 : entre deux points (ASPA affine)",
     2024, 0, 0, 75, LOGEMENT_PROPRIETAIRE, 0.0, 0.0, 600.0, "entre"),
]
COLONNES_CONTROLES = ("libelle", "annee", "couple", "enfants", "age_ref", "logement", "loyer", "revenus_activite",
                      "autres_ressources", "position")


# ---------------------------------------------------------------------------------------------------- grille

def lignes_grille(annees: list[int] | None = None) -> pd.DataFrame:
    """Tous les points de la grille (colonnes `COLONNES_GRILLE`), dans l'ordre du calcul."""
    annees = GRILLE["annees"] if annees is None else annees
    logements = [(LOGEMENT_LOCATAIRE_PRIVE, lo) for lo in GRILLE["loyers_locataires"]]
    logements += [(LOGEMENT_LOCATAIRE_SOCIAL, lo) for lo in GRILLE["loyers_locataires"]]
    logements += [(LOGEMENT_PROPRIETAIRE, 0.0), (LOGEMENT_HEBERGE, 0.0)]
    idx = pd.MultiIndex.from_product(
        [annees, GRILLE["couple"], GRILLE["enfants"], range(len(GRILLE["ages"])), range(len(logements)),
         GRILLE["autres_ressources"], GRILLE["revenus_activite"]],
        names=["annee", "couple", "enfants", "i_age", "i_log", "autres_ressources", "revenus_activite"])
    df = idx.to_frame(index=False)
    ages = np.array(GRILLE["ages"])
    df["age_ref"], df["age_min"], df["age_max"] = ages[df["i_age"], 0], ages[df["i_age"], 1], ages[df["i_age"], 2]
    log = np.array(logements)
    df["logement"] = log[df["i_log"], 0].astype(np.int64)
    df["loyer"] = log[df["i_log"], 1]
    return df[list(COLONNES_GRILLE)]


# ---------------------------------------------------------------------------------------------------- OpenFisca

def systeme():
    """Le système socio-fiscal d'OpenFisca-France (import différé : seul ce script en dépend)."""
    try:
        from openfisca_france import FranceTaxBenefitSystem
    except ImportError:
        raise ErreurEntree("OpenFisca-France n'est pas installé dans cet environnement.",
                           attendu="lancer avec .venv-openfisca/bin/python après "
                                   "« pip install -e '.[openfisca]' » dans ce venv") from None
    return FranceTaxBenefitSystem()


def _simulation(tbs, n_menages: int, n_pers: np.ndarray, roles: dict[str, np.ndarray], menage_de: np.ndarray):
    from openfisca_core.simulation_builder import SimulationBuilder
    sb = SimulationBuilder()
    sb.create_entities(tbs)
    # Identifiants entiers partout : les identifiants personne → entité ont le type des identifiants d'entité.
    sb.declare_person_entity("individu", np.arange(int(n_pers.sum()), dtype=np.int64))
    for entite, r in roles.items():
        inst = sb.declare_entity(entite, np.arange(n_menages, dtype=np.int64))
        sb.join_with_persons(inst, menage_de.astype(np.int64), r)
    return sb.build(tbs)


def bareme_net_brut(tbs, annee: int, pas: float = 5.0, maximum: float = 8000.0) -> tuple[np.ndarray, np.ndarray]:
    """Salaire net mensuel (juin de `annee`) pour une suite de salaires bruts : (nets, bruts), croissants."""
    brut = np.arange(0.0, maximum + pas, pas)
    n = brut.size
    un = np.ones(n, dtype=np.int64)
    roles = {"famille": np.array(["demandeur"] * n), "foyer_fiscal": np.array(["declarant_principal"] * n),
             "menage": np.array(["personne_de_reference"] * n)}
    sim = _simulation(tbs, n, un, roles, np.arange(n))
    sim.set_input("date_naissance", "ETERNITY", np.full(n, f"{annee - 40}-01-01", dtype="datetime64[D]"))
    sim.set_input("salaire_de_base", str(annee), brut * 12)
    net = np.asarray(sim.calculate("salaire_net", f"{annee}-{MOIS:02d}"), dtype=float)
    # Le net n'est pas partout croissant (paliers d'arrondi en float32 ; en 2019, une baisse de 0,74 € vers
    # 3 380 € brut) : on inverse son enveloppe croissante, en gardant le premier brut de chaque palier.
    enveloppe = np.maximum.accumulate(net)
    garde = np.concatenate([[True], np.diff(enveloppe) > 0])
    return enveloppe[garde], brut[garde]


def simuler(tbs, menages: pd.DataFrame, baremes: dict[int, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Montants mensuels (`COLONNES_MONTANTS`) et salaire brut retenu, pour des ménages d'une même année."""
    annees = menages["annee"].unique()
    if len(annees) != 1:
        raise ValueError("simuler() attend des ménages d'une seule année")
    annee = int(annees[0])
    m = len(menages)
    couple = menages["couple"].to_numpy(dtype=bool)
    enfants = menages["enfants"].to_numpy(dtype=np.int64)
    age = menages["age_ref"].to_numpy(dtype=np.int64)
    net_cible = menages["revenus_activite"].to_numpy(dtype=float)
    autres = menages["autres_ressources"].to_numpy(dtype=float)
    logement = menages["logement"].to_numpy(dtype=np.int64)
    loyer = menages["loyer"].to_numpy(dtype=float)
    nets, bruts = baremes[annee]
    brut = np.interp(net_cible, nets, bruts)

    n_adultes = 1 + couple.astype(np.int64)
    n_pers = n_adultes + enfants
    menage_de = np.repeat(np.arange(m), n_pers)
    rang = np.arange(menage_de.size) - np.repeat(np.cumsum(n_pers) - n_pers, n_pers)
    est_ref = rang == 0
    est_adulte = rang < n_adultes[menage_de]
    est_conj = est_adulte & ~est_ref
    ages_enfants = np.array(AGES_ENFANTS)
    age_p = np.where(est_adulte, age[menage_de], ages_enfants[np.clip(rang - n_adultes[menage_de], 0, 2)])
    roles = {
        "famille": np.where(est_ref, "demandeur", np.where(est_conj, "conjoint", "enfant")),
        "foyer_fiscal": np.where(est_ref, "declarant_principal", np.where(est_conj, "conjoint", "personne_a_charge")),
        "menage": np.where(est_ref, "personne_de_reference", np.where(est_conj, "conjoint", "enfant")),
    }
    sim = _simulation(tbs, m, n_pers, roles, menage_de)
    sim.set_input("date_naissance", "ETERNITY",
                  np.array([f"{annee - a}-01-01" for a in age_p], dtype="datetime64[D]"))
    salaire = np.where(est_ref, brut[menage_de], 0.0)
    chomage = np.where(est_ref & (age_p < 65), autres[menage_de], 0.0)
    retraite = np.where(est_ref & (age_p >= 65), autres[menage_de], 0.0)
    activite = np.where(salaire > 0, "actif", np.where(chomage > 0, "chomeur",
                        np.where(est_adulte & (age_p >= 65), "retraite", "inactif")))
    statut = np.array([STATUTS_OPENFISCA[int(c)] for c in logement])
    for a in (annee - 2, annee - 1, annee):
        sim.set_input("salaire_de_base", str(a), salaire * 12)
        sim.set_input("chomage_brut", str(a), chomage * 12)
        sim.set_input("retraite_brute", str(a), retraite * 12)
        sim.set_input("activite", str(a), activite)
        sim.set_input("statut_marital", str(a), np.where(couple[menage_de] & est_adulte, "marie", "celibataire"))
        sim.set_input("statut_occupation_logement", str(a), statut)
        sim.set_input("loyer", str(a), loyer * 12)
        sim.set_input("zone_apl", str(a), np.full(m, ZONE_APL))
    mois = f"{annee}-{MOIS:02d}"

    def calc(variable):
        return np.asarray(sim.calculate(variable, mois), dtype=float)

    rsa = rsa_openfisca = calc("rsa")
    if annee < DEBUT_PRIME_ACTIVITE:
        # Avant 2016, `rsa` inclut le RSA activité : on le sépare en part socle (RSA) et part activité
        # (rangée dans prime_activite, la prestation qui l'a remplacée en 2016).
        socle = np.maximum(calc("rsa_socle"), calc("rsa_socle_majore"))
        part_socle = np.clip(socle - calc("rsa_forfait_logement") - calc("rsa_base_ressources"), 0.0, rsa)
        part_socle = np.where(rsa > 0, part_socle, 0.0)
        prime = rsa - part_socle
        rsa = part_socle
    else:
        prime = calc("ppa")
    css = dt.date(annee, MOIS, 1) >= DEBUT_CSS
    participation = calc("css_participation_forfaitaire") if css else np.zeros(m)
    acs = np.zeros(m) if css else calc("acs") / 12.0  # `acs` : montant annuel
    sortie = pd.DataFrame({
        "rsa": rsa,
        "prime_activite": prime,
        "aides_logement": calc("aide_logement"),
        "css_gratuite": calc("cmu_c"),
        "css_participation": participation,
        "css_participation_eligible": ((participation > 0) | (acs > 0)).astype(float),
        "acs": acs,
        "aspa": calc("aspa"),
    }, index=menages.index)
    net_obtenu = np.asarray(sim.calculate("salaire_net", mois), dtype=float)[est_ref]
    sortie["salaire_brut"] = brut
    sortie["ecart_salaire_net"] = net_obtenu - net_cible
    sortie["rsa_openfisca"] = rsa_openfisca  # diagnostic : avant 2016, RSA socle + activité
    return sortie


def calculer(tbs, menages: pd.DataFrame, lot: int, journal=print) -> pd.DataFrame:
    """Calcule des ménages de plusieurs années, par lots de `lot` ménages (mémoire bornée)."""
    morceaux = []
    baremes = {}
    for annee, groupe in menages.groupby("annee", sort=True):
        baremes[int(annee)] = bareme_net_brut(tbs, int(annee))
        t0 = time.process_time()
        for debut in range(0, len(groupe), lot):
            morceaux.append(simuler(tbs, groupe.iloc[debut:debut + lot], baremes))
            gc.collect()  # la simulation d'un lot (plusieurs Go) est libérée avant le suivant
        journal(f"  {annee} : {len(groupe)} ménages, {time.process_time() - t0:.0f} s CPU")
    return pd.concat(morceaux).loc[menages.index]


# ---------------------------------------------------------------------------------------------------- sorties

def _versions() -> dict[str, str]:
    v = {}
    for p in ("OpenFisca-Core", "OpenFisca-France", "numpy", "pandas", "pyarrow"):
        try:
            v[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            v[p] = "absent"
    return v


def _toml(valeur) -> str:
    import tomli_w
    return tomli_w.dumps(valeur)


def generer(sortie: Path, lot: int, annees: list[int] | None = None, commande: list[str] | None = None) -> dict:
    """Calcule la grille et écrit table + provenance dans `sortie` (dossier remplacé seulement si tout réussit)."""
    from experiences.sorties import commit_git
    t0_cpu, t0 = time.process_time(), time.time()
    tbs = systeme()
    grille = lignes_grille(annees)
    print(f"{len(grille)} ménages types à calculer (lots de {lot})", flush=True)
    res = calculer(tbs, grille, lot, journal=lambda s: print(s, flush=True))
    ecart = float(np.abs(res["ecart_salaire_net"]).max())
    if ecart > 1.0:
        raise RuntimeError(f"inversion net → brut imprécise : écart maximal {ecart:.3f} €")
    table = pd.concat([grille, res[list(COLONNES_MONTANTS) + ["salaire_brut"]]], axis=1)
    table = _typer(table)
    cpu, mur = time.process_time() - t0_cpu, time.time() - t0
    memoire = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    prov = {
        "description": "Table des droits légaux (montants mensuels en euros) calculée par OpenFisca-France sur une "
                       "grille de ménages types ; lue par modele/droits.py (interpolation), jamais OpenFisca.",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commande": " ".join(commande if commande is not None else sys.argv),
        "versions": _versions(),
        "git": {k: str(v) for k, v in commit_git().items()},
        "calcul": {"lignes": len(table), "cpu_s": round(cpu, 1), "mur_s": round(mur, 1),
                   "memoire_max_mo": round(memoire), "lot": lot,
                   "ecart_max_salaire_net_eur": round(ecart, 4)},
        "grille": {
            "mois_representatif": MOIS,
            "annees": annees if annees is not None else GRILLE["annees"],
            "couple": "0 : personne seule ; 1 : couple marié, conjoint du même âge, sans revenu propre",
            "enfants": GRILLE["enfants"],
            "ages_enfants": list(AGES_ENFANTS),
            "tranches_age": [{"age_ref": a, "age_min": lo, "age_max": hi} for a, lo, hi in GRILLE["ages"]],
            "logement": {str(k): f"{v} (OpenFisca : {STATUTS_OPENFISCA[k]})" for k, v in LOGEMENTS.items()},
            "loyers_locataires": GRILLE["loyers_locataires"],
            "revenus_activite": GRILLE["revenus_activite"],
            "revenus_activite_definition": "salaire net mensuel de la personne de référence (brut trouvé en "
                                           "inversant le barème net → brut d'OpenFisca de l'année)",
            "autres_ressources": GRILLE["autres_ressources"],
            "autres_ressources_definition": "montant brut mensuel de la personne de référence : allocation "
                                            "chômage avant 65 ans, pension de retraite à 65 ans et plus",
            "zone_apl": ZONE_APL,
            "situation": "stable : mêmes montants bruts et même logement en N-2, N-1 et N",
        },
        "correspondance": {
            "rsa": "rsa (avant 2016 : part socle = min(rsa, socle - forfait logement - base ressources))",
            "prime_activite": "ppa (avant 2016 : rsa - part socle, le RSA activité)",
            "aides_logement": "aide_logement (APL + ALS + ALF)",
            "css_gratuite": "cmu_c (CMU-C avant novembre 2019, CSS sans participation ensuite)",
            "css_participation": "css_participation_forfaitaire (dès novembre 2019 ; 0 avant)",
            "css_participation_eligible": "css_participation_forfaitaire > 0 ou acs > 0",
            "acs": "acs / 12 (montant annuel de l'ACS ramené au mois ; avant novembre 2019)",
            "aspa": "aspa",
        },
        "laisse_de_cote": [
            "revenus d'activité du conjoint (couple mono-actif) et revenus des enfants",
            "plus de 3 enfants ; âges des enfants autres que 10, 7 et 4 ans (PAJE, majorations d'âge des AF, ARS)",
            "parent isolé récent ou avec un enfant de moins de 3 ans (RSA majoré) ; grossesse",
            "travailleurs indépendants, patrimoine et revenus du capital, pensions alimentaires, AAH, handicap",
            "couples non mariés (deux foyers fiscaux) et conjoints d'âges différents",
            "ressources variables dans l'année ou d'une année à l'autre (neutralisations, abattements de "
            "changement de situation), évaluation forfaitaire des aides au logement hors cas calculés",
            "zones de logement autres que la zone 2 ; outre-mer ; Alsace-Moselle ; accédants à la propriété ; foyers",
            "autres mois que juin (revalorisations d'avril, d'octobre, de janvier prises à leur état de juin)",
            "âge exact dans une tranche : la tranche est représentée par son âge de référence",
            "entre deux points de grille, l'interpolation est affine : erreurs possibles près des seuils "
            "(sortie du RSA, plafonds, seuils de versement, dégressivité des aides au logement)",
        ],
    }
    _ecrire(sortie, table, prov)
    return prov


def _typer(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    for c in ("annee", "age_ref", "age_min", "age_max"):
        t[c] = t[c].astype(np.int16)
    for c in ("couple", "enfants", "logement"):
        t[c] = t[c].astype(np.int8)
    for c in ("loyer", "revenus_activite", "autres_ressources", "salaire_brut") + COLONNES_MONTANTS:
        t[c] = t[c].astype(np.float64).round(2)
    return t.reset_index(drop=True)


def _ecrire(sortie: Path, table: pd.DataFrame, prov: dict) -> None:
    sortie.mkdir(parents=True, exist_ok=True)
    tmp = sortie / ".table_droits.partiel"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    table.to_parquet(tmp / "table_droits.parquet", index=False, compression="zstd", compression_level=19)
    (tmp / "provenance.toml").write_text(_toml(prov), encoding="utf-8")
    for nom in ("table_droits.parquet", "provenance.toml"):
        os.replace(tmp / nom, sortie / nom)
    tmp.rmdir()


def controler(fichier: Path) -> pd.DataFrame:
    """Calcule les ménages de contrôle avec OpenFisca (sans interpolation) et écrit leur CSV."""
    tbs = systeme()
    menages = pd.DataFrame(MENAGES_CONTROLES, columns=list(COLONNES_CONTROLES))
    res = calculer(tbs, menages, lot=1000)
    sortie = pd.concat([menages, res[list(COLONNES_MONTANTS)].round(2)], axis=1)
    fichier.parent.mkdir(parents=True, exist_ok=True)
    sortie.to_csv(fichier, index=False)
    return sortie


# ---------------------------------------------------------------------------------------------------- CLI

def _analyseur() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m experiences.droits.generer_table",
                                description="Table des droits légaux calculée par OpenFisca-France (hors ligne).")
    p.add_argument("--sortie", type=Path, default=RACINE / "parametres" / "droits",
                   help="dossier de la table et de sa provenance (défaut : parametres/droits/)")
    p.add_argument("--controle", type=Path, default=None, metavar="FICHIER_CSV",
                   help="calculer seulement les ménages de contrôle et écrire ce CSV")
    p.add_argument("--lot", type=int, default=20000, help="ménages par simulation (mémoire ; défaut 20000)")
    p.add_argument("--annees", type=str, default=None,
                   help="sous-ensemble d'années AAAA-AAAA pour un essai (défaut : toute la grille)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : code 0 si tout est écrit, 2 sur entrée invalide (message français, rien d'écrit)."""
    args = _analyseur().parse_args(argv)
    try:
        if args.lot < 100:
            raise ErreurEntree("Taille de lot trop petite.", cle="--lot", valeur=args.lot, attendu=">= 100")
        annees = None
        if args.annees is not None:
            try:
                debut, fin = (int(x) for x in args.annees.split("-"))
            except ValueError:
                raise ErreurEntree("Années mal écrites.", cle="--annees", valeur=args.annees,
                                   attendu="AAAA-AAAA, p. ex. 2022-2023") from None
            annees = [a for a in GRILLE["annees"] if debut <= a <= fin]
            if not annees:
                raise ErreurEntree("Aucune année de la grille dans cet intervalle.", cle="--annees",
                                   valeur=args.annees, attendu=f"dans {GRILLE['annees'][0]}-{GRILLE['annees'][-1]}")
        if args.controle is not None:
            sortie = controler(args.controle)
            print(f"{len(sortie)} ménages de contrôle écrits dans {args.controle}")
        else:
            commande = ["python", "-m", "experiences.droits.generer_table"] + (argv or sys.argv[1:])
            prov = generer(args.sortie, args.lot, annees, commande=commande)
            print(f"table écrite dans {args.sortie} : {prov['calcul']}")
    except ErreurEntree as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
