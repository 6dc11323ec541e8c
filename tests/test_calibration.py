"""Calibration : plan validé, étude reprenable, fichier calibration.toml lu par les scénarios ([valeurs] seulement)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from experiences.calibration import ajustement as cal
from experiences.cli import main
from modele import scenarios
from modele.parametres import RACINE, ErreurEntree, Parametres

CIBLES_MINI = """
[[cible]]
id = "C5b"
description = "abandon en ligne"
unite = "part"
fenetre = "12 mois"
annee = 2021
valeur = 0.2
tolerance = 0.02
source = "test"
"""


# La référence sans la calibration livrée : les défauts déclarés sont le point de départ connu des tests.
SANS_CALIBRATION = """
[scenario]
nom = "reference_sans_calibration"
question = "test"
base = "reference"
calibration = false
"""


def ecrire_plan(dossier: Path, parametres: str, essais: int = 2, menages: int = 300, extra: str = "") -> Path:
    """Petit plan : fenêtre courte (2021-07 → 2021-12, rodage 30 semaines), une cible."""
    (dossier / "cibles.toml").write_text(CIBLES_MINI, encoding="utf-8")
    (dossier / "sans_cal.toml").write_text(SANS_CALIBRATION, encoding="utf-8")
    plan = dossier / "plan.toml"
    plan.write_text(f"""
[calibration]
nom = "mini"
scenario = "sans_cal.toml"
menages = {menages}
replicats = 1
graine = 7
debut = "2021-07"
fin = "2021-12"
essais = {essais}
demarrage = 2
fichier_cibles = "cibles.toml"
{extra}

[parametres]
{parametres}

