"""Événements : renouvellement des ménages, vieillissement, événements de vie, entrées dans l'éligibilité et sorties.

Règle : au nouvel an, des ménages se dissolvent et sont remplacés par de NOUVEAUX ménages (nouvel identifiant),
les autres vieillissent d'un an, ceux qui atteignent l'âge de la retraite la prennent, les montants en euros sont
indexés et les quintiles recalculés. Chaque semaine, des événements de vie surviennent avec leur hasard déclaré
(taux annuel → hasard hebdomadaire) : séparation, mise en couple, naissance, perte d'emploi, reprise d'emploi,
invalidité, déménagement, veuvage. Ils changent les ressources, la composition ou le logement du ménage et sont
notés dans son récit. Un événement est un nouveau besoin : le ménage reconsidère aussitôt les droits qu'il connaît
et ne perçoit pas (`p_reconsideration`), et un droit ouvert par l'événement est connu avec
`connaissance_entree` × `facteur_connaissance_evenement`.
Éligibilité : avec la table des droits (`modele/droits.py`), le montant dû est recalculé pour les ménages dont la
situation a changé (et pour tous au nouvel an) ; éligible ⇔ montant > 0. Sans table, flux stationnaires : sortie
de hasard 1 / durée moyenne, entrée de hasard sortie × q / (1 − q) (q : part éligible du profil), tirage creux.
Devenir éligible à une prestation liée (RSA) rend éligible à l'autre (CSS), et on ne sort pas de la prestation
liée tant qu'on reste éligible à la source. Un nouvel éligible connaît son droit avec `connaissance_entree`
(× `facteur_connaissance_meme_organisme` s'il perçoit déjà une prestation du même organisme) et le considère aussitôt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.calendrier import SEMAINES_PAR_AN
from modele.creux import dans_trie, uniques
from modele.etat import (
    AUCUN,
    BORNES_AGE,
    CHOMAGE,
    EMPLOI,
    EVENEMENTS_VIE,
    INVALIDITE,
    JAMAIS,
    PERCOIT,
    PLUS_TARD,
    RETRAITE,
    SANS_ISSUE,
    TERRITOIRES,
    TYPES_MENAGE,
    Menages,
)
from modele.population import (
    N_QUINTILES,
    PROBA_MIN,
    creer_menages,
    niveau_de_vie,
    quintiles,
    ressources_adulte,
    tirer_activite,
    tirer_conjoints,
    tirer_logement,
    tirer_pensions,
    tirer_salaires,
    type_depuis,
    unites_consommation,
)
from modele.prestations import part_eligible_stationnaire

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

EUROS = ("revenus_activite", "pensions", "autres_ressources", "revenus_conjoint", "pension_conjoint",
         "autres_conjoint", "loyer")
FILTRE_TRI = 8  # en deçà de n / FILTRE_TRI candidats, dédoublonnage par tri plutôt que par masque (mesuré : le tri
# de k entiers est 3 à 15 fois plus rapide que le masque de taille n pour n / 1000 ≤ k ≤ n / 20, n = 10⁴ à 10⁶)


def hasard_hebdomadaire(taux_annuel):
    """Hasard hebdomadaire équivalent à une probabilité annuelle."""
    return 1.0 - (1.0 - np.asarray(taux_annuel, dtype=float)) ** (1.0 / SEMAINES_PAR_AN)


def appliquer(m: ModeleNonRecours) -> None:
    """Nouvel an (renouvellement, vieillissement, retraites, indexation), événements de vie de la semaine, puis
    droits : recalcul pour les ménages touchés (table des droits) ou flux stationnaires."""
    rng = m.aleas["evenements"]
    touches = []
    if m.calendrier.nouvel_an(m.t):  # rodage compris : la pyramide est stationnaire
        touches.append(renouveler(m, rng))
        touches.append(nouvel_an(m, rng))
    touches.append(evenements_de_vie(m, rng))
    touches = uniques(np.concatenate(touches)) if touches else np.zeros(0, np.int64)
    if m.droits is not None:
        tous = m.calendrier.nouvel_an(m.t)
        recalculer_droits(m, None if tous else touches, rng, evenement=touches)
    else:
        if m.calendrier.nouvel_an(m.t):
            m.recalculer_parts_eligibles()
        flux_stationnaires(m, rng)
    reconsiderer(m, touches, rng)


# --- Nouvel an : renouvellement, vieillissement, retraites ------------------------------------------------

def attributs_menage(M: Menages) -> tuple[str, ...]:
    """Attributs (N,) d'un ménage remplacés au renouvellement (tout sauf le territoire, gardé : l'offre locale est
    dimensionnée par territoire)."""
    return tuple(nom for nom, v in vars(M).items()
                 if isinstance(v, np.ndarray) and v.ndim == 1 and v.shape[0] == M.n
                 and nom not in ("territoire", "t_courante"))


def renouveler(m: ModeleNonRecours, rng: np.random.Generator) -> np.ndarray:
    """Au nouvel an : des ménages se dissolvent (hasard μ(âge)), les autres vieillissent d'un an, et de NOUVEAUX
    ménages (âges tirés selon g, nouvel identifiant) prennent les cases libérées, dans le même territoire.

    μ et g rendent la pyramide des âges stationnaire (`population.renouvellement_stationnaire`). Le récit d'un
    ménage parti s'arrête (« quitte la population ») ; le nouveau ménage n'a ni droit, ni connaissance, ni
    historique, et ses demandes en file chez les acteurs sont retirées. Rend les cases renouvelées.
    """
    M = m.menages
    mu, g = m.renouvellement
    i = np.flatnonzero(rng.random(M.n) < mu[M.age])
    M.age += 1
    M.age_conjoint[M.couple] += 1
    if i.size == 0:
        return i
    m.journal.noter(i, -1, "depart", "quitte la population")
    m.journal.portraits_au_depart(m, i)
    nouveaux = creer_menages(m.p, i.size, rng, m.calendrier.annee(m.t), ages=rng.choice(g.size, size=i.size, p=g),
                             territoires=M.territoire[i], ecarts=m.ecarts_illectronisme,
                             premier_identifiant=m.prochain_identifiant)
    m.prochain_identifiant += i.size
    for nom in attributs_menage(M):
        getattr(M, nom)[i] = getattr(nouveaux, nom)
    for b in range(M.n_prestations):
        sortir(m, i[M.eligible[i, b]], b, noter=False)
        bb = np.full(i.size, b)
        M.connait[i, bb] = False
        M.montant_du[i, bb] = 0.0
        M.perception[i, bb] = np.float32(m.p["decision.perception_initiale"])
        M.t_non_proposition[i, bb] = JAMAIS
        M.t_demande[i, bb] = JAMAIS
        M.t_debut_eligibilite[i, bb] = JAMAIS
        M.trimestres_nr[i, bb] = 0
        M.trimestres_el[i, bb] = 0
    f = m.file_aide  # une demande en file d'un ménage parti ne passe pas au nouveau
    if f.n:
        f.garder(~dans_trie(f.menage, i))
    m.journal.nouveaux(M.identifiant[i])
    m.journal.noter(i, -1, "nouveau_menage", "un nouveau ménage s'installe")
    return i


def nouvel_an(m: ModeleNonRecours, rng: np.random.Generator) -> np.ndarray:
    """Retraites à l'âge légal (personne de référence et conjoint), indexation des euros, quintiles et groupes du
    réseau recalculés. Rend les ménages dont un adulte prend sa retraite."""
    M, p = m.menages, m.p
    annee = m.calendrier.annee(m.t)
    g = np.float32(1.0 + p["population.croissance_revenus"])
    for nom in EUROS:
        getattr(M, nom)[:] *= g
    age_r = p["evenements.age_retraite"]
    i = np.flatnonzero((M.age >= age_r) & (M.activite != RETRAITE))
    ref_part = M.revenus_activite[i] - M.revenus_conjoint[i]
    autres_ref = M.autres_ressources[i] - M.autres_conjoint[i]
    M.revenus_activite[i] -= ref_part
    M.autres_ressources[i] -= autres_ref
    M.pensions[i] += tirer_pensions(p, rng, M.diplome[i], M.territoire[i], annee)
    M.activite[i] = RETRAITE
    j = np.flatnonzero(M.couple & (M.age_conjoint >= age_r) & (M.activite_conjoint != RETRAITE))
    pens = tirer_pensions(p, rng, M.diplome[j], M.territoire[j], annee)
    M.revenus_activite[j] -= M.revenus_conjoint[j]
    M.autres_ressources[j] -= M.autres_conjoint[j]
    M.pensions[j] += pens
    M.revenus_conjoint[j] = 0.0
    M.autres_conjoint[j] = 0.0
    M.pension_conjoint[j] = pens
    M.activite_conjoint[j] = RETRAITE
    marquer(m, i, "retraite")
    k = uniques(np.concatenate([i, j]))
    M.quintile[:] = quintiles(niveau_de_vie(p, M))
    m.groupe_reseau[:] = groupes_reseau(M)
    m.eligibles_par_groupe.recompter()
    return k


def groupes_reseau(M: Menages) -> np.ndarray:
    """Groupe du réseau d'information de chaque ménage : territoire × quintile."""
    return (M.territoire.astype(np.int64) * N_QUINTILES + M.quintile).astype(np.int64)


