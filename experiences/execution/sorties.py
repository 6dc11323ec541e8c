"""Écriture d'un dossier de résultats : séries, résumé, provenance, figures — tout ou rien.

Le dossier de sortie est vérifié et verrouillé avant de simuler (`DossierAtomique`), écrit sous un nom
temporaire unique (`.<nom>.partiel-<pid>-<hasard>`) puis renommé : un dossier de résultats visible est toujours
complet, deux exécutions n'écrivent jamais le même dossier, et les restes d'une exécution tuée sont effacés
(et signalés) par la suivante. La provenance dit tout ce qu'il faut pour refaire l'exécution.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import weakref
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from modele.entrees import nom_de_dossier
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
    """resultats/<AAAAMMJJ-HHMMSS>_<nom>/ à la racine du projet ; `nom` réduit à un seul composant de chemin.

    Si ce dossier existe déjà (deux exécutions dans la même seconde), un suffixe -2, -3… le rend unique.
    """
    horodatage = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = RACINE / "resultats" / f"{horodatage}_{nom_de_dossier(nom)}"
    cible, k = base, 1
    while cible.exists() or chemin_verrou(cible).exists():
        k += 1
        cible = base.with_name(f"{base.name}-{k}")
    return cible


def chemin_verrou(cible: Path) -> Path:
    """Fichier de verrou d'un dossier de sortie : `.<nom>.verrou`, à côté de lui."""
    return cible.parent / f".{cible.name}.verrou"


def verifier_sortie(cible: Path, cle: str = "--sortie", vide_exige: bool = True) -> None:
    """Refuse, avant de rien simuler, un dossier de sortie inutilisable.

    Permis : un chemin libre (absent) ou un dossier vide ; refusés : un lien symbolique, un fichier (ou
    `/dev/null`), un dossier non vide, un parent qui n'est pas un dossier ou pas inscriptible.
    """
    if cible.is_symlink():
        raise ErreurEntree("Le dossier de sortie est un lien symbolique.", cle=cle, valeur=str(cible),
                           attendu="un chemin de dossier réel (les résultats resteraient ailleurs que prévu)")
    if cible.exists():
        if not cible.is_dir():
            raise ErreurEntree("Le chemin de sortie existe et n'est pas un dossier.", cle=cle, valeur=str(cible),
                               attendu="un dossier nouveau ou vide")
        if vide_exige and any(cible.iterdir()):
            raise ErreurEntree("Le dossier de sortie existe déjà et n'est pas vide.", cle=cle, valeur=str(cible),
                               attendu="un dossier nouveau ou vide")
    ancetre = cible.parent
    while not ancetre.exists() and ancetre != ancetre.parent:
        ancetre = ancetre.parent
    if not ancetre.is_dir() or not os.access(ancetre, os.W_OK | os.X_OK):
        raise ErreurEntree("Dossier de sortie impossible à créer (parent absent, pas un dossier ou en lecture "
                           "seule).", cle=cle, valeur=str(cible), attendu="un dossier inscriptible")


class Verrou:
    """Verrou exclusif (`flock`) d'un dossier de sortie, tenu du début à la fin d'une exécution.

    Le noyau le relâche si le processus meurt (même `kill -9`) : un verrou abandonné ne bloque jamais.
    Deux exécutions qui visent le même dossier : la seconde est refusée (code 2) avant de simuler.
    """

    def __init__(self, cible: Path, cle: str = "--sortie"):
        self.cible, self.cle = cible, cle
        self.chemin = chemin_verrou(cible)
        self.fichier = None

    def prendre(self) -> list[Path]:
        """Prend le verrou ; rend les restes d'exécutions interrompues trouvés (et effacés)."""
        import fcntl

        while True:
            try:
                f = open(self.chemin, "a+")
            except OSError as exc:
                raise ErreurEntree(f"Dossier de sortie impossible à créer ({exc.strerror}).", cle=self.cle,
                                   valeur=str(self.cible), attendu="un dossier inscriptible") from None
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                raise ErreurEntree("Une autre exécution écrit déjà dans ce dossier de sortie.", cle=self.cle,
                                   valeur=str(self.cible),
                                   attendu="un autre dossier, ou attendre la fin de l'autre exécution") from None
            try:  # le fichier de verrou a pu être effacé par son détenteur entre open et flock : recommencer
                if os.fstat(f.fileno()).st_ino == os.stat(self.chemin).st_ino:
                    break
            except FileNotFoundError:
                pass
            f.close()
        self.fichier = f
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        restes = sorted(self.cible.parent.glob(f".{self.cible.name}.partiel*"))
        for r in restes:  # verrou libre : ces dossiers viennent d'exécutions mortes
            shutil.rmtree(r, ignore_errors=True)
        return restes

    def rendre(self) -> None:
        """Relâche le verrou et efface son fichier."""
        if self.fichier is None:
            return
        try:
            self.chemin.unlink(missing_ok=True)
        finally:
            self.fichier.close()
            self.fichier = None


