"""`nonrecours comparer S1 S2 …` : lit les arguments et appelle `experiences.comparaison.comparer`."""

from __future__ import annotations

from pathlib import Path

from experiences.cli.commun import GRAINE_MAX, LIMITES, MENAGES_MAX, TRAVAILLEURS_MAX, entier_min, lire_surcharges


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `comparer` à l'analyseur principal."""
    c = sous.add_parser("comparer", help="comparer des scénarios (mêmes graines, IC 95 %, rapport HTML)",
                        description="Simule chaque scénario sur les mêmes réplicats (nombres aléatoires communs), "
                        "calcule moyennes, intervalles de confiance à 95 % et écarts appariés avec le premier "
                        "scénario, et écrit un rapport HTML autonome en français.")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="au moins deux scénarios (noms livrés ou fichiers .toml) ; le premier sert de point de "
                        "comparaison")
    c.add_argument("--replicats", type=entier_min(1, "--replicats", LIMITES["replicats"]), default=5, metavar="R",
                   help="réplicats par scénario (graines G, G+1, … ; défaut : 5 ; le rapport dit combien il en "
                   "faut pour séparer chaque écart du hasard)")
    c.add_argument("--menages", type=entier_min(100, "--menages", MENAGES_MAX), default=None, metavar="N",
                   help="ménages simulés par réplicat (défaut : simulation.menages, 20 000)")
    c.add_argument("--graine", type=entier_min(0, "--graine", GRAINE_MAX), default=0, metavar="G",
                   help="graine du réplicat 0 (défaut : 0)")
    c.add_argument("--debut", default="2014-01", metavar="AAAA-MM", help="premier mois simulé (défaut : 2014-01)")
    c.add_argument("--fin", default="2027-12", metavar="AAAA-MM", help="dernier mois simulé (défaut : 2027-12)")
    c.add_argument("--sortie", type=Path, default=None, metavar="DIR",
                   help="dossier de résultats (défaut : resultats/<date-heure>_comparaison/)")
    c.add_argument("--travailleurs", type=entier_min(1, "--travailleurs", TRAVAILLEURS_MAX), default=None, metavar="K",
                   help="processus parallèles (défaut : nombre de cœurs)")
    c.add_argument("--population-cible", dest="population_cible", type=entier_min(1, "--population-cible"),
                   default=None, metavar="P",
                   help="met effectifs, heures et euros à l'échelle de P ménages réels (taux inchangés ; "
                   "défaut : volumes pour 10 000 ménages)")
    c.add_argument("--parametre", action="append", default=[], metavar="CLE=VALEUR",
                   help="surcharge d'un paramètre déclaré, pour tous les scénarios (répétable ; défaut : aucune)")
    c.add_argument("--csv", action="store_true",
                   help="écrire aussi des copies CSV de series.parquet et comparaison.parquet (series.csv, "
                   "comparaison.csv : plus de 100 Mo ; défaut : Parquet seulement, lu par pandas.read_parquet)")
    c.add_argument("--ensemble", type=entier_min(1, "--ensemble", 1000), default=None, metavar="K",
                   help="faire tourner chaque scénario sur K jeux acceptés de l'ensemble de calibration × R graines "
                   "appariées ; rapporte pour chaque effet l'intervalle sur les graines, l'intervalle sur l'ensemble "
                   "et s'il garde son signe sur tout l'ensemble (défaut : les valeurs calibrées seules)")
    c.add_argument("--fichier-ensemble", dest="fichier_ensemble", type=Path, default=None, metavar="FICHIER",
                   help="fichier d'ensemble (défaut : parametres/ensemble_calibration.toml)")
    c.set_defaults(fonction=commande_comparer)


def commande_comparer(args) -> int:
    """Simule, compare, écrit le dossier de comparaison et le rapport."""
    from experiences.comparaison import comparer

    res = comparer(args.scenarios, replicats=args.replicats, menages=args.menages, graine=args.graine,
                   debut=args.debut, fin=args.fin, sortie=args.sortie, travailleurs=args.travailleurs,
                   population_cible=args.population_cible, surcharges=lire_surcharges(args.parametre),
                   textes_surcharges=args.parametre, csv=args.csv, ensemble=args.ensemble,
                   fichier_ensemble=args.fichier_ensemble)
    from experiences.rapports import formats as F
    from experiences.rapports.figures import libelle

    noms, st_h = res.noms, res.horizon
    print(f"Comparaison écrite dans {res.dossier} (rapport : {res.dossier / 'rapport.html'})")
    nr = st_h[(st_h["indicateur"] == "taux_non_recours")]
    for s in noms[1:]:
        d = nr[nr["scenario"] == s]
        morceaux = [f"{'toutes prestations' if r.detail == 'toutes' else libelle(r.detail)} "
                    f"{F.points(r.difference)} [{F.borne(r.difference_bas, 'taux_', True)} ; "
                    f"{F.borne(r.difference_haut, 'taux_', True)}]" for r in d.itertuples()]
        print(f"  {s} − {noms[0]}, écart de non-recours à l'horizon : " + ", ".join(morceaux))
    if res.effets_ensemble is not None:
        e = res.effets_ensemble
        e = e[(e["indicateur"] == "taux_non_recours") & (e["detail"] == "toutes")]
        for r in e.itertuples():
            print(f"  {r.scenario} − {noms[0]}, non-recours toutes prestations, sur {r.jeux} jeux × {r.replicats} "
                  f"graines : {F.points(r.effet)} ; graines [{F.borne(r.graines_bas, 'taux_', True)} ; "
                  f"{F.borne(r.graines_haut, 'taux_', True)}] ; ensemble [{F.borne(r.ensemble_bas, 'taux_', True)} ; "
                  f"{F.borne(r.ensemble_haut, 'taux_', True)}] ; robuste : {'oui' if r.robuste else 'non'}")
        print(f"  Tous les effets : {res.dossier / 'effets_ensemble.csv'}")
    return 0
