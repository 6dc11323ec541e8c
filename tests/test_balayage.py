"""Moteur de balayage : déterminisme entre exécuteurs, reprise après kill -9, échecs, stockage."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiences.balayages import (
    ErreurEntree,
    Stockage,
    executer_balayage,
    graine_run,
    lire_plan,
    lire_resume,
    lire_series,
)
from experiences.cli import main
from tests.balayage_jouet import ishigami, texte_plan_jouet

RACINE = Path(__file__).resolve().parents[1]


def ecrire(tmp_path: Path, texte: str, nom: str = "plan.toml") -> Path:
    chemin = tmp_path / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def processus_de_la_session(session: int) -> list[int]:
    """PID des processus vivants (non zombies) d'une session (Linux, /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            champs = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(champs[3]) == session and champs[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def tables(dossier: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return lire_resume(dossier), lire_series(dossier)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Balayage jouet de référence, exécuté sans interruption, en séquentiel (1 travailleur)."""
    dossier = tmp_path_factory.mktemp("reference")
    plan = ecrire(dossier, texte_plan_jouet(n=30, replicats=2))
    bilan = executer_balayage(plan, dossier / "sortie", travailleurs=1, barre=False)
    assert bilan.complet and bilan.reussis == 60
    return plan, dossier / "sortie", tables(dossier / "sortie")


