"""Stockage d'un balayage : un dossier, un fichier Parquet par run, écrit atomiquement, assemblé à la fin.

Stockage (dossier ``DIR``) ::

    DIR/manifeste.json        en-tête : empreintes du plan et de ses points, contenu du plan, nombre de runs
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

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiences.balayages.plans import (
    ErreurEntree,
    PlanBalayage,
    echantillonner,
)

if TYPE_CHECKING:
    from experiences.balayages.executeurs import Tache

FORMAT_STOCKAGE = "nonrecours-balayage/1"

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


def types_arrow(types_valeurs: dict) -> dict[str, pa.DataType]:
    """Types Arrow des colonnes de valeurs du plan (alias « double », « int64 »…)."""
    return {cle: pa.type_for_alias(t) for cle, t in types_valeurs.items()}


def table_resume(tache: Tache, resume: Any) -> pa.Table:
    """Table Arrow d'une ligne : identifiants du run, valeurs du point, puis résumé scalaire du run."""
    if not isinstance(resume, dict):
        raise TypeError(f"le résumé du run doit être un dict (reçu : {type(resume).__name__})")
    colonnes: dict[str, pa.Array] = {
        "run": pa.array([tache.run], pa.string()),
        "point": pa.array([tache.point], pa.int64()),
        "replicat": pa.array([tache.replicat], pa.int64()),
        "graine": pa.array([tache.graine], pa.int64()),
        "scenario": pa.array([tache.scenario], pa.string()),
    }
    for cle, type_ in types_arrow(tache.types_valeurs).items():
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


def table_series(tache: Tache, series: Any) -> pa.Table:
    """Table Arrow des séries du run, filtrées selon le plan (indicateurs, dates), au schéma `SCHEMA_SERIES`."""
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


def en_octets(table: pa.Table, compression: str) -> bytes:
    """Table encodée en Parquet (octets), prête à être écrite par le processus principal."""
    tampon = io.BytesIO()
    pq.write_table(table, tampon, compression=compression)
    return tampon.getvalue()


# ------------------------------------------------------------------------------------------ stockage
def empreinte_points(points: pd.DataFrame) -> str:
    """SHA-256 des points d'un plan (colonnes, types et valeurs), indépendante du fichier Parquet qui les porte."""
    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in points.columns]).encode())
    h.update(json.dumps([str(t) for t in points.dtypes]).encode())
    h.update(pd.util.hash_pandas_object(points, index=False).values.tobytes())
    return h.hexdigest()


def ecrire_atomique(chemin: Path, donnees: bytes) -> None:
    """Écrit sous un nom temporaire caché puis renomme (`os.replace`, atomique)."""
    temporaire = chemin.with_name(f".{chemin.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with open(temporaire, "wb") as f:
        f.write(donnees)
    os.replace(temporaire, chemin)


def en_json(objet: Any) -> bytes:
    """JSON lisible (UTF-8, indenté), en octets."""
    return (json.dumps(objet, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def versions() -> dict:
    """Versions de Python et des paquets qui déterminent les tables d'un balayage."""
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
                "versions": versions(),
                "commande": sys.argv,
            }
            ecrire_atomique(self.manifeste, en_json(entete))
        for sous in (self.resume, self.series, self.echecs):
            sous.mkdir(exist_ok=True)
        if texte_plan is not None and not (self.dossier / "plan.toml").exists():
            ecrire_atomique(self.dossier / "plan.toml", texte_plan.encode("utf-8"))
        attendus = echantillonner(plan)
        empreinte = empreinte_points(attendus)
        manifeste = json.loads(self.manifeste.read_text(encoding="utf-8"))
        if self.points.exists():
            # Reprise : les points stockés doivent être ceux du plan (un fichier édité ou tronqué mélangerait
            # deux plans d'expérience dans un même stock).
            try:
                stockes = pd.read_parquet(self.points)
                lue = empreinte_points(stockes)
            except Exception as exc:  # noqa: BLE001 - Parquet tronqué ou illisible, quelle qu'en soit la forme
                raise ErreurEntree(f"--sortie {self.dossier} : {self.points.name} est illisible ({type(exc).__name__})"
                                   " : le stock est abîmé. Reprise refusée : choisissez un autre dossier de sortie "
                                   "(ou effacez celui-ci pour recommencer).") from None
            for nom, valeur in (("points.parquet", lue), ("manifeste", manifeste.get("empreinte_points", empreinte))):
                if valeur != empreinte:
                    raise ErreurEntree(
                        f"--sortie {self.dossier} : les points du stock ({nom}) ne sont pas ceux du plan "
                        f"{plan.fichier} (empreinte {str(valeur)[:12]}… au lieu de {empreinte[:12]}…). Reprise "
                        "refusée : le stock a été modifié. Choisissez un autre dossier de sortie.")
            points = attendus
        else:
            points = attendus
            tampon = io.BytesIO()
            points.to_parquet(tampon, index=False)
            ecrire_atomique(self.points, tampon.getvalue())
        if manifeste.get("nombre_points") is None or "empreinte_points" not in manifeste:
            manifeste["nombre_points"] = len(points)
            manifeste["nombre_runs"] = len(points) * plan.replicats
            manifeste["empreinte_points"] = empreinte
            ecrire_atomique(self.manifeste, en_json(manifeste))
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
                ecrire_atomique(self.series / f"{run}.parquet", resultat["series"])
            ecrire_atomique(self.resume / f"{run}.parquet", resultat["resume"])
            (self.echecs / f"{run}.json").unlink(missing_ok=True)
        else:
            infos = {k: resultat.get(k) for k in ("run", "erreur", "trace", "duree_s")}
            infos["horodatage"] = dt.datetime.now().isoformat(timespec="seconds")
            ecrire_atomique(self.echecs / f"{run}.json", en_json(infos))
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
            ecrire_atomique(self.dossier / "resume.parquet", tampon.getvalue())
            ecrire_atomique(self.dossier / "resume.csv", table.to_pandas().to_csv(index=False).encode("utf-8"))
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
            ecrire_atomique(chemin_echecs, pd.DataFrame(echecs).to_csv(index=False).encode("utf-8"))
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
