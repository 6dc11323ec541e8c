"""`nonrecours verifier FICHIER.toml` : dit ce qu'est un fichier (déclarations, scénario, plan, cibles, valeurs)
et s'il est valide, sans rien exécuter."""

from __future__ import annotations

from pathlib import Path


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `verifier`."""
    v = sous.add_parser("verifier", help="vérifier un fichier de paramètres, de scénario ou de plan",
                        description="Dit ce qu'est un fichier TOML (déclarations de paramètres, scénario, plan de "
                        "balayage, cibles, plan de calibration, valeurs calibrées) et s'il est valide, sans rien "
                        "exécuter. Code de sortie 0 s'il est valide, 2 sinon.")
    v.add_argument("fichier", type=Path, metavar="FICHIER.toml",
                   help="fichier à vérifier (p. ex. parametres/scenarios/reference.toml)")
    v.set_defaults(fonction=commande_verifier)


def commande_verifier(args) -> int:
    """Vérifie un fichier TOML : déclarations, scénario, plan de balayage ou calibration."""
    from modele.parametres import Parametres, charger_declarations, lire_declarations, lire_toml
    from modele.scenarios import charger_scenario

    donnees = lire_toml(args.fichier)
    if "plan" in donnees:  # avant « scenario » : un plan de balayage a aussi une clé scenario = "…"
        from experiences.balayages import lire_plan
        from experiences.balayages.executeurs import verifier_scenario
        from experiences.balayages.plans import nombre_points
        plan = lire_plan(args.fichier)
        verifier_scenario(plan)  # les mêmes vérifications que `nonrecours balayer` avant de lancer les runs
        n = nombre_points(plan)
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
        from experiences.calibration import charger_cibles
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
    if args.fichier.parent.name == "defauts":
        decl = charger_declarations(args.fichier.parent)
    else:
        decl = lire_declarations(args.fichier)
    n_h = sum(d.hypothese for d in decl.values())
    print(f"OK : {len(decl)} déclaration(s) de paramètres valides ({n_h} hypothèse(s), "
          f"{len(decl) - n_h} sourcée(s)).")
    return 0

