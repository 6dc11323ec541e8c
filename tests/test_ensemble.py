"""Ensemble par history matching (experiences/calibration/ensemble.py) : émulateur, implausibilité, reprise,
entrées invalides, sur une fonction de run jouet (tests/ensemble_jouet.py : cibles connues)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiences.balayages.plans import enregistrer_fonction_run
from experiences.calibration import ensemble as ens
from experiences.calibration.cibles import Cible
from experiences.cli import main
from tests import ensemble_jouet

enregistrer_fonction_run("jouet_ensemble", ensemble_jouet.run_jouet)

CIBLES = """
[[cible]]
id = "C1"
annee = 2018
valeur = 0.34
tolerance = 0.02

[[cible]]
id = "C2"
annee = 2018
valeur = 0.05
tolerance = 0.01

[[cible]]
id = "C3"
annee = 2021
valeur = 0.31
tolerance = 0.04
"""


def ecrire_plan(dossier: Path, **ensemble) -> Path:
    reglages = {"vagues": 2, "runs_par_vague": 20, "menages": 300, "replicats": 2, "seuil_implausibilite": 3.0,
                "candidats": 4000, "verifications_max": 40, "replicats_verification": 2,
                "graine_verification": 5000, "plage": '"plausible"', **ensemble}
    (dossier / "cibles.toml").write_text(CIBLES, encoding="utf-8")
    texte = textwrap.dedent("""
        [calibration]
        nom = "jouet"
        menages = 300
        replicats = 2
        graine = 10
        debut = "2014-01"
        fin = "2021-12"
        fichier_cibles = "cibles.toml"

        [parametres]
        "decision.cout_base" = "plausible"
        "prestations.rsa.stigmate" = "plausible"

        [ensemble]
        """) + "\n".join(f"{k} = {v}" for k, v in reglages.items()) + "\n"
    chemin = dossier / "plan.toml"
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_emulateur_retrouve_une_fonction_connue():
    """Sur f(x, y) = sin(3x) + y² sans bruit, l'émulateur prédit hors des points d'apprentissage à 0,05 près et sa
    validation croisée le dit (R² > 0,95)."""
    bornes = {"x": (0.0, 1.0), "y": (-1.0, 1.0)}
    pts = ens.hypercube_latin(bornes, 40, 1)
    f = lambda d: np.sin(3 * d["x"]) + d["y"] ** 2  # noqa: E731
    cible = Cible("C1", "", "", "", 2018, 0.5, 0.1, "")
    em = ens.ajuster_emulateur(pts.to_numpy(), pd.DataFrame({"C1": f(pts)}), {"C1": 0.0}, 2, bornes, [cible])
    test = ens.hypercube_latin(bornes, 200, 2)
    m, v = em.predire(test.to_numpy())["C1"]
    assert np.max(np.abs(m - f(test).to_numpy())) < 0.05
    assert np.all(v >= 0) and np.sqrt(v).mean() < 0.05
    assert em.diagnostics["C1"]["r2_vc"] > 0.95
    # Bruit connu : la variance prédite ne descend pas sous zéro et la validation croisée reste bonne.
    assert em.diagnostics["C1"]["part_3_ecarts_types_vc"] >= 0.9


def test_implausibilite_exclut_la_region_connue(tmp_path):
    """Jouet : C1 = 0,1 + 0,1 × cout_base (cible 0,34 ± 0,02) et C2 = 0,05 × stigmate (cible 0,05 ± 0,01). La région
    non exclue est autour de cout_base = 2,4 et stigmate = 1 ; les jeux acceptés y sont tous, et leurs cibles sont
    dans la tolérance sur graines fraîches ; C3 (2021) est prédite."""
    pe = ens.lire_plan_ensemble(ecrire_plan(tmp_path), fonction_run="jouet_ensemble", annee_max_cibles=2019)
    assert [c.id for c in pe.plan.cibles] == ["C1", "C2"]
    res = ens.construire_ensemble(pe, tmp_path / "ens", travailleurs=1, barre=False,
                                  fichier=tmp_path / "ensemble.toml")
    em = res.emulateur
    imp = em.implausibilite(np.array([[2.4, 1.0], [0.5, 1.0], [2.4, 2.8], [0.3, 0.3]]), 2)
    assert imp["max"].iloc[0] < 3 and (imp["max"].iloc[1:] > 3).all()
    assert imp.loc[1, "C1"] > 3 and imp.loc[2, "C2"] > 3  # chaque région exclue l'est par la bonne cible
    assert res.meta["vague"][1]["part_non_implausible"] < 0.2  # la vague 2 ne tire que dans la région non exclue
    acc = res.acceptes
    assert len(acc) >= 5
    b = acc["decision.cout_base"]
    s = acc["prestations.rsa.stigmate"]
    assert b.between(2.0, 2.8).all() and s.between(0.6, 1.4).all()
    assert ((acc["C1"] - 0.34).abs() <= 0.02).all() and ((acc["C2"] - 0.05).abs() <= 0.01).all()
    # Le fichier se relit ; la prédiction de C3 (non ajustée) est dans [meta.cibles].
    lu = ens.charger_ensemble(res.fichier)
    assert len(lu.jeux) == len(acc)
    pred = ens.tableau_ensemble(lu, predites_seulement=True)
    assert list(pred["cible"]) == ["C3"]
    assert pred["mediane"].iloc[0] == pytest.approx(0.3, abs=0.01)
    assert lu.meta["graines_verification"] == [5000, 5001] and lu.meta["annee_max_cibles"] == 2019
    assert set(lu.meta["emulateur"]) == {"C1", "C2"}


class _CibleFixe:
    """Émulateur de cible factice : espérance et variance données, partout."""

    def __init__(self, m: float, v: float):
        self.m, self.v = m, v

    def predire(self, u):
        return np.full(len(u), self.m), np.full(len(u), self.v)


def test_probabilite_d_acceptation_valeurs_exactes():
    """P(x) = Π_c [Φ((z + t − m)/s) − Φ((z − t − m)/s)], s² = Var + σ²/R : valeurs à la main.
    C1 : m = z, s = 1, t = 1 → Φ(1) − Φ(−1) = 0,682689… ; C2 : m = z + 1, Var = 3, σ² = 2, R = 2 (s = 2), t = 1 →
    Φ(0) − Φ(−1) = 0,341345… ; produit 0,233031…"""
    c1 = Cible("C1", "", "", "", 2018, 0.34, 1.0, "")
    c2 = Cible("C2", "", "", "", 2018, 5.0, 1.0, "")
    em = ens.Emulateur({"x": (0.0, 1.0)}, [c1, c2], {"C1": _CibleFixe(0.34, 0.0), "C2": _CibleFixe(6.0, 3.0)},
                       {"C1": 2.0, "C2": 2.0})
    p = np.exp(em.log_proba_acceptation(np.array([[0.5], [0.1]]), 2))
    assert p == pytest.approx([0.682689492 * 0.341344746] * 2, rel=1e-7)
    seul = ens.Emulateur({"x": (0.0, 1.0)}, [c1], {"C1": _CibleFixe(0.34, 0.0)}, {"C1": 1.0})
    assert np.exp(seul.log_proba_acceptation(np.array([[0.5]]), 1)) == pytest.approx([0.682689492], rel=1e-7)


def test_tension_valeurs_exactes():
    """Deux candidats, P_C1 = (0,9 ; 0,2), P_C2 = (0,1 ; 0,8) : au mieux 0,16 avec les deux cibles (0,2 × 0,8),
    0,8 sans C1, 0,9 sans C2 ; chaque cible seule : 0,9 et 0,8."""
    from types import SimpleNamespace

    lp = np.log(np.array([[0.9, 0.1], [0.2, 0.8]]))
    em = SimpleNamespace(cibles=[SimpleNamespace(id="C1"), SimpleNamespace(id="C2")],
                         log_proba_par_cible=lambda x, r: lp)
    pe = SimpleNamespace(cles=["a"], reglages=SimpleNamespace(replicats_verification=2))
    t = ens.tension(em, pd.DataFrame({"a": [0.0, 1.0]}), pe)
    assert t["candidats"] == 2
    assert t["proba_max"] == pytest.approx(0.16)
    assert t["proba_max_sans"] == pytest.approx({"C1": 0.8, "C2": 0.9})
    assert t["proba_max_seule"] == pytest.approx({"C1": 0.9, "C2": 0.8})
    assert ens.tension(em, pd.DataFrame({"a": []}), pe) == {"candidats": 0}


def test_recentrage_et_candidats_voisins(tmp_path):
    """premiere_vague_recentree = 3, part_candidats_voisins = 0,5 : la moitié des candidats des vagues 2 et 3 et de la
    vérification est tirée autour des jeux non exclus, la vague 3 selon la probabilité d'acceptation prédite ; la
    vérification est résumée par cible (acceptés ou non), chaque jeu porte sa probabilité prédite, et les jeux
    acceptés sont dans la région connue (jouet : cout_base ≈ 2,4, stigmate ≈ 1)."""
    pe = ens.lire_plan_ensemble(ecrire_plan(tmp_path, vagues=3, premiere_vague_recentree=3, part_candidats_voisins=0.5,
                                            runs_par_vague=16, candidats=4000, verifications_max=20),
                                fonction_run="jouet_ensemble", annee_max_cibles=2019)
    res = ens.construire_ensemble(pe, tmp_path / "ens", travailleurs=1, barre=False,
                                  fichier=tmp_path / "ensemble.toml")
    v2, v3 = res.meta["vague"][1], res.meta["vague"][2]
    assert v2["candidats"] == v3["candidats"] == 4000 and v2["candidats_voisins"] == v3["candidats_voisins"] == 2000
    assert v2["tirage"] == "uniforme" and v3["tirage"].startswith("selon la probabilit")
    # Les candidats voisins tombent plus souvent dans la région non exclue que ceux de l'hypercube latin.
    jeux_simules = ens.moyennes_par_jeu(res.runs, pe.cles, pe.plan.cibles)
    cand = ens.tirer_candidats(res.emulateur, pe, ens.ancres(res.emulateur, jeux_simules, pe), [1, 2, 3])
    part = (cand["implausibilite"] <= pe.reglages.seuil_implausibilite).groupby(cand["origine"]).mean()
    assert part["voisin"] > 2 * part["lhs"]
    ver = res.meta["verification"]
    assert ver["jeux"] == len(res.verification) == 20
    # Tension : P(toutes les cibles) ≤ P(toutes sauf une) ≤ 1, écrite dans le fichier ([meta.tension]).
    t = res.meta["tension"]
    assert t["candidats"] > 0 and set(t["proba_max_sans"]) == {"C1", "C2"}
    assert all(t["proba_max"] <= p + 1e-12 <= 1 + 1e-12 for p in t["proba_max_sans"].values())
    assert set(ver["part_dans_tolerance"]) == {"C1", "C2"}
    assert sum(ver["jeux_par_cibles_atteintes"].values()) == 20
    assert ver["part_acceptee"] == pytest.approx(len(res.acceptes) / 20)
    assert 0 < ver["proba_acceptation_predite_moyenne"] <= 1
    acc = res.acceptes
    assert len(acc) >= 10
    assert acc["decision.cout_base"].between(2.0, 2.8).all() and acc["prestations.rsa.stigmate"].between(0.6, 1.4).all()
    lu = ens.charger_ensemble(res.fichier)
    assert lu.meta["verification"]["jeux"] == 20
    assert lu.meta["tension"]["proba_max"] == pytest.approx(t["proba_max"])
    import tomllib

    jeux = tomllib.loads(res.fichier.read_text(encoding="utf-8"))["jeu"]
    assert len(jeux) == len(acc) and all(0 < j["proba_acceptation_predite"] <= 1 for j in jeux)
    # La référence calibrée adopte le jeu de plus grande probabilité prédite ; les autres valeurs sont gardées.
    k, chemin = ens.calibration_depuis_ensemble(res.fichier, tmp_path / "calibration.toml")
    probas = [j["proba_acceptation_predite"] for j in jeux]
    assert k == probas.index(max(probas))
    cal = tomllib.loads(chemin.read_text(encoding="utf-8"))
    assert cal["meta"]["methode"] == "ensemble" and cal["meta"]["jeu"] == k
    assert cal["meta"]["jeux_acceptes"] == len(jeux)
    for cle, v in jeux[k]["valeurs"].items():
        assert cal["valeurs"][cle] == v
    en_vigueur = tomllib.loads((ens.DOSSIER_PARAMETRES / "calibration.toml").read_text(encoding="utf-8"))["valeurs"]
    autres = set(en_vigueur) - set(jeux[k]["valeurs"])
    assert autres and all(cal["valeurs"][c] == en_vigueur[c] for c in autres)
    assert set(cal["meta"]["ajustement"]) == {"C1", "C2"}
    assert cal["meta"]["ajustement"]["C1"]["modele"] == pytest.approx(jeux[k]["cibles"]["C1"], rel=1e-3)


def _lignes_journaux(dossier: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in dossier.glob("*/journal.jsonl"))


def test_reprise_ne_refait_pas_les_runs(tmp_path):
    """Un deuxième lancement relit les runs stockés : aucun run de plus, mêmes jeux acceptés ; un run effacé
    (interruption simulée) est refait seul."""
    pe = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=8, candidats=2000),
                                fonction_run="jouet_ensemble")
    d = tmp_path / "ens"
    r1 = ens.construire_ensemble(pe, d, travailleurs=1, barre=False, ecrire=False)
    n1 = _lignes_journaux(d)
    assert n1 == r1.meta["runs"]
    r2 = ens.construire_ensemble(pe, d, travailleurs=1, barre=False, ecrire=False)
    assert _lignes_journaux(d) == n1
    pd.testing.assert_frame_equal(r1.acceptes.reset_index(drop=True), r2.acceptes.reset_index(drop=True))
    (d / "vague_02" / "resume" / "p000003_r001.parquet").unlink()
    ens.construire_ensemble(pe, d, travailleurs=1, barre=False, ecrire=False)
    assert _lignes_journaux(d) == n1 + 1
    # Un autre plan (seuil différent) ne reprend pas ce dossier.
    autre = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=8, candidats=2000,
                                               seuil_implausibilite=2.5), fonction_run="jouet_ensemble")
    with pytest.raises(ens.ErreurEntree, match="autre plan"):
        ens.construire_ensemble(autre, d, travailleurs=1, barre=False, ecrire=False)


def test_ajouter_des_vagues_reprend_les_runs_et_refait_la_verification(tmp_path):
    """`--vagues 3` sur un ensemble fini à 2 vagues : les vagues 1 et 2 sont reprises telles quelles (aucun de leurs
    runs refait), la vague 3 s'ajoute, la vérification faite après 2 vagues est archivée et une nouvelle est
    tirée ; relancer encore ne refait rien."""
    chemin = ecrire_plan(tmp_path, runs_par_vague=8, candidats=2000, verifications_max=6)
    d = tmp_path / "ens"
    r2 = ens.construire_ensemble(ens.lire_plan_ensemble(chemin, fonction_run="jouet_ensemble"), d, travailleurs=1,
                                 barre=False, ecrire=False)
    pts2 = pd.read_parquet(d / "vague_02" / "points.parquet")
    n2 = _lignes_journaux(d)
    pe3 = ens.lire_plan_ensemble(chemin, fonction_run="jouet_ensemble", vagues=3)
    r3 = ens.construire_ensemble(pe3, d, travailleurs=1, barre=False, ecrire=False)
    assert r3.meta["vagues_faites"] == 3
    pd.testing.assert_frame_equal(pd.read_parquet(d / "vague_02" / "points.parquet"), pts2)
    archive = d / "verification_2_vagues_6"
    assert archive.is_dir() and len(list((archive / "resume").glob("*.parquet"))) == len(r2.verification) * 2
    assert json.loads((d / "verification" / "tirage.json").read_text(encoding="utf-8")) == {
        "apres_vagues": 3, "verifications_max": 6, "cibles_echelle_log": []}
    # Runs ajoutés : ceux de la vague 3 et de la nouvelle vérification, pas un de plus.
    assert _lignes_journaux(d) == n2 + r3.meta["vague"][2]["runs"] + len(r3.verification) * 2
    n3 = _lignes_journaux(d)
    ens.construire_ensemble(pe3, d, travailleurs=1, barre=False, ecrire=False)
    assert _lignes_journaux(d) == n3


def test_echelle_log_valeurs_exactes():
    """Cible C8 (2,3 ± 1,2) : décalage 0,12, intervalle [1,1 ; 3,5] porté en [log 1,22 ; log 3,62], d'où centre et
    demi-largeur ; une cible dont l'intervalle passe sous 0 part de log(décalage) ; les autres cibles inchangées ;
    runs transformés un par un (négatif ramené à 0), les autres colonnes intactes."""
    c8 = Cible("C8", "", "", "", 2023, 2.3, 1.2, "")
    c2 = Cible("C2", "", "", "", 2018, 0.05, 0.1, "")
    c1 = Cible("C1", "", "", "", 2018, 0.34, 0.02, "")
    e8, e2, e1 = ens.cibles_emulees([c8, c2, c1], ["C8", "C2"])
    assert e8.valeur == pytest.approx((np.log(1.22) + np.log(3.62)) / 2, abs=1e-12)
    assert e8.tolerance == pytest.approx((np.log(3.62) - np.log(1.22)) / 2, abs=1e-12)
    assert e2.valeur == pytest.approx((np.log(0.01) + np.log(0.16)) / 2, abs=1e-12)
    assert e1 == c1
    runs = pd.DataFrame({"cible_C8": [2.3, -0.5], "cible_C1": [0.3, 0.4]})
    t = ens.runs_emules(runs, [c8, c1], ["C8"])
    np.testing.assert_allclose(t["cible_C8"], [np.log(2.42), np.log(0.12)], rtol=0, atol=1e-12)
    pd.testing.assert_series_equal(t["cible_C1"], runs["cible_C1"])
    assert runs["cible_C8"].tolist() == [2.3, -0.5]  # l'original n'est pas modifié


@settings(max_examples=200, deadline=None)
@given(valeur=st.floats(0.0, 1e4), tolerance=st.floats(1e-3, 1e3), y=st.floats(0.0, 2e4))
def test_echelle_log_garde_la_tolerance(valeur, tolerance, y):
    """Propriété : pour y ≥ 0, y est dans la tolérance de la cible si et seulement si son image sur l'échelle log
    est dans la tolérance de la cible transformée (la transformation est croissante ; quand v − t < 0, la borne
    basse devient l'image de 0) ; points à moins de l'arrondi d'une borne exclus."""
    c = Cible("C", "", "", "", 2023, valeur, tolerance, "")
    e = ens.cibles_emulees([c], ["C"])[0]
    ecart = abs(float(ens.vers_log(y, c)) - e.valeur) - e.tolerance
    dedans = abs(y - valeur) - tolerance
    if abs(dedans) > 1e-6 * (1 + tolerance) and abs(ecart) > 1e-9:
        assert (dedans <= 0) == (ecart <= 0)


def test_echelle_log_hors_empreinte_reprend_les_runs(tmp_path):
    """Passer C2 sur l'échelle log sur un ensemble fini : même empreinte, aucun run des vagues refait, la
    vérification est archivée puis refaite avec l'émulateur sur l'échelle log ; [meta] et tirage.json le disent ;
    la vérification juge toujours sur l'échelle d'origine (acceptés dans la tolérance d'origine)."""
    chemin = ecrire_plan(tmp_path, runs_par_vague=8, candidats=2000, verifications_max=6)
    d = tmp_path / "ens"
    lin = ens.lire_plan_ensemble(chemin, fonction_run="jouet_ensemble")
    ens.construire_ensemble(lin, d, travailleurs=1, barre=False, ecrire=False)
    n = _lignes_journaux(d)
    chemin_log = ecrire_plan(tmp_path, runs_par_vague=8, candidats=2000, verifications_max=6,
                             cibles_echelle_log='["C2", "C3"]')
    log = ens.lire_plan_ensemble(chemin_log, fonction_run="jouet_ensemble", annee_max_cibles=2019)
    assert log.reglages.cibles_echelle_log == ["C2"]  # C3 est prédite ici, pas émulée
    log = ens.lire_plan_ensemble(chemin_log, fonction_run="jouet_ensemble")
    assert log.reglages.cibles_echelle_log == ["C2", "C3"] and log.empreinte() == lin.empreinte()
    r = ens.construire_ensemble(log, d, travailleurs=1, barre=False, ecrire=False)
    assert (d / "verification_2_vagues_6").is_dir()
    assert _lignes_journaux(d) == n + len(r.verification) * 2
    assert r.meta["cibles_echelle_log"] == ["C2", "C3"]
    assert json.loads((d / "verification" / "tirage.json").read_text())["cibles_echelle_log"] == ["C2", "C3"]
    # Émulateur sur l'échelle log : il prédit log(C2 + 0,001), soit log(0,05 × stigmate + 0,001).
    x = np.array([[1.0, 2.0]])
    m, _ = r.emulateur.predire(x)["C2"]
    assert m[0] == pytest.approx(np.log(0.05 * 2.0 + 0.001), abs=0.05)
    for c in log.plan.cibles:
        assert ((r.acceptes[c.id] - c.valeur).abs() <= c.tolerance).all()


def test_vague1_reprise_d_un_autre_ensemble(tmp_path):
    """L'ensemble hors échantillon reprend la vague 1 de l'ensemble complet du même plan : aucun run refait, mêmes
    valeurs de run ; le même ensemble calculé sans reprise donne les mêmes jeux acceptés. Une source aux autres
    réglages (runs par vague), inachevée ou absente est refusée (ErreurEntree, code 2) et rien n'est copié."""
    chemin = ecrire_plan(tmp_path, runs_par_vague=10, candidats=2000)
    complet = ens.lire_plan_ensemble(chemin, fonction_run="jouet_ensemble")
    src = tmp_path / "complet"
    ens.construire_ensemble(complet, src, travailleurs=1, barre=False, ecrire=False)
    hors = ens.lire_plan_ensemble(chemin, fonction_run="jouet_ensemble", annee_max_cibles=2019, vagues=1)
    d = tmp_path / "hors"
    r = ens.construire_ensemble(hors, d, travailleurs=1, barre=False, ecrire=False, vague1_de=src)
    journal = (d / "vague_01" / "journal.jsonl").read_text().splitlines()
    assert journal == (src / "vague_01" / "journal.jsonl").read_text().splitlines()  # rien de refait
    assert r.meta["vague"][0]["copiee_de"].endswith("complet")
    seul = ens.construire_ensemble(hors, tmp_path / "seul", travailleurs=1, barre=False, ecrire=False)
    cols = ["point", "replicat", "graine", "cible_C1", "cible_C2"]
    pd.testing.assert_frame_equal(r.runs[cols].reset_index(drop=True), seul.runs[cols].reset_index(drop=True))
    pd.testing.assert_frame_equal(r.acceptes.reset_index(drop=True), seul.acceptes.reset_index(drop=True))
    autre = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=12, candidats=2000),
                                   fonction_run="jouet_ensemble", annee_max_cibles=2019, vagues=1)
    with pytest.raises(ens.ErreurEntree, match="points de ce plan"):
        ens.construire_ensemble(autre, tmp_path / "x", travailleurs=1, barre=False, ecrire=False, vague1_de=src)
    assert not (tmp_path / "x" / "vague_01").exists()
    (src / "vague_01" / "resume" / "p000002_r000.parquet").unlink()
    with pytest.raises(ens.ErreurEntree, match="pas terminée"):
        ens.construire_ensemble(hors, tmp_path / "y", travailleurs=1, barre=False, ecrire=False, vague1_de=src)
    with pytest.raises(ens.ErreurEntree, match="Pas de vague 1"):
        ens.construire_ensemble(hors, tmp_path / "z", travailleurs=1, barre=False, ecrire=False,
                                vague1_de=tmp_path / "absent")


