"""Temps d'interpolation dans la table des droits : `python -m benchmarks.droits [--menages 100000]`.

Charge `parametres/droits/table_droits.parquet` (temps de chargement mesuré à part), tire des ménages au hasard
sur tout le domaine de la grille et mesure `TableDroits.montants` (médiane de plusieurs appels, temps CPU et
temps écoulé). Imprime une ligne JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from modele.droits import LOGEMENTS, TableDroits


def mesurer(n: int, repetitions: int = 7) -> dict:
    """Mesure le chargement et `montants` pour `n` ménages."""
    t0 = time.perf_counter()
    table = TableDroits.charger()
    chargement = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    args = (rng.integers(2014, 2030, n), rng.random(n) < 0.5, rng.integers(0, 4, n), rng.integers(18, 95, n),
            rng.uniform(0, 3500, n), rng.uniform(0, 2000, n), rng.choice(sorted(LOGEMENTS), n),
            rng.uniform(150, 900, n))
    mur, cpu = [], []
    for _ in range(repetitions):
        a, b = time.perf_counter(), time.process_time()
        table.montants(*args)
        mur.append(time.perf_counter() - a)
        cpu.append(time.process_time() - b)
    return {"menages": n, "chargement_s": round(chargement, 3),
            "montants_mediane_ms": round(1000 * statistics.median(mur), 1),
            "montants_cpu_mediane_ms": round(1000 * statistics.median(cpu), 1),
            "montants_min_ms": round(1000 * min(mur), 1)}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Temps d'interpolation dans la table des droits.")
    p.add_argument("--menages", type=int, default=100_000)
    print(json.dumps(mesurer(p.parse_args().menages)))