N_GROUPES_RESEAU = len(TERRITOIRES) * N_QUINTILES


# --- Événements de vie ------------------------------------------------------------------------------------

def candidats(m: ModeleNonRecours, rng: np.random.Generator, taux_annuel: float, garder) -> np.ndarray:
    """Ménages touchés cette semaine par un événement de probabilité annuelle `taux_annuel` parmi ceux que `garder`
    retient. Tirage creux : un nombre de tirages avec remise de loi de Poisson de moyenne n × λ, λ = −ln(1 − h),
    touche chaque ménage avec la probabilité hebdomadaire h exactement, puis le filtre garde les concernés."""
    M = m.menages
    h = float(hasard_hebdomadaire(taux_annuel))
    if h <= 0:
        return np.zeros(0, np.int64)
    lam = -np.log1p(-min(h, 1.0 - PROBA_MIN))
    return tirage_unique(rng, M.n, rng.poisson(M.n * lam), garder=garder)


def marquer(m: ModeleNonRecours, i: np.ndarray, nom: str) -> None:
    """Date et code de l'événement, récit du ménage."""
    M = m.menages
    code = EVENEMENTS_VIE.index(nom)
    M.t_evenement[i] = m.t
    M.dernier_evenement[i] = code
    m.compteurs.ajouter_evenements(code, i.size)
    m.journal.noter(i, -1, "evenement", nom)