@pytest.mark.parametrize("champ, valeur, motif", [
    ("seuil_implausibilite", "-1.0", "ensemble.seuil_implausibilite"),
    ("replicats", "1", "ensemble.replicats"),
    ("plage", '"bornes"', "ensemble.plage"),
    ("graine_verification", "10", "ensemble.graine_verification"),
    ("vagues", "0", "ensemble.vagues"),
    ("part_candidats_voisins", "1.0", "ensemble.part_candidats_voisins"),
    ("premiere_vague_recentree", "1", "ensemble.premiere_vague_recentree"),
    ("cibles_echelle_log", '["C9"]', "ensemble.cibles_echelle_log"),
    ("cibles_echelle_log", '"C2"', "ensemble.cibles_echelle_log"),
])
def test_entree_invalide_dans_le_plan(tmp_path, capsys, champ, valeur, motif):
    """Valeur invalide de [ensemble] : code 2, message français qui nomme le fichier, la clé et ce qui est permis."""
    plan = ecrire_plan(tmp_path, **{champ: valeur})
    code = main(["ensemble", str(plan), "--sortie", str(tmp_path / "ens"), "--sans-ecrire"])
    err = capsys.readouterr().err
    assert code == 2
    assert motif in err and "plan.toml" in err and "Attendu" in err or "attendu" in err
    assert not (tmp_path / "ens").exists()


