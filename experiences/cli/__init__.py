"""Interface en ligne de commande `nonrecours` (sous-commandes françaises), un module par commande.

Toute entrée invalide donne un message français (fichier, clé, valeur, ce qui est permis), le code de sortie 2
et aucune trace Python ; rien n'est écrit à moitié. Chaque module lit ses arguments et appelle le paquet
métier (`experiences.execution`, `comparaison`, `balayages`, `calibration`, `recit`, `visualisation`).
"""

from __future__ import annotations

import sys

from experiences.cli import balayer, calibrer, comparer, raconter, simuler, verifier, visualiser
from experiences.cli.aide import liste_commandes, version
from experiences.cli.commun import Analyseur, entier_min, lire_surcharges
from modele.parametres import ErreurEntree

__all__ = ["Analyseur", "construire_analyseur", "entier_min", "lire_surcharges", "main", "version"]

# Ordre d'apparition dans l'aide.
COMMANDES = (simuler, verifier, comparer, balayer, calibrer, visualiser, raconter)


def construire_analyseur() -> Analyseur:
    """Toutes les sous-commandes."""
    a = Analyseur(prog="nonrecours", version=True,
                  description="Simulateur multi-agents de l'accès aux droits sociaux sous dématérialisation : "
                  "non-recours et travail transféré aux acteurs locaux.",
                  epilog="Aide d'une commande : nonrecours COMMANDE --help. Documentation : README.md et docs/.")
    sous = a.add_subparsers(dest="commande", metavar="COMMANDE", parser_class=Analyseur, title="commandes")
    sous.required = True
    for module in COMMANDES:
        module.ajouter_sous_commandes(sous)
    return a


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : erreurs d'entrée → message français, code 2."""
    analyseur = construire_analyseur()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # `nonrecours` seul : la liste des commandes, une ligne chacune
        sys.stdout.write(liste_commandes(analyseur))
        return 0
    args = analyseur.parse_args(argv)
    try:
        return int(args.fonction(args) or 0)
    except ErreurEntree as exc:
        sys.stderr.write(f"Erreur : {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