def evenements_de_vie(m: ModeleNonRecours, rng: np.random.Generator) -> np.ndarray:
    """Les événements de la semaine, dans un ordre fixe ; rend les ménages touchés."""
    M, p = m.menages, m.p
    annee = m.calendrier.annee(m.t)
    age_r = p["evenements.age_retraite"]
    touches = []

    # Perte d'emploi (personne de référence) : chômage, allocation pour une part des chômeurs.
    i = candidats(m, rng, p["evenements.taux_perte_emploi"], lambda x: M.activite[x] == EMPLOI)
    if i.size:
        ref = M.revenus_activite[i] - M.revenus_conjoint[i]
        M.revenus_activite[i] -= ref
        indemnise = rng.random(i.size) < p["population.part_chomeurs_indemnises"]
        M.autres_ressources[i] += np.where(indemnise, p["population.taux_remplacement_chomage"] * ref, 0.0)
        M.activite[i] = CHOMAGE
        marquer(m, i, "perte_emploi")
        touches.append(i)
    # Reprise d'emploi : nouveau salaire, fin de l'allocation.
    i = candidats(m, rng, p["evenements.taux_reprise_emploi"], lambda x: M.activite[x] == CHOMAGE)
    if i.size:
        M.autres_ressources[i] = M.autres_conjoint[i]
        M.revenus_activite[i] += tirer_salaires(p, rng, M.age[i], M.diplome[i], M.territoire[i], annee)
        M.activite[i] = EMPLOI
        marquer(m, i, "reprise_emploi")
        touches.append(i)
    # Maladie ou invalidité (avant l'âge de la retraite) : pension d'invalidité à la place du salaire.
    i = candidats(m, rng, p["evenements.taux_invalidite"],
                  lambda x: ((M.activite[x] == EMPLOI) | (M.activite[x] == CHOMAGE)) & (M.age[x] < age_r))
    if i.size:
        sal = tirer_salaires(p, rng, M.age[i], M.diplome[i], M.territoire[i], annee)
        M.revenus_activite[i] = M.revenus_conjoint[i]
        M.autres_ressources[i] = M.autres_conjoint[i] + p["population.taux_pension_invalidite"] * sal
        M.activite[i] = INVALIDITE
        marquer(m, i, "invalidite")
        touches.append(i)
    # Séparation : le conjoint part avec ses ressources ; les enfants restent ou non ; déménagement possible.
    i = candidats(m, rng, p["evenements.taux_separation"], lambda x: M.couple[x])
    if i.size:
        retirer_conjoint(m, i, reversion=False)
        garde = rng.random(i.size) < p["evenements.part_enfants_avec_reference"]
        M.enfants[i] = np.where(garde, M.enfants[i], 0)
        dem = i[rng.random(i.size) < p["evenements.p_demenagement_separation"]]
        demenager(m, dem, rng, annee)
        marquer(m, i, "separation")
        touches.append(i)
    # Veuvage : hasard selon l'âge du conjoint ; pension de réversion.
    mort = np.asarray(p["evenements.mortalite_conjoint_par_age"])
    i = candidats(m, rng, float(mort.max()), lambda x: M.couple[x])
    if i.size:
        t_c = np.searchsorted(np.asarray(BORNES_AGE[1:-1]), M.age_conjoint[i], side="right")
        h = hasard_hebdomadaire(mort[t_c]) / hasard_hebdomadaire(mort.max())
        i = i[rng.random(i.size) < h]
        retirer_conjoint(m, i, reversion=True)
        marquer(m, i, "veuvage")
        touches.append(i)
    # Mise en couple (personnes seules et familles monoparentales) : un conjoint, son activité, ses ressources.
    i = candidats(m, rng, p["evenements.taux_mise_en_couple"],
                  lambda x: ~M.couple[x] & (M.age[x] < p["evenements.age_max_mise_en_couple"]))
    if i.size:
        ac = tirer_conjoints(p, rng, M.age[i])
        act = tirer_activite(p, rng, ac, M.diplome[i], M.territoire[i])
        rev, pen, aut = ressources_adulte(p, rng, act, ac, M.diplome[i], M.territoire[i], annee)
        M.couple[i] = True
        M.age_conjoint[i] = ac
        M.activite_conjoint[i] = act
        M.revenus_conjoint[i], M.pension_conjoint[i], M.autres_conjoint[i] = rev, pen, aut
        M.revenus_activite[i] += rev
        M.pensions[i] += pen
        M.autres_ressources[i] += aut
        marquer(m, i, "mise_en_couple")
        touches.append(i)
    # Naissance (couples dont la personne de référence a moins de l'âge limite).
    i = candidats(m, rng, p["evenements.taux_naissance"],
                  lambda x: M.couple[x] & (M.age[x] < p["evenements.age_max_naissance"]))
    if i.size:
        M.enfants[i] += 1
        marquer(m, i, "naissance")
        touches.append(i)
    # Déménagement : nouveau statut de logement et nouveau loyer, dans le même territoire.
    i = candidats(m, rng, p["evenements.taux_demenagement"], None)
    if i.size:
        demenager(m, i, rng, annee)
        marquer(m, i, "demenagement")
        touches.append(i)
    if not touches:
        return np.zeros(0, np.int64)
    k = uniques(np.concatenate(touches))
    M.type_menage[k] = type_depuis(M.couple[k], M.enfants[k])
    return k


