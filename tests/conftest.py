"""Fixtures communes : petites exécutions mises en cache pour toute la session de tests."""

from __future__ import annotations

import functools
import os

import pytest
from hypothesis import HealthCheck, settings

from experiences.execution import SpecRun, executer_run

# Fichiers les plus longs d'abord (temps mesurés : docs/performance.md, « Durée de la suite de tests ») : avec deux
# travailleurs xdist (`--dist loadfile`, un fichier entier par travailleur), un long fichier commencé en dernier
# ferait attendre l'autre travailleur. Tri stable : l'ordre des tests dans un fichier et celui des autres fichiers
# ne changent pas.
FICHIERS_LONGS = ("test_parametres_effet.py", "test_slurm.py", "test_calibration_identifiabilite.py", "test_api.py",
                  "test_proprietes.py", "test_pannes.py", "test_comparer.py", "test_sous_modeles.py")


def pytest_collection_modifyitems(config, items):
    rang = {nom: i for i, nom in enumerate(FICHIERS_LONGS)}
    items.sort(key=lambda item: rang.get(item.path.name, len(rang)))


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
