"""Interface en ligne de commande `nonrecours` (sous-commandes françaises).

Toute entrée invalide donne un message français (fichier, clé, valeur, ce qui est permis), le code de sortie 2
et aucune trace Python ; rien n'est écrit à moitié.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modele.parametres import ErreurEntree

TRADUCTIONS = {
    "the following arguments are required": "arguments obligatoires manquants",
    "unrecognized arguments": "arguments non reconnus",
    "invalid choice": "choix invalide",
    "expected one argument": "une valeur est attendue",
    "invalid int value": "entier invalide",
    "invalid float value": "nombre invalide",
    "choose from": "choisir parmi",
    "not allowed with argument": "incompatible avec l'argument",
    "argument": "argument",
}


class Analyseur(argparse.ArgumentParser):
    """ArgumentParser dont les erreurs sont en français, avec le code 2."""

    def error(self, message):  # noqa: D102
        for en, fr in TRADUCTIONS.items():
            message = message.replace(en, fr)
        self.print_usage(sys.stderr)
        sys.stderr.write(f"Erreur : {message}\n")
        sys.exit(2)


def entier_min(minimum: int, nom: str):
    """Type argparse : entier >= minimum, message français."""
    def conv(texte: str) -> int:
        try:
            v = int(texte)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{nom} : « {texte} » n'est pas un entier") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"{nom} : {v} est trop petit (attendu : un entier >= {minimum})")
        return v
    return conv


def construire_analyseur() -> Analyseur:
    """Toutes les sous-commandes."""
    a = Analyseur(prog="nonrecours", description="Simulateur multi-agents de l'accès aux droits sociaux "
                  "sous dématérialisation : non-recours et travail transféré aux acteurs locaux.")
    sous = a.add_subparsers(dest="commande", metavar="COMMANDE", parser_class=Analyseur)
    sous.required = True

    s = sous.add_parser("simuler", help="simuler un scénario (par défaut : la référence 2014-2027)")
    s.add_argument("scenario", nargs="?", default="reference", metavar="SCENARIO",
                   help="nom d'un scénario livré ou chemin d'un fichier .toml (défaut : reference)")
    s.add_argument("--menages", type=entier_min(100, "--menages"), default=None,
                   help="nombre de ménages simulés (défaut : simulation.menages, 20 000)")
    s.add_argument("--graine", type=entier_min(0, "--graine"), default=0, help="graine aléatoire (défaut : 0)")
    s.add_argument("--replicats", type=entier_min(1, "--replicats"), default=1,
                   help="réplicats (graines graine, graine+1, …)")
    s.add_argument("--debut", default="2014-01", help="premier mois simulé AAAA-MM (défaut : 2014-01)")
    s.add_argument("--fin", default="2027-12", help="dernier mois simulé AAAA-MM (défaut : 2027-12)")
    s.add_argument("--sortie", type=Path, default=None,
                   help="dossier de résultats (défaut : resultats/<date-heure>_<scénario>/)")
    s.add_argument("--travailleurs", type=entier_min(1, "--travailleurs"), default=None,
                   help="processus parallèles pour les réplicats (défaut : nombre de cœurs)")
    s.add_argument("--parametre", action="append", default=[], metavar="CLE=VALEUR",
                   help="surcharge d'un paramètre déclaré (répétable), ex. decision.cout_base=1.2")
    s.set_defaults(fonction=commande_simuler)

    v = sous.add_parser("verifier", help="vérifier un fichier de paramètres, de scénario ou de plan")
    v.add_argument("fichier", type=Path, metavar="FICHIER.toml")
    v.set_defaults(fonction=commande_verifier)

    for module in ("experiences.cli_comparer", "experiences.cli_balayage", "experiences.cli_calibration",
                   "experiences.cli_visualisation", "experiences.cli_recit"):
        try:
            mod = __import__(module, fromlist=["ajouter_sous_commandes"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.ajouter_sous_commandes(sous)
    return a


def lire_surcharges(textes: list[str]) -> dict:
    """« cle=valeur » → dict, la valeur lue comme TOML (nombre, booléen, liste, "texte")."""
    import tomllib
    sortie = {}
    for t in textes:
        if "=" not in t:
            raise ErreurEntree("Surcharge mal formée.", cle="--parametre", valeur=t, attendu="CLE=VALEUR")
        cle, texte = t.split("=", 1)
        try:
            valeur = tomllib.loads(f"v = {texte}")["v"]
        except tomllib.TOMLDecodeError:
            valeur = texte
        sortie[cle.strip()] = valeur
    return sortie


def commande_simuler(args) -> int:
    """Simule un scénario ; écrit séries, résumé, provenance et figures dans un dossier."""
    from tqdm import tqdm

    from experiences import figures, sorties
    from experiences.execution import SpecRun, executer_plusieurs, graine_replicat, travailleurs_par_defaut
    from modele.calendrier import Calendrier
    from modele.modele import ModeleNonRecours
    from modele.parametres import Parametres
    from modele.scenarios import charger_scenario

    scenario = charger_scenario(args.scenario)
    surcharges = lire_surcharges(args.parametre)
    p = scenario.parametres_base(surcharges)
    menages = args.menages if args.menages is not None else p["simulation.menages"]
    Parametres.defauts().avec({"simulation.menages": menages}, origine="--menages")
    cal = Calendrier.depuis_mois(args.debut, args.fin)
    # Construire un modèle minuscule valide aussi les combinaisons avant de lancer de longues exécutions.
    ModeleNonRecours(scenario=args.scenario, menages=100, graine=args.graine, debut=args.debut, fin=args.fin,
                     surcharges=surcharges)
    cible = args.sortie if args.sortie is not None else sorties.dossier_par_defaut(scenario.nom)
    atom = sorties.DossierAtomique(cible)
    specs = [SpecRun(scenario=args.scenario, graine=graine_replicat(args.graine, r), menages=menages,
                     debut=args.debut, fin=args.fin, surcharges=surcharges, replicat=r)
             for r in range(args.replicats)]
    travailleurs = args.travailleurs or min(travailleurs_par_defaut(), len(specs))
    seq = travailleurs <= 1 or len(specs) == 1
    total = len(specs) * (cal.n_pas + p["simulation.rodage_semaines"]) if seq else len(specs)
    with tqdm(total=total, desc=f"simuler {scenario.nom}", unit="sem" if seq else "exéc",
              file=sys.stderr, disable=None) as barre:
        resultats = executer_plusieurs(specs, travailleurs, barre)
    import pandas as pd
    series = pd.concat([r.series for r in resultats], ignore_index=True)
    resume = pd.DataFrame([r.resume for r in resultats])
    with atom as tmp:
        sorties.ecrire_series(tmp, series)
        resume.to_csv(tmp / "resume.csv", index=False)
        sorties.ecrire_json(tmp / "provenance.json", sorties.provenance(
            scenario={"nom": scenario.nom, "fichier": str(scenario.fichier), "question": scenario.question,
                      "interventions": resultats[0].interventions},
            graines=[s.graine for s in specs], menages=menages, debut=args.debut, fin=args.fin,
            surcharges=surcharges, parametres=resultats[0].parametres,
            origines_parametres=p.origines, durees_s=[r.duree_s for r in resultats]))
        figures.figures_simulation(series, tmp, f"— {scenario.nom}")
    print(f"Résultats écrits dans {atom.cible}")
    ens = resume.filter(like="taux_non_recours_").mean()
    for k, v in ens.items():
        if k.startswith("taux_non_recours_") and "persistant" not in k:
            annee = resume["annee_resume"].iloc[0]
            print(f"  {k.removeprefix('taux_non_recours_'):<20} non-recours {v:6.1%} (moyenne {annee:.0f})")
    return 0


def commande_verifier(args) -> int:
    """Vérifie un fichier TOML : déclarations, scénario, plan de balayage ou calibration."""
    from modele.parametres import Parametres, charger_declarations, lire_toml
    from modele.scenarios import charger_scenario

    donnees = lire_toml(args.fichier)
    if "plan" in donnees:  # avant « scenario » : un plan de balayage a aussi une clé scenario = "…"
        from experiences.plan_balayage import echantillonner, lire_plan
        plan = lire_plan(args.fichier)
        n = len(echantillonner(plan))
        print(f"OK : plan de balayage « {plan.nom} » ({plan.plan}) : {n} point(s) x {plan.replicats} réplicat(s) "
              f"= {n * plan.replicats} run(s).")
        return 0
    if "scenario" in donnees:
        sc = charger_scenario(str(args.fichier))
        print(f"OK : scénario « {sc.nom} » — {len(sc.surcharges)} surcharge(s), "
              f"{len(sc.interventions)} intervention(s).")
        for iv in sc.interventions:
            print(f"  {iv.resume()}")
        return 0
    if "cible" in donnees:
        from experiences.cibles import charger_cibles
        print(f"OK : fichier de cibles ({len(charger_cibles(args.fichier))} cible(s)).")
        return 0
    if "calibration" in donnees and "parametres" in donnees:
        from experiences.calibration import lire_plan
        plan = lire_plan(args.fichier)
        print(f"OK : plan de calibration « {plan.nom} » — {len(plan.parametres)} paramètre(s) libre(s), "
              f"{len(plan.cibles)} cible(s), {plan.essais} essais.")
        return 0
    if "valeurs" in donnees:
        Parametres.defauts().avec(donnees["valeurs"], origine="calibration", fichier=args.fichier)
        print(f"OK : fichier de valeurs ({len(donnees['valeurs'])} paramètre(s)).")
        return 0
    decl = charger_declarations(args.fichier.parent) if args.fichier.parent.name == "defauts" else None
    if decl is None:
        from modele.parametres import parcourir
        sortie: dict = {}
        parcourir(donnees, "", args.fichier, sortie)
        decl = sortie
    n_h = sum(d.hypothese for d in decl.values())
    print(f"OK : {len(decl)} déclaration(s) de paramètres valides ({n_h} hypothèse(s), "
          f"{len(decl) - n_h} sourcée(s)).")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : erreurs d'entrée → message français, code 2."""
    analyseur = construire_analyseur()
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
