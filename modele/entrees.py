"""Entrées : lecture bornée des fichiers TOML et vérifications communes à tous les fichiers de données.

Chaque type de fichier a sa couche de validation, qui s'appuie sur ce module : déclarations
(`modele/parametres.py`), scénarios (`modele/scenarios.py`), plans de balayage et de calibration, cibles
(`experiences/`). Une entrée invalide lève `ErreurEntree` (message français qui nomme fichier, clé, valeur et ce
qui est permis) avant que rien ne tourne ni ne s'écrive ; la CLI en fait le code de sortie 2.

Règles communes :
- un fichier de données ne contient que des données : aucun nom de module ou de fonction n'y est importé
  (les plans de balayage choisissent leur fonction dans un registre interne, voir `experiences/`) ;
- tailles bornées (`LIMITES`) : taille et profondeur d'un fichier, nombre d'interventions, de réplicats, de
  points d'un plan ; le nombre de ménages est borné par sa déclaration (`simulation.menages`) ;
- un nom qui sert de nom de dossier est un seul composant de chemin (`exiger_nom`).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Garde-fous techniques (pas des paramètres du modèle : ils ne changent aucune dynamique).
LIMITES = {
    "taille_fichier_octets": 1_000_000,  # un scénario ou un plan fait quelques kilo-octets
    "profondeur_toml": 12,  # tables et listes imbriquées (une matrice de paramètre : 3 niveaux sous la racine)
    "interventions": 500,  # interventions d'un scénario (héritées comprises)
    "replicats": 1000,  # réplicats d'une commande ou d'un plan
    "points_plan": 100_000,  # points d'un plan de balayage (avant réplicats)
    "runs_plan": 1_000_000,  # points × réplicats
    "essais_calibration": 10_000,
    "graine": 2**63 - 1,  # graines stockées en entiers 64 bits (séries, provenance, stock de balayage)
    "longueur_nom": 64,
}

MOTIF_NOM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


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
            morceaux.append(f"valeur : {_court(valeur)}")
        if attendu is not None:
            morceaux.append(f"attendu : {attendu}")
        super().__init__("\n  ".join(morceaux))


#: Longueur maximale d'une valeur citée dans un message d'erreur.
LONGUEUR_CITATION = 200


def _court(valeur: Any, n: int = LONGUEUR_CITATION) -> str:
    texte = repr(valeur)
    return texte if len(texte) <= n else texte[:n] + f"… ({len(texte)} caractères)"


def profondeur(objet: Any) -> int:
    """Profondeur d'imbrication de tables et de listes (0 pour un scalaire), calculée sans récursion."""
    pire = 0
    pile = [(objet, 0)]
    while pile:
        o, d = pile.pop()
        if isinstance(o, Mapping):
            enfants = o.values()
        elif isinstance(o, list):
            enfants = o
        else:
            pire = max(pire, d)
            continue
        pire = max(pire, d + 1)
        pile.extend((e, d + 1) for e in enfants)
    return pire


def lire_toml(chemin: str | Path, *, vide_permis: bool = False) -> dict:
    """Lit un fichier TOML borné en taille et en profondeur ; sinon `ErreurEntree`.

    Refusés : fichier absent ou qui n'est pas un fichier ordinaire, trop gros, mal formé, pas en UTF-8,
    trop profond, vide (sauf `vide_permis`).
    """
    chemin = Path(chemin)
    if not chemin.is_file():
        raise ErreurEntree("Fichier introuvable.", fichier=chemin, attendu="un fichier TOML existant")
    limite = LIMITES["taille_fichier_octets"]
    try:
        with chemin.open("rb") as f:
            brut = f.read(limite + 1)
    except OSError as exc:
        raise ErreurEntree(f"Fichier illisible ({exc.strerror}).", fichier=chemin,
                           attendu="un fichier lisible") from None
    if len(brut) > limite:
        raise ErreurEntree("Fichier trop gros.", fichier=chemin, attendu=f"au plus {limite} octets")
    try:
        donnees = tomllib.loads(brut.decode("utf-8"))
    except UnicodeDecodeError:
        raise ErreurEntree("Fichier illisible (encodage).", fichier=chemin, attendu="du texte UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ErreurEntree(f"TOML mal formé : {exc}", fichier=chemin,
                           attendu="un fichier TOML valide (https://toml.io/fr/)") from None
    except (RecursionError, MemoryError):
        raise ErreurEntree("TOML trop profond ou trop gros pour être lu.", fichier=chemin,
                           attendu=f"au plus {LIMITES['profondeur_toml']} niveaux de tables et de listes") from None
    if profondeur(donnees) > LIMITES["profondeur_toml"]:
        raise ErreurEntree("TOML trop profond.", fichier=chemin,
                           attendu=f"au plus {LIMITES['profondeur_toml']} niveaux de tables et de listes")
    if not donnees and not vide_permis:
        raise ErreurEntree("Fichier vide.", fichier=chemin, attendu="un fichier TOML avec son contenu")
    return donnees


