"""Renouvellements : déclarations périodiques ; une déclaration manquée suspend le droit (rupture).

Règle : à l'échéance, la déclaration réussit avec sigmoïde(pente × (capacité de suivi − difficulté) + bonus),
où la difficulté est celle d'une déclaration pré-remplie si la politique l'a instaurée. Si un aidant garde
les identifiants, c'est lui qui déclare (sa capacité, son temps pris sur ses heures de la semaine : la
dépendance créée par « faire à la place ») tant que sa dette d'heures le permet. Sinon le ménage déclare, avec
son entourage s'il en a un. Une déclaration faite par l'aidant (avec les identifiants gardés) peut être erronée,
avec P = `accompagnement.p_erreur_declaration_aidant` + `accompagnement.coef_pression_erreur` × pression de
l'aidant (surcharge de sa file, dette d'heures comprise), bornée à [0, 1] : l'erreur crée un indu (trop-perçu à
rembourser) et le droit est suspendu comme après une déclaration manquée. Échec ou indu : droit suspendu
(rupture) ; au bout du délai de régularisation, le droit est rétabli avec `p_regularisation` × capacité
relative, sinon fermé. Avec Aidants Connect, l'aidant ne garde pas les identifiants : ni déclaration par
l'aidant, ni erreur de sa part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.creux import uniques
from modele.etat import FERMETURE, PERCOIT, PLUS_TARD, SUSPENDU
from modele.tentatives import capacites, decourager, sigmoide

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def declarations_par_aidant(m: ModeleNonRecours, detenteurs: np.ndarray) -> np.ndarray:
    """Déclarations échues dont l'aidant détenteur des identifiants (`detenteurs`, -1 : aucun) a le temps : chacune
    prend `accompagnement.heures_declaration` sur les heures de l'aidant (son report, qui peut devenir une dette
    d'au plus `accompagnement.dette_max_semaines` semaines d'heures, reprise sur ses semaines suivantes). Au-delà,
    le ménage déclare seul. Rend le masque des déclarations faites par l'aidant ; compte leurs heures."""
    p = m.p
    fait = np.zeros(detenteurs.size, dtype=bool)
    h = p["accompagnement.heures_declaration"]
    for uid in uniques(detenteurs[detenteurs >= 0]):
        a = m.acteurs[m.index_acteur_par_id[uid]]
        k = np.flatnonzero(detenteurs == uid)
        plancher = -p["accompagnement.dette_max_semaines"] * a.heures
        n = k.size if h <= 0 else int(min(k.size, max(0.0, np.floor((a.reliquat - plancher) / h + 1e-9))))
        if n == 0:
            continue
        fait[k[:n]] = True
        a.reliquat -= n * h
        m.compteurs.reportees[1 + a.g, a.territoire] -= n * h
        m.compteurs.ajouter_heures(1 + a.g, n * h, "place", hors_mandat=not a.param("mandat_faire_a_la_place"),
                                   finance=bool(a.param("finance")), territoire=a.territoire)
    return fait


def probabilite_erreur(m: ModeleNonRecours, detenteurs: np.ndarray) -> np.ndarray:
    """Probabilité qu'une déclaration faite par l'aidant `detenteurs` (unique_id, tous ≥ 0) soit erronée :
    `accompagnement.p_erreur_declaration_aidant` + `accompagnement.coef_pression_erreur` × pression de l'aidant
    (`ActeurAccompagnement.pression`, surcharge de sa file la dernière semaine servie), bornée à [0, 1]."""
    p = m.p
    pression = np.array([a.pression for a in m.acteurs], dtype=float)[m.index_acteur_par_id[detenteurs]]
    return np.clip(p["accompagnement.p_erreur_declaration_aidant"]
                   + p["accompagnement.coef_pression_erreur"] * pression, 0.0, 1.0)


def appliquer(m: ModeleNonRecours) -> None:
    """Déclarations échues cette semaine, puis fin des délais de régularisation."""
    rng = m.aleas["renouvellements"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    i, b = m.echus(m.agenda_renouvellement, PERCOIT)
    diff = np.where(cat.preremplie[b], p["renouvellements.difficulte_preremplie"],
                    p["renouvellements.difficulte_declaration"])
    cap = np.maximum(capacites(m, i)[:, 4], M.capacite_aidant[i])
    par_aidant = declarations_par_aidant(m, M.detenteur[i, b])
    if par_aidant.any():
        cap[par_aidant] = m.capacite_par_id[M.detenteur[i, b][par_aidant]]
    ok = rng.random(i.size) < sigmoide(p["demarches.pente"] * (cap - diff) + p["demarches.bonus_en_ligne"])
    # Déclarations de l'aidant : une déclaration faite peut être erronée (indu à rembourser, droit suspendu).
    errone = np.zeros(i.size, dtype=bool)
    k = np.flatnonzero(par_aidant)
    if k.size:
        errone[k] = ok[k] & (rng.random(k.size) < probabilite_erreur(m, M.detenteur[i[k], b[k]]))
        np.add.at(m.compteurs.declarations_aidant, b[k], 1)
        np.add.at(m.compteurs.indus, b[errone], 1)
    ok &= ~errone
    M.t_renouvellement[i[ok], b[ok]] += cat.periode[b[ok]]
    rupt = ~ok
    ir, br = i[rupt], b[rupt]
    M.statut[ir, br] = SUSPENDU
    M.t_renouvellement[ir, br] = PLUS_TARD
    M.t_prochain[ir, br] = t + p["renouvellements.delai_regularisation"]
    np.add.at(m.compteurs.ruptures, br, 1)
    manque = ~errone[rupt]
    m.journal.noter(ir[manque], br[manque], "rupture", "déclaration manquée : droit suspendu")
    m.journal.noter(ir[~manque], br[~manque], "indu", "déclaration erronée de l'aidant : indu, droit suspendu")

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
    decourager(m, ic, bc, rng, FERMETURE)
    m.journal.noter(ic, bc, "fermeture", "droit fermé faute de régularisation")
