"""Déclaration unique des paramètres : valeur, unité, bornes, doc, source ou hypothèse.

Règle : chaque paramètre est déclaré une seule fois dans `parametres/defauts/*.toml` ; tout le reste
(modèle, CLI, scénarios, balayages, calibration, curseurs de la page pédagogique, tableau de l'ODD)
lit cette déclaration. Le chargeur valide et échoue avec un message français qui nomme le fichier,
la clé, la valeur et ce qui est permis.

Une déclaration est une table TOML qui contient la clé `valeur` ; les autres tables sont des espaces
de noms. Exemple ::

    [prestations.rsa.montant_mensuel]
    valeur = 503.0
    unite = "euros par mois"
    min = 0.0
    max = 2000.0
    doc = "Montant moyen versé par foyer allocataire."
    source = "[lemediasocial2025_sas] (CNAF 2023 : 11,4 Md€ / 1,89 M foyers / 12, calcul dérivé)"
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_PARAMETRES = RACINE / "parametres"
DOSSIER_DEFAUTS = DOSSIER_PARAMETRES / "defauts"

CHAMPS_DECLARATION = {
    "valeur", "unite", "min", "max", "choix", "doc", "source", "hypothese", "calibrable", "forme", "inerte",
}
TYPES = ("reel", "entier", "booleen", "texte", "date", "liste", "matrice")


class ErreurEntree(Exception):
    """Entrée invalide (fichier de paramètres, scénario, plan, argument) : message français, code 2."""

    def __init__(self, message: str, *, fichier: str | Path | None = None, cle: str | None = None,
                 valeur: Any = None, attendu: str | None = None):
        self.fichier = None if fichier is None else str(fichier)
        self.cle = cle
        self.valeur = valeur
        self.attendu = attendu
        morceaux = [message]
        if self.fichier is not None:
            morceaux.append(f"fichier : {self.fichier}")
        if cle is not None:
            morceaux.append(f"clé : {cle}")
        if valeur is not None:
            morceaux.append(f"valeur : {valeur!r}")
        if attendu is not None:
            morceaux.append(f"attendu : {attendu}")
        super().__init__("\n  ".join(morceaux))


def lire_toml(chemin: str | Path) -> dict:
    """Lit un fichier TOML ; un fichier absent ou mal formé lève `ErreurEntree`."""
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ErreurEntree("Fichier introuvable.", fichier=chemin, attendu="un fichier TOML existant")
    try:
        with chemin.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ErreurEntree(f"TOML mal formé : {exc}", fichier=chemin,
                           attendu="un fichier TOML valide (https://toml.io/fr/)") from None
    except UnicodeDecodeError:
        raise ErreurEntree("Fichier illisible (encodage).", fichier=chemin, attendu="du texte UTF-8") from None


@dataclass(frozen=True)
class Declaration:
    """Un paramètre déclaré : sa valeur par défaut et tout ce qu'il faut pour le valider et le citer."""

    cle: str
    valeur: Any
    type: str
    unite: str
    doc: str
    fichier: str
    min: float | None = None
    max: float | None = None
    choix: tuple | None = None
    forme: tuple | None = None
    source: str | None = None
    hypothese: bool = False
    calibrable: bool = False
    inerte: str | None = None

    @property
    def scalaire_numerique(self) -> bool:
        """Vrai si le paramètre est un nombre (réel ou entier) : il peut être balayé ou calibré."""
        return self.type in ("reel", "entier")

    def valider(self, valeur: Any, fichier: str | Path | None = None, cle: str | None = None) -> Any:
        """Retourne la valeur convertie si elle est permise, sinon lève `ErreurEntree`."""
        fichier = self.fichier if fichier is None else fichier
        cle = self.cle if cle is None else cle
        return _valider_valeur(self, valeur, fichier, cle)

    def texte_permis(self) -> str:
        """Ce qui est permis, en français, pour les messages d'erreur et la documentation."""
        if self.type in ("reel", "entier", "liste", "matrice"):
            genre = {"reel": "un nombre", "entier": "un entier", "liste": "une liste de nombres",
                     "matrice": "une matrice de nombres"}[self.type]
            bornes = []
            if self.min is not None:
                bornes.append(f">= {self.min}")
            if self.max is not None:
                bornes.append(f"<= {self.max}")
            forme = f" de forme {list(self.forme)}" if self.forme else ""
            return f"{genre}{forme}" + (f" ({' et '.join(bornes)})" if bornes else "")
        if self.type == "booleen":
            return "true ou false"
        if self.type == "date":
            return "une date AAAA-MM-JJ"
        if self.choix:
            return "une valeur parmi " + ", ".join(repr(c) for c in self.choix)
        return "un texte"