# --- Types : chaque fonction rend la valeur si elle convient, sinon lève ErreurEntree --------------------------

def exiger_table(v: Any, fichier, cle: str, attendu: str = "une table [..]") -> dict:
    """Une table TOML."""
    if not isinstance(v, dict):
        raise ErreurEntree("Table attendue.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    return v


def exiger_liste(v: Any, fichier, cle: str, attendu: str = "une liste [..]", maxi: int | None = None) -> list:
    """Une liste TOML (de taille bornée si `maxi`)."""
    if not isinstance(v, list):
        raise ErreurEntree("Liste attendue.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    if maxi is not None and len(v) > maxi:
        raise ErreurEntree("Liste trop longue.", fichier=fichier, cle=cle, valeur=len(v),
                           attendu=f"{attendu}, au plus {maxi} éléments")
    return v


def exiger_texte(v: Any, fichier, cle: str, attendu: str = "un texte non vide", vide_permis: bool = False) -> str:
    """Un texte (non vide sauf `vide_permis`)."""
    if not isinstance(v, str) or (not vide_permis and not v.strip()):
        raise ErreurEntree("Texte attendu.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    return v


def exiger_textes(v: Any, fichier, cle: str, attendu: str = "une liste de textes") -> list[str]:
    """Une liste de textes."""
    for k, x in enumerate(exiger_liste(v, fichier, cle, attendu)):
        exiger_texte(x, fichier, f"{cle}[{k}]", attendu)
    return list(v)


def exiger_booleen(v: Any, fichier, cle: str) -> bool:
    """Un booléen TOML (true ou false, sans guillemets)."""
    if not isinstance(v, bool):
        raise ErreurEntree("Booléen attendu.", fichier=fichier, cle=cle, valeur=v,
                           attendu="true ou false (sans guillemets)")
    return v


def exiger_nombre(v: Any, fichier, cle: str, *, entier: bool = False, mini: float | None = None,
                  maxi: float | None = None) -> float | int:
    """Un nombre fini (entier si `entier`), dans [mini, maxi] si donnés."""
    genre = "un entier" if entier else "un nombre"
    bornes = " et ".join(b for b in (f">= {mini}" if mini is not None else "",
                                     f"<= {maxi}" if maxi is not None else "") if b)
    attendu = genre + (f" ({bornes})" if bornes else "")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ErreurEntree("Nombre attendu.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    if isinstance(v, float) and not math.isfinite(v):
        raise ErreurEntree("Valeur non finie.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    if entier and isinstance(v, float):
        if not v.is_integer():
            raise ErreurEntree("Un entier est attendu.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
        v = int(v)
    if (mini is not None and v < mini) or (maxi is not None and v > maxi):
        raise ErreurEntree("Valeur hors bornes.", fichier=fichier, cle=cle, valeur=v, attendu=attendu)
    return v


def exiger_parmi(v: Any, choix: Iterable[str], fichier, cle: str) -> str:
    """Un texte parmi `choix`."""
    choix = tuple(choix)
    if not isinstance(v, str) or v not in choix:
        raise ErreurEntree("Valeur non permise.", fichier=fichier, cle=cle, valeur=v,
                           attendu="une valeur parmi " + ", ".join(choix))
    return v


def refuser_inconnues(table: Mapping, permises: Iterable[str], fichier, prefixe: str = "",
                      message: str = "Clé inconnue.") -> None:
    """Refuse une clé hors de `permises` (faute de frappe : sinon elle serait ignorée en silence)."""
    permises = set(permises)
    inconnues = sorted(str(k) for k in table if k not in permises)
    if inconnues:
        raise ErreurEntree(message, fichier=fichier, cle=f"{prefixe}.{inconnues[0]}" if prefixe
                           else inconnues[0], attendu="des clés parmi " + ", ".join(sorted(permises)))


def nom_valide(nom: Any) -> bool:
    """Vrai si `nom` peut nommer un dossier : un seul composant de chemin, lettres ASCII, chiffres, `_.-`."""
    return (isinstance(nom, str) and len(nom) <= LIMITES["longueur_nom"] and MOTIF_NOM.fullmatch(nom) is not None
            and ".." not in nom)


def exiger_nom(v: Any, fichier, cle: str) -> str:
    """Un nom qui peut servir de nom de dossier (pas de « / », pas de « .. », pas de point en tête)."""
    if not nom_valide(v):
        raise ErreurEntree("Nom invalide.", fichier=fichier, cle=cle, valeur=v,
                           attendu=f"un nom d'au plus {LIMITES['longueur_nom']} caractères : lettres ASCII, chiffres, "
                           "« _ », « - » ou « . » (pas en tête, pas « .. », pas de « / »)")
    return v


def nom_de_dossier(nom: Any, defaut: str = "sortie") -> str:
    """Réduit un nom quelconque à un seul composant de chemin sûr (pour un nom de dossier par défaut)."""
    texte = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(nom)).replace("..", "_").lstrip("._-")
    return texte[:LIMITES["longueur_nom"]] or defaut
