"""Tentatives : la mécanique partagée d'une démarche, utilisée par `demarches`, `accompagnement`, `guichets`,
`instruction` et `renouvellements`.

Capacités d'un ménage par étape et difficultés des étapes ; tentative des étapes restantes (chaque étape réussit
avec p = sigmoïde(pente × (capacité − difficulté) + bonus), arrêt à la première manquée) ; dépôt d'un dossier
complet ; utilités et choix du repli après un échec (logit multinomial) ; renoncement et découragement ; envoi
d'une demande dans la file d'un acteur d'accompagnement ; temps limité et échecs de l'entourage, tarif du service
payant ; comptes du travail de l'entourage et du service payant (heures, euros, identifiants gardés).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE
from modele.etat import (
    ABANDON,
    ACTEUR,
    ATTENTE,
    AUCUN,
    DEMARCHE,
    DETENTEUR_ENTOURAGE,
    DETENTEUR_PAYANT,
    EN_LIGNE,
    FAMILLE,
    GUICHET,
    INSTRUCTION,
    PAYANT,
    PERCOIT,
    PLUS_TARD,
    REESSAYER,
    RENONCER,
    TERRITOIRES,
)
from modele.population import unites_consommation
from modele.prestations import GENRES_ACTEURS, GENRES_AIDE

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

COURANTE = -1  # « prestation » d'une démarche courante (pas de droit en jeu)


def sigmoide(x):
    """Fonction logistique."""
    return 1.0 / (1.0 + np.exp(-x))


def capacites(m: ModeleNonRecours, i: np.ndarray) -> np.ndarray:
    """Capacité propre des ménages `i` pour chaque étape, (n, 5) : poids × (numérique, littératie, français,
    numérisation, confiance). Sans équipement, les compétences numériques ne servent pas ; avec un smartphone
    seul, elles servent à `facteur_smartphone`.
    """
    M = m.menages
    if i.size == 0:
        return np.zeros((0, 5), np.float32)
    d = derives_parametres(m)
    eq = M.equipement[i]
    num = M.numerique_effectif(i)
    num = num * d["facteur_equipement"][eq] * d["equipe"][eq]
    scan = d["numerisation"][eq]
    x = np.stack([num, M.litteratie[i], M.francais[i], scan, M.confiance[i]], axis=1)
    return (x @ d["poids_capacite_t"]).astype(np.float32)


def derives_parametres(m: ModeleNonRecours) -> dict[str, np.ndarray]:
    """Tableaux qui ne dépendent que des paramètres (`m.p`), calculés une fois par jeu de paramètres (un autre
    `m.p` : recalculés) : par niveau d'équipement, facteur des compétences numériques (`facteur_smartphone` pour
    un smartphone seul), équipé ou non et capacité de numérisation ; poids des capacités (transposés) ; coût de la
    distance par territoire."""
    cache = getattr(m, "_derives_parametres", None)
    if cache is not None and cache[0] is m.p:
        return cache[1]
    p = m.p
    scan = np.asarray(p["demarches.equipement_numerisation"], dtype=np.float32)
    niveaux = np.arange(scan.size)
    d = {"facteur_equipement": np.where(niveaux == 1, p["demarches.facteur_smartphone"], 1.0),
         "equipe": niveaux > 0,
         "numerisation": scan,
         "poids_capacite_t": np.asarray(p["demarches.poids_capacite"], dtype=np.float32).T,
         "cout_distance": np.asarray(p["decision.cout_distance"])}
    m._derives_parametres = (p, d)  # garder `p` : son identité reste unique tant que le cache vit
    return d


def tables_repli(m: ModeleNonRecours) -> tuple[np.ndarray, np.ndarray]:
    """Utilités du guichet par (prestation, territoire) — dernière ligne : démarche courante, sans guichet — et de
    l'acteur d'accompagnement par territoire (-inf si indisponible) ; elles ne dépendent que des paramètres, du
    catalogue, de l'ouverture des guichets et de l'offre des acteurs : recalculées quand l'un d'eux change."""
    acces, off = m.table_acces_guichet(), m.offre_acteurs()
    cle = (m.p, acces, off)
    cache = getattr(m, "_tables_repli", None)
    if cache is not None and all(a is b for a, b in zip(cache[0], cle)):
        return cache[1]
    p = m.p
    cout = derives_parametres(m)["cout_distance"]
    z = np.arange(len(TERRITOIRES))
    guichet = np.where(acces > 0, p["demarches.repli_guichet"] + np.log(np.maximum(acces, 1e-9))
                       - cout[z][None, :], -np.inf)
    offre = off[:, z].sum(axis=0) > 0
    densite = np.maximum(m.densite_acteurs(), 1e-9)[z] / p["demarches.offre_acteurs_reference"]
    acteur = np.where(offre, p["demarches.repli_acteur"] + p["demarches.elasticite_offre_acteurs"]
                      * np.log(densite) - p["demarches.part_cout_distance_acteur"] * cout[z], -np.inf)
    m._tables_repli = (cle, (guichet, acteur))
    return guichet, acteur


def difficultes(m: ModeleNonRecours, b: np.ndarray) -> np.ndarray:
    """Difficulté des étapes (n, 5) pour les prestations `b` (COURANTE : démarche courante)."""
    cle = (id(m.catalogue), id(m.p))
    cache = getattr(m, "_difficultes", None)
    if cache is None or cache[0] != cle:  # table recalculée quand le catalogue ou les paramètres changent
        tab = np.vstack([m.catalogue.difficulte, np.asarray(m.p["demarches.difficulte_courante"], np.float32)])
        cache = m._difficultes = (cle, tab, m.catalogue, m.p)  # garder les objets : leurs id restent uniques
    tab = cache[1]
    return tab[np.where(b < 0, tab.shape[0] - 1, b)]


def tenter(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, cap: np.ndarray, etape0: np.ndarray,
           bonus: float, rng: np.random.Generator) -> np.ndarray:
    """Tente les étapes restantes ; rend l'étape atteinte (5 = dossier complet déposé)."""
    if i.size == 0:
        return np.zeros(0, np.int8)
    p = sigmoide(m.p["demarches.pente"] * (cap - difficultes(m, b)) + bonus)
    ok = rng.random(p.shape) < p
    ok |= np.arange(5)[None, :] < etape0[:, None]
    return np.where(ok.all(axis=1), 5, np.argmin(ok, axis=1)).astype(np.int8)