def retirer_conjoint(m: ModeleNonRecours, i: np.ndarray, reversion: bool) -> None:
    """Le conjoint quitte le ménage (séparation) ou décède (veuvage, avec la pension de réversion)."""
    M = m.menages
    M.revenus_activite[i] -= M.revenus_conjoint[i]
    M.pensions[i] -= M.pension_conjoint[i]
    M.autres_ressources[i] -= M.autres_conjoint[i]
    if reversion:
        M.pensions[i] += np.float32(m.p["evenements.part_reversion"]) * M.pension_conjoint[i]
    for nom in ("revenus_activite", "pensions", "autres_ressources"):
        getattr(M, nom)[i] = np.maximum(getattr(M, nom)[i], 0.0)  # arrondis flottants
    M.revenus_conjoint[i] = 0.0
    M.pension_conjoint[i] = 0.0
    M.autres_conjoint[i] = 0.0
    M.couple[i] = False
    M.age_conjoint[i] = -1
    M.activite_conjoint[i] = -1


def demenager(m: ModeleNonRecours, i: np.ndarray, rng: np.random.Generator, annee: int) -> None:
    """Nouveau logement (statut et loyer) pour les ménages `i`, tiré comme à l'initialisation."""
    if i.size == 0:
        return
    M = m.menages
    nv = (M.revenus_activite[i] + M.pensions[i] + M.autres_ressources[i]) / unites_consommation(
        m.p, M.couple[i], M.enfants[i])
    M.logement[i], M.loyer[i] = tirer_logement(m.p, rng, M.age[i], M.couple[i], M.enfants[i], M.territoire[i], nv,
                                               annee)