def test_table_de_reference_coherente(reference):
    plan_chemin, sortie, (resume, series) = reference
    plan = lire_plan(plan_chemin)
    assert len(resume) == 60 and resume["run"].is_unique
    assert list(resume[["point", "replicat"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(30) for r in range(2)
    ]
    # graine de chaque run = SeedSequence(empreinte, point, réplicat)
    attendues = [graine_run(plan.empreinte, p, r) for p, r in zip(resume["point"], resume["replicat"], strict=True)]
    assert resume["graine"].tolist() == attendues
    # la sortie du modèle correspond bien aux paramètres du point
    y = [ishigami(a, b, c) for a, b, c in zip(resume["x1"], resume["x2"], resume["x3"], strict=True)]
    assert resume["y"].tolist() == pytest.approx(y)
    # le bruit dépend de la graine : deux réplicats d'un même point diffèrent
    assert resume.groupby("point")["y_bruite"].nunique().eq(2).all()
    # filtre des séries : dates = ["fin"] ne garde que la dernière date
    assert set(series["date"]) == {"2020-12-28"}
    assert len(series) == 60 * 2
    assert (sortie / "resume.csv").exists() and (sortie / "bilan.json").exists()
    manifeste = json.loads((sortie / "manifeste.json").read_text(encoding="utf-8"))
    assert manifeste["empreinte"] == plan.empreinte and manifeste["nombre_runs"] == 60


@pytest.mark.lent
def test_meme_table_avec_2_travailleurs_et_dask(reference, tmp_path):
    plan, _, (resume_ref, series_ref) = reference
    executer_balayage(plan, tmp_path / "pool2", travailleurs=2, barre=False)
    pytest.importorskip("distributed")
    executer_balayage(plan, tmp_path / "dask", dask="local", travailleurs=2, barre=False)
    for nom in ("pool2", "dask"):
        resume, series = tables(tmp_path / nom)
        pd.testing.assert_frame_equal(resume, resume_ref)
        pd.testing.assert_frame_equal(series, series_ref)


@pytest.mark.lent
def test_reprise_apres_kill_9_donne_la_meme_table(reference, tmp_path):
    plan, _, (resume_ref, series_ref) = reference
    sortie = tmp_path / "sortie"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(RACINE), os.environ.get("PYTHONPATH", "")]),
        "JOUET_PAUSE": "0.04",
    }
    commande = [
        sys.executable,
        "-c",  # les fonctions jouets s'inscrivent au registre du moteur par l'API Python, pas par le plan
        "import sys, tests.balayage_jouet; from experiences.cli import main; sys.exit(main())",
        "balayer",
        str(plan),
        "--sortie",
        str(sortie),
        "--travailleurs",
        "2",
        "--sans-barre",
    ]
    processus = subprocess.Popen(
        commande,
        cwd=RACINE,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    limite = time.monotonic() + 60
    try:
        while time.monotonic() < limite:
            faits = len(list((sortie / "resume").glob("*.parquet"))) if (sortie / "resume").exists() else 0
            if faits >= 12 or processus.poll() is not None:
                break
            time.sleep(0.01)
        os.kill(processus.pid, signal.SIGKILL)  # le coordinateur seul, sans préavis
        processus.wait()
        # ses travailleurs s'arrêtent d'eux-mêmes (pas d'orphelins qui tourneraient encore)
        limite_orphelins = time.monotonic() + 15
        while processus_de_la_session(processus.pid) and time.monotonic() < limite_orphelins:
            time.sleep(0.1)
        assert not processus_de_la_session(processus.pid), "travailleurs orphelins après kill -9"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(processus.pid, signal.SIGKILL)  # filet de sécurité : nos propres processus
    assert processus.returncode == -signal.SIGKILL, processus.stderr.read().decode()
    faits = {p.stem for p in (sortie / "resume").glob("*.parquet")}
    assert 12 <= len(faits) < 60, "le balayage devait être tué en cours de route"
    assert not (sortie / "bilan.json").exists()

    # relance de la même commande : les runs terminés sont sautés
    fin = subprocess.run(
        commande, cwd=RACINE, env={**env, "JOUET_PAUSE": "0"}, capture_output=True, text=True, timeout=120
    )
    assert fin.returncode == 0, fin.stderr
    bilan = json.loads((sortie / "bilan.json").read_text(encoding="utf-8"))
    assert bilan["deja_faits"] >= len(faits) and bilan["deja_faits"] + bilan["reussis"] == 60
    assert bilan["reussis"] > 0
    resume, series = tables(sortie)
    pd.testing.assert_frame_equal(resume, resume_ref)
    pd.testing.assert_frame_equal(series, series_ref)
    assert not list(sortie.rglob(".*.tmp-*"))


def test_fichiers_a_moitie_ecrits_jamais_lus(reference, tmp_path):
    plan, _, (resume_ref, series_ref) = reference
    sortie = tmp_path / "sortie"
    executer_balayage(plan, sortie, travailleurs=1, barre=False)
    # simulation des restes d'arrêts brutaux :
    (sortie / "resume" / ".p000000_r000.parquet.tmp-1-abcd").write_bytes(b"PAR1 tronque")  # temporaire
    complet = (sortie / "resume" / "p000003_r001.parquet").read_bytes()
    (sortie / "resume" / "p000003_r001.parquet").write_bytes(complet[:20])  # tronqué (panne de courant)
    (sortie / "resume" / "p000005_r000.parquet").unlink()  # tué entre séries et résumé
    (sortie / "series" / "p000005_r000.parquet").write_bytes(b"n'importe quoi")
    bilan = executer_balayage(plan, sortie, travailleurs=1, barre=False)
    assert bilan.executes == 2 and bilan.deja_faits == 58
    resume, series = tables(sortie)
    pd.testing.assert_frame_equal(resume, resume_ref)
    pd.testing.assert_frame_equal(series, series_ref)
    assert not list(sortie.rglob(".*.tmp-*"))


def test_reprise_d_un_balayage_complet_ne_refait_rien(reference):
    plan, sortie, (resume_ref, _) = reference
    bilan = executer_balayage(plan, sortie, travailleurs=1, barre=False)
    assert bilan.executes == 0 and bilan.deja_faits == 60
    pd.testing.assert_frame_equal(lire_resume(sortie), resume_ref)


def test_dossier_d_un_autre_plan_refuse(reference, tmp_path, capsys):
    plan, sortie, _ = reference
    autre = ecrire(tmp_path, plan.read_text(encoding="utf-8").replace("replicats = 2", "replicats = 3"), "autre.toml")
    avant = (sortie / "manifeste.json").read_bytes()
    code = main(["balayer", str(autre), "--sortie", str(sortie), "--travailleurs", "1", "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(sortie) in err and str(autre) in err and "autre plan" in err
    assert (sortie / "manifeste.json").read_bytes() == avant
    assert len(lire_resume(sortie)) == 60


def test_dossier_non_vide_sans_manifeste_refuse(tmp_path):
    plan = ecrire(tmp_path, texte_plan_jouet())
    sortie = tmp_path / "sortie"
    sortie.mkdir()
    (sortie / "notes.txt").write_text("à moi", encoding="utf-8")
    with pytest.raises(ErreurEntree, match="n'a pas de manifeste de balayage"):
        executer_balayage(plan, sortie, travailleurs=1, barre=False)


def test_verrou_empeche_deux_balayages_dans_le_meme_dossier(tmp_path):
    plan = ecrire(tmp_path, texte_plan_jouet())
    sortie = tmp_path / "sortie"
    with Stockage(sortie).verrou():
        with pytest.raises(ErreurEntree, match="un autre balayage utilise déjà ce dossier"):
            executer_balayage(plan, sortie, travailleurs=1, barre=False)


def test_run_en_echec_enregistre_et_balayage_continue(tmp_path, capsys):
    plan = ecrire(tmp_path, texte_plan_jouet(n=20, replicats=1, fonction="capricieux_run"))
    sortie = tmp_path / "sortie"
    code = main(["balayer", str(plan), "--sortie", str(sortie), "--travailleurs", "2", "--sans-barre"])
    captures = capsys.readouterr()
    assert code == 1
    assert "en échec" in captures.err and "relancez la même commande" in captures.err
    points = pd.read_parquet(sortie / "points.parquet")
    attendus_echec = {f"p{p:06d}_r000" for p in points.loc[points["x1"] > 2, "point"]}
    assert attendus_echec, "le plan jouet doit contenir des points avec x1 > 2"
    echecs = pd.read_csv(sortie / "echecs.csv")
    assert set(echecs["run"]) == attendus_echec
    assert echecs["erreur"].str.contains("ValueError: x1 trop grand").all()
    detail = json.loads((sortie / "echecs" / f"{sorted(attendus_echec)[0]}.json").read_text(encoding="utf-8"))
    assert "Traceback" in detail["trace"]
    resume = lire_resume(sortie)
    assert set(resume["run"]) == {f"p{p:06d}_r000" for p in range(20)} - attendus_echec
    # à la reprise, seuls les runs en échec sont retentés
    bilan = executer_balayage(plan, sortie, travailleurs=1, barre=False)
    assert bilan.executes == len(attendus_echec) and bilan.deja_faits == 20 - len(attendus_echec)


def test_filtre_des_series_par_indicateur_et_prefixe_de_date(tmp_path):
    plan = ecrire(
        tmp_path,
        texte_plan_jouet(n=3, replicats=1, series='indicateurs = ["bruit"]\ndates = ["2020-06", "2020-01-06"]'),
    )
    executer_balayage(plan, tmp_path / "sortie", travailleurs=1, barre=False)
    series = lire_series(tmp_path / "sortie")
    assert set(series["indicateur"]) == {"bruit"}
    assert set(series["date"]) == {"2020-01-06", "2020-06-01"}
    assert len(series) == 3 * 2


def test_series_non_conservees(tmp_path):
    plan = ecrire(tmp_path, texte_plan_jouet(n=3, replicats=1, series="conserver = false"))
    executer_balayage(plan, tmp_path / "sortie", travailleurs=1, barre=False)
    assert not (tmp_path / "sortie" / "series.parquet").exists()
    assert len(lire_resume(tmp_path / "sortie")) == 3


def test_ordonnanceur_dask_injoignable_message_clair(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    import experiences.balayages.executeurs as balayage

    monkeypatch.setattr(balayage, "DELAI_CONNEXION_DASK", "1s")
    plan = ecrire(tmp_path, texte_plan_jouet(n=2, replicats=1))
    code = main(["balayer", str(plan), "--sortie", str(tmp_path / "s"), "--dask", "tcp://127.0.0.1:9", "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--dask tcp://127.0.0.1:9 : connexion impossible" in err


def test_travailleur_tue_seul_le_run_coupable_echoue(tmp_path):
    plan = ecrire(tmp_path, texte_plan_jouet(n=12, replicats=1, fonction="mortel_run"))
    bilan = executer_balayage(plan, tmp_path / "sortie", travailleurs=2, barre=False)
    points = pd.read_parquet(tmp_path / "sortie" / "points.parquet")
    mortels = {f"p{p:06d}_r000" for p in points.loc[points["x1"] > 2.5, "point"]}
    assert mortels, "le plan jouet doit contenir au moins un point mortel"
    assert set(bilan.echecs) == mortels  # les runs voisins, perdus avec le pool cassé, sont rejoués
    assert bilan.reussis == 12 - len(mortels)
    echecs = pd.read_csv(tmp_path / "sortie" / "echecs.csv")
    assert echecs["erreur"].str.contains("le processus de travail meurt pendant ce run").all()