def _liberer(verrou: Verrou, tmp: Path) -> None:
    if verrou.fichier is not None:
        shutil.rmtree(tmp, ignore_errors=True)
        verrou.rendre()


class DossierAtomique:
    """Dossier de résultats écrit tout ou rien, vérifié et verrouillé dès sa création (avant de simuler).

    `DossierAtomique(cible)` vérifie la sortie (`verifier_sortie`), prend le verrou et efface (en le disant) les
    restes d'exécutions tuées ; `with atom as tmp:` écrit dans un dossier caché au nom unique
    (`.<nom>.partiel-<pid>-<hasard>`), renommé en `cible` en cas de succès. Si ce renommage échoue, les
    résultats finis sont renommés sous un nom visible voisin, jamais laissés cachés. Le verrou est rendu à la
    sortie du bloc `with`, à `liberer()` ou à la fin du processus.
    """

    def __init__(self, cible: str | Path, ecraser: bool = False, cle: str = "--sortie"):
        self.cible = Path(cible)
        self.ecraser = ecraser  # un dossier non vide est permis : remplacé seulement en cas de succès
        verifier_sortie(self.cible, cle, vide_exige=not ecraser)
        self.crees = [p for p in (self.cible.parent, *self.cible.parent.parents) if not p.exists()]
        try:
            self.cible.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ErreurEntree(f"Dossier de sortie impossible à créer ({exc.strerror}).", cle=cle,
                               valeur=str(self.cible), attendu="un dossier inscriptible") from None
        self.verrou = Verrou(self.cible, cle)
        try:
            restes = self.verrou.prendre()
        except ErreurEntree:
            self._effacer_parents_crees()
            raise
        for r in restes:
            sys.stderr.write(f"Restes d'une exécution interrompue effacés : {r}\n")
        self.tmp = self.cible.parent / f".{self.cible.name}.partiel-{os.getpid()}-{secrets.token_hex(4)}"
        # Rendu aussi si l'appelant échoue avant le bloc `with` (objet ramassé, ou fin du processus).
        weakref.finalize(self, _liberer, self.verrou, self.tmp)

    def _effacer_parents_crees(self) -> None:
        for p in self.crees:  # du plus profond au plus haut ; seulement s'ils sont restés vides
            try:
                p.rmdir()
            except OSError:
                break

    def liberer(self, succes: bool = False) -> None:
        """Rend le verrou ; après un échec, efface le dossier temporaire et les parents créés restés vides."""
        if self.verrou.fichier is None:
            return
        if not succes:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.verrou.rendre()
        if not succes:
            self._effacer_parents_crees()

    def __enter__(self) -> Path:
        try:
            self.tmp.mkdir()
        except OSError as exc:
            self.liberer()
            raise ErreurEntree(f"Impossible de créer le dossier de sortie ({exc.strerror}).", cle="--sortie",
                               valeur=str(self.cible), attendu="un dossier accessible en écriture") from None
        return self.tmp

    def __exit__(self, typ, val, tb):
        if typ is not None:
            self.liberer()
            return False
        try:
            if self.ecraser and self.cible.is_dir() and any(self.cible.iterdir()):
                shutil.rmtree(self.cible)
            try:
                os.rename(self.tmp, self.cible)  # remplace un dossier vide, échoue sur un dossier non vide
            except OSError:
                visible = self.cible.with_name(f"{self.cible.name}-{os.getpid()}")
                os.rename(self.tmp, visible)
                raise ErreurInterne(f"Le dossier de sortie {self.cible} a été rempli par un autre programme "
                                    f"pendant l'exécution : résultats écrits dans {visible}.") from None
        except OSError:
            self.liberer()
            raise
        self.liberer(succes=True)
        return False


class ErreurInterne(Exception):
    """Erreur d'exécution qui n'est pas une entrée invalide (disque, renommage…) : message français, code 1."""


def ecrire_series(dossier: Path, series: pd.DataFrame, csv: bool = False) -> None:
    """series.parquet (format long) ; avec `csv`, aussi une copie series.csv (dix fois plus grosse)."""
    series.to_parquet(dossier / "series.parquet", index=False)
    if csv:
        series.to_csv(dossier / "series.csv", index=False)


def ecrire_json(chemin: Path, donnees: dict) -> None:
    """JSON lisible (UTF-8, indenté)."""
    chemin.write_text(json.dumps(donnees, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
