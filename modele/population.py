"""Initialisation : population synthétique de ménages tirée des distributions publiées (ou d'hypothèses).

Règle : âge, type, territoire tirés de leurs parts ; revenu (quintile) par un revenu latent lié à l'âge et au
diplôme ; illectronisme par un logit (âge + diplôme + revenu) ; compétences, équipement, littératie,
français, confiance et aidant informel en découlent. Au départ, chaque ménage est éligible selon sa part
stationnaire, connaît son droit avec `connaissance_initiale` et le perçoit s'il le connaît et qu'il le
demanderait (tirage de la décision à l'état initial, sans démarche).
"""

from __future__ import annotations

import numpy as np

from modele.etat import (
    BORNES_AGE,
    JAMAIS,
    PERCOIT,
    PLUS_TARD,
    Menages,
)
from modele.parametres import Parametres
from modele.prestations import Catalogue, part_eligible_stationnaire


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoide(x):
    return 1.0 / (1.0 + np.exp(-x))


def _parts(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / v.sum()


AGE_MAX = 95


def densite_ages(p: Parametres) -> np.ndarray:
    """Densité des âges 0…120 : interpolation linéaire entre les milieux des tranches (nulle à 96 ans), remise à
    l'échelle dans chaque tranche pour respecter exactement `parts_tranches_age`."""
    parts = _parts(p["population.parts_tranches_age"])
    bornes = list(BORNES_AGE[:-1]) + [AGE_MAX + 1]
    milieux = [(bornes[k] + bornes[k + 1] - 1) / 2 for k in range(5)] + [AGE_MAX + 1]
    dens = [parts[k] / (bornes[k + 1] - bornes[k]) for k in range(5)] + [0.0]
    n = np.zeros(121)
    a = np.arange(18, AGE_MAX + 1)
    n[18:AGE_MAX + 1] = np.maximum(np.interp(a, milieux, dens), 1e-6)
    for k in range(5):
        n[bornes[k]:bornes[k + 1]] *= parts[k] / n[bornes[k]:bornes[k + 1]].sum()
    return n


def renouvellement_stationnaire(p: Parametres) -> tuple[np.ndarray, np.ndarray]:
    """Hasards annuels de dissolution par âge μ(a) et âges des nouveaux ménages g(a), tels que la densité des âges
    (`densite_ages`) soit stationnaire : n(a) = n(a−1)·(1 − μ(a−1)) + B·g(a).

    Avant 45 ans, μ vaut `population.dissolution_avant_45` (recompositions) et la formation de ménages comble la
    densité ; à partir de 45 ans, μ suit la baisse de la densité (décès, établissements) et aucun ménage ne se
    forme, sauf là où la densité remonte. Rend (μ, g) indexés par l'âge 0…120.
    """
    n = densite_ages(p)
    mu = np.zeros(121)
    mu[18:45] = p["population.dissolution_avant_45"]
    mu[AGE_MAX:] = 1.0
    g = np.zeros(121)
    g[18] = n[18]
    for a in range(19, AGE_MAX + 1):
        if a > 45:
            mu[a - 1] = max(0.0, 1.0 - n[a] / n[a - 1])
        survivants = n[a - 1] * (1.0 - mu[a - 1])
        if survivants > n[a]:
            mu[a - 1] = 1.0 - n[a] / n[a - 1]
            survivants = n[a]
        g[a] = n[a] - survivants
    return mu, g / g.sum()


def creer_menages(p: Parametres, n: int, rng: np.random.Generator, ages: np.ndarray | None = None) -> Menages:
    """Tire `n` ménages et leur état initial (sans éligibilité : voir `etat_initial`) ; `ages` impose les âges
    (nouveaux ménages du renouvellement démographique)."""
    if ages is None:
        dens = densite_ages(p)
        age = rng.choice(dens.size, size=n, p=dens / dens.sum()).astype(np.int16)
    else:
        age = np.asarray(ages, dtype=np.int16)
    t_age = np.searchsorted(np.asarray(BORNES_AGE[1:-1]), age, side="right")
    type_menage = rng.choice(4, size=n, p=_parts(p["population.parts_types_menage"])).astype(np.int8)
    territoire = rng.choice(4, size=n, p=_parts(p["population.parts_territoires"])).astype(np.int8)

    # Diplôme selon l'âge ; quintile par un revenu latent (diplôme, âge), découpé en cinquièmes.
    mat = np.asarray(p["population.diplome_par_age"], dtype=float)
    mat = mat / mat.sum(axis=1, keepdims=True)
    cum = mat.cumsum(axis=1)[t_age]
    diplome = (rng.random(n)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)
    latent = (-p["population.lien_diplome_revenu"] * (diplome - 1.5)
              + np.asarray(p["population.revenu_selon_age"])[t_age] + rng.standard_normal(n))
    rang = np.argsort(np.argsort(-latent, kind="stable"), kind="stable")
    quintile = (rang * 5 // n).astype(np.int8)  # 0 = plus modeste (latent le plus élevé)

    # Illectronisme : logit(âge) + écart diplôme + écart revenu.
    lg = (_logit(np.asarray(p["population.illectronisme_par_age"]))[t_age]
          + np.asarray(p["population.illectronisme_ecart_diplome"])[diplome]
          + np.asarray(p["population.illectronisme_ecart_revenu"])[quintile])
    illectronisme = rng.random(n) < _sigmoide(lg)
    # Compétences : en illectronisme, faibles (< 0,2) ; sinon « faibles » (0,2-0,5) pour une part des
    # internautes, au-delà pour les autres, plus hautes avec le diplôme.
    faible = rng.random(n) < p["population.part_faibles_competences_internautes"] * (1.3 - 0.2 * diplome)
    numerique = np.where(
        illectronisme, rng.uniform(0.0, 0.2, n),
        np.where(faible, rng.uniform(0.2, 0.5, n),
                 np.clip(0.5 + 0.08 * diplome + 0.15 * rng.random(n) + 0.1 * rng.standard_normal(n), 0.5, 1.0)),
    ).astype(np.float32)
    sans = illectronisme & (rng.random(n) < p["population.sans_equipement_si_illectronisme"])
    smartphone = ~sans & (illectronisme | (rng.random(n) < np.asarray(
        p["population.smartphone_seul_par_revenu"])[quintile]))
    equipement = np.where(sans, 0, np.where(smartphone, 1, 2)).astype(np.int8)

    illettre = rng.random(n) < np.asarray(p["population.part_illettrisme_par_diplome"])[diplome]
    litteratie = np.where(illettre, rng.uniform(0.0, 0.3, n),
                          np.clip(0.55 + 0.1 * diplome + 0.1 * rng.standard_normal(n), 0.3, 1.0)).astype(np.float32)
    francais_faible = rng.random(n) < p["population.part_francais_faible"]
    francais = np.where(francais_faible, rng.uniform(0.0, 0.35, n), rng.uniform(0.7, 1.0, n)).astype(np.float32)
    m = p["population.confiance_moyenne"]
    confiance = rng.beta(6 * m, 6 * (1 - m), n).astype(np.float32)
    p_aidant = np.where(age >= 65, p["population.aidant_informel_65_plus"], p["population.aidant_informel_moins_65"])
    aidant = rng.random(n) < p_aidant
    m = p["population.capacite_aidant_moyenne"]
    capacite_aidant = np.where(aidant, rng.beta(5 * m, 5 * (1 - m), n), 0.0).astype(np.float32)

    n_p = len(Catalogue.depuis(p).noms)
    z = np.zeros((n, n_p), dtype=bool)

    def plein(valeur, dtype):
        return np.full((n, n_p), valeur, dtype=dtype)

    return Menages(
        age=age, type_menage=type_menage, quintile=quintile, diplome=diplome, territoire=territoire,
        equipement=equipement, numerique=numerique, litteratie=litteratie, francais=francais,
        confiance=confiance, aidant=aidant, capacite_aidant=capacite_aidant,
        autonomie=np.zeros(n, np.float32),
        t_en_ligne=np.full(n, JAMAIS, np.int32), t_abandon=np.full(n, JAMAIS, np.int32),
        t_abandon_def=np.full(n, JAMAIS, np.int32), t_aide=np.full(n, JAMAIS, np.int32),
        t_courante=np.full(n, PLUS_TARD, np.int32),
        eligible=z.copy(), connait=z.copy(), statut=plein(0, np.int8), etape=plein(0, np.int8),
        canal=plein(0, np.int8), tentatives=plein(0, np.int8), t_prochain=plein(PLUS_TARD, np.int32),
        t_decision=plein(PLUS_TARD, np.int32), t_renouvellement=plein(PLUS_TARD, np.int32),
        t_debut_eligibilite=plein(JAMAIS, np.int32), t_contact_sans_info=plein(JAMAIS, np.int32),
        perception=plein(p["decision.perception_initiale"], np.float32), detenteur=plein(-1, np.int16),
        trimestres_nr=plein(0, np.int8), trimestres_el=plein(0, np.int8), a_demande=z.copy(),
    )


def etat_initial(menages: Menages, cat: Catalogue, p: Parametres, rng: np.random.Generator, t0: int = 0) -> None:
    """Éligibilité, connaissance et droits ouverts au premier pas `t0` (le début du rodage, négatif ; régime
    supposé stationnaire).

    Un ménage éligible qui connaît son droit le perçoit avec la probabilité qu'il aurait de le demander et
    de l'obtenir, résumée par `perception_initiale` ; les autres entrent dans la dynamique (décision à une
    date tirée dans la fenêtre de reconsidération). Toutes les dates tirées comptent à partir de `t0` : le rodage
    fait donc vivre les échéances initiales (décisions, déclarations, démarches courantes) avant le début relevé.
    """
    n, n_p = menages.eligible.shape
    part = part_eligible_stationnaire(cat, menages.age, menages.quintile, menages.type_menage)
    elig = rng.random((n, n_p)) < part
    for b in range(n_p):
        if cat.liee[b] >= 0:
            elig[:, b] |= elig[:, cat.liee[b]]
    menages.eligible[:] = elig
    # Durée déjà passée dans l'éligibilité : uniforme dans [0, durée moyenne).
    menages.t_debut_eligibilite[:] = np.where(
        elig, t0 - (rng.random((n, n_p)) * cat.duree_eligibilite).astype(np.int32), JAMAIS)
    connait = elig & (rng.random((n, n_p)) < cat.connaissance_initiale)
    menages.connait[:] = connait
    percoit = connait & (rng.random((n, n_p)) < p["decision.perception_initiale"] * 0.85)
    menages.statut[percoit] = PERCOIT
    menages.a_demande[percoit] = True
    periode = np.maximum(cat.periode, 1)
    phase = rng.integers(0, 1 << 30, size=(n, n_p)) % periode
    menages.t_renouvellement[:] = np.where(percoit & (cat.periode > 0), t0 + phase, PLUS_TARD).astype(np.int32)
    attente = connait & ~percoit
    menages.t_decision[:] = np.where(
        attente, t0 + rng.integers(0, 1 << 30, size=(n, n_p)) % max(int(p["decision.reconsideration"]), 1),
        PLUS_TARD).astype(np.int32)
    # Démarches courantes : première date tirée dans l'année.
    taux = p["demarches.demarches_courantes_par_an"] / 52.1775
    menages.t_courante[:] = (t0 + rng.exponential(1 / taux, n).astype(np.int32) if taux > 0
                             else np.full(n, PLUS_TARD, np.int32)).astype(np.int32)
