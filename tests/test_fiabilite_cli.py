"""Issue 16, côté commandes : chaque exemple de défaut a son test (sorties, arguments, plans, stock, erreurs).

Toute entrée invalide : code 2, message « Erreur » en français qui nomme la clé, pas de trace, rien d'écrit.
Une erreur interne (disque plein…) : code 1, message français, pas de trace (sauf `--debug`).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import experiences.execution.simulation as simulation
from experiences.cli import construire_analyseur, main
from modele.entrees import LIMITES
from modele.parametres import RACINE
from tests.balayage_jouet import texte_plan_jouet

COURT = ["--menages", "100", "--debut", "2014-01", "--fin", "2014-02", "--parametre", "simulation.rodage_semaines=0"]


def _lancer(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    sortie = capsys.readouterr()
    return code, sortie.err, sortie.out


def _refuse(argv, capsys, *attendus, code_attendu=2):
    code, err, out = _lancer(argv, capsys)
    assert code == code_attendu, err + out
    assert "Traceback" not in err and err.startswith(("Erreur", "usage")), err
    for a in attendus:
        assert a in err, f"« {a} » absent de :\n{err}"
    return err


@pytest.fixture
def pas_de_simulation(monkeypatch):
    """Échoue si une simulation est lancée : les refus doivent venir avant."""
    def interdit(*a, **k):
        raise AssertionError("la simulation a été lancée avant le refus")
    monkeypatch.setattr(simulation, "executer_plusieurs", interdit)


# --- Aide -----------------------------------------------------------------------------------------------------

def _sous_commandes():
    a = construire_analyseur()
    return sorted(a._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("commande", [[], *[[c] for c in _sous_commandes()]])
def test_aide_de_chaque_commande(commande, capsys):
    code, err, out = _lancer([*commande, "--help"], capsys)
    assert code == 0, err
    assert "usage" in out and "Traceback" not in err


def test_aide_nonrecours_sans_trace_en_processus():
    r = subprocess.run([sys.executable, "-m", "experiences.cli", "--help"], cwd=RACINE, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "comparer" in r.stdout and "Traceback" not in r.stderr


# --- Arguments ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, attendus", [
    (["--graine", str(10**30)], ["--graine", "trop grand"]),
    (["--graine", str(2**63)], ["--graine", "trop grand"]),
    (["--replicats", str(10**12)], ["--replicats", "trop grand", str(LIMITES["replicats"])]),
    (["--menages", str(10**9)], ["--menages", "trop grand"]),
    (["--travailleurs", "100000"], ["--travailleurs", "trop grand"]),
    (["--parametre", "decision.cout_base=1.0", "--parametre", "decision.cout_base=2.0"],
     ["--parametre", "decision.cout_base", "deux fois"]),
    (["--parametre", "decision.cout_base=nan"], ["decision.cout_base", "non finie"]),
])
def test_argument_refuse_avant_de_simuler(args, attendus, tmp_path, capsys, pas_de_simulation):
    _refuse(["simuler", *COURT, *args, "--sortie", tmp_path / "s"], capsys, *attendus)
    assert list(tmp_path.iterdir()) == []


# --- Sorties --------------------------------------------------------------------------------------------------

def test_sortie_sur_un_fichier_existant(tmp_path, capsys, pas_de_simulation):
    f = tmp_path / "fichier"
    f.write_text("à garder", encoding="utf-8")
    _refuse(["simuler", *COURT, "--sortie", f], capsys, "--sortie", "n'est pas un dossier")
    assert f.read_text(encoding="utf-8") == "à garder" and sorted(p.name for p in tmp_path.iterdir()) == ["fichier"]


def test_sortie_dev_null(capsys, pas_de_simulation):
    _refuse(["simuler", *COURT, "--sortie", "/dev/null"], capsys, "--sortie", "/dev/null")
    assert Path("/dev/null").is_char_device()


def test_sortie_lien_symbolique(tmp_path, capsys, pas_de_simulation):
    vrai = tmp_path / "vrai"
    vrai.mkdir()
    lien = tmp_path / "lien"
    lien.symlink_to(vrai)
    _refuse(["simuler", *COURT, "--sortie", lien], capsys, "--sortie", "lien symbolique")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lien", "vrai"] and list(vrai.iterdir()) == []


def test_sortie_non_vide(tmp_path, capsys, pas_de_simulation):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "autre.csv").write_text("x", encoding="utf-8")
    _refuse(["simuler", *COURT, "--sortie", tmp_path / "s"], capsys, "--sortie", "pas vide")


def test_sortie_sous_un_fichier(tmp_path, capsys, pas_de_simulation):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    _refuse(["simuler", *COURT, "--sortie", tmp_path / "f" / "s"], capsys, "--sortie", "inscriptible")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_sortie_en_lecture_seule_proc(capsys, pas_de_simulation):
    """Même sous root : /proc n'accepte pas de dossier ; refusé avant de simuler."""
    _refuse(["simuler", *COURT, "--sortie", "/proc/nonrecours_essai/s"], capsys, "--sortie")
    assert not Path("/proc/nonrecours_essai").exists()


