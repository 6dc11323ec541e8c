"""Renouvellements : déclarations périodiques ; une déclaration manquée suspend le droit (rupture).

Règle : à l'échéance, la déclaration réussit avec sigmoïde(pente × (capacité de suivi − difficulté) + bonus), où la
difficulté est celle d'une déclaration pré-remplie si la politique l'a instaurée. Si un aidant garde les identifiants,
c'est lui qui déclare (sa capacité, son temps pris sur ses heures de la semaine : la dépendance créée par « faire à la
place ») tant que sa dette d'heures le permet. Sinon le ménage déclare, avec son entourage s'il en a un. Une
déclaration faite par l'aidant (avec les identifiants gardés) peut être erronée, avec P =
`accompagnement.p_erreur_declaration_aidant` + `accompagnement.coef_pression_erreur` × pression de sa structure
(surcharge de la file) + `aidants.coef_tension_erreur` × tension de l'aidant, bornée à [0, 1] : l'erreur crée un indu
(trop-perçu à rembourser) et le droit est suspendu comme après une déclaration manquée. Échec ou indu : droit suspendu
(rupture) ; au bout du délai de régularisation, le droit est rétabli avec `p_regularisation` × capacité relative,
sinon fermé. Avec Aidants Connect, l'aidant ne garde pas les identifiants : ni déclaration par l'aidant, ni erreur de
sa part. Un proche ou le service payant qui garde les identifiants déclare aussi (`declarations_entourage_payant`),
avec l'erreur de base `accompagnement.p_erreur_declaration_aidant`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import DETENTEUR_ENTOURAGE, DETENTEUR_PAYANT, FERMETURE, PERCOIT, PLUS_TARD, SUSPENDU
from modele.prestations import GENRES_AIDE
from modele.tentatives import capacites, decourager, mandat_payant, prendre_temps_entourage, sigmoide

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def declarations_par_aidant(m: ModeleNonRecours, detenteurs: np.ndarray) -> np.ndarray:
    """Déclarations échues dont l'aidant détenteur des identifiants (`detenteurs`, index dans `m.aidants`, -1 :
    aucun) a le temps : chacune prend `accompagnement.heures_declaration` sur les heures de l'aidant (son report, qui
    peut devenir une dette d'au plus `accompagnement.dette_max_semaines` semaines de ses heures, reprise sur ses
    semaines suivantes), dans l'ordre donné. Au-delà, le ménage déclare seul. Rend le masque des déclarations faites
    par l'aidant ; compte leurs heures (genre, territoire, mandat, financement)."""
    p, A = m.p, m.aidants
    fait = np.zeros(detenteurs.size, dtype=bool)
    k = np.flatnonzero(detenteurs >= 0)
    if k.size == 0:
        return fait
    h = p["accompagnement.heures_declaration"]
    d = detenteurs[k]
    if h <= 0:
        fait[k] = True
        return fait
    plancher = -p["accompagnement.dette_max_semaines"] * A.heures
    n_max = np.maximum(0.0, np.floor((A.reliquat - plancher) / h + 1e-9))
    ordre = np.argsort(d, kind="stable")
    ds = d[ordre]
    debut = np.r_[True, ds[1:] != ds[:-1]]
    rang = np.arange(ds.size) - np.maximum.accumulate(np.where(debut, np.arange(ds.size), 0))
    ok = np.zeros(k.size, bool)
    ok[ordre] = rang < n_max[ds]
    fait[k[ok]] = True
    n = np.bincount(d[ok], minlength=A.n).astype(float)
    A.reliquat -= n * h
    code, z = 1 + A.genre(), A.territoire()
    np.add.at(m.compteurs.reportees, (code, z), -n * h)
    G = m.genres_aidants
    g = A.genre()[d[ok]]
    m.compteurs.ajouter_heures_postes(1 + g, np.full(g.size, h), np.full(g.size, 1), ~G["mandat_place"][g],
                                      G["finance"][g], A.territoire()[d[ok]])
    return fait


