"""Mécanique partagée de la CLI : analyseur aux erreurs françaises (code 2), types d'arguments, surcharges."""

from __future__ import annotations

import argparse
import sys

from experiences.cli.aide import Formateur, ajouter_aide
from modele.entrees import LIMITES
from modele.parametres import ErreurEntree, charger_declarations

__all__ = ["GRAINE_MAX", "LIMITES", "MENAGES_MAX", "TRAVAILLEURS_MAX", "Analyseur", "entier_min", "liste",
           "lire_surcharges"]

#: Bornes des arguments : ménages selon leur déclaration ; une graine laisse place aux graines des réplicats
#: (graine + r) ; au plus 256 processus de travail.
MENAGES_MAX = int(charger_declarations()["simulation.menages"].max)
GRAINE_MAX = LIMITES["graine"] - LIMITES["replicats"]
TRAVAILLEURS_MAX = 256

TRADUCTIONS = {
    "the following arguments are required": "arguments obligatoires manquants",
    "unrecognized arguments": "arguments non reconnus",
    "invalid choice": "choix invalide",
    "expected one argument": "une valeur est attendue",
    "invalid int value": "entier invalide",
    "invalid float value": "nombre invalide",
    "choose from": "choisir parmi",
    "not allowed with argument": "incompatible avec l'argument",
    "argument": "argument",
}


class Analyseur(argparse.ArgumentParser):
    """ArgumentParser dont l'aide et les erreurs sont en français (code 2 sur erreur ; voir `aide.py`)."""

    def __init__(self, *args, version: bool = False, **kwargs):
        kwargs.setdefault("formatter_class", Formateur)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        ajouter_aide(self, avec_version=version)

    def error(self, message):  # noqa: D102
        for en, fr in TRADUCTIONS.items():
            message = message.replace(en, fr)
        self.print_usage(sys.stderr)
        sys.stderr.write(f"Erreur : {message}\n")
        sys.exit(2)


def entier_min(minimum: int, nom: str, maximum: int | None = None):
    """Type argparse : entier >= minimum (et <= maximum), message français."""
    def conv(texte: str) -> int:
        try:
            v = int(texte)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{nom} : « {texte} » n'est pas un entier") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"{nom} : {v} est trop petit (attendu : un entier >= {minimum})")
        if maximum is not None and v > maximum:
            raise argparse.ArgumentTypeError(f"{nom} : {v} est trop grand (attendu : un entier <= {maximum})")
        return v
    return conv


def lire_surcharges(textes: list[str]) -> dict:
    """« cle=valeur » → dict, la valeur lue comme TOML (nombre, booléen, liste, "texte")."""
    import tomllib

    sortie = {}
    for t in textes:
        if "=" not in t:
            raise ErreurEntree("Surcharge mal formée.", cle="--parametre", valeur=t, attendu="CLE=VALEUR")
        cle, texte = t.split("=", 1)
        if cle.strip() in sortie:
            raise ErreurEntree("Paramètre surchargé deux fois.", cle="--parametre", valeur=cle.strip(),
                               attendu="une seule surcharge par clé (la dernière ne remplace pas la première)")
        try:
            valeur = tomllib.loads(f"v = {texte}")["v"]
        except tomllib.TOMLDecodeError:
            valeur = texte
        sortie[cle.strip()] = valeur
    return sortie



def liste(texte: str | None) -> list[str] | None:
    """« a,b » → ["a", "b"] (None si l'option est absente)."""
    if texte is None:
        return None
    return [x.strip() for x in texte.split(",") if x.strip()]
