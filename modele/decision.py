"""Décision : un ménage informé demande si montant × réussite perçue − tracas − stigmate + bruit > 0.

Règle : U = coef_montant × log(1 + montant dû au ménage / echelle_montant) × perception − cout_base − stigmate
− cout_numerique × (1 − compétences numériques) × (1 − accès à un canal non numérique)
− (coût de distance + coût du rendez-vous) × (1 − compétences numériques) × accès ; bruit logistique.
Qui ne demande pas est en non-demande et reconsidère plus tard (délai géométrique) ; la perception remonte
un peu à chaque reconsidération. Qui demande entre en démarche cette semaine même, par son canal initial.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import AUCUN, DEMARCHE, PLUS_TARD
from modele.tentatives import canal_initial

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def utilite(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Utilité déterministe de demander (sans le bruit)."""
    M, p, cat = m.menages, m.p, m.catalogue
    num = M.numerique_effectif(i) * (M.equipement[i] > 0)
    acces = m.acces_guichet(i, b)
    rdv = m.rendez_vous(i, b)
    z = M.territoire[i]
    montant = np.log1p(M.montant_du[i, b] / p["decision.echelle_montant"])
    return (p["decision.coef_montant"] * montant * M.perception[i, b]
            - p["decision.cout_base"] - cat.stigmate[b]
            - p["decision.cout_numerique"] * (1.0 - num) * (1.0 - np.minimum(acces, 1.0))
            - (np.asarray(p["decision.cout_distance"])[z] + p["decision.cout_rendez_vous"] * rdv)
            * (1.0 - num) * np.minimum(acces, 1.0))


def appliquer(m: ModeleNonRecours) -> None:
    """Décisions des ménages dont la date de (re)considération est venue."""
    rng = m.aleas["decision"]
    M, t, p = m.menages, m.t, m.p
    idx = m.agenda_decision.au_plus(t)  # = flatnonzero(t_decision <= t), sans parcours
    i, b = np.divmod(idx, M.n_prestations)
    garde = M.eligible[i, b] & M.connait[i, b] & (M.statut[i, b] == AUCUN)
    M.t_decision[i[~garde], b[~garde]] = PLUS_TARD
    i, b = i[garde], b[garde]
    p0 = p["decision.perception_initiale"]
    M.perception[i, b] += np.float32(p["decision.retour_perception"]) * (np.float32(p0) - M.perception[i, b])
    bruit = rng.logistic(0.0, p["decision.echelle_bruit"], size=i.size)
    demande = utilite(m, i, b) + bruit > 0
    # Non : reconsidération plus tard.
    ino, bno = i[~demande], b[~demande]
    M.t_decision[ino, bno] = t + rng.geometric(1.0 / p["decision.reconsideration"], size=ino.size)
    m.journal.noter(ino, bno, "ne_demande_pas", "ne demande pas")
    # Oui : démarche engagée cette semaine.
    i, b = i[demande], b[demande]
    M.statut[i, b] = DEMARCHE
    M.a_demande[i, b] = True
    M.t_demande[i, b] = t
    M.tentatives[i, b] = 0
    M.t_decision[i, b] = PLUS_TARD
    M.canal[i, b] = canal_initial(m, i, b, rng)
    M.t_prochain[i, b] = t
    m.journal.noter(i, b, "demande", M.canal[i, b])
