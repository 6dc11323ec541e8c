"""Scénarios : lecture, héritage et validation des fichiers `parametres/scenarios/*.toml`.

Un scénario est un fichier de données : une question, ses sources, des surcharges de paramètres et des
interventions datées (types déclarés dans `modele/politiques.py`). Tout est validé au chargement : clés et
bornes des surcharges, champs et dates des interventions, valeurs que chaque intervention produit, héritage par
`base` sans cycle. Le sous-modèle `politiques` applique ensuite les interventions chaque semaine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modele.calendrier import DOMAINE
from modele.entrees import (
    LIMITES,
    exiger_booleen,
    exiger_liste,
    exiger_nom,
    exiger_table,
    exiger_texte,
    exiger_textes,
    refuser_inconnues,
)
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, Parametres, lire_toml
from modele.politiques import TYPE_PAR_CLASSE, TYPES_INTERVENTIONS, Intervention, verifier_combinaisons

DOSSIER_SCENARIOS = DOSSIER_PARAMETRES / "scenarios"
FICHIER_CALIBRATION = DOSSIER_PARAMETRES / "calibration.toml"
CHAMPS_ENTETE = {"nom", "libelle", "question", "description", "sources", "base", "calibration", "sans_interventions"}
# Réglages d'une exécution : fixés à la construction du modèle, aucune intervention ne les change en cours.
PREFIXES_FIXES = ("simulation.",)
GENRES_FACTEUR = ("reel", "entier", "liste", "matrice")


def lire_date(v, fichier, cle) -> dt.date:
    """Date d'un fichier de scénario (date TOML, « AAAA-MM-JJ » ou « AAAA-MM ») dans le domaine du modèle."""
    d = None
    if isinstance(v, dt.datetime):
        d = v.date()
    elif isinstance(v, dt.date):
        d = v
    elif isinstance(v, str):
        try:
            d = dt.date.fromisoformat(v if len(v) > 7 else v + "-01")
        except ValueError:
            pass
    if d is None:
        raise ErreurEntree("Date invalide.", fichier=fichier, cle=cle, valeur=v,
                           attendu="une date AAAA-MM-JJ ou AAAA-MM")
    if not DOMAINE[0] <= d <= DOMAINE[1]:
        raise ErreurEntree("Date hors du domaine du modèle.", fichier=fichier, cle=cle, valeur=d.isoformat(),
                           attendu=f"une date entre {DOMAINE[0].isoformat()} et {DOMAINE[1].isoformat()}")
    return d


