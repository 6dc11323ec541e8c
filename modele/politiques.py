"""Politiques : interventions datées, appliquées à leur date et défaites à leur fin.

Règle : une intervention ne touche jamais l'état des ménages ; elle change des paramètres (capacités des
guichets, heures des acteurs, canaux, automaticité…). À chaque pas, les paramètres en vigueur sont
recalculés depuis la base du scénario en appliquant, dans l'ordre du fichier, les interventions actives :
défaire une intervention, c'est simplement ne plus l'appliquer. Un scénario est un fichier de données
(`parametres/scenarios/*.toml`) : la référence, des surcharges et des interventions, validés au chargement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from modele.etat import TERRITOIRES
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, Parametres, lire_toml
from modele.prestations import GENRES_ACTEURS, ORGANISMES, noms_prestations

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

DOSSIER_SCENARIOS = DOSSIER_PARAMETRES / "scenarios"
FICHIER_CALIBRATION = DOSSIER_PARAMETRES / "calibration.toml"


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
# bénévoles et les services payants en sont exclus (donnees/sources.md §8, règles d'habilitation).
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


def _date(v, fichier, cle) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v if len(v) > 7 else v + "-01")
        except ValueError:
            pass
    raise ErreurEntree("Date invalide.", fichier=fichier, cle=cle, valeur=v, attendu="une date AAAA-MM-JJ ou AAAA-MM")


def lire_intervention(table: dict, fichier: Path, rang: int, defauts: Parametres) -> Intervention:
    """Valide une table [[interventions]] et rend l'objet intervention."""
    ctx = f"interventions[{rang}]"
    if not isinstance(table, dict):
        raise ErreurEntree("Intervention mal formée.", fichier=fichier, cle=ctx, attendu="une table [[interventions]]")
    typ = table.get("type")
    if typ not in TYPES_INTERVENTIONS:
        raise ErreurEntree("Type d'intervention inconnu.", fichier=fichier, cle=f"{ctx}.type", valeur=typ,
                           attendu="un type parmi " + ", ".join(TYPES_INTERVENTIONS))
    classe = TYPES_INTERVENTIONS[typ]
    communs = {"type", "date", "fin", "description"}
    inconnus = set(table) - communs - set(classe.CHAMPS)
    if inconnus:
        raise ErreurEntree("Champ d'intervention inconnu.", fichier=fichier, cle=f"{ctx}.{sorted(inconnus)[0]}",
                           attendu="des champs parmi " + ", ".join(sorted(communs | set(classe.CHAMPS))))
    if "date" not in table:
        raise ErreurEntree("Date d'intervention manquante.", fichier=fichier, cle=f"{ctx}.date",
                           attendu="date = \"AAAA-MM-JJ\"")
    debut = _date(table["date"], fichier, f"{ctx}.date")
    fin = _date(table["fin"], fichier, f"{ctx}.fin") if "fin" in table else None
    if fin is not None and fin <= debut:
        raise ErreurEntree("La fin d'une intervention doit suivre son début.", fichier=fichier, cle=f"{ctx}.fin",
                           valeur=str(fin), attendu=f"une date postérieure à {debut}")
    champs = {}
    for nom, (valider, requis, doc) in classe.CHAMPS.items():
        if nom in table:
            champs[nom] = valider(table[nom], (fichier, f"{ctx}.{nom}"))
        elif requis:
            raise ErreurEntree("Champ d'intervention manquant.", fichier=fichier, cle=f"{ctx}.{nom}", attendu=doc)
    iv = classe(debut, fin, str(table.get("description", classe.DOC)), champs)
    if typ == "changement_parametre":
        if ("valeur" in champs) == ("facteur" in champs):
            raise ErreurEntree("Donner exactement l'un de « valeur » ou « facteur ».", fichier=fichier, cle=ctx)
        if champs["cle"] not in defauts.declarations:
            raise ErreurEntree("Paramètre inconnu.", fichier=fichier, cle=f"{ctx}.cle", valeur=champs["cle"],
                               attendu="une clé déclarée dans parametres/defauts/")
    # Vérifie dès le chargement que l'intervention produit des valeurs permises.
    defauts.avec(iv.modifications(defauts), origine=ctx, fichier=fichier)
    return iv


@dataclass
class Scenario:
    """Un scénario : question posée, sources, surcharges de paramètres, interventions datées."""

    nom: str
    fichier: Path
    question: str
    description: str
    sources: list[str]
    surcharges: dict[str, Any]
    interventions: list[Intervention]
    calibration: bool

    def parametres_base(self, surcharges: dict[str, Any] | None = None) -> Parametres:
        """Défauts + calibration (si demandée) + surcharges du scénario + surcharges de l'appel, validés."""
        p = Parametres.defauts()
        if self.calibration and FICHIER_CALIBRATION.is_file():
            cal = lire_toml(FICHIER_CALIBRATION)
            p = p.avec(cal.get("valeurs", {}), origine="calibration", fichier=FICHIER_CALIBRATION)
        p = p.avec(self.surcharges, origine=f"scénario {self.nom}", fichier=self.fichier)
        if surcharges:
            p = p.avec(surcharges, origine="appel")
        return p


