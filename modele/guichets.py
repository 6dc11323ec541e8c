"""Guichets : chaque accueil physique sert sa file dans la limite de sa capacité ; la demande non servie attend.

Règle : la capacité = visites pour 10 000 ménages × ménages du territoire × part ouverte (× facteur si
rendez-vous seulement), arrondie au hasard. Les demandes de la semaine entrent en fin de file dans un ordre tiré
au hasard ; la file est servie dans l'ordre (premier arrivé, premier servi : les demandes des semaines passées
avant les nouvelles) ; l'agent fait la démarche avec le ménage (sa capacité remplace celle du ménage quand elle
est meilleure). Une demande non servie reste en file (statut « attente » : le ménage ne tente rien d'autre pour ce
droit) jusqu'à être servie, sauf si elle abandonne : à la fin de chaque semaine sans service avec la probabilité
`guichets.abandon_file_hebdomadaire`, et de toute façon au-delà de `guichets.attente_max_file` semaines
d'attente. Un guichet fermé (accès nul : part ouverte ou capacité nulle, dépôt au guichet interdit) vide sa file
la semaine même. Une demande qui quitte la file sans être servie se reporte ailleurs (entourage, acteurs, payant,
en ligne) ou renonce : c'est le transfert. Une demande close ailleurs pendant l'attente (droit perdu, ouvert
automatiquement, ménage parti) sort de la file sans bruit.

Toutes les files sont servies en UNE passe vectorisée (`agents.FilesGuichets` : tableaux communs rangés
par guichet puis par arrivée ; rang de chaque demande dans le segment de son guichet) : aucun appel Python par
guichet ni par ménage. Tirages, dans cet ordre, sur le flux `guichets` : arrondi des capacités (un tirage par guichet
actif, dans l'ordre des guichets), ordre des demandes de la semaine (une clé uniforme par demande, rangée dans
son guichet), replis des files fermées, tentatives des servis et leurs suites, abandons, replis des abandons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import ATTENTE, DEMARCHE, GUICHET
from modele.prestations import ORGANISMES
from modele.tentatives import apres_tentative, capacites, repli, tenter

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

_ORGANISMES = np.array(ORGANISMES, dtype=object)


def appliquer(m: ModeleNonRecours) -> None:
    """Une semaine de tous les guichets, en une passe : entrées en file, sorties sans objet, fermeture, service,
    abandons (aucune boucle sur les guichets ni sur les ménages)."""
    rng = m.aleas["guichets"]
    M, p, t, c, F = m.menages, m.p, m.t, m.compteurs, m.files_guichets
    G = m.guichets_par_k()
    n_g, n_o, n_z = F.n, len(ORGANISMES), c.guichet_servis_zone.shape[1]
    cap_reelle = G["capacite"]
    c.guichet_capacite += cap_reelle.reshape(n_o, n_z).sum(axis=1)
    F.pression[:] = 0.0
    k_n, i_n, b_n = F.prendre_demandes()
    actif = (np.bincount(k_n, minlength=n_g) + F.longueurs()) > 0
    if not actif.any():
        return
    capacite = np.zeros(n_g, dtype=np.int64)
    capacite[actif] = np.floor(cap_reelle[actif] + rng.random(int(actif.sum()))).astype(np.int64)
    if k_n.size:  # demandes de la semaine : fin de file, dans un ordre tiré au hasard au sein de chaque guichet
        ordre = np.lexsort((rng.random(k_n.size), k_n))
        k_n, i_n, b_n = k_n[ordre], i_n[ordre], b_n[ordre]
        F.ajouter(k_n, i_n, b_n, np.full(k_n.size, t), M.t_prochain[i_n, b_n])
        c.guichet_demande += np.bincount(G["organisme"][k_n], minlength=n_o)
    # Demandes devenues sans objet pendant l'attente : retirées sans bruit (le ménage est ailleurs dans son parcours).
    f = F.file
    valide = (M.statut[f["menage"], f["prestation"]] == ATTENTE) & (M.t_prochain[f["menage"], f["prestation"]]
                                                                   == f["marque"])
    c.guichet_retraits += np.bincount(G["organisme"][f["guichet"][~valide]], minlength=n_o)
    F.garder(valide)
    # Guichet fermé (ou dépôt au guichet interdit) : la file se vide vers les replis.
    f = F.file
    quitter(m, m.acces_guichet(f["menage"], f["prestation"]) <= 0, rng)
    # Service, premier arrivé premier servi : rang de chaque demande dans le segment de son guichet.
    f = F.file
    k = f["guichet"]
    longueurs = np.bincount(k, minlength=n_g)
    debuts = np.concatenate([[0], np.cumsum(longueurs)[:-1]])
    rang = np.arange(k.size) - debuts[k]
    servi = rang < capacite[k]
    n_servis = np.bincount(k[servi], minlength=n_g)
    F.pression[:] = np.where(longueurs > 0, 1.0 - n_servis / np.maximum(longueurs, 1), 0.0)
    i, b, ks = f["menage"][servi], f["prestation"][servi], k[servi]
    attente = t - f["arrivee"][servi]
    F.garder(~servi)
    c.guichet_servis += n_servis.reshape(n_o, n_z).sum(axis=1)
    c.guichet_servis_zone += n_servis.reshape(n_o, n_z)
    c.guichet_attente += np.bincount(ks, weights=attente, minlength=n_g).reshape(n_o, n_z)
    if i.size:
        cap = np.maximum(capacites(m, i), G["capacite_agent"][ks][:, None])
        etape = tenter(m, i, b, cap, M.etape[i, b], p["demarches.bonus_en_ligne"], rng)
        M.statut[i, b] = DEMARCHE
        o = G["organisme"][ks]
        for oo in np.flatnonzero(np.bincount(o, minlength=n_o)).tolist():  # un contact par organisme (≤ 3)
            m.contacts.append((i[o == oo], m.code_contact_guichet(oo)))
        m.journal.noter(i, b, "guichet", _ORGANISMES[o])
        apres_tentative(m, i, b, etape, rng, exclure=GUICHET)
    # Non servies : abandon au-delà de l'attente maximale, sinon avec la probabilité hebdomadaire.
    f = F.file
    if F.longueur == 0:
        return
    q = p["guichets.abandon_file_hebdomadaire"]
    part = t + 1 - f["arrivee"] > p["guichets.attente_max_file"]
    if q >= 1.0:
        part[:] = True
    elif q > 0.0:
        part |= rng.random(part.size) < q
    quitter(m, part, rng)


def quitter(m: ModeleNonRecours, masque: np.ndarray, rng: np.random.Generator) -> None:
    """Les demandes du masque (toutes files) quittent la file sans être servies : repli sans le guichet (ou
    renoncement)."""
    F = m.files_guichets
    f = F.file
    i, b, k = f["menage"][masque], f["prestation"][masque], f["guichet"][masque]
    F.garder(~masque)
    if i.size == 0:
        return
    o = m.guichets_par_k()["organisme"][k]
    m.compteurs.guichet_abandons += np.bincount(o, minlength=len(ORGANISMES))
    m.menages.statut[i, b] = DEMARCHE
    m.journal.noter(i, b, "guichet_refus", _ORGANISMES[o])
    repli(m, i, b, rng, exclure=GUICHET)
