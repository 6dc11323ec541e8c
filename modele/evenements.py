"""Événements : vieillissement et renouvellement des ménages, entrées dans l'éligibilité et sorties.

Règle : pour chaque prestation, la sortie d'éligibilité a un hasard hebdomadaire 1 / durée moyenne ; l'entrée,
un hasard h_i = sortie × q_i / (1 − q_i), où q_i est la part éligible stationnaire du profil (quintile, type,
âge) : la part éligible reste stable et le renouvellement des éligibles crée du non-recours transitoire.
Tirage creux : on tire le nombre de candidats par une loi binomiale puis on accepte chacun avec h_i / h_max,
sans parcourir tous les ménages. Devenir éligible à une prestation liée (RSA) rend éligible à l'autre (CSS), et
on ne sort pas de la prestation liée tant qu'on reste éligible à la source.
Un nouvel éligible connaît son droit avec `connaissance_entree` (doublée s'il perçoit déjà une prestation du
même organisme) et le considère aussitôt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.creux import uniques
from modele.etat import AUCUN, JAMAIS, PERCOIT, PLUS_TARD
from modele.population import creer_menages
from modele.prestations import part_eligible_stationnaire

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def appliquer(m: ModeleNonRecours) -> None:
    """Vieillissement (au nouvel an), puis flux d'éligibilité de la semaine."""
    rng = m.aleas["evenements"]
    M, cat = m.menages, m.catalogue
    if m.calendrier.nouvel_an(m.t):  # rodage compris : la pyramide est stationnaire
        renouveler(m, rng)
        m.recalculer_parts_eligibles()
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
        if c.size:
            for bl in np.flatnonzero(cat.liee == b):
                d = c[~M.eligible[c, bl]]
                entrer(m, d, int(bl), rng)


ATTRIBUTS_RENOUVELES = ("age", "type_menage", "diplome", "equipement", "numerique", "litteratie", "francais",
                        "confiance", "aidant", "capacite_aidant", "autonomie", "t_en_ligne", "t_abandon",
                        "t_abandon_def", "t_aide")


def renouveler(m: ModeleNonRecours, rng: np.random.Generator) -> None:
    """Au nouvel an : des ménages se dissolvent (hasard μ(âge)), les autres vieillissent d'un an, et de nouveaux
    ménages (âges tirés selon g) prennent les places libérées, dans le même territoire et le même quintile.

    μ et g rendent la pyramide des âges stationnaire (`population.renouvellement_stationnaire`) : sans ce
    renouvellement, la population vieillirait de 14 ans sur la période et les jeunes ménages disparaîtraient.
    Les nouveaux ménages n'ont encore ni droit, ni connaissance, ni historique.
    """
    M = m.menages
    mu, g = m.renouvellement
    i = np.flatnonzero(rng.random(M.n) < mu[M.age])
    M.age += 1
    if i.size == 0:
        return
    nouveaux = creer_menages(m.p, i.size, rng, ages=rng.choice(g.size, size=i.size, p=g))
    for nom in ATTRIBUTS_RENOUVELES:
        getattr(M, nom)[i] = getattr(nouveaux, nom)
    for b in range(M.n_prestations):
        sortir(m, i[M.eligible[i, b]], b)
        bb = np.full(i.size, b)
        M.connait[i, bb] = False
        M.perception[i, bb] = np.float32(m.p["decision.perception_initiale"])
        M.t_contact_sans_info[i, bb] = JAMAIS
        M.t_debut_eligibilite[i, bb] = JAMAIS
        M.trimestres_nr[i, bb] = 0
        M.trimestres_el[i, bb] = 0
    m.journal.noter(i, -1, "nouveau_menage", "un nouveau ménage s'installe")


def tirage_unique(rng: np.random.Generator, n: int, k: int, garder=None) -> np.ndarray:
    """`c = np.unique(rng.integers(0, n, size=k)); c[garder(c)]` (mêmes tirages, même résultat) : le filtre est
    appliqué avant le dédoublonnage, par un tri si peu de candidats restent, sinon par un masque de taille n.
    """
    tirage = rng.integers(0, n, size=k)
    if garder is not None:
        tirage = tirage[garder(tirage)]
        k = tirage.size
    if k < n // 512:
        return uniques(tirage)
    vu = np.zeros(n, dtype=bool)
    vu[tirage] = True
    return np.flatnonzero(vu)


def sortir(m: ModeleNonRecours, i: np.ndarray, b: int) -> None:
    """Fin d'éligibilité : toute demande ou tout droit en cours s'arrête."""
    M = m.menages
    M.eligible[i, b] = False
    M.statut[i, b] = AUCUN
    M.etape[i, b] = 0
    M.tentatives[i, b] = 0
    M.t_prochain[i, b] = PLUS_TARD
    M.t_decision[i, b] = PLUS_TARD
    M.t_renouvellement[i, b] = PLUS_TARD
    M.detenteur[i, b] = -1
    M.a_demande[i, b] = False
    m.journal.noter(i, np.full(i.size, b), "sortie", "n'est plus éligible")


def entrer(m: ModeleNonRecours, i: np.ndarray, b: int, rng: np.random.Generator) -> None:
    """Entrée dans l'éligibilité : connaissance immédiate ou non ; ceux qui savent décident cette semaine."""
    if i.size == 0:
        return
    M, cat, t = m.menages, m.catalogue, m.t
    M.eligible[i, b] = True
    M.t_debut_eligibilite[i, b] = t
    meme_org = (M.statut[i][:, cat.organisme == cat.organisme[b]] == PERCOIT).any(axis=1)
    p = np.minimum(cat.connaissance_entree[b] * np.where(meme_org, 2.0, 1.0), 1.0)
    sait = M.connait[i, b] | (rng.random(i.size) < p)
    M.connait[i, b] = sait
    M.t_decision[i[sait], b] = t
    m.journal.noter(i, np.full(i.size, b), "entree", sait)


def parts_et_entree_max(m: ModeleNonRecours) -> tuple[np.ndarray, np.ndarray]:
    """Parts éligibles stationnaires (N, P) et hasard d'entrée maximal par prestation.

    La part ne dépend que du profil (âge, quintile, type de ménage) : elle est calculée une fois par profil
    (table de ≤ 121 × 5 × 4 lignes), puis recopiée pour chaque ménage — mêmes valeurs que le calcul ménage par
    ménage, pour un coût de copie.
    """
    M, cat = m.menages, m.catalogue
    n_q, n_t = 5, 4
    age = M.age.astype(np.int64)
    n_a = int(age.max()) + 1 if age.size else 1
    code = (age * n_q + M.quintile) * n_t + M.type_menage
    prof = np.arange(n_a * n_q * n_t)
    qt = part_eligible_stationnaire(cat, (prof // (n_q * n_t)).astype(M.age.dtype),
                                    ((prof // n_t) % n_q).astype(M.quintile.dtype),
                                    (prof % n_t).astype(M.type_menage.dtype))
    ht = (1.0 / cat.duree_eligibilite)[None, :] * qt / (1.0 - qt)
    present = np.bincount(code, minlength=prof.size) > 0
    return qt[code], ht[present].max(axis=0)
