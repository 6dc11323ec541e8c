"""Écriture d'un dossier de résultats : séries, résumé, provenance, figures — tout ou rien.

Le dossier est d'abord écrit sous un nom temporaire (`.<nom>.partiel`) puis renommé : un dossier de
résultats visible est toujours complet. La provenance dit tout ce qu'il faut pour refaire l'exécution.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from modele.parametres import RACINE, ErreurEntree

PAQUETS = ("nonrecours", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "networkx", "SALib", "dask",
           "distributed", "optuna", "solara")


def versions() -> dict[str, str]:
    """Versions de Python et des paquets utilisés."""
    v = {"python": platform.python_version()}
    for p in PAQUETS:
        try:
            v[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return v


def commit_git() -> dict[str, Any]:
    """Commit git du code et si l'arbre de travail était modifié (ou « inconnu » hors dépôt)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=RACINE, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        sale = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=RACINE,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        return {"commit": sha or "inconnu", "modifie": bool(sale)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "inconnu", "modifie": None}


def provenance(commande: list[str] | None = None, **autres) -> dict[str, Any]:
    """Bloc de provenance commun à toutes les sorties."""
    return {
        "outil": "nonrecours",
        "date_execution": dt.datetime.now().isoformat(timespec="seconds"),
        "commande": commande if commande is not None else sys.argv,
        "versions": versions(),
        "git": commit_git(),
        **autres,
    }


def dossier_par_defaut(nom: str) -> Path:
    """resultats/<AAAAMMJJ-HHMMSS>_<nom>/ à la racine du projet."""
    horodatage = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RACINE / "resultats" / f"{horodatage}_{nom}"


class DossierAtomique:
    """Contexte : écrit dans un dossier temporaire voisin, renommé en `cible` seulement en cas de succès."""

    def __init__(self, cible: str | Path, ecraser: bool = False):
        self.cible = Path(cible)
        if self.cible.exists() and any(self.cible.iterdir()) and not ecraser:
            raise ErreurEntree("Le dossier de sortie existe déjà et n'est pas vide.", cle="--sortie",
                               valeur=str(self.cible), attendu="un dossier nouveau ou vide")
        self.tmp = self.cible.parent / f".{self.cible.name}.partiel"

    def __enter__(self) -> Path:
        try:
            self.cible.parent.mkdir(parents=True, exist_ok=True)
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            self.tmp.mkdir()
        except OSError as exc:
            raise ErreurEntree(f"Impossible de créer le dossier de sortie ({exc.strerror}).", cle="--sortie",
                               valeur=str(self.cible), attendu="un dossier accessible en écriture") from None
        return self.tmp

    def __exit__(self, typ, val, tb):
        if typ is None:
            if self.cible.exists():
                shutil.rmtree(self.cible)
            self.tmp.rename(self.cible)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def ecrire_series(dossier: Path, series: pd.DataFrame, csv: bool = False) -> None:
    """series.parquet (format long) ; avec `csv`, aussi une copie series.csv (dix fois plus grosse)."""
    series.to_parquet(dossier / "series.parquet", index=False)
    if csv:
        series.to_csv(dossier / "series.csv", index=False)


def ecrire_json(chemin: Path, donnees: dict) -> None:
    """JSON lisible (UTF-8, indenté)."""
    chemin.write_text(json.dumps(donnees, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
