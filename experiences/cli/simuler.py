"""`nonrecours simuler` : un scénario, ses réplicats, un dossier de résultats (`experiences.execution.simuler`)."""

from __future__ import annotations

from pathlib import Path

from experiences.cli.commun import GRAINE_MAX, LIMITES, MENAGES_MAX, TRAVAILLEURS_MAX, entier_min, lire_surcharges


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `simuler`."""
    s = sous.add_parser("simuler", help="simuler un scénario (par défaut : la référence 2014-2027)",
                        description="Simule un scénario sur un ou plusieurs réplicats et écrit un dossier de "
                        "résultats : séries (Parquet), résumé, provenance et figures.")
    s.add_argument("scenario", nargs="?", default="reference", metavar="SCENARIO",
                   help="nom d'un scénario livré ou chemin d'un fichier .toml (défaut : reference)")
    s.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=None, metavar="N",
                   help="nombre de ménages simulés (défaut : simulation.menages, 20 000)")
    s.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0, metavar="G",
                   help="graine aléatoire (défaut : 0)")
    s.add_argument("--replicats", type=entier_min(1, "--replicats", LIMITES["replicats"]), default=1, metavar="R",
                   help="réplicats (graines G, G+1, … ; défaut : 1)")
    s.add_argument("--debut", default="2014-01", metavar="AAAA-MM", help="premier mois simulé (défaut : 2014-01)")
    s.add_argument("--fin", default="2027-12", metavar="AAAA-MM", help="dernier mois simulé (défaut : 2027-12)")
    s.add_argument("--sortie", type=Path, default=None, metavar="DIR",
                   help="dossier de résultats (défaut : resultats/<date-heure>_<scénario>/)")
    s.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None,
                   metavar="K",
                   help="processus parallèles pour les réplicats (défaut : nombre de cœurs)")
    s.add_argument("--parametre", action="append", default=[], metavar="CLE=VALEUR",
                   help="surcharge d'un paramètre déclaré (répétable), ex. decision.cout_base=1.2 "
                   "(défaut : aucune)")
    s.add_argument("--csv", action="store_true",
                   help="écrire aussi une copie CSV des séries (series.csv ; défaut : series.parquet seulement)")
    s.set_defaults(fonction=commande_simuler)


def commande_simuler(args) -> int:
    """Simule un scénario ; écrit séries, résumé, provenance et figures dans un dossier."""
    import sys

    from experiences.api.facade import ecrasements
    from experiences.execution import simuler
    from modele.scenarios import charger_scenario

    surcharges = lire_surcharges(args.parametre)
    if surcharges:  # une valeur fixée qu'une intervention datée du scénario remplace : le dire (docs/api.md)
        sc = charger_scenario(args.scenario)
        for a in ecrasements(sc, sc.parametres_base(surcharges), surcharges, args.debut, args.fin):
            print(f"Attention : {a['message']}", file=sys.stderr)
    sim = simuler(args.scenario, menages=args.menages, graine=args.graine, replicats=args.replicats,
                  debut=args.debut, fin=args.fin, sortie=args.sortie, travailleurs=args.travailleurs,
                  surcharges=surcharges, csv=args.csv)
    from experiences.rapports.figures import libelle
    from experiences.rapports.formats import pourcent

    print(f"Résultats écrits dans {sim.dossier}")
    resume = sim.resume
    ens = resume.filter(like="taux_non_recours_").mean()
    for k, v in ens.items():
        if k.startswith("taux_non_recours_") and "persistant" not in k:
            annee = resume["annee_resume"].iloc[0]
            print(f"  {libelle(k.removeprefix('taux_non_recours_')):<24} non-recours {pourcent(v):>8} "
                  f"(moyenne {annee:.0f})")
    return 0
