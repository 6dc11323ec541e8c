"""Analyse de sensibilité globale d'un balayage : indices de Sobol ou effets élémentaires de Morris.

La valeur analysée pour un run est une clé scalaire de son résumé (``ResultatRun.resume``), nommée dans
la liste ``indicateurs`` du plan. Avec plusieurs réplicats, la valeur d'un point du plan est la moyenne
des réplicats de ce point (le bruit stochastique du modèle est ainsi moyenné avant l'analyse).

Les indices sont calculés par SALib (``SALib.analyze.sobol`` : indices du premier ordre ``S1`` et
totaux ``ST`` avec intervalles de confiance par bootstrap ; ``SALib.analyze.morris`` : ``mu``, ``mu*``,
``sigma`` et intervalle de confiance de ``mu*``) à partir du stockage du balayage : les runs
manquants sont d'abord exécutés, si bien qu'une analyse interrompue reprend elle aussi.

Avec ``difference_avec`` (``nonrecours sensibilite --difference-avec reference``), la valeur analysée d'un run est
la **différence** entre le scénario du plan et ce scénario-là, sur graines appariées : le même plan est exécuté une
seconde fois sur l'autre scénario (``plans.plan_apparie`` : mêmes points, donc mêmes paramètres échantillonnés,
mêmes graines par point et réplicat), dans ``<sortie>/difference_avec_<scenario>/`` ; la différence est prise run
par run, puis moyennée par point. On voit ainsi quels paramètres incertains pilotent l'EFFET d'une politique, pas
seulement les niveaux.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiences.balayages.executeurs import (
    Bilan,
    ErreurBalayage,
    dossier_par_defaut,
    executer_balayage,
    preparer_plan,
)
from experiences.balayages.plans import ErreurEntree, PlanBalayage, graine_echantillon, plan_apparie, probleme_salib
from experiences.balayages.stockage import lire_resume


def _valeurs_par_point(plan: PlanBalayage, resume: pd.DataFrame, indicateur: str, nombre_points: int) -> np.ndarray:
    if indicateur not in resume.columns:
        fixes = {"run", "point", "replicat", "graine", "scenario", *plan.cles}
        disponibles = [c for c in resume.columns if c not in fixes]
        raise ErreurEntree(
            f"{plan.fichier} : clé « indicateurs » : la valeur {indicateur!r} n'est pas une clé "
            f"du résumé des "
            f"runs. Clés disponibles : {', '.join(disponibles) or '(aucune)'}."
        )
    colonne = pd.to_numeric(resume[indicateur], errors="coerce")
    moyennes = colonne.groupby(resume["point"]).mean().reindex(range(nombre_points))
    manquants = moyennes.index[moyennes.isna()].tolist()
    if manquants:
        exemples = ", ".join(str(p) for p in manquants[:10])
        raise ErreurBalayage(
            f"indicateur « {indicateur} » : pas de valeur numérique pour {len(manquants)} point(s) du plan "
            f"(points {exemples}{' …' if len(manquants) > 10 else ''}) ; l'analyse demande tous les points."
        )
    return moyennes.to_numpy(dtype=float)


def calculer_indices(plan: PlanBalayage, points: pd.DataFrame, resume: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Indices de sensibilité par indicateur ; renvoie ``{"indices": table, "second_ordre": table?}``."""
    probleme = probleme_salib(plan)
    graine = graine_echantillon(plan.empreinte_graines)
    options = plan.sensibilite
    lignes, lignes_s2 = [], []
    for indicateur in plan.indicateurs:
        y = _valeurs_par_point(plan, resume, indicateur, len(points))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if plan.plan == "sobol":
                from SALib.analyze import sobol

                second = plan.echantillonnage["second_ordre"]
                si = sobol.analyze(
                    probleme,
                    y,
                    calc_second_order=second,
                    num_resamples=options["reechantillonnages"],
                    conf_level=options["niveau_confiance"],
                    seed=graine,
                )
                for i, cle in enumerate(plan.cles):
                    lignes.append(
                        {
                            "indicateur": indicateur,
                            "parametre": cle,
                            "S1": si["S1"][i],
                            "S1_ic": si["S1_conf"][i],
                            "ST": si["ST"][i],
                            "ST_ic": si["ST_conf"][i],
                        }
                    )
                if second:
                    for i, ci in enumerate(plan.cles):
                        for j in range(i + 1, len(plan.cles)):
                            lignes_s2.append(
                                {
                                    "indicateur": indicateur,
                                    "parametre_1": ci,
                                    "parametre_2": plan.cles[j],
                                    "S2": si["S2"][i, j],
                                    "S2_ic": si["S2_conf"][i, j],
                                }
                            )
            else:
                from SALib.analyze import morris

                x = points[plan.cles].to_numpy(dtype=float)
                si = morris.analyze(
                    probleme,
                    x,
                    y,
                    num_resamples=options["reechantillonnages"],
                    conf_level=options["niveau_confiance"],
                    num_levels=plan.echantillonnage["niveaux"],
                    seed=graine,
                )
                for i, cle in enumerate(plan.cles):
                    lignes.append(
                        {
                            "indicateur": indicateur,
                            "parametre": cle,
                            "mu": si["mu"][i],
                            "mu_etoile": si["mu_star"][i],
                            "mu_etoile_ic": si["mu_star_conf"][i],
                            "sigma": si["sigma"][i],
                        }
                    )
    resultat = {"indices": pd.DataFrame(lignes)}
    if lignes_s2:
        resultat["second_ordre"] = pd.DataFrame(lignes_s2)
    return resultat


