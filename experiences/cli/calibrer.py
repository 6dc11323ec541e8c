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

    e = sous.add_parser("ensemble", help="ensemble de jeux de paramètres plausibles (history matching)",
                        description="Vagues de runs (hypercube latin dans les plages plausibles), émulateur "
                        "processus gaussien par cible, exclusion des jeux implausibles, vérification des jeux "
                        "restants sur des graines fraîches ; écrit parametres/ensemble_calibration.toml. Réglages : "
                        "section [ensemble] du plan ; une exécution interrompue reprend sans refaire ses runs.")
    e.add_argument("plan", nargs="?", default=None, type=Path, metavar="PLAN.toml",
                   help="plan de calibration avec sa section [ensemble] (défaut : parametres/plan_calibration.toml)")
    e.add_argument("--vagues", type=entier_min(1, "--vagues", 50), default=None, metavar="V",
                   help="nombre de vagues (défaut : celui du plan)")
    e.add_argument("--runs-par-vague", dest="runs_par_vague", type=entier_min(4, "--runs-par-vague",
                   LIMITES["runs_plan"]), default=None, metavar="N", help="jeux par vague (défaut : celui du plan)")
    e.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=None, metavar="N",
                   help="ménages par run (défaut : celui du plan)")
    e.add_argument("--replicats", type=entier_min(2, "--replicats", LIMITES["replicats"]), default=None,
                   metavar="R", help="réplicats par jeu, au moins 2 : le bruit du modèle en est estimé (défaut : "
                   "celui du plan)")
    e.add_argument("--seuil-implausibilite", dest="seuil_implausibilite", type=float, default=None, metavar="S",
                   help="seuil d'implausibilité au-delà duquel un jeu est exclu (défaut : celui du plan, 3)")
    e.add_argument("--annee-max-cibles", dest="annee_max_cibles", type=entier_min(2000, "--annee-max-cibles", 2100),
                   default=None, metavar="AAAA",
                   help="n'ajuster que les cibles datées de cette année ou avant (ex. 2019 : hors échantillon ; "
                   "les cibles plus récentes sont prédites ; défaut : celle du plan, sinon toutes les cibles)")
    e.add_argument("--sortie", type=Path, default=None, metavar="DIR",
                   help="dossier de travail (reprise s'il existe ; défaut : resultats/ensemble_<nom>[_jusqu_AAAA]/)")
    e.add_argument("--fichier-ensemble", dest="fichier_ensemble", type=Path, default=None, metavar="FICHIER",
                   help="fichier écrit (défaut : parametres/ensemble_calibration.toml, ou "
                   "…_jusqu_AAAA.toml avec --annee-max-cibles)")
    e.add_argument("--sans-ecrire", action="store_true", help="ne pas écrire le fichier d'ensemble")
    e.add_argument("--ecrire-calibration", dest="ecrire_calibration", action="store_true",
                   help="la référence calibrée adopte un jeu de l'ensemble (celui de plus grande probabilité "
                   "d'acceptation prédite) : réécrit parametres/calibration.toml (défaut : ne pas y toucher)")
    e.add_argument("--fichier-calibration", dest="fichier_calibration", type=Path, default=None, metavar="FICHIER",
                   help="avec --ecrire-calibration : fichier écrit (défaut : parametres/calibration.toml)")
    e.add_argument("--verifications-max", dest="verifications_max", type=entier_min(1, "--verifications-max",
                   LIMITES["runs_plan"]), default=None, metavar="N",
                   help="jeux non exclus vérifiés sur graines fraîches, au plus (défaut : celui du plan)")
    e.add_argument("--vague1-de", dest="vague1_de", type=Path, default=None, metavar="DIR",
                   help="reprendre la vague 1 d'un autre ensemble du même plan au lieu de la refaire (mêmes points "
                   "et mêmes runs, vérifiés ; p. ex. l'ensemble complet pour l'ensemble hors échantillon ; défaut : "
                   "la faire)")
    e.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None,
                   metavar="K", help="processus parallèles (défaut : nombre de cœurs)")
    e.add_argument("--dask", default=None, metavar="ADRESSE",
                   help="exécuter sur Dask : « local » (LocalCluster) ou adresse tcp://hôte:port d'un ordonnanceur "
                   "(défaut : pool de processus local)")
    ajouter_options(e)
    e.set_defaults(fonction=commande_ensemble)

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
    v.add_argument("--fichier-ensemble", dest="fichier_ensemble", type=Path, default=None, metavar="FICHIER",
                   help="ensemble de calibration rapporté (défaut : parametres/ensemble_calibration.toml s'il "
                   "existe) : médiane, intervalle et part des jeux dans la tolérance par cible")
    v.add_argument("--fichier-prediction", dest="fichier_prediction", type=Path, default=None, metavar="FICHIER",
                   help="ensemble ajusté sur les cibles anciennes seulement (défaut : "
                   "parametres/ensemble_calibration_jusqu_2019.toml s'il existe) : table « prédiction »")
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


