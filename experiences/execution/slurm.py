"""Travailleurs Dask soumis comme jobs SLURM (`dask_jobqueue.SLURMCluster`, adaptatif) : `--slurm` de la CLI.

Le processus de la commande (`nonrecours balayer --slurm`, `nonrecours calibrer --slurm`) reste le coordinateur :
il démarre l'ordonnanceur Dask chez lui, soumet des jobs SLURM qui démarrent chacun `coeurs` travailleurs d'un fil
(un run par cœur), au plus `travailleurs` en tout ; le nombre de jobs suit la charge (`adapt`) et un job perdu
(tué, nœud tombé, walltime) est remplacé tant qu'il reste des runs. Un run perdu avec son travailleur est refait
ailleurs par Dask : les graines ne dépendent que du plan, la table finale est la même qu'avec un travailleur local.

Ce qu'il faut sur les nœuds : le même Python (`sys.executable` du coordinateur, p. ex. un venv sur un système de
fichiers partagé) avec le projet installé. Voir docs/cluster.md.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from modele.parametres import ErreurEntree

NOM_JOB = "nonrecours"
DELAI_TRAVAILLEUR_PERDU = "5s"  # après quoi un job disparu n'est plus compté (remplacement rapide)


@dataclass(frozen=True)
class OptionsSlurm:
    """Ce que l'on demande à SLURM pour chaque job de travailleurs, et le nombre maximal de travailleurs."""

    partition: str | None = None
    coeurs: int = 1
    memoire: str = "2GB"
    duree: str = "01:00:00"
    travailleurs: int = 4
    compte: str | None = None
    interface: str | None = None
    journaux: str | None = None

    @property
    def jobs_max(self) -> int:
        """Jobs SLURM au plus (chacun porte `coeurs` travailleurs)."""
        return math.ceil(self.travailleurs / self.coeurs)


def valider(options: OptionsSlurm) -> OptionsSlurm:
    """Vérifie les options (message français nommant l'option, la valeur et ce qui est permis)."""
    for nom, v in (("--coeurs", options.coeurs), ("--travailleurs", options.travailleurs)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ErreurEntree("Nombre invalide.", cle=nom, valeur=v, attendu="un entier >= 1")
    if not re.fullmatch(r"(\d+-)?\d{1,3}:\d{2}:\d{2}", str(options.duree)):
        raise ErreurEntree("Durée invalide.", cle="--duree", valeur=options.duree,
                           attendu="HH:MM:SS ou J-HH:MM:SS (durée maximale d'un job SLURM)")
    try:
        from dask.utils import parse_bytes

        octets = parse_bytes(str(options.memoire))
    except (ValueError, ImportError):
        octets = 0
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", str(options.memoire)) or octets <= 0:
        raise ErreurEntree("Mémoire invalide.", cle="--memoire", valeur=options.memoire,
                           attendu="une taille par job, p. ex. 2GB, 500MB, 16GiB")
    return options


def verifier(options: OptionsSlurm) -> OptionsSlurm:
    """Options valides, `sbatch` dans le PATH et dask-jobqueue installé : à appeler avant d'écrire quoi que ce soit."""
    valider(options)
    if shutil.which("sbatch") is None:
        raise ErreurEntree("SLURM introuvable : la commande sbatch n'est pas dans le PATH.", cle="--slurm",
                           attendu="lancer la commande sur un nœud de connexion SLURM (ou sans --slurm)")
    try:
        import dask_jobqueue  # noqa: F401
    except ImportError:
        raise ErreurEntree("--slurm demande les paquets dask[distributed] et dask-jobqueue.", cle="--slurm",
                           attendu="pip install -e '.[experiences]'") from None
    return options


def ajouter_options(parseur: argparse.ArgumentParser) -> None:
    """Options `--slurm` communes à `balayer`, `sensibilite` et `calibrer` (`--travailleurs` est celle de la
    commande : avec `--slurm`, le nombre maximal de travailleurs)."""
    g = parseur.add_argument_group("SLURM (docs/cluster.md)")
    g.add_argument("--slurm", action="store_true",
                   help="soumettre les travailleurs comme jobs SLURM (dask-jobqueue, adaptatif) ; "
                        "--travailleurs K : travailleurs au plus (défaut : 4)")
    g.add_argument("--partition", metavar="P", default=None, help="partition des jobs (défaut : celle du cluster)")
    g.add_argument("--compte", metavar="A", default=None,
                   help="compte SLURM (#SBATCH -A ; défaut : aucun, celui de l'utilisateur)")
    g.add_argument("--coeurs", metavar="C", type=int, default=1,
                   help="cœurs par job = travailleurs d'un fil par job (défaut : 1)")
    g.add_argument("--memoire", metavar="M", default="2GB", help="mémoire par job, p. ex. 16GB (défaut : 2GB)")
    g.add_argument("--duree", metavar="HH:MM:SS", default="01:00:00",
                   help="durée maximale d'un job de travailleurs (défaut : 01:00:00)")
    g.add_argument("--interface", metavar="IF", default=None,
                   help="interface réseau de l'ordonnanceur et des travailleurs, p. ex. ib0 (défaut : celle de Dask)")


def options_depuis(args: argparse.Namespace) -> OptionsSlurm | None:
    """Les options SLURM d'une ligne de commande (None sans --slurm) ; une option SLURM sans --slurm est refusée."""
    if not getattr(args, "slurm", False):
        donnees = {"--partition": args.partition, "--compte": args.compte, "--interface": args.interface}
        seules = [k for k, v in donnees.items() if v is not None]
        seules += [k for k, v, d in (("--coeurs", args.coeurs, 1), ("--memoire", args.memoire, "2GB"),
                                     ("--duree", args.duree, "01:00:00")) if v != d]
        if seules:
            raise ErreurEntree("Option SLURM sans --slurm.", cle=seules[0], attendu="ajouter --slurm, ou retirer "
                               + ", ".join(seules))
        return None
    return verifier(OptionsSlurm(partition=args.partition, compte=args.compte, coeurs=args.coeurs,
                                 memoire=args.memoire, duree=args.duree, interface=args.interface,
                                 travailleurs=args.travailleurs if args.travailleurs is not None else 4))


@contextlib.contextmanager
def grappe(options: OptionsSlurm, journaux: str | Path) -> Iterator[str]:
    """Démarre l'ordonnanceur et les jobs de travailleurs ; rend l'adresse de l'ordonnanceur ; ferme tout à la fin
    (les jobs encore en file ou en cours sont annulés par dask-jobqueue)."""
    verifier(options)
    import dask
    from dask_jobqueue import SLURMCluster
    journaux = Path(options.journaux) if options.journaux else Path(journaux)
    journaux.mkdir(parents=True, exist_ok=True)
    with dask.config.set({"distributed.deploy.lost-worker-timeout": DELAI_TRAVAILLEUR_PERDU}):
        cluster = SLURMCluster(
            queue=options.partition, account=options.compte, cores=options.coeurs, processes=options.coeurs,
            memory=options.memoire, walltime=options.duree, interface=options.interface, python=sys.executable,
            job_name=NOM_JOB, log_directory=str(journaux), scheduler_options={"dashboard_address": None},
        )
        try:
            (journaux / "job.sh").write_text(cluster.job_script(), encoding="utf-8")
            cluster.adapt(minimum=1, maximum=options.travailleurs)
            yield cluster.scheduler_address
        finally:
            cluster.close()
