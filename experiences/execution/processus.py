"""Processus de travail : ils meurent avec leur parent et s'arrêtent tous sur SIGTERM/SIGINT du parent.

- `pool(n)` : `ProcessPoolExecutor` dont chaque travailleur reçoit SIGTERM si le parent meurt (même `kill -9`) :
  `PR_SET_PDEATHSIG` sous Linux, plus un fil qui surveille le parent (ailleurs, ou si le parent change) ;
- `arreter_pool(pool)` : annule ce qui attend et termine les travailleurs (SIGTERM, puis SIGKILL), à appeler
  quand le parent s'arrête (Ctrl+C, SIGTERM, erreur) : `with ProcessPoolExecutor` attendrait la fin des runs.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def mourir_avec_le_parent() -> None:
    """Demander au noyau SIGTERM pour ce processus quand son parent meurt (Linux ; ailleurs, rien)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def surveiller_parent(pid_parent: int) -> None:
    """Initialisation d'un travailleur : mourir avec le parent `pid_parent` (son parent direct : contexte « spawn »)."""
    mourir_avec_le_parent()
    if os.getppid() != pid_parent:  # parent déjà mort entre la création et ici
        os._exit(1)

    def surveiller() -> None:
        while os.getppid() == pid_parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=surveiller, name="surveillance-parent", daemon=True).start()


def contexte_processus() -> multiprocessing.context.BaseContext:
    """Contexte des pools de processus : « spawn ».

    Jamais `fork()` du processus principal, qui a souvent des fils d'exécution (Optuna, tqdm, pyarrow) : Python 3.12
    avertit qu'un tel fork peut se bloquer. Avec « spawn », chaque travailleur est un enfant direct du processus
    principal (il peut donc surveiller son parent et mourir avec lui), au prix d'imports refaits au démarrage.
    """
    return multiprocessing.get_context("spawn")


def pool(travailleurs: int) -> ProcessPoolExecutor:
    """Pool de processus (« spawn ») dont les travailleurs ne survivent pas au processus qui l'a créé."""
    return ProcessPoolExecutor(max_workers=travailleurs, mp_context=contexte_processus(),
                               initializer=surveiller_parent, initargs=(os.getpid(),))


def arreter_pool(p: ProcessPoolExecutor | None, delai: float = 5.0) -> None:
    """Annule les tâches en attente et termine tous les processus enfants de ce processus (travailleurs)."""
    if p is not None:
        p.shutdown(wait=False, cancel_futures=True)
    enfants = multiprocessing.active_children()
    for e in enfants:
        e.terminate()
    limite = time.monotonic() + delai
    for e in enfants:
        e.join(max(0.0, limite - time.monotonic()))
        if e.is_alive():
            e.kill()
            e.join(1.0)
