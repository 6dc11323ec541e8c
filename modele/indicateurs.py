"""Indicateurs : relevé mensuel en format long (date × indicateur × prestation × groupe).

Chaque indicateur est une fonction dont la docstring est la définition. Grammaire des noms : `taux_` (part),
`n_` (effectif), `heures_` (heures d'aide dans le mois), `montant_` (euros par mois), `duree_` (semaines),
`file_`/`attente_`/`capacite_`/`demande_`. Les effectifs sont ceux de la population simulée : `comparer`
les met à l'échelle d'une population réelle. Groupes : `ensemble`, `age=…`, `capacite_numerique=…`,
`territoire=…` pour les ménages (et `percoit_autre=oui|non` pour `taux_non_recours_selon_autre`,
`montant_du=…` pour `taux_non_recours_selon_montant`, `percoit=<prestation>` pour `taux_non_recours_selon_percue`) ;
`evenement=…` pour `n_evenements_vie` ; `acteur=…` pour l'aide ; `operateur=…` pour les guichets (et
`guichet=<organisme>:<territoire>` pour `file_attente_guichet` et `attente_guichet`).

Flux et états : un indicateur de `INDICATEURS_FLUX` somme des événements sur les pas (semaines) du mois ; il est
publié comme la moyenne hebdomadaire du mois × 52/12 (`flux_mensuel`), pour ne pas dépendre du nombre de lundis du
mois (4 ou 5). Un indicateur de `INDICATEURS_ETAT` (stock à la date, part, moyenne par événement ou par semaine) ne
dépend pas du nombre de pas. `semaines_releve` donne les pas comptés ; le dernier mois, s'il a moins de pas que de
lundis, est signalé par `mois_incomplets` (et retiré des figures par `sans_mois_incomplets`). Les totaux annuels et
« 12 derniers mois » (`total_flux`, `totaux_flux`) couvrent exactement 52 semaines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from modele.calendrier import SEMAINES_PAR_AN_RELEVE, SEMAINES_PAR_MOIS_RELEVE, lundis_du_mois
from modele.etat import (
    C_ABANDON,
    C_ATTENTE,
    C_EN_COURS_NORMAL,
    C_NON_CONNAISSANCE,
    C_NON_DEMANDE,
    C_PERCOIT,
    C_REJET,
    C_RUPTURE,
    CAPACITES_NUMERIQUES,
    CLASSES,
    CLASSES_NON_RECEPTION,
    CLASSES_NON_RECOURS,
    DETENTEUR_ENTOURAGE,
    DETENTEUR_PAYANT,
    EVENEMENTS_VIE,
    PERCOIT,
    TERRITOIRES,
    TRANCHES_AGE,
    Menages,
    classer,
)
from modele.prestations import GENRES_AIDE, ORGANISMES
from modele.tentatives import charge_attendue

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

#: Indicateurs signés (ni taux ni volume positif) : la variation du report d'heures peut être négative (dette).
INDICATEURS_SIGNES = frozenset({"heures_reportees"})
POSTES_HEURES = ("total", "place", "avec", "orienter", "hors_mandat", "tacite", "a_cote", "refuser")
#: Colonne de POSTES_HEURES de chaque posture de modele/accompagnement.py (orienter, place, avec, à côté, refuser).
COLONNE_POSTURE = np.array([3, 1, 2, 6, 7])
FENETRE_12_MOIS = 52
TRIMESTRES_MAX = 100  # saturation des compteurs de trimestres consécutifs (int8)

# --- Flux et états (tout indicateur produit est dans l'un des deux ; tests/test_flux.py) -------------------------
# Flux : sommes sur les pas du mois, publiées en moyenne hebdomadaire × 52/12 (`flux_mensuel`).
INDICATEURS_FLUX = frozenset({
    "heures_accompagnement", "heures_faire_a_la_place", "heures_faire_avec", "heures_orienter",
    "heures_hors_mandat", "heures_transfert_tacite", "heures_offertes", "heures_servies", "heures_inutilisees",
    "heures_reportees", "heures_demande_non_servie", "n_episodes_aide", "n_demandes_aide", "n_abandons_file",
    "n_ruptures", "n_indus", "n_declarations_aidant", "n_evenements_vie", "demande_guichets", "n_refus_guichet",
    "n_servis_guichet", "n_retraits_file_guichet", "n_demarches_aidants_connect", "heures_faire_a_cote",
    "heures_refus", "n_rendez_vous_aide", "n_refus_aidant", "n_departs_aidants", "n_arrivees_aidants",
    "n_identifiants_orphelins",
    "n_adresses_circonstance", "montant_depense_payant",
})
# États : stocks à la date du relevé, parts, moyennes par événement (`attente_moyenne`, `duree_acces_droit`) ou par
# semaine (`capacite_guichets`), montants mensuels dus ; `semaines_releve` décrit le relevé (pas comptés).
INDICATEURS_ETAT = frozenset({
    "n_eligibles", "n_beneficiaires", "taux_non_recours", "taux_non_connaissance", "taux_non_demande",
    "taux_non_reception", "taux_non_reception_abandon", "taux_non_reception_rejet", "taux_non_reception_rupture",
    "taux_non_reception_attente", "taux_en_cours_normal", "taux_non_percu", "taux_non_proposition",
    "montant_non_verse", "taux_non_recours_selon_autre", "n_eligibles_selon_montant",
    "taux_non_recours_selon_montant", "taux_non_recours_selon_percue", "taux_non_recours_persistant",
    "duree_acces_droit", "taux_demarche_en_ligne", "taux_abandon_en_ligne", "taux_abandon_definitif",
    "taux_aide_sans_demarche_en_ligne", "attente_moyenne", "file_attente", "file_attente_heures",
    "n_identifiants_detenus", "capacite_guichets", "semaines_releve", "file_attente_guichet", "attente_guichet",
    "n_personnes_accompagnees", "n_aidants", "n_postes_vacants", "tension_moyenne_aidants", "tension_quantile_aidants",
    "heures_hors_mandat_quantile_aidants", "taux_aidants_hors_mandat_eleve", "identifiants_par_aidant",
})


def flux_mensuel(somme, semaines):
    """Flux mensuel publié : somme des pas du mois / nombre de pas × 52/12 (moyenne hebdomadaire × 52/12)."""
    return np.asarray(somme, dtype=float) / max(int(semaines), 1) * SEMAINES_PAR_MOIS_RELEVE


def somme_des_pas(valeur, semaines):
    """Inverse de `flux_mensuel` : la somme sur les pas du mois d'un flux publié (`valeur`), connaissant ses pas
    (`semaines`, `semaines_releve`) ; tableaux de même forme ou diffusables."""
    return np.asarray(valeur, dtype=float) / SEMAINES_PAR_MOIS_RELEVE * np.asarray(semaines, dtype=float)


@dataclass
class Compteurs:
    """Flux du mois en cours (remis à zéro à chaque relevé)."""

    n_p: int
    heures: np.ndarray = field(init=False)
    servies: np.ndarray = field(init=False)
    offertes: np.ndarray = field(init=False)
    inutilisees: np.ndarray = field(init=False)
    reportees: np.ndarray = field(init=False)
    non_servie: np.ndarray = field(init=False)
    episodes: np.ndarray = field(init=False)
    attente: np.ndarray = field(init=False)
    abandons_file: np.ndarray = field(init=False)
    demandes_aide: np.ndarray = field(init=False)
    guichet_capacite: np.ndarray = field(init=False)
    guichet_demande: np.ndarray = field(init=False)
    guichet_servis: np.ndarray = field(init=False)
    guichet_abandons: np.ndarray = field(init=False)      # (O,) sorties de file sans service (patience, fermeture)
    guichet_retraits: np.ndarray = field(init=False)      # (O,) sorties de file sans objet (demande close ailleurs)
    guichet_servis_zone: np.ndarray = field(init=False)   # (O, Z) demandes servies
    guichet_attente: np.ndarray = field(init=False)       # (O, Z) semaines d'attente des demandes servies (somme)
    ruptures: np.ndarray = field(init=False)
    indus: np.ndarray = field(init=False)                 # (P,) déclarations erronées de l'aidant (indus)
    declarations_aidant: np.ndarray = field(init=False)   # (P,) déclarations faites par l'aidant (identifiants)
    acces_somme: np.ndarray = field(init=False)
    acces_n: np.ndarray = field(init=False)
    evenements_vie: np.ndarray = field(init=False)
    aidants_connect: np.ndarray = field(init=False)
    rendez_vous: np.ndarray = field(init=False)           # (G,) rendez-vous servis (un épisode en a un ou plusieurs)
    refus_aidant: np.ndarray = field(init=False)          # (G,) refus d'aider d'un aidant individuel
    departs: np.ndarray = field(init=False)               # (G,) départs d'aidants (poste vacant ou supprimé)
    arrivees: np.ndarray = field(init=False)              # (G,) arrivées de remplaçants
    orphelins: np.ndarray = field(init=False)             # (G,) identifiants détenus par un aidant parti
    adresses_circonstance: np.ndarray = field(init=False)  # (G,) comptes créés avec une adresse de l'aidant
    euros_payant: np.ndarray = field(init=False)          # (Z,) euros payés au service payant, par territoire
    semaines: int = 0
    dernier_service: np.ndarray | None = None  # (genres, N) int32 : dernière semaine servie (jamais remis à zéro)

    def __post_init__(self):
        self.remettre()

    def remettre(self) -> None:
        """Remet les flux à zéro."""
        g, o = len(GENRES_AIDE), len(ORGANISMES)
        self.heures = np.zeros((g, len(POSTES_HEURES)))
        # Compte des heures par (genre d'aide, territoire) : offertes = servies + inutilisées + reportées.
        gz = (g, len(TERRITOIRES))
        self.servies, self.offertes, self.inutilisees, self.reportees, self.non_servie = (
            np.zeros(gz) for _ in range(5))
        self.episodes = np.zeros(g)
        self.attente = np.zeros(g)
        self.abandons_file = np.zeros(g)
        self.demandes_aide = np.zeros(g)
        self.guichet_capacite = np.zeros(o)
        self.guichet_demande = np.zeros(o)
        self.guichet_servis = np.zeros(o)
        self.guichet_abandons = np.zeros(o)
        self.guichet_retraits = np.zeros(o)
        self.guichet_servis_zone = np.zeros((o, len(TERRITOIRES)))
        self.guichet_attente = np.zeros((o, len(TERRITOIRES)))
        self.ruptures = np.zeros(self.n_p)
        self.indus = np.zeros(self.n_p)
        self.declarations_aidant = np.zeros(self.n_p)
        self.acces_somme = np.zeros(self.n_p)
        self.acces_n = np.zeros(self.n_p)
        self.evenements_vie = np.zeros(len(EVENEMENTS_VIE))
        self.aidants_connect = np.zeros(g)
        self.rendez_vous, self.refus_aidant, self.departs, self.arrivees, self.orphelins, self.adresses_circonstance = (
            np.zeros(g) for _ in range(6))
        self.euros_payant = np.zeros(len(TERRITOIRES))
        self.semaines = 0

    def noter_service(self, code_genre: int, menages: np.ndarray, n_menages: int, t: int,
                      n_aidants_connect: int) -> None:
        """Semaine `t` : ménages servis (un épisode : orienter, à la place ou avec) par un acteur du genre, et nombre
        d'épisodes « à la place » faits sous Aidants Connect (`n_personnes_accompagnees`,
        `n_demarches_aidants_connect`)."""
        if self.dernier_service is None or self.dernier_service.shape[1] != n_menages:
            self.dernier_service = np.full((len(GENRES_AIDE), n_menages), np.iinfo(np.int32).min, dtype=np.int32)
        self.dernier_service[code_genre, menages] = t
        self.aidants_connect[code_genre] += n_aidants_connect

    def ajouter_heures_postes(self, code_genre: np.ndarray, h: np.ndarray, posture: np.ndarray,
                              hors_mandat: np.ndarray, finance: np.ndarray, territoire: np.ndarray) -> None:
        """Comme `ajouter_heures`, pour des tranches d'heures de genres, postures (codes de
        modele/accompagnement.py), mandats, financements et territoires donnés chacune."""
        if h.size == 0:
            return
        np.add.at(self.servies, (code_genre, territoire), h)
        np.add.at(self.heures, (code_genre, np.zeros_like(code_genre)), h)
        np.add.at(self.heures, (code_genre, COLONNE_POSTURE[posture]), h)
        np.add.at(self.heures, (code_genre, np.full_like(code_genre, 4)), h * hors_mandat)
        np.add.at(self.heures, (code_genre, np.full_like(code_genre, 5)), h * ~np.asarray(finance, bool))

    def attente_aide(self, code_genre: np.ndarray, semaines: np.ndarray) -> None:
        """Semaines d'attente des demandes au premier rendez-vous de leur épisode (`attente_moyenne`)."""
        np.add.at(self.attente, code_genre, semaines)

    def ajouter_evenements(self, code: int, n: int) -> None:
        """Compte `n` événements de vie du code donné (index dans EVENEMENTS_VIE)."""
        self.evenements_vie[code] += n

    def ajouter_heures(self, code_genre: int, h, posture: str, *, hors_mandat: bool, finance: bool,
                       territoire: int | None = None, territoires_menages: np.ndarray | None = None) -> None:
        """Compte `h` heures servies par un genre d'aide, par posture (place, avec, orienter), mandat, financement et
        territoire : celui de l'acteur (`territoire`), ou `h` heures par ménage dans le territoire de chacun
        (`territoires_menages`)."""
        if territoires_menages is not None:
            par_z = np.bincount(territoires_menages, minlength=len(TERRITOIRES)) * float(h)
            h = float(par_z.sum())
        else:
            par_z = np.zeros(len(TERRITOIRES))
            par_z[territoire] = h
        if h <= 0:
            return
        self.servies[code_genre] += par_z
        self.heures[code_genre, 0] += h
        self.heures[code_genre, POSTES_HEURES.index(posture)] += h
        if hors_mandat:
            self.heures[code_genre, 4] += h
        if not finance:
            self.heures[code_genre, 5] += h