def scenarios_disponibles() -> list[str]:
    """Noms des scénarios livrés."""
    return sorted(f.stem for f in DOSSIER_SCENARIOS.glob("*.toml"))


def chemin_scenario(nom_ou_chemin: str) -> Path:
    """Fichier d'un scénario : un nom livré ou un chemin vers un .toml."""
    chemin = Path(nom_ou_chemin)
    if chemin.suffix == ".toml":
        if not chemin.is_file():
            raise ErreurEntree("Fichier de scénario introuvable.", fichier=chemin, attendu="un fichier .toml existant")
        return chemin
    chemin = DOSSIER_SCENARIOS / f"{nom_ou_chemin}.toml"
    if not chemin.is_file():
        raise ErreurEntree("Scénario inconnu.", cle="SCENARIO", valeur=nom_ou_chemin,
                           attendu="un scénario parmi " + ", ".join(scenarios_disponibles())
                           + ", ou le chemin d'un fichier .toml")
    return chemin


def charger_scenario(nom_ou_chemin: str = "reference", _vus: tuple = ()) -> Scenario:
    """Lit et valide un scénario (héritage par `base`)."""
    chemin = chemin_scenario(nom_ou_chemin)
    donnees = lire_toml(chemin)
    inconnus = set(donnees) - {"scenario", "surcharges", "interventions"}
    if inconnus:
        raise ErreurEntree("Section inconnue dans un scénario.", fichier=chemin, cle=sorted(inconnus)[0],
                           attendu="[scenario], [surcharges], [[interventions]]")
    entete = donnees.get("scenario")
    if not isinstance(entete, dict) or "nom" not in entete or "question" not in entete:
        raise ErreurEntree("En-tête de scénario incomplet.", fichier=chemin, cle="scenario",
                           attendu="[scenario] avec nom et question")
    champs_entete = {"nom", "question", "description", "sources", "base", "calibration", "sans_interventions"}
    if set(entete) - champs_entete:
        raise ErreurEntree("Champ inconnu dans [scenario].", fichier=chemin,
                           cle="scenario." + sorted(set(entete) - champs_entete)[0],
                           attendu=", ".join(sorted(champs_entete)))
    defauts = Parametres.defauts()
    surcharges = dict(donnees.get("surcharges", {}))
    defauts.avec(surcharges, origine="surcharges", fichier=chemin)  # valide clés et bornes
    interventions = [lire_intervention(t, chemin, k, defauts) for k, t in enumerate(donnees.get("interventions", []))]
    calibration = entete.get("calibration", True)
    base = entete.get("base")
    sans = entete.get("sans_interventions", [])
    if not isinstance(sans, list) or any(t not in TYPES_INTERVENTIONS for t in sans):
        raise ErreurEntree("Types d'interventions à retirer invalides.", fichier=chemin,
                           cle="scenario.sans_interventions", valeur=sans,
                           attendu="une liste de types parmi " + ", ".join(TYPES_INTERVENTIONS))
    if sans and base is None:
        raise ErreurEntree("« sans_interventions » retire des interventions héritées : il faut une base.",
                           fichier=chemin, cle="scenario.sans_interventions", valeur=sans,
                           attendu="base = \"reference\" (ou un autre scénario) dans [scenario]")
    if base is not None:
        # Les fichiers déjà vus (chemins résolus), pas les noms : une base donnée par chemin peut boucler aussi.
        vus = _vus + (str(chemin.resolve()),)
        if not isinstance(base, str):
            raise ErreurEntree("Base de scénario invalide.", fichier=chemin, cle="scenario.base", valeur=base,
                               attendu="le nom d'un scénario livré ou le chemin d'un fichier .toml")
        if base == entete["nom"] or str(chemin_scenario(base).resolve()) in vus:
            raise ErreurEntree("Héritage circulaire de scénarios.", fichier=chemin, cle="scenario.base", valeur=base)
        parent = charger_scenario(base, vus)
        surcharges = {**parent.surcharges, **surcharges}
        herites = [iv for iv in parent.interventions if TYPE_PAR_CLASSE[type(iv)] not in sans]
        interventions = herites + interventions
        calibration = entete.get("calibration", parent.calibration)
    return Scenario(nom=entete["nom"], fichier=chemin, question=entete["question"],
                    description=entete.get("description", ""), sources=list(entete.get("sources", [])),
                    surcharges=surcharges, interventions=interventions, calibration=bool(calibration))


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
