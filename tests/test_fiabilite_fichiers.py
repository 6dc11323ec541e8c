"""Issue 16, côté fichiers de données : chaque exemple de défaut (déclarations, scénarios) a son test.

Déclarations : NaN dans les bornes, `min` texte, `choix` numérique, `forme` invalide, booléens donnés en texte,
fichier vide, TOML trop profond ou trop gros. Scénarios : `nom` qui sort de `resultats/`, `nom = 5`,
`calibration = "false"`, `sources = 5`, `surcharges = 5`, `facteur` sur un texte ou une matrice, intervention qui
change `simulation.menages`, dates hors période, et surtout la combinaison des surcharges et des interventions
datées vérifiée au chargement sur toute la période (« verifier dit OK, simuler refuse en cours de route »).
"""

from __future__ import annotations

import textwrap

import pytest

from modele.entrees import LIMITES, ErreurEntree, lire_toml, nom_de_dossier, nom_valide, profondeur
from modele.modele import ModeleNonRecours
from modele.parametres import Parametres, lire_declarations
from modele.politiques import ensembles_actifs
from modele.scenarios import charger_scenario

ENTETE = '[scenario]\nnom = "essai"\nquestion = "test"\ncalibration = false\n'


def _ecrire(tmp_path, texte, nom="essai.toml"):
    f = tmp_path / nom
    f.write_text(textwrap.dedent(texte), encoding="utf-8")
    return f


def _refus(fonction, *attendus):
    with pytest.raises(ErreurEntree) as e:
        fonction()
    message = str(e.value)
    for a in attendus:
        assert a in message, f"« {a} » absent de :\n{message}"
    return message


# --- Déclarations -----------------------------------------------------------------------------------------

DECL = '[essai.x]\nvaleur = 1.0\nunite = "u"\ndoc = "d"\nhypothese = true\n'

CAS_DECLARATIONS = {
    "min_nan": (DECL + "min = nan\nmax = 2.0\n", ["essai.x.min", "non finie"]),
    "max_inf": (DECL + "min = 0.0\nmax = inf\n", ["essai.x.max", "non finie"]),
    "min_texte": (DECL + 'min = "0"\nmax = 2.0\n', ["essai.x.min", "Nombre attendu"]),
    "bornes_inversees": (DECL + "min = 3.0\nmax = 2.0\n", ["essai.x.min", "min <= max"]),
    "choix_numerique": ('[essai.x]\nvaleur = "a"\nchoix = [1, 2]\nunite = "u"\ndoc = "d"\nhypothese = true\n',
                        ["essai.x.choix", "textes"]),
    "choix_sur_nombre": (DECL + 'min = 0.0\nmax = 2.0\nchoix = ["a"]\n', ["essai.x.choix", "texte"]),
    "forme_texte": ('[essai.x]\nvaleur = [1.0, 2.0]\nforme = "2"\nmin = 0.0\nmax = 3.0\nunite = "u"\ndoc = "d"\n'
                    'hypothese = true\n', ["essai.x.forme", "Forme invalide"]),
    "forme_fausse": ('[essai.x]\nvaleur = [1.0, 2.0]\nforme = [3]\nmin = 0.0\nmax = 3.0\nunite = "u"\ndoc = "d"\n'
                     'hypothese = true\n', ["essai.x", "Dimensions incorrectes"]),
    "calibrable_texte": (DECL + 'min = 0.0\nmax = 2.0\ncalibrable = "false"\n', ["essai.x.calibrable", "Booléen"]),
    "hypothese_texte": ('[essai.x]\nvaleur = 1.0\nunite = "u"\ndoc = "d"\nhypothese = "false"\nmin = 0.0\n'
                        'max = 2.0\n', ["essai.x.hypothese", "Booléen"]),
    "min_sur_booleen": ('[essai.x]\nvaleur = true\nmin = 0\nunite = "u"\ndoc = "d"\nhypothese = true\n',
                        ["essai.x.min", "numérique"]),
    "doc_nombre": ('[essai.x]\nvaleur = true\nunite = "u"\ndoc = 5\nhypothese = true\n', ["essai.x.doc"]),
    "valeur_nan": ('[essai.x]\nvaleur = nan\nmin = 0.0\nmax = 1.0\nunite = "u"\ndoc = "d"\nhypothese = true\n',
                   ["essai.x", "non finie"]),
    "table_vide": ("[essai.x]\n", ["essai.x", "Table vide"]),
    "fichier_vide": ("", ["Fichier vide"]),
    "seulement_un_commentaire": ("# rien\n", ["Fichier vide"]),
}


