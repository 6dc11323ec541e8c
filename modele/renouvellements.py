"""Renouvellements : déclarations périodiques ; une déclaration manquée suspend le droit (rupture).

Règle : à l'échéance, la déclaration réussit avec sigmoïde(pente × (capacité de suivi − difficulté) + bonus),
où la difficulté est celle d'une déclaration pré-remplie si la politique l'a instaurée. Si un aidant garde
les identifiants, c'est lui qui déclare (sa capacité, son temps : la dépendance créée par « faire à la place »).
Sinon le ménage déclare, avec son entourage s'il en a un. Échec : droit suspendu (rupture) ; au bout du délai
de régularisation, le droit est rétabli avec `p_regularisation` × capacité relative, sinon fermé.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.creux import uniques
from modele.etat import PERCOIT, PLUS_TARD, SUSPENDU
from modele.tentatives import capacites, decourager, sigmoide

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def appliquer(m: ModeleNonRecours) -> None:
    """Déclarations échues cette semaine, puis fin des délais de régularisation."""
    rng = m.aleas["renouvellements"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    i, b = m.echus(m.agenda_renouvellement, PERCOIT)
    diff = np.where(cat.preremplie[b], p["renouvellements.difficulte_preremplie"],
                    p["renouvellements.difficulte_declaration"])
    cap = np.maximum(capacites(m, i)[:, 4], M.capacite_aidant[i])
    det = M.detenteur[i, b]
    par_aidant = det >= 0
    if par_aidant.any():
        cap_acteur = m.capacite_par_id[det[par_aidant]]
        cap[par_aidant] = cap_acteur
        genres = m.genre_par_id[det[par_aidant]]
        h = p["accompagnement.heures_declaration"]
        for g in uniques(genres):
            nb = int((genres == g).sum())
            nom = m.noms_genre_par_code[g]
            m.compteurs.ajouter_heures(g, nb * h, "place",
                                       hors_mandat=not p[f"acteurs.{nom}.mandat_faire_a_la_place"],
                                       finance=bool(p[f"acteurs.{nom}.finance"]))
    ok = rng.random(i.size) < sigmoide(p["demarches.pente"] * (cap - diff) + p["demarches.bonus_en_ligne"])
    M.t_renouvellement[i[ok], b[ok]] += cat.periode[b[ok]]
    rupt = ~ok
    ir, br = i[rupt], b[rupt]
    M.statut[ir, br] = SUSPENDU
    M.t_renouvellement[ir, br] = PLUS_TARD
    M.t_prochain[ir, br] = t + p["renouvellements.delai_regularisation"]
    np.add.at(m.compteurs.ruptures, br, 1)
    m.journal.noter(ir, br, "rupture", "déclaration manquée : droit suspendu")

    # Fin du délai : régularisation ou fermeture du droit.
    i, b = m.echus(m.agenda_prochain, SUSPENDU)
    cap = np.maximum(capacites(m, i)[:, 4], M.capacite_aidant[i])
    rel = np.clip(cap / max(p["renouvellements.difficulte_declaration"], 1e-6), 0.0, 1.0)
    reg = rng.random(i.size) < p["renouvellements.p_regularisation"] * rel
    ig, bg = i[reg], b[reg]
    M.statut[ig, bg] = PERCOIT
    M.t_prochain[ig, bg] = PLUS_TARD
    M.t_renouvellement[ig, bg] = t + cat.periode[bg]
    m.journal.noter(ig, bg, "regularisation", "droit rétabli")
    ic, bc = i[~reg], b[~reg]
    decourager(m, ic, bc, rng)
    m.journal.noter(ic, bc, "fermeture", "droit fermé faute de régularisation")