def test_entree_invalide_en_option(tmp_path, capsys):
    """Options : --replicats 1 refusé par l'analyseur, --seuil-implausibilite nan par la validation (code 2)."""
    plan = ecrire_plan(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["ensemble", str(plan), "--replicats", "1"])
    assert e.value.code == 2
    assert main(["ensemble", str(plan), "--seuil-implausibilite", "nan", "--sans-ecrire"]) == 2
    err = capsys.readouterr().err
    assert "--seuil-implausibilite" in err and "Seuil d'implausibilité invalide" in err
    assert main(["ensemble", str(plan), "--annee-max-cibles", "2010", "--sans-ecrire"]) == 2
    assert "Aucune cible datée" in capsys.readouterr().err
    # Refusé avant tout run : --ecrire-calibration lit le fichier d'ensemble que --sans-ecrire n'écrirait pas.
    assert main(["ensemble", str(plan), "--ecrire-calibration", "--sans-ecrire", "--sortie",
                 str(tmp_path / "ens")]) == 2
    assert "--ecrire-calibration" in capsys.readouterr().err and not (tmp_path / "ens").exists()


def test_plan_livre_a_une_section_ensemble():
    """Le plan livré déclare ses réglages d'ensemble (seuil 3) et échantillonne les plages plausibles."""
    pe = ens.lire_plan_ensemble()
    assert pe.reglages.seuil_implausibilite == 3.0 and pe.reglages.plage == "plausible"
    from modele.parametres import Parametres

    decl = Parametres.defauts().declarations
    assert all(pe.bornes[k] == tuple(decl[k].plausible) for k in pe.bornes)
    assert [c.id for c in ens.lire_plan_ensemble(annee_max_cibles=2019).plan.cibles] == ["C1", "C2", "C4"]


