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
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modele.entrees import ErreurEntree as ErreurEntree  # nom public de ce module aussi
from modele.entrees import exiger_booleen, exiger_liste, exiger_nombre, exiger_texte
from modele.entrees import lire_toml as lire_toml

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_PARAMETRES = RACINE / "parametres"
DOSSIER_DEFAUTS = DOSSIER_PARAMETRES / "defauts"

CHAMPS_DECLARATION = {
    "valeur", "unite", "min", "max", "choix", "doc", "source", "hypothese", "calibrable", "forme", "inerte",
    "plausible",
}
TYPES = ("reel", "entier", "booleen", "texte", "date", "liste", "matrice")


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
    plausible: tuple | None = None  # plage plausible [bas, haut] (dans les bornes) d'un nombre ; exigée si calibrable

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


def _est_booleen(x: Any) -> bool:
    """Vrai pour `bool` et les booléens numpy (`numpy.bool_`, qui n'est pas un `bool`)."""
    return isinstance(x, bool) or type(x).__name__ == "bool" and type(x).__module__ == "numpy"


def _nombre(x: Any, decl: Declaration, fichier, cle, entier: bool = False) -> float | int:
    # Les scalaires numpy (np.int64, np.float32…) sont des nombres : EMA Workbench, SALib et tout plan numpy en
    # donnent. `numbers.Real` les reconnaît (numpy les y inscrit) ; les booléens restent refusés.
    if _est_booleen(x) or not isinstance(x, numbers.Real):
        raise ErreurEntree("Valeur de type incorrect.", fichier=fichier, cle=cle, valeur=x,
                           attendu=decl.texte_permis())
    if not isinstance(x, numbers.Integral):
        x = float(x)
        if not math.isfinite(x):
            raise ErreurEntree("Valeur non finie.", fichier=fichier, cle=cle, valeur=x, attendu=decl.texte_permis())
    else:
        x = int(x)
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
        if not _est_booleen(valeur):
            raise ErreurEntree("Booléen attendu.", fichier=fichier, cle=cle, valeur=valeur, attendu="true ou false")
        return bool(valeur)
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
    """Valide une table de déclaration (schéma : types, finitude, bornes, cohérence des champs)."""
    inconnus = set(table) - CHAMPS_DECLARATION
    if inconnus:
        raise ErreurEntree("Champ de déclaration inconnu.", fichier=fichier, cle=cle,
                           valeur=sorted(inconnus)[0], attendu=", ".join(sorted(CHAMPS_DECLARATION)))
    valeur = table["valeur"]
    t = _type_de(valeur)
    if t == "inconnu":
        raise ErreurEntree("Type de valeur non pris en charge.", fichier=fichier, cle=f"{cle}.valeur", valeur=valeur,
                           attendu=", ".join(TYPES))
    if t == "texte" and "choix" not in table:
        try:
            dt.date.fromisoformat(valeur)
            t = "date"
        except ValueError:
            pass
    for champ in ("unite", "doc"):
        if not isinstance(table.get(champ), str) or not table[champ].strip():
            raise ErreurEntree(f"Le champ « {champ} » est obligatoire.", fichier=fichier, cle=f"{cle}.{champ}",
                               valeur=table.get(champ), attendu="un texte non vide")
    source = table.get("source")
    if source is not None:
        exiger_texte(source, fichier, f"{cle}.source", "un texte non vide qui cite docs/sources.md")
    hypothese = exiger_booleen(table.get("hypothese", False), fichier, f"{cle}.hypothese")
    calibrable = exiger_booleen(table.get("calibrable", False), fichier, f"{cle}.calibrable")
    inerte = table.get("inerte")
    if inerte is not None:
        exiger_texte(inerte, fichier, f"{cle}.inerte", "un texte qui dit pourquoi le paramètre ne change rien")
    if (source is None) == (not hypothese):
        raise ErreurEntree("Chaque paramètre cite une source OU se déclare hypothèse (exactement l'un des deux).",
                           fichier=fichier, cle=cle, attendu="source = \"…\" ou hypothese = true")
    numerique = t in ("reel", "entier", "liste", "matrice")
    bornes = {}
    for champ in ("min", "max"):
        if champ in table:
            if not numerique:
                raise ErreurEntree(f"« {champ} » ne vaut que pour un paramètre numérique.", fichier=fichier,
                                   cle=f"{cle}.{champ}", valeur=table[champ],
                                   attendu=f"pas de {champ} pour un paramètre de type {t}")
            bornes[champ] = exiger_nombre(table[champ], fichier, f"{cle}.{champ}")
    if "min" in bornes and "max" in bornes and bornes["min"] > bornes["max"]:
        raise ErreurEntree("Bornes inversées.", fichier=fichier, cle=f"{cle}.min", valeur=bornes["min"],
                           attendu=f"min <= max ({bornes['max']})")
    choix = None
    if "choix" in table:
        if t != "texte":
            raise ErreurEntree("« choix » ne vaut que pour un paramètre texte.", fichier=fichier,
                               cle=f"{cle}.choix", valeur=table["choix"], attendu="une valeur texte")
        choix = tuple(exiger_liste(table["choix"], fichier, f"{cle}.choix", "une liste non vide de textes"))
        if not choix or not all(isinstance(c, str) for c in choix):
            raise ErreurEntree("Choix invalides.", fichier=fichier, cle=f"{cle}.choix", valeur=table["choix"],
                               attendu="une liste non vide de textes")
    forme = _forme(valeur) if t in ("liste", "matrice") else None
    if "forme" in table:
        dim = 1 if t == "liste" else 2
        f = table["forme"]
        if (t not in ("liste", "matrice") or not isinstance(f, list) or len(f) != dim
                or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in f)):
            raise ErreurEntree("Forme invalide.", fichier=fichier, cle=f"{cle}.forme", valeur=f,
                               attendu="pour une liste [n], pour une matrice [lignes, colonnes] (entiers >= 0) ; "
                               "rien pour un autre type")
        forme = tuple(f)
    decl = Declaration(
        cle=cle, valeur=valeur, type=t, unite=table["unite"], doc=table["doc"], fichier=str(fichier),
        min=bornes.get("min"), max=bornes.get("max"), choix=choix, forme=forme,
        source=source, hypothese=hypothese, calibrable=calibrable, inerte=inerte,
        plausible=tuple(table["plausible"]) if isinstance(table.get("plausible"), list) else table.get("plausible"),
    )
    if decl.plausible is not None:
        plage = list(decl.plausible) if isinstance(decl.plausible, tuple) else [decl.plausible]
        if not decl.scalaire_numerique or len(plage) != 2:
            raise ErreurEntree("Une plage plausible est une paire [bas, haut] d'un paramètre numérique scalaire.",
                               fichier=fichier, cle=f"{cle}.plausible", valeur=plage, attendu="plausible = [bas, haut]")
        bas, haut = (decl.valider(x, fichier=fichier, cle=f"{cle}.plausible") for x in plage)
        if not bas < haut:
            raise ErreurEntree("Plage plausible vide.", fichier=fichier, cle=f"{cle}.plausible", valeur=plage,
                               attendu="bas < haut, dans les bornes min et max")
    if decl.calibrable and not decl.scalaire_numerique:
        raise ErreurEntree("Seul un paramètre numérique scalaire peut être calibrable.", fichier=fichier,
                           cle=f"{cle}.calibrable")
    if decl.calibrable and decl.plausible is None:
        raise ErreurEntree("Un paramètre calibrable déclare sa plage plausible (distincte des bornes de validation).",
                           fichier=fichier, cle=f"{cle}.plausible",
                           attendu="plausible = [bas, haut] dans les bornes min et max, tirée d'une source ou "
                           "argumentée dans doc (« Plage plausible argumentée : … »)")
    if decl.scalaire_numerique and (decl.min is None or decl.max is None):
        raise ErreurEntree("Un paramètre numérique déclare ses bornes min et max.", fichier=fichier, cle=cle,
                           attendu="min = … et max = …")
    valeur_validee = decl.valider(valeur, cle=f"{cle}.valeur")
    return Declaration(**{**decl.__dict__, "valeur": valeur_validee})


