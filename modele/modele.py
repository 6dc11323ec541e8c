"""Le modèle : `ModeleNonRecours`, un `mesa.Model` dont `step()` est l'ordonnancement de l'ODD.

Ménages : structure de tableaux (`modele.etat.Menages`). Acteurs d'accompagnement et guichets : `mesa.Agent`.
Aléas : un flux `numpy.random.Generator` par sous-modèle, engendré de la graine (nombres aléatoires communs :
deux scénarios identiques jusqu'à une date D ont les mêmes tirages jusqu'à D).
"""

from __future__ import annotations

import time

import mesa
import numpy as np

from modele import (
    accompagnement,
    aidants,
    creux,
    decision,
    demarches,
    evenements,
    guichets,
    information,
    instruction,
    politiques,
    renouvellements,
)
from modele.agents import PAR_10000, ActeurAccompagnement, FileAide, FilesGuichets, Guichet
from modele.calendrier import Calendrier
from modele.droits import TableDroits
from modele.entrees import LIMITES
from modele.etat import ATTENTE, TERRITOIRES
from modele.indicateurs import Compteurs, Releve
from modele.journal import Journal
from modele.parametres import ErreurEntree
from modele.population import creer_menages, etat_initial, renouvellement_stationnaire
from modele.prestations import GENRES_ACTEURS, GENRES_AIDE, ORGANISMES, Catalogue
from modele.scenarios import charger_scenario

MENAGES_MIN, MENAGES_MAX, MENAGES_DEFAUT = 100, 2_000_000, 20000  # bornes de --menages (simulation.menages)

SOUS_MODELES = ("politiques", "evenements", "information", "decision", "demarches", "accompagnement", "guichets",
                "instruction", "renouvellements", "indicateurs")


