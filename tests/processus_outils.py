"""Outils des tests de panne : processus vivant (pas zombie) et enfants directs d'un processus (Linux)."""

from __future__ import annotations

import subprocess


def vivant(pid: int) -> bool:
    """Vrai si le processus existe et n'est pas un zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def enfants(pid: int) -> list[int]:
    """Identifiants des enfants directs de `pid`."""
    sortie = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.split()
    return [int(p) for p, pp in zip(sortie[::2], sortie[1::2]) if int(pp) == pid]
