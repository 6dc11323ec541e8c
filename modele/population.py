"""Initialisation : population synthétique de ménages en euros, tirée conjointement, et état initial.

Règle (ODD §7) : âge de la personne de référence tiré de la pyramide ; type de ménage et territoire selon la
tranche d'âge (les ruraux plus âgés, les QPV plus jeunes) ; conjoint et enfants selon le type ; diplôme selon
l'âge ; statut d'activité selon l'âge, le diplôme et le territoire (chômage plus fréquent en QPV) ; ressources
mensuelles en euros (salaires, pensions, allocations chômage, pension d'invalidité) par des lois log-normales
décalées par diplôme, âge et territoire ; statut de logement et loyer selon l'âge, les ressources et le territoire.
Le niveau de vie (ressources / unités de consommation) donne le quintile. L'illectronisme suit un logit
(âge + diplôme + revenu) dont les décalages sont CENTRÉS par ajustement itératif des marges (raking) : les
parts publiées par âge, par diplôme et par quintile tiennent ensemble. Compétences, équipement, littératie,
français, confiance et aidant informel en découlent (un entourage a un temps propre, heures par mois tirées
d'une loi gamma) ; tous les nombres sont des paramètres déclarés.
Au départ, chaque ménage éligible (montant dû > 0, `modele/droits.py`, ou part stationnaire) connaît son droit
avec `connaissance_initiale` et le perçoit s'il le connaît et qu'il le demanderait.
"""

from __future__ import annotations

import numpy as np

from modele.calendrier import SEMAINES_PAR_AN
from modele.etat import (
    BORNES_AGE,
    CHOMAGE,
    EMPLOI,
    HEBERGE,
    INACTIF,
    INVALIDITE,
    JAMAIS,
    LOCATAIRE_PRIVE,
    LOCATAIRE_SOCIAL,
    PERCOIT,
    PLUS_TARD,
    PROPRIETAIRE,
    RETRAITE,
    TYPES_MENAGE,
    Menages,
)
from modele.parametres import Parametres
from modele.prestations import Catalogue, part_eligible_stationnaire

AGE_MAX = 95                 # âge au-delà duquel la densité est nulle (structure de la pyramide)
N_AGES = 121                 # âges 0…120 indexés
PROBA_MIN = 1e-6             # garde numérique du logit
N_QUINTILES = 5              # quintiles de niveau de vie
ITERATIONS_RAKING = 50       # itérations de l'ajustement des marges (convergence à 1e-6 bien avant)
SEUL, COUPLE_SANS, COUPLE_AVEC, MONOPARENTAL = range(len(TYPES_MENAGE))


def logit(p):
    """Logit borné (garde numérique)."""
    p = np.clip(p, PROBA_MIN, 1 - PROBA_MIN)
    return np.log(p / (1 - p))


def sigmoide(x):
    """Fonction logistique."""
    return 1.0 / (1.0 + np.exp(-x))