# --- comparer --ensemble ---------------------------------------------------------------------------------------

def test_effets_ensemble_deux_intervalles_valeurs_exactes():
    """2 jeux × 2 graines construits à la main : effets par jeu 1 et 3 (robuste), ou −1 et 1 (non robuste) ;
    intervalle sur l'ensemble = [min ; max] des effets par jeu ; sur les graines, ± t(2) × s / √2."""
    from scipy import stats

    from experiences.comparaison.ecarts import effets_ensemble

    lignes = []
    # réplicat = jeu × 2 + graine ; référence 0 partout.
    effets = {"a": [0.5, 1.5, 2.0, 4.0], "b": [-1.5, -0.5, 0.0, 2.0]}
    for det, e in effets.items():
        for rep in range(4):
            lignes.append({"scenario": "ref", "replicat": rep, "rubrique": "non_recours",
                           "indicateur": "taux_non_recours", "detail": det, "valeur": 0.3})
            lignes.append({"scenario": "s", "replicat": rep, "rubrique": "non_recours",
                           "indicateur": "taux_non_recours", "detail": det, "valeur": 0.3 + e[rep]})
    out = effets_ensemble(pd.DataFrame(lignes), ["ref", "s"], 2).set_index("detail")
    a, b = out.loc["a"], out.loc["b"]
    assert a["effet"] == pytest.approx(2.0) and a["ensemble_bas"] == pytest.approx(1.0)
    assert a["ensemble_haut"] == pytest.approx(3.0) and bool(a["robuste"]) and a["jeux_meme_signe"] == 1.0
    s_w = np.sqrt((0.5 + 2.0) / 2)  # variances par jeu : 0,5 et 2
    demi = stats.t.ppf(0.975, 2) * s_w / np.sqrt(2)
    assert a["graines_bas"] == pytest.approx(2.0 - demi) and a["graines_haut"] == pytest.approx(2.0 + demi)
    assert b["effet"] == pytest.approx(0.0) and not bool(b["robuste"])
    assert b["ensemble_bas"] == pytest.approx(-1.0) and b["ensemble_haut"] == pytest.approx(1.0)


