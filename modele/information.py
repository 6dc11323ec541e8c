"""Information : les ménages apprennent leurs droits (base, réseau, contacts) ; un contact muet = non-proposition.

Règle : chaque semaine, un ménage éligible qui ignore son droit l'apprend avec le hasard
`taux_information` + `coef_reseau` × (part des ménages semblables — même territoire et même quintile — qui
connaissent ce droit). Les contacts de la semaine précédente (entourage, acteurs, guichets) informent en plus,
avec une probabilité qui dépend de l'acteur : un acteur « global » informe de tous les droits, un guichet
surtout de ceux de son organisme. Un contact qui aurait pu informer et ne l'a pas fait est daté : le ménage
est compté en non-proposition pendant `fenetre_non_proposition`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele import creux
from modele.creux import uniques
from modele.etat import AUCUN
from modele.prestations import GENRES_ACTEURS, GLOBAUX

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def probabilite_contact(m: ModeleNonRecours, code: int) -> np.ndarray:
    """Probabilité (P,) qu'un contact du code donné informe de chaque prestation non connue."""
    p, cat = m.p, m.catalogue
    n_p = cat.noms.__len__()
    if code == 0:
        return np.full(n_p, p["information.p_contact_famille"])
    if code <= len(GENRES_ACTEURS):
        genre = GENRES_ACTEURS[code - 1]
        cle = "information.p_contact_global" if genre in GLOBAUX else "information.p_contact_numerique"
        return np.full(n_p, p[cle])
    o = code - 1 - len(GENRES_ACTEURS)
    return np.where(cat.organisme == o, p["information.p_contact_guichet_propre"],
                    p["information.p_contact_guichet_autre"])


def appliquer(m: ModeleNonRecours) -> None:
    """Contacts de la semaine passée, puis apprentissage de base et par le réseau."""
    rng = m.aleas["information"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    contacts, m.contacts = m.contacts, []
    for i, code in contacts:
        if i.size == 0:
            continue
        i = uniques(i)
        ignorant = M.eligible[i] & ~M.connait[i] & (M.statut[i] == AUCUN)
        informe = ignorant & (rng.random(ignorant.shape) < probabilite_contact(m, code)[None, :])
        ii, bb = np.nonzero(informe)
        M.connait[i[ii], bb] = True
        M.t_decision[i[ii], bb] = t
        m.journal.noter(i[ii], bb, "informe", code)
        ii, bb = np.nonzero(ignorant & ~informe)
        M.t_contact_sans_info[i[ii], bb] = t

    # Réseau : part de connaisseurs parmi les éligibles du même territoire et du même quintile.
    # Ensemble creux des ignorants (éligible, ne connaît pas) : ceux de la semaine passée et les cases dont
    # l'éligibilité ou la connaissance a été écrite depuis (rien d'autre ne peut rendre ignorant).
    n_p = M.n_prestations
    cand = uniques(np.concatenate([m.ignorants, m.changements_information.lire()]))
    el_plat, co_plat = M.eligible.reshape(-1), M.connait.reshape(-1)
    ign = cand[el_plat[cand] & ~co_plat[cand]]
    if creux.VERIFIER:
        assert np.array_equal(ign, np.flatnonzero((M.eligible & ~M.connait).ravel())), "ignorants creux ≠ dense"
    groupe = m.groupe_reseau
    ign_i, ign_b = np.divmod(ign, n_p)
    for b in range(n_p):
        ignorant = ign_i[ign_b == b]
        if ignorant.size == 0:
            continue
        n_el = m.eligibles_par_groupe.colonne(b)
        n_co = n_el - np.bincount(groupe[ignorant], minlength=m.eligibles_par_groupe.n_groupes)  # qui connaissent
        part = n_co / np.maximum(n_el, 1)
        h = cat.taux_information[b] + p["information.coef_reseau"] * part[groupe[ignorant]]
        appris = ignorant[rng.random(ignorant.size) < h]
        M.connait[appris, b] = True
        M.t_decision[appris, b] = t
        m.journal.noter(appris, np.full(appris.size, b), "apprend", "reseau")
    m.ignorants = ign  # filtré à nouveau la semaine prochaine (les informés en sortent)