def deposer(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> None:
    """Dossier complet : passe en instruction, décision à t + délai (loi géométrique de moyenne `delai`)."""
    if i.size == 0:
        return
    M, t = m.menages, m.t
    M.statut[i, b] = INSTRUCTION
    M.etape[i, b] = 5
    delai = np.maximum(m.catalogue.delai[b], 1.0)
    M.t_prochain[i, b] = t + rng.geometric(1.0 / delai)


def utilites_repli(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, tentatives: np.ndarray) -> np.ndarray:
    """Utilités (n, 7) des options indexées comme CANAUX ; -inf pour une option indisponible."""
    p, M = m.p, m.menages
    n = i.size
    u = np.full((n, 7), -np.inf)
    z = M.territoire[i]
    # Entourage : seulement s'il existe et qu'il lui reste le temps d'une démarche ce mois-ci.
    u[:, FAMILLE] = np.where(entourage_disponible(m, i), p["demarches.repli_famille"], -np.inf)
    # Guichet : accès (dépôt permis × ouverture, `m.acces_guichet`) moins le coût de la distance ; acteur :
    # l'offre locale d'accompagnement gratuit attire la demande (comme l'ouverture des guichets). Tables par
    # (prestation, territoire) et par territoire (`tables_repli`).
    guichet, acteur = tables_repli(m)
    u[:, GUICHET] = guichet[np.where(b < 0, guichet.shape[0] - 1, b), z]
    u[:, ACTEUR] = acteur[z]
    # Service payant : le tarif pèse d'autant plus que les ressources du ménage sont faibles.
    u[:, PAYANT] = p["demarches.repli_payant"] - p["demarches.sensibilite_tarif_payant"] * part_tarif_payant(m, i)
    u[:, REESSAYER] = np.where(M.equipement[i] > 0, p["demarches.repli_reessayer"], -np.inf)
    u[:, RENONCER] = p["demarches.repli_renoncer"] + p["demarches.renoncement_par_echec"] * tentatives
    return u


def choisir(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Choix d'un logit multinomial (astuce de Gumbel) ; rend l'index de l'option choisie."""
    return np.argmax(u + rng.gumbel(size=u.shape), axis=1)


def canal_initial(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Canal de la première tentative : seul en ligne (préférence croissante avec les compétences et le temps),
    sinon le meilleur canal d'aide du repli (sans réessayer ni renoncer).
    """
    p, M = m.p, m.menages
    annees = m.calendrier.annee(m.t) - p["demarches.annee_depart_tendance"]
    pivot = p["demarches.competences_pivot_en_ligne"]
    pref = sigmoide(p["demarches.pente"] * (M.numerique_effectif(i) - pivot) + p["demarches.preference_en_ligne"]
                    + p["demarches.tendance_en_ligne"] * annees)
    en_ligne = (M.equipement[i] > 0) & (rng.random(i.size) < pref)
    u = utilites_repli(m, i, b, np.zeros(i.size))
    u[:, [EN_LIGNE, REESSAYER, RENONCER]] = -np.inf
    autre = choisir(u, rng)
    return np.where(en_ligne, EN_LIGNE, autre).astype(np.int8)


def decourager(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator, issue: int,
               garder_etape: bool = False) -> None:
    """La demande (ou le droit) s'arrête sur un échec : statut AUCUN, issue datée (`ISSUES_DEMANDE` : abandon,
    rejet, fermeture), réussite perçue réduite de `perte_perception_echec`, reconsidération après un délai
    géométrique de moyenne `reconsideration`. Sert au renoncement (les étapes franchies restent acquises), au rejet
    et à la fermeture d'un droit."""
    if np.size(i) == 0:
        return
    M, p, t = m.menages, m.p, m.t
    M.statut[i, b] = AUCUN
    M.issue_demande[i, b] = issue
    M.t_issue_demande[i, b] = t
    if not garder_etape:
        M.etape[i, b] = 0
    M.tentatives[i, b] = 0
    M.t_prochain[i, b] = PLUS_TARD
    M.perception[i, b] *= np.float32(1.0 - p["decision.perte_perception_echec"])
    M.t_decision[i, b] = t + rng.geometric(1.0 / p["decision.reconsideration"], size=i.size)


def renoncer(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> None:
    """Abandon pour de bon : la demande s'arrête, le découragement monte, reconsidération bien plus tard."""
    if i.size == 0:
        return
    decourager(m, i, b, rng, ABANDON, garder_etape=True)
    m.menages.t_abandon_def[i] = m.t
    m.journal.noter(i, b, "renonce", "renonce à sa demande")


def repli(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator,
          exclure: int | None = None) -> None:
    """Après un échec : choisir entourage, guichet, acteur, payant, réessayer plus tard ou renoncer."""
    if i.size == 0:
        return
    M, p, t = m.menages, m.p, m.t
    tent = M.tentatives[i, b].astype(np.int32)
    u = utilites_repli(m, i, b, tent)
    u[:, EN_LIGNE] = -np.inf
    if exclure is not None:
        u[:, exclure] = -np.inf
    choix = choisir(u, rng)
    choix = np.where(tent >= p["demarches.tentatives_max"], RENONCER, choix)
    r = choix == RENONCER
    renoncer(m, i[r], b[r], rng)
    k = ~r
    i, b, choix = i[k], b[k], choix[k]
    M.statut[i, b] = DEMARCHE
    M.canal[i, b] = np.where(choix == REESSAYER, EN_LIGNE, choix)
    attente = np.where(choix == REESSAYER, rng.geometric(1.0 / p["demarches.delai_nouvel_essai"], size=i.size), 1)
    M.t_prochain[i, b] = t + attente
    m.journal.noter(i, b, "repli", choix)


def apres_tentative(m, i, b, etape, rng, exclure=None):
    """Dépose les dossiers complets ; replie les autres (tentative comptée)."""
    if i.size == 0:
        return
    M = m.menages
    fini = etape >= 5
    deposer(m, i[fini], b[fini], rng)
    m.journal.noter(i[fini], b[fini], "depot", "dossier complet déposé")
    e = ~fini
    M.etape[i[e], b[e]] = etape[e]
    M.tentatives[i[e], b[e]] += 1
    repli(m, i[e], b[e], rng, exclure)


def mandat_payant(p) -> dict:
    """Mandat et financement déclarés du service payant (il fait toujours à la place)."""
    return {"hors_mandat": not p["acteurs.prestataire_prive.mandat_faire_a_la_place"],
            "finance": bool(p["acteurs.prestataire_prive.finance"])}


def charge_attendue(p) -> float:
    """Heures attendues d'une demande d'accompagnement : part « à la place » attendue × durée « à la place » + le
    reste × durée « avec » (`accompagnement.part_place_charge_attendue`)."""
    q = p["accompagnement.part_place_charge_attendue"]
    return q * p["accompagnement.heures_faire_a_la_place"] + (1.0 - q) * p["accompagnement.heures_faire_avec"]


def entourage_disponible(m: ModeleNonRecours, i: np.ndarray) -> np.ndarray:
    """Masque : les ménages `i` ont un entourage à qui il reste le temps d'une démarche (`demarches.heures_famille`)
    sur sa réserve du mois (`Menages.reserve_entourage`)."""
    M = m.menages
    return M.aidant[i] & (M.reserve_entourage[i] >= np.float32(m.p["demarches.heures_famille"]))


def reconstituer_entourage(m: ModeleNonRecours) -> None:
    """Début de semaine : la réserve de chaque entourage gagne une semaine de son temps (heures par mois / 52 × 12),
    plafonnée à un mois ; les sollicitations récentes s'oublient (× exp(−1 / `entourage.memoire_fatigue`)). Compte
    des heures de l'entourage par territoire : offertes (la semaine de temps) = servies + inutilisées (au-delà du
    plafond) + reportées (variation de la réserve ; les heures servies la retirent, `heures_famille`)."""
    M, c = m.menages, m.compteurs
    g = GENRES_AIDE.index("famille")
    hebdo = M.heures_entourage / np.float32(SEMAINES_PAR_MOIS_RELEVE)
    nouvelle = np.minimum(M.reserve_entourage + hebdo, M.heures_entourage)
    gain = nouvelle - M.reserve_entourage
    M.reserve_entourage[:] = nouvelle
    z = M.territoire
    offertes = np.bincount(z, weights=hebdo, minlength=c.offertes.shape[1])
    reportees = np.bincount(z, weights=gain, minlength=c.offertes.shape[1])
    c.offertes[g] += offertes
    c.reportees[g] += reportees
    c.inutilisees[g] += offertes - reportees
    M.fatigue_entourage *= np.float32(np.exp(-1.0 / m.p["entourage.memoire_fatigue"]))


def solliciter_entourage(m: ModeleNonRecours, i: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Les ménages `i` demandent à leur entourage (une demande comptée chacun, une sollicitation de plus) ; rend le
    masque de ceux qui sont aidés : entourage disponible (`entourage_disponible`) et pas d'échec, de probabilité
    `entourage.p_echec` + `entourage.coef_fatigue` × sollicitations récentes (avant celle-ci), bornée à [0, 1]. Une
    demande non aidée est comptée en heures attendues non servies (`demarches.heures_famille`)."""
    M, p = m.menages, m.p
    g = GENRES_AIDE.index("famille")
    p_echec = np.clip(p["entourage.p_echec"] + p["entourage.coef_fatigue"] * M.fatigue_entourage[i], 0.0, 1.0)
    aide = entourage_disponible(m, i) & (rng.random(i.size) >= p_echec)
    M.fatigue_entourage[i] += np.float32(1.0)
    m.compteurs.demandes_aide[g] += i.size
    non = np.bincount(M.territoire[i[~aide]], minlength=m.compteurs.non_servie.shape[1])
    m.compteurs.non_servie[g] += non * p["demarches.heures_famille"]
    return aide


def heures_famille(m: ModeleNonRecours, i: np.ndarray) -> None:
    """Compte le travail fait par l'entourage des ménages `i` (un épisode chacun, « à la place », non financé), par
    territoire, et le retire de la réserve de chaque entourage (la demande est comptée par `solliciter_entourage`)."""
    prendre_temps_entourage(m, i, m.p["demarches.heures_famille"])
    m.compteurs.episodes[GENRES_AIDE.index("famille")] += i.size


def prendre_temps_entourage(m: ModeleNonRecours, i: np.ndarray, h: float) -> None:
    """`h` heures de l'entourage de chacun des ménages `i` (« à la place », non financées) : comptées servies par
    territoire et retirées de la réserve de l'entourage (bornée à 0 ; compte des heures : le report baisse d'autant)."""
    g = GENRES_AIDE.index("famille")
    M = m.menages
    m.compteurs.ajouter_heures(g, h, "place", hors_mandat=False, finance=False, territoires_menages=M.territoire[i])
    M.reserve_entourage[i] = np.maximum(M.reserve_entourage[i] - np.float32(h), np.float32(0.0))
    m.compteurs.reportees[g] -= np.bincount(M.territoire[i], minlength=m.compteurs.reportees.shape[1]) * h


def garder_identifiants(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, etape: np.ndarray, p_garde: float,
                        detenteur: np.ndarray | int, rng: np.random.Generator) -> None:
    """Après une demande de prestation faite à la place du ménage par l'entourage ou le service payant : si le
    dossier est déposé, l'aidant garde les identifiants avec `p_garde` (`detenteur` : DETENTEUR_ENTOURAGE ou
    DETENTEUR_PAYANT)."""
    pres = b >= 0
    i, b, etape = i[pres], b[pres], etape[pres]
    detenteur = np.broadcast_to(np.asarray(detenteur), pres.shape)[pres]
    garde = (etape >= 5) & (rng.random(i.size) < p_garde)
    m.menages.detenteur[i[garde], b[garde]] = detenteur[garde]
    m.journal.noter(i[garde], b[garde], "identifiants", np.where(detenteur[garde] == DETENTEUR_ENTOURAGE,
                                                                  "famille", "prestataire_prive"))


def part_tarif_payant(m: ModeleNonRecours, i: np.ndarray) -> np.ndarray:
    """Part du tarif du service payant (`demarches.tarif_payant`, euros par démarche) dans les ressources des
    ménages `i` : tarif / (ressources mensuelles par unité de consommation + tarif), dans [0, 1] (1 sans
    ressources). Ressources : revenus d'activité, pensions, autres ressources et prestations perçues."""
    M, p = m.menages, m.p
    tarif = float(p["demarches.tarif_payant"])
    prest = (M.montant_du[i] * (M.statut[i] == PERCOIT)).sum(axis=1)
    uc = unites_consommation(p, M.couple[i], M.enfants[i])
    ressources = (M.revenus_activite[i] + M.pensions[i] + M.autres_ressources[i] + prest) / uc
    return tarif / np.maximum(ressources + tarif, 1e-9)


def compter_payant(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray | None = None, etape: np.ndarray | None = None,
                   rng: np.random.Generator | None = None) -> None:
    """Compte le service payant fait pour les ménages `i` (une demande et un épisode « à la place » chacun), par
    territoire, et son prix (`demarches.tarif_payant` par démarche, `montant_depense_payant`) ; capacité non
    limitée. Pour une demande de prestation (`b`, `etape` atteinte), le service garde les identifiants avec
    `demarches.p_garde_identifiants_payant` (sauf habilitation Aidants Connect)."""
    g = 1 + GENRES_ACTEURS.index("prestataire_prive")
    M, p = m.menages, m.p
    z = M.territoire[i]
    m.compteurs.ajouter_heures(g, p["accompagnement.heures_faire_a_la_place"], "place", **mandat_payant(p),
                               territoires_menages=z)
    m.compteurs.episodes[g] += i.size
    m.compteurs.demandes_aide[g] += i.size
    n_z = m.compteurs.euros_payant.size
    m.compteurs.euros_payant += np.bincount(z, minlength=n_z) * float(p["demarches.tarif_payant"])
    if b is not None and not p["acteurs.prestataire_prive.aidants_connect"]:
        garder_identifiants(m, i, b, etape, p["demarches.p_garde_identifiants_payant"], DETENTEUR_PAYANT, rng)


def choisir_acteur(m: ModeleNonRecours, i: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Genre d'acteur sollicité (hors payant) : logit sur attrait + poids × ln(heures offertes) − poids de l'attente ×
    attente annoncée, parmi ceux présents dans le territoire (poids 1 : à attrait égal et sans file, chaque heure
    offerte a la même chance d'être sollicitée ; une file longue détourne vers les autres acteurs)."""
    offre = m.offre_acteurs()  # (genres, territoires) heures
    z = m.menages.territoire[i]
    attrait = np.array([m.p[f"acteurs.{g}.attrait"] for g in GENRES_ACTEURS])
    poids = m.p["demarches.poids_offre_choix_acteur"]
    # Attente annoncée (semaines) : demandes en file × durée d'un accompagnement / heures de la semaine.
    attente = m.files_acteurs() * m.p["accompagnement.heures_faire_avec"] / np.maximum(offre, 1e-9)
    u = np.where(offre[:, z].T > 0, attrait[None, :] + np.log(np.maximum(offre[:, z].T, 1e-9)) * poids
                 - m.p["demarches.poids_attente_acteur"] * attente[:, z].T, -np.inf)
    u[:, GENRES_ACTEURS.index("prestataire_prive")] = -np.inf
    return choisir(u, rng)


def envoyer_acteur(m: ModeleNonRecours, i: np.ndarray, b: np.ndarray, rng: np.random.Generator,
                   genres: np.ndarray | None = None) -> None:
    """Met des demandes dans la file commune, pour la structure choisie (genre, territoire du ménage)."""
    if i.size == 0:
        return
    M, t = m.menages, m.t
    if genres is None:
        genres = choisir_acteur(m, i, rng)
    pres = b >= 0
    M.statut[i[pres], b[pres]] = ATTENTE
    M.t_aide[i] = t
    patience = rng.exponential(m.p["accompagnement.patience"], size=i.size).astype(np.int32)
    urgent = np.where(b >= 0, m.catalogue.urgente[np.maximum(b, 0)], False)
    m.file_aide.ajouter(i, b, t, t + patience, urgent, genres * len(TERRITOIRES) + M.territoire[i])
    np.add.at(m.compteurs.demandes_aide, 1 + genres, 1)
    m.journal.noter(i, b, "file", genres)