def lire_intervention(table: dict, fichier: Path, rang: int, defauts: Parametres) -> Intervention:
    """Valide une table [[interventions]] (champs, types, dates) et rend l'objet intervention."""
    ctx = f"interventions[{rang}]"
    exiger_table(table, fichier, ctx, "une table [[interventions]]")
    typ = table.get("type")
    if not isinstance(typ, str) or typ not in TYPES_INTERVENTIONS:
        raise ErreurEntree("Type d'intervention inconnu.", fichier=fichier, cle=f"{ctx}.type", valeur=typ,
                           attendu="un type parmi " + ", ".join(TYPES_INTERVENTIONS))
    classe = TYPES_INTERVENTIONS[typ]
    communs = {"type", "date", "fin", "description"}
    refuser_inconnues(table, communs | set(classe.CHAMPS), fichier, ctx, "Champ d'intervention inconnu.")
    if "date" not in table:
        raise ErreurEntree("Date d'intervention manquante.", fichier=fichier, cle=f"{ctx}.date",
                           attendu="date = \"AAAA-MM-JJ\"")
    debut = lire_date(table["date"], fichier, f"{ctx}.date")
    fin = lire_date(table["fin"], fichier, f"{ctx}.fin") if "fin" in table else None
    if fin is not None and fin <= debut:
        raise ErreurEntree("La fin d'une intervention doit suivre son début.", fichier=fichier, cle=f"{ctx}.fin",
                           valeur=str(fin), attendu=f"une date postérieure à {debut}")
    description = exiger_texte(table.get("description", classe.DOC), fichier, f"{ctx}.description")
    champs = {}
    for nom, (valider, requis, doc) in classe.CHAMPS.items():
        if nom in table:
            champs[nom] = valider(table[nom], (fichier, f"{ctx}.{nom}"))
        elif requis:
            raise ErreurEntree("Champ d'intervention manquant.", fichier=fichier, cle=f"{ctx}.{nom}", attendu=doc)
    if typ == "changement_parametre":
        if ("valeur" in champs) == ("facteur" in champs):
            raise ErreurEntree("Donner exactement l'un de « valeur » ou « facteur ».", fichier=fichier, cle=ctx)
        decl = defauts.declarations.get(champs["cle"])
        if decl is None:
            raise ErreurEntree("Paramètre inconnu.", fichier=fichier, cle=f"{ctx}.cle", valeur=champs["cle"],
                               attendu="une clé déclarée dans parametres/defauts/")
        if champs["cle"].startswith(PREFIXES_FIXES):
            raise ErreurEntree("Ce paramètre est un réglage de l'exécution : une intervention ne le change pas en "
                               "cours de simulation.", fichier=fichier, cle=f"{ctx}.cle", valeur=champs["cle"],
                               attendu="une clé hors de " + ", ".join(p + "*" for p in PREFIXES_FIXES)
                               + " (le nombre de ménages se donne à la commande : --menages)")
        if "facteur" in champs and decl.type not in GENRES_FACTEUR:
            raise ErreurEntree("Un facteur ne s'applique qu'à un paramètre numérique.", fichier=fichier,
                               cle=f"{ctx}.facteur", valeur=champs["facteur"],
                               attendu=f"« valeur = … » pour {champs['cle']} (type {decl.type}) ; « facteur » pour un "
                               "paramètre de type " + ", ".join(GENRES_FACTEUR))
        if "valeur" in champs:
            champs["valeur"] = decl.valider(champs["valeur"], fichier=fichier, cle=f"{ctx}.valeur")
    return classe(debut, fin, description, champs)


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
    libelle: str = ""  # nom lisible dans les rapports et la page (défaut : le nom)

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
    """Lit et valide un scénario (héritage par `base`), puis chaque combinaison d'interventions actives."""
    chemin = chemin_scenario(nom_ou_chemin)
    donnees = lire_toml(chemin)
    refuser_inconnues(donnees, ("scenario", "surcharges", "interventions"), chemin,
                      message="Section inconnue dans un scénario.")
    entete = exiger_table(donnees.get("scenario"), chemin, "scenario", "[scenario] avec nom et question")
    for champ in ("nom", "question"):
        if champ not in entete:
            raise ErreurEntree("En-tête de scénario incomplet.", fichier=chemin, cle=f"scenario.{champ}",
                               attendu="[scenario] avec nom et question")
    refuser_inconnues(entete, CHAMPS_ENTETE, chemin, "scenario", "Champ inconnu dans [scenario].")
    nom = exiger_nom(entete["nom"], chemin, "scenario.nom")
    question = exiger_texte(entete["question"], chemin, "scenario.question")
    description = exiger_texte(entete.get("description", ""), chemin, "scenario.description", "un texte",
                               vide_permis=True)
    sources = exiger_textes(entete.get("sources", []), chemin, "scenario.sources")
    defauts = Parametres.defauts()
    surcharges = dict(exiger_table(donnees.get("surcharges", {}), chemin, "surcharges",
                                   "une table [surcharges] de clés déclarées"))
    defauts.avec(surcharges, origine="surcharges", fichier=chemin)  # valide clés, types et bornes
    tables = exiger_liste(donnees.get("interventions", []), chemin, "interventions",
                          "des tables [[interventions]]", maxi=LIMITES["interventions"])
    interventions = [lire_intervention(t, chemin, k, defauts) for k, t in enumerate(tables)]
    calibration = entete.get("calibration")
    if calibration is not None:
        exiger_booleen(calibration, chemin, "scenario.calibration")
    base = entete.get("base")
    sans = exiger_textes(entete.get("sans_interventions", []), chemin, "scenario.sans_interventions",
                         "une liste de types parmi " + ", ".join(TYPES_INTERVENTIONS))
    if any(t not in TYPES_INTERVENTIONS for t in sans):
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
        exiger_texte(base, chemin, "scenario.base", "le nom d'un scénario livré ou le chemin d'un fichier .toml")
        if base == nom or str(chemin_scenario(base).resolve()) in vus:
            raise ErreurEntree("Héritage circulaire de scénarios.", fichier=chemin, cle="scenario.base", valeur=base)
        parent = charger_scenario(base, vus)
        surcharges = {**parent.surcharges, **surcharges}
        herites = [iv for iv in parent.interventions if TYPE_PAR_CLASSE[type(iv)] not in sans]
        interventions = herites + interventions
        if len(interventions) > LIMITES["interventions"]:
            raise ErreurEntree("Trop d'interventions (héritées comprises).", fichier=chemin, cle="interventions",
                               valeur=len(interventions), attendu=f"au plus {LIMITES['interventions']}")
        if calibration is None:
            calibration = parent.calibration
    libelle = exiger_texte(entete.get("libelle", nom), chemin, "scenario.libelle",
                           "un texte non vide, p. ex. libelle = \"Médiateurs doublés (2020)\"")
    sc = Scenario(nom=nom, libelle=libelle.strip() or nom, fichier=chemin, question=question,
                  description=description, sources=sources, surcharges=surcharges, interventions=interventions,
                  calibration=True if calibration is None else calibration)
    # Chaque ensemble d'interventions actives possible, appliqué dans l'ordre, reste dans les bornes déclarées :
    # `verifier` refuse ici ce que `simuler` refuserait en cours de route.
    verifier_combinaisons(sc.parametres_base(), sc.interventions, fichier=chemin)
    return sc
