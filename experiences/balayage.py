"""Moteur de balayage reprenable : runs indépendants, stockage Parquet run par run, exécuteurs.

Un balayage est la liste des runs (point du plan x réplicat) d'un :class:`PlanBalayage`. Chaque run a
une graine dérivée de (empreinte du plan, point, réplicat) : la table finale ne dépend ni du nombre de
travailleurs, ni de l'ordre d'exécution, ni de l'exécuteur (pool de processus local ou Dask).

Stockage (dossier ``DIR``) ::

    DIR/manifeste.json        en-tête : empreinte et contenu du plan, nombre de runs, versions
    DIR/plan.toml             copie du plan
    DIR/points.parquet        les points du plan (une ligne par point)
    DIR/resume/<run>.parquet  une ligne par run terminé (écrit en dernier : il vaut marque de fin)
    DIR/series/<run>.parquet  séries filtrées du run
    DIR/echecs/<run>.json     erreur d'un run échoué (effacé si une reprise le réussit)
    DIR/journal.jsonl         journal des événements (informatif)
    DIR/resume.parquet, DIR/resume.csv, DIR/series.parquet, DIR/echecs.csv, DIR/bilan.json
                              tables assemblées à la fin (réécrites à chaque reprise)

Chaque fichier est écrit sous un nom temporaire caché puis renommé (``os.replace``, atomique) : un
arrêt brutal (même ``kill -9``) ne laisse jamais un fichier à moitié écrit sous un nom définitif, et les
restes temporaires sont effacés à la reprise. Un run est terminé si et seulement si son fichier
``resume/<run>.parquet`` existe et se lit.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import io
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiences.plan_balayage import (
    FONCTION_RUN_DEFAUT,
    ErreurEntree,
    PlanBalayage,
    calculer_empreinte,
    echantillonner,
    graine_run,
    importer_objet,
    lire_plan,
)

FORMAT_STOCKAGE = "nonrecours-balayage/1"
DELAI_CONNEXION_DASK = "30s"  # attente maximale de l'ordonnanceur donné par --dask ADRESSE

SCHEMA_SERIES = pa.schema(
    [
        ("run", pa.string()),
        ("point", pa.int64()),
        ("scenario", pa.string()),
        ("replicat", pa.int64()),
        ("graine", pa.int64()),
        ("date", pa.string()),
        ("indicateur", pa.string()),
        ("prestation", pa.string()),
        ("groupe", pa.string()),
        ("valeur", pa.float64()),
    ]
)
# Clés du résumé d'un run qui ne vont pas dans la table : elles varient d'une exécution à l'autre
# (durée) et casseraient l'égalité des tables entre exécuteurs ; la durée est dans journal.jsonl.
CLES_RESUME_EXCLUES = ("duree_s",)
COLONNES_SERIES_MODELE = [
    "scenario",
    "replicat",
    "graine",
    "date",
    "indicateur",
    "prestation",
    "groupe",
    "valeur",
]


class ErreurBalayage(Exception):
    """Le balayage n'a pas pu produire ce qu'il faut (runs en échec, pool cassé) : message français, code 1."""


@dataclass(frozen=True)
class SpecRun:
    """Description d'un run (repli local, identique à ``experiences.execution.SpecRun``)."""

    scenario: str
    graine: int
    menages: int
    debut: str
    fin: str
    surcharges: dict
    replicat: int = 0


@dataclass(frozen=True)
class Tache:
    """Ce qu'un travailleur reçoit pour exécuter un run (petit et sérialisable)."""

    run: str
    point: int
    replicat: int
    graine: int
    scenario: str
    scenario_execution: str
    menages: int
    debut: str
    fin: str
    surcharges: dict
    valeurs: dict
    types_valeurs: dict
    fonction_run: str
    series: dict


@dataclass
class Bilan:
    """Bilan d'un balayage (aussi écrit dans ``DIR/bilan.json``)."""

    dossier: Path
    total: int
    deja_faits: int
    executes: int
    reussis: int
    echecs: list[str] = field(default_factory=list)
    duree_s: float = 0.0

    @property
    def complet(self) -> bool:
        """Vrai si tous les runs du plan sont terminés sans échec."""
        return not self.echecs and self.deja_faits + self.reussis == self.total