def declarations_entourage_payant(m: ModeleNonRecours, i: np.ndarray, detenteurs: np.ndarray) -> np.ndarray:
    """Déclarations échues des ménages `i` dont un proche (DETENTEUR_ENTOURAGE) ou le service payant
    (DETENTEUR_PAYANT) garde les identifiants : le proche déclare s'il lui reste `accompagnement.heures_declaration`
    heures dans la réserve de l'entourage (retirées et comptées ; sinon le ménage déclare seul, avec son entourage) ;
    le service payant déclare toujours (capacité non limitée), au tarif `demarches.tarif_payant` par déclaration
    (`montant_depense_payant`). Rend le masque des déclarations faites par l'un ou l'autre."""
    M, p, c = m.menages, m.p, m.compteurs
    h = float(p["accompagnement.heures_declaration"])
    fam = (detenteurs == DETENTEUR_ENTOURAGE) & (M.reserve_entourage[i] >= h)
    pay = detenteurs == DETENTEUR_PAYANT
    n_z = c.euros_payant.size
    if fam.any():
        prendre_temps_entourage(m, i[fam], h)
    if pay.any():
        g = GENRES_AIDE.index("prestataire_prive")
        z = M.territoire[i[pay]]
        c.ajouter_heures(g, h, "place", **mandat_payant(p), territoires_menages=z)
        c.euros_payant += np.bincount(z, minlength=n_z) * float(p["demarches.tarif_payant"])
    return fam | pay


def probabilite_erreur(m: ModeleNonRecours, detenteurs: np.ndarray) -> np.ndarray:
    """Probabilité qu'une déclaration faite par l'aidant `detenteurs` (index dans `m.aidants`, tous ≥ 0) soit
    erronée : `accompagnement.p_erreur_declaration_aidant` + `accompagnement.coef_pression_erreur` × pression de sa
    structure (surcharge de la file la dernière semaine servie) + `aidants.coef_tension_erreur` × tension de
    l'aidant, bornée à [0, 1]."""
    p, A = m.p, m.aidants
    pression = m.pression_acteurs[A.structure[detenteurs]]
    return np.clip(p["accompagnement.p_erreur_declaration_aidant"] + p["accompagnement.coef_pression_erreur"] * pression
                   + p["aidants.coef_tension_erreur"] * A.tension[detenteurs], 0.0, 1.0)


def appliquer(m: ModeleNonRecours) -> None:
    """Déclarations échues cette semaine, puis fin des délais de régularisation."""
    rng = m.aleas["renouvellements"]
    M, t, cat, p = m.menages, m.t, m.catalogue, m.p
    i, b = m.echus(m.agenda_renouvellement, PERCOIT)
    diff = np.where(cat.preremplie[b], p["renouvellements.difficulte_preremplie"],
                    p["renouvellements.difficulte_declaration"])
    cap = np.maximum(capacites(m, i)[:, 4], M.capacite_aidant[i])
    det = M.detenteur[i, b]
    par_aidant = declarations_par_aidant(m, det)
    if par_aidant.any():
        cap[par_aidant] = m.genres_aidants["capacite"][m.aidants.genre()[det[par_aidant]]]
    par_tiers = par_aidant | declarations_entourage_payant(m, i, det)
    cap[det == DETENTEUR_PAYANT] = p["acteurs.prestataire_prive.capacite"]
    ok = rng.random(i.size) < sigmoide(p["demarches.pente"] * (cap - diff) + p["demarches.bonus_en_ligne"])
    # Déclarations d'un tiers qui garde les identifiants (aidant, proche, service payant) : une déclaration faite
    # peut être erronée (indu à rembourser, droit suspendu).
    errone = np.zeros(i.size, dtype=bool)
    k = np.flatnonzero(par_tiers)
    if k.size:
        p_err = np.full(k.size, float(p["accompagnement.p_erreur_declaration_aidant"]))
        a = par_aidant[k]
        p_err[a] = probabilite_erreur(m, det[k[a]])
        errone[k] = ok[k] & (rng.random(k.size) < p_err)
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
