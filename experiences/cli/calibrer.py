"""`nonrecours calibrer` (ajustement aux cibles publiées) et `nonrecours valider` (rapport) : lisent les arguments
et appellent `experiences.calibration`."""

from __future__ import annotations

from pathlib import Path

from experiences.cli.commun import GRAINE_MAX, LIMITES, MENAGES_MAX, TRAVAILLEURS_MAX, entier_min, liste


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `calibrer` et `valider` à l'analyseur principal."""
    c = sous.add_parser("calibrer", help="ajuster les paramètres comportementaux aux chiffres publiés (Optuna)",
                        description="Cherche les valeurs des paramètres libres du plan qui rapprochent le modèle "
                        "des cibles publiées ; une étude interrompue reprend là où elle s'était arrêtée.")
    c.add_argument("plan", nargs="?", default=None, type=Path, metavar="PLAN.toml",
                   help="plan de calibration (défaut : parametres/plan_calibration.toml)")
    c.add_argument("--essais", type=entier_min(1, "--essais", LIMITES["essais_calibration"]), default=None,
                   metavar="N",
                   help="nombre total d'essais terminés visé (défaut : celui du plan) ; une étude reprise le complète")
    c.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None,
                   metavar="K",
                   help="processus parallèles (défaut : nombre de cœurs) ; avec --slurm : travailleurs au plus")
    c.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=None, metavar="N",
                   help="ménages par exécution (défaut : celui du plan)")
    c.add_argument("--replicats", type=entier_min(1, "--replicats", LIMITES["replicats"]), default=None, metavar="R",
                   help="réplicats par essai (défaut : celui du plan)")
    c.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=None, metavar="G",
                   help="graine du premier réplicat (défaut : celle du plan)")
    c.add_argument("--parametres", default=None, metavar="CLE,CLE",
                   help="ne libérer que ces paramètres du plan, séparés par des virgules (défaut : tous ceux du plan)")
    c.add_argument("--cibles", default=None, metavar="C1,C2",
                   help="n'ajuster que ces cibles (défaut : toutes celles du plan)")
    c.add_argument("--sortie", type=Path, default=None, metavar="DIR",
                   help="dossier de l'étude (reprise si elle existe ; défaut : resultats/calibration_<nom>/)")
    c.add_argument("--fichier-calibration", type=Path, default=None, metavar="FICHIER",
                   help="où écrire les valeurs calibrées (défaut : parametres/calibration.toml)")
    c.add_argument("--sans-ecrire", action="store_true",
                   help="ne pas écrire le fichier de calibration (seulement le dossier de l'étude)")
    from experiences.execution.slurm import ajouter_options

    ajouter_options(c)
    c.set_defaults(fonction=commande_calibrer)

    v = sous.add_parser("valider", help="rapport de validation : cibles atteintes, gradients non ajustés",
                        description="Simule la référence calibrée et écrit un rapport HTML : cibles publiées "
                        "atteintes ou non, gradients que le modèle produit sans ajustement.")
    v.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=20000, metavar="N",
                   help="ménages par exécution (défaut : 20 000)")
    v.add_argument("--replicats", type=entier_min(2, "--replicats", LIMITES["replicats"]), default=4, metavar="R",
                   help="réplicats (défaut : 4 ; au moins 2 pour un intervalle)")
    v.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0, metavar="G",
                   help="graine du premier réplicat (défaut : 0)")
    v.add_argument("--debut", default="2014-01", metavar="AAAA-MM", help="premier mois simulé (défaut : 2014-01)")
    v.add_argument("--fin", default="2027-12", metavar="AAAA-MM", help="dernier mois simulé (défaut : 2027-12)")
    v.add_argument("--annee", type=entier_min(2014, "--annee"), default=2023, metavar="AAAA",
                   help="année des tableaux de gradients (défaut : 2023)")
    v.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None,
                   metavar="K",
                   help="processus parallèles (défaut : nombre de cœurs) ; avec --slurm : travailleurs au plus")
    v.add_argument("--sans-contrefactuel", action="store_true",
                   help="ne pas simuler la référence sans fermetures de guichets (rapport plus rapide)")
    v.add_argument("--sortie", type=Path, default=None, metavar="DIR",
                   help="dossier du rapport (défaut : resultats/<date-heure>_validation/)")
    v.set_defaults(fonction=commande_valider)


def commande_calibrer(args) -> int:
    """Calibre, écrit le dossier de l'étude (essais.csv, meilleur.toml) et parametres/calibration.toml."""
    from experiences.calibration import ajustement as cal
    from experiences.execution.slurm import options_depuis

    slurm = options_depuis(args)
    plan = cal.lire_plan(args.plan if args.plan is not None else cal.FICHIER_PLAN,
                         parametres=liste(args.parametres), cibles=liste(args.cibles), menages=args.menages,
                         replicats=args.replicats, essais=args.essais, graine=args.graine)
    dossier = cal.dossier_etude(plan, args.sortie)
    print(f"Calibration « {plan.nom} » : {len(plan.parametres)} paramètre(s) libre(s), {len(plan.cibles)} cible(s), "
          f"{plan.menages} ménages × {plan.replicats} réplicat(s), {plan.debut} → {plan.fin}, étude : {dossier}")
    etude, _, fichier_cal = cal.executer_calibration(plan, dossier, travailleurs=args.travailleurs,
                                                            fichier_calibration=args.fichier_calibration,
                                                            ecrire=not args.sans_ecrire, slurm=slurm)
    if not args.sans_ecrire:
        print(f"Valeurs calibrées écrites dans {fichier_cal}")
    meilleur = etude.best_trial
    print(f"Meilleur essai n°{meilleur.number} sur {cal.n_termines(etude)} : perte {meilleur.value:.3f}")
    for k, v in meilleur.params.items():
        print(f"  {k:<48} {v:.4g}")
    moy = meilleur.user_attrs.get("moyennes", {})
    for c in plan.cibles:
        m = moy.get(c.id, float("nan"))
        ok = "atteinte" if abs(m - c.valeur) <= c.tolerance else "manquée"
        print(f"  {c.id:<4} publié {c.valeur:<7g} modèle {m:<9.4g} tolérance {c.tolerance:<5g} {ok}")
    return 0


def commande_valider(args) -> int:
    """Rapport de validation (HTML autonome, CSV, PNG)."""
    from experiences.calibration import Reglages, valider

    res = valider(Reglages(menages=args.menages, replicats=args.replicats, graine=args.graine, debut=args.debut,
                           fin=args.fin, annee=args.annee, travailleurs=args.travailleurs,
                           sans_contrefactuel=args.sans_contrefactuel, sortie=args.sortie))
    print(f"Rapport écrit dans {res.dossier / 'rapport.html'}")
    for _, r in res.synthese.iterrows():
        print(f"  {r['cible']:<4} publié {r['valeur_publiee']:<6g} modèle {r['modele']:.4g} "
              f"[{r['ic95_bas']:.4g} ; {r['ic95_haut']:.4g}] tolérance {r['tolerance']:g} : {r['verdict']}")
    return 0
