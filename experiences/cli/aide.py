"""Textes d'aide de la CLI en français : formateur argparse traduit, `--help` et `--version` français, liste des
commandes de `nonrecours` seul.

argparse écrit lui-même quelques mots (« usage: », « options », « positional arguments », « show this help
message and exit ») : le formateur `Formateur` les remplace par leur traduction (`TITRES`, préfixe d'usage), et
`Analyseur` (dans `commun.py`) déclare ses propres `-h/--help` et `--version` avec une aide française. Aucun
catalogue `gettext` global n'est installé : seules les commandes de `nonrecours` sont concernées.
"""

from __future__ import annotations

import argparse
import re
import shutil
from importlib import metadata

#: Titres de sections écrits par argparse → français.
#: (argparse ajoute « : » collé au titre ; l'espace final donne la typographie française « options : ».)
TITRES = {
    "positional arguments": "arguments ",
    "optional arguments": "options ",
    "options": "options ",
    "commandes": "commandes ",
}
PREFIXE_USAGE = "usage : "
AIDE_AIDE = "afficher cette aide et quitter"
AIDE_VERSION = "afficher la version de nonrecours et quitter"

_POURCENT_SEUL = re.compile(r"%%|%(?!\()")


def version() -> str:
    """Version installée de nonrecours (celle du `pyproject.toml`, lue par `importlib.metadata`)."""
    try:
        return metadata.version("nonrecours")
    except metadata.PackageNotFoundError:  # dépôt utilisé sans `pip install -e .`
        import tomllib

        from modele.parametres import RACINE

        try:
            return tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "inconnue"


class Formateur(argparse.HelpFormatter):
    """Formateur d'aide français : « usage : », sections traduites, « % » littéral permis dans les aides.

    La largeur suit le terminal, bornée à 100 colonnes.
    """

    def __init__(self, prog, indent_increment=2, max_help_position=32, width=None):
        if width is None:
            width = min(100, shutil.get_terminal_size((100, 24)).columns) - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: D102
        super().add_usage(usage, actions, groups, PREFIXE_USAGE if prefix is None else prefix)

    def start_section(self, heading):  # noqa: D102
        super().start_section(TITRES.get(heading, heading) if heading else heading)

    def add_argument(self, action):  # noqa: D102
        super().add_argument(action)
        # argparse ne compte pas le retrait des sous-commandes dans la colonne de l'aide (« sensibilite » passait
        # à la ligne) : on l'ajoute.
        if action.help is not argparse.SUPPRESS:
            for sous in getattr(action, "_get_subactions", list)():
                longueur = len(self._format_action_invocation(sous)) + self._current_indent + self._indent_increment
                self._action_max_length = max(self._action_max_length, longueur)

    def _get_help_string(self, action):
        # Un « % » isolé (« IC 95 % ») ferait échouer l'aide : argparse applique `texte % valeurs`.
        texte = action.help or ""
        return _POURCENT_SEUL.sub(lambda m: "%%" if m.group(0) == "%" else m.group(0), texte)


def ajouter_aide(parseur: argparse.ArgumentParser, avec_version: bool = False) -> None:
    """`-h/--help` (et `--version`) aux textes français."""
    parseur.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=AIDE_AIDE)
    if avec_version:
        parseur.add_argument("--version", action="version", version=f"nonrecours {version()}", help=AIDE_VERSION)


def liste_commandes(analyseur: argparse.ArgumentParser) -> str:
    """Texte imprimé par `nonrecours` seul : une ligne par commande, puis comment obtenir l'aide."""
    sous = next(a for a in analyseur._actions if isinstance(a, argparse._SubParsersAction))
    lignes = [f"nonrecours {version()} — {analyseur.description.split(':')[0].strip()}.", "",
              f"{PREFIXE_USAGE}nonrecours COMMANDE [options]", "", "Commandes :"]
    largeur = max(len(c.dest) for c in sous._choices_actions)
    for choix in sous._choices_actions:
        lignes.append(f"  {choix.dest:<{largeur}}  {choix.help}")
    lignes += ["", "Aide d'une commande : nonrecours COMMANDE --help ; aide générale : nonrecours --help ; "
               "version : nonrecours --version."]
    return "\n".join(lignes) + "\n"
