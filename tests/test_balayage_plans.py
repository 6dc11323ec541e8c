"""Plans de balayage : lecture, validation (messages français, code 2), empreinte, graines, échantillons."""

import math
from pathlib import Path

import numpy as np
import pytest

from experiences.balayages.plans import (
    ErreurEntree,
    echantillonner,
    graine_run,
    lire_plan,
)
from experiences.cli import main
from tests.balayage_jouet import DECLARATIONS, PI, texte_plan_jouet

RACINE = Path(__file__).resolve().parents[1]


def ecrire(tmp_path: Path, texte: str, nom: str = "plan.toml") -> Path:
    chemin = tmp_path / nom
    chemin.write_text(texte, encoding="utf-8")
    return chemin


# --------------------------------------------------------------------------- plans d'exemple livrés
@pytest.mark.parametrize(
    ("fichier", "plan", "points", "runs"),
    [
        ("exemple_factoriel.toml", "factoriel", 6, 18),
        ("exemple_hypercube_latin.toml", "hypercube_latin", 20, 40),
        ("exemple_sobol.toml", "sobol", 16 * (3 + 2), 80),
        ("exemple_morris.toml", "morris", 6 * (4 + 1), 60),
    ],
)
def test_plans_exemple_valides_et_tailles(fichier, plan, points, runs):
    p = lire_plan(RACINE / "parametres" / "balayages" / fichier)
    assert p.plan == plan
    pts = echantillonner(p)
    assert len(pts) == points and len(pts) * p.replicats == runs
    assert list(pts.columns) == ["point", *p.cles]
    for param in p.parametres:
        if param.niveaux is None:
            assert pts[param.cle].between(param.min, param.max).all()


def test_factoriel_produit_complet_des_niveaux(tmp_path):
    params = '[parametres.x1]\nniveaux = [0.0, 1.0, 2.0]\n[parametres.mode]\nniveaux = ["a", "b"]\n'
    p = lire_plan(ecrire(tmp_path, texte_plan_jouet(plan="factoriel", parametres=params)))
    pts = echantillonner(p)
    assert sorted(zip(pts["x1"], pts["mode"], strict=True)) == [(x, m) for x in (0.0, 1.0, 2.0) for m in ("a", "b")]


def test_echantillon_deterministe_et_dans_les_bornes(tmp_path):
    chemin = ecrire(tmp_path, texte_plan_jouet(plan="hypercube_latin", n=50))
    a, b = echantillonner(lire_plan(chemin)), echantillonner(lire_plan(chemin))
    assert a.equals(b)
    assert ((a[["x1", "x2", "x3"]].abs()) <= math.pi).all().all()
    # hypercube latin : chaque strate de chaque paramètre contient exactement un point
    strates = np.floor((a["x1"] + math.pi) / (2 * math.pi) * 50).astype(int)
    assert sorted(strates) == list(range(50))


# ----------------------------------------------------------------------------- empreinte et graines
def test_empreinte_ignore_nom_et_commentaires_mais_pas_le_contenu(tmp_path):
    base = texte_plan_jouet()
    e1 = lire_plan(ecrire(tmp_path, base, "a.toml")).empreinte
    e2 = lire_plan(
        ecrire(tmp_path, "# commentaire\n" + base.replace('nom = "jouet"', 'nom = "autre"'), "b.toml")
    ).empreinte
    e3 = lire_plan(ecrire(tmp_path, base.replace("replicats = 2", "replicats = 3"), "c.toml")).empreinte
    assert e1 == e2
    assert e1 != e3


def test_graines_derivees_distinctes_et_stables():
    empreinte = "ab" * 32
    graines = {graine_run(empreinte, p, r) for p in range(200) for r in range(3)}
    assert len(graines) == 600
    assert all(0 <= g < 2**63 for g in graines)
    assert graine_run(empreinte, 5, 1) == graine_run(empreinte, 5, 1)
    assert graine_run(empreinte, 5, 1) != graine_run("cd" * 32, 5, 1)
    # nombres aléatoires communs : même graine pour tous les points d'un réplicat
    assert graine_run(empreinte, 1, 2, communes=True) == graine_run(empreinte, 7, 2, communes=True)
    assert graine_run(empreinte, 1, 0, communes=True) != graine_run(empreinte, 1, 1, communes=True)


