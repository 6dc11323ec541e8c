"""Fixtures communes : petites exécutions mises en cache pour toute la session de tests."""

from __future__ import annotations

import functools
import os

import pytest
from hypothesis import HealthCheck, settings

from experiences.execution import SpecRun, executer_run


@functools.lru_cache(maxsize=32)
def _run(scenario: str, graine: int, menages: int, debut: str, fin: str, surcharges: tuple = ()):
    return executer_run(SpecRun(scenario=scenario, graine=graine, menages=menages, debut=debut, fin=fin,
                                surcharges=dict(surcharges)))


@pytest.fixture(scope="session")
def run_court():
    """Fonction : exécution mise en cache (scénario, graine, ménages, début, fin, surcharges triées)."""
    return _run


# Profils Hypothesis (tests de propriétés des entrées) : temps borné en CI, sans base d'exemples écrite sur le
# disque (un test d'entrée vérifie justement qu'aucun fichier n'apparaît). HYPOTHESIS_PROFILE=fouille pour chercher
# plus longtemps à la main.
_COMMUNS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, derandomize=True, print_blob=True, **_COMMUNS)
settings.register_profile("fouille", max_examples=5000, **_COMMUNS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
