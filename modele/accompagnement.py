"""Accompagnement : les aidants individuels servent la file commune, en une passe vectorisée (ODD §7, ODD+D).

Chaque semaine, pour toutes les structures à la fois (`modele.agents.FileAide`, `modele.aidants.Aidants`) :
1. les demandes devenues sans objet sortent ; celles dont la patience est épuisée quittent la file (repli), sauf un
   épisode commencé, qui va à son terme ;
2. chaque demande sans aidant en reçoit un : son référent s'il en a un en poste dans la structure (le ménage
   revient vers qui l'a déjà aidé), sinon un aidant en poste tiré au prorata de ses heures libres (heures moins le
   travail déjà en file, au moins une petite part de ses heures ; aucun en poste : elle attend) ;
3. une demande qui n'a pas encore de posture en reçoit une, selon l'aidant et le ménage : refuser (logit de base
   + disposition « refuse » + sans mandat + tension), sinon orienter (`p_orienter` du genre, plus si l'aidant est
   de disposition « réoriente »), sinon un choix logit entre « faire avec » (référence), « faire à la place »
   (logit du genre + pression × surcharge de l'aidant + capacité manquante + urgence + habitude du ménage −
   formation − hors mandat) et « faire à côté » (laisser faire : logit de base + capacité du ménage − urgence) ;
   sa durée est tirée (loi gamma de moyenne heures de la posture × durée relative de la démarche × facteur de
   bureau mal équipé, coefficient de variation `accompagnement.cv_duree_episode`) ;
4. chaque aidant sert ses demandes (épisodes commencés d'abord, puis urgentes, puis par arrivée), au plus un
   rendez-vous par demande et par semaine (`accompagnement.heures_rendez_vous_max`), tant que ses heures (et son
   report) suffisent : un dossier long demande plusieurs rendez-vous (« des pratiques indéfinies (sans fin) »,
   [mazet_sorin_diaporama] « Des pratiques troublées » ; trois heures en deux ou trois rendez-vous,
   [okbani2020] §III.3.c) ;
5. un épisode achevé a ses effets : refuser et orienter renvoient le ménage ailleurs (la semaine suivante) ;
   « à la place » : la capacité de l'aidant remplace celle du ménage, l'habitude du ménage monte, son autonomie
   baisse un peu, l'aidant garde souvent les identifiants (sauf Aidants Connect) ; « avec » : l'aide comble une
   part de l'écart de capacité, le ménage apprend (moins s'il est habitué) et perd de son habitude ; « à côté » :
   le ménage fait avec une petite aide, apprend un peu. L'aidant devient le référent du ménage.
Heures comptées par genre, posture, dans/hors mandat, financées ou tacites, et par aidant (hors mandat du mois) ;
le reste de la semaine est reporté (au plus un rendez-vous), la dette des déclarations se reporte entière ; puis
tension, départs et arrivées (`modele.aidants.evoluer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele import aidants
from modele.etat import ACTEUR, ATTENTE, DEMARCHE, TERRITOIRES
from modele.prestations import GENRES_ACTEURS
from modele.tentatives import (
    COURANTE,
    apres_tentative,
    capacites,
    charge_attendue,
    choisir,
    envoyer_acteur,
    repli,
    sigmoide,
    tenter,
)

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

ORIENTER, PLACE, AVEC, A_COTE, REFUSER = 0, 1, 2, 3, 4
POSTURES = ("orienter", "place", "avec", "a_cote", "refuser")
NOMS_GENRES = np.asarray(GENRES_ACTEURS, dtype=object)


def appliquer(m: ModeleNonRecours) -> None:
    """La semaine de toutes les structures : heures offertes, service, report, puis évolution des aidants."""
    rng = m.aleas["accompagnement"]
    A, c = m.aidants, m.compteurs
    code, z = 1 + A.genre(), A.territoire()
    offre = np.where(A.actif, A.heures, 0.0)
    np.add.at(c.offertes, (code, z), offre)
    report_avant = A.reliquat.copy()
    budget = offre + A.reliquat
    utilisees, hors_mandat = servir(m, budget, rng)
    # Reste de la semaine : reporté jusqu'à un rendez-vous (sans ce report, un aidant de moins d'heures qu'un
    # rendez-vous ne servirait jamais personne), l'excédent est inutilisé ; une dette (déclarations faites avec des
    # identifiants gardés) se reporte entière.
    reste = budget - utilisees
    A.reliquat = np.where(A.actif, np.minimum(reste, report_max(m.p)), 0.0)
    np.add.at(c.inutilisees, (code, z), np.where(A.actif, reste - A.reliquat, 0.0))
    np.add.at(c.reportees, (code, z), A.reliquat - report_avant)
    aidants.evoluer(m, hors_mandat, inacheve(m))


def report_max(p) -> float:
    """Heures qu'un aidant peut reporter à la semaine suivante : la plus longue prise en une semaine."""
    return max(p["accompagnement.heures_rendez_vous_max"], p["accompagnement.heures_orienter"],
               p["accompagnement.heures_refuser"])