def test_nom_de_scenario_qui_sortirait_de_resultats(tmp_path, capsys, pas_de_simulation):
    f = tmp_path / "evasion.toml"
    f.write_text('[scenario]\nnom = "../../../x"\nquestion = "q"\ncalibration = false\n', encoding="utf-8")
    _refuse(["simuler", f, *COURT], capsys, "scenario.nom", "../../../x")
    assert not (RACINE.parent.parent / "x").exists()


def test_dossier_par_defaut_un_seul_composant(monkeypatch, tmp_path):
    from experiences.execution import sorties

    monkeypatch.setattr(sorties, "RACINE", tmp_path)
    d = sorties.dossier_par_defaut("../../../x")
    assert d.parent == tmp_path / "resultats" and "/" not in d.name and ".." not in d.name
    d.mkdir(parents=True)
    assert sorties.dossier_par_defaut("../../../x") != d  # même seconde : suffixe


def test_simuler_reussit_et_ne_laisse_rien_de_cache(tmp_path, capsys):
    code, err, out = _lancer(["simuler", *COURT, "--sortie", tmp_path / "s"], capsys)
    assert code == 0, err
    assert {"series.parquet", "resume.csv", "provenance.json"} <= {p.name for p in (tmp_path / "s").iterdir()}
    assert [p.name for p in tmp_path.iterdir()] == ["s"]  # ni .s.verrou ni .s.partiel-*


# --- Erreurs internes -----------------------------------------------------------------------------------------

def test_erreur_interne_sans_trace_et_avec_debug(tmp_path, capsys, monkeypatch):
    def panne(*a, **k):
        raise RuntimeError("panne simulée")
    monkeypatch.setattr(simulation, "executer_plusieurs", panne)
    err = _refuse(["simuler", *COURT, "--sortie", tmp_path / "s"], capsys, "Erreur interne", "panne simulée",
                  "--debug", code_attendu=1)
    assert "RuntimeError" in err
    assert list(tmp_path.iterdir()) == []  # ni sortie, ni verrou, ni temporaire
    with pytest.raises(RuntimeError):
        main(["--debug", "simuler", *COURT, "--sortie", str(tmp_path / "s")])


def _limite_fichiers(octets):
    def poser():
        resource.setrlimit(resource.RLIMIT_FSIZE, (octets, octets))
    return poser


def test_disque_plein_code_1_en_francais_rien_de_garde(tmp_path):
    """`ulimit -f` : l'écriture des séries échoue (EFBIG) ; message français, code 1, aucun reste."""
    r = subprocess.run([sys.executable, "-m", "experiences.cli", "simuler", *COURT, "--sortie", str(tmp_path / "s")],
                       cwd=RACINE, capture_output=True, text=True, timeout=300,
                       preexec_fn=_limite_fichiers(20_000))
    assert r.returncode == 1, r.stderr
    assert "Erreur interne" in r.stderr and "trop gros" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


