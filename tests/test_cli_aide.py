"""Aide de la CLI en français à tous les niveaux : `--help`, `--version`, `nonrecours` seul, options documentées
avec leur défaut, métavariables cohérentes d'une commande à l'autre."""

from __future__ import annotations

import argparse
import re
from importlib import metadata

import pytest

from experiences.cli import construire_analyseur, main

MOTS_ANGLAIS = ("usage:", "positional arguments", "optional arguments", "show this help", "show program's",
                "options:", "error:")


def _sous_commandes() -> dict[str, argparse.ArgumentParser]:
    a = construire_analyseur()
    sous = next(x for x in a._actions if isinstance(x, argparse._SubParsersAction))
    return dict(sous.choices)


COMMANDES = sorted(_sous_commandes())


def _aide(argv, capsys) -> str:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["-h"]] + [[c, "--help"] for c in COMMANDES] + [[c, "-h"]
                                                                                               for c in COMMANDES])
def test_aide_en_francais_a_tous_les_niveaux(argv, capsys):
    texte = _aide(argv, capsys)
    assert texte.startswith("usage : nonrecours")
    assert "afficher cette aide et quitter" in texte and "options :" in texte
    for mot in MOTS_ANGLAIS:
        assert mot not in texte, (argv, mot)


def test_aide_generale_liste_les_commandes(capsys):
    texte = _aide(["--help"], capsys)
    assert "commandes :" in texte
    for c in COMMANDES:
        assert re.search(rf"^\s+{c}\s+\S", texte, re.M), c  # nom et résumé sur la même ligne


def test_nonrecours_seul_liste_les_commandes_une_ligne_chacune(capsys):
    assert main([]) == 0
    texte = capsys.readouterr().out
    lignes = {ligne.split()[0]: ligne for ligne in texte.splitlines() if ligne.startswith("  ")}
    assert set(lignes) == set(COMMANDES)
    assert all(len(ligne.split()) >= 3 for ligne in lignes.values())  # chaque commande a son résumé
    assert "nonrecours COMMANDE --help" in texte


def test_version_lue_dans_les_metadonnees(capsys):
    texte = _aide(["--version"], capsys)
    assert texte.strip() == f"nonrecours {metadata.version('nonrecours')}"


@pytest.mark.parametrize("commande", COMMANDES)
def test_chaque_option_a_une_aide_et_son_defaut(commande):
    for action in _sous_commandes()[commande]._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        assert action.help, (commande, action.dest)
        option = bool(action.option_strings)
        drapeau = isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
        if (option and not drapeau) or action.nargs == "?":
            assert "défaut" in action.help, (commande, action.dest, action.help)


def test_metavariables_coherentes():
    vues: dict[str, tuple[str, str]] = {}
    for commande, parseur in _sous_commandes().items():
        for action in parseur._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            nom = action.option_strings[-1]
            assert action.metavar, (commande, nom)  # jamais le nom de la destination en capitales (« SORTIE »)
            if nom in vues:
                assert vues[nom][1] == action.metavar, (nom, vues[nom], (commande, action.metavar))
            vues[nom] = (commande, action.metavar)
    for nom, attendu in (("--sortie", "DIR"), ("--travailleurs", "K"), ("--menages", "N"), ("--graine", "G"),
                         ("--replicats", "R"), ("--debut", "AAAA-MM")):
        assert vues[nom][1] == attendu


def test_pourcent_litteral_dans_une_aide(capsys):
    texte = _aide(["comparer", "--help"], capsys)
    assert "95 %" in texte
