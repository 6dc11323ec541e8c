"""Information : les ménages apprennent leurs droits (base, réseau, contacts) ; proposition et non-proposition.

Règle : chaque semaine, un ménage éligible qui ignore son droit l'apprend avec le hasard
`taux_information` + `coef_reseau` × (part des ménages semblables — même territoire et même quintile — qui
connaissent ce droit). Les contacts de la semaine précédente (entourage, acteurs, guichets) avec un éligible
sans droit ouvert ni demande en cours proposent en plus le droit, qu'il le connaisse ou non, avec une
probabilité qui dépend du genre de l'agent (un acteur « global » de tous les droits, un guichet surtout de ceux
de son organisme), de sa formation et de la pression du temps (`probabilite_contact`) : le droit proposé est
appris s'il était ignoré et (re)considéré la semaine même. La non-proposition est un acte de l'institution : le
contact d'un agent apte à détecter le droit (`detecte`) qui ne l'a pas proposé est daté, et le ménage est compté
en non-proposition pendant `fenetre_non_proposition`, quoi qu'il sache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele import creux
from modele.creux import uniques
from modele.etat import AUCUN, TERRITOIRES
from modele.prestations import GENRES_ACTEURS, GLOBAUX

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def detecte(code: int) -> bool:
    """Le contact du code donné est un agent apte à détecter un droit et à le proposer (guichet d'un organisme,
    acteur « global » : travailleur social, France Services, association) ; l'entourage, le conseiller numérique et
    le service payant manipulent les outils sans analyser les droits ([okbani2020] §II.4.b) : ils informent
    parfois, mais leur silence n'est pas une non-proposition."""
    if code == 0:
        return False
    if code <= len(GENRES_ACTEURS):
        return GENRES_ACTEURS[code - 1] in GLOBAUX
    return True


def pression_contact(m: ModeleNonRecours, code: int) -> np.ndarray:
    """Pression du temps sur l'agent du code donné, par territoire (T,) : surcharge de sa file (acteur) ou part de
    sa file non servie (guichet) la semaine passée ; 0 pour l'entourage."""
    n_z = len(TERRITOIRES)
    if code == 0:
        return np.zeros(n_z)
    if code <= len(GENRES_ACTEURS):
        return np.array([m.acteur(code - 1, z).pression for z in range(n_z)])
    o = code - 1 - len(GENRES_ACTEURS)
    return np.array([m.guichet(o, z).pression for z in range(n_z)])


def formation_contact(m: ModeleNonRecours, code: int) -> float:
    """Part formée des intervenants du code donné (acteurs aptes à détecter un droit : `acteurs.<genre>.formation`) ;
    guichets, entourage, conseiller numérique et service payant : la formation de référence (aucun effet)."""
    if 1 <= code <= len(GENRES_ACTEURS) and detecte(code):
        return float(m.p[f"acteurs.{GENRES_ACTEURS[code - 1]}.formation"])
    return float(m.p["information.formation_reference"])


def probabilite_contact(m: ModeleNonRecours, code: int, pression: np.ndarray | float = 0.0) -> np.ndarray:
    """Probabilité (n, P) ou (P,) qu'un contact du code donné propose (ou fasse connaître) chaque prestation :
    sigmoïde(logit(probabilité de base du genre) + coef_formation × (formation − référence) − coef_pression ×
    pression). Probabilités de base : `p_contact_famille`, `p_contact_global`, `p_contact_numerique`,
    `p_contact_guichet_propre` / `_autre` (prestation de l'organisme du guichet ou d'un autre)."""
    p, cat = m.p, m.catalogue
    n_p = len(cat.noms)
    if code == 0:
        base = np.full(n_p, p["information.p_contact_famille"])
    elif code <= len(GENRES_ACTEURS):
        genre = GENRES_ACTEURS[code - 1]
        cle = "information.p_contact_global" if genre in GLOBAUX else "information.p_contact_numerique"
        base = np.full(n_p, p[cle])
    else:
        o = code - 1 - len(GENRES_ACTEURS)
        base = np.where(cat.organisme == o, p["information.p_contact_guichet_propre"],
                        p["information.p_contact_guichet_autre"])
    base = np.clip(base, 1e-9, 1 - 1e-9)
    ecart = (p["information.coef_formation_proposition"]
             * (formation_contact(m, code) - p["information.formation_reference"]))
    logit = np.log(base / (1 - base)) + ecart - p["information.coef_pression_proposition"] * np.asarray(
        pression, dtype=float)[..., None]
    return 1.0 / (1.0 + np.exp(-logit))


def appliquer(m: ModeleNonRecours) -> None:
    """Contacts de la semaine passée (propositions et non-propositions), puis apprentissage de base et par le
    réseau."""
    rng = m.aleas["information"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    contacts, m.contacts = m.contacts, []
    for i, code in contacts:
        if i.size == 0:
            continue
        i = uniques(i)
        # Éligibles sans droit ouvert ni demande en cours, qu'ils connaissent leur droit ou non.
        cible = M.eligible[i] & (M.statut[i] == AUCUN)
        if not cible.any():
            continue
        pression = pression_contact(m, code)[M.territoire[i]]
        propose = cible & (rng.random(cible.shape) < probabilite_contact(m, code, pression))
        ignorant = ~M.connait[i]
        ii, bb = np.nonzero(propose & ignorant)
        M.connait[i[ii], bb] = True
        m.journal.noter(i[ii], bb, "informe", code)
        ii, bb = np.nonzero(propose)
        M.t_decision[i[ii], bb] = t  # le droit proposé est (re)considéré cette semaine
        if detecte(code):
            ii, bb = np.nonzero(propose & ~ignorant)
            m.journal.noter(i[ii], bb, "propose", code)
            ii, bb = np.nonzero(cible & ~propose)
            M.t_non_proposition[i[ii], bb] = t

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