@pytest.mark.parametrize("cas", sorted(CAS_DECLARATIONS))
def test_declaration_invalide(cas, tmp_path):
    texte, attendus = CAS_DECLARATIONS[cas]
    f = _ecrire(tmp_path, texte, "essai.toml")
    _refus(lambda: lire_declarations(f), str(f), *attendus)


def test_declaration_valide_lue(tmp_path):
    f = _ecrire(tmp_path, DECL + "min = 0.0\nmax = 2.0\ncalibrable = true\nplausible = [0.5, 1.5]\n")
    d = lire_declarations(f)["essai.x"]
    assert (d.valeur, d.min, d.max, d.calibrable, d.hypothese) == (1.0, 0.0, 2.0, True, True)


def test_toml_trop_profond(tmp_path):
    f = _ecrire(tmp_path, "a = " + "[" * 5000 + "]" * 5000 + "\n")
    _refus(lambda: lire_toml(f), "trop profond", str(f))
    g = _ecrire(tmp_path, "a = " + "[" * 20 + "1" + "]" * 20 + "\n", "g.toml")
    _refus(lambda: lire_toml(g), "trop profond", f"au plus {LIMITES['profondeur_toml']}")
    assert profondeur({"a": [[1]]}) == 3 and profondeur(5) == 0


def test_fichier_trop_gros(tmp_path):
    f = tmp_path / "gros.toml"
    f.write_text("# " + "x" * LIMITES["taille_fichier_octets"] + "\n", encoding="utf-8")
    _refus(lambda: lire_toml(f), "trop gros", str(LIMITES["taille_fichier_octets"]))


def test_fichier_non_ordinaire_refuse(tmp_path):
    _refus(lambda: lire_toml("/dev/null"), "introuvable", "/dev/null")
    _refus(lambda: lire_toml(tmp_path), "introuvable")


# --- Scénarios : en-tête et types -------------------------------------------------------------------------

CAS_SCENARIOS = {
    "nom_chemin": ('[scenario]\nnom = "../../../x"\nquestion = "q"\n', ["scenario.nom", "../../../x"]),
    "nom_cache": ('[scenario]\nnom = ".partiel"\nquestion = "q"\n', ["scenario.nom"]),
    "nom_nombre": ("[scenario]\nnom = 5\nquestion = \"q\"\n", ["scenario.nom", "5"]),
    "nom_vide": ('[scenario]\nnom = ""\nquestion = "q"\n', ["scenario.nom"]),
    "question_liste": ('[scenario]\nnom = "a"\nquestion = ["q"]\n', ["scenario.question"]),
    "calibration_texte": ('[scenario]\nnom = "a"\nquestion = "q"\ncalibration = "false"\n',
                          ["scenario.calibration", "true ou false"]),
    "sources_nombre": ('[scenario]\nnom = "a"\nquestion = "q"\nsources = 5\n', ["scenario.sources", "Liste"]),
    "sources_liste_de_nombres": ('[scenario]\nnom = "a"\nquestion = "q"\nsources = [5]\n', ["scenario.sources[0]"]),
    "surcharges_nombre": ('surcharges = 5\n[scenario]\nnom = "a"\nquestion = "q"\n', ["surcharges", "Table"]),
    "interventions_nombre": ('interventions = 5\n[scenario]\nnom = "a"\nquestion = "q"\n',
                             ["interventions", "Liste"]),
    "interventions_liste_de_textes": ('interventions = ["x"]\n[scenario]\nnom = "a"\nquestion = "q"\n',
                                      ["interventions[0]", "Table"]),
    "scenario_nombre": ("scenario = 5\n", ["scenario", "Table"]),
    "base_nombre": ('[scenario]\nnom = "a"\nquestion = "q"\nbase = 5\n', ["scenario.base"]),
    "sans_interventions_texte": ('[scenario]\nnom = "a"\nquestion = "q"\nbase = "reference"\n'
                                 'sans_interventions = "fermeture_guichets"\n', ["scenario.sans_interventions"]),
    "fichier_vide": ("", ["Fichier vide"]),
    "description_nombre": (ENTETE + "description = 3\n", ["scenario.description"]),
    "surcharge_nan": (ENTETE + '[surcharges]\n"decision.cout_base" = nan\n', ["decision.cout_base", "non finie"]),
}