def differences_appariees(plan: PlanBalayage, resume: pd.DataFrame, resume_autre: pd.DataFrame,
                          autre: str) -> pd.DataFrame:
    """Par run (point, réplicat) : chaque indicateur du plan dans le scénario du plan, dans ``autre`` et leur
    différence (colonne de l'indicateur = scénario − autre). Refuse des runs dont les graines ne sont pas appariées."""
    cles = ["point", "replicat"]
    a = resume.set_index(cles).sort_index()
    b = resume_autre.set_index(cles).sort_index()
    if not a.index.equals(b.index):
        raise ErreurBalayage(f"différence avec « {autre} » : les runs des deux balayages ne se correspondent pas "
                             f"({len(a)} et {len(b)} runs) ; relancez la même commande pour compléter.")
    if "graine" in a and "graine" in b and not (a["graine"].to_numpy() == b["graine"].to_numpy()).all():
        raise ErreurBalayage(f"différence avec « {autre} » : graines non appariées entre les deux balayages.")
    sortie = pd.DataFrame(index=a.index)
    if "graine" in a:
        sortie["graine"] = a["graine"]
    n_points = int(a.index.get_level_values("point").max()) + 1 if len(a) else 0
    for indicateur in plan.indicateurs:
        for table in (a, b):  # indicateur présent et numérique pour chaque point, dans les deux balayages
            _valeurs_par_point(plan, table.reset_index(), indicateur, n_points)
        va, vb = (pd.to_numeric(t[indicateur], errors="coerce") for t in (a, b))
        sortie[f"{indicateur}__{plan.scenario}"] = va
        sortie[f"{indicateur}__{autre}"] = vb
        sortie[indicateur] = va - vb
    return sortie.reset_index()