def reconsiderer(m: ModeleNonRecours, i: np.ndarray, rng: np.random.Generator) -> None:
    """Un événement est un nouveau besoin : les droits connus, non perçus et sans demande en cours des ménages
    touchés sont reconsidérés cette semaine (probabilité `evenements.p_reconsideration`)."""
    if i.size == 0:
        return
    M = m.menages
    ii = i[rng.random(i.size) < m.p["evenements.p_reconsideration"]]
    sel = M.eligible[ii] & M.connait[ii] & (M.statut[ii] == AUCUN)
    r, b = np.nonzero(sel)
    M.t_decision[ii[r], b] = m.t


# --- Droits : table (montants dus) ou flux stationnaires ---------------------------------------------------

def recalculer_droits(m: ModeleNonRecours, i: np.ndarray | None, rng: np.random.Generator,
                      evenement: np.ndarray | None = None) -> None:
    """Montants dus recalculés depuis la table des droits pour les ménages `i` (tous si None) ; entrées et sorties
    d'éligibilité qui en découlent. Une entrée due à un événement de vie est mieux connue
    (`facteur_connaissance_evenement`) ; `evenement` : ménages touchés, croissants (`uniques`)."""
    M = m.menages
    if i is None:
        i = np.arange(M.n)
    if i.size == 0:
        return
    nouveau = m.montants_dus(i)
    M.montant_du[i] = nouveau
    el = nouveau > 0
    # Colonne b de l'éligibilité lue avant la boucle : sortir et entrer pour b' < b n'écrivent que la colonne b'.
    avant = M.eligible[i]
    sorties, entrees = avant & ~el, ~avant & el
    for b in np.flatnonzero(sorties.any(axis=0) | entrees.any(axis=0)).tolist():
        sortir(m, i[sorties[:, b]], b)
        e = i[entrees[:, b]]
        if e.size == 0:
            continue
        facteur = np.where(dans_trie(e, evenement), m.p["evenements.facteur_connaissance_evenement"], 1.0) \
            if evenement is not None and evenement.size else 1.0
        entrer(m, e, b, rng, facteur)


def flux_stationnaires(m: ModeleNonRecours, rng: np.random.Generator) -> None:
    """Sans table des droits : sorties de hasard 1 / durée, entrées de hasard sortie × q / (1 − q)."""
    M, cat = m.menages, m.catalogue
    q = m.parts_eligibles
    sortie = 1.0 / cat.duree_eligibilite
    for b in range(M.n_prestations):
        # Sorties.
        k = rng.binomial(M.n, sortie[b])
        src = cat.liee[b]
        if src >= 0:  # éligible à la prestation source (RSA) → reste éligible à la prestation liée (CSS)
            c = tirage_unique(rng, M.n, k, garder=lambda x: M.eligible[x, b] & ~M.eligible[x, src])
        else:
            c = tirage_unique(rng, M.n, k, garder=lambda x: M.eligible[x, b])
        sortir(m, c, b)
        # Entrées.
        hmax = m.entree_max[b]
        if hmax <= 0:
            continue
        k = rng.binomial(M.n, min(hmax, 1.0))
        c = tirage_unique(rng, M.n, k, garder=lambda x: ~M.eligible[x, b])
        qc = q[c, b]
        h = sortie[b] * qc / (1.0 - qc)
        c = c[rng.random(c.size) < h / hmax]
        entrer(m, c, b, rng)
        M.montant_du[c, b] = cat.montant[b]
        if c.size:
            for bl in np.flatnonzero(cat.liee == b):
                d = c[~M.eligible[c, bl]]
                entrer(m, d, int(bl), rng)
                M.montant_du[d, bl] = cat.montant[bl]


