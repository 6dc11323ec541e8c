"""API Python `nonrecours` (docs/api.md) : noms, valeurs numpy, écrasement par une intervention datée, taille,
résumé numérique, problème SALib, Mesa (rng, DataCollector) et les trois exemples de la page, exécutés."""

from __future__ import annotations

import re
import runpy
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nonrecours as nr
from modele.parametres import ErreurEntree, Parametres, charger_declarations

RACINE = Path(__file__).resolve().parent.parent
EXEMPLES = RACINE / "docs" / "exemples"
PETIT = {"menages": 300, "debut": "2020-01", "fin": "2020-12"}
CN = "acteurs.conseiller_numerique.heures_pour_10000"


def test_import_nonrecours_est_la_facade():
    assert Path(nr.__file__).resolve() == RACINE / "experiences" / "api" / "__init__.py"
    assert {"simuler", "evaluer", "parametres", "probleme_salib", "ModeleNonRecours"} <= set(nr.__all__)


def test_alias_aller_retour_exact_pour_toutes_les_cles():
    decl = charger_declarations()
    assert not [k for k in decl if "__" in k]
    for k in decl:
        assert nr.alias(k).isidentifier() and nr.cle(nr.alias(k)) == k and nr.cle(k) == k
    with pytest.raises(ErreurEntree, match="decision.cout_base"):
        nr.cle("decision__cout_bas")


def test_scalaires_numpy_acceptes_par_la_validation():
    p = Parametres.defauts()
    q = p.avec({"demarches.tentatives_max": np.int64(4), "decision.cout_base": np.float32(1.25),
                "guichets.caf.rendez_vous_seulement": np.bool_(True)})
    assert q["demarches.tentatives_max"] == 4 and type(q["demarches.tentatives_max"]) is int
    assert q["decision.cout_base"] == 1.25 and type(q["decision.cout_base"]) is float
    assert q["guichets.caf.rendez_vous_seulement"] is True
    for faux in (np.bool_(True), True, np.float64("nan"), "1.2"):
        with pytest.raises(ErreurEntree):
            p.avec({"decision.cout_base": faux})


@pytest.fixture(scope="module")
def reference():
    return nr.simuler(graine=2, **PETIT)


def test_numpy_et_alias_donnent_le_meme_run_que_python_et_cle_pointee(reference):
    a = nr.evaluer(graine=np.int64(2), menages=np.int64(300), debut="2020-01", fin="2020-12",
                   decision__cout_base=np.float64(1.3))
    b = nr.evaluer(graine=2, debut="2020-01", fin="2020-12", **{"decision.cout_base": 1.3, "simulation.menages": 300})
    assert a == b
    assert a != reference.resume  # le paramètre agit


def test_resume_nombres_totaux_et_fenetre(reference):
    r = reference
    assert all(type(v) is float for v in r.resume.values())
    assert r.fenetre == ("2020-01", "2020-12") and r.resume["fenetre_mois"] == 12.0
    assert (r.resume["fenetre_debut_annee"], r.resume["fenetre_fin_mois"]) == (2020.0, 12.0)
    s = r.series
    h = s[(s["indicateur"] == "heures_accompagnement") & s["date"].astype(str).between("2020-01", "2020-12")]
    # Total sur exactement 52 semaines : 2020 a 52 lundis, le dernier (28 décembre) n'est pas simulé (fin un
    # vendredi) ; somme des semaines réelles (relevé / (52/12) × pas du mois) ramenée de 51 à 52 semaines.
    assert (r.resume["fenetre_semaines"], r.resume["fenetre_semaines_totaux"]) == (51.0, pytest.approx(52.0))
    sem = s[s["indicateur"] == "semaines_releve"].set_index("date")["valeur"]
    reel = (h["valeur"].to_numpy() / (52 / 12) * sem.reindex(h["date"]).to_numpy()).sum()
    assert r.resume["heures_accompagnement_total"] == pytest.approx(reel / 51 * 52)
    genres = [g.split("=")[1] for g in h["groupe"].astype(str).unique()]
    assert r.resume["heures_accompagnement_total"] == pytest.approx(
        sum(r.resume[f"heures_accompagnement_{g}"] for g in genres))
    assert r.resume["heures_accompagnement_total_pour_10000"] == pytest.approx(
        r.resume["heures_accompagnement_total"] * 10000 / 300)
    assert "duree_s" not in r.resume and r.provenance["duree_s"] > 0 and r.provenance["graine"] == 2