# --- Plans de balayage et de calibration ----------------------------------------------------------------------

PLAN = textwrap.dedent('''\
    nom = "essai"
    scenario = "reference"
    plan = "factoriel"
    replicats = 1
    menages = 200
    debut = "2014-01"
    fin = "2014-03"
    indicateurs = ["taux_non_recours_rsa"]

    [parametres."decision.cout_base"]
    niveaux = [0.5, 1.5]
    ''')


def _plan(tmp_path, texte, nom="plan.toml"):
    f = tmp_path / nom
    f.write_text(texte, encoding="utf-8")
    return f


def test_le_plan_de_depart_est_valide(tmp_path, capsys):
    code, err, out = _lancer(["verifier", _plan(tmp_path, PLAN)], capsys)
    assert code == 0 and "2 point(s)" in out, err


@pytest.mark.parametrize("avant, apres, attendus", [
    ("menages = 200", "menages = 1", ["menages", "simulation.menages"]),
    ('debut = "2014-01"', 'debut = "1900-01"', ["debut", "1900-01", "domaine"]),
    ('fin = "2014-03"', 'fin = "2999-12"', ["fin", "domaine"]),
    ('scenario = "reference"', 'scenario = "inexistant"', ["scenario", "inexistant"]),
    ('indicateurs = ["taux_non_recours_rsa"]', 'indicateurs = ["taux_inconnu"]', ["indicateurs", "taux_inconnu"]),
    ("replicats = 1", "replicats = 1000000000000", ["replicats", "trop grand"]),
    # 40⁴ points, hors des plages plausibles exprès (hors_plage_plausible) : seule la taille est refusée.
    ('indicateurs = ["taux_non_recours_rsa"]\n',
     'indicateurs = ["taux_non_recours_rsa"]\nhors_plage_plausible = true\n' + "".join(
        f'[parametres."acteurs.{g}.heures_pour_10000"]\nniveaux = [{", ".join(str(float(k)) for k in range(40))}]\n'
        for g in ("travailleur_social", "france_services", "conseiller_numerique", "association")),
     ["plan trop grand", "points"]),
])
def test_plan_invalide(avant, apres, attendus, tmp_path, capsys):
    texte = PLAN.replace(avant, apres)
    assert texte != PLAN
    _refuse(["verifier", _plan(tmp_path, texte)], capsys, *attendus)


def test_plan_d_un_milliard_de_points_refuse_sans_rien_allouer(tmp_path, capsys):
    texte = PLAN.replace('plan = "factoriel"', 'plan = "hypercube_latin"').replace(
        "niveaux = [0.5, 1.5]", "min = 0.5\nmax = 1.5") + "\n[echantillonnage]\nn = 1000000000\n"
    _refuse(["verifier", _plan(tmp_path, texte)], capsys, "plan trop grand", "1000000000 points",
            str(LIMITES["points_plan"]))


def test_plan_dont_un_coin_sort_des_bornes_avec_le_scenario(tmp_path, capsys):
    """renfort_mediation double France Services en 2020 : 6 000 h × 2 sort des bornes (10 000) ; refusé d'avance."""
    texte = PLAN.replace('scenario = "reference"', 'scenario = "renfort_mediation"').replace(
        'fin = "2014-03"', 'fin = "2021-12"').replace(
        '[parametres."decision.cout_base"]\nniveaux = [0.5, 1.5]',
        '[parametres."acteurs.france_services.heures_pour_10000"]\nniveaux = [10.0, 6000.0]')
    _refuse(["verifier", _plan(tmp_path, texte)], capsys, "acteurs.france_services.heures_pour_10000",
            "Combinaison invalide")