def _type_de(valeur: Any) -> str:
    if isinstance(valeur, bool):
        return "booleen"
    if isinstance(valeur, int):
        return "entier"
    if isinstance(valeur, float):
        return "reel"
    if isinstance(valeur, (dt.date, dt.datetime)):
        return "date"
    if isinstance(valeur, str):
        return "texte"
    if isinstance(valeur, list):
        if valeur and isinstance(valeur[0], list):
            return "matrice"
        return "liste"
    return "inconnu"


def _forme(valeur: list) -> tuple:
    if valeur and isinstance(valeur[0], list):
        return (len(valeur), len(valeur[0]))
    return (len(valeur),)


def _nombre(x: Any, decl: Declaration, fichier, cle, entier: bool = False) -> float | int:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ErreurEntree("Valeur de type incorrect.", fichier=fichier, cle=cle, valeur=x,
                           attendu=decl.texte_permis())
    if isinstance(x, float) and not math.isfinite(x):
        raise ErreurEntree("Valeur non finie.", fichier=fichier, cle=cle, valeur=x, attendu=decl.texte_permis())
    if entier:
        if isinstance(x, float) and not x.is_integer():
            raise ErreurEntree("Un entier est attendu.", fichier=fichier, cle=cle, valeur=x,
                               attendu=decl.texte_permis())
        x = int(x)
    else:
        x = float(x)
    if (decl.min is not None and x < decl.min) or (decl.max is not None and x > decl.max):
        raise ErreurEntree("Valeur hors bornes.", fichier=fichier, cle=cle, valeur=x, attendu=decl.texte_permis())
    return x


def _valider_valeur(decl: Declaration, valeur: Any, fichier, cle) -> Any:
    t = decl.type
    if t == "reel":
        return _nombre(valeur, decl, fichier, cle)
    if t == "entier":
        return _nombre(valeur, decl, fichier, cle, entier=True)
    if t == "booleen":
        if not isinstance(valeur, bool):
            raise ErreurEntree("Booléen attendu.", fichier=fichier, cle=cle, valeur=valeur, attendu="true ou false")
        return valeur
    if t == "date":
        if isinstance(valeur, dt.datetime):
            return valeur.date()
        if isinstance(valeur, dt.date):
            return valeur
        if isinstance(valeur, str):
            try:
                return dt.date.fromisoformat(valeur)
            except ValueError:
                pass
        raise ErreurEntree("Date invalide.", fichier=fichier, cle=cle, valeur=valeur, attendu="une date AAAA-MM-JJ")
    if t == "texte":
        if not isinstance(valeur, str):
            raise ErreurEntree("Texte attendu.", fichier=fichier, cle=cle, valeur=valeur, attendu=decl.texte_permis())
        if decl.choix and valeur not in decl.choix:
            raise ErreurEntree("Valeur non permise.", fichier=fichier, cle=cle, valeur=valeur,
                               attendu=decl.texte_permis())
        return valeur
    if t in ("liste", "matrice"):
        if not isinstance(valeur, list) or _type_de(valeur) != t:
            raise ErreurEntree("Forme incorrecte.", fichier=fichier, cle=cle, valeur=valeur,
                               attendu=decl.texte_permis())
        lignes = valeur if t == "matrice" else [valeur]
        if t == "matrice" and any(not isinstance(lg, list) or len(lg) != len(lignes[0]) for lg in lignes):
            raise ErreurEntree("Matrice irrégulière.", fichier=fichier, cle=cle, valeur=valeur,
                               attendu=decl.texte_permis())
        if decl.forme is not None and _forme(valeur) != tuple(decl.forme):
            raise ErreurEntree("Dimensions incorrectes.", fichier=fichier, cle=cle, valeur=valeur,
                               attendu=decl.texte_permis())
        sortie = [[_nombre(x, decl, fichier, cle) for x in lg] for lg in lignes]
        return sortie if t == "matrice" else sortie[0]
    raise ErreurEntree("Type de paramètre inconnu.", fichier=fichier, cle=cle, valeur=valeur,
                       attendu=", ".join(TYPES))


