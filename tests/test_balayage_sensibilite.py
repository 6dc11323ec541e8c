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


def _plan_politique(tmp_path, scenario="politique", n=6):
    parametres = "".join(f"[parametres.{x}]\nmin = 0.0\nmax = 1.0\n" for x in ("a", "b", "c"))
    texte = texte_plan_jouet(plan="morris", n=n, replicats=2, fonction="politique_run", series="conserver = false",
                             parametres=parametres).replace('scenario = "reference"', f'scenario = "{scenario}"')
    return ecrire(tmp_path, texte)


def test_sensibilite_de_l_effet_sur_graines_appariees(tmp_path, capsys):
    # Niveaux : y = 3 a + b + 2 c + bruit (écart type 10) ; effet (politique − reference) = 2 c exactement si les
    # deux balayages partagent paramètres et graines : mu* = (0, 0, 2), sigma nul, le bruit s'annule.
    plan = _plan_politique(tmp_path)
    sortie = tmp_path / "sortie"
    code = main(["sensibilite", str(plan), "--sortie", str(sortie), "--travailleurs", "1", "--sans-barre",
                 "--difference-avec", "reference"])
    sortie_texte = capsys.readouterr()
    assert code == 0, sortie_texte.err
    assert "différence avec « reference »" in sortie_texte.out
    d = sortie / "sensibilite"
    indices = pd.read_csv(d / "sensibilite_morris_difference_reference.csv").set_index("parametre")
    assert (indices["difference_avec"] == "reference").all()
    assert indices["mu_etoile"].tolist() == pytest.approx([0.0, 0.0, 2.0], abs=1e-9)
    assert indices["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    runs = pd.read_csv(d / "differences_reference.csv")
    assert len(runs) == 6 * 4 * 2
    assert runs["y"].to_numpy() == pytest.approx((runs["y__politique"] - runs["y__reference"]).to_numpy())
    # Mêmes graines et mêmes points dans le balayage de la référence (dossier à part).
    a, b = pd.read_parquet(sortie / "resume.parquet"), pd.read_parquet(sortie / "difference_avec_reference" /
                                                                        "resume.parquet")
    assert sorted(a["graine"]) == sorted(b["graine"]) and a["graine"].nunique() == len(a)
    assert pd.read_parquet(sortie / "points.parquet").equals(
        pd.read_parquet(sortie / "difference_avec_reference" / "points.parquet"))
    # Sans l'option, sur les niveaux du scénario : le bruit non apparié brouille les effets (sigma > 0).
    niveaux, _ = analyser_sensibilite(plan, sortie, travailleurs=1, barre=False)
    assert (niveaux["sigma"] > 1.0).all()
    # Reprise : la même commande ne refait aucun run et redonne les mêmes indices.
    indices2, bilan = analyser_sensibilite(plan, sortie, travailleurs=1, barre=False, difference_avec="reference")
    assert bilan.executes == 0 and bilan.deja_faits == 2 * 6 * 4 * 2
    assert indices2.set_index("parametre")["mu_etoile"].tolist() == pytest.approx([0.0, 0.0, 2.0], abs=1e-9)


@pytest.mark.parametrize(("scenario_plan", "autre", "fragment"), [
    ("reference", "reference", "la différence serait nulle"),
    ("politique", "absent.toml", "fichier de scénario introuvable"),
])
def test_difference_avec_invalide_code_2(scenario_plan, autre, fragment, tmp_path, capsys):
    plan = _plan_politique(tmp_path, scenario=scenario_plan, n=2)
    code = main(["sensibilite", str(plan), "--sortie", str(tmp_path / "s"), "--travailleurs", "1", "--sans-barre",
                 "--difference-avec", autre])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and fragment in err, err
    assert not (tmp_path / "s" / "manifeste.json").exists()


def test_difference_avec_scenario_inconnu_du_modele_code_2(tmp_path, capsys):
    texte = (Path(__file__).resolve().parents[1] / "parametres" / "balayages" / "exemple_morris.toml").read_text(
        encoding="utf-8")
    plan = ecrire(tmp_path, texte)
    code = main(["sensibilite", str(plan), "--sortie", str(tmp_path / "s"), "--sans-barre",
                 "--difference-avec", "referense"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--difference-avec 'referense' : scénario inconnu" in err and "reference" in err