def test_un_plan_ne_fait_importer_aucun_module(tmp_path, capsys):
    """`declarations = "tempfile:mkdtemp"` créait un dossier ; un .py voisin du plan était exécuté."""
    voisin = tmp_path / "voisin.py"
    temoin = tmp_path / "execute"
    voisin.write_text(f"open({str(temoin)!r}, 'w').write('oui')\ndef f(spec):\n    return None\n", encoding="utf-8")
    avant = set(Path(tempfile.gettempdir()).iterdir())
    _refuse(["verifier", _plan(tmp_path, 'declarations = "tempfile:mkdtemp"\n' + PLAN)], capsys,
            "declarations", "tempfile:mkdtemp", "un plan ne nomme pas de module")
    _refuse(["verifier", _plan(tmp_path, 'fonction_run = "voisin:f"\n' + PLAN, "p2.toml")], capsys,
            "fonction_run", "voisin:f", "modele")
    _refuse(["balayer", _plan(tmp_path, 'fonction_run = "voisin:f"\n' + PLAN, "p3.toml"), "--sortie",
             tmp_path / "s"], capsys, "fonction_run")
    assert not temoin.exists()
    assert not (set(Path(tempfile.gettempdir()).iterdir()) - avant - {tmp_path})
    assert not (tmp_path / "s").exists()


CALIBRATION = textwrap.dedent('''\
    [calibration]
    nom = "essai"
    menages = 200
    replicats = 1
    essais = 2
    debut = "2014-01"
    fin = "2023-12"

    [parametres]
    "decision.cout_base" = {}
    ''')


@pytest.mark.parametrize("ajout, attendus", [
    ("depart = 5\n", ["depart"]),
    ("depart = [5]\n", ["depart[0]", "table"]),
    ("depart = [{\"decision.cout_base\" = \"x\"}]\n", ["depart[0].decision.cout_base"]),
])
def test_plan_de_calibration_depart_invalide(ajout, attendus, tmp_path, capsys):
    _refuse(["verifier", _plan(tmp_path, ajout + CALIBRATION)], capsys, *attendus)


@pytest.mark.parametrize("avant, apres, attendus", [
    ('nom = "essai"', 'nom = "../../x"', ["calibration.nom", "../../x"]),
    ('nom = "essai"', "nom = 5", ["calibration.nom"]),
    ("essais = 2", "essais = 1000000000", ["calibration.essais"]),
    ("replicats = 1", "replicats = 1000000", ["calibration.replicats"]),
])
def test_plan_de_calibration_invalide(avant, apres, attendus, tmp_path, capsys):
    _refuse(["verifier", _plan(tmp_path, CALIBRATION.replace(avant, apres))], capsys, *attendus)


# --- Stock de balayage ----------------------------------------------------------------------------------------

@pytest.fixture
def stock(tmp_path):
    plan = _plan(tmp_path, texte_plan_jouet(plan="hypercube_latin", n=4, replicats=1))
    sortie = tmp_path / "stock"
    assert main(["balayer", str(plan), "--sortie", str(sortie), "--travailleurs", "1", "--sans-barre"]) == 0
    return plan, sortie


def test_stock_dont_les_points_ont_ete_edites_refuse(stock, capsys):
    plan, sortie = stock
    points = pd.read_parquet(sortie / "points.parquet")
    points.loc[0, "x1"] = 0.123
    points.to_parquet(sortie / "points.parquet", index=False)
    _refuse(["balayer", plan, "--sortie", sortie, "--travailleurs", "1", "--sans-barre"], capsys,
            "points", "Reprise refusée", "modifié")


def test_stock_tronque_refuse(stock, capsys):
    plan, sortie = stock
    octets = (sortie / "points.parquet").read_bytes()
    (sortie / "points.parquet").write_bytes(octets[: len(octets) // 2])
    _refuse(["balayer", plan, "--sortie", sortie, "--travailleurs", "1", "--sans-barre"], capsys,
            "points.parquet", "illisible", "Reprise refusée")


def test_stock_intact_reprend(stock, capsys):
    plan, sortie = stock
    code, err, _ = _lancer(["balayer", plan, "--sortie", sortie, "--travailleurs", "1", "--sans-barre"], capsys)
    assert code == 0, err
