"""Exécuter un balayage reprenable : runs indépendants, pool de processus local ou Dask.

Un balayage est la liste des runs (point du plan x réplicat) d'un :class:`PlanBalayage`. Chaque run a
une graine dérivée de (empreinte du plan, point, réplicat) : la table finale ne dépend ni du nombre de
travailleurs, ni de l'ordre d'exécution, ni de l'exécuteur (pool de processus local ou Dask).

Le stockage (dossier, fichiers, reprise) est dans :mod:`experiences.balayages.stockage`.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import functools
import itertools
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from experiences.balayages.plans import (
    FONCTION_RUN_DEFAUT,
    ErreurEntree,
    PlanBalayage,
    calculer_empreinte,
    enregistrer_fonction_run,
    fonction_run_enregistree,
    graine_run,
    importer_objet,
    lire_plan,
)
from experiences.balayages.stockage import (
    Stockage,
    ecrire_atomique,
    en_json,
    en_octets,
    identifiant_run,
    table_resume,
    table_series,
)

DELAI_CONNEXION_DASK = "30s"  # attente maximale de l'ordonnanceur donné par --dask ADRESSE


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
        resume = en_octets(table_resume(tache, resultat.resume), "none")
        series = en_octets(table_series(tache, resultat.series), "snappy") if tache.series["conserver"] else None
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
                    graine=graine_run(plan.empreinte_graines, point, replicat, plan.graines_communes),
                    scenario=plan.scenario,
                    scenario_execution=plan.scenario_execution,
                    menages=plan.menages,
                    debut=plan.debut,
                    fin=plan.fin,
                    surcharges={**plan.fixes, **valeurs},
                    valeurs=valeurs,
                    types_valeurs=types_valeurs,
                    fonction_run=fonction_run_enregistree(plan.fonction_run),
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


def _executer_slurm(iterateur: Iterator[Tache], options, journaux: Path) -> Iterator[dict]:
    """Exécution sur des jobs SLURM de travailleurs Dask (``experiences.execution.slurm``, adaptatif)."""
    from experiences.execution.slurm import grappe

    with grappe(options, journaux) as adresse:
        yield from _executer_dask(iterateur, adresse, None, fenetre=4 * options.travailleurs)


def _executer_dask(iterateur: Iterator[Tache], adresse: str, travailleurs: int | None,
                   fenetre: int | None = None) -> Iterator[dict]:
    """Exécution sur Dask : ``"local"`` démarre un LocalCluster, sinon connexion à un ordonnanceur.

    ``fenetre`` : runs soumis à la fois (défaut : 4 par fil des travailleurs déjà là, au moins 8)."""
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
            yield from _executer_avec(executeur, iterateur, fenetre=fenetre or max(8, 4 * fils))
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
    """Avec le vrai modèle, avant de lancer les runs (erreur claire, code 2) : le scénario se charge, chaque
    combinaison de ses interventions avec les valeurs fixes et les bornes des points reste permise sur la période
    du plan (modèle minuscule construit aux coins du plan), et chaque indicateur est une clé du résumé d'un run.
    `nonrecours verifier` fait les mêmes vérifications."""
    if plan.fonction_run != FONCTION_RUN_DEFAUT:
        return
    from experiences.execution.runs import cles_resume
    from modele.modele import ModeleNonRecours
    from modele.scenarios import charger_scenario

    try:
        charger_scenario(plan.scenario_execution)
    except ErreurEntree as exc:
        message = f"{plan.fichier} : clé « scenario » = {plan.scenario!r} : scénario invalide.\n  {exc}"
        raise ErreurEntree(message) from None
    for coin in coins_du_plan(plan):
        try:
            ModeleNonRecours(scenario=plan.scenario_execution, menages=100, debut=plan.debut, fin=plan.fin,
                             surcharges={**plan.fixes, **coin})
        except ErreurEntree as exc:
            raise ErreurEntree(f"{plan.fichier} : le plan donne, avec ses valeurs {coin}, un scénario que la "
                               f"simulation refuserait.\n  {exc}") from None
    connues = cles_resume()
    for ind in plan.indicateurs:
        if ind not in connues:
            raise ErreurEntree(f"{plan.fichier} : clé « indicateurs » : {ind!r} n'est pas une clé du résumé d'un "
                               f"run. Attendu : des clés parmi {', '.join(sorted(connues))}.")


def coins_du_plan(plan: PlanBalayage) -> list[dict]:
    """Valeurs extrêmes de chaque paramètre varié (toutes au minimum, toutes au maximum)."""
    bas, haut = {}, {}
    for p in plan.parametres:
        valeurs = list(p.niveaux) if p.niveaux is not None else [p.min, p.max]
        nombres = [v for v in valeurs if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not nombres:
            continue
        bas[p.cle], haut[p.cle] = min(nombres), max(nombres)
    return [bas, haut] if bas else [{}]


def preparer_plan(
    plan: PlanBalayage | str | Path, declarations: Any = None, fonction_run: str | None = None
) -> PlanBalayage:
    """Lit le plan si besoin et applique une éventuelle fonction de run imposée par l'appelant."""
    if not isinstance(plan, PlanBalayage):
        plan = lire_plan(plan, declarations)
    if fonction_run is not None and fonction_run != plan.fonction_run:
        if callable(fonction_run) or ":" in str(fonction_run):  # API Python : la fonction elle-même
            nom = (fonction_run if isinstance(fonction_run, str)
                   else f"{fonction_run.__module__}:{fonction_run.__qualname__}")
            enregistrer_fonction_run(nom, fonction_run)
            fonction_run = nom
        fonction_run_enregistree(fonction_run, plan.fichier)
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
    slurm: Any = None,
) -> Bilan:
    """Exécute (ou reprend) le balayage d'un plan et assemble ses tables dans ``sortie``.

    - ``plan`` : chemin du plan TOML ou :class:`PlanBalayage` déjà lu ;
    - ``sortie`` : dossier du stockage (défaut : :func:`dossier_par_defaut`) ;
    - ``travailleurs`` : taille du pool de processus local (défaut : nombre de cœurs ; 1 = séquentiel dans
      le processus courant) ; avec ``dask="local"``, nombre de travailleurs du LocalCluster ;
    - ``dask`` : ``None`` (pool local), ``"local"`` (LocalCluster) ou adresse d'un ordonnanceur ;
    - ``declarations`` : bornes des paramètres ``{clé: (min, max)}`` (défaut : celles du modèle) ;
    - ``fonction_run`` : fonction (ou ``"module:fonction"``, ou nom enregistré) qui remplace celle du plan ;
    - ``barre`` : barre de progression tqdm (défaut : seulement sur un terminal) ;
    - ``slurm`` : :class:`experiences.execution.slurm.OptionsSlurm` pour des travailleurs soumis comme jobs SLURM
      (journaux des jobs dans ``sortie/journaux_slurm``).

    Les runs déjà terminés dans ``sortie`` sont sautés ; les runs en échec sont retentés.
    """
    debut = time.perf_counter()
    plan = preparer_plan(plan, declarations, fonction_run)
    importer_objet(fonction_run_enregistree(plan.fonction_run), plan.fichier, "fonction_run")  # échoue tôt
    verifier_scenario(plan)
    if travailleurs is not None and (
        isinstance(travailleurs, bool) or not isinstance(travailleurs, int) or travailleurs < 1
    ):
        raise ErreurEntree(f"--travailleurs {travailleurs!r} : attendu un entier >= 1.")
    if slurm is not None:
        if dask is not None:
            raise ErreurEntree(f"--slurm avec --dask {dask} : choisir l'un ou l'autre.")
        from experiences.execution.slurm import verifier

        verifier(slurm)  # avant d'écrire quoi que ce soit
    stockage = Stockage(sortie if sortie is not None else dossier_par_defaut(plan))
    texte_plan = Path(plan.fichier).read_text(encoding="utf-8") if Path(plan.fichier).is_file() else None
    with stockage.verrou():
        points = stockage.ouvrir(plan, texte_plan)
        stockage.nettoyer()
        deja = stockage.termines()
        total = len(points) * plan.replicats
        reussis, echecs = _boucle(
            plan, stockage, taches(plan, points, deja), total, len(deja), travailleurs, dask, barre, slurm
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
        ecrire_atomique(stockage.dossier / "bilan.json", en_json(infos))
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
    slurm: Any = None,
) -> tuple[int, list[str]]:
    return executer_taches(restants, stockage, total=total, deja=deja, travailleurs=travailleurs, dask=dask,
                           barre=barre, slurm=slurm, libelle=f"balayage {plan.nom}")


def executer_taches(
    restants: Iterator[Tache],
    stockage: Stockage,
    *,
    total: int,
    deja: int = 0,
    travailleurs: int | None = None,
    dask: str | None = None,
    barre: bool | None = None,
    slurm: Any = None,
    libelle: str = "runs",
) -> tuple[int, list[str]]:
    """Exécute des tâches (pool local, Dask ou SLURM), enregistre chaque résultat dans ``stockage`` au fil de l'eau
    et fait avancer une barre tqdm (``total`` runs, ``deja`` déjà faits) ; rend (réussis, identifiants en échec).

    Sert aux balayages et aux vagues de l'ensemble de calibration (``experiences.calibration.ensemble``)."""
    if slurm is not None:
        flux = _executer_slurm(restants, slurm, stockage.dossier / "journaux_slurm")
    elif dask is not None:
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
        desc=libelle,
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


