"""Sous-commandes ``nonrecours balayer`` et ``nonrecours sensibilite`` (moteur : ``experiences.balayages``).

Codes de sortie : 0 succès ; 1 runs en échec (le balayage est allé au bout, relancer reprend) ;
2 entrée invalide (plan, option, dossier d'un autre plan) ; 130 interruption clavier.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modele.parametres import ErreurEntree


def _entier_positif(texte: str) -> int:
    try:
        valeur = int(texte)
    except ValueError:
        raise argparse.ArgumentTypeError(f"valeur {texte!r} invalide : attendu un entier >= 1") from None
    if valeur < 1:
        raise argparse.ArgumentTypeError(f"valeur {texte!r} invalide : attendu un entier >= 1")
    return valeur


def _options_execution(parseur: argparse.ArgumentParser) -> None:
    parseur.add_argument("plan", metavar="PLAN.toml", help="plan de balayage (p. ex. parametres/balayages/*.toml)")
    parseur.add_argument(
        "--sortie",
        metavar="DIR",
        default=None,
        help="dossier du stockage (défaut : resultats/balayage_<nom>_<empreinte>) ; "
        "relancer avec le même dossier reprend le balayage",
    )
    parseur.add_argument(
        "--travailleurs",
        metavar="K",
        type=_entier_positif,
        default=None,
        help="processus locaux en parallèle (défaut : nombre de cœurs ; 1 = séquentiel) ; "
        "avec --dask local : nombre de travailleurs Dask ; avec --slurm : travailleurs au plus (défaut 4)",
    )
    parseur.add_argument(
        "--dask",
        metavar="ADRESSE",
        default=None,
        help="exécuter sur Dask : « local » (LocalCluster sur cette machine) ou adresse d'un "
        "ordonnanceur (tcp://hôte:8786), voir docs/cluster.md (défaut : processus locaux)",
    )
    parseur.add_argument("--sans-barre", action="store_true",
                         help="pas de barre de progression (défaut : barre si la sortie est un terminal)")
    from experiences.execution.slurm import ajouter_options

    ajouter_options(parseur)


def ajouter_sous_commandes(sous_parseurs: argparse._SubParsersAction) -> None:
    """Ajoute ``balayer`` et ``sensibilite`` au groupe de sous-commandes de ``nonrecours``."""
    balayer = sous_parseurs.add_parser(
        "balayer",
        help="exécuter (ou reprendre) un balayage de paramètres",
        description="Exécute les runs d'un plan de balayage, en les enregistrant un par un ; une commande "
        "interrompue puis relancée à l'identique reprend là où elle s'était arrêtée.",
    )
    _options_execution(balayer)
    balayer.set_defaults(fonction=commande_balayer)
    sensibilite = sous_parseurs.add_parser(
        "sensibilite",
        help="indices de Sobol ou criblage de Morris d'un plan",
        description="Complète le balayage du plan (runs manquants) puis calcule les indices de sensibilité "
        "(Sobol : S1 et ST avec IC ; Morris : mu*, sigma) des indicateurs du plan ; écrit une "
        "table CSV et une figure PNG par indicateur dans DIR/sensibilite/.",
    )
    _options_execution(sensibilite)
    sensibilite.add_argument(
        "--difference-avec", metavar="SCENARIO", default=None,
        help="analyser la différence entre le scénario du plan et SCENARIO (ex. reference), run par run sur graines "
        "appariées (mêmes paramètres échantillonnés, mêmes graines) : quels paramètres incertains pilotent l'effet "
        "de la politique ; l'autre balayage va dans DIR/difference_avec_<SCENARIO>/ (défaut : les niveaux du scénario "
        "du plan)")
    sensibilite.set_defaults(fonction=commande_sensibilite)


def _verifier_options(args: argparse.Namespace) -> None:
    if args.dask is not None and args.dask != "local" and args.travailleurs is not None:
        raise ErreurEntree(
            f"--travailleurs {args.travailleurs} avec --dask {args.dask} : le nombre de travailleurs d'un "
            f"ordonnanceur distant se règle sur le cluster ; --travailleurs ne vaut qu'avec --dask local."
        )
    if not Path(args.plan).is_file():
        raise ErreurEntree(f"{args.plan} : fichier de plan introuvable.")


def _executer(args: argparse.Namespace, analyse: bool) -> int:
    from experiences.balayages import ErreurBalayage

    try:
        _verifier_options(args)
        from experiences.execution.slurm import options_depuis

        slurm = options_depuis(args)
        options = {
            "travailleurs": None if slurm is not None else args.travailleurs,
            "dask": args.dask,
            "slurm": slurm,
            "barre": False if getattr(args, "sans_barre", False) else None,
        }
        if analyse:
            from experiences.balayages import analyser_sensibilite

            indices, bilan = analyser_sensibilite(args.plan, args.sortie, difference_avec=args.difference_avec,
                                                  **options)
        else:
            from experiences.balayages import executer_balayage

            bilan = executer_balayage(args.plan, args.sortie, **options)
    except ErreurEntree as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except ErreurBalayage as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrompu : relancez la même commande pour reprendre le balayage.", file=sys.stderr)
        return 130
    print(
        f"balayage : {bilan.deja_faits + bilan.reussis}/{bilan.total} runs terminés "
        f"({bilan.deja_faits} déjà faits, {bilan.reussis} exécutés, {len(bilan.echecs)} en échec) "
        f"en {bilan.duree_s:.1f} s -> {bilan.dossier}"
    )
    if bilan.echecs:
        print(
            f"Erreur : {len(bilan.echecs)} run(s) en échec, détail dans {bilan.dossier / 'echecs.csv'} ; "
            f"relancez la même commande pour les retenter.",
            file=sys.stderr,
        )
        return 1
    if analyse:
        quoi = f" de la différence avec « {args.difference_avec} »" if args.difference_avec else ""
        print(f"sensibilité{quoi} : {len(indices)} lignes -> {bilan.dossier / 'sensibilite'}")
    return 0


def commande_balayer(args: argparse.Namespace) -> int:
    """``nonrecours balayer PLAN.toml [--sortie DIR] [--travailleurs K | --dask ADRESSE]`` ; rend le code."""
    return _executer(args, analyse=False)


def commande_sensibilite(args: argparse.Namespace) -> int:
    """``nonrecours sensibilite PLAN.toml [--sortie DIR] [--difference-avec SCENARIO] [...]`` ; rend le code."""
    return _executer(args, analyse=True)
