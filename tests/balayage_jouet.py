"""Fonctions de run jouets pour tester le moteur de balayage sans le modèle.

Elles sont au niveau du module (sérialisables vers un pool de processus ou Dask) et respectent le
contrat de ``experiences.execution.executer_run`` : ``fonction(spec) -> objet avec .series et .resume``.
"""

from __future__ import annotations

import functools
import math
import os
import time

import numpy as np
import pandas as pd

DECLARATIONS = {
    "x1": (-math.pi, math.pi),
    "x2": (-math.pi, math.pi),
    "x3": (-math.pi, math.pi),
    "a": (0.0, 10.0),
    "b": (0.0, 10.0),
    "c": (0.0, 10.0),
    "mode": (None, None),
}


class ResultatJouet:
    """Résultat d'un run jouet ; les séries ne sont construites que si le moteur les lit."""

    def __init__(self, fabrique_series, resume: dict):
        self._fabrique_series = fabrique_series
        self.resume = resume

    @functools.cached_property
    def series(self) -> pd.DataFrame:
        return self._fabrique_series()


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    """Fonction d'Ishigami : S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def _series(spec, y: float, bruit: float) -> pd.DataFrame:
    dates = ["2020-01-06", "2020-06-01", "2020-12-28"]
    return pd.DataFrame(
        {
            "scenario": spec.scenario,
            "replicat": spec.replicat,
            "graine": spec.graine,
            "date": [d for d in dates for _ in range(2)],
            "indicateur": ["y", "bruit"] * 3,
            "prestation": "rsa",
            "groupe": "tous",
            "valeur": [v for k in range(3) for v in (y * (k + 1) / 3, bruit)],
        }
    )


def ishigami_run(spec) -> ResultatJouet:
    """Run jouet : Ishigami des surcharges x1, x2, x3, plus un bruit tiré de la graine du run.

    La variable d'environnement JOUET_PAUSE (secondes) ralentit chaque run (test d'interruption).
    """
    pause = float(os.environ.get("JOUET_PAUSE", "0") or 0)
    if pause:
        time.sleep(pause)
    s = spec.surcharges
    y = ishigami(s["x1"], s["x2"], s["x3"])
    bruit = float(np.random.default_rng(spec.graine).normal())
    return ResultatJouet(lambda: _series(spec, y, bruit), resume={"y": y, "y_bruite": y + 0.1 * bruit})


def capricieux_run(spec) -> ResultatJouet:
    """Échoue quand x1 > 2 (pour tester l'enregistrement des échecs)."""
    if spec.surcharges["x1"] > 2:
        raise ValueError(f"x1 trop grand ({spec.surcharges['x1']:.3f})")
    return ishigami_run(spec)


def lineaire_run(spec) -> ResultatJouet:
    """y = 3 a + 1 b + 0 c : effets élémentaires de Morris connus (mu* = 3, 1, 0 ; sigma = 0)."""
    s = spec.surcharges
    y = 3 * s["a"] + 1 * s["b"] + 0 * s["c"]
    return ResultatJouet(lambda: _series(spec, y, 0.0), resume={"y": y})


def politique_run(spec) -> ResultatJouet:
    """Effet connu d'une politique sur graines appariées : dans le scénario « reference », y = 3 a + b + bruit ;
    dans tout autre scénario, y = 3 a + b + 2 c + bruit, le bruit (écart type 10) ne dépendant que de la graine.
    La différence scénario − reference vaut exactement 2 c si graines et paramètres sont appariés."""
    s = spec.surcharges
    bruit = 10.0 * float(np.random.default_rng(spec.graine).normal())
    y = 3 * s["a"] + s["b"] + (0.0 if spec.scenario == "reference" else 2 * s["c"]) + bruit
    return ResultatJouet(lambda: _series(spec, y, bruit), resume={"y": y})



PI = "3.141592653589793"


def texte_plan_jouet(
    plan: str = "hypercube_latin",
    n: int = 10,
    replicats: int = 2,
    fonction: str = "ishigami_run",
    series: str = 'dates = ["fin"]',
    echantillonnage: str | None = None,
    parametres: str | None = None,
    nom: str = "jouet",
) -> str:
    """Texte TOML d'un plan jouet sur x1, x2, x3 dans [-pi, pi] (fonction du module balayage_jouet)."""
    if echantillonnage is None:
        echantillonnage = "" if plan == "factoriel" else f"[echantillonnage]\nn = {n}\n"
    if parametres is None:
        parametres = "".join(f"[parametres.{x}]\nmin = -{PI}\nmax = {PI}\n" for x in ("x1", "x2", "x3"))
    return (
        f'nom = "{nom}"\nscenario = "reference"\nplan = "{plan}"\nreplicats = {replicats}\nmenages = 10\n'
        f'debut = "2020-01"\nfin = "2020-12"\nindicateurs = ["y"]\n'
        f'fonction_run = "jouet.{fonction}"\n'
        'declarations = "jouet"\n'
        f"{echantillonnage}\n[series]\n{series}\n\n{parametres}"
    )


def mortel_run(spec) -> ResultatJouet:
    """Tue brutalement son processus quand x1 > 2.5 (travailleur mort : mémoire épuisée, signal…)."""
    if spec.surcharges["x1"] > 2.5:
        os._exit(3)
    return ishigami_run(spec)


def enregistrer() -> None:
    """Inscrit les fonctions jouets et leurs bornes aux registres du moteur (un plan ne nomme pas de module)."""
    from experiences.balayages import enregistrer_declarations, enregistrer_fonction_run

    enregistrer_declarations("jouet", DECLARATIONS)
    for nom, objet in list(globals().items()):
        if nom.endswith("_run") and callable(objet):
            enregistrer_fonction_run(f"jouet.{nom}", objet)


enregistrer()

