"""Exécuter le modèle : une exécution (scénario, graine, taille, période, surcharges) → séries longues + résumé.

C'est l'unique porte d'entrée des commandes `simuler`, `comparer`, `balayer`, `calibrer` : une exécution est
entièrement déterminée par sa `SpecRun` (mêmes entrées → mêmes tableaux, quel que soit le processus).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from modele.indicateurs import resume
from modele.modele import ModeleNonRecours

COLONNES_SERIES = ["scenario", "replicat", "graine", "date", "indicateur", "prestation", "groupe", "valeur"]


@dataclass(frozen=True)
class SpecRun:
    """Tout ce qui détermine une exécution."""

    scenario: str = "reference"
    graine: int = 0
    menages: int = 20000
    debut: str = "2014-01"
    fin: str = "2027-12"
    surcharges: dict = field(default_factory=dict)
    replicat: int = 0

    def en_dict(self) -> dict[str, Any]:
        """Forme sérialisable."""
        return asdict(self)


@dataclass
class ResultatRun:
    """Séries longues (colonnes COLONNES_SERIES) et résumé d'une exécution (une ligne)."""

    spec: SpecRun
    series: pd.DataFrame
    resume: dict[str, Any]
    duree_s: float
    parametres: dict[str, Any]
    interventions: list[str]


def graine_replicat(graine: int, replicat: int) -> int:
    """Graine du réplicat r : graine + r (les scénarios comparés partagent donc leurs graines)."""
    return int(graine) + int(replicat)


def executer_run(spec: SpecRun, rappel=None) -> ResultatRun:
    """Construit le modèle, le fait tourner, rend les séries étiquetées et le résumé."""
    debut = time.perf_counter()
    m = ModeleNonRecours(scenario=spec.scenario, menages=spec.menages, graine=spec.graine, debut=spec.debut,
                         fin=spec.fin, surcharges=dict(spec.surcharges))
    m.lancer(rappel)
    series = m.series()
    series.insert(0, "graine", spec.graine)
    series.insert(0, "replicat", spec.replicat)
    series.insert(0, "scenario", m.scenario.nom)
    series = series[COLONNES_SERIES]
    res = {"scenario": m.scenario.nom, "replicat": spec.replicat, "graine": spec.graine, "menages": spec.menages,
           "debut": spec.debut, "fin": spec.fin}
    res.update(resume(series))
    duree = time.perf_counter() - debut
    res["duree_s"] = round(duree, 3)
    return ResultatRun(spec, series, res, duree, m.p_base.en_dict(), [iv.resume() for iv in m.scenario.interventions])


def _executer_sans_rappel(spec: SpecRun) -> ResultatRun:
    return executer_run(spec)


def travailleurs_par_defaut() -> int:
    """Nombre de processus par défaut : les cœurs disponibles."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


#: Modules chargés une fois par le serveur de processus (les travailleurs en héritent sans les réimporter).
PRECHARGES = ["modele.modele", "experiences.execution.runs"]


def contexte_processus() -> multiprocessing.context.BaseContext:
    """Contexte des pools de processus : « forkserver ».

    Jamais `fork()` du processus principal, qui a souvent des fils d'exécution (Optuna, tqdm, pyarrow) : Python 3.12
    avertit qu'un tel fork peut se bloquer. Le serveur de processus, lancé proprement (sans fil), précharge
    `PRECHARGES` puis crée chaque travailleur par fork de lui-même : aussi sûr que « spawn », plus rapide.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRECHARGES)
    return ctx


def executer_plusieurs(specs: list[SpecRun], travailleurs: int = 1, progression=None) -> list[ResultatRun]:
    """Exécute des specs (processus parallèles si travailleurs > 1) ; rend les résultats dans l'ordre des specs.

    `progression` : objet tqdm (ou None) ; avec un seul travailleur, il avance à chaque semaine simulée,
    sinon à chaque exécution terminée.
    """
    if travailleurs <= 1 or len(specs) <= 1:
        sortie = []
        for s in specs:
            sortie.append(executer_run(s, (lambda _t: progression.update(1)) if progression is not None else None))
        return sortie
    resultats: dict[int, ResultatRun] = {}
    with ProcessPoolExecutor(max_workers=min(travailleurs, len(specs)), mp_context=contexte_processus()) as pool:
        futurs = {pool.submit(_executer_sans_rappel, s): k for k, s in enumerate(specs)}
        for f in as_completed(futurs):
            resultats[futurs[f]] = f.result()
            if progression is not None:
                progression.update(1)
    return [resultats[k] for k in range(len(specs))]
