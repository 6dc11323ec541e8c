"""Guichets : chaque accueil physique sert la demande de la semaine dans la limite de sa capacité.

Règle : la capacité = visites pour 10 000 ménages × ménages du territoire × part ouverte (× facteur si
rendez-vous seulement), arrondie au hasard. Les demandes sont servies dans un ordre aléatoire ; l'agent fait
la démarche avec le ménage (sa capacité remplace celle du ménage quand elle est meilleure). La demande non
servie se reporte ailleurs (entourage, acteurs, payant, en ligne) ou renonce : c'est le transfert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import DEMARCHE, GUICHET
from modele.tentatives import apres_tentative, capacites, repli, tenter

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def appliquer(m: ModeleNonRecours) -> None:
    """Sert les demandes de la semaine à chaque guichet."""
    rng = m.aleas["guichets"]
    M, p = m.menages, m.p
    for g in m.guichets:
        cap_reelle = g.capacite
        m.compteurs.guichet_capacite[g.o] += cap_reelle
        g.pression = 0.0
        if not g.demandes_menage:
            continue
        i = np.concatenate(g.demandes_menage)
        b = np.concatenate(g.demandes_prestation)
        g.demandes_menage.clear()
        g.demandes_prestation.clear()
        capacite = int(np.floor(cap_reelle + rng.random()))
        ordre = rng.permutation(i.size)
        i, b = i[ordre], b[ordre]
        servi = np.arange(i.size) < capacite
        g.pression = float(1.0 - servi.mean())  # part refusée : pression du temps (non-proposition, information)
        m.compteurs.guichet_demande[g.o] += i.size
        m.compteurs.guichet_servis[g.o] += int(servi.sum())
        # Refusés : repli sans le guichet.
        ir, br = i[~servi], b[~servi]
        M.statut[ir, br] = DEMARCHE
        m.journal.noter(ir, br, "guichet_refus", g.organisme)
        repli(m, ir, br, rng, exclure=GUICHET)
        # Servis : l'agent fait la démarche avec le ménage.
        i, b = i[servi], b[servi]
        cap = np.maximum(capacites(m, i), g.param("capacite_agent"))
        etape = tenter(m, i, b, cap, M.etape[i, b], p["demarches.bonus_en_ligne"], rng)
        M.statut[i, b] = DEMARCHE
        m.contacts.append((i, m.code_contact_guichet(g.o)))
        m.journal.noter(i, b, "guichet", g.organisme)
        apres_tentative(m, i, b, etape, rng, exclure=GUICHET)