# ----------------------------------------------------------------------------------- plans invalides
BASE = texte_plan_jouet()
PARAM_X1 = f"[parametres.x1]\nmin = -{PI}\nmax = {PI}\n"
CAS_INVALIDES = {
    "toml_mal_forme": (
        BASE.replace('plan = "hypercube_latin"', 'plan = "sobol'),
        ["TOML mal formé à la ligne 3"],
    ),
    "plan_inconnu": (
        BASE.replace('plan = "hypercube_latin"', 'plan = "aleatoire"'),
        ["« plan »", "'aleatoire'", "factoriel, hypercube_latin, sobol, morris"],
    ),
    "parametre_inconnu": (
        BASE.replace("[parametres.x3]", '[parametres."inconnu.x9"]'),
        ['« parametres."inconnu.x9" »', "paramètre inconnu", "Paramètres déclarés", "x1"],
    ),
    "min_superieur_a_max": (
        BASE.replace(PARAM_X1, "[parametres.x1]\nmin = 2.0\nmax = 1.0\n"),
        ['parametres."x1".min', "2.0", "strictement inférieur à max"],
    ),
    "replicats_negatifs": (
        BASE.replace("replicats = 2", "replicats = -1"),
        ["« replicats » = -1", "entier >= 1"],
    ),
    "scenario_absent": (BASE.replace('scenario = "reference"\n', ""), ["« scenario » absente", "reference"]),
    "hors_bornes_declarees": (
        BASE.replace(PARAM_X1, "[parametres.x1]\nmin = 0.0\nmax = 10.0\n"),
        ['parametres."x1".max', "10.0", "hors des bornes déclarées", "3.14159"],
    ),
    "date_invalide": (
        BASE.replace('debut = "2020-01"', 'debut = "2020-13"'),
        ["« debut »", "2020-13", "AAAA-MM"],
    ),
    "fin_avant_debut": (BASE.replace('fin = "2020-12"', 'fin = "2019-12"'), ["« fin »", "fin avant debut"]),
    "sobol_n_non_puissance_de_2": (
        texte_plan_jouet(plan="sobol", n=100),
        ["« echantillonnage.n » = 100", "puissance de 2"],
    ),
    "cle_mal_orthographiee": (
        BASE.replace("replicats = 2", "replicat = 2"),
        ["« replicat » inconnue", "replicats"],
    ),
    "factoriel_sans_niveaux": (
        texte_plan_jouet(plan="factoriel"),
        ['parametres."x1".niveaux', "absente", "factoriel"],
    ),
    "niveaux_hors_factoriel": (
        BASE.replace(PARAM_X1, "[parametres.x1]\nniveaux = [0.0, 1.0]\n"),
        ['parametres."x1".niveaux', "plan factoriel"],
    ),
    "loi_inconnue": (
        BASE.replace(PARAM_X1, '[parametres.x1]\nmin = -1.0\nmax = 1.0\nloi = "gaussienne"\n'),
        ['parametres."x1".loi', "gaussienne", "uniforme, log_uniforme, triangulaire, normale_tronquee"],
    ),
    "fonction_run_introuvable": (
        BASE.replace("jouet.ishigami_run", "tests.balayage_jouet:absente"),
        ["« fonction_run »", "tests.balayage_jouet:absente", "fonction de run inconnue", "modele"],
    ),
    "menages_pas_entier": (
        BASE.replace("menages = 10", 'menages = "dix"'),
        ["« menages » = 'dix'", "entier"],
    ),
}