def _declaration_depuis_table(cle: str, table: dict, fichier: Path) -> Declaration:
    inconnus = set(table) - CHAMPS_DECLARATION
    if inconnus:
        raise ErreurEntree("Champ de déclaration inconnu.", fichier=fichier, cle=cle,
                           valeur=sorted(inconnus)[0], attendu=", ".join(sorted(CHAMPS_DECLARATION)))
    valeur = table["valeur"]
    t = _type_de(valeur)
    if t == "inconnu":
        raise ErreurEntree("Type de valeur non pris en charge.", fichier=fichier, cle=cle, valeur=valeur,
                           attendu=", ".join(TYPES))
    if t == "texte" and "choix" not in table:
        try:
            dt.date.fromisoformat(valeur)
            t = "date"
        except ValueError:
            pass
    for champ in ("unite", "doc"):
        if not isinstance(table.get(champ), str) or not table[champ].strip():
            raise ErreurEntree(f"Le champ « {champ} » est obligatoire.", fichier=fichier, cle=cle,
                               attendu="un texte non vide")
    source = table.get("source")
    hypothese = bool(table.get("hypothese", False))
    if (source is None) == (not hypothese):
        raise ErreurEntree("Chaque paramètre cite une source OU se déclare hypothèse (exactement l'un des deux).",
                           fichier=fichier, cle=cle, attendu="source = \"…\" ou hypothese = true")
    decl = Declaration(
        cle=cle, valeur=valeur, type=t, unite=table["unite"], doc=table["doc"], fichier=str(fichier),
        min=table.get("min"), max=table.get("max"),
        choix=tuple(table["choix"]) if "choix" in table else None,
        forme=tuple(table["forme"]) if "forme" in table else (_forme(valeur) if t in ("liste", "matrice") else None),
        source=source, hypothese=hypothese, calibrable=bool(table.get("calibrable", False)),
        inerte=table.get("inerte"),
    )
    if decl.calibrable and not decl.scalaire_numerique:
        raise ErreurEntree("Seul un paramètre numérique scalaire peut être calibrable.", fichier=fichier, cle=cle)
    if decl.scalaire_numerique and (decl.min is None or decl.max is None):
        raise ErreurEntree("Un paramètre numérique déclare ses bornes min et max.", fichier=fichier, cle=cle,
                           attendu="min = … et max = …")
    valeur_validee = decl.valider(valeur)
    return Declaration(**{**decl.__dict__, "valeur": valeur_validee})


def parcourir(table: dict, prefixe: str, fichier: Path, sortie: dict[str, Declaration]) -> None:
    """Ajoute à `sortie` les déclarations d'une table TOML (clés pointées préfixées par `prefixe`)."""
    for nom, contenu in table.items():
        cle = f"{prefixe}.{nom}" if prefixe else nom
        if not isinstance(contenu, dict):
            raise ErreurEntree("Valeur nue hors d'une déclaration.", fichier=fichier, cle=cle, valeur=contenu,
                               attendu="une table [..] avec valeur, unite, doc, min/max, source ou hypothese")
        if "valeur" in contenu:
            if cle in sortie:
                raise ErreurEntree("Paramètre déclaré deux fois.", fichier=fichier, cle=cle,
                                   attendu=f"une seule déclaration (déjà dans {sortie[cle].fichier})")
            sortie[cle] = _declaration_depuis_table(cle, contenu, fichier)
        else:
            parcourir(contenu, cle, fichier, sortie)


