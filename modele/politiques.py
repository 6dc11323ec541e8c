"""Politiques : interventions datées, appliquées à leur date et défaites à leur fin.

Règle : une intervention ne touche jamais l'état des ménages ; elle change des paramètres (capacités des
guichets, heures des acteurs, canaux, automaticité…). À chaque pas, les paramètres en vigueur sont
recalculés depuis la base du scénario en appliquant, dans l'ordre du fichier, les interventions actives :
défaire une intervention, c'est simplement ne plus l'appliquer. Chaque type d'intervention déclare ses champs
et leur validation (`CHAMPS`) ; la lecture des fichiers de scénario, leur héritage et leur validation
d'ensemble sont dans `modele/scenarios.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from modele.etat import TERRITOIRES
from modele.parametres import ErreurEntree, Parametres
from modele.prestations import GENRES_ACTEURS, ORGANISMES, noms_prestations

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours
    from modele.scenarios import Scenario


# --- Champs des interventions : validation commune -------------------------------------------------------

def _texte_parmi(choix: tuple[str, ...]) -> Callable:
    def valider(v, ctx):
        if v not in choix:
            raise ErreurEntree("Valeur non permise.", fichier=ctx[0], cle=ctx[1], valeur=v,
                               attendu="une valeur parmi " + ", ".join(choix))
        return v
    return valider


def _zones(v, ctx):
    if v == "toutes":
        return list(range(len(TERRITOIRES)))
    if not isinstance(v, list) or not v or any(z not in TERRITOIRES for z in v):
        raise ErreurEntree("Territoires invalides.", fichier=ctx[0], cle=ctx[1], valeur=v,
                           attendu="\"toutes\" ou une liste parmi " + ", ".join(TERRITOIRES))
    return [TERRITOIRES.index(z) for z in v]


def _part(v, ctx):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ErreurEntree("Part invalide.", fichier=ctx[0], cle=ctx[1], valeur=v, attendu="un nombre entre 0 et 1")
    return float(v)


def _positif(v, ctx):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        raise ErreurEntree("Nombre invalide.", fichier=ctx[0], cle=ctx[1], valeur=v, attendu="un nombre >= 0")
    return float(v)


def _prestation(v, ctx):
    return _texte_parmi(noms_prestations())(v, ctx)


def _prestations(v, ctx):
    if not isinstance(v, list) or not v:
        raise ErreurEntree("Liste de prestations attendue.", fichier=ctx[0], cle=ctx[1], valeur=v,
                           attendu="une liste parmi " + ", ".join(noms_prestations()))
    return [_prestation(x, ctx) for x in v]


def _quelconque(v, ctx):
    return v


def _texte(v, ctx):
    if not isinstance(v, str):
        raise ErreurEntree("Texte attendu.", fichier=ctx[0], cle=ctx[1], valeur=v, attendu="un texte")
    return v


def _prestations_ou_toutes(v, ctx):
    if v == "toutes":
        return list(noms_prestations())
    return _prestations(v, ctx)


def _booleen(v, ctx):
    if not isinstance(v, bool):
        raise ErreurEntree("Booléen attendu.", fichier=ctx[0], cle=ctx[1], valeur=v, attendu="true ou false")
    return v


# Aidants Connect habilite des professionnels de structures (publiques ou associatives) ; la famille, les
# bénévoles et les services payants en sont exclus ([aidants_connect_faq], règles d'habilitation).
GENRES_AIDANTS_CONNECT = ("travailleur_social", "france_services", "conseiller_numerique", "association")


def _genres_aidants_connect(v, ctx):
    if v == "tous":
        return list(GENRES_AIDANTS_CONNECT)
    if not isinstance(v, list) or not v or any(g not in GENRES_AIDANTS_CONNECT for g in v):
        raise ErreurEntree("Genres d'acteurs invalides pour Aidants Connect.", fichier=ctx[0], cle=ctx[1], valeur=v,
                           attendu="\"tous\" ou une liste parmi " + ", ".join(GENRES_AIDANTS_CONNECT)
                           + " (famille, bénévoles et services payants ne peuvent pas être habilités)")
    return list(v)


def _contacts(v, ctx):
    permis = ("guichets", "acteurs")
    if not isinstance(v, list) or not v or any(c not in permis for c in v):
        raise ErreurEntree("Contacts invalides.", fichier=ctx[0], cle=ctx[1], valeur=v,
                           attendu="une liste parmi " + ", ".join(permis))
    return list(v)


# --- Interventions ------------------------------------------------------------------------------------

@dataclass
class Intervention:
    """Base : une intervention a une date de début, une fin facultative et une description."""

    debut: dt.date
    fin: dt.date | None
    description: str
    champs: dict[str, Any] = field(default_factory=dict)

    CHAMPS: ClassVar[dict[str, tuple[Callable, bool, str]]] = {}
    DOC: ClassVar[str] = ""

    def modifications(self, p: Parametres) -> dict[str, Any]:
        """Nouvelles valeurs de paramètres, calculées depuis les paramètres en vigueur `p`."""
        raise NotImplementedError

    def resume(self) -> str:
        """Une ligne lisible pour les rapports."""
        fin = f" → {self.fin.isoformat()}" if self.fin else ""
        return f"{self.debut.isoformat()}{fin} : {self.description}"


class ChangementParametre(Intervention):
    """Change un paramètre déclaré : `valeur` (remplace) ou `facteur` (multiplie un nombre ou une liste)."""

    DOC = "Changement générique d'un paramètre déclaré (valeur ou facteur)."
    CHAMPS = {"cle": (_texte, True, "clé du paramètre"), "valeur": (_quelconque, False, "nouvelle valeur"),
              "facteur": (_positif, False, "multiplicateur")}

    def modifications(self, p):
        """Valeur ou facteur appliqué au paramètre."""
        cle = self.champs["cle"]
        if "valeur" in self.champs:
            return {cle: self.champs["valeur"]}
        v, f = p[cle], self.champs["facteur"]
        if isinstance(v, list):
            return {cle: [x * f for x in v]}
        return {cle: type(v)(v * f)}


class FermetureGuichets(Intervention):
    """Ferme une part des points d'accueil d'un organisme dans des territoires (part = 1 : tout ferme)."""

    DOC = "Fermeture d'une part des guichets d'un organisme (part de la capacité en vigueur retirée)."
    CHAMPS = {"operateur": (_texte_parmi(ORGANISMES), True, "organisme"),
              "zones": (_zones, True, "territoires ou \"toutes\""), "part": (_part, True, "part retirée (0-1)")}

    def modifications(self, p):
        """Part ouverte multipliée par (1 − part) dans les territoires visés."""
        cle = f"guichets.{self.champs['operateur']}.part_ouverte"
        v = list(p[cle])
        for z in self.champs["zones"]:
            v[z] = v[z] * (1.0 - self.champs["part"])
        return {cle: v}


class OuvertureGuichets(Intervention):
    """Rouvre ou maintient des guichets : fixe la part ouverte dans des territoires."""

    DOC = "Part ouverte des guichets d'un organisme fixée dans des territoires (maintien ou réouverture)."
    CHAMPS = {"operateur": (_texte_parmi(ORGANISMES), True, "organisme"),
              "zones": (_zones, True, "territoires ou \"toutes\""), "part": (_part, True, "part ouverte (0-1)")}

    def modifications(self, p):
        """Part ouverte fixée."""
        cle = f"guichets.{self.champs['operateur']}.part_ouverte"
        v = list(p[cle])
        for z in self.champs["zones"]:
            v[z] = self.champs["part"]
        return {cle: v}


class RendezVousSeulement(Intervention):
    """L'accueil d'un organisme passe sur rendez-vous seulement (ou revient à l'accueil libre)."""

    DOC = "Accueil sur rendez-vous seulement."
    CHAMPS = {"operateur": (_texte_parmi(ORGANISMES), True, "organisme"),
              "actif": (lambda v, c: v if isinstance(v, bool) else _texte_parmi(("true", "false"))(v, c), False,
                        "true (défaut) ou false")}

    def modifications(self, p):
        """Bascule le drapeau rendez-vous."""
        return {f"guichets.{self.champs['operateur']}.rendez_vous_seulement": self.champs.get("actif", True)}


class EnLigneSeulement(Intervention):
    """Une prestation ne se demande plus qu'en ligne (plus de dépôt au guichet ni sur papier)."""

    DOC = "Dépôt en ligne seulement pour des prestations."
    CHAMPS = {"prestations": (_prestations, True, "prestations visées")}

    def modifications(self, p):
        """Dépôt au guichet fermé."""
        return {f"prestations.{b}.depot_guichet": False for b in self.champs["prestations"]}


class RenfortActeurs(Intervention):
    """Heures d'un genre d'acteur : multipliées (`facteur`) ou fixées (`heures_pour_10000`)."""

    DOC = "Renfort ou réduction des heures d'accompagnement d'un genre d'acteur."
    CHAMPS = {"genre": (_texte_parmi(GENRES_ACTEURS), True, "genre d'acteur"),
              "facteur": (_positif, False, "multiplicateur des heures"),
              "heures_pour_10000": (_positif, False, "heures par semaine pour 10 000 ménages")}

    def modifications(self, p):
        """Heures fixées ou multipliées."""
        cle = f"acteurs.{self.champs['genre']}.heures_pour_10000"
        if "heures_pour_10000" in self.champs:
            return {cle: self.champs["heures_pour_10000"]}
        return {cle: p[cle] * self.champs.get("facteur", 1.0)}


class Automatisation(Intervention):
    """Une prestation devient automatique pour les bénéficiaires d'une autre (CSS pour le RSA, 2022)."""

    DOC = "Attribution automatique d'une prestation aux bénéficiaires d'une autre."
    CHAMPS = {"prestation": (_prestation, True, "prestation attribuée"),
              "pour_beneficiaires_de": (_prestation, True, "prestation source")}

    def modifications(self, p):
        """Règle d'automaticité."""
        return {f"prestations.{self.champs['prestation']}.automatique_pour": self.champs["pour_beneficiaires_de"]}


class DeclarationPreremplie(Intervention):
    """La déclaration périodique est pré-remplie (solidarité à la source, 2025)."""

    DOC = "Déclaration périodique pré-remplie."
    CHAMPS = {"prestations": (_prestations, True, "prestations visées")}

    def modifications(self, p):
        """Drapeau pré-remplissage."""
        return {f"prestations.{b}.declaration_preremplie": True for b in self.champs["prestations"]}


class MaintienCanalNonNumerique(Intervention):
    """Garde une alternative non numérique : dépôt au guichet ou sur papier permis, accueil physique minimal.

    Pour chaque prestation visée, le dépôt non numérique redevient possible ; l'organisme qui la verse garde au
    moins `part_ouverte_min` de son accueil de 2014 dans chaque territoire visé (défaut :
    politiques.maintien_part_ouverte_min) ; `accueil_libre = true` lève en plus le rendez-vous obligatoire.
    Placée après les fermetures dans le fichier, elle l'emporte sur elles tant qu'elle est active.
    """

    DOC = "Alternative non numérique maintenue (dépôt papier ou au guichet, accueil physique minimal)."
    CHAMPS = {"prestations": (_prestations_ou_toutes, True, "prestations visées ou \"toutes\""),
              "zones": (_zones, False, "territoires ou \"toutes\" (défaut : toutes)"),
              "part_ouverte_min": (_part, False, "part minimale de l'accueil de 2014 (0-1)"),
              "accueil_libre": (_booleen, False, "true : accueil sans rendez-vous")}

    def modifications(self, p):
        """depot_guichet vrai ; part ouverte relevée au minimum ; rendez-vous levé si demandé."""
        out: dict[str, Any] = {f"prestations.{b}.depot_guichet": True for b in self.champs["prestations"]}
        mini = self.champs.get("part_ouverte_min", p["politiques.maintien_part_ouverte_min"])
        zones = self.champs.get("zones", list(range(len(TERRITOIRES))))
        for o in sorted({p[f"prestations.{b}.operateur"] for b in self.champs["prestations"]}):
            cle = f"guichets.{o}.part_ouverte"
            v = list(p[cle])
            for z in zones:
                v[z] = max(v[z], mini)
            out[cle] = v
            if self.champs.get("accueil_libre", False):
                out[f"guichets.{o}.rendez_vous_seulement"] = False
        return out


class OuvertureFranceServices(Intervention):
    """Plus d'heures France Services dans des territoires : la densité de l'offre y est multipliée."""

    DOC = "Ouverture de France Services (heures multipliées dans des territoires)."
    CHAMPS = {"zones": (_zones, True, "territoires ou \"toutes\""),
              "facteur": (_positif, True, "multiplicateur des heures dans ces territoires")}

    def modifications(self, p):
        """acteurs.france_services.densite_territoires × facteur dans les zones visées."""
        cle = "acteurs.france_services.densite_territoires"
        v = list(p[cle])
        for z in self.champs["zones"]:
            v[z] = v[z] * self.champs["facteur"]
        return {cle: v}


class AidantsConnect(Intervention):
    """Habilitation Aidants Connect : « faire à la place » légal, sans garder les identifiants du ménage."""

    DOC = "Habilitation Aidants Connect de genres d'acteurs."
    CHAMPS = {"genres": (_genres_aidants_connect, True, "genres d'acteurs habilités ou \"tous\"")}

    def modifications(self, p):
        """acteurs.<genre>.aidants_connect = true."""
        return {f"acteurs.{g}.aidants_connect": True for g in self.champs["genres"]}


class RendezVousDesDroits(Intervention):
    """Rendez-vous des droits : chaque passage au guichet (et chez les acteurs, si demandé) examine tous les droits.

    Les probabilités qu'un contact informe d'un droit non réclamé sont relevées au moins à `p_information`
    (défaut : politiques.rendez_vous_droits_p_information), pour les prestations de l'organisme et des autres.
    """

    DOC = "Rendez-vous des droits : information proactive lors des contacts."
    CHAMPS = {"p_information": (_part, False, "probabilité d'informer d'un droit non réclamé (0-1)"),
              "contacts": (_contacts, False, "liste parmi guichets, acteurs (défaut : [\"guichets\"])")}

    def modifications(self, p):
        """Probabilités d'information des contacts relevées."""
        q = self.champs.get("p_information", p["politiques.rendez_vous_droits_p_information"])
        cles = []
        if "guichets" in self.champs.get("contacts", ["guichets"]):
            cles += ["information.p_contact_guichet_propre", "information.p_contact_guichet_autre"]
        if "acteurs" in self.champs.get("contacts", ["guichets"]):
            cles += ["information.p_contact_global", "information.p_contact_numerique"]
        return {c: max(p[c], q) for c in cles}


class FormationTravailleursSociaux(Intervention):
    """Formation des travailleurs sociaux à la médiation numérique : plus de « faire avec », plus de réussite.

    La part formée est fixée à `formation` ; la capacité de l'aidant est relevée à `capacite` si elle est donnée.
    """

    DOC = "Formation des travailleurs sociaux à la médiation numérique."
    CHAMPS = {"formation": (_part, True, "part des travailleurs sociaux formés (0-1)"),
              "capacite": (_part, False, "capacité de l'aidant après formation (0-1)")}

    def modifications(self, p):
        """acteurs.travailleur_social.formation (et capacite) relevées."""
        out = {"acteurs.travailleur_social.formation": max(p["acteurs.travailleur_social.formation"],
                                                            self.champs["formation"])}
        if "capacite" in self.champs:
            out["acteurs.travailleur_social.capacite"] = max(p["acteurs.travailleur_social.capacite"],
                                                             self.champs["capacite"])
        return out


class VersementAutomatique(Intervention):
    """Le droit est ouvert sans demande (croisement de fichiers) et la déclaration périodique est pré-remplie."""

    DOC = "Ouverture automatique des droits (sans demande) et déclaration pré-remplie."
    CHAMPS = {"prestations": (_prestations_ou_toutes, True, "prestations visées ou \"toutes\"")}

    def modifications(self, p):
        """ouverture_automatique et declaration_preremplie vraies."""
        out: dict[str, Any] = {}
        for b in self.champs["prestations"]:
            out[f"prestations.{b}.ouverture_automatique"] = True
            out[f"prestations.{b}.declaration_preremplie"] = True
        return out


TYPES_INTERVENTIONS: dict[str, type[Intervention]] = {
    "changement_parametre": ChangementParametre,
    "fermeture_guichets": FermetureGuichets,
    "ouverture_guichets": OuvertureGuichets,
    "rendez_vous_seulement": RendezVousSeulement,
    "en_ligne_seulement": EnLigneSeulement,
    "renfort_acteurs": RenfortActeurs,
    "automatisation": Automatisation,
    "declaration_preremplie": DeclarationPreremplie,
    "maintien_canal_non_numerique": MaintienCanalNonNumerique,
    "ouverture_france_services": OuvertureFranceServices,
    "aidants_connect": AidantsConnect,
    "rendez_vous_des_droits": RendezVousDesDroits,
    "formation_travailleurs_sociaux": FormationTravailleursSociaux,
    "versement_automatique": VersementAutomatique,
}
TYPE_PAR_CLASSE = {c: t for t, c in TYPES_INTERVENTIONS.items()}


class Politiques:
    """Interventions d'un scénario converties en pas ; recalcule les paramètres quand l'ensemble actif change."""

    def __init__(self, scenario: Scenario, calendrier):
        self.scenario = scenario
        self.bornes = [(calendrier.pas(iv.debut), calendrier.pas(iv.fin) if iv.fin else 10**9, iv)
                       for iv in scenario.interventions]
        self.actives: tuple[int, ...] | None = None

    def parametres_a(self, base: Parametres, t: int) -> tuple[Parametres | None, bool]:
        """Paramètres en vigueur au pas t s'ils ont changé depuis le dernier appel (sinon None, False)."""
        actives = tuple(k for k, (d, f, _) in enumerate(self.bornes) if d <= t < f)
        if actives == self.actives:
            return None, False
        self.actives = actives
        p = base
        for k in actives:
            iv = self.bornes[k][2]
            p = p.avec(iv.modifications(p), origine=iv.resume())
        return p, True


def appliquer(m: ModeleNonRecours) -> None:
    """Met en vigueur les paramètres de la semaine (interventions actives appliquées à la base)."""
    p, change = m.politiques.parametres_a(m.p_base, m.t)
    if change:
        m.p = p
        m.parametres_changes()
