"""Accompagnement : chaque acteur sert sa file dans la limite de ses heures (tri, attente, abandons de file).

Règle : les demandes dont la patience est épuisée quittent la file (le ménage se replie ailleurs) ; les autres
sont triées (urgentes d'abord, puis par ordre d'arrivée) et servies tant que les heures suffisent. Chaque
épisode a une posture : orienter (avec `p_orienter`), sinon « faire à la place » avec
P = sigmoïde(logit de base + pression × surcharge + capacité manquante + urgence − formation − hors mandat),
sinon « faire avec ». « À la place » : la capacité de l'aidant remplace celle du ménage, pas d'apprentissage,
identifiants souvent gardés (sauf Aidants Connect). « Avec » : plus long, l'aide comble une part de l'écart,
le ménage apprend. Les heures sont comptées par genre, posture, dans/hors mandat, financées ou tacites ; les
ménages servis (cumul de l'année) et les épisodes « à la place » sous Aidants Connect aussi (cibles C8, C9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import ACTEUR, ATTENTE, DEMARCHE
from modele.tentatives import (
    COURANTE,
    apres_tentative,
    capacites,
    charge_attendue,
    envoyer_acteur,
    repli,
    sigmoide,
    tenter,
)

if TYPE_CHECKING:
    from modele.agents import ActeurAccompagnement
    from modele.modele import ModeleNonRecours

ORIENTER, PLACE, AVEC = 0, 1, 2


def appliquer(m: ModeleNonRecours) -> None:
    """Toutes les files de la semaine, acteur par acteur (quelques dizaines d'agents, pas de boucle sur ménages)."""
    rng = m.aleas["accompagnement"]
    for acteur in m.acteurs:
        servir(m, acteur, rng)


def servir(m: ModeleNonRecours, a: ActeurAccompagnement, rng: np.random.Generator) -> None:
    """Une semaine de service d'un acteur, et le compte de ses heures (offertes = servies + inutilisées + reportées)."""
    if a.genre == "prestataire_prive":  # service payant : pas de file ni de capacité (compté dans tentatives)
        return
    c = m.compteurs
    budget = a.heures
    c.offertes[1 + a.g, a.territoire] += budget
    report_avant = a.reliquat
    utilisees = _servir_file(m, a, budget + report_avant, rng)
    # Reste de la semaine : reporté jusqu'à un épisode « faire avec » (sans ce report, un acteur de moins d'heures
    # qu'un épisode — petites populations — ne servirait jamais personne), l'excédent est inutilisé ; une dette
    # (reste négatif, déclarations faites avec des identifiants gardés) se reporte entière.
    p = m.p
    d_max = max(p["accompagnement.heures_faire_a_la_place"], p["accompagnement.heures_faire_avec"],
                p["accompagnement.heures_orienter"])
    reste = budget + report_avant - utilisees
    a.reliquat = min(reste, d_max)
    c.inutilisees[1 + a.g, a.territoire] += reste - a.reliquat
    c.reportees[1 + a.g, a.territoire] += a.reliquat - report_avant


def _servir_file(m: ModeleNonRecours, a: ActeurAccompagnement, heures: float, rng: np.random.Generator) -> float:
    """Sert la file d'un acteur avec `heures` ; rend les heures utilisées."""
    M, p, t = m.menages, m.p, m.t
    a.pression = 0.0
    f = a.file
    if f["menage"].size == 0:
        return 0.0
    i, b = f["menage"], f["prestation"]
    # Demandes devenues sans objet (droit perdu, demande close ailleurs) : retirées sans bruit.
    valide = (b == COURANTE) | (M.statut[i, np.maximum(b, 0)] == ATTENTE)
    a.garder(valide)
    # Abandons de file : patience épuisée (demande non servie, comptée aussi en heures attendues).
    f = a.file
    parti = f["limite"] < t
    ip, bp = f["menage"][parti], f["prestation"][parti]
    m.compteurs.abandons_file[1 + a.g] += int(parti.sum())
    m.compteurs.non_servie[1 + a.g, a.territoire] += int(parti.sum()) * charge_attendue(p)
    pres = bp >= 0
    M.statut[ip[pres], bp[pres]] = DEMARCHE
    m.journal.noter(ip[pres], bp[pres], "abandon_file", a.genre)
    repli(m, ip[pres], bp[pres], rng, exclure=ACTEUR)
    a.garder(~parti)
    f = a.file
    if f["menage"].size == 0:
        return 0.0

    ordre = np.lexsort((f["arrivee"], ~f["urgent"]))
    a.garder(ordre)
    f = a.file
    i, b, urgent = f["menage"], f["prestation"], f["urgent"]
    cap_h = capacites(m, i)
    # Posture de chaque demande en file (tirée avant de savoir qui sera servi : la file entière fait pression).
    d_place, d_avec, d_orient = (p["accompagnement.heures_faire_a_la_place"], p["accompagnement.heures_faire_avec"],
                                 p["accompagnement.heures_orienter"])
    charge = i.size * charge_attendue(p)
    surcharge = np.clip(charge / max(heures, 1e-9) - 1.0, 0.0, p["accompagnement.surcharge_max"])
    a.pression = float(surcharge)
    logit = (a.param("logit_faire_a_la_place") + p["accompagnement.coef_pression"] * surcharge
             + p["accompagnement.coef_capacite"] * (p["accompagnement.capacite_reference"] - cap_h.mean(axis=1))
             + p["accompagnement.coef_urgence"] * urgent - p["accompagnement.coef_formation"] * a.param("formation")
             - p["accompagnement.coef_mandat"] * (not a.param("mandat_faire_a_la_place")))
    posture = np.where(rng.random(i.size) < a.param("p_orienter"), ORIENTER,
                       np.where(rng.random(i.size) < sigmoide(logit), PLACE, AVEC))
    duree = np.choose(posture, [d_orient, d_place, d_avec]).astype(float)
    servi = np.cumsum(duree) <= heures
    ns = int(servi.sum())
    if ns == 0:
        return 0.0
    i, b, posture, cap_h, duree = i[servi], b[servi], posture[servi], cap_h[servi], duree[servi]
    m.compteurs.attente[1 + a.g] += float((t - f["arrivee"][servi]).sum())
    m.compteurs.episodes[1 + a.g] += ns
    m.compteurs.noter_service(1 + a.g, i, M.n, t, int((posture == PLACE).sum()) if a.param("aidants_connect") else 0)
    a.garder(~servi)
    m.contacts.append((i, 1 + a.g))
    M.t_aide[i] = t

    # Heures par posture, dans ou hors mandat, financées ou tacites.
    finance = bool(a.param("finance"))
    for code, nom, mandat in ((ORIENTER, "orienter", True), (PLACE, "place", a.param("mandat_faire_a_la_place")),
                              (AVEC, "avec", a.param("mandat_faire_avec"))):
        h = float(duree[posture == code].sum())
        m.compteurs.ajouter_heures(1 + a.g, h, nom, hors_mandat=not mandat, finance=finance, territoire=a.territoire)
    _apres_service(m, a, i, b, posture, cap_h, rng)
    return float(duree.sum())


def _apres_service(m: ModeleNonRecours, a: ActeurAccompagnement, i: np.ndarray, b: np.ndarray, posture: np.ndarray,
                   cap_h: np.ndarray, rng: np.random.Generator) -> None:
    """Suite des épisodes servis : orientation, ou tentative « à la place » / « avec »."""
    M, p, t = m.menages, m.p, m.t
    # Orienter : la demande repart vers un autre acteur la semaine suivante.
    o = posture == ORIENTER
    io, bo = i[o], b[o]
    pres = bo >= 0
    M.statut[io[pres], bo[pres]] = DEMARCHE
    M.canal[io[pres], bo[pres]] = ACTEUR
    M.t_prochain[io[pres], bo[pres]] = t + 1
    m.journal.noter(io[pres], bo[pres], "oriente", a.genre)
    envoyer_acteur(m, io[~pres], bo[~pres], rng)

    # Faire à la place / faire avec : tentative avec la capacité de l'épisode.
    c = a.param("capacite")
    for code in (PLACE, AVEC):
        s = posture == code
        if not s.any():  # rien à faire (aucun tirage n'aurait été consommé)
            continue
        ii, bb, ch = i[s], b[s], cap_h[s]
        if code == PLACE:
            cap = np.maximum(ch, c)
        else:
            cap = ch + p["accompagnement.apport_faire_avec"] * np.maximum(c - ch, 0.0)
            M.autonomie[ii] = np.minimum(M.autonomie[ii] + p["apprentissage.gain_faire_avec"],
                                         p["apprentissage.autonomie_max"])
        etape0 = np.where(bb >= 0, M.etape[ii, np.maximum(bb, 0)], 0).astype(np.int8)
        etape = tenter(m, ii, bb, cap, etape0, p["demarches.bonus_en_ligne"], rng)
        pres = bb >= 0
        ii, bb, etape = ii[pres], bb[pres], etape[pres]
        M.statut[ii, bb] = DEMARCHE
        m.journal.noter(ii, bb, "aide_" + ("place" if code == PLACE else "avec"), a.genre)
        if code == PLACE and not a.param("aidants_connect"):
            garde = (etape >= 5) & (rng.random(ii.size) < p["accompagnement.p_garde_identifiants"])
            M.detenteur[ii[garde], bb[garde]] = a.unique_id
            m.journal.noter(ii[garde], bb[garde], "identifiants", a.genre)
        apres_tentative(m, ii, bb, etape, rng, exclure=None)
