"""Entrées invalides par la CLI : code 2, message français qui nomme la clé ou la valeur, pas de trace Python,
aucun dossier de sortie créé (ni partiel).
"""

from __future__ import annotations

import textwrap

import pytest

from experiences.cli import main

ENTETE = '[scenario]\nnom = "essai"\nquestion = "test"\ncalibration = false\n'


def _lancer(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # erreurs d'argparse (Analyseur.error)
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def _verifier(code, err, attendus, sortie=None):
    assert code == 2, err
    assert "Traceback" not in err
    assert "Erreur" in err
    for a in attendus:
        assert a in err, f"« {a} » absent du message :\n{err}"
    if sortie is not None:
        assert not sortie.exists()
        assert not list(sortie.parent.glob(f".{sortie.name}*"))


def _scenario(tmp_path, texte, nom="essai.toml"):
    f = tmp_path / nom
    f.write_text(textwrap.dedent(texte), encoding="utf-8")
    return f


INTERVENTION = """
[[interventions]]
type = "fermeture_guichets"
operateur = "caf"
zones = "toutes"
part = 0.5
"""

CAS_SIMULER = {
    "scenario_inconnu": (["inexistant"], ["inexistant", "Scénario inconnu"]),
    "parametre_inconnu": (["--parametre", "decision.cout_inconnu=1"], ["decision.cout_inconnu", "inconnu"]),
    "parametre_hors_bornes": (["--parametre", "decision.cout_base=99"], ["decision.cout_base", "99", "<= 10"]),
    "parametre_mauvais_type": (["--parametre", 'decision.cout_base="beaucoup"'], ["decision.cout_base", "beaucoup"]),
    "parametre_mal_forme": (["--parametre", "decision.cout_base"], ["--parametre", "CLE=VALEUR"]),
    "parametre_booleen_attendu": (["--parametre", "guichets.caf.rendez_vous_seulement=3"],
                                  ["guichets.caf.rendez_vous_seulement", "true ou false"]),
    "liste_mauvaise_longueur": (["--parametre", "decision.cout_distance=[0.1, 0.2]"], ["decision.cout_distance"]),
    "menages_negatif": (["--menages", "-5"], ["--menages", "-5"]),
    "menages_trop_petit": (["--menages", "10"], ["--menages", "10"]),
    "menages_pas_entier": (["--menages", "mille"], ["--menages", "mille"]),
    "graine_texte": (["--graine", "abc"], ["--graine", "abc"]),
    "fin_avant_debut": (["--debut", "2015-01", "--fin", "2014-01"], ["--fin", "2014-01", "précède"]),
    "mois_mal_forme": (["--debut", "2014/01"], ["--debut", "2014/01", "AAAA-MM"]),
    "mois_inexistant": (["--fin", "2014-13"], ["--fin", "2014-13"]),
    "periode_hors_domaine": (["--debut", "1990-01", "--fin", "1990-12"], ["1990-01"]),
    "argument_inconnu": (["--vitesse", "2"], ["--vitesse", "non reconnus"]),
}


@pytest.mark.parametrize("cas", sorted(CAS_SIMULER))
def test_simuler_entree_invalide(cas, tmp_path, capsys):
    args, attendus = CAS_SIMULER[cas]
    sortie = tmp_path / "sortie"
    code, err = _lancer(["simuler", *args, "--menages", "100", "--sortie", sortie]
                        if "--menages" not in args else ["simuler", *args, "--sortie", sortie], capsys)
    _verifier(code, err, attendus, sortie)


CAS_SCENARIOS = {
    "toml_mal_forme": (ENTETE + "[surcharges\ncle = 1\n", ["TOML mal formé", "essai.toml"]),
    "section_inconnue": (ENTETE + "[autre]\nx = 1\n", ["autre", "Section inconnue"]),
    "entete_sans_question": ('[scenario]\nnom = "essai"\n', ["scenario", "question"]),
    "champ_entete_inconnu": (ENTETE + 'auteur = "moi"\n', ["scenario.auteur"]),
    "surcharge_inconnue": (ENTETE + "[surcharges]\n\"decision.inconnu\" = 1\n", ["decision.inconnu"]),
    "surcharge_hors_bornes": (ENTETE + "[surcharges]\n\"guichets.caf.facteur_rendez_vous\" = 1.5\n",
                              ["guichets.caf.facteur_rendez_vous", "1.5"]),
    "type_intervention_inconnu": (ENTETE + '[[interventions]]\ntype = "fusion"\ndate = "2015-01-01"\n',
                                  ["interventions[0].type", "fusion"]),
    "date_intervention_manquante": (ENTETE + INTERVENTION, ["interventions[0].date", "manquante"]),
    "date_intervention_invalide": (ENTETE + INTERVENTION + 'date = "2015-13-01"\n',
                                   ["interventions[0].date", "2015-13-01"]),
    "fin_avant_debut_intervention": (ENTETE + INTERVENTION + 'date = "2016-01-01"\nfin = "2015-01-01"\n',
                                     ["interventions[0].fin", "2015-01-01"]),
    "champ_intervention_inconnu": (ENTETE + INTERVENTION + 'date = "2016-01-01"\nvitesse = 2\n',
                                   ["interventions[0].vitesse"]),
    "zones_invalides": (ENTETE + INTERVENTION.replace('"toutes"', '["montagne"]') + 'date = "2016-01-01"\n',
                        ["interventions[0].zones", "montagne"]),
    "part_superieure_a_1": (ENTETE + INTERVENTION.replace("0.5", "1.5") + 'date = "2016-01-01"\n',
                            ["interventions[0].part", "1.5"]),
    "operateur_inconnu": (ENTETE + INTERVENTION.replace('"caf"', '"urssaf"') + 'date = "2016-01-01"\n',
                          ["interventions[0].operateur", "urssaf"]),
    "prestation_inconnue": (ENTETE + '[[interventions]]\ntype = "en_ligne_seulement"\ndate = "2016-01-01"\n'
                            'prestations = ["rsa", "bourse"]\n', ["bourse"]),
    "valeur_et_facteur": (ENTETE + '[[interventions]]\ntype = "changement_parametre"\ndate = "2016-01-01"\n'
                          'cle = "decision.cout_base"\nvaleur = 1.0\nfacteur = 2.0\n', ["valeur", "facteur"]),
    "changement_hors_bornes": (ENTETE + '[[interventions]]\ntype = "changement_parametre"\ndate = "2016-01-01"\n'
                               'cle = "decision.cout_base"\nfacteur = 100.0\n', ["decision.cout_base"]),
    "base_inconnue": (ENTETE + 'base = "nulle_part"\n', ["nulle_part"]),
}


@pytest.mark.parametrize("cas", sorted(CAS_SCENARIOS))
@pytest.mark.parametrize("commande", ["simuler", "verifier"])
def test_scenario_invalide(cas, commande, tmp_path, capsys):
    texte, attendus = CAS_SCENARIOS[cas]
    f = _scenario(tmp_path, texte)
    sortie = tmp_path / "sortie"
    argv = ["simuler", f, "--menages", "100", "--sortie", sortie] if commande == "simuler" else ["verifier", f]
    code, err = _lancer(argv, capsys)
    _verifier(code, err, attendus, sortie)


def test_heritage_circulaire(tmp_path, capsys):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'[scenario]\nnom = "a"\nquestion = "q"\nbase = "{b}"\n', encoding="utf-8")
    b.write_text(f'[scenario]\nnom = "b"\nquestion = "q"\nbase = "{a}"\n', encoding="utf-8")
    code, err = _lancer(["verifier", a], capsys)
    _verifier(code, err, ["circulaire", "scenario.base"])
    soi = _scenario(tmp_path, '[scenario]\nnom = "soi"\nquestion = "q"\nbase = "soi"\n', "soi.toml")
    code, err = _lancer(["verifier", soi], capsys)
    _verifier(code, err, ["circulaire"])


