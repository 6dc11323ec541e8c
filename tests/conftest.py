"""Fixtures communes : petites exécutions mises en cache pour toute la session de tests."""

from __future__ import annotations

import functools

import pytest

from experiences.execution import SpecRun, executer_run


@functools.lru_cache(maxsize=32)
def _run(scenario: str, graine: int, menages: int, debut: str, fin: str, surcharges: tuple = ()):
    return executer_run(SpecRun(scenario=scenario, graine=graine, menages=menages, debut=debut, fin=fin,
                                surcharges=dict(surcharges)))


@pytest.fixture(scope="session")
def run_court():
    """Fonction : exécution mise en cache (scénario, graine, ménages, début, fin, surcharges triées)."""
    return _run
