"""Sous-commande `nonrecours population` : marges de la population synthétique face aux chiffres publiés."""

from __future__ import annotations

import sys
from pathlib import Path

from experiences.cli.commun import GRAINE_MAX, MENAGES_MAX, entier_min


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `population`."""
    s = sous.add_parser("population", help="comparer les marges de la population synthétique aux chiffres publiés")
    s.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=50000, metavar="N",
                   help="ménages tirés (défaut : 50 000)")
    s.add_argument("--annee", type=entier_min(2014, "--annee", 2060), default=2021, metavar="AAAA",
                   help="année des euros (défaut : 2021, celle des chiffres publiés)")
    s.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0, metavar="G",
                   help="graine aléatoire (défaut : 0)")
    s.add_argument("--marges", type=Path, default=None, metavar="FICHIER.toml",
                   help="fichier des marges (défaut : parametres/marges_population.toml)")
    s.add_argument("--sortie", type=Path, required=True, metavar="DIR",
                   help="dossier de résultats, nouveau ou vide (obligatoire, pas de défaut)")
    s.set_defaults(fonction=commande_population)


def commande_population(args) -> int:
    """Tire la population, écrit marges.csv, marges.html, marges.png et provenance.json."""
    from experiences.population.marges import FICHIER_MARGES, TENUE, executer

    tab = executer(args.menages, args.annee, args.sortie, args.graine,
                   args.marges if args.marges is not None else FICHIER_MARGES)
    n_ok = int((tab["verdict"] == TENUE).sum())
    sys.stdout.write(f"Résultats écrits dans {args.sortie}\n  {n_ok} marge(s) tenue(s) sur {len(tab)}\n")
    for r in tab[tab["verdict"] != TENUE].itertuples():
        sys.stdout.write(f"  {r.verdict} : {r.id} (simulé {r.simule:.4g}, "
                         f"publié {r.publie:.4g} ± {r.tolerance:.4g})\n")
    return 0
