"""Sous-commande `nonrecours visualiser` : la page pédagogique dans le navigateur, en local et hors ligne."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from experiences.cli.commun import entier_min
from modele.parametres import ErreurEntree


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `visualiser`."""
    v = sous.add_parser("visualiser", help="ouvrir la page pédagogique dans le navigateur (hors ligne)",
                        description="Lance en local la page pédagogique (curseurs, carte des ménages, « Suivre un "
                        "ménage ») sur http://127.0.0.1:8765/ ; Ctrl+C l'arrête.")
    v.add_argument("--port", type=entier_min(1, "--port", 65535), default=8765, metavar="PORT",
                   help="port d'écoute (défaut : 8765)")
    v.add_argument("--hote", default="127.0.0.1", metavar="HOTE",
                   help="adresse d'écoute (défaut : 127.0.0.1, cette machine seulement ; 0.0.0.0 ouvre la page "
                   "à tout le réseau de la salle, sans mot de passe)")
    v.add_argument("--scenario", default="reference", metavar="SCENARIO",
                   help="scénario de départ : nom livré (parametres/scenarios/) ou chemin d'un .toml "
                   "(défaut : reference) ; la fiche docs/enseignement/<nom>.md du même nom s'affiche dans la page")
    v.add_argument("--menages", type=entier_min(100, "--menages"), default=None, metavar="N",
                   help="ménages simulés au départ, de 100 à 20 000 (défaut : 2 000, fluide en classe ; le curseur "
                   "« Nombre de ménages » le change ensuite)")
    v.set_defaults(fonction=commande_visualiser)


def commande_visualiser(args) -> int:
    """Vérifie le scénario, puis lance le serveur de la page (Ctrl+C pour arrêter)."""
    from modele.scenarios import charger_scenario

    if args.port > 65535:
        raise ErreurEntree("Port invalide.", cle="--port", valeur=args.port, attendu="un entier entre 1 et 65535")
    if args.menages is not None and args.menages > 20000:
        raise ErreurEntree("Trop de ménages pour la page.", cle="--menages", valeur=args.menages,
                           attendu="un entier entre 100 et 20 000 (au-delà : nonrecours simuler)")
    scenario = str(Path(args.scenario).resolve()) if args.scenario.endswith(".toml") else args.scenario
    charger_scenario(scenario)  # ErreurEntree (message français, code 2) avant de lancer quoi que ce soit
    try:
        from experiences.visualisation import serveur
    except ModuleNotFoundError as exc:
        raise ErreurEntree(f"Paquet manquant pour la page : {exc.name}.",
                           attendu="pip install -e '.[visualisation]' (voir docs/visualisation-deps.txt)") from None
    if not serveur.est_boucle_locale(args.hote):
        sys.stderr.write(f"Attention : avec --hote {args.hote}, la page est visible de tout le réseau, sans mot de "
                         "passe. À réserver à une salle de classe sur un réseau de confiance.\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # l'avertissement vient d'être écrit en français
        processus = serveur.lancer(port=args.port, hote=args.hote, scenario=scenario, menages=args.menages)
    # Arrêté par Ctrl+C ou SIGTERM (signal transmis au serveur) : arrêt demandé, code 0.
    return 0 if processus.returncode is None or processus.returncode < 0 else processus.returncode