def commande_ensemble(args) -> int:
    """Construit (ou reprend) l'ensemble et écrit son fichier."""
    from experiences.calibration import ensemble as ens
    from experiences.execution.slurm import options_depuis

    slurm = options_depuis(args)
    if args.ecrire_calibration and args.sans_ecrire:
        from modele.parametres import ErreurEntree

        raise ErreurEntree("--ecrire-calibration a besoin du fichier d'ensemble.", cle="--sans-ecrire",
                           attendu="--ecrire-calibration sans --sans-ecrire")
    pe = ens.lire_plan_ensemble(args.plan if args.plan is not None else ens.FICHIER_PLAN, vagues=args.vagues,
                                runs_par_vague=args.runs_par_vague, menages=args.menages, replicats=args.replicats,
                                seuil_implausibilite=args.seuil_implausibilite,
                                annee_max_cibles=args.annee_max_cibles, verifications_max=args.verifications_max)
    dossier = ens.dossier_ensemble(pe, args.sortie)
    r = pe.reglages
    print(f"Ensemble « {pe.plan.nom} » : {len(pe.bornes)} paramètre(s) libre(s) (plages {r.plage}), "
          f"{len(pe.plan.cibles)} cible(s) ajustée(s) ({', '.join(c.id for c in pe.plan.cibles)}), {r.vagues} "
          f"vague(s) × {r.runs_par_vague} jeux × {r.replicats} réplicats, {r.menages} ménages, seuil "
          f"{r.seuil_implausibilite:g} ; dossier : {dossier}")
    res = ens.construire_ensemble(pe, dossier, travailleurs=args.travailleurs, dask=args.dask, slurm=slurm,
                                  fichier=args.fichier_ensemble, ecrire=not args.sans_ecrire,
                                  vague1_de=args.vague1_de)
    m = res.meta
    for v in m["vague"]:
        print(f"  vague {v['numero']} : {v.get('points', 0)} jeux, part non implausible des candidats "
              f"{v['part_non_implausible']:.3f}" + (f" ({v['arret']})" if "arret" in v else ""))
    print(f"  {m['jeux_verifies']} jeu(x) vérifié(s) sur graines fraîches, {m['acceptes']} accepté(s) ; "
          f"{m['runs']} runs, {m['duree_par_run_s']} s par run en moyenne")
    for cid, d in m["emulateur"].items():
        print(f"  émulateur {cid:<4} R² (validation croisée) {d['r2_vc']:.3f}, RMSE {d['rmse_vc']:.4g}, "
              f"bruit d'un run (écart-type) {d['bruit_ecart_type_run']:.4g}")
    t = m.get("tension", {})
    if t.get("candidats"):
        sans = sorted(t["proba_max_sans"].items(), key=lambda kv: -kv[1])
        print(f"  tension : probabilité d'acceptation prédite au mieux {t['proba_max']:.3g} ; sans la cible "
              + ", ".join(f"{c} {p:.3g}" for c, p in sans[:4]) + " (meilleure P sans chaque cible ; [meta.tension])")
    if res.fichier is not None:
        print(f"Ensemble écrit dans {res.fichier}")
    if args.ecrire_calibration:
        k, chemin = ens.calibration_depuis_ensemble(res.fichier, args.fichier_calibration)
        print(f"Référence calibrée : jeu {k} de l'ensemble écrit dans {chemin}")
    return 0


def commande_valider(args) -> int:
    """Rapport de validation (HTML autonome, CSV, PNG)."""
    from experiences.calibration import Reglages, valider

    res = valider(Reglages(menages=args.menages, replicats=args.replicats, graine=args.graine, debut=args.debut,
                           fin=args.fin, annee=args.annee, travailleurs=args.travailleurs,
                           sans_contrefactuel=args.sans_contrefactuel, sortie=args.sortie,
                           ensemble=args.fichier_ensemble, prediction=args.fichier_prediction))
    print(f"Rapport écrit dans {res.dossier / 'rapport.html'}")
    for nom in ("ensemble", "prediction"):
        if (res.dossier / f"{nom}.csv").is_file():
            print(f"  table « {'prédiction' if nom == 'prediction' else nom} » : {res.dossier / f'{nom}.csv'}")
    for _, r in res.synthese.iterrows():
        print(f"  {r['cible']:<4} publié {r['valeur_publiee']:<6g} modèle {r['modele']:.4g} "
              f"[{r['ic95_bas']:.4g} ; {r['ic95_haut']:.4g}] tolérance {r['tolerance']:g} : {r['verdict']}")
    return 0