def noms_acteur_territoire() -> list[str]:
    """Groupes `acteur_territoire=<genre>:<territoire>` des comptes d'heures, genre par genre (ordre de GENRES_AIDE)."""
    return [f"acteur_territoire={g}:{z}" for g in GENRES_AIDE for z in TERRITOIRES]


def groupes(M: Menages) -> tuple[np.ndarray, list[str]]:
    """Matrice d'appartenance (N, G) en float32 et noms des groupes des ménages."""
    noms = ["ensemble"] + [f"age={a}" for a in TRANCHES_AGE] + [
        f"capacite_numerique={c}" for c in CAPACITES_NUMERIQUES] + [f"territoire={z}" for z in TERRITOIRES]
    g = np.zeros((M.n, len(noms)), dtype=np.float32)
    g[:, 0] = 1
    r = np.arange(M.n)
    g[r, 1 + M.tranche_age()] = 1
    g[r, 1 + len(TRANCHES_AGE) + M.capacite_numerique()] = 1
    g[r, 1 + len(TRANCHES_AGE) + len(CAPACITES_NUMERIQUES) + M.territoire] = 1
    return g, noms


# --- Définitions (pures) --------------------------------------------------------------------------------

def taux_non_percu(eligibles, non_percus):
    """Part des ménages éligibles qui ne perçoivent pas la prestation, demandes en cours comprises (convention des
    taux publiés par la DREES : comparé aux cibles C1, C3, C4) ; = `taux_non_recours` + `taux_en_cours_normal`."""
    return _part(non_percus, eligibles)


