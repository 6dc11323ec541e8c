"""`--slurm` sur un vrai SLURM à un nœud (tests/slurm/slurm-up.sh) : un job travailleur tué par `kill -9` en plein
balayage ne change pas la table, égale à celle d'un travailleur local. Les options invalides sont refusées (code 2)
sans SLURM. Le test à SLURM est sauté si SLURM ne peut pas tourner ici (pas root, paquets absents)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

RACINE = Path(__file__).resolve().parent.parent
SCRIPTS = RACINE / "tests" / "slurm"
PLAN = """nom = "slurm_essai"
scenario = "reference"
plan = "factoriel"
replicats = 2
menages = 300
debut = "2021-01"
fin = "2021-12"
graine = 11
indicateurs = ["taux_non_recours_rsa"]

[series]
conserver = false

[fixes]
"simulation.rodage_semaines" = 30

[parametres."decision.cout_base"]
niveaux = [0.4, 0.7, 1.0, 1.3, 1.6, 1.9, 2.2, 2.5]
"""
N_RUNS = 16
COMMANDES_SLURM = ("slurmctld", "slurmd", "munged", "mungekey", "sbatch", "squeue", "scontrol")


def _slurm_possible() -> str | None:
    if os.geteuid() != 0:
        return "il faut être root pour monter SLURM"
    manquantes = [c for c in COMMANDES_SLURM if shutil.which(c) is None]
    if manquantes:
        return "paquets SLURM absents (" + ", ".join(manquantes) + ")"
    try:
        import dask_jobqueue  # noqa: F401
    except ImportError:
        return "dask-jobqueue absent"
    return None


def _cli(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "experiences.cli", *args], cwd=RACINE, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.mark.parametrize("options, message", [
    (["--duree", "25h"], "--duree"),
    (["--memoire", "beaucoup"], "--memoire"),
    (["--coeurs", "0"], "--coeurs"),
])
def test_options_slurm_invalides_refusees_code_2(tmp_path, options, message):
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    p = _cli("balayer", str(tmp_path / "plan.toml"), "--sortie", str(tmp_path / "b"), "--slurm", *options)
    sortie, erreur = p.communicate(timeout=60)
    assert p.returncode == 2, erreur
    assert message in erreur and "Traceback" not in erreur
    assert not (tmp_path / "b").exists()


def test_slurm_sans_sbatch_refuse_code_2(tmp_path):
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    p = _cli("balayer", str(tmp_path / "plan.toml"), "--sortie", str(tmp_path / "b"), "--slurm", env=env)
    sortie, erreur = p.communicate(timeout=60)
    assert p.returncode == 2 and "sbatch" in erreur and "Traceback" not in erreur


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    raison = _slurm_possible()
    if raison:
        pytest.skip(f"SLURM indisponible : {raison}")
    r = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "R": str(r)}
    try:
        monte = subprocess.run(["bash", str(SCRIPTS / "slurm-up.sh")], env=env, capture_output=True, text=True,
                               timeout=90)
        assert monte.returncode == 0, monte.stdout + monte.stderr
        yield {**os.environ, "SLURM_CONF": str(r / "slurm.conf")}
    finally:  # démontage par PID (fichiers PID sous r), quoi qu'il arrive
        subprocess.run(["bash", str(SCRIPTS / "slurm-down.sh")], env=env, capture_output=True, timeout=60)


def _jobs_en_cours(env) -> list[str]:
    out = subprocess.run(["timeout", "5", "squeue", "-h", "-n", "nonrecours", "-t", "R", "-o", "%i"], env=env,
                         capture_output=True, text=True).stdout
    return sorted(out.split(), key=int)


def _tuer_job(env, job: str) -> list[int]:
    """`kill -9` de tous les processus du job (panne brutale : ni scancel ni signal poli)."""
    out = subprocess.run(["timeout", "5", "scontrol", "listpids", job], env=env, capture_output=True, text=True).stdout
    pids = [int(ligne.split()[0]) for ligne in out.splitlines()[1:] if ligne.split() and ligne.split()[0].isdigit()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


@pytest.mark.lent
def test_balayage_slurm_job_tue_meme_table_qu_en_local(slurm, tmp_path):
    from experiences.balayages import executer_balayage

    debut = time.perf_counter()
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    local = executer_balayage(plan, tmp_path / "local", travailleurs=1, barre=False)
    assert local.complet and local.total == N_RUNS
    sortie = tmp_path / "slurm"
    p = _cli("balayer", str(plan), "--sortie", str(sortie), "--slurm", "--partition", "debug", "--coeurs", "1",
             "--memoire", "900MB", "--duree", "00:10:00", "--travailleurs", "2", "--sans-barre", env=slurm)
    try:
        tue, faits_au_meurtre, limite = None, None, time.monotonic() + 240
        while tue is None and p.poll() is None and time.monotonic() < limite:
            faits = len(list((sortie / "resume").glob("*.parquet"))) if (sortie / "resume").is_dir() else 0
            jobs = _jobs_en_cours(slurm)
            if faits >= 2 and jobs:
                tue, faits_au_meurtre, t_meurtre = jobs[0], faits, time.perf_counter()
                pids = _tuer_job(slurm, tue)
                assert pids, f"aucun processus pour le job {tue}"
            time.sleep(0.2)
        assert tue is not None, "le balayage a fini (ou échoué) avant qu'un job puisse être tué"
        assert faits_au_meurtre < N_RUNS
        sortie_std, erreur = p.communicate(timeout=300)
        print(f"\nfin du balayage {time.perf_counter() - t_meurtre:.1f} s après le kill -9")
    finally:
        if p.poll() is None:  # le coordinateur ne doit pas survivre au test (ses jobs : slurm-down.sh)
            p.kill()
            p.wait()
    assert p.returncode == 0, erreur
    assert tue not in _jobs_en_cours(slurm)
    a = pd.read_parquet(tmp_path / "local" / "resume.parquet")
    b = pd.read_parquet(sortie / "resume.parquet")
    pd.testing.assert_frame_equal(a, b)
    print(f"\nSLURM : job {tue} tué par kill -9 après {faits_au_meurtre}/{N_RUNS} runs ; table identique ; "
          f"local {local.duree_s:.1f} s ; {sortie_std.strip()} ; test {time.perf_counter() - debut:.1f} s")


@pytest.mark.lent
def test_calibration_slurm_journal_et_memes_essais_qu_en_local(slurm, tmp_path):
    """Un essai à la fois (2 travailleurs, 2 réplicats) : l'étude est reproductible, les essais sur SLURM sont
    ceux du local ; l'étude est dans un journal Optuna (JournalFileBackend), pas dans SQLite."""
    from tests.test_calibration import ecrire_plan

    plan = ecrire_plan(tmp_path, '"demarches.bonus_en_ligne" = { min = 0.0, max = 2.5 }', essais=3)
    commun = ["calibrer", str(plan), "--replicats", "2", "--travailleurs", "2", "--sans-ecrire"]
    local = _cli(*commun, "--sortie", str(tmp_path / "local"), env=slurm)
    _, erreur = local.communicate(timeout=300)
    assert local.returncode == 0, erreur
    p = _cli(*commun, "--sortie", str(tmp_path / "slurm"), "--slurm", "--partition", "debug", "--memoire", "900MB",
             "--duree", "00:10:00", env=slurm)
    try:
        _, erreur = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, erreur
    assert (tmp_path / "slurm" / "etude.journal").is_file() and not (tmp_path / "slurm" / "etude.sqlite").exists()
    assert (tmp_path / "slurm" / "journaux_slurm" / "job.sh").is_file()
    a = pd.read_csv(tmp_path / "local" / "essais.csv")
    b = pd.read_csv(tmp_path / "slurm" / "essais.csv")
    assert len(a) == 3
    pd.testing.assert_frame_equal(a, b)