[surcharges]
"simulation.rodage_semaines" = 30
""", encoding="utf-8")
    return plan


def test_plan_livre_valide_et_parametres_calibrables():
    plan = cal.lire_plan()
    decl = Parametres.defauts().declarations
    assert plan.parametres, "le plan livré libère des paramètres"
    for cle, (lo, hi) in plan.parametres.items():
        assert decl[cle].calibrable and decl[cle].hypothese, cle
        assert decl[cle].min <= lo < hi <= decl[cle].max, cle
    assert {c.id for c in plan.cibles} == {"C1", "C2", "C3", "C4", "C5a", "C5b", "C5c", "C6", "C7", "C8", "C9"}
    assert plan.fin >= "2023-12"


def test_plan_sous_ensemble_et_remplacements():
    plan = cal.lire_plan(parametres=["demarches.bonus_en_ligne"], cibles=["C5b"], menages=500, essais=3)
    assert list(plan.parametres) == ["demarches.bonus_en_ligne"]
    assert [c.id for c in plan.cibles] == ["C5b"] and plan.menages == 500 and plan.essais == 3


@pytest.mark.parametrize("parametres, extra, motif", [
    ('"demarches.tentatives_max" = {}', "", "pas déclaré calibrable"),
    ('"demarches.inconnu" = {}', "", "Paramètre inconnu"),
    ('"demarches.bonus_en_ligne" = { min = -50.0, max = 1.0 }', "", "hors bornes"),
    ('"demarches.bonus_en_ligne" = { min = 2.0, max = 1.0 }', "", "Bornes vides"),
    ('"demarches.bonus_en_ligne" = { min = 0.0, max = 3.0 }', "", "hors de la plage plausible"),
    ('"demarches.bonus_en_ligne" = "bornes"', "", "Bornes mal formées"),
    ('"demarches.bonus_en_ligne" = {}', 'echantillonneur = "magique"', "Échantillonneur inconnu"),
    ('"demarches.bonus_en_ligne" = {}', 'cibles = ["C7"]', "Cible inconnue"),
])
def test_plan_invalide(tmp_path, parametres, extra, motif):
    with pytest.raises(ErreurEntree, match=motif):
        cal.lire_plan(ecrire_plan(tmp_path, parametres, extra=extra))


def test_plan_sans_intervalle_prend_la_plage_plausible(tmp_path):
    d = Parametres.defauts().declarations["demarches.bonus_en_ligne"]
    for spec in ("{}", '"plausible"', "{ max = 2.0 }"):
        plan = cal.lire_plan(ecrire_plan(tmp_path, f'"demarches.bonus_en_ligne" = {spec}'))
        haut = 2.0 if "max" in spec else d.plausible[1]
        assert plan.parametres["demarches.bonus_en_ligne"] == (d.plausible[0], haut) == (-1.0, haut)
        assert (d.min, d.max) == (-5.0, 10.0)  # et non les bornes de validation


def test_plan_hors_plage_plausible_refuse_ou_averti(tmp_path, capsys):
    plan = ecrire_plan(tmp_path, '"demarches.bonus_en_ligne" = { min = -2.0, max = 1.0 }')
    code = main(["calibrer", str(plan), "--sortie", str(tmp_path / "etude"), "--sans-ecrire"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "plage plausible" in err and "parametres.demarches.bonus_en_ligne.min" in err and "-2" in err
    expres = ecrire_plan(tmp_path, '"demarches.bonus_en_ligne" = { min = -2.0, max = 1.0 }',
                         extra="hors_plage_plausible = true")
    with pytest.warns(UserWarning, match="hors de la plage plausible"):
        assert cal.lire_plan(expres).parametres["demarches.bonus_en_ligne"] == (-2.0, 1.0)


def test_plan_livre_dans_les_plages_plausibles():
    plan = cal.lire_plan()
    decl = Parametres.defauts().declarations
    for cle, (lo, hi) in plan.parametres.items():
        bas, haut = decl[cle].plausible
        assert bas <= lo < hi <= haut, cle
    assert plan.parametres["demarches.elasticite_offre_acteurs"] == decl["demarches.elasticite_offre_acteurs"].plausible


def test_periode_trop_courte_pour_la_cible(tmp_path):
    plan = ecrire_plan(tmp_path, '"demarches.bonus_en_ligne" = {}')
    with pytest.raises(ErreurEntree, match="fenêtre d'une cible"):
        cal.lire_plan(plan, debut="2021-01", fin="2021-11")


def test_cli_calibrer_plan_invalide_code_2(tmp_path, capsys):
    plan = ecrire_plan(tmp_path, '"demarches.tentatives_max" = {}')
    code = main(["calibrer", str(plan), "--sortie", str(tmp_path / "etude"), "--sans-ecrire"])
    err = capsys.readouterr().err
    assert code == 2
    assert "calibrable" in err and "Traceback" not in err


def test_etude_reprenable_et_fichier_calibration(tmp_path, monkeypatch):
    plan_f = ecrire_plan(tmp_path, '"demarches.bonus_en_ligne" = { min = 0.0, max = 2.5 }', essais=2)
    dossier = tmp_path / "etude"
    etude = cal.calibrer(cal.lire_plan(plan_f), dossier, travailleurs=1)
    premiers = [(t.number, t.params, t.value) for t in etude.trials]
    assert cal.n_termines(etude) == 2
    # Premier essai : la valeur en vigueur (défaut 1,5).
    assert premiers[0][1]["demarches.bonus_en_ligne"] == pytest.approx(1.5)
    # Reprise : on complète jusqu'à 3 essais sans refaire les deux premiers.
    etude = cal.calibrer(cal.lire_plan(plan_f, essais=3), dossier, travailleurs=1)
    assert cal.n_termines(etude) == 3
    assert [(t.number, t.params, t.value) for t in etude.trials][:2] == premiers
    # Un autre plan dans le même dossier est refusé.
    autre = ecrire_plan(tmp_path, '"demarches.repli_famille" = {}', essais=2)
    with pytest.raises(ErreurEntree, match="autre plan"):
        cal.calibrer(cal.lire_plan(autre), dossier, travailleurs=1)

    # Fichier de calibration : [meta] + [valeurs] ; les scénarios ne lisent que [valeurs].
    plan = cal.lire_plan(plan_f, essais=3)
    texte = cal.texte_calibration(plan, etude, {"decision.cout_base": 1.25}, commit="abc")
    fichier = cal.ecrire_calibration(texte, tmp_path / "calibration.toml")
    donnees = tomllib.loads(fichier.read_text(encoding="utf-8"))
    assert donnees["meta"]["menages"] == 300 and donnees["meta"]["graines"] == [7]
    assert donnees["meta"]["essais"] == 3 and "C5b" in donnees["meta"]["ajustement"]
    meilleur = etude.best_trial.params["demarches.bonus_en_ligne"]
    assert donnees["valeurs"]["demarches.bonus_en_ligne"] == pytest.approx(meilleur, rel=1e-3)
    assert donnees["valeurs"]["decision.cout_base"] == 1.25  # valeurs précédentes gardées
    monkeypatch.setattr(scenarios, "FICHIER_CALIBRATION", fichier)
    p = scenarios.charger_scenario("reference").parametres_base()
    assert p["demarches.bonus_en_ligne"] == pytest.approx(meilleur, rel=1e-3)
    assert p["decision.cout_base"] == 1.25
    assert p.origines["decision.cout_base"] == "calibration"
    sans = scenarios.Scenario(**{**scenarios.charger_scenario("reference").__dict__, "calibration": False})
    assert sans.parametres_base()["decision.cout_base"] == Parametres.defauts()["decision.cout_base"]


def test_calibration_livree_valide_et_documentee():
    f = scenarios.FICHIER_CALIBRATION
    assert f.is_file(), "parametres/calibration.toml est commité"
    donnees = tomllib.loads(f.read_text(encoding="utf-8"))
    decl = Parametres.defauts().declarations
    assert donnees["valeurs"]
    for cle, v in donnees["valeurs"].items():
        assert decl[cle].calibrable, cle
        decl[cle].valider(v)
    meta = donnees["meta"]
    if meta.get("methode") == "ensemble":
        # Un jeu accepté de l'ensemble livré : ses valeurs, et chaque cible dans sa tolérance sur graines fraîches.
        for champ in ("date", "menages", "replicats", "graines", "fichier_ensemble", "jeu", "jeux_acceptes"):
            assert champ in meta, champ
        ens = tomllib.loads((RACINE / meta["fichier_ensemble"]).read_text(encoding="utf-8"))
        assert len(ens["jeu"]) == meta["jeux_acceptes"]
        jeu = ens["jeu"][meta["jeu"]]
        for cle, v in jeu["valeurs"].items():
            assert donnees["valeurs"][cle] == v, cle
        assert set(donnees["meta"]["ajustement"]) == set(ens["meta"]["cibles_ajustees"])
        for cid, a in donnees["meta"]["ajustement"].items():
            assert abs(a["modele"] - a["publie"]) <= a["tolerance"] * (1 + 1e-3), cid
    else:
        for champ in ("date", "menages", "replicats", "graines", "essais", "perte", "perte_depart"):
            assert champ in meta, champ
        assert meta["perte"] <= meta["perte_depart"]
    p = scenarios.charger_scenario("reference").parametres_base()
    for cle, v in donnees["valeurs"].items():
        assert p[cle] == pytest.approx(v)


def test_tout_parametre_calibrable_a_une_plage_plausible_argumentee(tmp_path):
    decl = Parametres.defauts().declarations
    calibrables = [d for d in decl.values() if d.calibrable]
    assert len(calibrables) >= 17
    for d in calibrables:
        assert d.plausible is not None, d.cle
        bas, haut = d.plausible
        assert d.min <= bas < haut <= d.max, d.cle
        assert (bas, haut) != (d.min, d.max), f"{d.cle} : plage plausible = bornes de validation"
        assert bas <= d.valeur <= haut, f"{d.cle} : valeur par défaut hors de sa plage plausible"
        assert "Plage plausible" in d.doc or d.source, f"{d.cle} : plage ni argumentée ni sourcée"
    # Une déclaration calibrable sans plage plausible est refusée au chargement.
    from modele.parametres import lire_declarations
    texte = Path(decl["decision.cout_base"].fichier).read_text(encoding="utf-8")
    assert texte.count("plausible = [0.2, 3.0]\n") == 1
    sans = tmp_path / "decision.toml"
    sans.write_text(texte.replace("plausible = [0.2, 3.0]\n", ""), encoding="utf-8")
    with pytest.raises(ErreurEntree, match="decision.cout_base.plausible"):
        lire_declarations(sans)