def taux_en_cours_normal(eligibles, n_en_cours):
    """Part des éligibles dont la demande est en cours (démarche, attente, instruction) depuis au plus
    `indicateurs.delai_traitement_normal` semaines : pas du non-recours, le délai normal d'une demande."""
    return _part(n_en_cours, eligibles)


def taux_non_recours(eligibles, non_recourants):
    """Part des ménages éligibles en non-recours : ne perçoivent pas la prestation, hors demandes dans leur délai
    normal ; = non-connaissance + non-demande + non-réception (typologie ODENORE, classes exclusives)."""
    return _part(non_recourants, eligibles)


def taux_non_connaissance(eligibles, ignorants):
    """Part des éligibles (sur tous les éligibles) qui ne perçoivent pas la prestation et ne connaissent pas leur
    droit."""
    return _part(ignorants, eligibles)


def taux_non_demande(eligibles, n_non_demande):
    """Part des éligibles qui connaissent leur droit, ne le perçoivent pas, n'ont pas de demande en cours et n'ont
    pas demandé pendant leur période d'éligibilité — ou dont la dernière demande non aboutie est plus ancienne que
    `indicateurs.fenetre_non_reception`."""
    return _part(n_non_demande, eligibles)


def taux_non_reception(eligibles, n_non_reception):
    """Part des éligibles qui ont demandé et n'ont pas obtenu : somme des quatre sous-types
    `taux_non_reception_abandon` (demande abandonnée en cours de procédure), `_rejet` (demande rejetée, à tort ou à
    raison), `_rupture` (droit suspendu, ou fermé, après une déclaration manquée ou erronée), `_attente` (demande
    en cours au-delà de `indicateurs.delai_traitement_normal`) ; une demande terminée compte pendant
    `indicateurs.fenetre_non_reception`."""
    return _part(n_non_reception, eligibles)


def taux_non_proposition(non_recourants, n_non_proposition):
    """Part des éligibles en non-recours qui ont eu, dans `information.fenetre_non_proposition`, un contact avec un
    agent apte à détecter le droit (guichet, travailleur social, France Services, association) qui ne l'a pas
    proposé, quoi qu'ils sachent : un calque sur les trois causes, pas une quatrième cause exclusive."""
    return _part(n_non_proposition, non_recourants)


def taux_non_recours_persistant(eligibles_3t, non_recourants_3t):
    """Parmi les ménages éligibles aux trois derniers relevés trimestriels, part non bénéficiaires aux trois."""
    return _part(non_recourants_3t, eligibles_3t)


def taux_non_recours_selon_autre(eligibles, non_recourants):
    """Non-recours parmi les éligibles, selon que le ménage perçoit déjà une AUTRE prestation.

    Groupes `percoit_autre=oui` et `percoit_autre=non`, définis prestation par prestation).
    """
    return _part(non_recourants, eligibles)


def masque_autres_prestations(automatique_pour: np.ndarray) -> np.ndarray:
    """Pour chaque prestation b, bits des « autres » prestations c comptées par `taux_non_recours_selon_autre` :
    c ≠ b, et ni c ouverte automatiquement par b, ni b par c (`automatique_pour`, -1 : aucune)."""
    n_p = automatique_pour.size
    lie = np.eye(n_p, dtype=bool)
    for c, b in enumerate(automatique_pour):
        if b >= 0:
            lie[c, b] = lie[b, c] = True
    return np.array([sum(1 << c for c in range(n_p) if not lie[b, c]) for b in range(n_p)], dtype=np.int64)


def montant_non_verse(somme_montants_dus_non_recourants):
    """Euros par mois dus aux ménages éligibles non bénéficiaires (population simulée) : somme des montants dus à
    chacun (`Menages.montant_du`)."""
    return somme_montants_dus_non_recourants


def taux_non_recours_selon_montant(eligibles, non_recourants):
    """Non-recours parmi les éligibles d'une prestation, par tranche du montant qui leur est dû (groupes
    `montant_du=…`, bornes `indicateurs.bornes_montant_du`)."""
    return _part(non_recourants, eligibles)


def taux_non_recours_selon_percue(eligibles, non_recourants):
    """Non-recours parmi les éligibles d'une prestation qui perçoivent déjà telle AUTRE prestation (groupes
    `percoit=<prestation>` ; vide pour la prestation elle-même)."""
    return _part(non_recourants, eligibles)


def noms_tranches_montant(bornes) -> list[str]:
    """Noms des groupes `montant_du=…` : « <100 », « 100-300 », …, « >=600 » (euros par mois)."""
    b = [f"{x:g}" for x in bornes]
    return [f"montant_du=<{b[0]}"] + [f"montant_du={b[k]}-{b[k + 1]}" for k in range(len(b) - 1)] + [
        f"montant_du=>={b[-1]}"]


def n_demarches_aidants_connect(episodes_place_habilites):
    """Démarches faites sous Aidants Connect dans le mois : épisodes « faire à la place » servis par un acteur
    habilité (`acteurs.<genre>.aidants_connect`), par genre d'acteur (cible C8)."""
    return episodes_place_habilites


