"""Petit balayage du vrai modèle : la fonction de run par défaut, les clés déclarées, la reproductibilité."""

from pathlib import Path

import numpy as np
import pytest

from experiences.balayages import executer_balayage, lire_resume, lire_series
from experiences.execution import SpecRun, executer_run

PLAN = """
nom = "modele_minuscule"
scenario = "reference"
plan = "factoriel"
replicats = 1
menages = 300
debut = "2020-01"
fin = "2020-06"
indicateurs = ["taux_non_recours_rsa"]

[series]
indicateurs = ["taux_non_recours"]
dates = ["fin"]

[parametres."decision.cout_base"]
niveaux = [0.2, 3.0]
"""


def test_balayage_du_vrai_modele_reproduit_executer_run(tmp_path):
    chemin = tmp_path / "plan.toml"
    chemin.write_text(PLAN, encoding="utf-8")
    bilan = executer_balayage(chemin, tmp_path / "sortie", travailleurs=1, barre=False)
    assert bilan.complet and bilan.reussis == 2
    resume = lire_resume(tmp_path / "sortie")
    assert resume["decision.cout_base"].tolist() == [0.2, 3.0]
    assert "duree_s" not in resume.columns  # la durée varie d'une exécution à l'autre : journal seulement
    assert resume["taux_non_recours_rsa"].between(0, 1).all()
    series = lire_series(tmp_path / "sortie")
    assert set(series["indicateur"]) == {"taux_non_recours"}
    assert series["date"].nunique() == 1 and series["date"].iloc[0].startswith("2020-06")
    # un run du balayage se rejoue à l'identique avec sa graine et ses surcharges
    ligne = resume.iloc[1]
    seul = executer_run(
        SpecRun(
            scenario="reference",
            graine=int(ligne["graine"]),
            menages=300,
            debut="2020-01",
            fin="2020-06",
            surcharges={"decision.cout_base": 3.0},
        )
    )
    assert seul.resume["taux_non_recours_rsa"] == pytest.approx(ligne["taux_non_recours_rsa"], abs=0)
    attendu = seul.series[seul.series["indicateur"] == "taux_non_recours"]
    attendu = attendu[attendu["date"].astype(str) == series["date"].iloc[0]]
    obtenu = series[series["point"] == 1]
    assert len(obtenu) == len(attendu) > 0
    np.testing.assert_array_equal(obtenu["valeur"].to_numpy(), attendu["valeur"].to_numpy())


def test_scenario_inconnu_refuse_avant_tout_run(tmp_path, capsys):
    from experiences.cli import main as nonrecours

    chemin = tmp_path / "plan.toml"
    chemin.write_text(PLAN.replace('scenario = "reference"', 'scenario = "atlantide"'), encoding="utf-8")
    code = nonrecours(["balayer", str(chemin), "--sortie", str(tmp_path / "s"), "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert str(chemin) in err and "« scenario » = 'atlantide'" in err and "reference" in err
    assert not (tmp_path / "s" / "manifeste.json").exists()


def test_scenario_fichier_a_cote_du_plan_entre_dans_l_empreinte(tmp_path, monkeypatch):
    from experiences.balayages import ErreurEntree, lire_plan

    monkeypatch.chdir(tmp_path.parent)  # le scénario n'est pas dans le dossier courant
    source = Path(__file__).resolve().parents[1] / "parametres" / "scenarios" / "reference.toml"
    (tmp_path / "mon_scenario.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    chemin = tmp_path / "plan.toml"
    chemin.write_text(PLAN.replace('scenario = "reference"', 'scenario = "mon_scenario.toml"'), encoding="utf-8")
    plan = lire_plan(chemin)
    assert plan.scenario_execution == str((tmp_path / "mon_scenario.toml").resolve())
    (tmp_path / "mon_scenario.toml").write_text(source.read_text(encoding="utf-8") + "\n# modifié\n", encoding="utf-8")
    assert lire_plan(chemin).empreinte != plan.empreinte
    chemin.write_text(PLAN.replace('scenario = "reference"', 'scenario = "absent.toml"'), encoding="utf-8")
    with pytest.raises(ErreurEntree, match="« scenario » = 'absent.toml' : fichier de scénario introuvable"):
        lire_plan(chemin)
