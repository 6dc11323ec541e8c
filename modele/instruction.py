"""Instruction : les organismes décident des dossiers déposés, avec délais et demandes de pièces.

Règle : à la date de décision, un dossier fait l'objet d'une demande de pièces avec `p_pieces_manquantes`
(retour à l'étape « pièces », par le canal initial du ménage) ; sinon il est rejeté à tort avec
`p_rejet_a_tort` (non-réception, découragement) ; sinon le droit est ouvert (versement, prochaine
déclaration périodique). Les droits automatiques (CSS pour les allocataires du RSA à partir de 2022) sont
ouverts sans démarche. Une prestation en « ouverture automatique » (croisement de fichiers, scénario
`versement_automatique`) est ouverte sans demande aux éligibles sans dossier en cours, avec le hasard
hebdomadaire `politiques.hasard_ouverture_automatique`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele import creux
from modele.creux import uniques
from modele.etat import AUCUN, DEMARCHE, INSTRUCTION, PERCOIT, PLUS_TARD, REJET, SUSPENDU
from modele.tentatives import canal_initial, decourager

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def ouvrir_droit(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray) -> None:
    """Le droit est ouvert : versement, durée d'accès comptée, prochaine déclaration programmée."""
    M, t, cat = m.menages, m.t, m.catalogue
    M.statut[i, b] = PERCOIT
    M.connait[i, b] = True
    M.tentatives[i, b] = 0
    M.t_prochain[i, b] = PLUS_TARD
    per = cat.periode[b]
    M.t_renouvellement[i, b] = np.where(per > 0, t + per, PLUS_TARD)
    duree = np.maximum(t - M.t_debut_eligibilite[i, b], 0)
    np.add.at(m.compteurs.acces_somme, b, duree)
    np.add.at(m.compteurs.acces_n, b, 1)


def appliquer(m: ModeleNonRecours) -> None:
    """Décisions de la semaine et ouvertures automatiques."""
    rng = m.aleas["instruction"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    i, b = m.echus(m.agenda_prochain, INSTRUCTION)
    u = rng.random(i.size)
    pieces = (u < cat.p_pieces[b]) & (M.tentatives[i, b] < p["demarches.tentatives_max"])
    rejet = ~pieces & (rng.random(i.size) < cat.p_rejet[b])
    ok = ~pieces & ~rejet

    ip, bp = i[pieces], b[pieces]
    M.statut[ip, bp] = DEMARCHE
    M.etape[ip, bp] = 3
    M.tentatives[ip, bp] += 1
    M.canal[ip, bp] = canal_initial(m, ip, bp, rng)
    M.t_prochain[ip, bp] = t + 1
    m.journal.noter(ip, bp, "pieces", "l'organisme demande des pièces")

    ir, br = i[rejet], b[rejet]
    decourager(m, ir, br, rng, REJET)
    m.journal.noter(ir, br, "rejet", "demande rejetée")

    ouvrir_droit(m, i[ok], b[ok])
    m.journal.noter(i[ok], b[ok], "ouverture", "droit ouvert, premier versement")

    # Ouvertures automatiques : bénéficiaire de la prestation source → droit ouvert sans démarche.
    # Après un premier parcours dense, seuls les ménages dont l'éligibilité ou un statut a changé peuvent
    # remplir la condition (les autres ont été ouverts la semaine de leur changement).
    actifs = tuple((int(bb), int(cat.automatique_pour[bb])) for bb in np.flatnonzero(cat.automatique_pour >= 0))
    changes = uniques(m.changements_automatique.lire() // M.n_prestations)
    dense = actifs != m.automatiques_actifs
    m.automatiques_actifs = actifs
    for bb, src in actifs:
        if dense or creux.VERIFIER:
            j = np.flatnonzero(M.eligible[:, bb] & (M.statut[:, bb] != PERCOIT) & (M.statut[:, src] == PERCOIT))
            if not dense:
                jc = changes[M.eligible[changes, bb] & (M.statut[changes, bb] != PERCOIT)
                             & (M.statut[changes, src] == PERCOIT)]
                assert np.array_equal(j, jc), "ouvertures automatiques : ensemble creux différent du dense"
        else:
            j = changes[M.eligible[changes, bb] & (M.statut[changes, bb] != PERCOIT)
                        & (M.statut[changes, src] == PERCOIT)]
        if j.size:
            ouvrir_droit(m, j, np.full(j.size, bb))
            m.journal.noter(j, np.full(j.size, bb), "automatique", "droit ouvert automatiquement")

    # Ouverture automatique par croisement de fichiers : aucun tirage tant qu'aucune prestation ne l'a
    # (les scénarios gardent ainsi les mêmes aléas jusqu'à la date de l'intervention).
    for bb in np.flatnonzero(cat.ouverture_automatique):
        st = M.statut[:, bb]
        j = np.flatnonzero(M.eligible[:, bb] & ((st == AUCUN) | (st == DEMARCHE) | (st == SUSPENDU)))
        j = j[rng.random(j.size) < p["politiques.hasard_ouverture_automatique"]]
        if j.size:
            ouvrir_droit(m, j, np.full(j.size, bb))
            m.journal.noter(j, np.full(j.size, bb), "automatique", "droit ouvert par croisement de fichiers")
