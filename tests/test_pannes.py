"""Tests de panne (issue 16) : exécutions concurrentes, `kill -9` à chaque phase puis reprise, SIGTERM.

Chaque test dit ce que la panne laisse sur le disque (restes) et vérifie que l'exécution suivante les efface
(en le signalant) ou qu'ils sont inoffensifs. Le disque plein est dans test_fiabilite_cli.py, le SIGTERM de la
page dans test_page_garde.py, le `kill -9` d'un balayage puis sa reprise dans test_balayage.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modele.parametres import RACINE
from tests.processus_outils import enfants, vivant

pytestmark = pytest.mark.lent

LONG = ["--menages", "2000", "--debut", "2014-01", "--fin", "2015-06", "--parametre", "simulation.rodage_semaines=0"]
COURT = ["--menages", "100", "--debut", "2014-01", "--fin", "2014-02", "--parametre", "simulation.rodage_semaines=0"]


def _nonrecours(*args, **options):
    return subprocess.Popen([sys.executable, "-m", "experiences.cli", *map(str, args)], cwd=RACINE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)


def _attendre(condition, delai=120.0, pas=0.005):
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        if condition():
            return True
        time.sleep(pas)
    return False






def _contenu(dossier: Path) -> list[str]:
    return sorted(p.name for p in dossier.iterdir())


def test_deux_simuler_dans_le_meme_dossier(tmp_path):
    """Le second est refusé (code 2) tant que le premier écrit ; le dossier contient les données du premier."""
    sortie = tmp_path / "s"
    premier = _nonrecours("simuler", *LONG[:5], "2016-12", *LONG[6:], "--graine", "1", "--sortie", sortie)
    assert _attendre(lambda: (tmp_path / ".s.verrou").exists() or premier.poll() is not None)
    second = _nonrecours("simuler", *LONG, "--graine", "2", "--sortie", sortie)
    _, err2 = second.communicate(timeout=300)
    _, err1 = premier.communicate(timeout=300)
    assert premier.returncode == 0, err1
    assert second.returncode == 2, err2
    # Selon que le premier écrit encore ou a fini quand le second démarre : verrou pris, ou dossier plein.
    assert ("Une autre exécution écrit déjà dans ce dossier" in err2 or "n'est pas vide" in err2), err2
    assert "Traceback" not in err2
    prov = json.loads((sortie / "provenance.json").read_text(encoding="utf-8"))
    assert prov["graines"] == [1]
    assert _contenu(tmp_path) == ["s"]


def test_verrou_tenu_par_une_autre_execution(tmp_path):
    """Pendant qu'un autre processus tient le verrou du dossier, simuler est refusé avant de simuler."""
    import fcntl

    with open(tmp_path / ".s.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        r = subprocess.run([sys.executable, "-m", "experiences.cli", "simuler", *COURT, "--sortie",
                            str(tmp_path / "s")], cwd=RACINE, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Une autre exécution écrit déjà dans ce dossier" in r.stderr, r.stderr
    assert _contenu(tmp_path) == [".s.verrou"]


@pytest.mark.parametrize("phase", ["simulation", "ecriture"])
def test_kill_9_puis_relance(tmp_path, phase):
    """kill -9 pendant la simulation (verrou pris) ou pendant l'écriture (dossier temporaire) ; puis relance."""
    sortie = tmp_path / "s"
    p = _nonrecours("simuler", *LONG, "--sortie", sortie)
    if phase == "simulation":
        vu = _attendre(lambda: (tmp_path / ".s.verrou").exists())
        time.sleep(0.5)
    else:
        vu = _attendre(lambda: any(x.name.startswith(".s.partiel-") for x in tmp_path.iterdir()), pas=0.002)
    assert vu, p.communicate()[1]
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    restes = _contenu(tmp_path)
    assert not sortie.exists(), "un dossier visible après kill -9 serait incomplet"
    assert ".s.verrou" in restes
    if phase == "ecriture":
        assert any(r.startswith(".s.partiel-") for r in restes)
    print(f"restes après kill -9 ({phase}) : {restes}")
    # Relance : le verrou abandonné ne bloque pas, les restes sont effacés et signalés.
    r = subprocess.run([sys.executable, "-m", "experiences.cli", "simuler", *COURT, "--sortie", str(sortie)],
                       cwd=RACINE, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    if phase == "ecriture":
        assert "Restes d'une exécution interrompue effacés" in r.stderr
    assert _contenu(tmp_path) == ["s"]


@pytest.mark.parametrize("commande, signal_envoye", [
    (["simuler", *COURT[:2], "--replicats", "2"], signal.SIGTERM),
    (["comparer", "reference", "fermeture", "--replicats", "1", *COURT[:2]], signal.SIGKILL),
])
def test_les_travailleurs_meurent_avec_le_parent(tmp_path, commande, signal_envoye):
    """kill -9 ou SIGTERM du parent pendant que ses travailleurs simulent : aucun ne survit."""
    args = [*commande, "--debut", "2014-01", "--fin", "2019-12", "--travailleurs", "2", "--sortie", tmp_path / "s"]
    p = _nonrecours(*args)
    assert _attendre(lambda: len(enfants(p.pid)) >= 2 or p.poll() is not None), p.communicate()[1]
    time.sleep(1.0)
    travailleurs = enfants(p.pid)
    os.kill(p.pid, signal_envoye)
    _, err = p.communicate(timeout=60)
    assert _attendre(lambda: not any(vivant(t) for t in travailleurs), delai=20, pas=0.1), "travailleurs orphelins"
    if signal_envoye == signal.SIGTERM:
        assert p.returncode == 130 and "Interrompu" in err and "Traceback" not in err
        assert _contenu(tmp_path) == []  # verrou rendu, rien d'écrit
    else:
        assert not (tmp_path / "s").exists()
