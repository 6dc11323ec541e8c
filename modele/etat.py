"""État des ménages : une structure de tableaux numpy (comme Starsim/Covasim), codes et catégories fixes.

Les ménages ne sont pas des objets Python : l'attribut `a` d'un ménage `i` est `menages.a[i]` ; l'état d'un
couple (ménage, prestation) est `menages.x[i, b]`. Aucun sous-modèle ne boucle sur les ménages en Python.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# Catégories fixes (les paramètres donnent leurs parts ; les noms servent aux groupes d'indicateurs).
TRANCHES_AGE = ("18-29", "30-44", "45-59", "60-74", "75+")
BORNES_AGE = (18, 30, 45, 60, 75, 200)
TYPES_MENAGE = ("seul", "couple_sans_enfant", "couple_avec_enfants", "monoparental")
DIPLOMES = ("aucun_cep", "cap_bep_brevet", "bac", "superieur")
TERRITOIRES = ("urbain", "qpv", "periurbain", "rural")
EQUIPEMENTS = ("aucun", "smartphone_seul", "ordinateur")
CAPACITES_NUMERIQUES = ("faible", "moyenne", "forte")
ACTIVITES = ("emploi", "chomage", "retraite", "inactif", "invalidite")
EMPLOI, CHOMAGE, RETRAITE, INACTIF, INVALIDITE = range(5)
LOGEMENTS = ("locataire_prive", "locataire_social", "proprietaire", "heberge")
LOCATAIRE_PRIVE, LOCATAIRE_SOCIAL, PROPRIETAIRE, HEBERGE = range(4)
# Événements de vie (modele/evenements.py), dans l'ordre de leurs codes.
EVENEMENTS_VIE = ("retraite", "separation", "mise_en_couple", "naissance", "perte_emploi", "reprise_emploi",
                  "invalidite", "demenagement", "veuvage")
ETAPES = ("compte", "courriel", "formulaire", "pieces", "suivi")
N_ETAPES = len(ETAPES)
ATTRIBUTS_CAPACITE = ("numerique", "litteratie", "francais", "numerisation", "confiance")

# Statut d'un couple (ménage, prestation).
AUCUN, DEMARCHE, ATTENTE, INSTRUCTION, PERCOIT, SUSPENDU = range(6)
STATUTS = ("aucun", "demarche", "attente", "instruction", "percoit", "suspendu")

# Canaux d'une tentative de démarche (et options de repli après un échec).
EN_LIGNE, FAMILLE, GUICHET, ACTEUR, PAYANT, REESSAYER, RENONCER = range(7)
CANAUX = ("en_ligne", "famille", "guichet", "acteur", "payant", "reessayer", "renoncer")

# Issue de la dernière demande d'un couple (ménage, prestation) qui n'a pas abouti (modele/tentatives.decourager).
SANS_ISSUE, ABANDON, REJET, FERMETURE = range(4)
ISSUES_DEMANDE = ("sans_issue", "abandon", "rejet", "fermeture")

# Classes exclusives d'un couple (ménage, prestation) au relevé (`classer`) : la typologie ODENORE.
CLASSES = ("non_eligible", "percoit", "en_cours_normal", "non_connaissance", "non_demande",
           "non_reception_abandon", "non_reception_rejet", "non_reception_rupture", "non_reception_attente")
(C_NON_ELIGIBLE, C_PERCOIT, C_EN_COURS_NORMAL, C_NON_CONNAISSANCE, C_NON_DEMANDE, C_ABANDON, C_REJET, C_RUPTURE,
 C_ATTENTE) = range(len(CLASSES))
CLASSES_NON_RECEPTION = (C_ABANDON, C_REJET, C_RUPTURE, C_ATTENTE)
CLASSES_NON_RECOURS = (C_NON_CONNAISSANCE, C_NON_DEMANDE) + CLASSES_NON_RECEPTION

# Situation d'un ménage pour la vue pédagogique (la prestation la plus « grave » l'emporte).
SITUATIONS = ("non_eligible", "percoit", "non_connaissance", "non_demande", "non_reception", "en_demarche")

JAMAIS = np.int32(-(10**6))  # date « jamais » pour les dates d'événements passés
PLUS_TARD = np.int32(10**6)  # date « pas prévu » pour les événements futurs
# Détenteur des identifiants (Menages.detenteur) hors aidants individuels (index ≥ 0 dans Aidants) : un proche de
# l'entourage, le service payant.
DETENTEUR_ENTOURAGE = -2
DETENTEUR_PAYANT = -3


@dataclass
class Menages:
    """Tous les ménages : attributs (N,) et état par prestation (N, P)."""

    # Attributs (N,)
    age: np.ndarray            # int16, âge de la personne de référence
    identifiant: np.ndarray    # int64, identifiant du ménage (un nouveau ménage en reçoit un nouveau, jamais réutilisé)
    type_menage: np.ndarray    # int8, index dans TYPES_MENAGE (déduit de couple et enfants)
    couple: np.ndarray         # bool, deux adultes
    enfants: np.ndarray        # int8, enfants à charge
    age_conjoint: np.ndarray   # int16, âge du conjoint (-1 : pas de conjoint)
    activite: np.ndarray       # int8, statut d'activité de la personne de référence (index dans ACTIVITES)
    activite_conjoint: np.ndarray  # int8, statut d'activité du conjoint (-1 : pas de conjoint)
    revenus_activite: np.ndarray   # float32, euros par mois (revenus d'activité du ménage)
    pensions: np.ndarray       # float32, euros par mois (retraites, réversion)
    autres_ressources: np.ndarray  # float32, euros par mois (allocations chômage, pension d'invalidité)
    logement: np.ndarray       # int8, statut de logement (index dans LOGEMENTS)
    revenus_conjoint: np.ndarray   # float32, part du conjoint dans revenus_activite (euros par mois)
    pension_conjoint: np.ndarray   # float32, part du conjoint dans pensions
    autres_conjoint: np.ndarray    # float32, part du conjoint dans autres_ressources
    loyer: np.ndarray          # float32, euros par mois (0 : propriétaire ou hébergé)
    quintile: np.ndarray       # int8, 0 = 20 % les plus modestes
    diplome: np.ndarray        # int8, index dans DIPLOMES
    territoire: np.ndarray     # int8, index dans TERRITOIRES
    equipement: np.ndarray     # int8, index dans EQUIPEMENTS
    numerique: np.ndarray      # float32, compétences numériques 0-1
    litteratie: np.ndarray     # float32 0-1
    francais: np.ndarray       # float32 0-1
    confiance: np.ndarray      # float32 0-1
    aidant: np.ndarray         # bool, un proche peut aider
    capacite_aidant: np.ndarray  # float32 0-1
    heures_entourage: np.ndarray  # float32, heures par mois que l'entourage peut donner (0 : pas d'entourage)
    reserve_entourage: np.ndarray  # float32, heures de l'entourage disponibles (reconstituées, plafond : un mois)
    fatigue_entourage: np.ndarray  # float32, sollicitations récentes de l'entourage (décroissance exponentielle)
    autonomie: np.ndarray      # float32, compétence gagnée (ajoutée à numerique)
    habitude: np.ndarray       # float32 0-1, habitude d'être aidé « à la place » (« on les a mal habitués »)
    referent: np.ndarray       # int32, aidant individuel qui suit le ménage (index dans Aidants, -1 : aucun)
    # Historique par ménage (N,), pour les fenêtres de 12 mois
    t_en_ligne: np.ndarray     # int32, dernière démarche tentée seul en ligne
    t_abandon: np.ndarray      # int32, dernier abandon d'une démarche en ligne
    t_abandon_def: np.ndarray  # int32, dernier renoncement pour de bon
    t_aide: np.ndarray         # int32, dernière aide demandée (tout canal d'aide)
    t_courante: np.ndarray     # int32, prochaine démarche courante (impôts, titres…)
    t_evenement: np.ndarray    # int32, date du dernier événement de vie
    dernier_evenement: np.ndarray  # int8, code du dernier événement de vie (index dans EVENEMENTS_VIE, -1 : aucun)
    # État par prestation (N, P)
    eligible: np.ndarray       # bool
    montant_du: np.ndarray     # float32, euros par mois dus au ménage pour la prestation (0 : non éligible)
    connait: np.ndarray        # bool
    statut: np.ndarray         # int8, AUCUN…SUSPENDU
    etape: np.ndarray          # int8, étapes déjà franchies (0-5)
    canal: np.ndarray          # int8, canal de la prochaine tentative
    tentatives: np.ndarray     # int8
    t_prochain: np.ndarray     # int32, date du prochain événement de la démarche / instruction / suspension
    t_decision: np.ndarray     # int32, prochaine (re)considération de la demande
    t_renouvellement: np.ndarray  # int32, prochaine déclaration périodique
    t_debut_eligibilite: np.ndarray  # int32
    t_non_proposition: np.ndarray  # int32, dernier contact avec un agent apte à détecter le droit, sans proposition
    t_demande: np.ndarray      # int32, date d'engagement de la dernière demande (décision de demander)
    issue_demande: np.ndarray  # int8, issue de la dernière demande non aboutie (index dans ISSUES_DEMANDE)
    t_issue_demande: np.ndarray  # int32, date de cette issue (abandon, rejet, fermeture du droit)
    perception: np.ndarray     # float32, réussite perçue d'une demande
    detenteur: np.ndarray      # int32, aidant individuel qui garde les identifiants (index dans Aidants), -1 : aucun,
    #                            DETENTEUR_ENTOURAGE : un proche, DETENTEUR_PAYANT : le service payant
    trimestres_nr: np.ndarray  # int8, relevés trimestriels consécutifs en non-recours
    trimestres_el: np.ndarray  # int8, relevés trimestriels consécutifs éligible
    a_demande: np.ndarray      # bool, a déposé ou engagé une demande depuis son entrée dans l'éligibilité

    #: Bornes des bandes de capacité (2,) : population.seuils_capacite_numerique, posées par creer_menages.
    seuils_capacite = None

    @property
    def n(self) -> int:
        """Nombre de ménages."""
        return self.age.shape[0]

    @property
    def n_prestations(self) -> int:
        """Nombre de prestations."""
        return self.eligible.shape[1]

    def tranche_age(self) -> np.ndarray:
        """Index de tranche d'âge (N,)."""
        return (np.searchsorted(np.asarray(BORNES_AGE[1:-1]), self.age, side="right")).astype(np.int8)

    def numerique_effectif(self, i: np.ndarray | None = None) -> np.ndarray:
        """Compétences numériques utilisables : compétences + autonomie acquise, bornées à 1 (ménages `i`, ou tous)."""
        if i is None:
            return np.minimum(self.numerique + self.autonomie, np.float32(1.0))
        return np.minimum(self.numerique[i] + self.autonomie[i], np.float32(1.0))

    def capacite_numerique(self) -> np.ndarray:
        """Bande de capacité numérique (0 faible, 1 moyenne, 2 forte) : compétences effectives × équipement."""
        eff = self.numerique_effectif() * (self.equipement > 0)
        return np.searchsorted(self.seuils_capacite, eff, side="right").astype(np.int8)

    def personnes(self) -> np.ndarray:
        """Personnes du ménage (N,) : adultes et enfants."""
        return 1 + self.couple.astype(np.int16) + self.enfants

    def memoire_octets(self) -> int:
        """Mémoire occupée par les tableaux."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def non_percu(self) -> np.ndarray:
        """Masque (N, P) : éligible et ne perçoit pas (demandes en cours comprises : convention des taux publiés)."""
        return self.eligible & (self.statut != PERCOIT)

    def classes(self, t: int, delai_normal: int, fenetre: int) -> np.ndarray:
        """Classe exclusive (N, P) de chaque couple (ménage, prestation), index dans CLASSES (voir `classer`)."""
        return classer(self.eligible, self.statut, self.connait, self.a_demande, self.issue_demande,
                       self.t_demande, self.t_issue_demande, t, delai_normal, fenetre)

    def non_recours(self, t: int, delai_normal: int, fenetre: int) -> np.ndarray:
        """Masque (N, P) du non-recours (les trois causes ; sans les demandes dans leur délai normal)."""
        return np.isin(self.classes(t, delai_normal, fenetre), CLASSES_NON_RECOURS)

    def types_non_recours(self, t: int, delai_normal: int, fenetre: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Partition du non-recours en (non-connaissance, non-demande, non-réception), masques (N, P)."""
        c = self.classes(t, delai_normal, fenetre)
        return c == C_NON_CONNAISSANCE, c == C_NON_DEMANDE, np.isin(c, CLASSES_NON_RECEPTION)

    def situation(self, t: int, delai_normal: int, fenetre: int) -> np.ndarray:
        """Situation de chaque ménage pour la vue (index dans SITUATIONS) : la pire de ses prestations."""
        c = self.classes(t, delai_normal, fenetre)
        s = np.zeros(self.n, dtype=np.int8)
        s[(c == C_PERCOIT).any(axis=1)] = 1
        s[(c == C_EN_COURS_NORMAL).any(axis=1)] = 5
        s[np.isin(c, CLASSES_NON_RECEPTION).any(axis=1)] = 4
        s[(c == C_NON_DEMANDE).any(axis=1)] = 3
        s[(c == C_NON_CONNAISSANCE).any(axis=1)] = 2
        return s