def test_fenetre_explicite_et_hors_periode():
    r = nr.simuler(graine=2, fenetre=("2020-11", "2020-12"), **PETIT)
    s = r.series
    nov_dec = s[(s["indicateur"] == "taux_non_recours") & (s["prestation"] == "rsa") & (s["groupe"] == "ensemble")
                & s["date"].astype(str).isin(["2020-11", "2020-12"])]
    assert r.resume["taux_non_recours_rsa"] == pytest.approx(nov_dec["valeur"].mean())
    assert r.resume["fenetre_mois"] == 2.0
    with pytest.raises(ErreurEntree, match="Fenêtre"):
        nr.simuler(fenetre=("2019-01", "2020-12"), **PETIT)


def test_simulation_menages_respecte():
    r = nr.simuler(debut="2020-01", fin="2020-02", simulation__menages=250)
    assert r.resume["menages"] == 250.0 and r.provenance["menages"] == 250
    m = nr.ModeleNonRecours(debut="2020-01", fin="2020-02", surcharges={"simulation.menages": 250})
    assert m.menages.n == 250
    with pytest.raises(ErreurEntree, match="tailles"):
        nr.simuler(menages=300, simulation__menages=250, debut="2020-01", fin="2020-02")
    # L'exécuteur commun (CLI, balayages, calibration) : la surcharge l'emporte sur la taille de la spec.
    from experiences.execution import SpecRun, executer_run

    res = executer_run(SpecRun(debut="2020-01", fin="2020-01", menages=400, surcharges={"simulation.menages": 250}))
    assert res.resume["menages"] == 250


def test_ecrasement_avant_la_date_la_valeur_agit_apres_avertissement_ou_refus():
    # Avant le 2021-06-01 la valeur fixée agit : 0 heure de conseiller numérique, exactement.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # aucun avertissement : l'intervention est hors période
        zero = nr.evaluer(graine=1, **PETIT, **{nr.alias(CN): 0.0})
        cinquante = nr.evaluer(graine=1, **PETIT, **{nr.alias(CN): 50.0})
    assert zero["heures_accompagnement_conseiller_numerique"] == 0.0
    assert cinquante["heures_accompagnement_conseiller_numerique"] > 0.0
    # Période qui couvre la date : avertissement (défaut), noté dans la provenance ; refus si demandé.
    with pytest.warns(nr.AvertissementEcrasement, match="2021-06-01"):
        r = nr.simuler(menages=300, debut="2021-01", fin="2021-07", **{nr.alias(CN): 50.0})
    assert r.provenance["ecrasements"][0]["cle"] == CN and r.provenance["ecrasements"][0]["date"] == "2021-06-01"
    with pytest.raises(ErreurEntree, match="remplace"):
        nr.simuler(menages=300, debut="2021-01", fin="2021-07", ecrasement="refuser", **{CN: 50.0})


def test_parametres_du_scenario_remplace_par_et_modifie_par():
    df = nr.parametres("reference").set_index("cle")
    assert len(df) == len(charger_declarations()) and df.loc[CN, "alias"] == nr.alias(CN)
    assert df.loc[CN, "defaut"] == Parametres.defauts()[CN]
    assert df.loc[CN, "en_vigueur"] == 14.0
    assert any(t.startswith("2021-06-01") for t in df.loc[CN, "remplace_par"])
    fs = "acteurs.france_services.heures_pour_10000"  # renforts par facteur : la valeur fixée compte encore
    assert df.loc[fs, "remplace_par"] == [] and len(df.loc[fs, "modifie_par"]) == 3
    assert df.loc["decision.cout_base", "remplace_par"] == [] and df.loc["decision.cout_base", "modifie_par"] == []
    avant = nr.parametres("reference", date="2021-05").set_index("cle")
    assert avant.loc[CN, "en_vigueur"] == avant.loc[CN, "defaut"]


def test_probleme_salib_repli_sur_les_bornes_et_refus():
    with pytest.warns(UserWarning, match="demarches.tentatives_max : bornes"):
        pb = nr.probleme_salib(["decision.cout_base", "demarches__tentatives_max"])
    d = charger_declarations()
    assert pb["names"] == ["decision__cout_base", "demarches__tentatives_max"]
    # decision.cout_base (calibrable) a une plage plausible ; demarches.tentatives_max n'en a pas : bornes.
    assert pb["bounds"] == [[0.2, 3.0], [d["demarches.tentatives_max"].min, d["demarches.tentatives_max"].max]]
    assert tuple(pb["bounds"][0]) == d["decision.cout_base"].plausible != (d["decision.cout_base"].min,
                                                                           d["decision.cout_base"].max)
    assert pb["plages"] == {"decision__cout_base": "plausible", "demarches__tentatives_max": "bornes"}
    assert nr.probleme_salib(["decision.cout_base"], plage="bornes")["bounds"] == [[0.0, 10.0]]
    with pytest.raises(ErreurEntree, match="non numérique"):
        nr.probleme_salib(["guichets.caf.rendez_vous_seulement"])


