"""Plans de balayage : lecture, validation, empreinte, échantillonnage et graines.

Un plan (``parametres/balayages/*.toml``) décrit un ensemble de runs indépendants : le scénario, les
paramètres qui varient (niveaux, ou intervalles avec une loi), le plan d'expérience (``factoriel``,
``hypercube_latin``, ``sobol``, ``morris``), le nombre de réplicats, la taille de la population, les
dates, les indicateurs de résumé analysés et la partie des séries à conserver.

Toute erreur de saisie lève :class:`ErreurEntree` avec un message en français qui nomme le fichier, la
clé, la valeur reçue et ce qui est permis. Le format complet est décrit dans ``docs/balayages.md``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modele.calendrier import DOMAINE
from modele.entrees import LIMITES, profondeur
from modele.parametres import ErreurEntree, charger_declarations

FONCTION_RUN_DEFAUT = "modele"
# Registres internes : un plan (fichier de données) ne nomme jamais un module, seulement une entrée d'ici.
# Une autre fonction de run ou table de bornes s'ajoute par l'API Python (`enregistrer_fonction_run`,
# `enregistrer_declarations`, ou les arguments `fonction_run=`/`declarations=` d'`executer_balayage`).
FONCTIONS_RUN: dict[str, str] = {"modele": "experiences.execution.runs:executer_run"}
DECLARATIONS_ENREGISTREES: dict[str, Any] = {}
PLANS = ("factoriel", "hypercube_latin", "sobol", "morris")
LOIS = {
    "uniforme": "unif",
    "log_uniforme": "logunif",
    "triangulaire": "triang",
    "normale_tronquee": "truncnorm",
}
CLES_RACINE = {
    "nom": "texte (nom court du plan)",
    "description": "texte libre",
    "scenario": "nom d'un scénario (ex. \"reference\") ou chemin d'un fichier TOML",
    "plan": "un plan d'expérience parmi " + ", ".join(PLANS),
    "replicats": "entier >= 1",
    "menages": "entier >= 1",
    "debut": 'date "AAAA-MM"',
    "fin": 'date "AAAA-MM"',
    "graine": "entier >= 0 (graine maîtresse du plan)",
    "graines_communes": "booléen",
    "indicateurs": 'liste de clés du résumé d\'un run (ex. "taux_non_recours_rsa_fin")',
    "fonction_run": "nom d'une fonction de run enregistrée (défaut : \"modele\")",
    "declarations": "nom d'une table de bornes enregistrée (défaut : \"modele\", parametres/defauts/)",
    "echantillonnage": "table",
    "series": "table",
    "sensibilite": "table",
    "fixes": "table clé de paramètre -> valeur",
    "parametres": "table de tables, une par paramètre qui varie",
    "hors_plage_plausible": "booléen (true : accepter, avec un avertissement, des intervalles ou niveaux hors de la "
                            "plage plausible déclarée)",
}
OBLIGATOIRES = ("scenario", "plan", "replicats", "menages", "debut", "fin", "parametres")
CLES_ECHANTILLONNAGE = {
    "factoriel": {},
    "hypercube_latin": {"n": "entier >= 2 (nombre de points)"},
    "sobol": {
        "n": "puissance de 2 >= 2 (taille de base N ; N*(D+2) points, N*(2D+2) avec le second ordre)",
        "second_ordre": "booléen",
    },
    "morris": {
        "n": "entier >= 2 (nombre de trajectoires ; N*(D+1) points)",
        "niveaux": "entier pair >= 2 (niveaux de la grille de Morris)",
    },
}
CLES_SERIES = {
    "conserver": "booléen (false : ne garder que le résumé)",
    "indicateurs": "liste de noms d'indicateurs de la série ([] : tous)",
    "dates": 'liste de préfixes de date "AAAA", "AAAA-MM", "AAAA-MM-JJ" ou "fin" ([] : toutes)',
}
CLES_SENSIBILITE = {
    "reechantillonnages": "entier >= 10 (bootstrap des intervalles de confiance)",
    "niveau_confiance": "réel dans ]0, 1[",
}
CLES_PARAMETRE = {
    "niveaux": "liste non vide de valeurs (plan factoriel)",
    "min": "nombre",
    "max": "nombre",
    "plage": "\"plausible\" (plage plausible déclarée) ou \"bornes\" (bornes de validation), au lieu de min et max",
    "loi": "une loi parmi " + ", ".join(LOIS),
    "mode": "nombre dans [min, max] (loi triangulaire)",
    "moyenne": "nombre (loi normale tronquée)",
    "ecart_type": "nombre > 0 (loi normale tronquée)",
    "entier": "booléen (arrondir les valeurs tirées)",
}
_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PREFIXE_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class ParametreVarie:
    """Un paramètre qui varie dans le plan (niveaux explicites, ou intervalle et loi)."""

    cle: str
    niveaux: tuple | None = None
    min: float | None = None
    max: float | None = None
    loi: str = "uniforme"
    mode: float | None = None
    moyenne: float | None = None
    ecart_type: float | None = None
    entier: bool = False


@dataclass(frozen=True)
class PlanBalayage:
    """Plan de balayage validé ; ``empreinte`` identifie son contenu (pas son nom ni sa mise en page)."""

    fichier: str
    nom: str
    scenario: str
    plan: str
    replicats: int
    menages: int
    debut: str
    fin: str
    graine: int
    graines_communes: bool
    indicateurs: tuple[str, ...]
    fonction_run: str
    declarations: str | None
    parametres: tuple[ParametreVarie, ...]
    fixes: dict = field(default_factory=dict)
    echantillonnage: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    sensibilite: dict = field(default_factory=dict)
    scenario_fichier: str | None = None  # chemin absolu du scénario s'il est donné par un fichier .toml
    empreinte: str = ""
    graines_de: str = ""  # empreinte d'un autre plan dont ce plan reprend échantillon et graines (plan apparié)

    @property
    def empreinte_graines(self) -> str:
        """Empreinte d'où sont dérivés l'échantillon et les graines : la sienne, ou celle du plan apparié."""
        return self.graines_de or self.empreinte

    @property
    def scenario_execution(self) -> str:
        """Ce qu'on passe au modèle : le nom du scénario, ou le chemin absolu de son fichier."""
        return self.scenario_fichier or self.scenario

    @property
    def cles(self) -> list[str]:
        """Clés des paramètres qui varient, dans l'ordre du fichier."""
        return [p.cle for p in self.parametres]

    def contenu_normalise(self) -> dict:
        """Contenu du plan qui détermine les résultats (sert à l'empreinte et au manifeste)."""
        return {
            "scenario": self.scenario,
            "plan": self.plan,
            "replicats": self.replicats,
            "menages": self.menages,
            "debut": self.debut,
            "fin": self.fin,
            "graine": self.graine,
            "graines_communes": self.graines_communes,
            "indicateurs": list(self.indicateurs),
            "fonction_run": self.fonction_run,
            "parametres": [
                {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.__dict__.items()} for p in self.parametres
            ],
            "fixes": self.fixes,
            "echantillonnage": self.echantillonnage,
            "series": self.series,
            **({"graines_de": self.graines_de} if self.graines_de else {}),
        }


