"""Exécuter le modèle : une exécution (scénario, graine, taille, période, surcharges) → séries longues + résumé.

C'est l'unique porte d'entrée des commandes `simuler`, `comparer`, `balayer`, `calibrer` : une exécution est
entièrement déterminée par sa `SpecRun` (mêmes entrées → mêmes tableaux, quel que soit le processus).
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from experiences.execution import processus
from modele.indicateurs import resume
from modele.modele import ModeleNonRecours

COLONNES_SERIES = ["scenario", "replicat", "graine", "date", "indicateur", "prestation", "groupe", "valeur"]


@dataclass(frozen=True)
class SpecRun:
    """Tout ce qui détermine une exécution.

    Taille : une surcharge `simulation.menages` l'emporte sur `menages` (un plan qui fait varier ce paramètre est
    obéi) ; sans l'une ni l'autre, le paramètre déclaré `simulation.menages` du scénario.
    """

    scenario: str = "reference"
    graine: int = 0
    menages: int | None = None
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
    menages = spec.surcharges.get("simulation.menages", spec.menages)
    m = ModeleNonRecours(scenario=spec.scenario, menages=menages, graine=spec.graine, debut=spec.debut,
                         fin=spec.fin, surcharges=dict(spec.surcharges))
    m.lancer(rappel)
    series = m.series()
    series.insert(0, "graine", spec.graine)
    series.insert(0, "replicat", spec.replicat)
    series.insert(0, "scenario", m.scenario.nom)
    series = series[COLONNES_SERIES]
    res = {"scenario": m.scenario.nom, "replicat": spec.replicat, "graine": spec.graine, "menages": m.menages.n,
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
    p = processus.pool(min(travailleurs, len(specs)))
    try:
        futurs = {p.submit(_executer_sans_rappel, s): k for k, s in enumerate(specs)}
        for f in as_completed(futurs):
            resultats[futurs[f]] = f.result()
            if progression is not None:
                progression.update(1)
    except BaseException:  # Ctrl+C, SIGTERM, run en échec : aucun travailleur ne reste
        processus.arreter_pool(p)
        raise
    p.shutdown()
    return [resultats[k] for k in range(len(specs))]


@functools.cache
def cles_resume() -> frozenset[str]:
    """Clés du résumé d'un run (`resume.csv`), lues sur un run minuscule (100 ménages, un mois, sans rodage)."""
    r = executer_run(SpecRun(scenario="reference", graine=0, menages=100, debut="2014-01", fin="2014-01",
                             surcharges={"simulation.rodage_semaines": 0}))
    return frozenset(r.resume)