def parcourir(table: dict, prefixe: str, fichier: Path, sortie: dict[str, Declaration]) -> None:
    """Ajoute à `sortie` les déclarations d'une table TOML (clés pointées préfixées par `prefixe`)."""
    for nom, contenu in table.items():
        cle = f"{prefixe}.{nom}" if prefixe else nom
        if not isinstance(contenu, dict):
            raise ErreurEntree("Valeur nue hors d'une déclaration.", fichier=fichier, cle=cle, valeur=contenu,
                               attendu="une table [..] avec valeur, unite, doc, min/max, source ou hypothese")
        if not contenu:
            raise ErreurEntree("Table vide.", fichier=fichier, cle=cle,
                               attendu="une déclaration (valeur, unite, doc, …) ou des tables qui en contiennent")
        if "valeur" in contenu:
            if cle in sortie:
                raise ErreurEntree("Paramètre déclaré deux fois.", fichier=fichier, cle=cle,
                                   attendu=f"une seule déclaration (déjà dans {sortie[cle].fichier})")
            sortie[cle] = _declaration_depuis_table(cle, contenu, fichier)
        else:
            parcourir(contenu, cle, fichier, sortie)


def lire_declarations(fichier: str | Path) -> dict[str, Declaration]:
    """Lit et valide un seul fichier de déclarations (hors de `parametres/defauts/` : `nonrecours verifier`)."""
    sortie: dict[str, Declaration] = {}
    parcourir(lire_toml(fichier), "", Path(fichier), sortie)
    if not sortie:
        raise ErreurEntree("Aucune déclaration de paramètre.", fichier=fichier,
                           attendu="des tables [prefixe.nom] avec valeur, unite, doc, min/max, source ou hypothese")
    return sortie


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