DECLARATION = """
[test.p]
valeur = 1.0
unite = "u"
min = 0.0
max = 2.0
doc = "un paramètre"
"""

CAS_DECLARATIONS = {
    "ni_source_ni_hypothese": (DECLARATION, ["test.p", "source", "hypothese"]),
    "source_et_hypothese": (DECLARATION + 'source = "x"\nhypothese = true\n', ["test.p", "source"]),
    "sans_bornes": (DECLARATION.replace("min = 0.0\nmax = 2.0\n", "") + "hypothese = true\n", ["test.p", "min"]),
    "valeur_hors_bornes": (DECLARATION.replace("valeur = 1.0", "valeur = 3.0") + "hypothese = true\n",
                           ["test.p", "3.0"]),
    "champ_inconnu": (DECLARATION + "hypothese = true\ncouleur = \"bleu\"\n", ["test.p", "couleur"]),
    "sans_unite": (DECLARATION.replace('unite = "u"\n', "") + "hypothese = true\n", ["test.p", "unite"]),
    "valeur_nue": ('[test]\np = 1.0\n', ["test.p", "Valeur nue"]),
}


@pytest.mark.parametrize("cas", sorted(CAS_DECLARATIONS))
def test_declarations_invalides(cas, tmp_path, capsys):
    texte, attendus = CAS_DECLARATIONS[cas]
    f = tmp_path / "decl.toml"
    f.write_text(texte, encoding="utf-8")
    code, err = _lancer(["verifier", f], capsys)
    _verifier(code, err, attendus)


def test_declaration_valide_acceptee(tmp_path, capsys):
    f = tmp_path / "decl.toml"
    f.write_text(DECLARATION + "hypothese = true\n", encoding="utf-8")
    code, err = _lancer(["verifier", f], capsys)
    assert code == 0, err


def test_verifier_fichier_absent(tmp_path, capsys):
    code, err = _lancer(["verifier", tmp_path / "absent.toml"], capsys)
    _verifier(code, err, ["absent.toml", "introuvable"])


def test_verifier_fichier_illisible(tmp_path, capsys):
    f = tmp_path / "binaire.toml"
    f.write_bytes(b"\xff\xfe\x00 = 1")
    code, err = _lancer(["verifier", f], capsys)
    _verifier(code, err, ["binaire.toml"])


def test_sortie_existante_non_vide(tmp_path, capsys):
    sortie = tmp_path / "sortie"
    sortie.mkdir()
    (sortie / "garder.txt").write_text("à garder", encoding="utf-8")
    code, err = _lancer(["simuler", "--menages", "100", "--debut", "2014-01", "--fin", "2014-02",
                         "--sortie", sortie], capsys)
    _verifier(code, err, ["--sortie", "existe déjà"])
    assert [p.name for p in sortie.iterdir()] == ["garder.txt"]
    assert not list(tmp_path.glob(".sortie*"))


def test_commande_inconnue(capsys):
    code, err = _lancer(["voler"], capsys)
    _verifier(code, err, ["voler", "choix invalide"])


def test_scenarios_livres_valides(capsys):
    # Contre-épreuve : les fichiers livrés passent `verifier` (code 0).
    from modele.parametres import DOSSIER_DEFAUTS, DOSSIER_PARAMETRES
    for f in sorted((DOSSIER_PARAMETRES / "scenarios").glob("*.toml")) + sorted(DOSSIER_DEFAUTS.glob("*.toml")):
        code, err = _lancer(["verifier", f], capsys)
        assert code == 0, (f, err)
