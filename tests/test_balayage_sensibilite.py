"""Analyse de sensibilité : Sobol retrouve les indices connus d'Ishigami, Morris ceux d'un modèle linéaire."""

from pathlib import Path

import pandas as pd
import pytest

from experiences.balayages import analyser_sensibilite
from experiences.cli import main
from tests.balayage_jouet import texte_plan_jouet

S1_ISHIGAMI = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ST_ISHIGAMI = {"x1": 0.558, "x2": 0.442, "x3": 0.244}


def ecrire(tmp_path: Path, texte: str, nom: str = "plan.toml") -> Path:
    chemin = tmp_path / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


@pytest.mark.lent
def test_sobol_retrouve_les_indices_d_ishigami(tmp_path, capsys):
    plan = ecrire(tmp_path, texte_plan_jouet(plan="sobol", n=1024, replicats=1, series="conserver = false"))
    sortie = tmp_path / "sortie"
    code = main(["sensibilite", str(plan), "--sortie", str(sortie), "--travailleurs", "2", "--sans-barre"])
    assert code == 0, capsys.readouterr().err
    indices = pd.read_csv(sortie / "sensibilite" / "sensibilite_sobol.csv").set_index("parametre")
    assert list(indices.columns) == ["indicateur", "S1", "S1_ic", "ST", "ST_ic"]
    assert (indices["indicateur"] == "y").all()
    assert len(pd.read_parquet(sortie / "resume.parquet")) == 1024 * (3 + 2)
    # tolérance ~2,5 écarts types de l'estimateur de Saltelli à N = 1024 (IC à 95 % ~ 0,07 pour S1)
    for x in ("x1", "x2", "x3"):
        assert indices.loc[x, "S1"] == pytest.approx(S1_ISHIGAMI[x], abs=0.08)
        assert indices.loc[x, "ST"] == pytest.approx(ST_ISHIGAMI[x], abs=0.08)
        assert 0 < indices.loc[x, "S1_ic"] < 0.15 and 0 < indices.loc[x, "ST_ic"] < 0.15
    assert indices["S1"].idxmax() == "x2" and indices["S1"].idxmin() == "x3"
    assert indices["ST"].idxmax() == "x1" and indices["ST"].idxmin() == "x3"
    figure = sortie / "sensibilite" / "sensibilite_y.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_morris_effets_elementaires_d_un_modele_lineaire(tmp_path):
    parametres = "".join(f"[parametres.{x}]\nmin = 0.0\nmax = 1.0\n" for x in ("a", "b", "c"))
    plan = ecrire(
        tmp_path,
        texte_plan_jouet(
            plan="morris",
            n=8,
            replicats=2,
            fonction="lineaire_run",
            series="conserver = false",
            parametres=parametres,
        ),
    )
    indices, bilan = analyser_sensibilite(plan, tmp_path / "sortie", travailleurs=1, barre=False)
    assert bilan.reussis == 8 * (3 + 1) * 2
    indices = indices.set_index("parametre")
    assert indices["mu_etoile"].tolist() == pytest.approx([3.0, 1.0, 0.0], abs=1e-9)
    assert indices["mu"].tolist() == pytest.approx([3.0, 1.0, 0.0], abs=1e-9)
    assert indices["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert (tmp_path / "sortie" / "sensibilite" / "sensibilite_morris.csv").exists()
    assert (tmp_path / "sortie" / "sensibilite" / "sensibilite_y.png").exists()


def test_analyse_interrompue_reprend_et_donne_les_memes_indices(tmp_path):
    plan = ecrire(tmp_path, texte_plan_jouet(plan="sobol", n=32, replicats=2, series="conserver = false"))
    sortie = tmp_path / "sortie"
    premiers, _ = analyser_sensibilite(plan, sortie, travailleurs=1, barre=False)
    for chemin in sorted((sortie / "resume").glob("*.parquet"))[::25]:  # runs « perdus »
        chemin.unlink()
    perdus = len(range(0, 32 * 5 * 2, 25))
    seconds, bilan = analyser_sensibilite(plan, sortie, travailleurs=1, barre=False)
    assert bilan.executes == perdus and bilan.deja_faits == 32 * 5 * 2 - perdus
    pd.testing.assert_frame_equal(premiers, seconds)


def test_sensibilite_refuse_un_plan_factoriel(tmp_path, capsys):
    parametres = "[parametres.x1]\nniveaux = [0.0, 1.0]\n"
    plan = ecrire(tmp_path, texte_plan_jouet(plan="factoriel", parametres=parametres))
    code = main(["sensibilite", str(plan), "--sortie", str(tmp_path / "s"), "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "« plan » = 'factoriel'" in err and "« sobol »" in err and "« morris »" in err


def test_sensibilite_indicateur_absent_du_resume(tmp_path, capsys):
    texte = texte_plan_jouet(plan="morris", n=2, replicats=1, series="conserver = false")
    plan = ecrire(tmp_path, texte.replace('indicateurs = ["y"]', 'indicateurs = ["taux_inconnu"]'))
    code = main(["sensibilite", str(plan), "--sortie", str(tmp_path / "s"), "--travailleurs", "1", "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "« indicateurs »" in err and "'taux_inconnu'" in err and "y, y_bruite" in err
