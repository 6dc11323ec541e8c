"""Étalon « un agent par ménage » : les règles cœur écrites à la manière idiomatique de Mesa.

Sert deux fois (ODD §7) : mesure de vitesse (ménages × semaines par seconde, comparée au modèle vectorisé) et
contrôle d'alignement (`tests/test_alignement_yardstick.py`). Mêmes paramètres (lus par `modele.parametres`
au travers du scénario), même population initiale (mêmes tirages que `ModeleNonRecours`, même graine), mêmes
formes fonctionnelles pour les règles cœur :

- éligibilité : sortie au hasard 1 / durée, entrée au hasard sortie × q / (1 − q) (q : part stationnaire du
  profil), prestation liée ; connaissance à l'entrée (`connaissance_entree`, doublée si le ménage perçoit une
  prestation du même organisme) ;
- information : hasard `taux_information` + `coef_reseau` × part de connaisseurs parmi les éligibles du même
  territoire et du même quintile (les contacts ne sont pas modélisés ici : mettre `information.p_contact_*` à 0
  dans le modèle vectorisé pour comparer) ;
- décision : même utilité, même bruit logistique, même reconsidération ;
- démarche seul en ligne (étapes, sigmoïde) ; après un échec : acteur d'accompagnement (un par territoire,
  heures limitées, file servie dans l'ordre, patience), réessayer plus tard, ou renoncer (logit, mêmes
  utilités) ; instruction (délai, pièces, rejet) ; déclarations périodiques, suspension, régularisation.

Ce qui n'y est pas : entourage, guichets, service payant, postures, démarches courantes, politiques datées.
Chaque ménage est un `mesa.Agent` ; la semaine est `model.agents_by_type[Menage].shuffle_do("step")`, puis les
acteurs servent leur file. Aucune vectorisation (c'est le point).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from modele.etat import AUCUN, DEMARCHE, INSTRUCTION, PERCOIT, SUSPENDU, TERRITOIRES
from modele.modele import ModeleNonRecours
from modele.tentatives import capacites, difficultes

ATTENTE_AIDE = 2


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


class Menage(mesa.Agent):
    """Un ménage : attributs et état par prestation en listes Python."""

    def __init__(self, model: ModeleEtalon, k: int, src: ModeleNonRecours):
        super().__init__(model)
        M = src.menages
        P = M.n_prestations
        self.k = k
        self.territoire = int(M.territoire[k])
        self.groupe = int(M.territoire[k]) * 5 + int(M.quintile[k])
        self.equipe = bool(M.equipement[k] > 0)
        self.num = float(min(M.numerique[k] + M.autonomie[k], 1.0))
        self.cap = [float(x) for x in model.cap[k]]
        self.eligible = [bool(x) for x in M.eligible[k]]
        self.connait = [bool(x) for x in M.connait[k]]
        self.statut = [int(x) for x in M.statut[k]]
        self.etape = [0] * P
        self.tentatives = [0] * P
        self.t_prochain = [10**6] * P
        self.t_decision = [int(x) for x in M.t_decision[k]]
        self.t_renouvellement = [int(x) for x in M.t_renouvellement[k]]
        self.perception = [float(x) for x in M.perception[k]]
        self.entree = [float(x) for x in model.entree[k]]

    # --- une semaine ---------------------------------------------------------------------------------------
    def step(self) -> None:
        """Éligibilité, information, décision, démarche, instruction, déclaration, pour chaque prestation."""
        m = self.model
        t = m.t
        r = self.random.random
        for b in range(m.n_p):
            if not self.eligible[b]:
                if r() < self.entree[b]:
                    self.entrer(b)
                    for bl in m.liees[b]:
                        if not self.eligible[bl]:
                            self.entrer(bl)
                continue
            if r() < m.sortie[b] and not (m.source[b] >= 0 and self.eligible[m.source[b]]):
                self.sortir(b)
                continue
            if not self.connait[b]:
                h = m.taux_information[b] + m.coef_reseau * m.part_reseau(b, self.groupe)
                if r() < h:
                    self.connait[b] = True
                    m.n_co[b][self.groupe] += 1
                    self.t_decision[b] = t
            s = self.statut[b]
            if s == AUCUN:
                if self.connait[b] and self.t_decision[b] <= t:
                    self.decider(b)
            elif s == DEMARCHE:
                if self.t_prochain[b] == t:
                    self.tenter(b, 0.0)
            elif s == INSTRUCTION:
                if self.t_prochain[b] == t:
                    self.instruire(b)
            elif s == PERCOIT:
                if self.t_renouvellement[b] == t:
                    self.declarer(b)
            elif s == SUSPENDU and self.t_prochain[b] == t:
                self.regulariser(b)

    def entrer(self, b: int) -> None:
        """Devient éligible ; connaît son droit avec `connaissance_entree` (doublée si même organisme perçu)."""
        m = self.model
        self.eligible[b] = True
        m.n_el[b][self.groupe] += 1
        meme_org = any(self.statut[c] == PERCOIT for c in m.meme_organisme[b])
        p = min(m.connaissance_entree[b] * (m.facteur_meme_organisme if meme_org else 1.0), 1.0)
        if self.connait[b] or self.random.random() < p:
            if not self.connait[b]:
                self.connait[b] = True
            m.n_co[b][self.groupe] += 1
            self.t_decision[b] = m.t
        self.statut[b] = AUCUN

    def sortir(self, b: int) -> None:
        """Fin d'éligibilité : la demande ou le droit s'arrête."""
        m = self.model
        self.eligible[b] = False
        m.n_el[b][self.groupe] -= 1
        if self.connait[b]:
            m.n_co[b][self.groupe] -= 1
        self.statut[b] = AUCUN
        self.etape[b] = 0
        self.tentatives[b] = 0
        self.t_prochain[b] = self.t_decision[b] = self.t_renouvellement[b] = 10**6

    def decider(self, b: int) -> None:
        """Demande si utilité + bruit logistique > 0 ; sinon reconsidère plus tard."""
        m = self.model
        self.perception[b] += m.retour_perception * (m.perception_initiale - self.perception[b])
        u = m.utilite_fixe[self.k][b] + m.coef_montant_log[b] * self.perception[b]
        x = self.random.random()
        bruit = m.echelle_bruit * math.log(x / (1.0 - x)) if 0.0 < x < 1.0 else 0.0
        if u + bruit > 0:
            self.statut[b] = DEMARCHE
            self.tentatives[b] = 0
            self.t_decision[b] = 10**6
            self.t_prochain[b] = m.t
            pref = _sig(m.pente * (self.num - 0.5) + m.preference_en_ligne + m.tendance)
            if not (self.equipe and self.random.random() < pref):
                m.aidants[self.territoire].ajouter(self, b)
        else:
            self.t_decision[b] = m.t + self.geometrique(1.0 / m.reconsideration)

    def geometrique(self, p: float) -> int:
        """Tirage géométrique (≥ 1) de paramètre p."""
        u = self.random.random()
        return max(1, int(math.ceil(math.log(1.0 - u) / math.log(1.0 - p)))) if p < 1.0 else 1

    def tenter(self, b: int, aide: float) -> None:
        """Tente les étapes restantes (capacité propre, ou celle de l'aidant si meilleure)."""
        m = self.model
        etape = self.etape[b]
        diff = m.difficulte[b]
        while etape < 5:
            c = max(self.cap[etape], aide)
            if self.random.random() < _sig(m.pente * (c - diff[etape]) + m.bonus_en_ligne):
                etape += 1
            else:
                break
        if etape >= 5:
            self.statut[b] = INSTRUCTION
            self.etape[b] = 5
            self.t_prochain[b] = m.t + self.geometrique(1.0 / max(m.delai[b], 1.0))
            return
        self.etape[b] = etape
        self.tentatives[b] += 1
        self.repli(b)

    def repli(self, b: int) -> None:
        """Après un échec : acteur, réessayer plus tard ou renoncer (logit, astuce de Gumbel)."""
        m = self.model
        options = []
        if m.aidants[self.territoire].heures > 0:
            options.append(("acteur", m.repli_acteur - m.part_distance_acteur * m.cout_distance[self.territoire]))
        if self.equipe:
            options.append(("reessayer", m.repli_reessayer))
        options.append(("renoncer", m.repli_renoncer + m.renoncement_par_echec * self.tentatives[b]))
        meilleur, choix = -math.inf, "renoncer"
        for nom, u in options:
            v = u - math.log(-math.log(self.random.random() or 1e-300))
            if v > meilleur:
                meilleur, choix = v, nom
        if self.tentatives[b] >= m.tentatives_max:
            choix = "renoncer"
        if choix == "renoncer":
            self.renoncer(b)
        elif choix == "acteur":
            self.statut[b] = DEMARCHE
            m.aidants[self.territoire].ajouter(self, b)
        else:
            self.statut[b] = DEMARCHE
            self.t_prochain[b] = m.t + self.geometrique(1.0 / m.delai_nouvel_essai)

    def renoncer(self, b: int) -> None:
        """Abandon pour de bon : découragement, reconsidération bien plus tard."""
        m = self.model
        self.statut[b] = AUCUN
        self.tentatives[b] = 0
        self.t_prochain[b] = 10**6
        self.perception[b] *= 1.0 - m.perte_perception
        self.t_decision[b] = m.t + self.geometrique(1.0 / m.reconsideration)

    def instruire(self, b: int) -> None:
        """Décision de l'organisme : pièces manquantes, rejet à tort, ou ouverture du droit."""
        m = self.model
        if self.random.random() < m.p_pieces[b] and self.tentatives[b] < m.tentatives_max:
            self.statut[b] = DEMARCHE
            self.etape[b] = 3
            self.tentatives[b] += 1
            self.t_prochain[b] = m.t + 1
        elif self.random.random() < m.p_rejet[b]:
            self.statut[b] = AUCUN
            self.etape[b] = 0
            self.t_prochain[b] = 10**6
            self.perception[b] *= 1.0 - m.perte_perception
            self.t_decision[b] = m.t + self.geometrique(1.0 / m.reconsideration)
        else:
            self.statut[b] = PERCOIT
            self.tentatives[b] = 0
            self.t_prochain[b] = 10**6
            self.t_renouvellement[b] = m.t + m.periode[b] if m.periode[b] > 0 else 10**6

    def declarer(self, b: int) -> None:
        """Déclaration périodique : réussite, ou suspension du droit (rupture)."""
        m = self.model
        if self.random.random() < _sig(m.pente * (self.cap_suivi - m.diff_declaration[b]) + m.bonus_en_ligne):
            self.t_renouvellement[b] += m.periode[b]
        else:
            self.statut[b] = SUSPENDU
            self.t_renouvellement[b] = 10**6
            self.t_prochain[b] = m.t + m.delai_regularisation
            m.ruptures += 1

    @property
    def cap_suivi(self) -> float:
        """Capacité de suivi (déclarations)."""
        return max(self.cap[4], self.model.cap_aidant[self.k])

    def regulariser(self, b: int) -> None:
        """Fin du délai : droit rétabli ou fermé."""
        m = self.model
        rel = min(max(self.cap_suivi / max(m.diff_decl_base, 1e-6), 0.0), 1.0)
        if self.random.random() < m.p_regularisation * rel:
            self.statut[b] = PERCOIT
            self.t_prochain[b] = 10**6
            self.t_renouvellement[b] = m.t + m.periode[b]
        else:
            self.statut[b] = AUCUN
            self.etape[b] = 0
            self.t_prochain[b] = 10**6
            self.perception[b] *= 1.0 - m.perte_perception
            self.t_decision[b] = m.t + self.geometrique(1.0 / m.reconsideration)


class Aidant(mesa.Agent):
    """Les acteurs d'accompagnement d'un territoire : heures par semaine, file servie dans l'ordre d'arrivée."""

    def __init__(self, model: ModeleEtalon, territoire: int, heures: float, capacite: float):
        super().__init__(model)
        self.territoire = territoire
        self.heures = heures
        self.capacite = capacite
        self.file: list[tuple[Menage, int, int]] = []

    def ajouter(self, menage: Menage, b: int) -> None:
        """Entrée en file avec une patience exponentielle."""
        m = self.model
        menage.statut[b] = ATTENTE_AIDE
        limite = m.t + int(self.random.expovariate(1.0 / m.patience))
        self.file.append((menage, b, limite))

    def servir(self) -> None:
        """Sert la file dans la limite des heures ; les ménages dont la patience est épuisée renoncent."""
        m = self.model
        reste = self.heures
        file, self.file = self.file, []
        for menage, b, limite in file:
            if menage.statut[b] != ATTENTE_AIDE or not menage.eligible[b]:
                continue
            if limite < m.t:
                menage.statut[b] = DEMARCHE
                menage.renoncer(b)
                continue
            if reste >= m.duree_episode:
                reste -= m.duree_episode
                menage.statut[b] = DEMARCHE
                menage.tenter(b, self.capacite)
            else:
                self.file.append((menage, b, limite))


class ModeleEtalon(mesa.Model):
    """Modèle étalon : un `mesa.Agent` par ménage, mêmes paramètres et même population que le modèle vectorisé."""

    def __init__(self, scenario: str = "reference", menages: int = 2000, graine: int = 0, debut: str = "2014-01",
                 fin: str = "2014-12", surcharges: dict | None = None):
        super().__init__(rng=int(graine))
        src = ModeleNonRecours(scenario=scenario, menages=menages, graine=graine, debut=debut, fin=fin,
                               surcharges=surcharges)
        p, cat, M = src.p, src.catalogue, src.menages
        self.calendrier = src.calendrier
        self.t = -int(p["simulation.rodage_semaines"])
        self.n_p = P = M.n_prestations
        self.noms = list(cat.noms)
        tout = np.arange(M.n)
        self.cap = capacites(src, tout)
        self.cap_aidant = [float(x) for x in M.capacite_aidant]
        self.difficulte = [[float(x) for x in row] for row in difficultes(src, np.arange(P))]
        self.sortie = [float(1.0 / d) for d in cat.duree_eligibilite]
        q = src.parts_eligibles
        self.entree = (np.asarray(self.sortie)[None, :] * q / (1.0 - q)).tolist()
        self.liees = [[int(x) for x in np.flatnonzero(cat.liee == b)] for b in range(P)]
        self.source = [int(x) for x in cat.liee]  # on reste éligible à la CSS tant qu'on l'est au RSA
        self.meme_organisme = [[int(c) for c in np.flatnonzero(cat.organisme == cat.organisme[b])] for b in range(P)]
        self.connaissance_entree = [float(x) for x in cat.connaissance_entree]
        self.taux_information = [float(x) for x in cat.taux_information]
        self.coef_reseau = float(p["information.coef_reseau"])
        # Utilité de demander : partie fixe par (ménage, prestation), comme `decision.utilite` sans la perception.
        ii = np.repeat(tout, P)
        bb = np.tile(np.arange(P), M.n)
        num = (M.numerique_effectif(ii) * (M.equipement[ii] > 0)).astype(float)
        acces = np.minimum(src.acces_guichet(ii, bb), 1.0)
        rdv = src.rendez_vous(ii, bb)
        z = M.territoire[ii]
        fixe = (-p["decision.cout_base"] - cat.stigmate[bb] - p["decision.cout_numerique"] * (1.0 - num) * (1.0 - acces)
                - (np.asarray(p["decision.cout_distance"])[z] + p["decision.cout_rendez_vous"] * rdv)
                * (1.0 - num) * acces)
        self.utilite_fixe = fixe.reshape(M.n, P).tolist()
        self.coef_montant_log = [float(p["decision.coef_montant"] * np.log1p(x / p["decision.echelle_montant"]))
                                 for x in cat.montant]
        self.facteur_meme_organisme = p["evenements.facteur_connaissance_meme_organisme"]
        self.part_distance_acteur = p["demarches.part_cout_distance_acteur"]
        self.echelle_bruit = float(p["decision.echelle_bruit"])
        self.reconsideration = float(p["decision.reconsideration"])
        self.perception_initiale = float(p["decision.perception_initiale"])
        self.retour_perception = float(p["decision.retour_perception"])
        self.perte_perception = float(p["decision.perte_perception_echec"])
        self.pente = float(p["demarches.pente"])
        self.bonus_en_ligne = float(p["demarches.bonus_en_ligne"])
        self.preference_en_ligne = float(p["demarches.preference_en_ligne"])
        self.tendance = float(p["demarches.tendance_en_ligne"]) * (self.calendrier.annee(0) - 2014)
        self.repli_acteur = float(p["demarches.repli_acteur"])
        self.repli_reessayer = float(p["demarches.repli_reessayer"])
        self.repli_renoncer = float(p["demarches.repli_renoncer"])
        self.renoncement_par_echec = float(p["demarches.renoncement_par_echec"])
        self.tentatives_max = int(p["demarches.tentatives_max"])
        self.delai_nouvel_essai = float(p["demarches.delai_nouvel_essai"])
        self.cout_distance = [float(x) for x in p["decision.cout_distance"]]
        self.delai = [float(x) for x in cat.delai]
        self.p_pieces = [float(x) for x in cat.p_pieces]
        self.p_rejet = [float(x) for x in cat.p_rejet]
        self.periode = [int(x) for x in cat.periode]
        self.diff_decl_base = float(p["renouvellements.difficulte_declaration"])
        self.diff_declaration = [float(p["renouvellements.difficulte_preremplie"]) if pr else self.diff_decl_base
                                 for pr in cat.preremplie]
        self.delai_regularisation = int(p["renouvellements.delai_regularisation"])
        self.p_regularisation = float(p["renouvellements.p_regularisation"])
        self.patience = float(p["accompagnement.patience"])
        self.duree_episode = 0.5 * (p["accompagnement.heures_faire_a_la_place"] + p["accompagnement.heures_faire_avec"])
        self.ruptures = 0
        # Compteurs du réseau (éligibles, connaisseurs) par prestation et groupe territoire × quintile.
        groupe = M.territoire.astype(int) * 5 + M.quintile
        self.n_el = [np.bincount(groupe[M.eligible[:, b]], minlength=20).tolist() for b in range(P)]
        self.n_co = [np.bincount(groupe[M.eligible[:, b] & M.connait[:, b]], minlength=20).tolist() for b in range(P)]
        # Agents : ménages puis un aidant par territoire (heures de tous les acteurs hors service payant).
        for k in range(M.n):
            Menage(self, k, src)
        offre = src.offre_acteurs()
        capa = max(float(a.param("capacite")) for a in src.acteurs)
        self.aidants = [Aidant(self, z, float(offre[:-1, z].sum()), capa) for z in range(len(TERRITOIRES))]
        self.n_pas = self.calendrier.n_pas
        self.releves: list[dict] = []
        del src

    def part_reseau(self, b: int, g: int) -> float:
        """Part de connaisseurs parmi les éligibles du groupe."""
        n = self.n_el[b][g]
        return self.n_co[b][g] / n if n > 0 else 0.0

    def step(self) -> None:
        """Une semaine : chaque ménage (ordre aléatoire), puis les aidants ; relevé au début de chaque mois."""
        self.agents_by_type[Menage].shuffle_do("step")
        for a in self.aidants:
            a.servir()
        self.t += 1
        if self.t > 0 and (self.t >= self.n_pas or self.calendrier.debut_de_mois(self.t)):
            self.releves.append(self.relever())
        if self.t >= self.n_pas:
            self.running = False

    def relever(self) -> dict:
        """Indicateurs du mois (ensemble des ménages) : parts éligibles, non-connaissance, non-recours."""
        P = self.n_p
        el = [0] * P
        ign = [0] * P
        nr = [0] * P
        n = 0
        for a in self.agents_by_type[Menage]:
            n += 1
            for b in range(P):
                if a.eligible[b]:
                    el[b] += 1
                    if not a.connait[b]:
                        ign[b] += 1
                    if a.statut[b] != PERCOIT:
                        nr[b] += 1
        sortie = {"date": self.calendrier.date(self.t - 1).isoformat()[:7]}
        for b, nom in enumerate(self.noms):
            sortie[f"part_eligibles_{nom}"] = el[b] / n
            sortie[f"taux_non_connaissance_{nom}"] = ign[b] / el[b] if el[b] else float("nan")
            sortie[f"taux_non_recours_{nom}"] = nr[b] / el[b] if el[b] else float("nan")
        return sortie

    def lancer(self) -> None:
        """Simule jusqu'à la fin."""
        while self.running:
            self.step()