class ModeleNonRecours(mesa.Model):
    """Ménages qui réclament leurs droits pendant que les guichets ferment et que la médiation change."""

    def __init__(self, scenario: str = "reference", menages: int | None = None, graine: int = 0,
                 debut: str = "2014-01", fin: str = "2027-12", surcharges: dict | None = None,
                 suivre: int | list[int] = 0, rng: int | None = None):
        # `rng` : le nom que Mesa (et `mesa.batch_run`) donne à la graine ; un entier, synonyme de `graine`.
        if rng is not None:
            if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or not 0 <= rng <= LIMITES["graine"]:
                raise ErreurEntree("Graine invalide.", cle="rng", valeur=rng,
                                   attendu=f"un entier entre 0 et {LIMITES['graine']} (synonyme de graine) ou None")
            if graine not in (0, rng):
                raise ErreurEntree("Deux graines différentes.", cle="rng", valeur=rng,
                                   attendu=f"la même valeur que graine ({graine}), ou seulement l'une des deux")
            graine = rng
        if (isinstance(graine, bool) or not isinstance(graine, (int, np.integer))
                or not 0 <= graine <= LIMITES["graine"]):
            raise ErreurEntree("Graine invalide.", cle="--graine", valeur=graine,
                               attendu=f"un entier entre 0 et {LIMITES['graine']}")
        super().__init__(rng=int(graine))
        self.graine = int(graine)
        self.scenario = charger_scenario(scenario)
        self.p_base = self.scenario.parametres_base(surcharges)
        if menages is None:  # taille non donnée : le paramètre déclaré (surchargeable) simulation.menages
            menages = self.p_base["simulation.menages"]
        if (isinstance(menages, bool) or not isinstance(menages, (int, np.integer))
                or not MENAGES_MIN <= menages <= MENAGES_MAX):
            raise ErreurEntree("Nombre de ménages invalide.", cle="--menages", valeur=menages,
                               attendu=f"un entier entre {MENAGES_MIN} et {MENAGES_MAX}")
        self.calendrier = Calendrier.depuis_mois(debut, fin)
        self.p = self.p_base
        # Un flux par sous-modèle, plus celui des aidants individuels (créé en dernier : les autres flux ne changent
        # pas quand on l'ajoute, SeedSequence.spawn donnant le même k-ième enfant quel que soit leur nombre).
        flux = np.random.SeedSequence(self.graine).spawn(len(SOUS_MODELES) + 2)
        self.aleas = {nom: np.random.default_rng(s)
                      for nom, s in zip(("population",) + SOUS_MODELES + ("aidants",), flux)}
        self.rodage = int(self.p["simulation.rodage_semaines"])
        self.t = -self.rodage
        self.politiques = politiques.Politiques(self.scenario, self.calendrier)
        self.politiques.verifier(self.p_base, self.calendrier, self.t)  # avant de simuler, pas en cours de route
        self.journal = Journal()
        self.contacts: list[tuple[np.ndarray, int]] = []

        self.catalogue = Catalogue.depuis(self.p)
        self.droits = (TableDroits.charger(revalorisation_annuelle=self.p["droits.revalorisation_annuelle"])
                       if self.p["droits.utiliser_table"] else None)
        self.menages = creer_menages(self.p, int(menages), self.aleas["population"], self.calendrier.annee(self.t))
        self.ecarts_illectronisme = self.menages.ecarts_illectronisme
        self.prochain_identifiant = int(menages)
        self.journal.identifiants = self.menages.identifiant
        etat_initial(self.menages, self.catalogue, self.p, self.aleas["population"], t0=self.t,
                     montants=None if self.droits is None else self.montants_dus(np.arange(self.menages.n)))
        self.activer_creux()
        self.chronos: dict[str, float] | None = None  # {sous-modèle: secondes} si chronométré (benchmarks)
        self.compteurs = Compteurs(self.menages.n_prestations)
        n_z = np.bincount(self.menages.territoire, minlength=len(TERRITOIRES))
        self.acteurs = [ActeurAccompagnement(self, g, z, int(n_z[z]))
                        for g in GENRES_ACTEURS for z in range(len(TERRITOIRES))]
        self.files_guichets = FilesGuichets(len(ORGANISMES) * len(TERRITOIRES))
        self.guichets = [Guichet(self, o, z, int(n_z[z]), k) for k, (o, z) in
                         enumerate((o, z) for o in ORGANISMES for z in range(len(TERRITOIRES)))]
        self.pression_acteurs = np.zeros(len(self.acteurs))
        self.file_aide = FileAide()
        self.aidants = aidants.Aidants()
        self.noms_genre_par_code = GENRES_AIDE
        self.parametres_changes()
        if suivre is not None and not isinstance(suivre, int) and len(suivre) == self.menages.n:
            self.journal.suivre_tous = True  # tous suivis, y compris les nouveaux ménages du renouvellement
        if suivre:
            n_suivis = suivre if isinstance(suivre, int) else 0
            cases = (self.aleas["population"].choice(self.menages.n, size=min(n_suivis, self.menages.n),
                                                     replace=False) if n_suivis else np.asarray(suivre))
            self.journal.suivre(self.menages.identifiant[cases])
        self.releve = Releve(self)
        # Observation pour Mesa (`mesa.batch_run`, `get_model_vars_dataframe`) : quelques indicateurs du groupe
        # `ensemble`, recueillis à chaque relevé mensuel ; le relevé complet reste `series()`.
        self.datacollector = mesa.DataCollector(model_reporters=self.releve.rapporteurs_mesa())

    # --- Ordonnancement (ODD §3) -------------------------------------------------------------------------
    def step(self) -> None:
        """Une semaine : politiques, événements, information, décision, démarches, accompagnement, guichets,
        instruction, renouvellements, indicateurs.
        """
        self.journal.t = self.t
        if self.chronos is None:
            politiques.appliquer(self)
            evenements.appliquer(self)
            information.appliquer(self)
            decision.appliquer(self)
            demarches.appliquer(self)
            accompagnement.appliquer(self)
            guichets.appliquer(self)
            instruction.appliquer(self)
            renouvellements.appliquer(self)
            self.oublier_semaine()
        else:  # chronométrage par sous-modèle (benchmarks) : secondes cumulées dans self.chronos
            for nom, f in ((n, globals()[n].appliquer) for n in SOUS_MODELES[:-1]):
                d = time.process_time()
                f(self)
                self.chronos[nom] = self.chronos.get(nom, 0.0) + time.process_time() - d
            d = time.process_time()
            self.oublier_semaine()
            self.chronos["agendas"] = self.chronos.get("agendas", 0.0) + time.process_time() - d
        self.compteurs.semaines += 1
        self.t += 1
        if self.t <= 0:
            self.compteurs.remettre()  # rodage : rien n'est relevé avant le début
        elif self.t >= self.calendrier.n_pas or self.calendrier.debut_de_mois(self.t):
            if self.chronos is None:
                self.indicateurs()
            else:
                d = time.process_time()
                self.indicateurs()
                self.chronos["indicateurs"] = self.chronos.get("indicateurs", 0.0) + time.process_time() - d
        if self.t >= self.calendrier.n_pas:
            self.running = False

    def montants_dus(self, i: np.ndarray) -> np.ndarray:
        """Montants mensuels dus (n, P) aux ménages `i`, lus dans la table des droits (`modele/droits.py`) pour
        l'année du pas (le rodage, avant la première année de la table, lit la première année).

        RSA, prime d'activité, aides au logement, ASPA : montants de la table. CSS sans participation et avec
        participation : droit ouvert selon la table (indicatrices), valeur mensuelle de la couverture prise au
        montant déclaré (`prestations.css_*.montant_mensuel`), faute de montant versé."""
        M, cat, t = self.menages, self.catalogue, self.droits
        annee = max(self.calendrier.annee(self.t), int(t.annees[0]))
        d = t.montants(annee, M.couple[i], M.enfants[i], M.age[i], M.revenus_activite[i],
                       M.pensions[i] + M.autres_ressources[i], M.logement[i], M.loyer[i])
        indicatrices = {"css_gratuite": "css_gratuite", "css_participation": "css_participation_eligible"}
        out = np.zeros((i.size, M.n_prestations), dtype=np.float32)
        for b, nom in enumerate(cat.noms):
            if nom in indicatrices:
                out[:, b] = (d[indicatrices[nom]] > 0) * cat.montant[b]
            else:
                out[:, b] = d[nom]
        return out

    def definitions_causes(self) -> tuple[int, int, int]:
        """(pas courant, délai normal d'une demande, fenêtre de la non-réception) : les arguments de
        `Menages.classes` (paramètres `indicateurs.delai_traitement_normal`, `indicateurs.fenetre_non_reception`)."""
        return (self.t, int(self.p["indicateurs.delai_traitement_normal"]),
                int(self.p["indicateurs.fenetre_non_reception"]))

    def classes(self) -> np.ndarray:
        """Classe exclusive (N, P) de chaque couple (ménage, prestation) maintenant (index dans `etat.CLASSES`)."""
        return self.menages.classes(*self.definitions_causes())

    def types_non_recours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masques (N, P) de non-connaissance, non-demande, non-réception maintenant."""
        return self.menages.types_non_recours(*self.definitions_causes())

    def situations(self) -> np.ndarray:
        """Situation de chaque ménage maintenant pour la vue (index dans `etat.SITUATIONS`)."""
        return self.menages.situation(*self.definitions_causes())

    def emplacement(self, identifiant: int) -> int:
        """Case du ménage `identifiant`, ou -1 s'il a quitté la population."""
        k = np.flatnonzero(self.menages.identifiant == int(identifiant))
        return int(k[0]) if k.size else -1

    def indicateurs(self) -> None:
        """Relevé mensuel, à la fin de chaque mois (et au dernier pas) : stocks à cette date, flux du mois."""
        self.releve.relever()
        self.datacollector.collect(self)

    def oublier_semaine(self) -> None:
        """Vide les files d'agenda des semaines passées (les décisions échues restent jusqu'à leur traitement)."""
        self.agenda_prochain.oublier_avant(self.t + 1)
        self.agenda_renouvellement.oublier_avant(self.t + 1)
        self.agenda_decision.oublier_avant(self.t + 1, garder_passe=True)

    def activer_creux(self) -> None:
        """Suivi des écritures et agendas (modele/creux.py) : chaque semaine, seules les cases concernées sont lues.

        Les sous-modèles écrivent les tableaux comme avant ; les requêtes « dates échues » passent par les agendas.
        """
        M = self.menages
        for nom in ("t_prochain", "t_decision", "t_renouvellement", "eligible", "connait", "statut"):
            setattr(M, nom, creux.TableauSuivi(getattr(M, nom)))
        self.agenda_prochain = creux.Agenda(M.t_prochain)
        self.agenda_decision = creux.Agenda(M.t_decision)
        self.agenda_renouvellement = creux.Agenda(M.t_renouvellement)
        # Réseau (information) : groupe territoire × quintile, éligibles par groupe, ignorants (cases qui ont pu
        # le devenir : celles dont l'éligibilité ou la connaissance a été écrite).
        self.groupe_reseau = evenements.groupes_reseau(M)
        self.eligibles_par_groupe = creux.EffectifsVrais(M.eligible, self.groupe_reseau, evenements.N_GROUPES_RESEAU)
        self.changements_information = creux.Changements(M.eligible, M.connait)
        self.ignorants = np.flatnonzero((M.eligible & ~M.connait).ravel())
        # Ouvertures automatiques : ménages dont l'éligibilité ou le statut a changé depuis la semaine passée.
        self.changements_automatique = creux.Changements(M.eligible, M.statut)
        self.automatiques_actifs: tuple = ()

    # --- Services communs aux sous-modèles ----------------------------------------------------------------
    def parametres_changes(self) -> None:
        """Recalcule ce qui dérive des paramètres (catalogue, parts éligibles, capacités des acteurs)."""
        self.catalogue = Catalogue.depuis(self.p)
        self.renouvellement = renouvellement_stationnaire(self.p)
        self.recalculer_parts_eligibles()
        p = self.p
        self.genres_aidants = {
            "logit_place": np.array([p[f"acteurs.{g}.logit_faire_a_la_place"] for g in GENRES_ACTEURS], float),
            "p_orienter": np.array([p[f"acteurs.{g}.p_orienter"] for g in GENRES_ACTEURS], float),
            "formation": np.array([p[f"acteurs.{g}.formation"] for g in GENRES_ACTEURS], float),
            "capacite": np.array([p[f"acteurs.{g}.capacite"] for g in GENRES_ACTEURS], np.float32),
            "mal_equipe": np.array([p[f"acteurs.{g}.part_bureaux_mal_equipes"] for g in GENRES_ACTEURS], float),
            "part_ac": np.array([p[f"acteurs.{g}.part_aidants_connect"] for g in GENRES_ACTEURS], float),
            **{cle: np.array([bool(p[f"acteurs.{g}.{nom}"]) for g in GENRES_ACTEURS])
               for cle, nom in (("mandat_place", "mandat_faire_a_la_place"), ("mandat_avec", "mandat_faire_avec"),
                                ("finance", "finance"), ("aidants_connect", "aidants_connect"))}}
        aidants.ajuster_effectifs(self, self.aleas["aidants"])
        self._offre = None
        self._ouverture = None
        self._guichets_par_k = None

    def recalculer_parts_eligibles(self) -> None:
        """Parts éligibles stationnaires et hasards d'entrée maximaux (après vieillissement ou politique)."""
        self.parts_eligibles, self.entree_max = evenements.parts_et_entree_max(self)

    def offre_acteurs(self) -> np.ndarray:
        """Heures hebdomadaires par (genre d'acteur, territoire) ; recalculées quand les paramètres changent."""
        if self._offre is None:
            off = np.zeros((len(GENRES_ACTEURS), len(TERRITOIRES)))
            n = np.zeros(len(TERRITOIRES))
            for a in self.acteurs:
                off[a.g, a.territoire] = a.heures
                n[a.territoire] = a.n_menages_territoire
            gratuits = [g for g, nom in enumerate(GENRES_ACTEURS) if nom != "prestataire_prive"]
            self._offre = off
            self._densite = off[gratuits].sum(axis=0) / np.maximum(n, 1.0) * PAR_10000
        return self._offre

    def files_acteurs(self) -> np.ndarray:
        """Demandes en attente par (genre d'acteur, territoire), à l'instant de l'appel."""
        n = np.bincount(self.file_aide.structure, minlength=len(GENRES_ACTEURS) * len(TERRITOIRES))
        return n.reshape(len(GENRES_ACTEURS), len(TERRITOIRES)).astype(float)

    def densite_acteurs(self) -> np.ndarray:
        """Heures hebdomadaires d'accompagnement gratuit pour 10 000 ménages, par territoire (hors service payant),
        calculées avec `offre_acteurs` (une fois par changement de paramètres, pas à chaque repli)."""
        self.offre_acteurs()
        return self._densite

    def ouverture_guichets(self) -> np.ndarray:
        """Part ouverte (× facteur rendez-vous) par (organisme, territoire)."""
        if self._ouverture is None:
            ouv = np.zeros((len(ORGANISMES), len(TERRITOIRES)))
            rdv = np.zeros((len(ORGANISMES), len(TERRITOIRES)))
            for g in self.guichets:
                ouv[g.o, g.territoire] = g.ouverture if g.param("visites_pour_10000") > 0 else 0.0
                rdv[g.o, g.territoire] = float(g.param("rendez_vous_seulement"))
            self._ouverture = (ouv, rdv)
        return self._ouverture[0]

    def guichets_par_k(self) -> dict[str, np.ndarray]:
        """Par guichet k (ordre de `guichets`) : organisme, territoire, capacité réelle de la semaine (visites) et
        capacité de l'agent ; recalculés quand les paramètres changent."""
        if self._guichets_par_k is None:
            self._guichets_par_k = {
                "organisme": np.array([g.o for g in self.guichets], dtype=np.int64),
                "territoire": np.array([g.territoire for g in self.guichets], dtype=np.int64),
                "capacite": np.array([g.capacite for g in self.guichets], dtype=float),
                "capacite_agent": np.array([g.param("capacite_agent") for g in self.guichets], dtype=np.float32),
            }
        return self._guichets_par_k

    def table_acces_guichet(self) -> np.ndarray:
        """Accès à un canal non numérique par (prestation, territoire) : dépôt permis × ouverture du guichet ;
        dernière ligne (prestation −1, démarche courante, sans guichet) nulle. Recalculée quand l'ouverture des
        guichets ou le catalogue change."""
        ouv, cat = self.ouverture_guichets(), self.catalogue
        cache = getattr(self, "_table_acces", None)
        if cache is not None and cache[0] is ouv and cache[1] is cat:
            return cache[2]
        z = np.arange(len(TERRITOIRES))
        acces = ouv[cat.organisme[:, None], z[None, :]] * cat.depot_guichet[:, None]
        table = np.vstack([acces, np.zeros((1, len(TERRITOIRES)))])
        self._table_acces = (ouv, cat, table)
        return table

    def acces_guichet(self, i: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Accès à un canal non numérique pour (ménage, prestation) : dépôt permis × ouverture du guichet (0 pour
        b < 0), lu dans `table_acces_guichet`."""
        table = self.table_acces_guichet()
        return table[np.where(b < 0, table.shape[0] - 1, b), self.menages.territoire[i]]

    def rendez_vous(self, i: np.ndarray, b: np.ndarray) -> np.ndarray:
        """1 si le guichet de l'organisme n'accueille que sur rendez-vous."""
        self.ouverture_guichets()
        return self._ouverture[1][self.catalogue.organisme[np.maximum(b, 0)], self.menages.territoire[i]]

    def echus(self, agenda, statut: int) -> tuple[np.ndarray, np.ndarray]:
        """Couples (ménages, prestations) dont la date de l'agenda vaut ce pas et dont le statut est `statut`."""
        idx = agenda.egal(self.t)
        idx = idx[self.menages.statut.reshape(-1)[idx] == statut]
        return np.divmod(idx, self.menages.n_prestations)

    def acteur(self, g: int, z: int) -> ActeurAccompagnement:
        """L'acteur de genre g dans le territoire z."""
        return self.acteurs[g * len(TERRITOIRES) + z]

    def guichet(self, o: int, z: int) -> Guichet:
        """Le guichet de l'organisme o dans le territoire z."""
        return self.guichets[o * len(TERRITOIRES) + z]

    def code_contact_guichet(self, o: int) -> int:
        """Code de contact d'un guichet (après l'entourage et les acteurs)."""
        return 1 + len(GENRES_ACTEURS) + o

    def demander_guichet(self, i: np.ndarray, b: np.ndarray) -> None:
        """Inscrit des demandes au guichet de leur organisme et territoire pour cette semaine."""
        if i.size == 0:
            return
        self.menages.statut[i, b] = ATTENTE
        o = self.catalogue.organisme[b]
        z = self.menages.territoire[i]
        self.files_guichets.demander(o.astype(np.int64) * len(TERRITOIRES) + z, i, b)

    # --- Exécution ----------------------------------------------------------------------------------------
    def lancer(self, rappel=None) -> None:
        """Simule le rodage puis toute la période ; `rappel(pas)` est appelé après chaque pas."""
        while self.running:
            self.step()
            if rappel is not None:
                rappel(self.t)

    def series(self):
        """Tableau long des indicateurs relevés."""
        return self.releve.tableau()