# ------------------------------------------------------------------------------------------ messages
def _erreur(fichier: str, cle: str, valeur: Any, attendu: str, probleme: str = "valeur invalide") -> ErreurEntree:
    return ErreurEntree(f"{fichier} : clé « {cle} » = {valeur!r} : {probleme}. Attendu : {attendu}.")


def _cles_inconnues(fichier: str, prefixe: str, table: Mapping, permises: Mapping) -> None:
    for cle in table:
        if cle not in permises:
            nom = f"{prefixe}{cle}"
            raise ErreurEntree(
                f"{fichier} : clé « {nom} » inconnue (valeur {table[cle]!r}). "
                f"Clés permises ici : {', '.join(permises)}."
            )


def _entier(fichier: str, cle: str, valeur: Any, minimum: int) -> int:
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        raise _erreur(fichier, cle, valeur, f"un entier >= {minimum}", "ce n'est pas un entier")
    if valeur < minimum:
        raise _erreur(fichier, cle, valeur, f"un entier >= {minimum}", "valeur trop petite")
    return valeur


def _nombre(fichier: str, cle: str, valeur: Any) -> float:
    if isinstance(valeur, bool) or not isinstance(valeur, (int, float)) or not math.isfinite(valeur):
        raise _erreur(fichier, cle, valeur, "un nombre fini", "ce n'est pas un nombre")
    return float(valeur)


def _booleen(fichier: str, cle: str, valeur: Any) -> bool:
    if not isinstance(valeur, bool):
        raise _erreur(fichier, cle, valeur, "true ou false", "ce n'est pas un booléen")
    return valeur


def _texte(fichier: str, cle: str, valeur: Any, attendu: str) -> str:
    if not isinstance(valeur, str) or not valeur.strip():
        raise _erreur(fichier, cle, valeur, attendu, "texte non vide attendu")
    return valeur.strip()


def _liste_textes(fichier: str, cle: str, valeur: Any, attendu: str) -> tuple[str, ...]:
    if not isinstance(valeur, list) or not all(isinstance(v, str) and v for v in valeur):
        raise _erreur(fichier, cle, valeur, attendu, "liste de textes attendue")
    return tuple(valeur)


# -------------------------------------------------------------------------------------- déclarations
def enregistrer_fonction_run(nom: str, fonction: Any) -> None:
    """API Python : rend la fonction de run `fonction` (callable de module, ou "module:attribut") nommable `nom`."""
    if callable(fonction):
        fonction = f"{fonction.__module__}:{fonction.__qualname__}"
    FONCTIONS_RUN[nom] = fonction


def enregistrer_declarations(nom: str, declarations: Any) -> None:
    """API Python : rend la table de bornes `declarations` ({clé: (min, max)} ou déclarations) nommable `nom`."""
    DECLARATIONS_ENREGISTREES[nom] = declarations


def fonction_run_enregistree(nom: Any, fichier: str = "", cle: str = "fonction_run") -> str:
    """Le chemin Python d'une fonction de run du registre ; un nom inconnu lève ErreurEntree (rien n'est importé)."""
    if not isinstance(nom, str) or nom not in FONCTIONS_RUN:
        raise _erreur(fichier or "(appel)", cle, nom, "une fonction de run enregistrée parmi "
                      + ", ".join(sorted(FONCTIONS_RUN)), "fonction de run inconnue (un plan ne nomme pas de module)")
    return FONCTIONS_RUN[nom]