def ecrire_ensemble_a_la_main(chemin: Path) -> Path:
    """Un fichier d'ensemble minimal de deux jeux (valeurs du modèle distinctes pour l'élasticité de l'offre)."""
    texte = textwrap.dedent(f"""
        [meta]
        format = "{ens.FORMAT_ENSEMBLE}"
        date = "2026-12-03T00:00:00"
        commit = "test"
        acceptes = 2
        empreinte = "test"

        [[jeu]]
        numero = 0
        valeurs = {{ "demarches.elasticite_offre_acteurs" = 0.5, "decision.cout_base" = 0.5 }}
        cibles = {{ C1 = 0.33 }}

        [[jeu]]
        numero = 1
        valeurs = {{ "demarches.elasticite_offre_acteurs" = 2.0, "decision.cout_base" = 0.7 }}
        cibles = {{ C1 = 0.35 }}
        """)
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def test_comparer_ensemble_deux_jeux_deux_graines(tmp_path, capsys):
    """`comparer --ensemble 2` sur le vrai modèle (300 ménages, 3 mois) : 2 scénarios × 2 jeux × 2 graines, les
    deux intervalles et la robustesse par effet, dans effets_ensemble.csv, la sortie et le rapport."""
    fichier = ecrire_ensemble_a_la_main(tmp_path / "ens.toml")
    sortie = tmp_path / "cmp"
    code = main(["comparer", "reference", "renfort_mediation", "--ensemble", "2", "--fichier-ensemble", str(fichier),
                 "--replicats", "2", "--menages", "300", "--debut", "2023-01", "--fin", "2023-03",
                 "--travailleurs", "2", "--sortie", str(sortie)])
    out = capsys.readouterr().out
    assert code == 0
    eff = pd.read_csv(sortie / "effets_ensemble.csv")
    assert set(eff["scenario"]) == {"renfort_mediation"} and (eff["replicats"] == 2).all()
    nr = eff[(eff["indicateur"] == "taux_non_recours") & (eff["detail"] == "toutes")].iloc[0]
    assert nr["jeux"] == 2  # (un indicateur sans valeur dans un jeu compte moins de jeux)
    eff = eff.dropna(subset=["effet"])
    assert (eff["ensemble_bas"] <= eff["effet"] + 1e-12).all() and (eff["effet"] <= eff["ensemble_haut"] + 1e-12).all()
    assert (eff["graines_bas"] <= eff["graines_haut"]).all()
    assert eff["robuste"].dtype == bool
    # Les jeux ont été appliqués : les deux jeux donnent des séries différentes (effet ou niveaux).
    prov = json.loads((sortie / "provenance.json").read_text(encoding="utf-8"))
    assert prov["ensemble"]["jeux"] == [0, 1] and prov["graines"] == [0, 1]
    series = pd.read_parquet(sortie / "series.parquet")
    assert sorted(series["replicat"].unique()) == [0, 1, 2, 3]
    html = (sortie / "rapport.html").read_text(encoding="utf-8")
    assert "Effets sur l'ensemble calibré" in html and "pas encore évalué" not in html
    assert "sur 2 jeux × 2 graines" in out and "robuste :" in out