def classer(eligible, statut, connait, a_demande, issue, t_demande, t_issue, t: int, delai_normal: int,
            fenetre: int) -> np.ndarray:
    """Classe exclusive de chaque couple (ménage, prestation), index dans CLASSES (tableaux de même forme).

    Typologie ODENORE (Warin) : parmi les éligibles qui ne perçoivent pas,
    - non-connaissance : ne connaît pas son droit ;
    - demande en cours (démarche, attente d'une aide ou d'un guichet, instruction) engagée depuis au plus
      `delai_normal` semaines : `en_cours_normal`, PAS du non-recours ; au-delà : non-réception « attente » ;
    - droit suspendu après une déclaration manquée : non-réception « rupture » ;
    - aucune demande en cours : non-réception si la dernière demande de cette période d'éligibilité s'est
      terminée sans droit (abandon, rejet, fermeture après une déclaration manquée → « rupture ») depuis au plus
      `fenetre` semaines ; sinon non-demande (n'a pas demandé, ou pas dans la fenêtre).
    """
    en_cours = (statut == DEMARCHE) | (statut == ATTENTE) | (statut == INSTRUCTION)
    recent = a_demande & (issue != SANS_ISSUE) & (t_issue > t - fenetre)
    sans_demande = np.where(recent, np.choose(np.clip(issue, 1, 3) - 1, [C_ABANDON, C_REJET, C_RUPTURE]),
                            C_NON_DEMANDE)
    connu = np.where(statut == SUSPENDU, C_RUPTURE,
                     np.where(en_cours, np.where(t_demande >= t - delai_normal, C_EN_COURS_NORMAL, C_ATTENTE),
                              sans_demande))
    c = np.where(statut == PERCOIT, C_PERCOIT, np.where(connait, connu, C_NON_CONNAISSANCE))
    return np.where(eligible, c, C_NON_ELIGIBLE).astype(np.int8)