_CACHE: dict[Path, dict[str, Declaration]] = {}


def charger_declarations(dossier: str | Path = DOSSIER_DEFAUTS) -> dict[str, Declaration]:
    """Lit et valide toutes les déclarations de `parametres/defauts/*.toml` (ordre des clés stable)."""
    dossier = Path(dossier).resolve()
    if dossier in _CACHE:
        return _CACHE[dossier]
    fichiers = sorted(dossier.glob("*.toml"))
    if not fichiers:
        raise ErreurEntree("Aucun fichier de déclarations.", fichier=dossier, attendu="des fichiers *.toml")
    sortie: dict[str, Declaration] = {}
    for f in fichiers:
        donnees = lire_toml(f)
        hors = sorted(set(donnees) - {f.stem})
        if hors:  # un fichier par sous-modèle ou entité : le préfixe d'une clé nomme son fichier
            raise ErreurEntree("Déclaration hors de son fichier.", fichier=f, cle=hors[0],
                               attendu=f"des clés « {f.stem}.… » seulement (les clés « {hors[0]}.… » vont dans "
                               f"{hors[0]}.toml)")
        parcourir(donnees, "", f, sortie)
    _CACHE[dossier] = sortie
    return sortie


@dataclass
class Parametres(Mapping):
    """Jeu de paramètres résolu et validé (clé pointée → valeur), avec l'origine de chaque surcharge."""

    valeurs: dict[str, Any]
    origines: dict[str, str] = field(default_factory=dict)
    declarations: dict[str, Declaration] = field(default_factory=dict, repr=False)

    @classmethod
    def defauts(cls) -> Parametres:
        """Les valeurs par défaut de toutes les déclarations."""
        decl = charger_declarations()
        return cls({k: copy.deepcopy(d.valeur) for k, d in decl.items()}, {}, decl)

    def __getitem__(self, cle: str) -> Any:
        try:
            return self.valeurs[cle]
        except KeyError:
            raise KeyError(f"paramètre non déclaré : {cle}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.valeurs)

    def __len__(self) -> int:
        return len(self.valeurs)

    def avec(self, surcharges: Mapping[str, Any], origine: str = "surcharge",
             fichier: str | Path | None = None) -> Parametres:
        """Copie validée avec des valeurs changées ; une clé inconnue ou hors bornes lève `ErreurEntree`."""
        nouv = dict(self.valeurs)
        orig = dict(self.origines)
        for cle, valeur in surcharges.items():
            decl = self.declarations.get(cle)
            if decl is None:
                proches = [k for k in self.declarations if k.split(".")[-1] == cle.split(".")[-1]][:3]
                attendu = "une clé déclarée dans parametres/defauts/" + (
                    f" (voulez-vous dire : {', '.join(proches)} ?)" if proches else "")
                raise ErreurEntree("Paramètre inconnu.", fichier=fichier, cle=cle, valeur=valeur, attendu=attendu)
            nouv[cle] = decl.valider(valeur, fichier=fichier if fichier is not None else origine, cle=cle)
            orig[cle] = origine
        return Parametres(nouv, orig, self.declarations)

    def copie(self) -> Parametres:
        """Copie profonde (les listes sont copiées)."""
        return Parametres(copy.deepcopy(self.valeurs), dict(self.origines), self.declarations)

    def en_dict(self) -> dict[str, Any]:
        """Dictionnaire sérialisable (dates en texte ISO)."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.valeurs.items()}