@pytest.mark.parametrize("cas", sorted(CAS_INVALIDES))
def test_plan_invalide_message_francais_et_code_2(cas, tmp_path, capsys):
    texte, fragments = CAS_INVALIDES[cas]
    chemin = ecrire(tmp_path, texte, f"{cas}.toml")
    sortie = tmp_path / "sortie"
    code = main(["balayer", str(chemin), "--sortie", str(sortie), "--travailleurs", "1", "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(chemin) in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not (sortie / "manifeste.json").exists()


def test_erreur_de_lecture_leve_erreur_entree(tmp_path):
    with pytest.raises(ErreurEntree, match="plan_absent.toml : fichier de plan introuvable"):
        lire_plan(tmp_path / "plan_absent.toml")


def test_declarations_injectees_remplacent_celles_du_plan(tmp_path):
    chemin = ecrire(tmp_path, texte_plan_jouet())
    with pytest.raises(ErreurEntree, match='« parametres."x1" » : paramètre inconnu'):
        lire_plan(chemin, declarations={"y1": (0, 1)})
    etroites = {**DECLARATIONS, "x1": (0.0, 1.0)}
    with pytest.raises(ErreurEntree, match="hors des bornes déclarées"):
        lire_plan(chemin, declarations=etroites)


def test_option_travailleurs_invalide_code_2(tmp_path, capsys):
    chemin = ecrire(tmp_path, texte_plan_jouet())
    with pytest.raises(SystemExit) as exc:
        main(["balayer", str(chemin), "--travailleurs", "0"])
    assert exc.value.code == 2
    assert "attendu un entier >= 1" in capsys.readouterr().err


def test_sous_commandes_branchees_dans_la_cli_nonrecours(tmp_path, capsys):
    from experiences.cli import main as nonrecours

    chemin = ecrire(tmp_path, BASE.replace("replicats = 2", "replicats = 0"))
    assert nonrecours(["balayer", str(chemin), "--sortie", str(tmp_path / "s"), "--sans-barre"]) == 2
    assert "« replicats » = 0" in capsys.readouterr().err
    assert nonrecours(["sensibilite", str(chemin), "--sans-barre"]) == 2
    assert "« replicats » = 0" in capsys.readouterr().err


@pytest.mark.parametrize("fichier", ["exemple_factoriel.toml", "exemple_sobol.toml"])
def test_nonrecours_verifier_reconnait_un_plan(fichier, capsys):
    from experiences.cli import main as nonrecours

    assert nonrecours(["verifier", str(RACINE / "parametres" / "balayages" / fichier)]) == 0
    sortie = capsys.readouterr().out
    assert "OK : plan de balayage" in sortie and "run(s)" in sortie


# ------------------------------------------------------------------------ plages plausibles (modèle)
PLAN_MODELE = """nom = "plausible"
scenario = "reference"
plan = "{plan}"
replicats = 1
menages = 200
debut = "2020-01"
fin = "2020-03"
{extra}
[echantillonnage]
{ech}

[parametres."decision.cout_base"]
{spec}
"""


def _plan_modele(tmp_path, spec, plan="hypercube_latin", extra="", nom="plan.toml"):
    ech = "" if plan == "factoriel" else "n = 4"
    return ecrire(tmp_path, PLAN_MODELE.format(plan=plan, extra=extra, ech=ech, spec=spec), nom)


def test_plage_plausible_au_lieu_de_bornes(tmp_path):
    from modele.parametres import charger_declarations

    d = charger_declarations()["decision.cout_base"]
    assert d.plausible == (0.2, 3.0) and (d.min, d.max) == (0.0, 10.0)
    p = lire_plan(_plan_modele(tmp_path, 'plage = "plausible"')).parametres[0]
    assert (p.min, p.max) == (0.2, 3.0)
    ech = echantillonner(lire_plan(_plan_modele(tmp_path, 'plage = "plausible"')))
    assert ech["decision.cout_base"].between(0.2, 3.0).all()
    # Un paramètre non calibrable n'a pas de plage plausible : « plage = "plausible" » est refusé.
    texte = PLAN_MODELE.format(plan="hypercube_latin", extra="", ech="n = 4", spec='plage = "plausible"').replace(
        "decision.cout_base", "demarches.tentatives_max")
    with pytest.raises(ErreurEntree, match="pas de plage plausible déclarée"):
        lire_plan(ecrire(tmp_path, texte, "non_calibrable.toml"))
    with pytest.raises(ErreurEntree, match="clé en conflit avec plage"):
        lire_plan(_plan_modele(tmp_path, 'plage = "plausible"\nmin = 0.5'))


@pytest.mark.parametrize(("plan", "spec", "fragment"), [
    ("hypercube_latin", "min = 0.1\nmax = 2.0", 'parametres."decision.cout_base".min» = 0.1'),
    ("hypercube_latin", 'plage = "bornes"', 'parametres."decision.cout_base".min» = 0.0'),
    ("factoriel", "niveaux = [0.5, 4.0]", 'parametres."decision.cout_base".niveaux» = 4.0'),
])
def test_plan_hors_plage_plausible_refuse_code_2(plan, spec, fragment, tmp_path, capsys):
    chemin = _plan_modele(tmp_path, spec, plan=plan)
    code = main(["balayer", str(chemin), "--sortie", str(tmp_path / "s"), "--travailleurs", "1", "--sans-barre"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "hors de la plage plausible" in err and "[0.2, 3]" in err
    assert fragment.replace("»", " »") in err, err
    assert not (tmp_path / "s" / "manifeste.json").exists()


def test_hors_plage_plausible_expres_accepte_avec_avertissement(tmp_path):
    chemin = _plan_modele(tmp_path, "min = 0.1\nmax = 2.0", extra="hors_plage_plausible = true")
    with pytest.warns(UserWarning, match=r"decision.cout_base\".min = 0.1 hors de la plage plausible \[0.2, 3\]"):
        p = lire_plan(chemin).parametres[0]
    assert (p.min, p.max) == (0.1, 2.0)
