"""Sous-commande `nonrecours comparer S1 S2 …` : scénarios sur les mêmes graines, IC, écarts appariés, rapport HTML.

Sorties (dossier écrit d'un coup, `DossierAtomique`) : comparaison.csv (tidy), horizon.csv, series.parquet +
series.csv, resume.csv, provenance.json, figures PNG et rapport.html (page autonome en français).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from experiences.cli import entier_min, lire_surcharges
from modele.parametres import ErreurEntree


def ajouter_sous_commandes(sous) -> None:
    """Ajoute `comparer` à l'analyseur principal."""
    c = sous.add_parser("comparer", help="comparer des scénarios (mêmes graines, IC 95 %, rapport HTML)",
                        description="Simule chaque scénario sur les mêmes réplicats (nombres aléatoires communs), "
                        "calcule moyennes, intervalles de confiance à 95 % et écarts appariés avec le premier "
                        "scénario, et écrit un rapport HTML autonome en français.")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="au moins deux scénarios (noms livrés ou fichiers .toml) ; le premier sert de point de "
                        "comparaison")
    c.add_argument("--replicats", type=entier_min(1, "--replicats"), default=5,
                   help="réplicats par scénario (graines graine, graine+1, … ; défaut : 5)")
    c.add_argument("--menages", type=entier_min(100, "--menages"), default=None,
                   help="ménages simulés par réplicat (défaut : simulation.menages, 20 000)")
    c.add_argument("--graine", type=entier_min(0, "--graine"), default=0, help="graine du réplicat 0 (défaut : 0)")
    c.add_argument("--debut", default="2014-01", help="premier mois simulé AAAA-MM (défaut : 2014-01)")
    c.add_argument("--fin", default="2027-12", help="dernier mois simulé AAAA-MM (défaut : 2027-12)")
    c.add_argument("--sortie", type=Path, default=None,
                   help="dossier de résultats (défaut : resultats/<date-heure>_comparaison/)")
    c.add_argument("--travailleurs", type=entier_min(1, "--travailleurs"), default=None,
                   help="processus parallèles (défaut : nombre de cœurs)")
    c.add_argument("--population-cible", dest="population_cible", type=entier_min(1, "--population-cible"),
                   default=None, metavar="P",
                   help="met effectifs, heures et euros à l'échelle de P ménages réels (taux inchangés)")
    c.add_argument("--parametre", action="append", default=[], metavar="CLE=VALEUR",
                   help="surcharge d'un paramètre déclaré, pour tous les scénarios (répétable)")
    c.set_defaults(fonction=commande_comparer)


def _valider(args):
    """Vérifie tout ce qui peut l'être avant de lancer des exécutions longues ; rend les scénarios chargés."""
    from modele.calendrier import Calendrier
    from modele.modele import ModeleNonRecours
    from modele.parametres import Parametres
    from modele.scenarios import charger_scenario

    if len(args.scenarios) < 2:
        raise ErreurEntree("Il faut au moins deux scénarios à comparer.", cle="SCENARIO",
                           valeur=" ".join(args.scenarios), attendu="deux scénarios ou plus, par ex. "
                           "« nonrecours comparer reference sans_dematerialisation »")
    scenarios = [charger_scenario(s) for s in args.scenarios]
    noms = [sc.nom for sc in scenarios]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurEntree("Scénario donné deux fois (ou deux fichiers portant le même nom).", cle="SCENARIO",
                           valeur=doublons[0], attendu="des scénarios de noms distincts")
    surcharges = lire_surcharges(args.parametre)
    cal = Calendrier.depuis_mois(args.debut, args.fin)
    p0 = scenarios[0].parametres_base(surcharges)
    menages = args.menages if args.menages is not None else p0["simulation.menages"]
    Parametres.defauts().avec({"simulation.menages": menages}, origine="--menages")
    for s in args.scenarios:  # un modèle minuscule valide les combinaisons (surcharges × scénario)
        ModeleNonRecours(scenario=s, menages=100, graine=args.graine, debut=args.debut, fin=args.fin,
                         surcharges=surcharges)
    return scenarios, surcharges, cal, menages, p0