def test_rapport_sans_ensemble_signale_l_ensemble_livre(tmp_path, monkeypatch):
    """Sans --ensemble, le résumé du rapport dit qu'un ensemble livré existe (nombre de jeux, commande) ; sans
    fichier lisible, il n'en parle pas."""
    from experiences.comparaison import rapport

    monkeypatch.setattr(ens, "FICHIER_ENSEMBLE", tmp_path / "absent.toml")
    assert rapport.jeux_ensemble_livre() is None
    monkeypatch.setattr(ens, "FICHIER_ENSEMBLE", ecrire_ensemble_a_la_main(tmp_path / "ens.toml"))
    assert rapport.jeux_ensemble_livre() == 2
    sortie = tmp_path / "cmp"
    assert main(["comparer", "reference", "renfort_mediation", "--replicats", "2", "--menages", "300", "--debut",
                 "2023-01", "--fin", "2023-02", "--travailleurs", "1", "--sortie", str(sortie)]) == 0
    html = " ".join((sortie / "rapport.html").read_text(encoding="utf-8").split())
    assert "Un ensemble de 2 jeux acceptés est livré" in html and "--ensemble 10" in html


def test_comparer_ensemble_invalide_code_2(tmp_path, capsys):
    """K plus grand que l'ensemble, ou fichier absent : code 2, message français nommant le fichier."""
    fichier = ecrire_ensemble_a_la_main(tmp_path / "ens.toml")
    args = ["comparer", "reference", "renfort_mediation", "--replicats", "2", "--menages", "300", "--debut",
            "2023-01", "--fin", "2023-02", "--sortie", str(tmp_path / "c")]
    assert main(args + ["--ensemble", "5", "--fichier-ensemble", str(fichier)]) == 2
    err = capsys.readouterr().err
    assert "ens.toml" in err and "--ensemble" in err and "entre 1 et 2" in err
    assert main(args + ["--ensemble", "2", "--fichier-ensemble", str(tmp_path / "absent.toml")]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


# --- valider : ensemble et prédiction hors échantillon ----------------------------------------------------------

def test_valider_tables_ensemble_et_prediction(tmp_path):
    """Le rapport de validation lit un ensemble (toutes les cibles) et un ensemble hors échantillon (ajusté sur C1,
    C2 datées de 2018) : table « prédiction » limitée aux cibles non ajustées (C3, 2021), médiane et intervalle de
    l'ensemble contre la valeur publiée ; un ensemble ajusté sur tout refusé comme prédiction (code 2)."""
    from experiences.calibration.validation import Reglages, tables_ensemble

    pe = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=12, candidats=2000),
                                fonction_run="jouet_ensemble", annee_max_cibles=2019)
    res = ens.construire_ensemble(pe, tmp_path / "e", travailleurs=1, barre=False, fichier=tmp_path / "pred.toml")
    t = tables_ensemble(Reglages(ensemble=res.fichier, prediction=res.fichier))
    pred = t["prediction"]
    assert list(pred["cible"]) == ["C3"] and pred["publie"].iloc[0] == 0.31
    assert pred["bas"].iloc[0] <= pred["mediane"].iloc[0] <= pred["haut"].iloc[0]
    assert bool(pred["dans_tolerance_mediane"].iloc[0])  # 0,30 prédit contre 0,31 ± 0,04
    tout = t["ensemble"].set_index("cible")
    assert list(tout.index) == ["C1", "C2", "C3"] and (tout.loc[["C1", "C2"], "part_dans_tolerance"] == 1.0).all()
    assert t["meta_prediction"]["annee_max_cibles"] == 2019
    pe2 = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=12, candidats=2000),
                                 fonction_run="jouet_ensemble")
    r2 = ens.construire_ensemble(pe2, tmp_path / "e2", travailleurs=1, barre=False, fichier=tmp_path / "tout.toml")
    with pytest.raises(ens.ErreurEntree, match="hors échantillon"):
        tables_ensemble(Reglages(ensemble=r2.fichier, prediction=r2.fichier))
    with pytest.raises(ens.ErreurEntree, match="introuvable"):
        tables_ensemble(Reglages(ensemble=tmp_path / "absent.toml"))


def test_pool_de_processus_donne_le_meme_ensemble(tmp_path):
    """Le même plan exécuté en séquentiel et sur un pool de 2 processus donne les mêmes runs et les mêmes jeux
    acceptés (graines fixées par jeu et réplicat, points écrits avant les runs)."""
    pe = ens.lire_plan_ensemble(ecrire_plan(tmp_path, runs_par_vague=6, candidats=1000, verifications_max=6),
                                fonction_run="jouet_ensemble")
    a = ens.construire_ensemble(pe, tmp_path / "seq", travailleurs=1, barre=False, ecrire=False)
    b = ens.construire_ensemble(pe, tmp_path / "pool", travailleurs=2, barre=False, ecrire=False)
    cols = ["vague", "point", "replicat", "graine", "cible_C1", "cible_C2"]
    pd.testing.assert_frame_equal(a.runs[cols].sort_values(cols[:3]).reset_index(drop=True),
                                  b.runs[cols].sort_values(cols[:3]).reset_index(drop=True))
    pd.testing.assert_frame_equal(a.verification.reset_index(drop=True), b.verification.reset_index(drop=True))