def inacheve(m: ModeleNonRecours) -> np.ndarray:
    """Heures de travail en file attribuées à chaque aidant (épisodes commencés : leur reste ; demandes sans posture
    tirée : la charge attendue)."""
    f = m.file_aide
    s = f.aidant >= 0
    h = np.where(f.posture[s] >= 0, f.reste[s], charge_attendue(m.p))
    return np.bincount(f.aidant[s], weights=h, minlength=m.aidants.n)


def servir(m: ModeleNonRecours, budget: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sert la file commune avec les heures `budget` de chaque aidant ; rend (heures utilisées, heures hors mandat)
    par aidant."""
    M, p, t, A, f, c = m.menages, m.p, m.t, m.aidants, m.file_aide, m.compteurs
    n_z = len(TERRITOIRES)
    utilisees, hors_mandat = np.zeros(A.n), np.zeros(A.n)
    m.pression_acteurs[:] = 0.0
    if f.n == 0:
        return utilisees, hors_mandat
    # 1. Demandes devenues sans objet (droit perdu, demande close ailleurs) : retirées sans bruit.
    valide = (f.prestation == COURANTE) | (M.statut[f.menage, np.maximum(f.prestation, 0)] == ATTENTE)
    f.garder(valide)
    # Abandons de file : patience épuisée (demande non servie, comptée aussi en heures attendues) ; un épisode
    # commencé (au moins un rendez-vous) va à son terme.
    parti = (f.limite < t) & ((f.posture < 0) | (f.reste >= f.duree - 1e-9))
    if parti.any():
        gs, zs = 1 + f.structure[parti] // n_z, f.structure[parti] % n_z
        np.add.at(c.abandons_file, gs, 1)
        np.add.at(c.non_servie, (gs, zs), charge_attendue(p))
        ip, bp = f.menage[parti], f.prestation[parti]
        pres = bp >= 0
        M.statut[ip[pres], bp[pres]] = DEMARCHE
        m.journal.noter(ip[pres], bp[pres], "abandon_file", NOMS_GENRES[gs[pres] - 1])
        repli(m, ip[pres], bp[pres], rng, exclure=ACTEUR)
        f.garder(~parti)
    if f.n == 0:
        return utilisees, hors_mandat
    # 2. Un aidant pour chaque demande qui n'en a pas : le référent du ménage, sinon un tirage au prorata des heures.
    libre = f.aidant < 0
    if libre.any():
        k = np.flatnonzero(libre)
        ref = M.referent[f.menage[k]]
        ok = ref >= 0
        ok[ok] = A.actif[ref[ok]] & (A.structure[ref[ok]] == f.structure[k[ok]])
        f.aidant[k[ok]] = ref[ok]
        k = k[~ok]
        f.aidant[k] = aidants.tirer_aidant(m, f.structure[k], rng, inacheve(m))
    # Pression du temps : charge attendue de la file / heures, par structure (information) et par aidant.
    charge = charge_attendue(p)
    h_s = np.bincount(A.structure, weights=np.maximum(budget, 0.0), minlength=len(m.acteurs))
    n_s = np.bincount(f.structure, minlength=len(m.acteurs))
    m.pression_acteurs[:] = np.where(h_s > 0, np.clip(n_s * charge / np.maximum(h_s, 1e-9) - 1.0, 0.0,
                                                      p["accompagnement.surcharge_max"]), 0.0)
    # 3. Posture et durée des demandes attribuées qui n'en ont pas encore.
    nouvelles = np.flatnonzero((f.posture < 0) & (f.aidant >= 0))
    if nouvelles.size:
        n_h = np.bincount(f.aidant[f.aidant >= 0], minlength=A.n)
        surcharge = np.clip(n_h * charge / np.maximum(budget, 1e-9) - 1.0, 0.0, p["accompagnement.surcharge_max"])
        tirer_postures(m, nouvelles, surcharge, rng)
    # 4. Service : chaque aidant, ses épisodes commencés, puis urgents, puis par arrivée ; un rendez-vous par
    # demande et par semaine, tant que ses heures suffisent.
    k = np.flatnonzero(f.aidant >= 0)
    if k.size == 0:
        return utilisees, hors_mandat
    commence = f.reste[k] < f.duree[k] - 1e-9
    k = k[np.lexsort((f.arrivee[k], ~f.urgent[k], ~commence, f.aidant[k]))]
    h = f.aidant[k]
    longue = (f.posture[k] == PLACE) | (f.posture[k] == AVEC) | (f.posture[k] == A_COTE)
    tranche = np.where(longue, np.minimum(f.reste[k], p["accompagnement.heures_rendez_vous_max"]), f.reste[k])
    cum = np.cumsum(tranche)
    debut = np.r_[True, h[1:] != h[:-1]]
    avant = np.maximum.accumulate(np.where(debut, cum - tranche, 0.0))  # cumul à l'entrée du segment de l'aidant
    servi = (cum - avant) <= budget[h] + 1e-9
    k, h, tranche = k[servi], h[servi], tranche[servi]
    if k.size == 0:
        return utilisees, hors_mandat
    premiere = f.reste[k] >= f.duree[k] - 1e-9  # premier rendez-vous de l'épisode
    f.reste[k] -= tranche
    utilisees += np.bincount(h, weights=tranche, minlength=A.n)
    g = A.genre()[h]
    G = m.genres_aidants
    np.add.at(c.rendez_vous, 1 + g, 1)
    posture = f.posture[k]
    hm = np.where(posture == PLACE, ~G["mandat_place"][g],
                  np.where((posture == AVEC) | (posture == A_COTE), ~G["mandat_avec"][g], False))
    hors_mandat += np.bincount(h, weights=tranche * hm, minlength=A.n)
    c.ajouter_heures_postes(1 + g, tranche, posture, hm, G["finance"][g], A.territoire()[h])
    i = f.menage[k]
    c.attente_aide(1 + g[premiere], t - f.arrivee[k[premiere]])
    for gg in np.unique(g):  # quatre genres au plus : contacts, personnes accompagnées
        s = g == gg
        m.contacts.append((i[s], 1 + int(gg)))
        c.noter_service(1 + int(gg), i[s], M.n, t, 0)
    M.t_aide[i] = t
    suite = f.reste[k] > 1e-9
    m.journal.noter(i[suite], f.prestation[k[suite]], "rendez_vous", NOMS_GENRES[g[suite]])
    # 5. Épisodes achevés : leurs effets, puis retirés de la file.
    fini = ~suite
    kf = k[fini]
    if kf.size:
        np.add.at(c.episodes, 1 + g[fini], 1)
        ac = np.zeros(kf.size, bool)
        place = posture[fini] == PLACE
        ac[place] = aidants.aidants_connect(m, h[fini][place], rng)
        c.aidants_connect += np.bincount(1 + g[fini], weights=ac, minlength=c.aidants_connect.size)
        episodes = (f.menage[kf], f.prestation[kf], f.posture[kf], h[fini], ac)
        garde = np.ones(f.n, bool)
        garde[kf] = False
        f.garder(garde)
        apres_service(m, *episodes, rng)
    return utilisees, hors_mandat


def tirer_postures(m: ModeleNonRecours, k: np.ndarray, surcharge: np.ndarray, rng: np.random.Generator) -> None:
    """Posture et durée des demandes `k` de la file, selon leur aidant (surcharge par aidant) et leur ménage."""
    M, p, A, f = m.menages, m.p, m.aidants, m.file_aide
    G = m.genres_aidants
    h, i, b = f.aidant[k], f.menage[k], f.prestation[k]
    g = A.genre()[h]
    u = rng.random((k.size, 2))
    mandat = aidants.mandats(m)[h]
    logit_refus = (p["aidants.logit_refus"] + p["aidants.coef_disposition_refus"] * (A.disposition[h] == aidants.REFUSE)
                   + p["aidants.coef_sans_mandat_refus"] * (mandat == aidants.SANS_MANDAT)
                   + p["aidants.coef_tension_refus"] * A.tension[h])
    refuse = u[:, 0] < sigmoide(logit_refus)
    po = G["p_orienter"][g]
    logit_orienter = (np.log(np.maximum(po, 1e-12)) - np.log(np.maximum(1.0 - po, 1e-12))
                      + p["aidants.coef_disposition_orienter"] * (A.disposition[h] == aidants.REORIENTE))
    oriente = ~refuse & (po > 0) & (u[:, 1] < sigmoide(logit_orienter))
    cap_h = capacites(m, i).mean(axis=1)
    urgent = f.urgent[k]
    u_place = (G["logit_place"][g] + p["accompagnement.coef_pression"] * surcharge[h]
               + p["accompagnement.coef_capacite"] * (p["accompagnement.capacite_reference"] - cap_h)
               + p["accompagnement.coef_urgence"] * urgent - p["accompagnement.coef_formation"] * A.forme[h]
               - p["accompagnement.coef_mandat"] * ~G["mandat_place"][g]
               + p["accompagnement.coef_habitude_place"] * M.habitude[i])
    u_cote = (p["accompagnement.logit_a_cote"]
              + p["accompagnement.coef_capacite_a_cote"] * (cap_h - p["accompagnement.capacite_reference"])
              - p["accompagnement.coef_urgence"] * urgent)
    u = np.stack([u_place, np.zeros(k.size), u_cote], axis=1)
    choix = np.array([PLACE, AVEC, A_COTE])[choisir(u, rng)]
    posture = np.where(refuse, REFUSER, np.where(oriente, ORIENTER, choix)).astype(np.int8)
    # Durée : loi gamma de moyenne heures de la posture × durée relative de la démarche × bureau mal équipé.
    base = np.array([p["accompagnement.heures_orienter"], p["accompagnement.heures_faire_a_la_place"],
                     p["accompagnement.heures_faire_avec"], p["accompagnement.heures_faire_a_cote"],
                     p["accompagnement.heures_refuser"]])[posture]
    rel = np.where(b >= 0, m.catalogue.duree_accompagnement[np.maximum(b, 0)],
                   p["accompagnement.duree_relative_courante"])
    longue = (posture == PLACE) | (posture == AVEC) | (posture == A_COTE)
    moyenne = np.where(longue, base * rel * np.where(A.mal_equipe[h], p["aidants.facteur_bureau_mal_equipe"], 1.0),
                       base)
    cv = p["accompagnement.cv_duree_episode"]
    duree = moyenne if cv <= 0 else np.where(longue, rng.gamma(1.0 / cv**2, moyenne * cv**2), moyenne)
    f.posture[k] = posture
    f.duree[k] = duree
    f.reste[k] = duree


def apres_service(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, posture: np.ndarray, h: np.ndarray,
                  ac: np.ndarray, rng: np.random.Generator) -> None:
    """Effets des épisodes achevés (ménages `i`, prestations `b`, postures, aidants `h`, « à la place » sous
    Aidants Connect `ac`)."""
    M, p, t, A, c = m.menages, m.p, m.t, m.aidants, m.compteurs
    G = m.genres_aidants
    g = A.genre()[h]
    # Refuser : compté ; le ménage cherche ailleurs (pas chez ce genre d'acteur) la semaine suivante.
    r = posture == REFUSER
    if r.any():
        np.add.at(c.refus_aidant, 1 + g[r], 1)
        ir, br = i[r], b[r]
        m.journal.noter(ir, br, "refus_aidant", NOMS_GENRES[g[r]])
        pres = br >= 0
        M.statut[ir[pres], br[pres]] = DEMARCHE
        repli(m, ir[pres], br[pres], rng, exclure=ACTEUR)
    # Orienter : la demande repart vers un autre acteur la semaine suivante.
    o = posture == ORIENTER
    io, bo = i[o], b[o]
    pres = bo >= 0
    M.statut[io[pres], bo[pres]] = DEMARCHE
    M.canal[io[pres], bo[pres]] = ACTEUR
    M.t_prochain[io[pres], bo[pres]] = t + 1
    m.journal.noter(io[pres], bo[pres], "oriente", NOMS_GENRES[g[o][pres]])
    envoyer_acteur(m, io[~pres], bo[~pres], rng)

    # À la place / avec / à côté : tentative avec la capacité de l'épisode ; l'aidant devient le référent.
    for code, nom in ((PLACE, "aide_place"), (AVEC, "aide_avec"), (A_COTE, "aide_a_cote")):
        s = posture == code
        if not s.any():  # rien à faire (aucun tirage n'aurait été consommé)
            continue
        ii, bb, hh, gg, aa = i[s], b[s], h[s], g[s], ac[s]
        ch = capacites(m, ii)
        ca = G["capacite"][gg][:, None]
        if code == PLACE:
            cap = np.maximum(ch, ca)
            M.habitude[ii] = np.minimum(M.habitude[ii] + p["apprentissage.gain_habitude_place"], 1.0)
            M.autonomie[ii] = np.maximum(M.autonomie[ii] - p["apprentissage.perte_autonomie_place"], 0.0)
        else:
            apport = p["accompagnement.apport_faire_avec"] if code == AVEC else p["accompagnement.apport_a_cote"]
            gain = p["apprentissage.gain_faire_avec"] if code == AVEC else p["apprentissage.gain_a_cote"]
            cap = ch + apport * np.maximum(ca - ch, 0.0)
            M.autonomie[ii] = np.minimum(M.autonomie[ii] + gain * (1.0 - M.habitude[ii]),
                                         p["apprentissage.autonomie_max"])
            M.habitude[ii] = np.maximum(M.habitude[ii] - p["apprentissage.baisse_habitude_avec"], 0.0)
        M.referent[ii] = hh
        etape0 = np.where(bb >= 0, M.etape[ii, np.maximum(bb, 0)], 0).astype(np.int8)
        etape = tenter(m, ii, bb, cap.astype(np.float32), etape0, p["demarches.bonus_en_ligne"], rng)
        pres = bb >= 0
        ii, bb, etape, hh, gg, aa = ii[pres], bb[pres], etape[pres], hh[pres], gg[pres], aa[pres]
        M.statut[ii, bb] = DEMARCHE
        m.journal.noter(ii, bb, nom, NOMS_GENRES[gg])
        if code == PLACE:
            # Compte créé par l'aidant pour un ménage sans équipement : adresse « de circonstance » (incident).
            circ = ~aa & (M.equipement[ii] == 0) & (rng.random(ii.size) < p["accompagnement.p_adresse_circonstance"])
            np.add.at(c.adresses_circonstance, 1 + gg[circ], 1)
            garde = ~aa & (etape >= 5) & (rng.random(ii.size) < p["accompagnement.p_garde_identifiants"])
            M.detenteur[ii[garde], bb[garde]] = hh[garde]
            m.journal.noter(ii[garde], bb[garde], "identifiants", NOMS_GENRES[gg[garde]])
        apres_tentative(m, ii, bb, etape, rng, exclure=None)