def declarations_enregistrees(nom: Any, fichier: str = "", cle: str = "declarations") -> Any:
    """La table de bornes enregistrée sous `nom` ("modele" : celles du modèle) ; sinon ErreurEntree."""
    if nom == "modele":
        return declarations_par_defaut()
    if not isinstance(nom, str) or nom not in DECLARATIONS_ENREGISTREES:
        raise _erreur(fichier or "(appel)", cle, nom, "une table de bornes enregistrée parmi "
                      + ", ".join(["modele", *sorted(DECLARATIONS_ENREGISTREES)]),
                      "table de bornes inconnue (un plan ne nomme pas de module)")
    return DECLARATIONS_ENREGISTREES[nom]


def importer_objet(chemin: str, fichier: str = "", cle: str = "") -> Any:
    """Importe ``module:attribut`` ; lève :class:`ErreurEntree` si le chemin est introuvable."""
    attendu = 'un chemin "module:attribut" importable (ex. "experiences.execution:executer_run")'
    if not isinstance(chemin, str) or chemin.count(":") != 1:
        raise _erreur(fichier or "(appel)", cle or "fonction_run", chemin, attendu)
    module, _, attribut = chemin.partition(":")
    try:
        objet = importlib.import_module(module)
        for morceau in attribut.split("."):
            objet = getattr(objet, morceau)
    except (ImportError, AttributeError) as exc:
        raise _erreur(fichier or "(appel)", cle or "fonction_run", chemin, attendu, f"introuvable ({exc})") from None
    return objet


@dataclass(frozen=True)
class Borne:
    """Ce que le moteur de balayage sait d'un paramètre déclaré : bornes, type, validation."""

    min: float | None = None
    max: float | None = None
    type: str | None = None
    valider: Any = None  # fonction (valeur, fichier=, cle=) qui lève ErreurEntree, si disponible
    plausible: tuple | None = None  # plage plausible [bas, haut] déclarée (paramètre calibrable), si connue


def normaliser_declarations(declarations: Any) -> dict[str, Borne]:
    """Ramène une table de déclarations à ``{clé: Borne}``.

    Accepte un dict ``clé -> (min, max)``, un dict ``clé -> objet`` ayant ``.min`` et ``.max`` (et
    éventuellement ``.type`` et ``.valider``, comme les déclarations de ``modele.parametres``), ou une
    fonction sans argument qui renvoie l'un des deux.
    """
    if callable(declarations) and not isinstance(declarations, Mapping):
        declarations = declarations()
    resultat = {}
    for cle, decl in dict(declarations).items():
        if isinstance(decl, Borne):
            resultat[str(cle)] = decl
        elif isinstance(decl, (tuple, list)):
            resultat[str(cle)] = Borne(decl[0], decl[1])
        elif isinstance(decl, Mapping):
            resultat[str(cle)] = Borne(decl.get("min"), decl.get("max"), decl.get("type"),
                                       plausible=tuple(decl["plausible"]) if decl.get("plausible") else None)
        else:
            resultat[str(cle)] = Borne(
                getattr(decl, "min", None),
                getattr(decl, "max", None),
                getattr(decl, "type", None),
                getattr(decl, "valider", None),
                getattr(decl, "plausible", None),
            )
    return resultat


def declarations_par_defaut() -> dict[str, Borne]:
    """Déclarations du modèle (``modele.parametres.charger_declarations()``, dans ``parametres/defauts/``)."""
    return normaliser_declarations(charger_declarations())