@pytest.mark.parametrize("cas", sorted(CAS_SCENARIOS))
def test_scenario_invalide(cas, tmp_path):
    texte, attendus = CAS_SCENARIOS[cas]
    f = _ecrire(tmp_path, texte)
    _refus(lambda: charger_scenario(str(f)), str(f), *attendus)


def test_calibration_false_lue_comme_faux(tmp_path):
    f = _ecrire(tmp_path, ENTETE)
    assert charger_scenario(str(f)).calibration is False


@pytest.mark.parametrize("nom, sur", [("../../x", "x"), ("a/b", "a_b"), (".cache", "cache"), ("", "sortie"),
                                      (5, "5"), ("réf érence", "r_f_rence"), ("..", "sortie")])
def test_nom_de_dossier_un_seul_composant(nom, sur):
    assert nom_de_dossier(nom) == sur
    assert nom_valide(nom_de_dossier(nom))


# --- Scénarios : interventions ----------------------------------------------------------------------------

def _iv(**champs):
    lignes = ["[[interventions]]"] + [f"{k} = {v}" for k, v in champs.items()]
    return "\n".join(lignes) + "\n"


def test_facteur_sur_un_texte_refuse(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"changement_parametre"', date='"2016-01-01"',
                                       cle='"prestations.rsa.nom"', facteur=2.0))
    _refus(lambda: charger_scenario(str(f)), "interventions[0].facteur", "prestations.rsa.nom", "texte")


def test_facteur_sur_un_booleen_refuse(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"changement_parametre"', date='"2016-01-01"',
                                       cle='"guichets.caf.rendez_vous_seulement"', facteur=2.0))
    _refus(lambda: charger_scenario(str(f)), "interventions[0].facteur", "booleen")


def test_facteur_sur_une_matrice_multiplie_chaque_element(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"changement_parametre"', date='"2016-01-01"',
                                       cle='"population.diplome_par_age"', facteur=0.5))
    sc = charger_scenario(str(f))
    p = sc.parametres_base()
    mod = sc.interventions[0].modifications(p)["population.diplome_par_age"]
    assert mod == [[x * 0.5 for x in ligne] for ligne in p["population.diplome_par_age"]]


def test_intervention_qui_change_les_menages_refusee(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"changement_parametre"', date='"2016-01-01"',
                                       cle='"simulation.menages"', valeur=500))
    _refus(lambda: charger_scenario(str(f)), "interventions[0].cle", "simulation.menages", "--menages")


def test_valeur_d_intervention_validee_au_chargement(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"changement_parametre"', date='"2016-01-01"',
                                       cle='"decision.cout_base"', valeur='"beaucoup"'))
    _refus(lambda: charger_scenario(str(f)), "interventions[0].valeur", "beaucoup")


@pytest.mark.parametrize("date", ['"1900-01-01"', '"2999-01-01"', "1900-01-01"])
def test_date_hors_domaine(tmp_path, date):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"fermeture_guichets"', date=date, operateur='"caf"', zones='"toutes"',
                                       part=0.5))
    _refus(lambda: charger_scenario(str(f)), "interventions[0].date", "domaine", "2000-01-01")


def test_trop_d_interventions(tmp_path):
    une = _iv(type='"fermeture_guichets"', date='"2016-01-01"', operateur='"caf"', zones='"toutes"', part=0.0)
    f = _ecrire(tmp_path, ENTETE + une * (LIMITES["interventions"] + 1))
    _refus(lambda: charger_scenario(str(f)), "interventions", f"au plus {LIMITES['interventions']}")


def test_rendez_vous_actif_en_texte_devient_booleen(tmp_path):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"rendez_vous_seulement"', date='"2016-01-01"', operateur='"caf"',
                                       actif='"false"'))
    sc = charger_scenario(str(f))
    assert sc.interventions[0].modifications(sc.parametres_base()) == {"guichets.caf.rendez_vous_seulement": False}


# --- Combinaisons sur toute la période --------------------------------------------------------------------

def _facteur(date, f, fin=None):
    champs = dict(type='"changement_parametre"', date=f'"{date}"', cle='"decision.cout_base"', facteur=f)
    if fin:
        champs["fin"] = f'"{fin}"'
    return _iv(**champs)


