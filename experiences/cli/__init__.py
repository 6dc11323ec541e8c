"""Interface en ligne de commande `nonrecours` (sous-commandes françaises), un module par commande.

Toute entrée invalide donne un message français (fichier, clé, valeur, ce qui est permis), le code de sortie 2
et aucune trace Python ; rien n'est écrit à moitié. Chaque module lit ses arguments et appelle le paquet
métier (`experiences.execution`, `comparaison`, `balayages`, `calibration`, `recit`, `visualisation`).
"""

from __future__ import annotations

import errno
import signal
import sys

from experiences.cli import balayer, calibrer, comparer, population, raconter, simuler, verifier, visualiser
from experiences.cli.aide import liste_commandes, version
from experiences.cli.commun import Analyseur, entier_min, lire_surcharges
from modele.parametres import ErreurEntree

__all__ = ["Analyseur", "construire_analyseur", "entier_min", "lire_surcharges", "main", "version"]

# Ordre d'apparition dans l'aide.
COMMANDES = (simuler, verifier, comparer, balayer, calibrer, visualiser, raconter, population)


def construire_analyseur() -> Analyseur:
    """Toutes les sous-commandes."""
    a = Analyseur(prog="nonrecours", version=True,
                  description="Simulateur multi-agents de l'accès aux droits sociaux sous dématérialisation : "
                  "non-recours et travail transféré aux acteurs locaux.",
                  epilog="Aide d'une commande : nonrecours COMMANDE --help. Documentation : README.md et docs/.")
    a.add_argument("--debug", action="store_true",
                   help="en cas d'erreur interne, montrer aussi la trace Python (pour un rapport de bogue)")
    sous = a.add_subparsers(dest="commande", metavar="COMMANDE", parser_class=Analyseur, title="commandes")
    sous.required = True
    for module in COMMANDES:
        module.ajouter_sous_commandes(sous)
    return a


def _interrompre(signum, frame):
    raise KeyboardInterrupt


def message_erreur_systeme(exc: OSError) -> str:
    """Message français d'une erreur du système (disque plein, fichier trop gros, droits…)."""
    causes = {errno.ENOSPC: "disque plein", errno.EFBIG: "fichier trop gros pour le système (limite de taille)",
              errno.EDQUOT: "quota disque dépassé", errno.EACCES: "permission refusée",
              errno.EROFS: "système de fichiers en lecture seule", errno.EIO: "erreur d'entrée-sortie du disque"}
    cause = causes.get(exc.errno, exc.strerror or type(exc).__name__)
    lieu = f" ({exc.filename})" if exc.filename else ""
    return f"Erreur interne : écriture ou lecture impossible{lieu} : {cause}. Aucun résultat partiel n'est gardé."


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : entrée invalide → message français, code 2 ; erreur interne → message français, code 1.

    Jamais de trace Python, sauf avec `--debug`. SIGTERM arrête comme Ctrl+C (les processus enfants aussi).
    """
    from experiences.execution.sorties import ErreurInterne

    analyseur = construire_analyseur()
    ligne_de_commande = argv is None  # appel par le programme `nonrecours` (pas par un test ou l'API)
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # `nonrecours` seul : la liste des commandes, une ligne chacune
        sys.stdout.write(liste_commandes(analyseur))
        return 0
    args = analyseur.parse_args(argv)
    ancien = signal.signal(signal.SIGTERM, _interrompre) if ligne_de_commande else None
    try:
        return int(args.fonction(args) or 0)
    except ErreurEntree as exc:
        sys.stderr.write(f"Erreur : {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("Interrompu.\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - dernier filet : message français, jamais de trace
        if args.debug:
            raise
        if isinstance(exc, ErreurInterne):
            texte = f"Erreur interne : {exc}"
        elif isinstance(exc, OSError):
            texte = message_erreur_systeme(exc)
        elif isinstance(exc, MemoryError):
            texte = "Erreur interne : mémoire épuisée (réduire --menages, --replicats ou la taille du plan)."
        else:
            texte = (f"Erreur interne ({type(exc).__name__}) : {exc}. C'est un défaut du programme : relancez avec "
                     "« nonrecours --debug … » et joignez la trace à un rapport de bogue.")
        sys.stderr.write(texte + "\n")
        return 1
    finally:
        if ancien is not None:
            signal.signal(signal.SIGTERM, ancien)
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
