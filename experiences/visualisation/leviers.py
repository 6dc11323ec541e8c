"""Leviers de la page pédagogique, dérivés des déclarations des paramètres, et création du modèle.

Règle en une ligne : un levier lit sa bornes, sa valeur par défaut et son aide dans la déclaration du
paramètre (`modele.parametres.charger_declarations()`) ; la page n'invente aucun nombre, sauf une borne
d'affichage plus étroite (`max_vue`) quand la borne déclarée rendrait le curseur inutilisable (10 000 heures).

Deux sortes de leviers :

- `Levier` : un paramètre déclaré, passé au modèle en surcharge (`surcharges={clé: valeur}`) ;
- la fermeture de guichets datée (`FERMETURE_*`) : une intervention `fermeture_guichets` ajoutée au scénario
  choisi, dans un petit fichier de scénario temporaire qui hérite de lui (`base = "<chemin>"`).

Les leviers s'appliquent soit en recréant le modèle (`creer_modele`), soit au modèle en cours à partir de la
semaine courante (`appliquer`), ce que permet le modèle : une intervention ne change que des paramètres.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modele import politiques, scenarios
from modele.entrees import LIMITES
from modele.modele import ModeleNonRecours
from modele.parametres import Declaration, ErreurEntree, charger_declarations
from modele.prestations import ORGANISMES

#: Noms affichés des genres d'acteurs (libellés courts des curseurs).
NOMS_GENRES = {
    "travailleur_social": "Travailleurs sociaux", "france_services": "France Services",
    "conseiller_numerique": "Conseillers numériques", "association": "Associations",
    "prestataire_prive": "Services payants",
}
NOMS_PRESTATIONS = {"aucune": "personne (il faut demander)", "rsa": "allocataires du RSA",
                    "prime_activite": "allocataires de la prime d'activité", "aspa": "allocataires de l'ASPA"}
NOMS_ORGANISMES = {"caf": "CAF", "cpam": "CPAM", "carsat": "CARSAT", "tous": "CAF, CPAM et CARSAT"}

#: Dossier des petits scénarios écrits par la page (supprimé à la fin du processus).
_DOSSIER_TEMPORAIRE = tempfile.TemporaryDirectory(prefix="nonrecours-page-")

#: Période simulée par la page (même période que la référence).
DEBUT, FIN = "2014-01", "2027-12"


@dataclass(frozen=True)
class Levier:
    """Un curseur, une case ou un choix de la page, relié à un paramètre déclaré."""

    cle: str
    libelle: str
    aide: str
    genre: str  # "reel", "entier", "booleen", "choix"
    valeur: Any
    min: float | None = None
    max: float | None = None
    pas: float | None = None
    choix: tuple = ()
    groupe: str = ""


def _declaration(cle: str) -> Declaration:
    decl = charger_declarations().get(cle)
    if decl is None:
        raise KeyError(f"paramètre non déclaré : {cle}")
    return decl


def levier(cle: str, libelle: str, groupe: str, *, max_vue: float | None = None, min_vue: float | None = None,
           pas: float | None = None) -> Levier:
    """Levier d'un paramètre déclaré : valeur, bornes, choix et aide (doc + unité) repris de la déclaration.

    `min_vue`/`max_vue` resserrent l'affichage à l'intérieur des bornes déclarées (jamais au-delà).
    """
    d = _declaration(cle)
    aide = f"{d.doc} ({d.unite}) — paramètre {cle}"
    if d.type == "booleen":
        return Levier(cle, libelle, aide, "booleen", d.valeur, groupe=groupe)
    if d.type == "texte":
        return Levier(cle, libelle, aide, "choix", d.valeur, choix=tuple(d.choix or (d.valeur,)), groupe=groupe)
    bas = d.min if min_vue is None else max(d.min, min_vue) if d.min is not None else min_vue
    haut = d.max if max_vue is None else min(d.max, max_vue) if d.max is not None else max_vue
    if d.type == "entier":
        return Levier(cle, libelle, aide, "entier", int(d.valeur), bas, haut, pas or 1, groupe=groupe)
    return Levier(cle, libelle, aide, "reel", float(d.valeur), bas, haut, pas or 0.1, groupe=groupe)


@functools.cache
def leviers() -> tuple[Levier, ...]:
    """Les leviers de la page, dans l'ordre d'affichage."""
    out = [levier("simulation.menages", "Nombre de ménages", "Simulation", max_vue=20000, pas=100)]
    for g in ("travailleur_social", "france_services", "conseiller_numerique", "association"):
        out.append(levier(f"acteurs.{g}.heures_pour_10000", f"{NOMS_GENRES[g]} : heures d'aide / sem.",
                          "Heures d'aide aux démarches (pour 10 000 ménages)", max_vue=100, pas=1))
    out.append(levier("acteurs.travailleur_social.logit_faire_a_la_place",
                      "Travailleurs sociaux : pente vers « faire à la place »", "Posture des aidants",
                      min_vue=-4, max_vue=4))
    out.append(levier("accompagnement.coef_formation", "Effet de la formation à la médiation (« faire avec »)",
                      "Posture des aidants", max_vue=6))
    for g in ("travailleur_social", "france_services"):
        out.append(levier(f"acteurs.{g}.aidants_connect", f"Aidants Connect : {NOMS_GENRES[g]}", "Aidants Connect"))
    for b, nom in (("css_gratuite", "CSS gratuite"), ("prime_activite", "Prime d'activité")):
        out.append(levier(f"prestations.{b}.automatique_pour", f"{nom} versée automatiquement aux…",
                          "Versement automatique"))
    return tuple(out)


def _date_decl() -> tuple[int, int]:
    return int(DEBUT[:4]), int(FIN[:4])


#: Levier « fermeture » : part des guichets fermés (bornes = celles de `guichets.<org>.part_ouverte`).
FERMETURE_PART = "fermeture.part"
FERMETURE_ANNEE = "fermeture.annee"
FERMETURE_ORGANISME = "fermeture.organisme"


def leviers_fermeture() -> tuple[Levier, ...]:
    """Part fermée (0 = aucune fermeture en plus du scénario), année et organisme de la fermeture."""
    d = _declaration("guichets.caf.part_ouverte")
    debut, fin = _date_decl()
    aide = (f"Part des guichets fermés d'un coup au 1er janvier de l'année choisie, dans tous les territoires "
            f"(la part ouverte, « {d.doc} », est multipliée par 1 − part).")
    return (
        Levier(FERMETURE_PART, "Part des guichets fermés", aide, "reel", 0.0, 1.0 - d.max, 1.0 - d.min, 0.05,
               groupe="Fermeture de guichets"),
        Levier(FERMETURE_ANNEE, "Année de la fermeture", "Date de l'intervention (1er janvier).", "entier",
               2016, debut, fin, 1, groupe="Fermeture de guichets"),
        Levier(FERMETURE_ORGANISME, "Guichets de…", "Organisme dont les accueils ferment.", "choix", "caf",
               choix=tuple(ORGANISMES) + ("tous",), groupe="Fermeture de guichets"),
    )


def tous_les_leviers() -> tuple[Levier, ...]:
    """Leviers de paramètres puis leviers de fermeture."""
    return leviers() + leviers_fermeture()


def scenarios_permis() -> list[str]:
    """Scénarios que la page accepte du navigateur : les scénarios livrés et celui de la commande (`--scenario`).

    Le navigateur ne donne jamais un chemin de fichier : un client ne fait pas lire au serveur un .toml de son choix.
    """
    noms = scenarios.scenarios_disponibles()
    initial = os.environ.get("NONRECOURS_SCENARIO")
    return noms + [initial] if initial and initial not in noms else noms


def valeur_levier(lv: Levier, v: Any) -> Any:
    """La valeur `v` venue du navigateur si ce levier la permet (type, bornes du curseur, choix), sinon ErreurEntree."""
    ok = False
    if lv.genre == "booleen":
        ok = isinstance(v, bool)
    elif lv.genre == "choix":
        ok = isinstance(v, str) and v in lv.choix
    elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        if lv.genre == "entier":
            ok = float(v).is_integer()
            v = int(v)
        else:
            v = float(v)
            ok = True
        ok = ok and (lv.min is None or v >= lv.min) and (lv.max is None or v <= lv.max)
    if not ok:
        permis = ("true ou false" if lv.genre == "booleen" else "une valeur parmi " + ", ".join(lv.choix)
                  if lv.genre == "choix" else f"un nombre entre {lv.min} et {lv.max} (bornes du curseur)")
        raise ErreurEntree("Valeur refusée par la page.", cle=lv.cle, valeur=v, attendu=permis)
    return v


def reglages_permis(reglages: dict[str, Any]) -> dict[str, Any]:
    """Réglages venus du navigateur, validés : leviers connus dans leurs bornes, scénario déclaré, graine entière."""
    par_cle = {lv.cle: lv for lv in tous_les_leviers()}
    out: dict[str, Any] = {}
    for cle, v in reglages.items():
        if cle == "scenario":
            if v not in scenarios_permis():
                raise ErreurEntree("Scénario refusé par la page.", cle="scenario", valeur=v,
                                   attendu="un scénario parmi " + ", ".join(scenarios_permis()))
        elif cle == "graine":
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= LIMITES["graine"]:
                raise ErreurEntree("Graine refusée par la page.", cle="graine", valeur=v,
                                   attendu=f"un entier entre 0 et {LIMITES['graine']}")
        elif cle in par_cle:
            v = valeur_levier(par_cle[cle], v)
        else:
            raise ErreurEntree("Réglage inconnu de la page.", cle=cle, valeur=v,
                               attendu="un levier de la page, « scenario » ou « graine »")
        out[cle] = v
    return out
#: Ménages simulés par la page par défaut : fluide en classe (la déclaration vise 20 000 pour les études).
MENAGES_PAGE = 2000


def menages_initial() -> int:
    """Ménages de départ : `NONRECOURS_MENAGES` (posé par `nonrecours visualiser --menages`), sinon MENAGES_PAGE."""
    texte = os.environ.get("NONRECOURS_MENAGES", "")
    return int(texte) if texte.isdigit() and int(texte) > 0 else MENAGES_PAGE


def reglages_par_defaut(scenario: str = "reference") -> dict[str, Any]:
    """Valeur de départ de chaque levier : celle du scénario choisi (sa base : défauts + ses surcharges)."""
    base = scenarios.charger_scenario(scenario).parametres_base()
    out: dict[str, Any] = {lv.cle: lv.valeur for lv in leviers_fermeture()}
    for lv in leviers():
        out[lv.cle] = base[lv.cle]
    out["simulation.menages"] = menages_initial()
    out["graine"] = 1
    out["scenario"] = scenario
    return out


def surcharges(reglages: dict[str, Any], scenario: str) -> dict[str, Any]:
    """Surcharges à passer au modèle : les leviers dont la valeur diffère de la base du scénario."""
    base = scenarios.charger_scenario(scenario).parametres_base()
    out = {}
    for lv in leviers():
        if lv.cle == "simulation.menages" or lv.cle not in reglages:
            continue
        v = reglages[lv.cle]
        if lv.genre == "reel":
            v = float(v)
        elif lv.genre == "entier":
            v = int(v)
        if v != base[lv.cle]:
            out[lv.cle] = v
    return out


def fichier_scenario(reglages: dict[str, Any], scenario: str, dossier: Path | None = None) -> str:
    """Le scénario à simuler : `scenario` lui-même, ou un fichier temporaire qui en hérite et ajoute la fermeture."""
    part = float(reglages.get(FERMETURE_PART, 0.0))
    if part <= 0:
        return scenario
    organisme = reglages.get(FERMETURE_ORGANISME, "caf")
    annee = int(reglages.get(FERMETURE_ANNEE, 2016))
    if organisme not in ORGANISMES + ("tous",):
        raise ErreurEntree("Organisme inconnu.", cle=FERMETURE_ORGANISME, valeur=organisme,
                           attendu="caf, cpam, carsat ou tous")
    chemin_base = scenarios.chemin_scenario(scenario).resolve()
    dossier = Path(dossier or _DOSSIER_TEMPORAIRE.name)
    lignes = [
        "[scenario]",
        'nom = "page"',
        f"question = {json.dumps(scenarios.charger_scenario(scenario).question, ensure_ascii=False)}",
        f"base = {json.dumps(chemin_base.as_posix())}",
    ]
    for o in ORGANISMES if organisme == "tous" else (organisme,):
        lignes += ["", "[[interventions]]", 'type = "fermeture_guichets"', f'date = "{annee}-01-01"',
                   f'operateur = "{o}"', 'zones = "toutes"', f"part = {part!r}",
                   f'description = "Page pédagogique : {round(100 * part)} % des accueils {o.upper()} '
                   f'fermés en {annee}."']
    with tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="scenario_page_", dir=dossier, delete=False) as f:
        chemin = Path(f.name)
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    return str(chemin)


def creer_modele(reglages: dict[str, Any], rodage: bool = True) -> ModeleNonRecours:
    """Modèle de la page : tous les ménages suivis (pour « Suivre un ménage »), rodage déjà simulé."""
    reglages = reglages_permis(reglages)
    scenario = reglages.get("scenario", "reference")
    n = int(reglages.get("simulation.menages", 2000))
    m = ModeleNonRecours(scenario=fichier_scenario(reglages, scenario), menages=n,
                         graine=int(reglages.get("graine", 1)), debut=DEBUT, fin=FIN,
                         surcharges=surcharges(reglages, scenario), suivre=list(range(n)))
    m.reglages = dict(reglages)
    if rodage:
        while m.t < 0:
            m.step()
    return m


def appliquer(m: ModeleNonRecours, reglages: dict[str, Any]) -> None:
    """Applique les leviers au modèle en cours, à partir de la semaine courante (sans le recréer).

    Le nombre de ménages, la graine et le scénario de départ ne changent pas (il faut réinitialiser). Les
    paramètres en vigueur sont recalculés au pas suivant (`politiques.appliquer`), comme quand une
    intervention commence.
    """
    reglages = reglages_permis(reglages)
    scenario = getattr(m, "reglages", {}).get("scenario", "reference")
    m.scenario = scenarios.charger_scenario(fichier_scenario(reglages, scenario))
    m.p_base = m.scenario.parametres_base(surcharges(reglages, scenario))
    m.politiques = politiques.Politiques(m.scenario, m.calendrier)
    m.reglages = {**reglages, "scenario": scenario, "simulation.menages": m.menages.n,
                  "graine": m.graine}