def _nom_fichier(texte: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", texte)


def tracer(plan: PlanBalayage, indices: pd.DataFrame, dossier: Path) -> list[Path]:
    """Une figure PNG par indicateur (barres S1/ST, ou mu* contre sigma pour Morris)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chemins = []
    for indicateur, table in indices.groupby("indicateur", sort=False):
        figure = Figure(figsize=(max(5.0, 1.2 * len(table) + 2), 4.0), layout="constrained")
        FigureCanvasAgg(figure)
        axe = figure.add_subplot()
        if plan.plan == "sobol":
            x = np.arange(len(table))
            axe.bar(x - 0.2, table["S1"], 0.4, yerr=table["S1_ic"], capsize=3, label="premier ordre (S1)")
            axe.bar(x + 0.2, table["ST"], 0.4, yerr=table["ST_ic"], capsize=3, label="total (ST)")
            axe.set_xticks(x, table["parametre"], rotation=20, ha="right")
            axe.set_ylabel("indice de Sobol")
            axe.axhline(0, color="black", linewidth=0.5)
            axe.legend()
            niveau = plan.sensibilite["niveau_confiance"]
            axe.set_title(f"Sensibilité de « {indicateur} » (Sobol, IC {niveau:.0%})")
        else:
            axe.errorbar(table["mu_etoile"], table["sigma"], xerr=table["mu_etoile_ic"], fmt="o", capsize=3)
            for _, ligne in table.iterrows():
                axe.annotate(
                    ligne["parametre"],
                    (ligne["mu_etoile"], ligne["sigma"]),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize=8,
                )
            axe.set_xlabel("mu* (effet moyen absolu)")
            axe.set_ylabel("sigma (interactions, non-linéarités)")
            axe.set_title(f"Criblage de Morris : « {indicateur} »")
        chemin = dossier / f"sensibilite_{_nom_fichier(indicateur)}.png"
        figure.savefig(chemin, dpi=110)
        chemins.append(chemin)
    return chemins


def analyser_sensibilite(
    plan: PlanBalayage | str | Path,
    sortie: str | Path | None = None,
    *,
    travailleurs: int | None = None,
    dask: str | None = None,
    declarations: Any = None,
    fonction_run: str | None = None,
    barre: bool | None = None,
    slurm: Any = None,
    difference_avec: str | None = None,
) -> tuple[pd.DataFrame, Bilan]:
    """Complète le balayage du plan (runs manquants) puis calcule et écrit les indices de sensibilité.

    Écrit ``<sortie>/sensibilite/sensibilite_<plan>.csv`` (une ligne par indicateur et paramètre), la table
    du second ordre si demandée, et une figure PNG par indicateur. Renvoie la table des indices et le
    bilan du balayage.

    Avec ``difference_avec`` (nom ou fichier d'un scénario) : la sortie analysée est la différence run par run
    entre le scénario du plan et celui-là, sur graines appariées ; écrit en plus
    ``sensibilite/differences_<scenario>.csv`` (valeurs des deux scénarios et différence, par run) et nomme
    ``sensibilite_<plan>_difference_<scenario>.csv`` la table des indices (colonne ``difference_avec``).
    """
    plan = preparer_plan(plan, declarations, fonction_run)
    apparie = plan_apparie(plan, difference_avec) if difference_avec is not None else None
    if plan.plan not in ("sobol", "morris"):
        raise ErreurEntree(
            f"{plan.fichier} : clé « plan » = {plan.plan!r} : l'analyse de sensibilité demande un plan "
            f"« sobol » (indices de Sobol) ou « morris » (criblage). "
            f"Utilisez « nonrecours balayer » pour ce plan."
        )
    if not plan.indicateurs:
        raise ErreurEntree(
            f"{plan.fichier} : clé « indicateurs » absente ou vide : "
            f"l'analyse de sensibilité demande la liste "
            f'des clés du résumé à analyser (ex. indicateurs = ["taux_non_recours_rsa_fin"]).'
        )
    sortie = Path(sortie) if sortie is not None else dossier_par_defaut(plan)
    options = {"travailleurs": travailleurs, "dask": dask, "barre": barre, "slurm": slurm}
    bilan = executer_balayage(plan, sortie, **options)
    _refuser_echecs(bilan, sortie)
    points = pd.read_parquet(sortie / "points.parquet")
    resume = lire_resume(sortie)
    dossier = sortie / "sensibilite"
    suffixe = ""
    if apparie is not None:
        autre = _nom_fichier(Path(difference_avec).stem)
        sortie_autre = sortie / f"difference_avec_{autre}"
        bilan_autre = executer_balayage(apparie, sortie_autre, **options)
        _refuser_echecs(bilan_autre, sortie_autre)
        points_autre = pd.read_parquet(sortie_autre / "points.parquet")
        if not points_autre[plan.cles].equals(points[plan.cles]):
            raise ErreurBalayage(f"différence avec « {difference_avec} » : points échantillonnés différents.")
        resume = differences_appariees(plan, resume, lire_resume(sortie_autre), difference_avec)
        dossier.mkdir(exist_ok=True)
        resume.to_csv(dossier / f"differences_{autre}.csv", index=False)
        suffixe = f"_difference_{autre}"
        bilan = replace(bilan, reussis=bilan.reussis + bilan_autre.reussis,
                        executes=bilan.executes + bilan_autre.executes,
                        deja_faits=bilan.deja_faits + bilan_autre.deja_faits, total=bilan.total + bilan_autre.total,
                        duree_s=bilan.duree_s + bilan_autre.duree_s)
    tables = calculer_indices(plan, points, resume)
    if apparie is not None:
        for table in tables.values():
            table.insert(1, "difference_avec", difference_avec)
    dossier.mkdir(exist_ok=True)
    tables["indices"].to_csv(dossier / f"sensibilite_{plan.plan}{suffixe}.csv", index=False)
    if "second_ordre" in tables:
        tables["second_ordre"].to_csv(dossier / f"sensibilite_sobol_second_ordre{suffixe}.csv", index=False)
    if apparie is not None:  # figures : « indicateur (scénario − autre) »
        libelles = tables["indices"].assign(
            indicateur=tables["indices"]["indicateur"] + f" ({plan.scenario} − {difference_avec})")
        tracer(plan, libelles, dossier)
    else:
        tracer(plan, tables["indices"], dossier)
    return tables["indices"], bilan


def _refuser_echecs(bilan: Bilan, sortie: Path) -> None:
    if bilan.echecs:
        raise ErreurBalayage(
            f"{len(bilan.echecs)} run(s) en échec (voir {sortie / 'echecs.csv'}) : l'analyse de sensibilité "
            f"demande tous les runs du plan. Corrigez la cause puis relancez la même commande (les runs "
            f"terminés ne sont pas refaits)."
        )
