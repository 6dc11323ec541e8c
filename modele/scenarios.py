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

from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree, Parametres, lire_toml
from modele.politiques import TYPE_PAR_CLASSE, TYPES_INTERVENTIONS, Intervention

DOSSIER_SCENARIOS = DOSSIER_PARAMETRES / "scenarios"
FICHIER_CALIBRATION = DOSSIER_PARAMETRES / "calibration.toml"


def lire_date(v, fichier, cle) -> dt.date:
    """Date d'un fichier de scénario (date TOML, « AAAA-MM-JJ » ou « AAAA-MM ») ; sinon erreur française."""
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
    debut = lire_date(table["date"], fichier, f"{ctx}.date")
    fin = lire_date(table["fin"], fichier, f"{ctx}.fin") if "fin" in table else None
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
    champs_entete = {"nom", "libelle", "question", "description", "sources", "base", "calibration",
                     "sans_interventions"}
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
    libelle = entete.get("libelle", entete["nom"])
    if not isinstance(libelle, str) or not libelle.strip():
        raise ErreurEntree("Libellé de scénario invalide.", fichier=chemin, cle="scenario.libelle", valeur=libelle,
                           attendu="un texte non vide, p. ex. libelle = \"Médiateurs doublés (2020)\"")
    return Scenario(nom=entete["nom"], libelle=libelle.strip(), fichier=chemin, question=entete["question"],
                    description=entete.get("description", ""), sources=list(entete.get("sources", [])),
                    surcharges=surcharges, interventions=interventions, calibration=bool(calibration))