# ----------------------------------------------------------------------------------- côté travailleur
@functools.lru_cache(maxsize=8)
def _fonction(chemin: str):
    return importer_objet(chemin)


def _types_arrow(types_valeurs: dict) -> dict[str, pa.DataType]:
    return {cle: pa.type_for_alias(t) for cle, t in types_valeurs.items()}


def _table_resume(tache: Tache, resume: Any) -> pa.Table:
    if not isinstance(resume, dict):
        raise TypeError(f"le résumé du run doit être un dict (reçu : {type(resume).__name__})")
    colonnes: dict[str, pa.Array] = {
        "run": pa.array([tache.run], pa.string()),
        "point": pa.array([tache.point], pa.int64()),
        "replicat": pa.array([tache.replicat], pa.int64()),
        "graine": pa.array([tache.graine], pa.int64()),
        "scenario": pa.array([tache.scenario], pa.string()),
    }
    for cle, type_ in _types_arrow(tache.types_valeurs).items():
        colonnes[cle] = pa.array([tache.valeurs[cle]], type_)
    for cle, valeur in resume.items():
        if cle in colonnes or cle in CLES_RESUME_EXCLUES:
            continue  # les colonnes du balayage (run, point, réplicat, graine, scénario) priment
        if valeur is None or isinstance(valeur, (bool, int, float, np.number, np.bool_)):
            colonnes[cle] = pa.array([np.nan if valeur is None else float(valeur)], pa.float64())
        elif isinstance(valeur, str):
            colonnes[cle] = pa.array([valeur], pa.string())
        else:
            raise TypeError(f"valeur de résumé non scalaire pour « {cle} » : {type(valeur).__name__}")
    return pa.table(colonnes)


def _table_series(tache: Tache, series: Any) -> pa.Table:
    if not isinstance(series, pd.DataFrame):
        raise TypeError(f"la série du run doit être un pandas.DataFrame (reçu : {type(series).__name__})")
    manquantes = [c for c in COLONNES_SERIES_MODELE if c not in series.columns]
    if manquantes:
        raise ValueError(f"colonnes absentes de la série du run : {', '.join(manquantes)}")
    df = series[COLONNES_SERIES_MODELE].copy()
    if pd.api.types.is_datetime64_any_dtype(df["date"]):
        df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    else:
        df["date"] = df["date"].astype(str)
    filtre = tache.series
    if filtre["indicateurs"]:
        df = df[df["indicateur"].isin(filtre["indicateurs"])]
    if filtre["dates"] and len(df):
        prefixes = [p for p in filtre["dates"] if p != "fin"]
        garder = np.zeros(len(df), dtype=bool)
        if prefixes:
            garder |= df["date"].str.startswith(tuple(prefixes)).to_numpy()
        if "fin" in filtre["dates"]:
            garder |= (df["date"] == df["date"].max()).to_numpy()
        df = df[garder]
    df.insert(0, "point", tache.point)
    df.insert(0, "run", tache.run)
    for col in ("scenario", "indicateur", "prestation", "groupe"):
        df[col] = df[col].astype("string")
    df["valeur"] = pd.to_numeric(df["valeur"], errors="raise").astype("float64")
    return pa.Table.from_pandas(df, schema=SCHEMA_SERIES, preserve_index=False)


def _en_octets(table: pa.Table, compression: str) -> bytes:
    tampon = io.BytesIO()
    pq.write_table(table, tampon, compression=compression)
    return tampon.getvalue()


def executer_tache(tache: Tache) -> dict:
    """Exécute un run dans un travailleur et renvoie ses tables déjà encodées en Parquet.

    Toute exception du modèle est capturée : le run est alors rendu en échec avec son erreur.
    """
    debut = time.perf_counter()
    try:
        fonction = _fonction(tache.fonction_run)
        classe_spec = getattr(sys.modules.get(fonction.__module__), "SpecRun", SpecRun)
        spec = classe_spec(
            scenario=tache.scenario_execution,
            graine=tache.graine,
            menages=tache.menages,
            debut=tache.debut,
            fin=tache.fin,
            surcharges=dict(tache.surcharges),
            replicat=tache.replicat,
        )
        resultat = fonction(spec)
        resume = _en_octets(_table_resume(tache, resultat.resume), "none")
        series = _en_octets(_table_series(tache, resultat.series), "snappy") if tache.series["conserver"] else None
        return {
            "run": tache.run,
            "ok": True,
            "resume": resume,
            "series": series,
            "duree_s": time.perf_counter() - debut,
        }
    except Exception as exc:  # noqa: BLE001 - un run en échec ne doit pas arrêter le balayage
        return {
            "run": tache.run,
            "ok": False,
            "erreur": f"{type(exc).__name__}: {exc}",
            "trace": traceback.format_exc(),
            "duree_s": time.perf_counter() - debut,
        }