def commande_comparer(args) -> int:
    """Simule, compare, écrit le dossier de comparaison et le rapport."""
    import pandas as pd
    from tqdm import tqdm

    from experiences import comparaison, rapport, sorties
    from experiences.execution import SpecRun, executer_plusieurs, graine_replicat, travailleurs_par_defaut

    scenarios, surcharges, cal, menages, p0 = _valider(args)
    noms = [sc.nom for sc in scenarios]
    cible = args.sortie if args.sortie is not None else sorties.dossier_par_defaut("comparaison")
    atom = sorties.DossierAtomique(cible)
    graines = [graine_replicat(args.graine, r) for r in range(args.replicats)]
    specs = [SpecRun(scenario=s, graine=g, menages=menages, debut=args.debut, fin=args.fin, surcharges=surcharges,
                     replicat=r) for s in args.scenarios for r, g in enumerate(graines)]
    travailleurs = args.travailleurs or min(travailleurs_par_defaut(), len(specs))
    seq = travailleurs <= 1 or len(specs) == 1
    total = len(specs) * (cal.n_pas + p0["simulation.rodage_semaines"]) if seq else len(specs)
    with tqdm(total=total, desc=f"comparer {len(noms)} scénarios × {args.replicats} réplicats",
              unit="sem" if seq else "exéc", file=sys.stderr, disable=None) as barre:
        resultats = executer_plusieurs(specs, travailleurs, barre)

    brutes = pd.concat([r.series for r in resultats], ignore_index=True)
    for c in ("scenario", "date", "indicateur", "prestation", "groupe"):
        brutes[c] = brutes[c].astype(str)
    series = comparaison.mettre_a_echelle(brutes, menages, args.population_cible)
    stats_series = comparaison.statistiques(series, noms)
    horizon = comparaison.horizon_par_run(series)
    st_h = comparaison.statistiques_horizon(horizon, noms)
    divergences = comparaison.premiere_divergence(brutes, noms)
    dates_diff = {sc.nom: comparaison.date_premiere_difference(scenarios[0], sc, cal, surcharges)
                  for sc in scenarios[1:]}
    dates_diff = {k: (None if v is None else v.isoformat()) for k, v in dates_diff.items()}
    resume = pd.DataFrame([r.resume for r in resultats])
    decl = p0.declarations
    n_h = sum(d.hypothese for d in decl.values())
    # Commande complète et reproductible, reconstruite depuis les arguments lus (valeurs par défaut comprises).
    morceaux = ["nonrecours", "comparer", *args.scenarios, "--replicats", str(args.replicats), "--menages",
                str(menages), "--graine", str(args.graine), "--debut", args.debut, "--fin", args.fin]
    if args.population_cible:
        morceaux += ["--population-cible", str(args.population_cible)]
    for t in args.parametre:
        morceaux += ["--parametre", t]
    commande = shlex.join(morceaux)

    with atom as tmp:
        sorties.ecrire_series(tmp, series)
        stats_series.to_csv(tmp / "comparaison.csv", index=False)
        st_h.to_csv(tmp / "horizon.csv", index=False)
        resume.to_csv(tmp / "resume.csv", index=False)
        sorties.ecrire_json(tmp / "provenance.json", sorties.provenance(
            scenarios=[{"nom": sc.nom, "fichier": str(sc.fichier), "question": sc.question, "sources": sc.sources,
                        "interventions": [iv.resume() for iv in sc.interventions]} for sc in scenarios],
            reference_comparaison=noms[0], replicats=args.replicats, graines=graines, menages=menages,
            debut=args.debut, fin=args.fin, population_cible=args.population_cible,
            facteur_echelle=(args.population_cible / menages) if args.population_cible else 1.0,
            surcharges=surcharges, premiere_divergence_series=divergences,
            date_premiere_difference_parametres=dates_diff,
            parametres={r.spec.scenario: r.parametres for r in resultats if r.spec.replicat == 0},
            durees_s=[r.duree_s for r in resultats]))
        unite = (f"pour {args.population_cible:,} ménages".replace(",", " ") if args.population_cible
                 else f"{menages:,} ménages simulés".replace(",", " "))
        figs = rapport.figures_comparaison(series, noms, tmp, unite)
        rapport.ecrire_rapport(
            tmp / "rapport.html", scenarios=scenarios, st_horizon=st_h, periode_horizon=horizon.attrs["periode"],
            figures=figs, replicats=args.replicats, menages=menages, graines=graines, debut=args.debut,
            fin=args.fin, population_cible=args.population_cible, divergences=divergences,
            dates_difference=dates_diff, n_hypotheses=n_h, n_sources=len(decl) - n_h, commande=commande,
            calibration=all(sc.calibration for sc in scenarios))
    print(f"Comparaison écrite dans {atom.cible} (rapport : {atom.cible / 'rapport.html'})")
    nr = st_h[(st_h["indicateur"] == "taux_non_recours")]
    for s in noms[1:]:
        d = nr[nr["scenario"] == s]
        morceaux = [f"{r.detail} {100 * r.difference:+.1f} pt" for r in d.itertuples()]
        print(f"  {s} − {noms[0]} (non-recours, horizon) : " + ", ".join(morceaux))
    return 0