def test_declaration_plausible_lue_et_validee(tmp_path):
    f = tmp_path / "essai.toml"
    f.write_text('[essai.x]\nvaleur = 1.0\nunite = "u"\ndoc = "d"\nhypothese = true\nmin = 0.0\nmax = 5.0\n'
                 'plausible = [0.5, 2.0]\n', encoding="utf-8")
    assert charger_declarations(tmp_path)["essai.x"].plausible == (0.5, 2.0)
    for k, faux in enumerate(("[2.0, 0.5]", "[0.5, 9.0]", "[1.0]")):
        d = tmp_path / f"cas{k}"
        d.mkdir()
        (d / "essai.toml").write_text(f.read_text().replace("[0.5, 2.0]", faux), encoding="utf-8")
        with pytest.raises(ErreurEntree, match="plausible|bornes"):
            charger_declarations(d)


def test_modele_rng_synonyme_de_graine_et_datacollector():
    a = nr.ModeleNonRecours(menages=200, debut="2020-01", fin="2020-03", rng=np.int64(5))
    b = nr.ModeleNonRecours(menages=200, debut="2020-01", fin="2020-03", graine=5)
    a.lancer()
    b.lancer()
    assert a.graine == 5
    pd.testing.assert_frame_equal(a.series(), b.series())
    dc = a.datacollector.get_model_vars_dataframe()
    assert list(dc["date"]) == ["2020-01", "2020-02", "2020-03"]
    s = a.series()
    rsa = s[(s["indicateur"] == "taux_non_recours") & (s["prestation"] == "rsa") & (s["groupe"] == "ensemble")]
    assert dc["taux_non_recours_rsa"].tolist() == rsa["valeur"].tolist()
    with pytest.raises(ErreurEntree, match="graines"):
        nr.ModeleNonRecours(menages=200, graine=1, rng=2)


def test_pyproject_liste_tous_les_paquets():
    import tomllib

    declares = set(tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
                   ["packages"])
    trouves = {".".join(f.parent.relative_to(RACINE).parts) for d in ("modele", "experiences")
               for f in (RACINE / d).rglob("__init__.py")}
    assert declares == trouves | {"nonrecours"}


def _blocs_python(texte: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", texte, flags=re.S)


def test_la_page_recopie_les_exemples_a_l_identique():
    blocs = _blocs_python((RACINE / "docs" / "api.md").read_text(encoding="utf-8"))
    for nom in ("exemple_ema", "exemple_salib_morris", "exemple_mesa_batch_run"):
        assert (EXEMPLES / f"{nom}.py").read_text(encoding="utf-8") in blocs, nom


@pytest.mark.lent
def test_exemple_ema_workbench():
    pytest.importorskip("ema_workbench")
    g = runpy.run_path(str(EXEMPLES / "exemple_ema.py"), run_name="__main__")
    assert len(g["experiences"]) == 12
    assert g["experiences"]["demarches__tentatives_max"].between(1, 6).all()
    assert set(g["scores"].index) == {"decision__cout_base", "demarches__preference_en_ligne",
                                      "demarches__tentatives_max"}
    assert np.isfinite(g["resultats"]["taux_non_recours_rsa"]).all()


@pytest.mark.lent
def test_exemple_salib_morris():
    pytest.importorskip("SALib")
    g = runpy.run_path(str(EXEMPLES / "exemple_salib_morris.py"), run_name="__main__")
    assert len(g["Y"]) == 12 and np.isfinite(g["Y"]).all()
    assert list(g["indices"]["names"]) == g["probleme"]["names"]
    assert (np.asarray(g["indices"]["mu_star"]) >= 0).all()


@pytest.mark.lent
def test_exemple_mesa_batch_run():
    g = runpy.run_path(str(EXEMPLES / "exemple_mesa_batch_run.py"), run_name="__main__")
    t = g["table"]
    assert len(t) == 8 and set(t["rng"]) == {0, 1} and set(t["date"]) == {"2021-12"}
    assert t.groupby(["scenario", "cout_base", "rng"]).size().eq(1).all()
