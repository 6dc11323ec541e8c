"""`nonrecours comparer S1 S2 …` : scénarios simulés sur les mêmes graines, IC, écarts appariés, rapport HTML.

Sorties (dossier écrit d'un coup, `DossierAtomique`) : comparaison.parquet (tidy), horizon.csv, series.parquet,
resume.csv, provenance.json, figures PNG et rapport.html (page autonome en français) ; avec `csv=True`, des copies
series.csv et comparaison.csv. Volumes rapportés à la population cible, ou à 10 000 ménages (`ECHELLE`)."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from modele.parametres import ErreurEntree

#: Ménages auxquels les volumes (heures, euros, effectifs) sont rapportés sans --population-cible (comme la page).
ECHELLE = 10000


@dataclass
class Comparaison:
    """Ce qu'une comparaison a écrit : le dossier, les noms des scénarios et le tableau de tête à l'horizon."""

    dossier: Path
    noms: list[str]
    horizon: pd.DataFrame
    effets_ensemble: pd.DataFrame | None = None


def verifier_scenarios(scenarios: list[str], *, menages: int | None, graine: int, debut: str, fin: str,
                       surcharges: dict):
    """Vérifie tout ce qui peut l'être avant de lancer des exécutions longues.

    Rend (scénarios chargés, calendrier, ménages par réplicat, paramètres de base du premier scénario).
    """
    from modele.calendrier import Calendrier
    from modele.modele import ModeleNonRecours
    from modele.parametres import Parametres
    from modele.scenarios import charger_scenario

    if len(scenarios) < 2:
        raise ErreurEntree("Il faut au moins deux scénarios à comparer.", cle="SCENARIO",
                           valeur=" ".join(scenarios), attendu="deux scénarios ou plus, par ex. "
                           "« nonrecours comparer reference sans_dematerialisation »")
    charges = [charger_scenario(s) for s in scenarios]
    noms = [sc.nom for sc in charges]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurEntree("Scénario donné deux fois (ou deux fichiers portant le même nom).", cle="SCENARIO",
                           valeur=doublons[0], attendu="des scénarios de noms distincts")
    cal = Calendrier.depuis_mois(debut, fin)
    p0 = charges[0].parametres_base(surcharges)
    menages = menages if menages is not None else p0["simulation.menages"]
    Parametres.defauts().avec({"simulation.menages": menages}, origine="--menages")
    for s in scenarios:  # un modèle minuscule valide les combinaisons (surcharges × scénario)
        ModeleNonRecours(scenario=s, menages=100, graine=graine, debut=debut, fin=fin, surcharges=surcharges)
    return charges, cal, menages, p0


def commande_reproductible(scenarios: list[str], replicats: int, menages: int, graine: int, debut: str, fin: str,
                           population_cible: int | None, textes_surcharges: list[str]) -> str:
    """Commande `nonrecours comparer` complète et reproductible (valeurs par défaut comprises)."""
    morceaux = ["nonrecours", "comparer", *scenarios, "--replicats", str(replicats), "--menages", str(menages),
                "--graine", str(graine), "--debut", debut, "--fin", fin]
    if population_cible:
        morceaux += ["--population-cible", str(population_cible)]
    for t in textes_surcharges:
        morceaux += ["--parametre", t]
    return shlex.join(morceaux)


def comparer(scenarios: list[str], *, replicats: int = 5, menages: int | None = None, graine: int = 0,
             debut: str = "2014-01", fin: str = "2027-12", sortie: Path | None = None,
             travailleurs: int | None = None, population_cible: int | None = None, surcharges: dict | None = None,
             textes_surcharges: list[str] | None = None, csv: bool = False, ensemble: int | None = None,
             fichier_ensemble: Path | None = None) -> Comparaison:
    """Simule, compare, écrit le dossier de comparaison et le rapport.

    `textes_surcharges` : les « CLE=VALEUR » tels que donnés (ils entrent dans la commande citée par le rapport).
    `ensemble` (K) : chaque scénario tourne sur K jeux acceptés de l'ensemble de calibration (`fichier_ensemble`,
    défaut parametres/ensemble_calibration.toml ; jeux répartis régulièrement dans le fichier) × `replicats` graines
    appariées ; le réplicat k × R + r est le jeu k à la graine r. Les surcharges `--parametre` l'emportent sur les
    valeurs d'un jeu. Sortie en plus : effets_ensemble.csv (`ecarts.effets_ensemble`) et sa section du rapport.
    """
    from tqdm import tqdm

    from experiences.comparaison import ecarts as comparaison
    from experiences.comparaison.figures import figures_comparaison
    from experiences.comparaison.rapport import ecrire_rapport
    from experiences.execution import sorties
    from experiences.execution.runs import SpecRun, executer_plusieurs, graine_replicat, travailleurs_par_defaut
    from experiences.rapports.formats import millier

    surcharges = dict(surcharges or {})
    jeux: list[dict] = [{}]
    ens = None
    if ensemble is not None:
        from experiences.calibration.ensemble import FICHIER_ENSEMBLE, charger_ensemble

        ens = charger_ensemble(fichier_ensemble if fichier_ensemble is not None else FICHIER_ENSEMBLE)
        indices = ens.choisir(ensemble)
        jeux = [ens.jeux[i] for i in indices]
    charges, cal, menages, p0 = verifier_scenarios(scenarios, menages=menages, graine=graine, debut=debut, fin=fin,
                                                   surcharges=surcharges)
    noms = [sc.nom for sc in charges]
    cible = sortie if sortie is not None else sorties.dossier_par_defaut("comparaison")
    atom = sorties.DossierAtomique(cible)
    graines = [graine_replicat(graine, r) for r in range(replicats)]
    specs = [SpecRun(scenario=s, graine=g, menages=menages, debut=debut, fin=fin, surcharges={**jeu, **surcharges},
                     replicat=k * replicats + r)
             for s in scenarios for k, jeu in enumerate(jeux) for r, g in enumerate(graines)]
    travailleurs = travailleurs or min(travailleurs_par_defaut(), len(specs))
    seq = travailleurs <= 1 or len(specs) == 1
    total = len(specs) * (cal.n_pas + p0["simulation.rodage_semaines"]) if seq else len(specs)
    libelle_jeux = f" × {len(jeux)} jeux" if ens is not None else ""
    with tqdm(total=total, desc=f"comparer {len(noms)} scénarios{libelle_jeux} × {replicats} réplicats",
              unit="sem" if seq else "exéc", file=sys.stderr, disable=None) as barre:
        resultats = executer_plusieurs(specs, travailleurs, barre)

    brutes = pd.concat([r.series for r in resultats], ignore_index=True)
    for c in ("scenario", "date", "indicateur", "prestation", "groupe"):
        brutes[c] = brutes[c].astype(str)
    echelle = population_cible or ECHELLE
    series = comparaison.mettre_a_echelle(brutes, menages, echelle)
    stats_series = comparaison.statistiques(series, noms)
    horizon = comparaison.horizon_par_run(series)
    st_h = comparaison.statistiques_horizon(horizon, noms)
    effets = comparaison.effets_ensemble(horizon, noms, replicats) if ens is not None else None
    divergences = comparaison.premiere_divergence(brutes, noms)
    dates_diff = {sc.nom: comparaison.date_premiere_difference(charges[0], sc, cal, surcharges)
                  for sc in charges[1:]}
    dates_diff = {k: (None if v is None else v.isoformat()) for k, v in dates_diff.items()}
    resume = pd.DataFrame([r.resume for r in resultats])
    decl = p0.declarations
    n_h = sum(d.hypothese for d in decl.values())
    commande = commande_reproductible(scenarios, replicats, menages, graine, debut, fin, population_cible,
                                      textes_surcharges or [])
    if ens is not None:
        commande += f" --ensemble {len(jeux)}" + (f" --fichier-ensemble {fichier_ensemble}" if fichier_ensemble else "")

    with atom as tmp:
        sorties.ecrire_series(tmp, series, csv=csv)
        stats_series.to_parquet(tmp / "comparaison.parquet", index=False)
        if csv:
            stats_series.to_csv(tmp / "comparaison.csv", index=False)
        st_h.to_csv(tmp / "horizon.csv", index=False)
        if effets is not None:
            effets.to_csv(tmp / "effets_ensemble.csv", index=False)
        resume.to_csv(tmp / "resume.csv", index=False)
        prov = sorties.provenance(
            scenarios=[{"nom": sc.nom, "libelle": sc.libelle, "fichier": str(sc.fichier), "question": sc.question,
                        "sources": sc.sources,
                        "interventions": [iv.resume() for iv in sc.interventions]} for sc in charges],
            reference_comparaison=noms[0], replicats=replicats, graines=graines, menages=menages,
            debut=debut, fin=fin, population_cible=population_cible,
            echelle_menages=echelle, facteur_echelle=echelle / menages,
            surcharges=surcharges, premiere_divergence_series=divergences,
            date_premiere_difference_parametres=dates_diff,
            parametres={r.spec.scenario: r.parametres for r in resultats if r.spec.replicat == 0},
            durees_s=[r.duree_s for r in resultats],
            ensemble=None if ens is None else {"fichier": str(ens.fichier), "jeux": indices, "valeurs": jeux,
                                               "meta": {k: ens.meta.get(k) for k in ("date", "commit", "acceptes",
                                                                                     "empreinte")}})
        sorties.ecrire_json(tmp / "provenance.json", prov)
        unite = f"pour {millier(echelle)} ménages"
        figs = figures_comparaison(series, noms, tmp, unite, {sc.nom: sc.libelle for sc in charges})
        ecrire_rapport(
            tmp / "rapport.html", scenarios=charges, st_horizon=st_h, periode_horizon=horizon.attrs["periode"],
            figures=figs, replicats=replicats, menages=menages, graines=graines, debut=debut,
            fin=fin, population_cible=population_cible, divergences=divergences,
            dates_difference=dates_diff, n_hypotheses=n_h, n_sources=len(decl) - n_h, commande=commande,
            calibration=all(sc.calibration for sc in charges), provenance=prov, par_run=horizon, echelle=echelle,
            effets_ensemble=effets)
    return Comparaison(atom.cible, noms, st_h, effets)