# ------------------------------------------------------------------------------------------ stockage
def _ecrire_atomique(chemin: Path, donnees: bytes) -> None:
    temporaire = chemin.with_name(f".{chemin.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with open(temporaire, "wb") as f:
        f.write(donnees)
    os.replace(temporaire, chemin)


def _json(objet: Any) -> bytes:
    return (json.dumps(objet, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def _versions() -> dict:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for paquet in ("numpy", "pandas", "pyarrow", "SALib", "distributed", "mesa"):
        try:
            versions[paquet] = metadata.version(paquet)
        except metadata.PackageNotFoundError:
            pass
    return versions


class Stockage:
    """Le dossier d'un balayage (voir la docstring du module pour sa structure)."""

    def __init__(self, dossier: str | Path):
        self.dossier = Path(dossier)
        self.resume = self.dossier / "resume"
        self.series = self.dossier / "series"
        self.echecs = self.dossier / "echecs"
        self.manifeste = self.dossier / "manifeste.json"
        self.points = self.dossier / "points.parquet"
        self.journal = self.dossier / "journal.jsonl"

    # -- ouverture
    @contextlib.contextmanager
    def verrou(self) -> Iterator[None]:
        """Verrou exclusif sur le dossier (deux balayages ne peuvent pas écrire au même endroit)."""
        if self.dossier.exists() and not self.dossier.is_dir():
            raise ErreurEntree(f"--sortie {self.dossier} : ce chemin existe et n'est pas un dossier.")
        self.dossier.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows : pas de verrou
            yield
            return
        with open(self.dossier / ".verrou", "w") as fichier:
            try:
                fcntl.flock(fichier, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ErreurEntree(
                    f"--sortie {self.dossier} : un autre balayage utilise déjà ce dossier (verrou actif). "
                    f"Attendez sa fin ou choisissez un autre dossier."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fichier, fcntl.LOCK_UN)

    def ouvrir(self, plan: PlanBalayage, texte_plan: str | None) -> pd.DataFrame:
        """Crée le dossier ou vérifie qu'il appartient à ce plan ; renvoie les points du plan."""
        if self.dossier.exists() and not self.dossier.is_dir():
            raise ErreurEntree(f"--sortie {self.dossier} : ce chemin existe et n'est pas un dossier.")
        if self.manifeste.exists():
            try:
                manifeste = json.loads(self.manifeste.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ErreurEntree(f"{self.manifeste} : manifeste illisible ({exc}).") from None
            if manifeste.get("empreinte") != plan.empreinte:
                raise ErreurEntree(
                    f"--sortie {self.dossier} : ce dossier contient un balayage d'un autre plan "
                    f"(« {manifeste.get('nom', '?')} », empreinte {str(manifeste.get('empreinte'))[:12]}…) ; "
                    f"le plan {plan.fichier} (« {plan.nom} », empreinte {plan.empreinte[:12]}…) "
                    f"est différent. "
                    f"Reprendre n'est permis qu'avec le même plan : choisissez un autre dossier de sortie "
                    f"ou remettez le plan d'origine (copie dans {self.dossier / 'plan.toml'})."
                )
        else:
            visibles = (
                [p for p in self.dossier.iterdir() if not p.name.startswith(".")] if self.dossier.exists() else []
            )
            if visibles:
                raise ErreurEntree(
                    f"--sortie {self.dossier} : le dossier existe, n'est pas vide et n'a pas de manifeste de "
                    f"balayage ({visibles[0].name}, …). Choisissez un dossier neuf ou vide."
                )
            self.dossier.mkdir(parents=True, exist_ok=True)
            entete = {
                "format": FORMAT_STOCKAGE,
                "nom": plan.nom,
                "empreinte": plan.empreinte,
                "fichier_plan": plan.fichier,
                "plan": plan.contenu_normalise(),
                "cree_le": dt.datetime.now().isoformat(timespec="seconds"),
                "versions": _versions(),
                "commande": sys.argv,
            }
            _ecrire_atomique(self.manifeste, _json(entete))
        for sous in (self.resume, self.series, self.echecs):
            sous.mkdir(exist_ok=True)
        if texte_plan is not None and not (self.dossier / "plan.toml").exists():
            _ecrire_atomique(self.dossier / "plan.toml", texte_plan.encode("utf-8"))
        if self.points.exists():
            points = pd.read_parquet(self.points)
        else:
            points = echantillonner(plan)
            tampon = io.BytesIO()
            points.to_parquet(tampon, index=False)
            _ecrire_atomique(self.points, tampon.getvalue())
        manifeste = json.loads(self.manifeste.read_text(encoding="utf-8"))
        if manifeste.get("nombre_points") is None:
            manifeste["nombre_points"] = len(points)
            manifeste["nombre_runs"] = len(points) * plan.replicats
            _ecrire_atomique(self.manifeste, _json(manifeste))
        return points

    # -- reprise
    def nettoyer(self) -> None:
        """Efface les restes d'un arrêt brutal : temporaires, séries sans résumé, fichiers illisibles."""
        for sous in (self.dossier, self.resume, self.series, self.echecs):
            for chemin in sous.glob(".*.tmp-*"):
                chemin.unlink(missing_ok=True)
        for chemin in self.resume.glob("*.parquet"):
            try:
                pq.read_metadata(chemin)
            except (OSError, pa.ArrowException):
                chemin.unlink(missing_ok=True)
        termines = self.termines()
        for chemin in self.series.glob("*.parquet"):
            if chemin.stem not in termines:
                chemin.unlink(missing_ok=True)
                continue
            try:
                pq.read_metadata(chemin)
            except (OSError, pa.ArrowException):
                chemin.unlink(missing_ok=True)
                (self.resume / chemin.name).unlink(missing_ok=True)

    def termines(self) -> set[str]:
        """Identifiants des runs terminés (présence de ``resume/<run>.parquet``)."""
        return {p.stem for p in self.resume.glob("*.parquet") if not p.name.startswith(".")}

    # -- écriture d'un run
    def enregistrer(self, resultat: dict) -> None:
        """Écrit le résultat d'un run : séries d'abord, résumé ensuite (il vaut marque de fin)."""
        run = resultat["run"]
        if resultat["ok"]:
            if resultat.get("series") is not None:
                _ecrire_atomique(self.series / f"{run}.parquet", resultat["series"])
            _ecrire_atomique(self.resume / f"{run}.parquet", resultat["resume"])
            (self.echecs / f"{run}.json").unlink(missing_ok=True)
        else:
            infos = {k: resultat.get(k) for k in ("run", "erreur", "trace", "duree_s")}
            infos["horodatage"] = dt.datetime.now().isoformat(timespec="seconds")
            _ecrire_atomique(self.echecs / f"{run}.json", _json(infos))
        ligne = {
            "run": run,
            "statut": "ok" if resultat["ok"] else "echec",
            "duree_s": round(resultat.get("duree_s", 0.0), 4),
            "horodatage": dt.datetime.now().isoformat(timespec="seconds"),
        }
        if not resultat["ok"]:
            ligne["erreur"] = resultat.get("erreur")
        with open(self.journal, "a", encoding="utf-8") as f:
            f.write(json.dumps(ligne, ensure_ascii=False) + "\n")

    # -- assemblage
    def assembler(self) -> dict[str, Path]:
        """Assemble ``resume.parquet``/``resume.csv``, ``series.parquet`` et ``echecs.csv``.

        Les runs sont pris dans l'ordre (point, réplicat) ; les séries sont recopiées par lots, sans
        jamais tenir toute la table en mémoire.
        """
        chemins: dict[str, Path] = {}
        runs = sorted(self.termines(), key=cle_run)
        fichiers_resume = [self.resume / f"{r}.parquet" for r in runs]
        if fichiers_resume:
            import pyarrow.dataset as ds

            schema = pa.unify_schemas([pq.read_schema(f) for f in fichiers_resume], promote_options="permissive")
            table = ds.dataset(fichiers_resume, format="parquet", schema=schema).to_table()
            table = table.sort_by([("point", "ascending"), ("replicat", "ascending")])
            tampon = io.BytesIO()
            pq.write_table(table, tampon)
            _ecrire_atomique(self.dossier / "resume.parquet", tampon.getvalue())
            _ecrire_atomique(self.dossier / "resume.csv", table.to_pandas().to_csv(index=False).encode("utf-8"))
            chemins["resume"] = self.dossier / "resume.parquet"
        fichiers_series = [self.series / f"{r}.parquet" for r in runs if (self.series / f"{r}.parquet").exists()]
        if fichiers_series:
            final = self.dossier / "series.parquet"
            temporaire = final.with_name(f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            tampon_lots: list[pa.RecordBatch] = []
            lignes = 0
            with pq.ParquetWriter(temporaire, SCHEMA_SERIES, compression="zstd") as ecrivain:
                for fichier in fichiers_series:
                    for lot in pq.ParquetFile(fichier).iter_batches(batch_size=65536):
                        tampon_lots.append(lot)
                        lignes += lot.num_rows
                        if lignes >= 262144:
                            ecrivain.write_table(pa.Table.from_batches(tampon_lots, SCHEMA_SERIES))
                            tampon_lots, lignes = [], 0
                if tampon_lots:
                    ecrivain.write_table(pa.Table.from_batches(tampon_lots, SCHEMA_SERIES))
            os.replace(temporaire, final)
            chemins["series"] = final
        echecs = []
        for chemin in sorted(self.echecs.glob("*.json")):
            try:
                infos = json.loads(chemin.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            echecs.append(
                {
                    "run": infos.get("run", chemin.stem),
                    "erreur": infos.get("erreur"),
                    "horodatage": infos.get("horodatage"),
                }
            )
        chemin_echecs = self.dossier / "echecs.csv"
        if echecs:
            _ecrire_atomique(chemin_echecs, pd.DataFrame(echecs).to_csv(index=False).encode("utf-8"))
            chemins["echecs"] = chemin_echecs
        else:
            chemin_echecs.unlink(missing_ok=True)
        return chemins


# ----------------------------------------------------------------------------------------- exécution
def identifiant_run(point: int, replicat: int) -> str:
    """Identifiant d'un run : ``p000012_r001`` (point 12, réplicat 1)."""
    return f"p{point:06d}_r{replicat:03d}"


def cle_run(run: str) -> tuple[int, int]:
    """(point, réplicat) d'un identifiant de run, pour trier dans l'ordre du plan quelle que soit sa taille."""
    point, replicat = run[1:].split("_r")
    return int(point), int(replicat)


def _type_colonne(serie: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(serie):
        return "bool"
    if pd.api.types.is_integer_dtype(serie):
        return "int64"
    if pd.api.types.is_float_dtype(serie):
        return "float64"
    return "string"


def taches(plan: PlanBalayage, points: pd.DataFrame, deja: set[str] = frozenset()) -> Iterator[Tache]:
    """Les tâches des runs du plan qui ne sont pas dans ``deja``, dans l'ordre (point, réplicat)."""
    cles = plan.cles
    types_valeurs = {cle: _type_colonne(points[cle]) for cle in cles}
    for debut in range(0, len(points), 10_000):  # par tranches : pas de liste géante en mémoire
        for ligne in points.iloc[debut : debut + 10_000].to_dict("records"):
            point = int(ligne["point"])
            valeurs = {cle: ligne[cle] for cle in cles}
            valeurs = {k: (v.item() if hasattr(v, "item") else v) for k, v in valeurs.items()}
            for replicat in range(plan.replicats):
                run = identifiant_run(point, replicat)
                if run in deja:
                    continue
                yield Tache(
                    run=run,
                    point=point,
                    replicat=replicat,
                    graine=graine_run(plan.empreinte, point, replicat, plan.graines_communes),
                    scenario=plan.scenario,
                    scenario_execution=plan.scenario_execution,
                    menages=plan.menages,
                    debut=plan.debut,
                    fin=plan.fin,
                    surcharges={**plan.fixes, **valeurs},
                    valeurs=valeurs,
                    types_valeurs=types_valeurs,
                    fonction_run=plan.fonction_run,
                    series=plan.series,
                )


def _resultat_perdu(tache: Tache, exc: BaseException, coupable: bool = False) -> dict:
    if coupable:
        cause = "le processus de travail meurt pendant ce run (mémoire épuisée, signal, sortie brutale du modèle ?)"
    else:
        cause = "le travailleur s'est arrêté pendant le run"
    return {
        "run": tache.run,
        "ok": False,
        "erreur": f"{type(exc).__name__}: {exc} ({cause})",
        "trace": "".join(traceback.format_exception(exc)),
        "duree_s": 0.0,
    }


def _executer_avec(
    executeur: cf.Executor,
    iterateur: Iterator[Tache],
    fenetre: int,
    reportees: list[Tache] | None = None,
    avec_tache: bool = False,
) -> Iterator:
    """Soumet au plus ``fenetre`` tâches à la fois et rend les résultats dans l'ordre d'achèvement.

    Si l'exécuteur refuse une soumission (pool cassé), la tâche est rangée dans ``reportees`` et la
    soumission s'arrête ; les tâches en cours sont alors rendues (en échec si elles sont perdues).
    """
    en_cours: dict[cf.Future, Tache] = {}
    try:
        for tache in iterateur:
            try:
                futur = executeur.submit(executer_tache, tache)
            except (cf.BrokenExecutor, RuntimeError):
                if reportees is None:
                    raise
                reportees.append(tache)
                break
            en_cours[futur] = tache
            if len(en_cours) >= fenetre:
                faits, _ = cf.wait(en_cours, return_when=cf.FIRST_COMPLETED)
                for futur in faits:
                    tache = en_cours.pop(futur)
                    yield (tache, _resultat_de(futur, tache)) if avec_tache else _resultat_de(futur, tache)
        while en_cours:
            faits, _ = cf.wait(en_cours, return_when=cf.FIRST_COMPLETED)
            for futur in faits:
                tache = en_cours.pop(futur)
                yield (tache, _resultat_de(futur, tache)) if avec_tache else _resultat_de(futur, tache)
    finally:
        for futur in en_cours:
            futur.cancel()


def _resultat_de(futur: cf.Future, tache: Tache) -> dict:
    try:
        return futur.result()
    except Exception as exc:  # noqa: BLE001 - travailleur mort, tâche perdue, etc.
        return _resultat_perdu(tache, exc)


def _surveiller_parent(pid_parent: int) -> None:
    """Dans un travailleur du pool : se terminer si le coordinateur disparaît (``kill -9``), sans orphelin."""
    import threading

    def surveiller() -> None:
        while os.getppid() == pid_parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=surveiller, name="surveillance-coordinateur", daemon=True).start()


def _pool(travailleurs: int) -> cf.ProcessPoolExecutor:
    return cf.ProcessPoolExecutor(
        max_workers=travailleurs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_surveiller_parent,
        initargs=(os.getpid(),),
    )


def _est_perdu(resultat: dict) -> bool:
    return not resultat["ok"] and (resultat.get("erreur") or "").startswith("BrokenProcessPool")


def _isoler(perdues: list[Tache]) -> Iterator[dict]:
    """Rejoue un par un, dans un pool d'un seul travailleur, les runs perdus quand un pool s'est cassé.

    Le run qui tue à nouveau son travailleur est le coupable : lui seul est noté en échec.
    """
    file = list(perdues)
    while file:
        pool = _pool(1)
        try:
            while file:
                tache = file.pop(0)
                try:
                    resultat = pool.submit(executer_tache, tache).result()
                except cf.BrokenExecutor as exc:
                    yield _resultat_perdu(tache, exc, coupable=True)
                    break  # pool neuf pour la suite
                yield resultat
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def _executer_pool(iterateur: Iterator[Tache], travailleurs: int) -> Iterator[dict]:
    """Pool de processus local (contexte ``spawn``).

    Si un travailleur meurt (mémoire épuisée, signal…), le pool est cassé : les runs qu'il avait en cours
    sont rejoués un par un à part (seul celui qui tue encore son travailleur est noté en échec), puis un
    pool neuf reprend les runs restants.
    """
    restants: Iterator[Tache] = iter(iterateur)
    pools_casses_sans_succes = 0
    while True:
        reportees: list[Tache] = []
        perdues: list[Tache] = []
        succes = False
        pool = _pool(travailleurs)
        fin_normale = False
        try:
            for tache, resultat in _executer_avec(pool, restants, 4 * travailleurs, reportees, avec_tache=True):
                if _est_perdu(resultat):
                    perdues.append(tache)
                    continue
                succes = succes or resultat["ok"]
                yield resultat
            fin_normale = True
        finally:
            # interruption (Ctrl-C, fermeture) : ne pas attendre les runs en file d'attente
            pool.shutdown(wait=fin_normale, cancel_futures=not fin_normale)
        if perdues:
            for resultat in _isoler(perdues):
                succes = succes or resultat["ok"]
                yield resultat
        if not (perdues or reportees):
            return
        pools_casses_sans_succes = 0 if succes else pools_casses_sans_succes + 1
        if pools_casses_sans_succes >= 3:
            raise ErreurBalayage(
                "le pool de processus se casse sans exécuter aucun run (3 essais) ; "
                "relancez avec --travailleurs 1 pour voir l'erreur"
            )
        restants = itertools.chain(reportees, restants)


def _executer_dask(iterateur: Iterator[Tache], adresse: str, travailleurs: int | None) -> Iterator[dict]:
    """Exécution sur Dask : ``"local"`` démarre un LocalCluster, sinon connexion à un ordonnanceur."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ErreurEntree(
            '--dask : le paquet dask.distributed n\'est pas installé (pip install "dask[distributed]").'
        ) from None
    cluster = None
    try:
        if adresse == "local":
            cluster = LocalCluster(
                n_workers=travailleurs or coeurs_disponibles(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
        else:
            try:
                client = Client(adresse, timeout=DELAI_CONNEXION_DASK)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ErreurEntree(
                    f"--dask {adresse} : connexion impossible à l'ordonnanceur Dask ({exc}). "
                    f'Attendu : "local" ou une adresse "tcp://hôte:port" joignable.'
                ) from None
        with client:
            fils = sum(client.nthreads().values()) or 1
            executeur = client.get_executor(pure=False)
            yield from _executer_avec(executeur, iterateur, fenetre=max(8, 4 * fils))
    finally:
        if cluster is not None:
            cluster.close()


def coeurs_disponibles() -> int:
    """Cœurs utilisables par ce processus (affinité, cgroups de SLURM), à défaut ``os.cpu_count()``."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def dossier_par_defaut(plan: PlanBalayage) -> Path:
    """Dossier de sortie par défaut, stable pour un même plan : ``resultats/balayage_<nom>_<empreinte8>``."""
    return Path("resultats") / f"balayage_{plan.nom}_{plan.empreinte[:8]}"


def verifier_scenario(plan: PlanBalayage) -> None:
    """Avec le vrai modèle, charge le scénario une fois avant de lancer les runs (erreur claire, code 2)."""
    if plan.fonction_run != FONCTION_RUN_DEFAUT:
        return
    from modele.scenarios import charger_scenario

    try:
        charger_scenario(plan.scenario_execution)
    except ErreurEntree as exc:
        message = f"{plan.fichier} : clé « scenario » = {plan.scenario!r} : scénario invalide.\n  {exc}"
        raise ErreurEntree(message) from None


def preparer_plan(
    plan: PlanBalayage | str | Path, declarations: Any = None, fonction_run: str | None = None
) -> PlanBalayage:
    """Lit le plan si besoin et applique une éventuelle fonction de run imposée par l'appelant."""
    if not isinstance(plan, PlanBalayage):
        plan = lire_plan(plan, declarations)
    if fonction_run is not None and fonction_run != plan.fonction_run:
        plan = replace(plan, fonction_run=fonction_run)
        plan = replace(plan, empreinte=calculer_empreinte(plan))
    return plan


def executer_balayage(
    plan: PlanBalayage | str | Path,
    sortie: str | Path | None = None,
    *,
    travailleurs: int | None = None,
    dask: str | None = None,
    declarations: Any = None,
    fonction_run: str | None = None,
    barre: bool | None = None,
) -> Bilan:
    """Exécute (ou reprend) le balayage d'un plan et assemble ses tables dans ``sortie``.

    - ``plan`` : chemin du plan TOML ou :class:`PlanBalayage` déjà lu ;
    - ``sortie`` : dossier du stockage (défaut : :func:`dossier_par_defaut`) ;
    - ``travailleurs`` : taille du pool de processus local (défaut : nombre de cœurs ; 1 = séquentiel dans
      le processus courant) ; avec ``dask="local"``, nombre de travailleurs du LocalCluster ;
    - ``dask`` : ``None`` (pool local), ``"local"`` (LocalCluster) ou adresse d'un ordonnanceur ;
    - ``declarations`` : bornes des paramètres ``{clé: (min, max)}`` (défaut : celles du modèle) ;
    - ``fonction_run`` : ``"module:fonction"`` qui remplace celle du plan ;
    - ``barre`` : barre de progression tqdm (défaut : seulement sur un terminal).

    Les runs déjà terminés dans ``sortie`` sont sautés ; les runs en échec sont retentés.
    """
    debut = time.perf_counter()
    plan = preparer_plan(plan, declarations, fonction_run)
    importer_objet(plan.fonction_run, plan.fichier, "fonction_run")  # échoue tôt, avec un message clair
    verifier_scenario(plan)
    if travailleurs is not None and (
        isinstance(travailleurs, bool) or not isinstance(travailleurs, int) or travailleurs < 1
    ):
        raise ErreurEntree(f"--travailleurs {travailleurs!r} : attendu un entier >= 1.")
    stockage = Stockage(sortie if sortie is not None else dossier_par_defaut(plan))
    texte_plan = Path(plan.fichier).read_text(encoding="utf-8") if Path(plan.fichier).is_file() else None
    with stockage.verrou():
        points = stockage.ouvrir(plan, texte_plan)
        stockage.nettoyer()
        deja = stockage.termines()
        total = len(points) * plan.replicats
        reussis, echecs = _boucle(
            plan, stockage, taches(plan, points, deja), total, len(deja), travailleurs, dask, barre
        )
        stockage.assembler()
        bilan = Bilan(
            dossier=stockage.dossier,
            total=total,
            deja_faits=len(deja),
            executes=reussis + len(echecs),
            reussis=reussis,
            echecs=sorted(echecs),
            duree_s=time.perf_counter() - debut,
        )
        infos = {k: (str(v) if isinstance(v, Path) else v) for k, v in bilan.__dict__.items()}
        infos["termine_le"] = dt.datetime.now().isoformat(timespec="seconds")
        _ecrire_atomique(stockage.dossier / "bilan.json", _json(infos))
    return bilan


def _boucle(
    plan: PlanBalayage,
    stockage: Stockage,
    restants: Iterator[Tache],
    total: int,
    deja: int,
    travailleurs: int | None,
    dask: str | None,
    barre: bool | None,
) -> tuple[int, list[str]]:
    if dask is not None:
        flux = _executer_dask(restants, dask, travailleurs)
    elif (travailleurs or coeurs_disponibles()) == 1:
        flux = (executer_tache(t) for t in restants)
    else:
        flux = _executer_pool(restants, travailleurs or coeurs_disponibles())

    from tqdm.auto import tqdm

    reussis, echecs = 0, []
    with tqdm(
        total=total,
        initial=deja,
        desc=f"balayage {plan.nom}",
        unit="run",
        disable=(None if barre is None else not barre),
        dynamic_ncols=True,
        smoothing=0.1,
    ) as progression:
        try:
            for resultat in flux:
                stockage.enregistrer(resultat)
                if resultat["ok"]:
                    reussis += 1
                else:
                    echecs.append(resultat["run"])
                    progression.set_postfix(echecs=len(echecs), refresh=False)
                progression.update(1)
        finally:
            flux.close()
    return reussis, echecs


def lire_resume(sortie: str | Path) -> pd.DataFrame:
    """Table des résumés assemblée (une ligne par run terminé, triée par point puis réplicat)."""
    return pd.read_parquet(Path(sortie) / "resume.parquet")


def lire_series(sortie: str | Path, colonnes: list[str] | None = None, filtre: Any = None) -> pd.DataFrame:
    """Séries assemblées, lues paresseusement avec ``pyarrow.dataset`` (colonnes et filtre optionnels)."""
    import pyarrow.dataset as ds

    return (
        ds.dataset(Path(sortie) / "series.parquet", format="parquet")
        .to_table(columns=colonnes, filter=filtre)
        .to_pandas()
    )


def effacer_stockage(sortie: str | Path) -> None:
    """Efface un dossier de balayage (seulement s'il a un manifeste de balayage)."""
    sortie = Path(sortie)
    if not (sortie / "manifeste.json").exists():
        raise ErreurEntree(f"{sortie} : pas de manifeste de balayage, dossier laissé intact.")
    shutil.rmtree(sortie)
