"""Processus parallèles lancés par « spawn » : jamais de fork() d'un processus qui a des fils d'exécution
(Python 3.12 avertit qu'un tel fork peut se bloquer) ; mêmes résultats qu'en séquentiel."""

from __future__ import annotations

import threading
import time
import warnings

import pandas as pd

from experiences.execution.processus import contexte_processus
from experiences.execution.runs import SpecRun, executer_plusieurs


def test_contexte_spawn():
    assert contexte_processus().get_start_method() == "spawn"


def test_pool_sans_avertissement_fork_et_memes_resultats_qu_en_sequentiel():
    specs = [SpecRun(menages=150, graine=g, fin="2014-03", surcharges={"simulation.rodage_semaines": 2}, replicat=g)
             for g in (0, 1)]
    fil = threading.Thread(target=time.sleep, args=(3,))  # un fil vivant : fork() avertirait ici
    fil.start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paralleles = executer_plusieurs(specs, travailleurs=2)
    fil.join()
    sequentiels = executer_plusieurs(specs, travailleurs=1)
    for a, b in zip(paralleles, sequentiels):
        pd.testing.assert_frame_equal(a.series, b.series)
