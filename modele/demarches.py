"""Démarches : une demande est une suite d'étapes (compte, courriel, formulaire, pièces, suivi) tentée par un canal.

Règle : chaque étape réussit avec p = sigmoïde(pente × (capacité − difficulté) + bonus) ; la tentative s'arrête à
la première étape manquée (les étapes franchies restent acquises). Canaux : seul en ligne, entourage,
guichet, acteur d'accompagnement, service payant. Après un échec (ou une file de guichet ou d'acteur
quittée sans service), le ménage choisit un repli par un logit multinomial : entourage, guichet, acteur, payant,
réessayer seul plus tard, ou renoncer (abandon pour de bon) ; le recours à un acteur est d'autant plus attractif
que l'offre locale d'accompagnement est dense, et l'acteur sollicité est choisi selon son attrait, ses heures et
l'attente annoncée. L'entourage a un temps propre (heures par mois, réserve reconstituée chaque semaine) : épuisé,
il n'est plus une option ; sollicité, il peut faire défaut (probabilité déclarée, plus forte s'il a été sollicité
récemment : fatigue), et le ménage se replie ailleurs ; il fait à la place et peut garder les identifiants. Le
service payant fait à la place au tarif déclaré (euros comptés), d'autant moins choisi que le tarif pèse dans les
ressources du ménage, et peut garder les identifiants. Les démarches courantes (impôts, titres) suivent
les mêmes règles sans droit en jeu : elles font l'usage du numérique et une part de la demande d'aide.

La mécanique partagée d'une tentative (capacités, étapes, dépôt, repli, envoi à un acteur) est dans
`modele/tentatives.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.calendrier import SEMAINES_PAR_AN
from modele.etat import (
    ACTEUR,
    DEMARCHE,
    DETENTEUR_ENTOURAGE,
    EN_LIGNE,
    FAMILLE,
    GUICHET,
    PAYANT,
    PLUS_TARD,
    REESSAYER,
    RENONCER,
)
from modele.prestations import GENRES_ACTEURS
from modele.tentatives import (
    COURANTE,
    apres_tentative,
    capacites,
    choisir,
    compter_payant,
    envoyer_acteur,
    garder_identifiants,
    heures_famille,
    reconstituer_entourage,
    repli,
    sigmoide,
    solliciter_entourage,
    tenter,
    utilites_repli,
)

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours


def appliquer(m: ModeleNonRecours) -> None:
    """Tentatives de la semaine : demandes dont la date est venue, puis démarches courantes."""
    rng = m.aleas["demarches"]
    M, t, p = m.menages, m.t, m.p
    reconstituer_entourage(m)
    i, b = m.echus(m.agenda_prochain, DEMARCHE)  # = couples où t_prochain == t, sans parcours
    canal = M.canal[i, b]

    # Seul en ligne.
    s = canal == EN_LIGNE
    ii, bb = i[s], b[s]
    etape = tenter(m, ii, bb, capacites(m, ii), M.etape[ii, bb], p["demarches.bonus_en_ligne"], rng)
    M.t_en_ligne[ii] = t
    M.t_abandon[ii[etape < 5]] = t
    ok = etape >= 5
    M.autonomie[ii[ok]] = np.minimum(M.autonomie[ii[ok]] + p["apprentissage.gain_seul"],
                                     p["apprentissage.autonomie_max"])
    m.journal.noter(ii, bb, "en_ligne", etape)
    apres_tentative(m, ii, bb, etape, rng)

    # Entourage : s'il a le temps et ne fait pas défaut, le proche fait à la place (sa capacité remplace celle du
    # ménage si elle est meilleure) et peut garder les identifiants ; sinon repli ailleurs, sans tentative comptée.
    s = canal == FAMILLE
    ii, bb = i[s], b[s]
    aide = solliciter_entourage(m, ii, rng)
    m.journal.noter(ii[~aide], bb[~aide], "famille_indisponible", "l'entourage ne peut pas aider")
    repli(m, ii[~aide], bb[~aide], rng, exclure=FAMILLE)
    ii, bb = ii[aide], bb[aide]
    cap = np.maximum(capacites(m, ii), M.capacite_aidant[ii][:, None])
    etape = tenter(m, ii, bb, cap, M.etape[ii, bb], p["demarches.bonus_en_ligne"], rng)
    M.t_aide[ii] = t
    heures_famille(m, ii)
    m.contacts.append((ii, 0))
    m.journal.noter(ii, bb, "famille", etape)
    garder_identifiants(m, ii, bb, etape, p["entourage.p_garde_identifiants"], DETENTEUR_ENTOURAGE, rng)
    apres_tentative(m, ii, bb, etape, rng, exclure=FAMILLE)

    # Service payant : capacité non limitée, fait à la place, au tarif déclaré ; peut garder les identifiants.
    s = canal == PAYANT
    ii, bb = i[s], b[s]
    g = GENRES_ACTEURS.index("prestataire_prive")
    cap = np.maximum(capacites(m, ii), p["acteurs.prestataire_prive.capacite"])
    etape = tenter(m, ii, bb, cap, M.etape[ii, bb], p["demarches.bonus_en_ligne"], rng)
    compter_payant(m, ii, bb, etape, rng)
    M.t_aide[ii] = t
    m.contacts.append((ii, 1 + g))
    m.journal.noter(ii, bb, "payant", etape)
    apres_tentative(m, ii, bb, etape, rng, exclure=PAYANT)

    # Guichet : la demande entre dans la file du guichet (sous-modèle guichets : servie cette semaine ou plus tard).
    s = canal == GUICHET
    m.demander_guichet(i[s], b[s])

    # Acteur d'accompagnement : entrée dans une file.
    s = canal == ACTEUR
    envoyer_acteur(m, i[s], b[s], rng)

    demarches_courantes(m, rng)


def demarches_courantes(m: ModeleNonRecours, rng: np.random.Generator) -> None:
    """Démarches courantes de la semaine (impôts, titres, santé) : en ligne seul, ou par un canal d'aide."""
    M, t, p = m.menages, m.t, m.p
    i = np.flatnonzero(M.t_courante == t)  # (N,) : un parcours dense coûte ~1 ms pour 10⁶
    if i.size == 0:
        return
    b = np.full(i.size, COURANTE)
    taux = p["demarches.demarches_courantes_par_an"] / SEMAINES_PAR_AN
    M.t_courante[i] = t + 1 + (rng.exponential(1.0 / taux, i.size).astype(np.int32) if taux > 0 else PLUS_TARD)
    annees = m.calendrier.annee(t) - p["demarches.annee_depart_tendance"]
    pivot = p["demarches.competences_pivot_en_ligne"]
    pref = sigmoide(p["demarches.pente"] * (M.numerique_effectif(i) - pivot) + p["demarches.preference_en_ligne"]
                    + p["demarches.tendance_en_ligne"] * annees)
    en_ligne = (M.equipement[i] > 0) & (rng.random(i.size) < pref)
    # Seul en ligne ; en cas d'échec, abandon en ligne puis repli (autre voie ou renoncement).
    ii = i[en_ligne]
    etape = tenter(m, ii, b[en_ligne], capacites(m, ii), np.zeros(ii.size, np.int8), p["demarches.bonus_en_ligne"],
                   rng)
    M.t_en_ligne[ii] = t
    echec = ii[etape < 5]
    M.t_abandon[echec] = t
    # Sans tentative en ligne ou après échec : entourage, acteur, payant, autre voie (papier) ou renoncement.
    jj = np.concatenate([i[~en_ligne], echec])
    apres_echec = np.concatenate([np.zeros((~en_ligne).sum(), bool), np.ones(echec.size, bool)])
    u = utilites_repli(m, jj, np.full(jj.size, COURANTE), apres_echec.astype(np.int32))
    u[:, EN_LIGNE] = -np.inf
    u[:, GUICHET] = p["demarches.repli_guichet"]  # une autre voie : papier, accueil d'une autre administration
    u[:, REESSAYER] = -np.inf
    choix = choisir(u, rng)
    # Entourage indisponible ou qui fait défaut : un autre choix, sans l'entourage.
    f = np.flatnonzero(choix == FAMILLE)
    aide = solliciter_entourage(m, jj[f], rng)
    non = f[~aide]
    u_non = u[non]
    u_non[:, FAMILLE] = -np.inf
    choix[non] = choisir(u_non, rng)
    f = choix == FAMILLE
    M.t_aide[jj[f]] = t
    heures_famille(m, jj[f])
    a = choix == ACTEUR
    envoyer_acteur(m, jj[a], np.full(int(a.sum()), COURANTE), rng)
    pay = choix == PAYANT
    compter_payant(m, jj[pay])
    M.t_aide[jj[pay]] = t
    r = choix == RENONCER
    M.t_abandon_def[jj[r & apres_echec]] = t