# ------------------------------------------------------------------------------------------- lecture
def lire_plan(chemin: str | Path, declarations: Any = None) -> PlanBalayage:
    """Lit et valide un plan TOML ; ``declarations`` (clé -> (min, max)) remplace celles du modèle."""
    chemin = Path(chemin)
    fichier = str(chemin)
    try:
        if chemin.is_file() and chemin.stat().st_size > LIMITES["taille_fichier_octets"]:
            raise ErreurEntree(f"{fichier} : fichier trop gros. Attendu : au plus {LIMITES['taille_fichier_octets']} "
                               "octets.")
        if chemin.exists() and not chemin.is_file():
            raise ErreurEntree(f"{fichier} : ce n'est pas un fichier ordinaire.")
        texte = chemin.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ErreurEntree(f"{fichier} : fichier de plan introuvable.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ErreurEntree(f"{fichier} : lecture impossible ({exc}).") from None
    try:
        brut = tomllib.loads(texte)
    except tomllib.TOMLDecodeError as exc:
        position = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        ou = f" à la ligne {position[1]}, colonne {position[2]}" if position else ""
        raise ErreurEntree(
            f"{fichier} : TOML mal formé{ou} (détail de l'analyseur : {exc}). Corrigez la syntaxe du fichier."
        ) from None
    except (RecursionError, MemoryError):
        raise ErreurEntree(f"{fichier} : TOML trop profond pour être lu.") from None
    if profondeur(brut) > LIMITES["profondeur_toml"]:
        raise ErreurEntree(f"{fichier} : TOML trop profond. Attendu : au plus {LIMITES['profondeur_toml']} niveaux "
                           "de tables et de listes.")
    return valider_plan(brut, fichier, declarations, dossier=chemin.parent)


def valider_plan(brut: Mapping, fichier: str, declarations: Any = None, dossier: Path | None = None) -> PlanBalayage:
    """Valide le contenu d'un plan déjà lu (``brut``) et calcule son empreinte."""
    _cles_inconnues(fichier, "", brut, CLES_RACINE)
    for cle in OBLIGATOIRES:
        if cle not in brut:
            raise ErreurEntree(f"{fichier} : clé obligatoire « {cle} » absente. Attendu : {CLES_RACINE[cle]}.")
    scenario = _texte(fichier, "scenario", brut["scenario"], CLES_RACINE["scenario"])
    scenario_fichier = _trouver_scenario(fichier, scenario, dossier)
    plan = brut["plan"]
    if plan not in PLANS:
        raise _erreur(fichier, "plan", plan, "un plan parmi " + ", ".join(PLANS), "plan d'expérience inconnu")
    replicats = _entier(fichier, "replicats", brut["replicats"], 1)
    if replicats > LIMITES["replicats"]:
        raise _erreur(fichier, "replicats", replicats, f"un entier entre 1 et {LIMITES['replicats']}", "trop grand")
    menages = _entier(fichier, "menages", brut["menages"], 1)
    dates = {}
    for cle in ("debut", "fin"):
        valeur = brut[cle]
        if not isinstance(valeur, str) or not _DATE.match(valeur):
            raise _erreur(fichier, cle, valeur, 'une date "AAAA-MM" (ex. "2020-01")', "date invalide")
        dates[cle] = valeur
    for cle, valeur in dates.items():
        if not DOMAINE[0].isoformat()[:7] <= valeur <= DOMAINE[1].isoformat()[:7]:
            raise _erreur(fichier, cle, valeur, f"un mois entre {DOMAINE[0].isoformat()[:7]} et "
                          f"{DOMAINE[1].isoformat()[:7]}", "date hors du domaine du modèle")
    if dates["debut"] > dates["fin"]:
        raise _erreur(fichier, "fin", dates["fin"], f"une date >= debut ({dates['debut']!r})", "fin avant debut")
    graine = _entier(fichier, "graine", brut.get("graine", 0), 0)
    if graine > LIMITES["graine"]:
        raise _erreur(fichier, "graine", graine, f"un entier entre 0 et {LIMITES['graine']}", "trop grand")
    graines_communes = _booleen(fichier, "graines_communes", brut.get("graines_communes", False))
    indicateurs = _liste_textes(fichier, "indicateurs", brut.get("indicateurs", []), CLES_RACINE["indicateurs"])
    fonction_run = _texte(
        fichier, "fonction_run", brut.get("fonction_run", FONCTION_RUN_DEFAUT), CLES_RACINE["fonction_run"]
    )
    fonction_run_enregistree(fonction_run, fichier)
    chemin_decl = brut.get("declarations")
    if chemin_decl is not None:
        chemin_decl = _texte(fichier, "declarations", chemin_decl, CLES_RACINE["declarations"])
        table_decl = declarations_enregistrees(chemin_decl, fichier)
    if declarations is None:
        declarations = table_decl if chemin_decl is not None else declarations_par_defaut()
    bornes = normaliser_declarations(declarations)
    borne_menages = bornes.get("simulation.menages")
    if borne_menages is not None and borne_menages.min is not None and not (
            borne_menages.min <= menages <= (borne_menages.max if borne_menages.max is not None else math.inf)):
        raise _erreur(fichier, "menages", menages, f"un entier entre {borne_menages.min:g} et {borne_menages.max:g} "
                      "(déclaration simulation.menages)", "hors bornes")

    echantillonnage = _valider_echantillonnage(fichier, plan, brut.get("echantillonnage", {}))
    series = _valider_series(fichier, brut.get("series", {}))
    sensibilite = _valider_sensibilite(fichier, brut.get("sensibilite", {}))
    hors_plausible = _booleen(fichier, "hors_plage_plausible", brut.get("hors_plage_plausible", False))
    parametres = _valider_parametres(fichier, plan, brut["parametres"], bornes, hors_plausible)
    fixes = _valider_fixes(fichier, brut.get("fixes", {}), bornes, {p.cle for p in parametres})

    nom = brut.get("nom", Path(fichier).stem)
    nom = _texte(fichier, "nom", nom, CLES_RACINE["nom"])
    if not re.match(r"^[A-Za-z0-9_.-]+$", nom):
        raise _erreur(fichier, "nom", nom, "lettres ASCII, chiffres, « _ », « - » ou « . »", "nom invalide")

    provisoire = PlanBalayage(
        fichier=fichier,
        nom=nom,
        scenario=scenario,
        plan=plan,
        replicats=replicats,
        menages=menages,
        debut=dates["debut"],
        fin=dates["fin"],
        graine=graine,
        graines_communes=graines_communes,
        indicateurs=indicateurs,
        fonction_run=fonction_run,
        declarations=chemin_decl,
        parametres=tuple(parametres),
        fixes=fixes,
        echantillonnage=echantillonnage,
        series=series,
        sensibilite=sensibilite,
        scenario_fichier=scenario_fichier,
    )
    n = nombre_points(provisoire)
    if n > LIMITES["points_plan"]:
        raise ErreurEntree(f"{fichier} : plan trop grand : {n} points (plan « {plan} »). Attendu : au plus "
                           f"{LIMITES['points_plan']} points ; réduire les niveaux, echantillonnage.n ou les "
                           "paramètres.")
    if n * replicats > LIMITES["runs_plan"]:
        raise ErreurEntree(f"{fichier} : plan trop grand : {n} points × {replicats} réplicats = {n * replicats} runs. "
                           f"Attendu : au plus {LIMITES['runs_plan']} runs.")
    empreinte = calculer_empreinte(provisoire)
    return PlanBalayage(**{**provisoire.__dict__, "empreinte": empreinte})


def nombre_points(plan: PlanBalayage) -> int:
    """Nombre de points du plan, calculé sans échantillonner (pour borner la taille avant de rien allouer)."""
    d = len(plan.parametres)
    if plan.plan == "factoriel":
        return math.prod(len(p.niveaux) for p in plan.parametres)
    n = plan.echantillonnage["n"]
    if plan.plan == "hypercube_latin":
        return n
    if plan.plan == "sobol":
        return n * (2 * d + 2 if plan.echantillonnage["second_ordre"] else d + 2)
    return n * (d + 1)


def _valider_echantillonnage(fichier: str, plan: str, table: Any) -> dict:
    if not isinstance(table, Mapping):
        raise _erreur(fichier, "echantillonnage", table, "une table TOML [echantillonnage]", "ce n'est pas une table")
    permises = CLES_ECHANTILLONNAGE[plan]
    if plan == "factoriel" and table:
        cle = next(iter(table))
        raise ErreurEntree(
            f"{fichier} : clé « echantillonnage.{cle} » = {table[cle]!r} sans objet pour le plan "
            f"« factoriel » (ses points sont le produit des niveaux). Retirez la section [echantillonnage]."
        )
    _cles_inconnues(fichier, "echantillonnage.", table, permises)
    resultat: dict[str, Any] = {}
    if plan in ("hypercube_latin", "sobol", "morris"):
        if "n" not in table:
            raise ErreurEntree(
                f"{fichier} : clé obligatoire « echantillonnage.n » absente pour le plan « {plan} ». "
                f"Attendu : {permises['n']}."
            )
        n = _entier(fichier, "echantillonnage.n", table["n"], 2)
        if plan == "sobol" and n & (n - 1):
            raise _erreur(
                fichier,
                "echantillonnage.n",
                n,
                permises["n"] + " (ex. 64, 128, 256)",
                "pas une puissance de 2",
            )
        resultat["n"] = n
    if plan == "sobol":
        resultat["second_ordre"] = _booleen(fichier, "echantillonnage.second_ordre", table.get("second_ordre", False))
    if plan == "morris":
        niveaux = _entier(fichier, "echantillonnage.niveaux", table.get("niveaux", 4), 2)
        if niveaux % 2:
            raise _erreur(fichier, "echantillonnage.niveaux", niveaux, permises["niveaux"], "nombre impair")
        resultat["niveaux"] = niveaux
    return resultat


def _valider_series(fichier: str, table: Any) -> dict:
    if not isinstance(table, Mapping):
        raise _erreur(fichier, "series", table, "une table TOML [series]", "ce n'est pas une table")
    _cles_inconnues(fichier, "series.", table, CLES_SERIES)
    conserver = _booleen(fichier, "series.conserver", table.get("conserver", True))
    indicateurs = _liste_textes(fichier, "series.indicateurs", table.get("indicateurs", []), CLES_SERIES["indicateurs"])
    dates = _liste_textes(fichier, "series.dates", table.get("dates", []), CLES_SERIES["dates"])
    for d in dates:
        if d != "fin" and not _PREFIXE_DATE.match(d):
            raise _erreur(fichier, "series.dates", d, CLES_SERIES["dates"], "préfixe de date invalide")
    return {"conserver": conserver, "indicateurs": list(indicateurs), "dates": list(dates)}


def _valider_sensibilite(fichier: str, table: Any) -> dict:
    if not isinstance(table, Mapping):
        raise _erreur(fichier, "sensibilite", table, "une table TOML [sensibilite]", "ce n'est pas une table")
    _cles_inconnues(fichier, "sensibilite.", table, CLES_SENSIBILITE)
    reech = _entier(fichier, "sensibilite.reechantillonnages", table.get("reechantillonnages", 100), 10)
    niveau = _nombre(fichier, "sensibilite.niveau_confiance", table.get("niveau_confiance", 0.95))
    if not 0 < niveau < 1:
        raise _erreur(
            fichier,
            "sensibilite.niveau_confiance",
            niveau,
            CLES_SENSIBILITE["niveau_confiance"],
            "hors de ]0, 1[",
        )
    return {"reechantillonnages": reech, "niveau_confiance": niveau}


def _verifier_cle(fichier: str, prefixe: str, cle: str, bornes: Mapping) -> Borne:
    if cle not in bornes:
        proches = [c for c in bornes if c.split(".")[-1] == cle.split(".")[-1]]
        aide = f" Vouliez-vous dire : {', '.join(proches)} ?" if proches else ""
        connues = ", ".join(sorted(bornes)[:12]) + (" …" if len(bornes) > 12 else "")
        raise ErreurEntree(
            f'{fichier} : clé « {prefixe}"{cle}" » : paramètre inconnu du modèle.{aide} '
            f"Paramètres déclarés : {connues}."
        )
    return bornes[cle]


def _dans_bornes(fichier: str, cle: str, valeur: Any, decl: Borne) -> None:
    if decl.valider is not None:
        decl.valider(valeur, fichier=fichier, cle=cle)  # lève ErreurEntree (type, bornes, choix)
    if isinstance(valeur, bool) or not isinstance(valeur, (int, float)):
        return
    bas, haut = decl.min, decl.max
    if (bas is not None and valeur < bas) or (haut is not None and valeur > haut):
        raise _erreur(
            fichier,
            cle,
            valeur,
            f"une valeur dans les bornes déclarées [{bas}, {haut}]",
            "hors des bornes déclarées du paramètre",
        )


def _dans_plausible(fichier: str, cle: str, valeur: Any, decl: Borne, hors_plausible: bool, avertis: list) -> None:
    """Refuse une valeur hors de la plage plausible déclarée (sauf ``hors_plage_plausible = true`` : averti)."""
    if decl.plausible is None or isinstance(valeur, bool) or not isinstance(valeur, (int, float)):
        return
    bas, haut = decl.plausible
    if bas <= valeur <= haut:
        return
    if not hors_plausible:
        raise _erreur(fichier, cle, valeur,
                      f"une valeur dans la plage plausible déclarée [{bas:g}, {haut:g}] (ou plage = \"plausible\" ; "
                      "hors_plage_plausible = true pour explorer exprès des mondes jugés implausibles)",
                      "hors de la plage plausible du paramètre")
    avertis.append(f"{cle} = {valeur!r} hors de la plage plausible [{bas:g}, {haut:g}]")


def _plage_declaree(fichier: str, prefixe: str, spec: Mapping, decl: Borne, plan: str) -> tuple[float, float]:
    """Intervalle nommé par ``plage`` : la plage plausible déclarée ou les bornes de validation."""
    plage = spec["plage"]
    en_trop = sorted({"min", "max", "niveaux"} & set(spec))
    if en_trop:
        raise _erreur(fichier, f"{prefixe}.{en_trop[0]}", spec[en_trop[0]],
                      "plage = \"plausible\" ou \"bornes\", OU min et max, pas les deux", "clé en conflit avec plage")
    if plage == "plausible":
        if decl.plausible is None:
            raise _erreur(fichier, f"{prefixe}.plage", plage, "min et max (ce paramètre ne déclare pas de plage "
                          "plausible : seuls les paramètres calibrables en ont une)", "pas de plage plausible déclarée")
        return float(decl.plausible[0]), float(decl.plausible[1])
    if plage == "bornes":
        if decl.min is None or decl.max is None:
            raise _erreur(fichier, f"{prefixe}.plage", plage, "min et max", "bornes non déclarées")
        return float(decl.min), float(decl.max)
    raise _erreur(fichier, f"{prefixe}.plage", plage, CLES_PARAMETRE["plage"], "plage inconnue")


def _valider_parametres(fichier: str, plan: str, table: Any, bornes: Mapping,
                        hors_plausible: bool = False) -> list[ParametreVarie]:
    if not isinstance(table, Mapping) or not table:
        raise _erreur(
            fichier,
            "parametres",
            table,
            'au moins une table [parametres."cle.du.parametre"]',
            "aucun paramètre qui varie",
        )
    resultat = []
    avertis: list[str] = []
    for cle, spec in table.items():
        prefixe = f'parametres."{cle}"'
        if not isinstance(spec, Mapping):
            raise _erreur(fichier, prefixe, spec, "une table avec niveaux = [...] ou min/max", "ce n'est pas une table")
        decl = _verifier_cle(fichier, "parametres.", cle, bornes)
        _cles_inconnues(fichier, prefixe + ".", spec, CLES_PARAMETRE)
        entier = _booleen(fichier, f"{prefixe}.entier", spec.get("entier", False)) or decl.type == "entier"
        if plan == "factoriel":
            if "niveaux" not in spec:
                raise ErreurEntree(
                    f"{fichier} : clé « {prefixe}.niveaux » absente : le plan « factoriel » demande "
                    f"une liste de niveaux pour chaque paramètre (ex. niveaux = [0.1, 0.2]). "
                    f"Clés reçues : {', '.join(spec)}."
                )
            autres = set(spec) - {"niveaux", "entier"}
            if autres:
                cle_en_trop = sorted(autres)[0]
                raise _erreur(
                    fichier,
                    f"{prefixe}.{cle_en_trop}",
                    spec[cle_en_trop],
                    "seulement « niveaux » (et « entier ») pour un plan factoriel",
                    "clé sans objet ici",
                )
            niveaux = spec["niveaux"]
            if not isinstance(niveaux, list) or not niveaux:
                raise _erreur(
                    fichier, f"{prefixe}.niveaux", niveaux, CLES_PARAMETRE["niveaux"], "liste vide ou absente"
                )
            types = {type(v) for v in niveaux}
            if not all(isinstance(v, (int, float, str, bool)) for v in niveaux) or (
                len(types) > 1 and not types <= {int, float}
            ):
                raise _erreur(
                    fichier,
                    f"{prefixe}.niveaux",
                    niveaux,
                    "des valeurs simples d'un même type (nombres, textes ou booléens)",
                    "niveaux hétérogènes",
                )
            if len(set(niveaux)) != len(niveaux):
                raise _erreur(fichier, f"{prefixe}.niveaux", niveaux, "des niveaux distincts", "niveau répété")
            for v in niveaux:
                _dans_bornes(fichier, f"{prefixe}.niveaux", v, decl)
                _dans_plausible(fichier, f"{prefixe}.niveaux", v, decl, hors_plausible, avertis)
            resultat.append(ParametreVarie(cle=cle, niveaux=tuple(niveaux), entier=entier))
            continue
        if "niveaux" in spec:
            raise _erreur(
                fichier,
                f"{prefixe}.niveaux",
                spec["niveaux"],
                f"min et max (et éventuellement loi) pour le plan « {plan} »",
                "les niveaux explicites ne valent que pour le plan factoriel",
            )
        if decl.type not in (None, "reel", "entier"):
            raise _erreur(
                fichier,
                prefixe,
                dict(spec),
                f"niveaux = [...] dans un plan factoriel pour un paramètre de type « {decl.type} »",
                "paramètre non numérique : pas d'intervalle possible",
            )
        if "plage" in spec:
            bas, haut = _plage_declaree(fichier, prefixe, spec, decl, plan)
            spec = {**spec, "min": bas, "max": haut}
        for borne in ("min", "max"):
            if borne not in spec:
                raise ErreurEntree(
                    f"{fichier} : clé « {prefixe}.{borne} » absente : le plan « {plan} » demande min et max "
                    f"(ou plage = \"plausible\") pour chaque paramètre."
                )
        bas = _nombre(fichier, f"{prefixe}.min", spec["min"])
        haut = _nombre(fichier, f"{prefixe}.max", spec["max"])
        if bas >= haut:
            raise ErreurEntree(
                f"{fichier} : clé « {prefixe}.min » = {spec['min']!r} et "
                f"« {prefixe}.max » = {spec['max']!r} : "
                f"min doit être strictement inférieur à max."
            )
        _dans_bornes(fichier, f"{prefixe}.min", bas, decl)
        _dans_bornes(fichier, f"{prefixe}.max", haut, decl)
        _dans_plausible(fichier, f"{prefixe}.min", bas, decl, hors_plausible, avertis)
        _dans_plausible(fichier, f"{prefixe}.max", haut, decl, hors_plausible, avertis)
        loi = spec.get("loi", "uniforme")
        if loi not in LOIS:
            raise _erreur(fichier, f"{prefixe}.loi", loi, CLES_PARAMETRE["loi"], "loi inconnue")
        if plan == "morris" and loi != "uniforme":
            raise _erreur(
                fichier,
                f"{prefixe}.loi",
                loi,
                "« uniforme » pour le plan morris",
                "la méthode de Morris travaille sur une grille régulière",
            )
        mode = moyenne = ecart = None
        attendues = {"triangulaire": {"mode"}, "normale_tronquee": {"moyenne", "ecart_type"}}.get(loi, set())
        for cle_loi in ("mode", "moyenne", "ecart_type"):
            if cle_loi in spec and cle_loi not in attendues:
                raise _erreur(
                    fichier,
                    f"{prefixe}.{cle_loi}",
                    spec[cle_loi],
                    f"aucune clé « {cle_loi} » pour la loi {loi}",
                    "clé sans objet pour cette loi",
                )
            if cle_loi in attendues and cle_loi not in spec:
                raise ErreurEntree(f"{fichier} : clé « {prefixe}.{cle_loi} » absente : obligatoire pour la loi {loi}.")
        if loi == "log_uniforme" and bas <= 0:
            raise _erreur(fichier, f"{prefixe}.min", bas, "min > 0 pour la loi log_uniforme", "valeur non positive")
        if loi == "triangulaire":
            mode = _nombre(fichier, f"{prefixe}.mode", spec["mode"])
            if not bas <= mode <= haut:
                raise _erreur(
                    fichier,
                    f"{prefixe}.mode",
                    mode,
                    f"un mode dans [{bas}, {haut}]",
                    "mode hors de [min, max]",
                )
        if loi == "normale_tronquee":
            moyenne = _nombre(fichier, f"{prefixe}.moyenne", spec["moyenne"])
            ecart = _nombre(fichier, f"{prefixe}.ecart_type", spec["ecart_type"])
            if ecart <= 0:
                raise _erreur(fichier, f"{prefixe}.ecart_type", ecart, "un écart type > 0", "valeur non positive")
        resultat.append(
            ParametreVarie(
                cle=cle,
                min=bas,
                max=haut,
                loi=loi,
                mode=mode,
                moyenne=moyenne,
                ecart_type=ecart,
                entier=entier,
            )
        )
    if avertis:
        warnings.warn(f"{fichier} : hors_plage_plausible = true : " + " ; ".join(avertis) + ".", UserWarning,
                      stacklevel=3)
    return resultat


def _valider_fixes(fichier: str, table: Any, bornes: Mapping, varies: set) -> dict:
    if not isinstance(table, Mapping):
        raise _erreur(fichier, "fixes", table, CLES_RACINE["fixes"], "ce n'est pas une table")
    resultat = {}
    for cle, valeur in table.items():
        decl = _verifier_cle(fichier, "fixes.", cle, bornes)
        if cle in varies:
            raise _erreur(
                fichier,
                f'fixes."{cle}"',
                valeur,
                "un paramètre qui ne varie pas déjà dans [parametres]",
                "paramètre à la fois fixé et varié",
            )
        _dans_bornes(fichier, f'fixes."{cle}"', valeur, decl)
        resultat[cle] = valeur
    return resultat


# ------------------------------------------------------------------------------ empreinte et graines
def _trouver_scenario(fichier: str, scenario: str, dossier: Path | None) -> str | None:
    """Chemin absolu d'un scénario donné par un fichier .toml (cherché tel quel, puis à côté du plan)."""
    if not scenario.endswith(".toml"):
        return None
    chemin = Path(scenario)
    candidats = [chemin] if chemin.is_absolute() else [Path.cwd() / chemin] + ([dossier / chemin] if dossier else [])
    for candidat in candidats:
        if candidat.is_file():
            return str(candidat.resolve())
    raise _erreur(
        fichier,
        "scenario",
        scenario,
        "un nom de scénario livré ou un fichier .toml existant "
        "(chemin relatif au dossier courant ou au dossier du plan)",
        "fichier de scénario introuvable",
    )


def calculer_empreinte(plan: PlanBalayage) -> str:
    """Empreinte SHA-256 du contenu normalisé du plan (et du contenu du fichier de scénario s'il en est un)."""
    contenu = plan.contenu_normalise()
    if plan.scenario_fichier is not None:
        contenu["scenario_sha256"] = hashlib.sha256(Path(plan.scenario_fichier).read_bytes()).hexdigest()
    texte = json.dumps(contenu, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return hashlib.sha256(texte.encode("ascii")).hexdigest()


def plan_apparie(plan: PlanBalayage, scenario: str) -> PlanBalayage:
    """Le même plan sur un autre scénario, aux graines appariées : mêmes points échantillonnés (mêmes paramètres),
    mêmes graines par (point, réplicat) que ``plan`` ; son empreinte propre identifie son stockage.

    Sert à ``nonrecours sensibilite --difference-avec SCENARIO`` : la sortie analysée est alors la différence
    scénario du plan − ``scenario``, run par run. Un scénario inconnu lève :class:`ErreurEntree`.
    """
    option = "--difference-avec"
    scenario = _texte(option, "scenario", scenario, CLES_RACINE["scenario"])
    fichier = _trouver_scenario(plan.fichier, scenario, Path(plan.fichier).parent)
    if fichier is None and plan.fonction_run == FONCTION_RUN_DEFAUT:
        from modele.scenarios import scenarios_disponibles

        connus = scenarios_disponibles()
        if scenario not in connus:
            raise ErreurEntree(f"{option} {scenario!r} : scénario inconnu. Attendu : un scénario parmi "
                               f"{', '.join(connus)}, ou le chemin d'un fichier TOML de scénario.")
    if scenario == plan.scenario and fichier == plan.scenario_fichier:
        raise ErreurEntree(f"{option} {scenario!r} : c'est le scénario du plan {plan.fichier} ; la différence "
                           "serait nulle. Attendu : un autre scénario (ex. « reference »).")
    apparie = replace(plan, scenario=scenario, scenario_fichier=fichier, graines_de=plan.empreinte_graines,
                      nom=f"{plan.nom}__{re.sub(r'[^A-Za-z0-9_.-]+', '_', Path(scenario).stem)}")
    return replace(apparie, empreinte=calculer_empreinte(apparie))


def graine_run(empreinte: str, point: int, replicat: int, communes: bool = False) -> int:
    """Graine d'un run, dérivée de (empreinte du plan, indice du point, réplicat) par ``SeedSequence``.

    Avec ``communes=True`` (nombres aléatoires communs), la graine ne dépend que du réplicat : tous les
    points d'un même réplicat partagent la même graine. Valeur dans [0, 2**63).
    """
    cle = (int(replicat),) if communes else (int(point), int(replicat))
    sequence = np.random.SeedSequence(int(empreinte[:32], 16), spawn_key=cle)
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def graine_echantillon(empreinte: str) -> int:
    """Graine (32 bits, non nulle) des tirages de l'échantillon et des rééchantillonnages de SALib."""
    return int(hashlib.sha256((empreinte + ":echantillon").encode()).hexdigest()[:8], 16) | 1


# --------------------------------------------------------------------------------------- échantillon
def probleme_salib(plan: PlanBalayage) -> dict:
    """Problème au format SALib (noms, bornes, lois) pour les plans continus."""
    bornes, lois = [], []
    for p in plan.parametres:
        if p.loi == "triangulaire":
            bornes.append([p.min, p.max, (p.mode - p.min) / (p.max - p.min)])
        elif p.loi == "normale_tronquee":
            bornes.append([p.min, p.max, p.moyenne, p.ecart_type])
        else:
            bornes.append([p.min, p.max])
        lois.append(LOIS[p.loi])
    return {"num_vars": len(plan.parametres), "names": plan.cles, "bounds": bornes, "dists": lois}


def echantillonner(plan: PlanBalayage) -> pd.DataFrame:
    """Points du plan : une ligne par point (colonne ``point`` puis une colonne par paramètre).

    L'échantillon ne dépend que du contenu du plan (graine dérivée de l'empreinte).
    """
    import warnings

    if plan.plan == "factoriel":
        grilles = np.meshgrid(*[np.arange(len(p.niveaux)) for p in plan.parametres], indexing="ij")
        colonnes = {}
        for p, indices in zip(plan.parametres, grilles, strict=True):
            valeurs = [p.niveaux[i] for i in indices.ravel()]
            colonnes[p.cle] = valeurs
        points = pd.DataFrame(colonnes)
    else:
        probleme = probleme_salib(plan)
        graine = graine_echantillon(plan.empreinte_graines)
        n = plan.echantillonnage["n"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if plan.plan == "hypercube_latin":
                from SALib.sample import latin

                matrice = latin.sample(probleme, n, seed=graine)
            elif plan.plan == "sobol":
                from SALib.sample import sobol

                matrice = sobol.sample(
                    probleme,
                    n,
                    calc_second_order=plan.echantillonnage["second_ordre"],
                    scramble=True,
                    seed=graine,
                )
            else:
                from SALib.sample import morris

                matrice = morris.sample(probleme, n, num_levels=plan.echantillonnage["niveaux"], seed=graine)
        points = pd.DataFrame(np.asarray(matrice, dtype=float), columns=plan.cles)
    for p in plan.parametres:
        if p.entier:
            points[p.cle] = np.round(points[p.cle].astype(float)).astype(np.int64)
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    return points


def nombre_runs(plan: PlanBalayage, nombre_points: int) -> int:
    """Nombre total de runs : points x réplicats."""
    return nombre_points * plan.replicats