def _parts(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / v.sum()


def _lignes(mat) -> np.ndarray:
    mat = np.asarray(mat, dtype=float)
    return mat / mat.sum(axis=1, keepdims=True)


def tranche(age: np.ndarray) -> np.ndarray:
    """Tranche d'âge (index dans TRANCHES_AGE)."""
    return np.searchsorted(np.asarray(BORNES_AGE[1:-1]), age, side="right")


def tirer_categories(rng: np.random.Generator, probas: np.ndarray) -> np.ndarray:
    """Une catégorie par ligne de `probas` (n, K) (lignes de somme 1)."""
    cum = probas.cumsum(axis=1)
    return (rng.random(probas.shape[0])[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)


def densite_ages(p: Parametres) -> np.ndarray:
    """Densité des âges 0…120 : interpolation linéaire entre les milieux des tranches (nulle à 96 ans), remise à
    l'échelle dans chaque tranche pour respecter exactement `parts_tranches_age`."""
    parts = _parts(p["population.parts_tranches_age"])
    k_t = parts.size
    bornes = list(BORNES_AGE[:-1]) + [AGE_MAX + 1]
    milieux = [(bornes[k] + bornes[k + 1] - 1) / 2 for k in range(k_t)] + [AGE_MAX + 1]
    dens = [parts[k] / (bornes[k + 1] - bornes[k]) for k in range(k_t)] + [0.0]
    n = np.zeros(N_AGES)
    a = np.arange(BORNES_AGE[0], AGE_MAX + 1)
    n[BORNES_AGE[0]:AGE_MAX + 1] = np.maximum(np.interp(a, milieux, dens), PROBA_MIN)
    for k in range(k_t):
        n[bornes[k]:bornes[k + 1]] *= parts[k] / n[bornes[k]:bornes[k + 1]].sum()
    return n


def renouvellement_stationnaire(p: Parametres) -> tuple[np.ndarray, np.ndarray]:
    """Hasards annuels de dissolution par âge μ(a) et âges des nouveaux ménages g(a), tels que la densité des âges
    (`densite_ages`) soit stationnaire : n(a) = n(a−1)·(1 − μ(a−1)) + B·g(a).

    Avant `population.age_fin_dissolution_jeunes`, μ vaut `population.dissolution_avant_45` (recompositions) et la
    formation de ménages comble la densité ; ensuite, μ suit la baisse de la densité (décès, établissements) et aucun
    ménage ne se forme, sauf là où la densité remonte. Rend (μ, g) indexés par l'âge 0…120.
    """
    n = densite_ages(p)
    a0, a_j = BORNES_AGE[0], int(p["population.age_fin_dissolution_jeunes"])
    mu = np.zeros(N_AGES)
    mu[a0:a_j] = p["population.dissolution_avant_45"]
    mu[AGE_MAX:] = 1.0
    g = np.zeros(N_AGES)
    g[a0] = n[a0]
    for a in range(a0 + 1, AGE_MAX + 1):
        if a > a_j:
            mu[a - 1] = max(0.0, 1.0 - n[a] / n[a - 1])
        survivants = n[a - 1] * (1.0 - mu[a - 1])
        if survivants > n[a]:
            mu[a - 1] = 1.0 - n[a] / n[a - 1]
            survivants = n[a]
        g[a] = n[a] - survivants
    return mu, g / g.sum()


# --- Ressources en euros ----------------------------------------------------------------------------------

def indexation(p: Parametres, annee: int) -> float:
    """Facteur d'indexation des montants en euros de l'année de référence vers `annee`."""
    return float((1.0 + p["population.croissance_revenus"]) ** (annee - p["population.annee_reference_revenus"]))


def tirer_activite(p: Parametres, rng: np.random.Generator, age: np.ndarray, diplome: np.ndarray,
                   territoire: np.ndarray) -> np.ndarray:
    """Statut d'activité (ACTIVITES) d'adultes : retraité à partir de l'âge de la retraite ; sinon actif selon la
    tranche d'âge, chômeur selon le diplôme et le territoire, inactif (dont invalide) sinon."""
    n = age.size
    actif = rng.random(n) < np.asarray(p["population.taux_activite_par_age"])[tranche(age)]
    chom = rng.random(n) < np.minimum(np.asarray(p["population.taux_chomage_par_diplome"])[diplome]
                                      * np.asarray(p["population.facteur_chomage_territoire"])[territoire], 1.0)
    invalide = rng.random(n) < p["population.part_invalides_inactifs"]
    act = np.where(actif, np.where(chom, CHOMAGE, EMPLOI), np.where(invalide, INVALIDITE, INACTIF))
    return np.where(age >= p["evenements.age_retraite"], RETRAITE, act).astype(np.int8)


def tirer_salaires(p: Parametres, rng: np.random.Generator, age, diplome, territoire, annee: int) -> np.ndarray:
    """Salaire mensuel net (euros) d'un adulte s'il travaille : log-normale décalée par diplôme, âge, territoire."""
    lg = (np.log(p["population.salaire_median"] * indexation(p, annee))
          + np.asarray(p["population.ecart_salaire_diplome"])[diplome]
          + np.asarray(p["population.ecart_salaire_age"])[tranche(age)]
          + np.asarray(p["population.ecart_revenus_territoire"])[territoire]
          + p["population.dispersion_salaires"] * rng.standard_normal(np.size(age)))
    return np.exp(lg).astype(np.float32)


def tirer_pensions(p: Parametres, rng: np.random.Generator, diplome, territoire, annee: int) -> np.ndarray:
    """Pension de retraite mensuelle nette (euros) : log-normale décalée par diplôme et territoire."""
    lg = (np.log(p["population.pension_mediane"] * indexation(p, annee))
          + p["population.lien_pension_salaire"] * np.asarray(p["population.ecart_salaire_diplome"])[diplome]
          + np.asarray(p["population.ecart_revenus_territoire"])[territoire]
          + p["population.dispersion_pensions"] * rng.standard_normal(np.size(diplome)))
    return np.exp(lg).astype(np.float32)


def ressources_adulte(p: Parametres, rng: np.random.Generator, activite, age, diplome, territoire,
                      annee: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(revenus d'activité, pensions, autres ressources) mensuels d'adultes selon leur statut d'activité :
    salaire s'il travaille ; pension s'il est retraité ; allocation chômage (taux de remplacement × salaire de
    référence) pour une part des chômeurs ; pension d'invalidité (taux × salaire de référence) s'il est invalide."""
    n = np.size(age)
    salaire = tirer_salaires(p, rng, age, diplome, territoire, annee)
    pension = tirer_pensions(p, rng, diplome, territoire, annee)
    indemnise = rng.random(n) < p["population.part_chomeurs_indemnises"]
    revenus = np.where(activite == EMPLOI, salaire, 0.0)
    pensions = np.where(activite == RETRAITE, pension, 0.0)
    autres = (np.where((activite == CHOMAGE) & indemnise, p["population.taux_remplacement_chomage"] * salaire, 0.0)
              + np.where(activite == INVALIDITE, p["population.taux_pension_invalidite"] * salaire, 0.0))
    return revenus.astype(np.float32), pensions.astype(np.float32), autres.astype(np.float32)


def unites_consommation(p: Parametres, couple, enfants) -> np.ndarray:
    """Unités de consommation : 1 pour le premier adulte, puis par adulte et par enfant (échelle déclarée)."""
    return 1.0 + p["population.uc_adulte_supplementaire"] * couple + p["population.uc_enfant"] * enfants


def niveau_de_vie(p: Parametres, M: Menages) -> np.ndarray:
    """Niveau de vie mensuel avant prestations (euros par unité de consommation)."""
    return (M.revenus_activite + M.pensions + M.autres_ressources) / unites_consommation(p, M.couple, M.enfants)


def quintiles(nv: np.ndarray) -> np.ndarray:
    """Quintile de niveau de vie des ménages (0 = 20 % les plus modestes), par rang."""
    n = nv.size
    rang = np.argsort(np.argsort(nv, kind="stable"), kind="stable")
    return (rang * N_QUINTILES // max(n, 1)).astype(np.int8)


def tirer_logement(p: Parametres, rng: np.random.Generator, age, couple, enfants, territoire, nv,
                   annee: int) -> tuple[np.ndarray, np.ndarray]:
    """Statut de logement (LOGEMENTS) et loyer mensuel (euros) : propriétaire selon l'âge, le niveau de vie relatif,
    le couple et le territoire ; hébergé selon l'âge ; locataire du parc social selon le territoire et le niveau de
    vie ; loyer log-normal par parc et territoire, croissant avec la taille du ménage."""
    n = np.size(age)
    rel = np.log(np.maximum(nv, PROBA_MIN) / (p["population.salaire_median"] * indexation(p, annee)))
    lp = (p["population.logit_proprietaire"] + p["population.proprietaire_pente_age"]
          * (age - p["population.age_pivot_logement"]) + p["population.proprietaire_pente_revenu"] * rel
          + p["population.proprietaire_couple"] * couple
          + np.asarray(p["population.proprietaire_ecart_territoire"])[territoire])
    proprio = rng.random(n) < sigmoide(lp)
    heberge = ~proprio & (rng.random(n) < np.asarray(p["population.part_heberges_par_age"])[tranche(age)])
    ls = (p["population.logit_parc_social"] + np.asarray(p["population.parc_social_ecart_territoire"])[territoire]
          + p["population.parc_social_pente_revenu"] * rel)
    social = ~proprio & ~heberge & (rng.random(n) < sigmoide(ls))
    logement = np.where(proprio, PROPRIETAIRE, np.where(heberge, HEBERGE, np.where(
        social, LOCATAIRE_SOCIAL, LOCATAIRE_PRIVE))).astype(np.int8)
    return logement, tirer_loyer(p, rng, logement, couple, enfants, territoire, annee)


def tirer_loyer(p: Parametres, rng: np.random.Generator, logement, couple, enfants, territoire,
                annee: int) -> np.ndarray:
    """Loyer mensuel (euros, hors charges) d'un locataire ; 0 pour un propriétaire ou un hébergé."""
    n = np.size(logement)
    med = np.where(logement == LOCATAIRE_SOCIAL, np.asarray(p["population.loyer_median_social"])[territoire],
                   np.asarray(p["population.loyer_median_prive"])[territoire])
    taille = 1.0 + p["population.loyer_supplement_par_personne"] * (couple + enfants)
    loyer = med * indexation(p, annee) * taille * np.exp(p["population.dispersion_loyers"]
                                                          * rng.standard_normal(n))
    locataire = (logement == LOCATAIRE_PRIVE) | (logement == LOCATAIRE_SOCIAL)
    return np.where(locataire, loyer, 0.0).astype(np.float32)


def type_depuis(couple: np.ndarray, enfants: np.ndarray) -> np.ndarray:
    """Type de ménage (TYPES_MENAGE) déduit du couple et des enfants."""
    avec = enfants > 0
    return np.where(couple, np.where(avec, COUPLE_AVEC, COUPLE_SANS),
                    np.where(avec, MONOPARENTAL, SEUL)).astype(np.int8)


def tirer_conjoints(p: Parametres, rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Âge d'un conjoint pour des personnes de référence d'âge `age`."""
    ecart = p["population.ecart_age_conjoint"] + p["population.dispersion_age_conjoint"] * rng.standard_normal(
        age.size)
    return np.clip(np.rint(age + ecart), BORNES_AGE[0], AGE_MAX).astype(np.int16)


# --- Illectronisme : décalages centrés -------------------------------------------------------------------

def cibles_centrees(cibles: np.ndarray, publiees: np.ndarray, parts: np.ndarray, ensemble: float) -> np.ndarray:
    """Parts cibles d'une marge : les catégories publiées (`publiees`) gardent leur valeur, les autres (valeurs
    déclarées interpolées) sont mises à l'échelle pour que la moyenne pondérée par `parts` égale `ensemble` (la part
    d'ensemble qu'impliquent les parts par âge) : sans ce centrage, les marges se contredisent."""
    fixe = float((parts * cibles)[publiees].sum())
    libre = float((parts * cibles)[~publiees].sum())
    f = (ensemble - fixe) / libre if libre > 0 else 1.0
    return np.where(publiees, cibles, np.clip(cibles * f, PROBA_MIN, 1 - PROBA_MIN))


def ecarts_illectronisme(p: Parametres, t_age: np.ndarray, diplome: np.ndarray,
                         quintile: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Décalages de logit (âge, diplôme, quintile) CENTRÉS : les parts d'illectronisme par tranche d'âge, par
    diplôme et par quintile égalent ensemble les parts publiées (ajustement itératif des marges ; le logit de chaque
    case est la somme de ses trois décalages).

    Les chiffres publiés portent sur des personnes, pas sur des personnes de référence (plus âgées) : les ménages sont
    pondérés pour que la structure par âge soit celle des adultes (`population.parts_adultes_par_age`), et les
    catégories non publiées sont centrées (`cibles_centrees`). Rend (écarts âge, diplôme, quintile) ; les poids
    servent aussi aux marges de `experiences/population`."""
    poids = poids_adultes(p, t_age)
    par_age = np.asarray(p["population.illectronisme_par_age"])
    ensemble = float(_parts(p["population.parts_adultes_par_age"]) @ par_age)
    cibles, codes = [par_age], [t_age]
    for cle, c in (("diplome", diplome), ("quintile", quintile)):
        v = np.asarray(p[f"population.illectronisme_par_{cle}"])
        publiees = np.asarray(p[f"population.illectronisme_{cle}_publie"], dtype=bool)
        parts = np.bincount(c, weights=poids, minlength=v.size) / poids.sum()
        cibles.append(cibles_centrees(v, publiees, parts, ensemble))
        codes.append(c)
    ecarts = [logit(cibles[0]), np.zeros(cibles[1].size), np.zeros(cibles[2].size)]
    for _ in range(ITERATIONS_RAKING):
        for k in range(len(codes)):
            pred = sigmoide(ecarts[0][codes[0]] + ecarts[1][codes[1]] + ecarts[2][codes[2]])
            n_k = np.bincount(codes[k], weights=poids, minlength=cibles[k].size)
            moy = np.bincount(codes[k], weights=pred * poids, minlength=cibles[k].size) / np.maximum(n_k, PROBA_MIN)
            ecarts[k] = ecarts[k] + np.where(n_k > 0, logit(cibles[k]) - logit(moy), 0.0)
    return ecarts[0], ecarts[1], ecarts[2]


def poids_adultes(p: Parametres, t_age: np.ndarray) -> np.ndarray:
    """Poids de chaque ménage pour que la structure par âge des personnes de référence devienne celle des adultes
    (`population.parts_adultes_par_age`) : comparaison aux chiffres publiés sur des personnes."""
    n_t = np.bincount(t_age, minlength=len(BORNES_AGE) - 1).astype(float)
    cible = _parts(p["population.parts_adultes_par_age"])
    return (cible / np.maximum(n_t / max(n_t.sum(), 1.0), PROBA_MIN))[t_age]


# --- Tirage des ménages ----------------------------------------------------------------------------------

def creer_menages(p: Parametres, n: int, rng: np.random.Generator, annee: int, ages: np.ndarray | None = None,
                  territoires: np.ndarray | None = None, ecarts=None, premier_identifiant: int = 0) -> Menages:
    """Tire `n` ménages (sans éligibilité : voir `etat_initial`) en euros de l'année `annee` ; `ages` et
    `territoires` imposent l'âge et le territoire (nouveaux ménages du renouvellement démographique) ; `ecarts`
    impose les décalages d'illectronisme (sinon ajustés sur les ménages tirés). Identifiants consécutifs à partir
    de `premier_identifiant`."""
    if ages is None:
        dens = densite_ages(p)
        age = rng.choice(dens.size, size=n, p=dens / dens.sum()).astype(np.int16)
    else:
        age = np.asarray(ages, dtype=np.int16)
    t_age = tranche(age)
    type_menage = tirer_categories(rng, _lignes(p["population.types_menage_par_age"])[t_age])
    if territoires is None:
        territoire = tirer_categories(rng, _lignes(p["population.territoires_par_age"])[t_age])
    else:
        territoire = np.asarray(territoires, dtype=np.int8)
    couple = (type_menage == COUPLE_SANS) | (type_menage == COUPLE_AVEC)
    avec_enfants = (type_menage == COUPLE_AVEC) | (type_menage == MONOPARENTAL)
    n_enf = 1 + tirer_categories(rng, np.tile(_parts(p["population.parts_nombre_enfants"]), (n, 1)))
    enfants = np.where(avec_enfants, n_enf, 0).astype(np.int8)
    age_conjoint = np.where(couple, tirer_conjoints(p, rng, age), -1).astype(np.int16)

    # Diplôme selon l'âge (le conjoint : même diplôme, homogamie supposée).
    diplome = tirer_categories(rng, _lignes(p["population.diplome_par_age"])[t_age])
    activite = tirer_activite(p, rng, age, diplome, territoire)
    act_c = tirer_activite(p, rng, np.maximum(age_conjoint, BORNES_AGE[0]), diplome, territoire)
    activite_conjoint = np.where(couple, act_c, -1).astype(np.int8)
    r_ref = ressources_adulte(p, rng, activite, age, diplome, territoire, annee)
    r_conj = ressources_adulte(p, rng, activite_conjoint, np.maximum(age_conjoint, BORNES_AGE[0]), diplome,
                               territoire, annee)
    r_conj = tuple(np.where(couple, r, 0.0).astype(np.float32) for r in r_conj)
    revenus, pensions, autres = (r_ref[k] + r_conj[k] for k in range(len(r_ref)))
    uc = unites_consommation(p, couple, enfants)
    nv = (revenus + pensions + autres) / uc
    quintile = quintiles(nv)
    logement, loyer = tirer_logement(p, rng, age, couple, enfants, territoire, nv, annee)

    # Illectronisme : logit(âge) + diplôme + revenu, décalages centrés sur les marges publiées.
    if ecarts is None:
        ecarts = ecarts_illectronisme(p, t_age, diplome, quintile)
    illectronisme = rng.random(n) < sigmoide(ecarts[0][t_age] + ecarts[1][diplome] + ecarts[2][quintile])
    # Compétences : en illectronisme, sous le seuil ; sinon « faibles » pour une part des internautes (plus
    # fréquente sans diplôme), au-dessus pour les autres, plus hautes avec le diplôme.
    s_ill = p["population.seuil_illectronisme"]
    s_faible = max(s_ill, p["population.seuil_faibles_competences"])  # seuils ordonnés
    faible = rng.random(n) < p["population.part_faibles_competences_internautes"] * np.asarray(
        p["population.faibles_competences_facteur_diplome"])[diplome]
    fortes = np.clip(s_faible + p["population.competences_ecart_diplome"] * diplome
                     + p["population.competences_amplitude"] * rng.random(n)
                     + p["population.competences_ecart_type"] * rng.standard_normal(n), s_faible, 1.0)
    numerique = np.where(illectronisme, rng.uniform(0.0, s_ill, n),
                         np.where(faible, rng.uniform(s_ill, s_faible, n), fortes)).astype(np.float32)
    sans = illectronisme & (rng.random(n) < p["population.sans_equipement_si_illectronisme"])
    smartphone = ~sans & (illectronisme | (rng.random(n) < np.asarray(
        p["population.smartphone_seul_par_revenu"])[quintile]))
    equipement = np.where(sans, 0, np.where(smartphone, 1, 2)).astype(np.int8)

    s_lit = p["population.seuil_illettrisme"]
    illettre = rng.random(n) < np.asarray(p["population.part_illettrisme_par_diplome"])[diplome]
    litteratie = np.where(illettre, rng.uniform(0.0, s_lit, n), np.clip(
        p["population.litteratie_base"] + p["population.litteratie_ecart_diplome"] * diplome
        + p["population.litteratie_ecart_type"] * rng.standard_normal(n), s_lit, 1.0)).astype(np.float32)
    francais_faible = rng.random(n) < p["population.part_francais_faible"]
    francais = np.where(francais_faible, rng.uniform(0.0, p["population.francais_faible_max"], n),
                        rng.uniform(p["population.francais_courant_min"], 1.0, n)).astype(np.float32)
    m, k = p["population.confiance_moyenne"], p["population.concentration_confiance"]
    confiance = rng.beta(k * m, k * (1 - m), n).astype(np.float32)
    p_aidant = np.where(age >= p["population.age_seuil_aidant"], p["population.aidant_informel_65_plus"],
                        p["population.aidant_informel_moins_65"])
    aidant = rng.random(n) < p_aidant
    m, k = p["population.capacite_aidant_moyenne"], p["population.concentration_capacite_aidant"]
    capacite_aidant = np.where(aidant, rng.beta(k * m, k * (1 - m), n), 0.0).astype(np.float32)
    # Temps de l'entourage (heures par mois), loi gamma de moyenne entourage.heures_mois ; réserve pleine au départ.
    # Tiré d'un flux enfant (`SeedSequence.spawn`) : les tirages suivants de `rng` restent ceux d'avant ce tirage.
    forme = p["entourage.forme_heures"]
    graine = getattr(rng.bit_generator, "seed_seq", None)
    flux = np.random.default_rng(graine.spawn(1)[0]) if graine is not None else rng
    heures_entourage = np.where(aidant, flux.gamma(forme, p["entourage.heures_mois"] / forme, n),
                                0.0).astype(np.float32)

    n_p = len(Catalogue.depuis(p).noms)
    z = np.zeros((n, n_p), dtype=bool)

    def plein(valeur, dtype):
        return np.full((n, n_p), valeur, dtype=dtype)

    M = Menages(
        age=age, identifiant=np.arange(premier_identifiant, premier_identifiant + n, dtype=np.int64),
        type_menage=type_menage, couple=couple, enfants=enfants, age_conjoint=age_conjoint, activite=activite,
        activite_conjoint=activite_conjoint, revenus_activite=revenus, pensions=pensions, autres_ressources=autres,
        revenus_conjoint=r_conj[0], pension_conjoint=r_conj[1], autres_conjoint=r_conj[2],
        logement=logement, loyer=loyer, quintile=quintile, diplome=diplome, territoire=territoire,
        equipement=equipement, numerique=numerique, litteratie=litteratie, francais=francais,
        confiance=confiance, aidant=aidant, capacite_aidant=capacite_aidant, heures_entourage=heures_entourage,
        reserve_entourage=heures_entourage.copy(), fatigue_entourage=np.zeros(n, np.float32),
        autonomie=np.zeros(n, np.float32), habitude=np.zeros(n, np.float32), referent=np.full(n, -1, np.int32),
        t_en_ligne=np.full(n, JAMAIS, np.int32), t_abandon=np.full(n, JAMAIS, np.int32),
        t_abandon_def=np.full(n, JAMAIS, np.int32), t_aide=np.full(n, JAMAIS, np.int32),
        t_courante=np.full(n, PLUS_TARD, np.int32), t_evenement=np.full(n, JAMAIS, np.int32),
        dernier_evenement=np.full(n, -1, np.int8),
        eligible=z.copy(), montant_du=plein(0.0, np.float32), connait=z.copy(), statut=plein(0, np.int8),
        etape=plein(0, np.int8),
        canal=plein(0, np.int8), tentatives=plein(0, np.int8), t_prochain=plein(PLUS_TARD, np.int32),
        t_decision=plein(PLUS_TARD, np.int32), t_renouvellement=plein(PLUS_TARD, np.int32),
        t_debut_eligibilite=plein(JAMAIS, np.int32), t_non_proposition=plein(JAMAIS, np.int32),
        t_demande=plein(JAMAIS, np.int32), issue_demande=plein(0, np.int8), t_issue_demande=plein(JAMAIS, np.int32),
        perception=plein(p["decision.perception_initiale"], np.float32), detenteur=plein(-1, np.int32),
        trimestres_nr=plein(0, np.int8), trimestres_el=plein(0, np.int8), a_demande=z.copy(),
    )
    M.seuils_capacite = np.asarray(p["population.seuils_capacite_numerique"], dtype=np.float32)
    M.ecarts_illectronisme = ecarts  # décalages ajustés, réutilisés pour les nouveaux ménages du renouvellement
    return M


def etat_initial(menages: Menages, cat: Catalogue, p: Parametres, rng: np.random.Generator, t0: int = 0,
                 montants: np.ndarray | None = None) -> None:
    """Éligibilité, connaissance et droits ouverts au premier pas `t0` (le début du rodage, négatif ; régime
    supposé stationnaire).

    Éligibilité : montant dû > 0 (`montants`, table des droits) ; sans table, tirage selon la part stationnaire
    du profil. Un ménage éligible qui connaît son droit le perçoit avec la probabilité qu'il aurait de le demander
    et de l'obtenir, résumée par `perception_initiale` × `facteur_perception_initiale` ; les autres entrent dans la
    dynamique (décision à une date tirée dans la fenêtre de reconsidération). Toutes les dates tirées comptent à
    partir de `t0` : le rodage fait donc vivre les échéances initiales avant le début relevé.
    """
    n, n_p = menages.eligible.shape
    if montants is None:
        part = part_eligible_stationnaire(cat, menages.age, menages.quintile, menages.type_menage,
                                          p["evenements.part_eligible_max"])
        elig = rng.random((n, n_p)) < part
        for b in range(n_p):
            if cat.liee[b] >= 0:
                elig[:, b] |= elig[:, cat.liee[b]]
        menages.montant_du[:] = np.where(elig, cat.montant[None, :], 0.0)
    else:
        menages.montant_du[:] = montants
        elig = montants > 0
    menages.eligible[:] = elig
    # Durée déjà passée dans l'éligibilité : uniforme dans [0, durée moyenne).
    menages.t_debut_eligibilite[:] = np.where(
        elig, t0 - (rng.random((n, n_p)) * cat.duree_eligibilite).astype(np.int32), JAMAIS)
    connait = elig & (rng.random((n, n_p)) < cat.connaissance_initiale)
    menages.connait[:] = connait
    percoit = connait & (rng.random((n, n_p)) < p["decision.perception_initiale"]
                         * p["decision.facteur_perception_initiale"])
    menages.statut[percoit] = PERCOIT
    menages.a_demande[percoit] = True
    periode = np.maximum(cat.periode, 1)
    phase = rng.integers(0, np.broadcast_to(periode, (n, n_p)))
    menages.t_renouvellement[:] = np.where(percoit & (cat.periode > 0), t0 + phase, PLUS_TARD).astype(np.int32)
    attente = connait & ~percoit
    fenetre = max(int(p["decision.reconsideration"]), 1)
    menages.t_decision[:] = np.where(attente, t0 + rng.integers(0, fenetre, size=(n, n_p)),
                                     PLUS_TARD).astype(np.int32)
    # Démarches courantes : première date tirée dans l'année.
    taux = p["demarches.demarches_courantes_par_an"] / SEMAINES_PAR_AN
    menages.t_courante[:] = (t0 + rng.exponential(1 / taux, n).astype(np.int32) if taux > 0
                             else np.full(n, PLUS_TARD, np.int32)).astype(np.int32)