def test_surcharge_plus_facteur_refuses_au_chargement(tmp_path):
    """L'exemple de l'issue : chacun est permis seul (6 <= 10, 1 × 2 <= 10), ensemble 12 > 10."""
    texte = ENTETE + '[surcharges]\n"decision.cout_base" = 6.0\n' + _facteur("2020-01-01", 2.0)
    f = _ecrire(tmp_path, texte)
    msg = _refus(lambda: charger_scenario(str(f)), "Combinaison invalide", "2020-01-01", "decision.cout_base",
                 "12.0", "<= 10")
    assert str(f) in msg


def test_deux_interventions_qui_se_chevauchent(tmp_path):
    """×4 de 2016 à 2020 et ×3 dès 2018 : 4 et 3 sont permis, 12 (2018-2019) ne l'est pas."""
    f = _ecrire(tmp_path, ENTETE + _facteur("2016-01-01", 4.0, "2020-01-01") + _facteur("2018-01-01", 3.0))
    _refus(lambda: charger_scenario(str(f)), "Combinaison invalide", "2018-01-01", "12.0")
    # Sans chevauchement : accepté.
    g = _ecrire(tmp_path, ENTETE + _facteur("2016-01-01", 4.0, "2018-01-01") + _facteur("2018-01-01", 3.0), "g.toml")
    assert len(charger_scenario(str(g)).interventions) == 2


def test_heritage_surcharge_enfant_et_facteur_parent(tmp_path):
    parent = _ecrire(tmp_path, ENTETE + _facteur("2020-01-01", 3.0), "parent.toml")
    assert charger_scenario(str(parent)).nom == "essai"
    enfant = _ecrire(tmp_path, f'[scenario]\nnom = "enfant"\nquestion = "q"\nbase = "{parent}"\n'
                     '[surcharges]\n"decision.cout_base" = 4.0\n', "enfant.toml")
    _refus(lambda: charger_scenario(str(enfant)), "Combinaison invalide", str(enfant), "12.0")


def test_le_modele_refuse_avant_de_simuler_avec_les_surcharges_de_l_appel(tmp_path):
    """Surcharges de l'appel (CLI --parametre) : refus à la construction, pas au pas où l'intervention commence."""
    f = _ecrire(tmp_path, ENTETE + _facteur("2015-01-01", 2.0))
    with pytest.raises(ErreurEntree) as e:
        ModeleNonRecours(scenario=str(f), menages=100, debut="2014-01", fin="2016-12",
                         surcharges={"decision.cout_base": 6.0})
    assert "Combinaison invalide" in str(e.value) and "2015-01-05" in str(e.value)
    # Hors de la période simulée, la même intervention ne s'applique jamais : accepté.
    m = ModeleNonRecours(scenario=str(f), menages=100, debut="2014-01", fin="2014-06",
                         surcharges={"decision.cout_base": 6.0})
    assert m.p_base["decision.cout_base"] == 6.0


def test_ensembles_actifs_cas_pose_a_la_main():
    bornes = [(0, 10), (5, None), (20, 30)]
    # À 30, l'ensemble {1} revient : déjà vérifié, il n'est pas rendu deux fois.
    assert ensembles_actifs(bornes) == [(0, (0,)), (5, (0, 1)), (10, (1,)), (20, (1, 2))]
    assert ensembles_actifs(bornes, debut=-3, fin=8) == [(0, (0,)), (5, (0, 1))]
    assert ensembles_actifs(bornes, debut=12) == [(12, (1,)), (20, (1, 2))]


def test_scenarios_livres_valides():
    for nom in ("reference", "fermeture", "mediation", "renfort_mediation", "sans_dematerialisation"):
        sc = charger_scenario(nom)
        assert sc.parametres_base()["simulation.menages"] == Parametres.defauts()["simulation.menages"]


@pytest.mark.parametrize("graine", [-1, 2**63, 10**30, True, 1.5])
def test_graine_hors_limites_refusee_avant_de_simuler(graine):
    with pytest.raises(ErreurEntree) as e:
        ModeleNonRecours(menages=100, graine=graine, debut="2014-01", fin="2014-03")
    assert "--graine" in str(e.value) and str(LIMITES["graine"]) in str(e.value)


@pytest.mark.parametrize("champ, valeur", [("facteur", "nan"), ("facteur", "inf"), ("heures_pour_10000", "inf")])
def test_facteur_non_fini_refuse(tmp_path, champ, valeur):
    f = _ecrire(tmp_path, ENTETE + _iv(type='"renfort_acteurs"', date='"2016-01-01"', genre='"france_services"',
                                       **{champ: valeur}))
    _refus(lambda: charger_scenario(str(f)), f"interventions[0].{champ}", "fini")