def montant_depense_payant(euros):
    """Euros payés par les ménages au service payant dans le mois (`demarches.tarif_payant` par démarche faite),
    en tout (`ensemble`) et par territoire du ménage (`territoire=…`)."""
    return np.asarray(euros, dtype=float)


def n_personnes_accompagnees(servis_depuis_janvier):
    """Ménages distincts servis par un acteur du genre (au moins un épisode : orienter, à la place ou avec) depuis
    le 1er janvier de l'année du relevé (ou depuis le début simulé, rodage exclu) : cumul de l'année, le relevé de
    décembre donne l'année entière (cible C9 pour les conseillers numériques) ; un ménage compte pour une personne.
    Sans file (entourage, service payant) : NaN."""
    return servis_depuis_janvier


def duree_acces_droit(somme_semaines, n_ouvertures):
    """Durée moyenne (semaines) entre l'entrée dans l'éligibilité et l'ouverture du droit, pour les droits
    ouverts dans le mois.
    """
    return np.where(n_ouvertures > 0, somme_semaines / np.maximum(n_ouvertures, 1), np.nan)


def attente_guichet(somme_attente_servis, n_servis, somme_attente_file, n_file):
    """Attente moyenne au guichet (semaines), sur les demandes servies dans le mois ET celles encore en file à la
    fin du mois. Servie : semaines entre l'entrée en file et le service (0 si servie la semaine de son arrivée).
    En file : semaines déjà passées en file au relevé (entrée la dernière semaine du mois : 1), une borne basse de
    l'attente à venir. Les demandes parties sans être servies (abandon, fermeture) ne comptent pas. NaN sans
    demande servie ni en file."""
    return _part(np.asarray(somme_attente_servis) + somme_attente_file, np.asarray(n_servis) + n_file)


def file_attente_guichet(n_en_file):
    """Demandes en file d'un guichet à la fin du mois (non servies, en attente d'un rendez-vous ou d'un retour)."""
    return np.asarray(n_en_file, dtype=float)


def taux_fenetre(dates_evenement, t, masque=None):
    """Part des ménages (adultes de référence) dont l'événement a eu lieu dans les 52 dernières semaines."""
    recent = dates_evenement > t - FENETRE_12_MOIS
    if masque is None:
        return recent
    return recent & masque


