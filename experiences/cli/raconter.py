"""Sous-commande `nonrecours raconter` : la vie d'un ménage en français (pour l'enseignement)."""

from __future__ import annotations

import sys

from experiences.cli.commun import GRAINE_MAX, MENAGES_MAX, entier_min
from modele.parametres import ErreurEntree


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `raconter`."""
    r = sous.add_parser("raconter", help="raconter la vie d'un ménage simulé (« Suivre un ménage »)",
                        description="Simule une petite population en suivant tous ses ménages, puis raconte en "
                        "français la vie de l'un d'eux, avec des citations des enquêtes de terrain.")
    r.add_argument("scenario", nargs="?", default="reference", metavar="SCENARIO",
                   help="nom d'un scénario livré ou chemin d'un fichier .toml (défaut : reference)")
    r.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=2000, metavar="N",
                   help="ménages simulés (défaut : 2 000)")
    r.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0, metavar="G",
                   help="graine aléatoire de la simulation et du tirage du ménage (défaut : 0)")
    r.add_argument("--debut", default="2014-01", metavar="AAAA-MM", help="premier mois simulé (défaut : 2014-01)")
    r.add_argument("--fin", default="2027-12", metavar="AAAA-MM", help="dernier mois simulé (défaut : 2027-12)")
    quel = r.add_mutually_exclusive_group()
    quel.add_argument("--menage", type=entier_min(0, "--menage"), default=None, metavar="I",
                      help="numéro du ménage à raconter, de 0 à N − 1 (défaut : tiré au hasard, voir --parmi)")
    quel.add_argument("--parmi", choices=["renoncent", "ruptures", "aides", "tous"], default="renoncent",
                      metavar="QUI",
                      help="tirer le ménage au hasard parmi ceux qui renoncent (renoncent), perdent un droit "
                      "(ruptures), sont aidés (aides), ou tous (tous) ; défaut : renoncent")
    r.set_defaults(fonction=commande_raconter)


def commande_raconter(args) -> int:
    """Simule avec tous les ménages suivis puis raconte l'un d'eux."""
    import numpy as np

    from experiences.recit import choisir_menage, recit
    from modele.modele import ModeleNonRecours

    m = ModeleNonRecours(scenario=args.scenario, menages=args.menages, graine=args.graine, debut=args.debut,
                         fin=args.fin, suivre=list(range(args.menages)))
    if args.menage is not None and args.menage >= args.menages:
        raise ErreurEntree("Numéro de ménage hors de la population.", cle="--menage", valeur=args.menage,
                           attendu=f"un entier entre 0 et {args.menages - 1}")
    m.lancer()
    i = args.menage if args.menage is not None else choisir_menage(m, args.parmi, np.random.default_rng(args.graine))
    if i is None:
        sys.stdout.write(f"Aucun ménage ne correspond à « {args.parmi} » dans cette simulation.\n")
        return 0
    sys.stdout.write(recit(m, i).texte() + "\n")
    return 0
