"""`nonrecours simuler` : un scénario, ses réplicats, un dossier de résultats (`experiences.execution.simuler`)."""

from __future__ import annotations

from pathlib import Path

from experiences.cli.commun import GRAINE_MAX, LIMITES, MENAGES_MAX, TRAVAILLEURS_MAX, entier_min, lire_surcharges


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `simuler`."""
    s = sous.add_parser("simuler", help="simuler un scénario (par défaut : la référence 2014-2027)")
    s.add_argument("scenario", nargs="?", default="reference", metavar="SCENARIO",
                   help="nom d'un scénario livré ou chemin d'un fichier .toml (défaut : reference)")
    s.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=None,
                   help="nombre de ménages simulés (défaut : simulation.menages, 20 000)")
    s.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0,
                   help="graine aléatoire (défaut : 0)")
    s.add_argument("--replicats", type=entier_min(1, "--replicats", LIMITES["replicats"]), default=1,
                   help="réplicats (graines graine, graine+1, …)")
    s.add_argument("--debut", default="2014-01", help="premier mois simulé AAAA-MM (défaut : 2014-01)")
    s.add_argument("--fin", default="2027-12", help="dernier mois simulé AAAA-MM (défaut : 2027-12)")
    s.add_argument("--sortie", type=Path, default=None,
                   help="dossier de résultats (défaut : resultats/<date-heure>_<scénario>/)")
    s.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None,
                   help="processus parallèles pour les réplicats (défaut : nombre de cœurs)")
    s.add_argument("--parametre", action="append", default=[], metavar="CLE=VALEUR",
                   help="surcharge d'un paramètre déclaré (répétable), ex. decision.cout_base=1.2")
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
                  surcharges=surcharges)
    print(f"Résultats écrits dans {sim.dossier}")
    resume = sim.resume
    ens = resume.filter(like="taux_non_recours_").mean()
    for k, v in ens.items():
        if k.startswith("taux_non_recours_") and "persistant" not in k:
            annee = resume["annee_resume"].iloc[0]
            print(f"  {k.removeprefix('taux_non_recours_'):<20} non-recours {v:6.1%} (moyenne {annee:.0f})")
    return 0
