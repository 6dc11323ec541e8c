"""Page pédagogique sans navigateur : modèle de démonstration, figures, curseurs, réglages hors ligne."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from experiences.visualisation import app, serveur
from experiences.visualisation.demo_modele import PARAMETRES, ModeleNonRecours, Situation
from experiences.visualisation.figures import LEGENDE_SITUATIONS, figure_menages, grille_situations

# --- modèle de démonstration : même forme d'API que le vrai modèle -------------------------------


def test_api_du_modele_forme_attendue():
    m = ModeleNonRecours(menages=500, graine=3)
    assert m.situation.dtype == np.int8 and m.situation.shape == (500,)
    for _ in range(20):
        m.step()
    assert set(np.unique(m.situation)) <= {int(s) for s in Situation}
    tableau = m.datacollector.get_model_vars_dataframe()
    assert len(tableau) == 21  # état initial + 20 semaines
    assert tableau["taux_non_recours"].between(0, 1).all()
    assert (tableau["n_percoit"] <= tableau["n_eligibles"]).all()


def test_meme_graine_meme_trajectoire_autre_graine_autre():
    def trajectoire(graine):
        m = ModeleNonRecours(menages=300, graine=graine)
        for _ in range(10):
            m.step()
        return m.situation

    assert np.array_equal(trajectoire(5), trajectoire(5))
    assert not np.array_equal(trajectoire(5), trajectoire(6))


def test_sans_information_personne_ne_sort_de_la_non_connaissance():
    m = ModeleNonRecours(menages=400, graine=1, taux_information=0.0, taux_entree_eligibilite=0.0,
                         taux_sortie_eligibilite=0.0)
    depart = m.situation.copy()
    for _ in range(15):
        m.step()
    assert np.array_equal(m.situation, depart)


def test_plus_d_information_moins_de_non_connaissance():
    def non_connaissance(taux):
        m = ModeleNonRecours(menages=2000, graine=2, taux_information=taux)
        for _ in range(20):
            m.step()
        return m.datacollector.get_model_vars_dataframe()["taux_non_connaissance"].iloc[-1]

    assert non_connaissance(0.2) < non_connaissance(0.02)


def test_parametre_inconnu_ou_hors_bornes_refuse():
    with pytest.raises(ValueError, match="inconnu.*taux_magique"):
        ModeleNonRecours(menages=10, taux_magique=1.0)
    with pytest.raises(ValueError, match="taux_abandon = 2.0 hors bornes"):
        ModeleNonRecours(menages=10, taux_abandon=2.0)


# --- figures -----------------------------------------------------------------------------------


def test_grille_presque_carree_cases_vides_en_nan():
    grille = grille_situations(np.array([0, 1, 2, 3, 4], dtype=np.int8))
    assert grille.shape == (2, 3)
    assert np.isnan(grille[1, 2]) and grille[1, 1] == 4


def test_legende_en_francais_avec_effectifs():
    situation = np.array([1, 1, 2, 0, 5], dtype=np.int8)
    fig = figure_menages(situation, semaine=7)
    ax = fig.axes[0]
    libelles = [t.get_text() for t in ax.get_legend().get_texts()]
    assert libelles[1] == "Perçoit la prestation (2)"
    assert len(libelles) == len(LEGENDE_SITUATIONS) == len(Situation)
    assert ax.get_title() == "5 ménages — semaine 7"


# --- page : curseurs dérivés de la déclaration, recréation par « Reset » -------------------------



def test_un_curseur_par_parametre_declare_bornes_reprises():
    for nom, decl in PARAMETRES.items():
        curseur = app.model_params[nom]
        assert (curseur.min, curseur.max, curseur.value) == (decl.minimum, decl.maximum, decl.valeur)
    assert set(app.model_params) == set(PARAMETRES) | {"menages", "graine"}


def test_reset_de_mesa_recree_le_modele_avec_les_curseurs():
    """Reproduit l'appel de Mesa 3.5 au bouton Reset (il ajoute `scenario=`)."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    modele = app.ModelePage(**app.valeurs_initiales(app.model_params))
    parametres = {**app.valeurs_initiales(app.model_params), "menages": 700}
    kwargs = _build_model_init_kwargs(modele, parametres, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    nouveau = type(modele)(**kwargs)
    assert nouveau.situation.size == 700


# --- serveur : boucle locale, environnement hors ligne, ressources présentes en local ------------


@pytest.mark.parametrize("hote,attendu", [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                          ("localhost", True), ("0.0.0.0", False),
                                          ("192.168.1.10", False), ("salle-info", False)])
def test_boucle_locale(hote, attendu):
    assert serveur.est_boucle_locale(hote) is attendu


def test_environnement_hors_ligne():
    env = serveur.environnement_hors_ligne({"PYTHONPATH": "/ailleurs"})
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_MODE"] == "production"
    assert env["PYTHONPATH"].split(":") == [str(serveur.RACINE_DEPOT), "/ailleurs"]
    cmd = serveur.commande(8765, "127.0.0.1", "app.py")
    assert {"--production", "--no-open", "--no-check-version"} <= set(cmd)


def test_avertissement_en_francais_hors_boucle_locale(monkeypatch):
    lances = []

    class FauxProcessus:
        def __init__(self, cmd, **options):
            lances.append((cmd, options))

    monkeypatch.setattr(subprocess, "Popen", FauxProcessus)
    with pytest.warns(UserWarning, match="n'est pas la boucle locale"):
        serveur.lancer(hote="0.0.0.0", attendre=False)
    assert lances[0][0][lances[0][0].index("--host") + 1] == "0.0.0.0"
    assert lances[0][1]["env"]["SOLARA_ASSETS_PROXY"] == "true"


def test_ressources_du_gabarit_solara_presentes_dans_le_cache_local():
    """Chaque paquet JS que la page demande (`{{cdn}}/nom@version`) est fourni par solara-assets.

    Échoue si une mise à jour de solara demande une version que solara-assets n'a pas : la page
    irait alors la chercher sur un CDN (et resterait blanche hors ligne).
    """
    import solara
    from solara.server import settings

    gabarit = (Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2").read_text()
    cache = settings.assets.proxy_cache_dir
    demandes = set(re.findall(r"\{\{\s*cdn\s*\}\}/((?:@[\w-]+/)?[\w.-]+@[\w.-]+)", gabarit))
    demandes = {d for d in demandes if "vuetify3" not in d}  # Vue 3 : non utilisé (ipyvue < 3)
    assert "requirejs@2.3.6" in demandes
    manquants = sorted(d for d in demandes if not (cache / d).is_dir())
    assert manquants == [], f"absents de {cache} : {manquants}"
    assert (cache / settings.assets.fontawesome_path.lstrip("/")).is_file()
