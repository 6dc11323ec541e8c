"""Benchmarks de performance (hors suite de tests) : `python -m benchmarks.lancer` (voir docs/performance.md).

Mesure, pour le scénario de référence 2014-01 → 2027-12 (rodage compris) à 10 000, 100 000 et 1 000 000 de
ménages : temps (médiane de plusieurs exécutions, chacune dans un processus neuf), temps CPU, ménages × semaines
par seconde, mémoire de pointe (ru_maxrss du processus), temps CPU par sous-modèle ; le temps d'une passe dense
sur l'état des ménages (étalon physique) ; la vitesse de l'étalon « un agent par ménage » ; le débit d'un
balayage à 1 et 2 processus. Écrit `benchmarks/resultats/mesures.json` et `benchmarks/resultats/tableau.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "benchmarks" / "resultats"


VARIABLES_FILS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
FILS_BLAS = 1  # fils BLAS/OpenMP des processus mesurés : « sur un cœur » (--fils-blas pour changer)


def _enfant(code: str) -> dict:
    """Exécute `code` dans un processus Python neuf (mémoire de pointe propre) ; rend le JSON imprimé. Les fils
    BLAS et OpenMP du processus sont fixés à `FILS_BLAS` par les variables d'environnement, lues au chargement de
    numpy (sans quoi les produits matriciels à grand N prennent un fil par cœur : plus de CPU que de temps écoulé)."""
    env = dict(os.environ, PYTHONPATH=str(RACINE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update({v: str(FILS_BLAS) for v in VARIABLES_FILS})
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=RACINE)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


CODE_RUN = """
import json, resource, time
from modele.modele import ModeleNonRecours
t0, c0 = time.perf_counter(), time.process_time()
m = ModeleNonRecours(menages={n}, graine={graine}, debut="2014-01", fin="2027-12")
m.chronos = {{}}
t1, c1 = time.perf_counter(), time.process_time()
m.lancer()
s = m.series()
t2, c2 = time.perf_counter(), time.process_time()
pas = m.calendrier.n_pas + m.rodage
try:  # fils BLAS effectifs (threadpoolctl, s'il est installé)
    import threadpoolctl
    fils = {{d["internal_api"]: d["num_threads"] for d in threadpoolctl.threadpool_info()}}
except ImportError:
    fils = None
print(json.dumps({{"menages": {n}, "pas": pas, "fils_blas": fils, "init_s": t1 - t0, "simulation_s": t2 - t1,
                   "total_s": t2 - t0,
                   "cpu_init_s": c1 - c0, "cpu_simulation_s": c2 - c1, "cpu_total_s": c2 - c0,
                   "memoire_pointe_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "etat_menages_mo": m.menages.memoire_octets() / 2**20, "lignes_series": len(s),
                   "chronos_cpu_s": m.chronos}}))
"""

CODE_DENSE = """
import json, time, dataclasses
import numpy as np
from modele.modele import ModeleNonRecours
m = ModeleNonRecours(menages={n}, graine=0, debut="2014-01", fin="2014-12")
M = m.menages
tabs = [np.asarray(getattr(M, f.name)) for f in dataclasses.fields(M)]
fixes = {{"age", "type_menage", "quintile", "diplome", "territoire", "equipement", "numerique", "litteratie",
          "francais", "confiance", "aidant", "capacite_aidant"}}
mutables = [np.asarray(getattr(M, f.name)) for f in dataclasses.fields(M) if f.name not in fixes]
def passe():
    s = 0
    for a in tabs:          # lire chaque tableau une fois
        s += np.count_nonzero(a)
    for a in mutables:      # écrire chaque tableau mutable une fois
        a.fill(0)
    return s
durees = []
for _ in range(15):
    d = time.process_time(); passe(); durees.append(time.process_time() - d)
