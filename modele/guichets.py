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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import ATTENTE, DEMARCHE, GUICHET
from modele.tentatives import apres_tentative, capacites, repli, tenter

if TYPE_CHECKING:
    from modele.agents import Guichet
    from modele.modele import ModeleNonRecours


def appliquer(m: ModeleNonRecours) -> None:
    """Sert la file de chaque guichet (une douzaine d'agents ; aucune boucle sur les ménages)."""
    rng = m.aleas["guichets"]
    for g in m.guichets:
        servir(m, g, rng)


def quitter(m: ModeleNonRecours, g: Guichet, masque: np.ndarray, rng: np.random.Generator) -> None:
    """Les demandes du masque quittent la file sans être servies : repli sans le guichet (ou renoncement)."""
    f = g.file
    i, b = f["menage"][masque], f["prestation"][masque]
    g.garder(~masque)
    if i.size == 0:
        return
    m.compteurs.guichet_abandons[g.o] += i.size
    M = m.menages
    M.statut[i, b] = DEMARCHE
    m.journal.noter(i, b, "guichet_refus", g.organisme)
    repli(m, i, b, rng, exclure=GUICHET)


def servir(m: ModeleNonRecours, g: Guichet, rng: np.random.Generator) -> None:
    """Une semaine d'un guichet : entrées en file, sorties sans objet, fermeture, service, abandons."""
    M, p, t, c = m.menages, m.p, m.t, m.compteurs
    z = g.territoire
    cap_reelle = g.capacite
    c.guichet_capacite[g.o] += cap_reelle
    g.pression = 0.0
    if not g.demandes_menage and g.longueur_file == 0:
        return
    capacite = int(np.floor(cap_reelle + rng.random()))
    if g.demandes_menage:  # demandes de la semaine : fin de file, dans un ordre tiré au hasard
        i = np.concatenate(g.demandes_menage)
        b = np.concatenate(g.demandes_prestation)
        g.demandes_menage.clear()
        g.demandes_prestation.clear()
        ordre = rng.permutation(i.size)
        i, b = i[ordre], b[ordre]
        g.ajouter(i, b, t, M.t_prochain[i, b])
        c.guichet_demande[g.o] += i.size
    # Demandes devenues sans objet pendant l'attente : retirées sans bruit (le ménage est ailleurs dans son parcours).
    f = g.file
    valide = (M.statut[f["menage"], f["prestation"]] == ATTENTE) & (M.t_prochain[f["menage"], f["prestation"]]
                                                                   == f["marque"])
    c.guichet_retraits[g.o] += int((~valide).sum())
    g.garder(valide)
    # Guichet fermé (ou dépôt au guichet interdit) : la file se vide vers les replis.
    f = g.file
    quitter(m, g, m.acces_guichet(f["menage"], f["prestation"]) <= 0, rng)
    # Service, premier arrivé premier servi.
    f = g.file
    servi = np.arange(g.longueur_file) < capacite
    g.pression = float(1.0 - servi.mean()) if servi.size else 0.0  # part non servie : pression du temps
    i, b = f["menage"][servi], f["prestation"][servi]
    attente = t - f["arrivee"][servi]
    g.garder(~servi)
    c.guichet_servis[g.o] += i.size
    c.guichet_servis_zone[g.o, z] += i.size
    c.guichet_attente[g.o, z] += float(attente.sum())
    if i.size:
        cap = np.maximum(capacites(m, i), g.param("capacite_agent"))
        etape = tenter(m, i, b, cap, M.etape[i, b], p["demarches.bonus_en_ligne"], rng)
        M.statut[i, b] = DEMARCHE
        m.contacts.append((i, m.code_contact_guichet(g.o)))
        m.journal.noter(i, b, "guichet", g.organisme)
        apres_tentative(m, i, b, etape, rng, exclure=GUICHET)
    # Non servies : abandon au-delà de l'attente maximale, sinon avec la probabilité hebdomadaire.
    f = g.file
    if g.longueur_file == 0:
        return
    q = p["guichets.abandon_file_hebdomadaire"]
    part = t + 1 - f["arrivee"] > p["guichets.attente_max_file"]
    if q >= 1.0:
        part[:] = True
    elif q > 0.0:
        part |= rng.random(part.size) < q
    quitter(m, g, part, rng)