def tirage_unique(rng: np.random.Generator, n: int, k: int, garder=None) -> np.ndarray:
    """`c = np.unique(rng.integers(0, n, size=k)); c[garder(c)]` (mêmes tirages, même résultat) : le filtre est
    appliqué avant le dédoublonnage, par un tri si peu de candidats restent, sinon par un masque de taille n.
    """
    tirage = rng.integers(0, n, size=k)
    if garder is not None:
        tirage = tirage[garder(tirage)]
        k = tirage.size
    if k < n // FILTRE_TRI:
        return uniques(tirage)
    vu = np.zeros(n, dtype=bool)
    vu[tirage] = True
    return np.flatnonzero(vu)


def sortir(m: ModeleNonRecours, i: np.ndarray, b: int, noter: bool = True) -> None:
    """Fin d'éligibilité : toute demande ou tout droit en cours s'arrête."""
    if i.size == 0:
        return
    M = m.menages
    M.eligible[i, b] = False
    M.montant_du[i, b] = 0.0
    M.statut[i, b] = AUCUN
    M.etape[i, b] = 0
    M.tentatives[i, b] = 0
    M.t_prochain[i, b] = PLUS_TARD
    M.t_decision[i, b] = PLUS_TARD
    M.t_renouvellement[i, b] = PLUS_TARD
    M.detenteur[i, b] = -1
    M.a_demande[i, b] = False
    M.issue_demande[i, b] = SANS_ISSUE
    M.t_issue_demande[i, b] = JAMAIS
    if noter:
        m.journal.noter(i, np.full(i.size, b), "sortie", "n'est plus éligible")


def entrer(m: ModeleNonRecours, i: np.ndarray, b: int, rng: np.random.Generator, facteur=1.0) -> None:
    """Entrée dans l'éligibilité : connaissance immédiate ou non ; ceux qui savent décident cette semaine."""
    if i.size == 0:
        return
    M, cat, t = m.menages, m.catalogue, m.t
    M.eligible[i, b] = True
    M.t_debut_eligibilite[i, b] = t
    meme_org = (M.statut[i][:, cat.organisme == cat.organisme[b]] == PERCOIT).any(axis=1)
    p = np.minimum(cat.connaissance_entree[b] * facteur * np.where(
        meme_org, m.p["evenements.facteur_connaissance_meme_organisme"], 1.0), 1.0)
    sait = M.connait[i, b] | (rng.random(i.size) < p)
    M.connait[i, b] = sait
    M.t_decision[i[sait], b] = t
    m.journal.noter(i, np.full(i.size, b), "entree", sait)


def parts_et_entree_max(m: ModeleNonRecours) -> tuple[np.ndarray, np.ndarray]:
    """Parts éligibles stationnaires (N, P) et hasard d'entrée maximal par prestation (sans table des droits).

    La part ne dépend que du profil (âge, quintile, type de ménage) : elle est calculée une fois par profil, puis
    recopiée pour chaque ménage — mêmes valeurs que le calcul ménage par ménage, pour un coût de copie.
    """
    M, cat = m.menages, m.catalogue
    n_q, n_t = N_QUINTILES, len(TYPES_MENAGE)
    age = M.age.astype(np.int64)
    n_a = int(age.max()) + 1 if age.size else 1
    code = (age * n_q + M.quintile) * n_t + M.type_menage
    prof = np.arange(n_a * n_q * n_t)
    qt = part_eligible_stationnaire(cat, (prof // (n_q * n_t)).astype(M.age.dtype),
                                    ((prof // n_t) % n_q).astype(M.quintile.dtype),
                                    (prof % n_t).astype(M.type_menage.dtype), m.p["evenements.part_eligible_max"])
    ht = (1.0 / cat.duree_eligibilite)[None, :] * qt / (1.0 - qt)
    present = np.bincount(code, minlength=prof.size) > 0
    return qt[code], ht[present].max(axis=0)