octets = sum(a.nbytes for a in tabs)
print(json.dumps({{"menages": {n}, "passe_dense_cpu_s": sorted(durees)[len(durees) // 2], "octets": octets}}))
"""

CODE_ETALON = """
import json, time
from benchmarks.yardstick_agents import ModeleEtalon
e = ModeleEtalon(menages={n}, graine=0, debut="2014-01", fin="2014-12", surcharges={{"simulation.rodage_semaines": 0}})
c = time.process_time(); t = time.perf_counter()
e.lancer()
c, t = time.process_time() - c, time.perf_counter() - t
print(json.dumps({{"menages": {n}, "pas": e.n_pas, "cpu_s": c, "temps_s": t,
                   "menages_semaines_par_s_cpu": {n} * e.n_pas / c}}))
"""

CODE_BALAYAGE = """
import json, time
from experiences.execution import SpecRun, executer_plusieurs
specs = [SpecRun(graine=g, menages={n}, debut="2014-01", fin="2019-12") for g in range({k})]
t = time.perf_counter()
executer_plusieurs(specs, travailleurs={w})
print(json.dumps({{"travailleurs": {w}, "runs": {k}, "menages": {n}, "temps_s": time.perf_counter() - t}}))
"""


def charge() -> list[float]:
    """Charge moyenne de la machine (1, 5, 15 min) : d'autres processus faussent les temps écoulés."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def mesurer(tailles: list[int], repetitions: dict[int, int], balayage: bool, etalon: list[int]) -> dict:
    """Toutes les mesures ; rend un dictionnaire sérialisable."""
    res: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": {
        "python": platform.python_version(), "processeur": platform.processor() or platform.machine(),
        "coeurs": os.cpu_count(), "charge_avant": charge(), "fils_blas": FILS_BLAS}, "runs": {}, "passe_dense": {},
        "etalon": {}}
    for n in tailles:
        runs = []
        for r in range(repetitions.get(n, 1)):
            print(f"  run {n} ménages ({r + 1}/{repetitions.get(n, 1)})…", flush=True)
            runs.append(_enfant(CODE_RUN.format(n=n, graine=r)))
        dense = _enfant(CODE_DENSE.format(n=n))
        res["passe_dense"][str(n)] = dense
        med = {k: statistics.median(x[k] for x in runs) for k in ("total_s", "cpu_total_s", "simulation_s",
                                                                  "cpu_simulation_s", "memoire_pointe_mo")}
        pas = runs[0]["pas"]
        chronos = {k: statistics.median(x["chronos_cpu_s"].get(k, 0.0) for x in runs)
                   for k in runs[0]["chronos_cpu_s"]}
        res["runs"][str(n)] = {
            "repetitions": len(runs), "pas": pas, "mediane": med, "detail": runs, "chronos_cpu_s": chronos,
            "menages_semaines_par_s": n * pas / med["total_s"],
            "menages_semaines_par_s_cpu": n * pas / med["cpu_total_s"],
            "cpu_par_pas_ms": 1000 * med["cpu_simulation_s"] / pas,
            "ratio_passe_dense": med["cpu_simulation_s"] / pas / dense["passe_dense_cpu_s"],
        }
    for n in etalon:
        print(f"  étalon un agent par ménage, {n} ménages…", flush=True)
        e = _enfant(CODE_ETALON.format(n=n))
        if str(n) in res["runs"]:
            vect = res["runs"][str(n)]["menages_semaines_par_s_cpu"]
            e["ratio_vitesse_vectorise"] = vect / e["menages_semaines_par_s_cpu"]
        res["etalon"][str(n)] = e
    if balayage:
        res["balayage"] = {}
        for w in (1, 2):
            print(f"  balayage, {w} processus…", flush=True)
            res["balayage"][str(w)] = _enfant(CODE_BALAYAGE.format(n=20000, k=4, w=w))
        res["balayage"]["acceleration"] = res["balayage"]["1"]["temps_s"] / res["balayage"]["2"]["temps_s"]
    res["machine"]["charge_apres"] = charge()
    return res


def tableau(res: dict) -> str:
    """Tableau Markdown des mesures."""
    lignes = ["| ménages | répétitions | temps écoulé (s, médiane) | temps CPU (s, médiane) | ménages·semaines/s (CPU) "
              "| mémoire de pointe (Mo) | CPU par pas (ms) | passe dense (ms) | ratio / passe dense |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in res["runs"].items():
        d = res["passe_dense"][n]
        lignes.append(f"| {int(n):,} | {r['repetitions']} | {r['mediane']['total_s']:.1f} "
                      f"| {r['mediane']['cpu_total_s']:.1f} "
                      f"| {r['menages_semaines_par_s_cpu']:,.0f} | {r['mediane']['memoire_pointe_mo']:,.0f} "
                      f"| {r['cpu_par_pas_ms']:.2f} | {1000 * d['passe_dense_cpu_s']:.2f} "
                      f"| {r['ratio_passe_dense']:.1f} |".replace(",", " "))
    lignes += ["", "Temps CPU par sous-modèle (s, médiane des répétitions) :", "",
               "| ménages | " + " | ".join(next(iter(res["runs"].values()))["chronos_cpu_s"]) + " |",
               "|---:|" + "---:|" * len(next(iter(res["runs"].values()))["chronos_cpu_s"])]
    for n, r in res["runs"].items():
        lignes.append(f"| {int(n):,} | ".replace(",", " ")
                      + " | ".join(f"{v:.1f}" for v in r["chronos_cpu_s"].values()) + " |")
    if res["etalon"]:
        lignes += ["", "| étalon (un agent par ménage) | ménages·semaines/s (CPU) | rapport vectorisé / étalon |",
                   "|---:|---:|---:|"]
        for n, e in res["etalon"].items():
            ratio = e.get("ratio_vitesse_vectorise")
            lignes.append(f"| {int(n):,} | {e['menages_semaines_par_s_cpu']:,.0f} | ".replace(",", " ")
                          + (f"{ratio:.1f}" if ratio else "—") + " |")
    if "balayage" in res:
        b = res["balayage"]
        lignes += ["", "Balayage (4 exécutions de 20 000 ménages, 2014-2019) : "
                   f"1 processus {b['1']['temps_s']:.1f} s, "
                   f"2 processus {b['2']['temps_s']:.1f} s, accélération {b['acceleration']:.2f}."]
    lignes += ["", f"Mesuré le {res['date']} ; Python {res['machine']['python']}, {res['machine']['coeurs']} cœurs ; "
               f"charge moyenne avant {res['machine']['charge_avant']}, après {res['machine']['charge_apres']} ; "
               f"fils BLAS/OpenMP par processus : {res['machine'].get('fils_blas', 'non fixé')}."]
    return "\n".join(lignes) + "\n"


def main(argv=None) -> int:
    """Point d'entrée : `python -m benchmarks.lancer [--rapide] [--tailles 10000 100000 1000000]`."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lancer", description="Benchmarks de performance.")
    ap.add_argument("--tailles", type=int, nargs="+", default=[10000, 100000, 1000000], help="nombres de ménages")
    ap.add_argument("--repetitions", type=int, default=3, help="répétitions par taille (1 à 1 000 000)")
    ap.add_argument("--etalon", type=int, nargs="*", default=[10000, 100000], help="tailles de l'étalon par agent")
    ap.add_argument("--sans-balayage", action="store_true", help="ne pas mesurer le balayage 1/2 processus")
    ap.add_argument("--rapide", action="store_true", help="10 000 ménages, 1 répétition, sans balayage")
    ap.add_argument("--sortie", type=Path, default=RESULTATS, help="dossier des résultats")
    ap.add_argument("--fils-blas", type=int, default=FILS_BLAS,
                    help="fils BLAS/OpenMP de chaque processus mesuré (défaut 1 : un cœur)")
    a = ap.parse_args(argv)
    if a.fils_blas < 1:
        print(f"python -m benchmarks.lancer : --fils-blas = {a.fils_blas} invalide ; permis : un entier ≥ 1.",
              file=sys.stderr)
        return 2
    globals()["FILS_BLAS"] = a.fils_blas
    if a.rapide:
        a.tailles, a.repetitions, a.etalon, a.sans_balayage = [10000], 1, [10000], True
    rep = {n: (1 if n >= 1_000_000 else a.repetitions) for n in a.tailles}
    debut = time.perf_counter()
    res = mesurer(a.tailles, rep, not a.sans_balayage, a.etalon)
    res["duree_benchmarks_s"] = time.perf_counter() - debut
    a.sortie.mkdir(parents=True, exist_ok=True)
    (a.sortie / "mesures.json").write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    md = tableau(res)
    (a.sortie / "tableau.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