def _part(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.where(den > 0, num / np.maximum(den, 1e-12), np.nan)


# --- Relevé -----------------------------------------------------------------------------------------------

def _lecture_seule(x: np.ndarray) -> np.ndarray:
    """Le tableau `x`, rendu non modifiable (partagé entre plusieurs blocs de relevé)."""
    x.flags.writeable = False
    return x


class Releve:
    """Accumule les blocs du relevé mensuel (tableaux numpy) et les rend en UN DataFrame long à la fin.

    Les effectifs par groupe sont comptés par cellule (tranche d'âge × capacité numérique × territoire, 60
    cellules) sur les seules cases éligibles, puis sommés par groupe : mêmes valeurs que le produit matriciel
    dense (N, G) × (N, P), pour un coût proportionnel aux éligibles.
    """

    def __init__(self, m: ModeleNonRecours):
        self.m = m
        self.blocs: list[tuple[np.ndarray, ...]] = []
        self._etiquettes: dict = {}  # colonnes d'étiquettes partagées entre blocs (`_bloc`)
        self._g_annee = None
        self.cellule = None

    def _groupes(self):
        """Cellule de chaque ménage et appartenance cellule → groupe (recalculées chaque année, comme `groupes`)."""
        annee = self.m.calendrier.annee(self.m.t - 1)
        if self.cellule is None or self._g_annee != annee:
            M = self.m.menages
            n_a, n_c, n_z = len(TRANCHES_AGE), len(CAPACITES_NUMERIQUES), len(TERRITOIRES)
            self.cellule = ((M.tranche_age().astype(np.int64) * n_c + M.capacite_numerique()) * n_z
                            + M.territoire).astype(np.int64)
            self.noms_groupes = ["ensemble"] + [f"age={a}" for a in TRANCHES_AGE] + [
                f"capacite_numerique={c}" for c in CAPACITES_NUMERIQUES] + [f"territoire={z}" for z in TERRITOIRES]
            k = np.arange(n_a * n_c * n_z)
            appart = np.zeros((k.size, len(self.noms_groupes)), dtype=np.int64)
            appart[:, 0] = 1
            appart[k, 1 + k // (n_c * n_z)] = 1
            appart[k, 1 + n_a + (k // n_z) % n_c] = 1
            appart[k, 1 + n_a + n_c + k % n_z] = 1
            self.appartenance = appart
            self._g_annee = annee
        return self.cellule

    def _bloc(self, date, indicateur, prestations, groupes_, valeurs):
        # Des tableaux numpy seulement, colonne par colonne (date, indicateur, prestation, groupe, valeur) : le
        # DataFrame est construit une fois, dans `tableau()` ; la page pédagogique lit ces blocs au fil de l'eau.
        # Un flux (somme sur les pas du mois) est écrit en moyenne hebdomadaire × 52/12.
        valeurs = np.asarray(valeurs, dtype=float).ravel()
        if indicateur in INDICATEURS_FLUX:
            valeurs = flux_mensuel(valeurs, self.m.compteurs.semaines)
        # Colonnes d'étiquettes (date, indicateur, prestation × groupe) : les mêmes d'un relevé à l'autre, gardées
        # en lecture seule et partagées par les blocs (un tableau par étiquette et par longueur, pas un par bloc).
        n = valeurs.size
        etiquettes = self._etiquettes
        cle_d, cle_i, cle_pg = ("d", date, n), ("i", indicateur, n), ("pg", tuple(prestations), tuple(groupes_))
        if cle_d not in etiquettes:
            if etiquettes.get("date") != date:  # nouveau relevé : les colonnes de date du précédent ne servent plus
                for k in [k for k in etiquettes if k[0] == "d"]:
                    del etiquettes[k]
                etiquettes["date"] = date
            etiquettes[cle_d] = _lecture_seule(np.full(n, date, dtype=object))
        if cle_i not in etiquettes:
            etiquettes[cle_i] = _lecture_seule(np.full(n, indicateur, dtype=object))
        pg = etiquettes.get(cle_pg)
        if pg is None:
            pg = etiquettes[cle_pg] = (_lecture_seule(np.repeat(np.asarray(prestations, dtype=object), len(groupes_))),
                                       _lecture_seule(np.tile(np.asarray(groupes_, dtype=object), len(prestations))))
        self.blocs.append((etiquettes[cle_d], etiquettes[cle_i], pg[0], pg[1], valeurs))

    def relever(self) -> None:
        """Calcule tous les indicateurs du mois écoulé et remet les compteurs à zéro."""
        m = self.m
        M, cat, t, c = m.menages, m.catalogue, m.t, m.compteurs
        fin_mois = m.calendrier.date(t - 1)
        date = fin_mois.isoformat()[:7]
        cellule = self._groupes()
        A = self.appartenance
        n_cel = A.shape[0]
        noms_g = self.noms_groupes
        prest = list(cat.noms)
        n_p = len(prest)

        # Cases éligibles (index plats croissants) et leurs états.
        el = np.asarray(M.eligible)
        idx = np.flatnonzero(el.reshape(-1))
        ie, be = np.divmod(idx, n_p)
        cle = cellule[ie] * n_p + be
        statut = np.asarray(M.statut).reshape(-1)[idx]
        connait = np.asarray(M.connait).reshape(-1)[idx]

        def par_groupe(masque=None):  # sous-ensemble des cases éligibles → (P, G), float32 comme le produit dense
            k = cle if masque is None else cle[masque]
            n = np.bincount(k, minlength=n_cel * n_p).reshape(n_cel, n_p)
            return (A.T @ n).T.astype(np.float32)

        # Classes exclusives des cases éligibles (modele.etat.classer), comptées en UN passage ; la non-proposition
        # (contact d'un agent apte sans proposition, dans la fenêtre) est un calque sur les non-recourants.
        benef = statut == PERCOIT
        delai, fen = int(m.p["indicateurs.delai_traitement_normal"]), int(m.p["indicateurs.fenetre_non_reception"])
        plat = lambda x: np.asarray(x).reshape(-1)[idx]  # noqa: E731
        classe = classer(True, statut, connait, plat(M.a_demande), plat(M.issue_demande), plat(M.t_demande),
                         plat(M.t_issue_demande), t, delai, fen).astype(np.int64)
        n_cl = len(CLASSES)
        nk = np.bincount(cle * n_cl + classe, minlength=n_cel * n_p * n_cl).reshape(n_cel, n_p, n_cl)

        def somme(*cats):  # (P, G), float32
            return (A.T @ nk[:, :, list(cats)].sum(axis=2)).T.astype(np.float32)

        nr_cases = np.isin(classe, CLASSES_NON_RECOURS, kind="table")  # petits entiers : table directe
        muet = plat(M.t_non_proposition) > t - m.p["information.fenetre_non_proposition"]
        n_el, n_nr = somme(*range(1, n_cl)), somme(*CLASSES_NON_RECOURS)
        self._bloc(date, "n_eligibles", prest, noms_g, n_el)
        self._bloc(date, "n_beneficiaires", prest, noms_g, somme(C_PERCOIT))
        self._bloc(date, "taux_non_percu", prest, noms_g, taux_non_percu(n_el, n_el - somme(C_PERCOIT)))
        self._bloc(date, "taux_en_cours_normal", prest, noms_g, taux_en_cours_normal(n_el, somme(C_EN_COURS_NORMAL)))
        self._bloc(date, "taux_non_recours", prest, noms_g, taux_non_recours(n_el, n_nr))
        self._bloc(date, "taux_non_connaissance", prest, noms_g, taux_non_connaissance(n_el, somme(C_NON_CONNAISSANCE)))
        self._bloc(date, "taux_non_demande", prest, noms_g, taux_non_demande(n_el, somme(C_NON_DEMANDE)))
        self._bloc(date, "taux_non_reception", prest, noms_g, taux_non_reception(n_el, somme(*CLASSES_NON_RECEPTION)))
        for nom, k in (("abandon", C_ABANDON), ("rejet", C_REJET), ("rupture", C_RUPTURE), ("attente", C_ATTENTE)):
            self._bloc(date, f"taux_non_reception_{nom}", prest, noms_g, taux_non_reception(n_el, somme(k)))
        self._bloc(date, "taux_non_proposition", prest, noms_g,
                   taux_non_proposition(n_nr, par_groupe(nr_cases & muet)))
        montant = np.asarray(M.montant_du).reshape(-1)[idx]
        nr = nr_cases
        somme_nr = np.bincount(cle[nr], weights=montant[nr], minlength=n_cel * n_p).reshape(n_cel, n_p)
        self._bloc(date, "montant_non_verse", prest, noms_g, montant_non_verse((A.T @ somme_nr).T))
        # Perçoit déjà une AUTRE prestation, hors celles que le droit étudié ouvre automatiquement ou qui l'ouvrent
        # (CSS sans participation des allocataires du RSA dès 2022 : sinon « perçoit une autre » = « perçoit
        # celle-ci » par construction). Prestations perçues du ménage en bits ; masque des autres admises par b.
        bits = np.bincount(ie[benef], weights=(1 << be[benef]).astype(np.float64), minlength=M.n).astype(np.int64)
        autres_admises = masque_autres_prestations(cat.automatique_pour)
        autre = (bits[ie] & autres_admises[be]) != 0
        cle_a = be * 2 + ~autre  # (prestation, oui | non) en un comptage
        n_el_a = np.bincount(cle_a, minlength=n_p * 2).reshape(n_p, 2)
        n_nr_a = np.bincount(cle_a[nr], minlength=n_p * 2).reshape(n_p, 2)
        self._bloc(date, "taux_non_recours_selon_autre", prest, ["percoit_autre=oui", "percoit_autre=non"],
                   taux_non_recours_selon_autre(n_el_a, n_nr_a))
        # Par tranche du montant dû (par prestation) et par autre prestation perçue (chacune).
        bornes = np.asarray(m.p["indicateurs.bornes_montant_du"], dtype=float)
        tr = np.zeros(montant.size, dtype=np.int64)  # = searchsorted(bornes, montant, side="right"), bornes croissantes
        montant64 = montant.astype(np.float64)
        for x in bornes.tolist():  # quelques bornes : une comparaison chacune
            tr += montant64 >= x
        n_tr = bornes.size + 1
        el_tr = np.bincount(be * n_tr + tr, minlength=n_p * n_tr).reshape(n_p, n_tr)
        nr_tr = np.bincount(be[nr] * n_tr + tr[nr], minlength=n_p * n_tr).reshape(n_p, n_tr)
        groupes_tr = noms_tranches_montant(bornes)
        self._bloc(date, "n_eligibles_selon_montant", prest, groupes_tr, el_tr)
        self._bloc(date, "taux_non_recours_selon_montant", prest, groupes_tr,
                   taux_non_recours_selon_montant(el_tr, nr_tr))
        # Cases comptées par (prestation, ensemble des prestations perçues) en un bincount, puis par (b, c perçue).
        n_ens = 1 << n_p
        cle_pc = be * n_ens + bits[ie]
        contient = (np.arange(n_ens)[:, None] >> np.arange(n_p)[None, :]) & 1  # (ensembles, prestations)
        hors_b = ~np.eye(n_p, dtype=bool)  # la prestation elle-même : groupe vide
        el_pc = (np.bincount(cle_pc, minlength=n_p * n_ens).reshape(n_p, n_ens) @ contient) * hors_b
        nr_pc = (np.bincount(cle_pc[nr], minlength=n_p * n_ens).reshape(n_p, n_ens) @ contient) * hors_b
        self._bloc(date, "taux_non_recours_selon_percue", prest, [f"percoit={c}" for c in prest],
                   taux_non_recours_selon_percue(el_pc, nr_pc))
        if fin_mois.month in (3, 6, 9, 12) and m.calendrier.debut_de_mois(t):
            nr_dense = M.non_percu()
            M.trimestres_el[:] = np.where(el, np.minimum(M.trimestres_el + 1, TRIMESTRES_MAX), 0)
            M.trimestres_nr[:] = np.where(nr_dense, np.minimum(M.trimestres_nr + 1, TRIMESTRES_MAX), 0)
            e3 = M.trimestres_el.reshape(-1)[idx] >= 3  # trimestres_el > 0 seulement pour les éligibles
            self._bloc(date, "taux_non_recours_persistant", prest, noms_g,
                       taux_non_recours_persistant(par_groupe(e3),
                                                   par_groupe(e3 & (M.trimestres_nr.reshape(-1)[idx] >= 3))))
        self._bloc(date, "n_ruptures", prest, ["ensemble"], c.ruptures[:, None])
        self._bloc(date, "n_indus", prest, ["ensemble"], c.indus[:, None])
        self._bloc(date, "n_declarations_aidant", prest, ["ensemble"], c.declarations_aidant[:, None])
        self._bloc(date, "n_evenements_vie", ["toutes"], [f"evenement={e}" for e in EVENEMENTS_VIE],
                   c.evenements_vie[None, :])
        self._bloc(date, "duree_acces_droit", prest, ["ensemble"], duree_acces_droit(c.acces_somme, c.acces_n)[:, None])

        # Usage du numérique, sur 12 mois glissants, tous ménages (personne de référence adulte).
        # Un passage : 4 bits par ménage (en ligne, abandon en ligne, abandon définitif, aidé) × cellule.
        f = t - FENETRE_12_MOIS
        en_ligne = M.t_en_ligne > f
        bits = (en_ligne.astype(np.int64) | (M.t_abandon > f) * 2 | (M.t_abandon_def > f) * 4 | (M.t_aide > f) * 8)
        n16 = (A.T @ np.bincount(cellule * 16 + bits, minlength=n_cel * 16).reshape(n_cel, 16))  # (G, 16)
        code = np.arange(16)

        def par_groupe_m(selection):  # (G,), float32
            return n16[:, selection].sum(axis=1).astype(np.float32)

        n_g = par_groupe_m(code >= 0)
        self._bloc(date, "taux_demarche_en_ligne", ["toutes"], noms_g, _part(par_groupe_m(code & 1 > 0), n_g)[None, :])
        self._bloc(date, "taux_abandon_en_ligne", ["toutes"], noms_g, _part(par_groupe_m(code & 2 > 0), n_g)[None, :])
        self._bloc(date, "taux_abandon_definitif", ["toutes"], noms_g,
                   _part(par_groupe_m(code & 4 > 0), n_g)[None, :])
        self._bloc(date, "taux_aide_sans_demarche_en_ligne", ["toutes"], noms_g,
                   _part(par_groupe_m((code & 1 == 0) & (code & 8 > 0)), par_groupe_m(code & 1 == 0))[None, :])

        # Aide : heures du mois par genre, posture, mandat, financement ; files et attentes.
        acteurs = [f"acteur={g}" for g in GENRES_AIDE]
        for k, nom in enumerate(("heures_accompagnement", "heures_faire_a_la_place", "heures_faire_avec",
                                 "heures_orienter", "heures_hors_mandat", "heures_transfert_tacite",
                                 "heures_faire_a_cote", "heures_refus")):
            self._bloc(date, nom, ["toutes"], acteurs, c.heures[:, k][None, :])
        # Compte des heures par genre d'aide et par (genre, territoire) : offertes = servies + inutilisées +
        # reportées (variation du report, dette des déclarations comprise ; pour l'entourage, de sa réserve) ; sans
        # capacité déclarée (service payant) : offertes, inutilisées et reportées sans objet (NaN).
        sans_capacite = np.array([g == "prestataire_prive" for g in GENRES_AIDE])
        noms_gz = acteurs + noms_acteur_territoire()
        for nom, tab, capacite in (("heures_offertes", c.offertes, True), ("heures_servies", c.servies, False),
                                   ("heures_inutilisees", c.inutilisees, True),
                                   ("heures_reportees", c.reportees, True),
                                   ("heures_demande_non_servie", c.non_servie, False)):
            v = np.concatenate([tab.sum(axis=1), tab.ravel()])
            if capacite:
                v = np.where(np.concatenate([sans_capacite, np.repeat(sans_capacite, len(TERRITOIRES))]), np.nan, v)
            self._bloc(date, nom, ["toutes"], noms_gz, v[None, :])
        self._bloc(date, "n_episodes_aide", ["toutes"], acteurs, c.episodes[None, :])
        self._bloc(date, "n_demandes_aide", ["toutes"], acteurs, c.demandes_aide[None, :])
        self._bloc(date, "n_abandons_file", ["toutes"], acteurs, c.abandons_file[None, :])
        self._bloc(date, "attente_moyenne", ["toutes"], acteurs, _part(c.attente, c.episodes)[None, :])
        files = np.r_[0.0, m.files_acteurs().sum(axis=1)]
        self._bloc(date, "file_attente", ["toutes"], acteurs, files[None, :])
        self._bloc(date, "file_attente_heures", ["toutes"], acteurs, (files * charge_attendue(m.p))[None, :])
        det = M.detenteur.reshape(-1)[idx]
        n_det = np.bincount(1 + m.aidants.genre()[det[det >= 0]], minlength=len(GENRES_AIDE)).astype(float)
        n_det[GENRES_AIDE.index("famille")] += int((det == DETENTEUR_ENTOURAGE).sum())  # gardés par un proche
        n_det[GENRES_AIDE.index("prestataire_prive")] += int((det == DETENTEUR_PAYANT).sum())  # service payant
        self._bloc(date, "n_identifiants_detenus", ["toutes"], acteurs, n_det[None, :])
        self.relever_aidants(date, n_det)
        sans_file = np.array([g in ("famille", "prestataire_prive") for g in GENRES_AIDE])
        self._bloc(date, "n_demarches_aidants_connect", ["toutes"], acteurs,
                   n_demarches_aidants_connect(np.where(sans_file, np.nan, c.aidants_connect))[None, :])
        janvier = max(m.calendrier.pas(f"{fin_mois.year}-01-01"), 0)  # 1re semaine de l'année du relevé, hors rodage
        servis = ((c.dernier_service >= janvier).sum(axis=1) if c.dernier_service is not None
                  else np.zeros(len(GENRES_AIDE)))
        self._bloc(date, "n_personnes_accompagnees", ["toutes"], acteurs,
                   n_personnes_accompagnees(np.where(sans_file, np.nan, servis))[None, :])

        # Guichets, par organisme : capacité hebdomadaire moyenne du mois, demande et refus du mois.
        ops = [f"operateur={o}" for o in ORGANISMES]
        sem = max(c.semaines, 1)
        self._bloc(date, "capacite_guichets", ["toutes"], ops, (c.guichet_capacite / sem)[None, :])
        self._bloc(date, "demande_guichets", ["toutes"], ops, c.guichet_demande[None, :])
        self._bloc(date, "n_refus_guichet", ["toutes"], ops, c.guichet_abandons[None, :])
        # Files des guichets : par organisme et par guichet (organisme × territoire, groupes `guichet=caf:rural`).
        self._bloc(date, "n_servis_guichet", ["toutes"], ops, c.guichet_servis[None, :])
        self._bloc(date, "n_retraits_file_guichet", ["toutes"], ops, c.guichet_retraits[None, :])
        F = m.files_guichets  # guichet k = organisme × territoires + territoire
        n_file = F.longueurs().reshape(len(ORGANISMES), len(TERRITOIRES)).astype(float)
        attente_file = np.bincount(F.file["guichet"], weights=t - F.file["arrivee"].astype(np.int64),
                                   minlength=F.n).reshape(len(ORGANISMES), len(TERRITOIRES))
        gui = [f"guichet={o}:{z}" for o in ORGANISMES for z in TERRITOIRES]
        self._bloc(date, "file_attente_guichet", ["toutes"], ops + gui,
                   np.concatenate([file_attente_guichet(n_file.sum(axis=1)), file_attente_guichet(n_file.ravel())]))
        self._bloc(date, "attente_guichet", ["toutes"], ops + gui, np.concatenate([
            attente_guichet(c.guichet_attente.sum(axis=1), c.guichet_servis_zone.sum(axis=1),
                            attente_file.sum(axis=1), n_file.sum(axis=1)),
            attente_guichet(c.guichet_attente.ravel(), c.guichet_servis_zone.ravel(), attente_file.ravel(),
                            n_file.ravel())]))
        self._bloc(date, "montant_depense_payant", ["toutes"], ["ensemble"] + [f"territoire={z}" for z in TERRITOIRES],
                   montant_depense_payant(np.concatenate([[c.euros_payant.sum()], c.euros_payant]))[None, :])
        self._bloc(date, "semaines_releve", ["toutes"], ["ensemble"], [c.semaines])
        c.remettre()

    def relever_aidants(self, date, n_det: np.ndarray) -> None:
        """Aidants individuels, par genre : effectifs en poste et vacants, refus, départs, arrivées, tension (moyenne
        et quantile `indicateurs.quantile_aidants`), heures hors mandat du mois par aidant (même quantile, part au-delà
        du seuil déclaré), identifiants
        détenus par aidant, incidents de confidentialité. Entourage et service payant : sans aidants (NaN)."""
        m, c = self.m, self.m.compteurs
        A = m.aidants
        acteurs = [f"acteur={g}" for g in GENRES_AIDE]
        n_g = len(GENRES_AIDE)
        code = 1 + A.genre()
        sans = np.array([g in ("famille", "prestataire_prive") for g in GENRES_AIDE])
        en_poste = np.bincount(code[A.actif], minlength=n_g).astype(float)
        vacants = np.bincount(code[~A.actif & (A.t_retour != np.iinfo(np.int32).min)], minlength=n_g).astype(float)
        hm = A.hors_mandat_mois / max(c.semaines, 1) * SEMAINES_PAR_MOIS_RELEVE  # heures par mois et par aidant
        seuil, q = m.p["aidants.seuil_heures_hors_mandat_mois"], m.p["indicateurs.quantile_aidants"]
        tension_moy, tension_q, hm_q, part_hm = (np.full(n_g, np.nan) for _ in range(4))
        for g in np.flatnonzero(en_poste > 0):  # cinq genres au plus : quantiles par genre
            s = A.actif & (code == g)
            tension_moy[g] = A.tension[s].mean()
            tension_q[g] = np.quantile(A.tension[s], q)
            hm_q[g] = np.quantile(hm[s], q)
            part_hm[g] = (hm[s] > seuil).mean()

        def bloc(nom, v):
            self._bloc(date, nom, ["toutes"], acteurs, np.where(sans, np.nan, v)[None, :])

        bloc("n_aidants", en_poste)
        bloc("n_rendez_vous_aide", c.rendez_vous)
        bloc("n_postes_vacants", vacants)
        bloc("n_refus_aidant", c.refus_aidant)
        bloc("n_departs_aidants", c.departs)
        bloc("n_arrivees_aidants", c.arrivees)
        bloc("tension_moyenne_aidants", tension_moy)
        bloc("tension_quantile_aidants", tension_q)
        bloc("heures_hors_mandat_quantile_aidants", hm_q)
        bloc("taux_aidants_hors_mandat_eleve", part_hm)
        bloc("identifiants_par_aidant", _part(n_det, en_poste))
        bloc("n_identifiants_orphelins", c.orphelins)
        bloc("n_adresses_circonstance", c.adresses_circonstance)
        A.hors_mandat_mois[:] = 0.0

    def dernier_releve(self) -> dict[str, float | str]:
        """Valeurs du groupe `ensemble` au dernier relevé : `date`, `<indicateur>_<prestation>` pour les
        indicateurs par prestation, `<indicateur>` pour ceux de tous les ménages, `<indicateur>_total` (somme sur
        les genres d'aide) pour les heures. Lu par les rapporteurs Mesa ; calculé une fois par relevé."""
        n = len(self.blocs)
        if getattr(self, "_dernier", (None, None))[0] == n:
            return self._dernier[1]
        sortie: dict[str, float | str] = {}
        if n:
            date = self.blocs[-1][0][0]
            sortie["date"] = date
            for dates, ind, prest, grp, val in reversed(self.blocs):
                if dates[0] != date:
                    break
                if ind[0].startswith("heures_"):
                    par_genre = np.array([str(g).startswith("acteur=") for g in grp])
                    sortie[f"{ind[0]}_total"] = float(np.nansum(val[par_genre]))
                    continue
                for pr, g, v in zip(prest, grp, val):
                    if g == "ensemble":
                        sortie[str(ind[0]) if pr == "toutes" else f"{ind[0]}_{pr}"] = float(v)
        self._dernier = (n, sortie)
        return sortie

    def rapporteurs_mesa(self) -> dict:
        """Rapporteurs de modèle pour `mesa.DataCollector` : date, non-recours par prestation, usage du numérique,
        heures d'aide du mois (tous genres d'aide)."""
        noms = (["date"] + [f"taux_non_recours_{b}" for b in self.m.catalogue.noms]
                + ["taux_demarche_en_ligne", "taux_abandon_en_ligne"]
                + [f"heures_{h}_total" for h in ("accompagnement", "faire_a_la_place", "hors_mandat",
                                                  "transfert_tacite")])
        return {nom: (lambda m, nom=nom: m.releve.dernier_releve().get(nom)) for nom in noms}

    def tableau(self) -> pd.DataFrame:
        """Toutes les lignes relevées, en format long (un seul DataFrame construit à la fin)."""
        if not self.blocs:
            return pd.DataFrame(columns=["date", "indicateur", "prestation", "groupe", "valeur"])
        colonnes = ("date", "indicateur", "prestation", "groupe", "valeur")
        df = pd.DataFrame({c: np.concatenate([b[k] for b in self.blocs]) for k, c in enumerate(colonnes)})
        for col in colonnes[:-1]:
            df[col] = df[col].astype(str).astype("category")
        return df


# --- Séries relevées : mois incomplets, totaux sur 52 semaines ----------------------------------------------

def semaines_par_date(series: pd.DataFrame, run: tuple[str, ...] | list[str] = ()) -> pd.Series:
    """Pas (semaines) comptés dans chaque relevé, indexés par (`run`…, date) : l'indicateur `semaines_releve`, à
    défaut (séries construites à la main) le nombre de lundis du mois (un mois complet)."""
    cles = [*run, "date"]
    tab = pd.DataFrame({c: series[c].astype(str).to_numpy() if c == "date" else series[c].to_numpy() for c in cles})
    tab["indicateur"] = series["indicateur"].astype(str).to_numpy()
    tab["valeur"] = series["valeur"].to_numpy(dtype=float)
    u = tab[cles].drop_duplicates()
    idx = pd.MultiIndex.from_frame(u) if run else pd.Index(u["date"], name="date")
    lundis = pd.Series([float(lundis_du_mois(d)) for d in u["date"]], index=idx)
    releve = tab[tab["indicateur"] == "semaines_releve"].drop_duplicates(cles).set_index(cles if run else "date")
    return releve["valeur"].reindex(idx).fillna(lundis).rename("semaines")


def mois_incomplets(series: pd.DataFrame) -> list[str]:
    """Dates (AAAA-MM) des relevés qui comptent moins de pas que le mois n'a de lundis (le dernier mois simulé quand
    la fin ne tombe pas un lundi) : leurs flux sont des moyennes hebdomadaires sur moins de semaines."""
    ind = series["indicateur"].astype(str)
    d = series[ind == "semaines_releve"]
    dates = d["date"].astype(str).to_numpy()
    lundis = np.array([lundis_du_mois(x) for x in dates], dtype=float)
    return sorted(set(dates[d["valeur"].to_numpy(dtype=float) < lundis]))


def sans_mois_incomplets(series: pd.DataFrame) -> pd.DataFrame:
    """Les séries sans les relevés des mois incomplets (`mois_incomplets`) : ce que tracent les figures."""
    incomplets = mois_incomplets(series)
    if not incomplets:
        return series
    return series[~series["date"].astype(str).isin(incomplets)]


def total_flux(valeurs, semaines, sur: float | None = SEMAINES_PAR_AN_RELEVE) -> float:
    """Total d'un flux sur `sur` semaines à partir de ses relevés mensuels (`valeurs`, publiés par `flux_mensuel`)
    et des pas de chaque mois (`semaines`) : somme des semaines réelles (valeur / (52/12) × semaines), ramenée à
    `sur` semaines au prorata des semaines comptées (égale à la somme réelle quand elles sont 52) ; `sur=None` :
    somme réelle."""
    v = np.asarray(valeurs, dtype=float)
    w = np.asarray(semaines, dtype=float)
    reel = float(np.sum(somme_des_pas(v, w)))
    if sur is None:
        return reel
    return reel / float(np.sum(w)) * sur if np.sum(w) > 0 else float("nan")


def totaux_flux(series: pd.DataFrame, par: list[str], run: tuple[str, ...] | list[str] = (),
                sur: float | None = SEMAINES_PAR_AN_RELEVE) -> pd.Series:
    """Totaux des flux (`INDICATEURS_FLUX`) de `series` (déjà restreinte à la fenêtre voulue) par `par`, sur `sur`
    semaines (voir `total_flux`) ; `run` : colonnes d'une exécution (`scenario`, `replicat`), comprises dans `par`.
    Les semaines comptées d'une exécution sont celles de toutes les dates de la fenêtre (`semaines_par_date`)."""
    w = semaines_par_date(series, run)
    f = series[series["indicateur"].astype(str).isin(INDICATEURS_FLUX)]
    cles = pd.DataFrame({c: f[c].astype(str).to_numpy() if c == "date" else f[c].to_numpy() for c in [*run, "date"]})
    idx = pd.MultiIndex.from_frame(cles) if run else pd.Index(cles["date"], name="date")
    reel = f["valeur"].to_numpy(dtype=float) / SEMAINES_PAR_MOIS_RELEVE * w.reindex(idx).to_numpy()
    tab = f[list(par)].assign(_reel=reel)
    total = tab.groupby(list(par), observed=True)["_reel"].sum(min_count=1)  # NaN si aucune valeur
    if sur is None:
        return total.rename("valeur")
    if run:
        w_run = w.groupby(level=list(run)).sum()
        t = total.index.to_frame(index=False)
        denom = w_run.reindex(pd.MultiIndex.from_frame(t[list(run)]) if len(run) > 1 else t[run[0]]).to_numpy()
    else:
        denom = float(w.sum())
    return (total / denom * sur).rename("valeur")


def resume(series: pd.DataFrame, annee: int | None = None) -> dict[str, float]:
    """Résumé d'une exécution : moyennes sur la dernière année simulée (ou `annee`), groupe `ensemble`.

    Clés : `<indicateur>_<prestation>` pour les taux par prestation, `<indicateur>_<acteur>` pour les heures
    (total sur 52 semaines, `total_flux`), `<indicateur>` pour les taux d'usage du numérique, `semaines_resume`
    (pas comptés dans l'année résumée : moins de 52 si son dernier mois est incomplet).
    """
    df = series
    annees = df["date"].astype(str).str[:4].astype(int)
    if annee is None:
        annee = int(annees.max())
    d = df[annees == annee]
    sortie: dict[str, float] = {"annee_resume": float(annee), "semaines_resume": float(semaines_par_date(d).sum())}
    taux = d[d["indicateur"].astype(str).str.startswith(("taux_non", "montant_non")) & (d["groupe"] == "ensemble")]
    for (ind, pr), v in taux.groupby(["indicateur", "prestation"], observed=True)["valeur"]:
        sortie[f"{ind}_{pr}"] = float(v.mean())
    usage = d[d["prestation"].eq("toutes") & d["groupe"].eq("ensemble") & ~d["indicateur"].eq("semaines_releve")]
    for ind, v in usage.groupby("indicateur", observed=True)["valeur"]:
        sortie[str(ind)] = float(v.mean())
    ind_d = d["indicateur"].astype(str)
    heures = ind_d.str.startswith("heures_") & d["groupe"].astype(str).str.startswith("acteur=")
    if heures.any():  # NaN : sans capacité déclarée
        tot = totaux_flux(d[heures | ind_d.eq("semaines_releve")], ["indicateur", "groupe"])
        for (ind, gr), v in tot.items():
            sortie[f"{ind}_{str(gr).split('=')[1]}"] = float(v)
    return sortie
