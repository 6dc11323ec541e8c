"""Page pédagogique sans navigateur : leviers tirés des déclarations, vrai modèle, figures, CLI, hors ligne."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from experiences.cli import main
from experiences.visualisation import app, serveur
from experiences.visualisation import leviers as L
from experiences.visualisation.figures import (
    LEGENDE_SITUATIONS,
    Historique,
    figure_aide,
    figure_causes,
    figure_guichets,
    figure_menages,
    grille_situations,
)
from modele.etat import SITUATIONS
from modele.modele import ModeleNonRecours
from modele.parametres import ErreurEntree, charger_declarations
from modele.scenarios import charger_scenario, scenarios_disponibles

RACINE = Path(__file__).resolve().parents[1]

# --- leviers : une seule source de vérité (les déclarations) ---------------------------------------------------


def test_leviers_repris_des_declarations():
    decl = charger_declarations()
    for lv in L.leviers():
        d = decl[lv.cle]
        assert d.doc in lv.aide and lv.cle in lv.aide
        if lv.genre in ("reel", "entier"):
            assert lv.valeur == d.valeur
            assert d.min <= lv.min < lv.max <= d.max  # affichage éventuellement resserré, jamais élargi
            assert lv.min <= lv.valeur <= lv.max
        elif lv.genre == "choix":
            assert lv.choix == tuple(d.choix) and lv.valeur == d.valeur
        else:
            assert lv.valeur is d.valeur
    cles = {lv.cle for lv in L.leviers()}
    assert {"acteurs.travailleur_social.heures_pour_10000", "acteurs.france_services.aidants_connect",
            "prestations.css_gratuite.automatique_pour", "accompagnement.coef_formation",
            "simulation.menages"} <= cles


def test_reglages_par_defaut_suivent_le_scenario_et_ne_surchargent_rien():
    r = L.reglages_par_defaut("reference")
    assert L.surcharges(r, "reference") == {}
    assert L.fichier_scenario(r, "reference") == "reference"  # aucune fermeture en plus
    r2 = {**r, "acteurs.association.heures_pour_10000": 40, "prestations.css_gratuite.automatique_pour": "rsa"}
    assert L.surcharges(r2, "reference") == {"acteurs.association.heures_pour_10000": 40.0,
                                             "prestations.css_gratuite.automatique_pour": "rsa"}


def test_fermeture_devient_une_intervention_datee_du_scenario():
    r = {**L.reglages_par_defaut("guichets_ouverts"), L.FERMETURE_PART: 0.5, L.FERMETURE_ANNEE: 2015,
         L.FERMETURE_ORGANISME: "tous"}
    sc = charger_scenario(L.fichier_scenario(r, "guichets_ouverts"))
    assert [(iv.debut.isoformat(), iv.champs["operateur"], iv.champs["part"]) for iv in sc.interventions] == [
        ("2015-01-01", "caf", 0.5), ("2015-01-01", "cpam", 0.5), ("2015-01-01", "carsat", 0.5)]


def test_fermeture_avant_apres_sa_date_dans_le_modele():
    r = {**L.reglages_par_defaut("guichets_ouverts"), "simulation.menages": 300, L.FERMETURE_PART: 0.75,
         L.FERMETURE_ANNEE: 2015}
    m = L.creer_modele(r)
    assert m.t == 0 and m.menages.n == 300
    caf = [g for g in m.guichets if g.o == 0]
    while m.calendrier.date(m.t) < m.calendrier.date(m.calendrier.pas("2015-01-01")):
        m.step()
        assert all(g.ouverture == 1.0 for g in caf)
    m.step()
    assert all(g.ouverture == pytest.approx(0.25) for g in caf)


def test_appliquer_maintenant_change_les_parametres_a_partir_de_la_semaine_courante():
    r = {**L.reglages_par_defaut("guichets_ouverts"), "simulation.menages": 300}
    m = L.creer_modele(r)
    for _ in range(10):
        m.step()
    avant = m.acteur(0, 0).heures
    L.appliquer(m, {**r, "acteurs.travailleur_social.heures_pour_10000": 80.0})
    assert m.acteur(0, 0).heures == avant  # rien ne change avant le pas suivant
    m.step()
    assert m.acteur(0, 0).heures == pytest.approx(4 * avant)
    assert m.menages.n == 300 and m.t == 11


def test_reglage_hors_bornes_refuse_en_francais():
    r = {**L.reglages_par_defaut("reference"), "simulation.menages": 300, "accompagnement.coef_formation": -1.0}
    with pytest.raises(ErreurEntree, match="refusée par la page(.|\n)*accompagnement.coef_formation"):
        L.creer_modele(r)


# --- scénarios des fiches ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("nom", ["guichets_ouverts", "fermeture", "mediation", "aidants_connect",
                                 "classe_automatique"])
def test_scenario_de_fiche_livre_valide_avec_sa_fiche(nom):
    assert nom in scenarios_disponibles()
    sc = charger_scenario(nom)
    assert sc.nom == nom and sc.question
    if nom != "guichets_ouverts":
        fiche = (RACINE / "docs" / "enseignement" / f"{nom}.md").read_text(encoding="utf-8")
        for titre in ("Ce que montre le modèle", "Choses à essayer", "Questions pour la classe", "Limites"):
            assert titre in fiche, (nom, titre)
        assert f"nonrecours visualiser --scenario {nom}" in fiche


def test_fermeture_plus_de_non_recours_que_les_guichets_ouverts():
    """Ce que montre la fiche « Fermer les guichets » : mêmes graines, mêmes tirages ; écart mesuré de 2,3, 3,3 et
    4,3 points en 2017 sur les graines 1, 2, 3 (1 000 ménages) : la moyenne des trois doit dépasser 2 points."""
    def non_recours_2017(nom, graine):
        m = ModeleNonRecours(scenario=nom, menages=1000, graine=graine, fin="2017-12")
        m.lancer()
        h = Historique()
        h.lire(m)
        return h.causes().loc["2017", "taux_non_recours"].mean()

    ecarts = [non_recours_2017("fermeture", g) - non_recours_2017("guichets_ouverts", g) for g in (1, 2, 3)]
    assert min(ecarts) > 0 and sum(ecarts) / 3 > 0.02, ecarts


# --- figures ------------------------------------------------------------------------------------------------------


def test_grille_presque_carree_cases_vides_en_nan():
    grille = grille_situations(np.array([0, 1, 2, 3, 4], dtype=np.int8))
    assert grille.shape == (2, 3)
    assert np.isnan(grille[1, 2]) and grille[1, 1] == 4


def test_legende_en_francais_un_code_par_situation_du_modele():
    assert len(LEGENDE_SITUATIONS) == len(SITUATIONS)
    situation = np.array([1, 1, 2, 0, 5, 3], dtype=np.int8)
    territoire = np.array([0, 1, 2, 3, 0, 0], dtype=np.int8)
    fig = figure_menages(situation, territoire, "Semaine du 5 janvier 2015", suivi=4)
    libelles = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert libelles[1] == "Perçoit ses droits (2)"
    assert libelles[3] == "Non-recours : ne demande pas (1)"
    assert [ax.get_title() for ax in fig.axes[:4]] == ["Ville (3)", "Quartiers prioritaires (1)", "Périurbain (1)",
                                                       "Rural (1)"]


def test_historique_incremental_et_figures_des_releves():
    m = L.creer_modele({**L.reglages_par_defaut("fermeture"), "simulation.menages": 400})
    h = Historique()
    assert h.lire(m) == 0 and h.causes().empty
    figure_causes(h, L.DEBUT, L.FIN)  # vide : un message, pas d'erreur
    for _ in range(60):
        m.step()
    n = h.lire(m)
    assert n == len(set(m.series()["date"].astype(str)))
    causes = h.causes()
    assert ((causes >= 0) & (causes <= 1)).all().all()
    somme = causes[["taux_non_connaissance", "taux_non_demande", "taux_non_reception"]].sum(axis=1)
    assert (somme <= causes["taux_non_recours"] + 1e-9).all()
    assert set(h.par_groupe("capacite_guichets").columns) == {"caf", "cpam", "carsat"}
    for fig in (figure_causes(h, L.DEBUT, L.FIN, [("2016-01-01", "fermeture")]),
                figure_aide(h, m.menages.n, L.DEBUT, L.FIN), figure_guichets(h, L.DEBUT, L.FIN)):
        assert fig.axes


def test_resume_de_la_page_en_francais():
    m = app.nouveau_modele({**L.reglages_par_defaut("reference"), "simulation.menages": 300})
    app.avancer(m, 9)
    texte = app.resume(m)
    assert texte.startswith("Semaine du ") and "(semaine 9) — 300 ménages — non-recours " in texte
    assert "ms par semaine" in app.texte_mesures(m)


# --- CLI et serveur : boucle locale, environnement hors ligne, ressources présentes en local ----------------------


def test_cli_visualiser_scenario_inconnu_code_2(capsys):
    assert main(["visualiser", "--scenario", "inexistant"]) == 2
    assert "Scénario inconnu" in capsys.readouterr().err


def test_cli_visualiser_lance_le_serveur_avec_le_scenario(monkeypatch, capsys):
    appels = []

    class Fini:
        returncode = 0

    monkeypatch.setattr(serveur, "lancer", lambda **kw: appels.append(kw) or Fini())
    assert main(["visualiser", "--scenario", "fermeture", "--port", "8800"]) == 0
    assert appels == [{"port": 8800, "hote": "127.0.0.1", "scenario": "fermeture", "menages": None}]
    assert main(["visualiser", "--menages", "500"]) == 0
    assert appels[-1]["menages"] == 500
    assert serveur.environnement_hors_ligne({}, "reference", 500)["NONRECOURS_MENAGES"] == "500"
    assert main(["visualiser", "--menages", "50000"]) == 2
    assert main(["visualiser", "--hote", "0.0.0.0"]) == 0
    assert "visible de tout le réseau" in capsys.readouterr().err


@pytest.mark.parametrize("hote,attendu", [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                          ("localhost", True), ("0.0.0.0", False),
                                          ("192.168.1.10", False), ("salle-info", False)])
def test_boucle_locale(hote, attendu):
    assert serveur.est_boucle_locale(hote) is attendu


def test_environnement_hors_ligne():
    env = serveur.environnement_hors_ligne({"PYTHONPATH": "/ailleurs"}, scenario="fermeture")
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_MODE"] == "production"
    assert env["NONRECOURS_SCENARIO"] == "fermeture"
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


def test_heures_par_semaine_bornees_par_les_moyens_des_aidants():
    """Les heures des travailleurs sociaux, ramenées à la semaine et à 10 000 ménages, ne dépassent pas le curseur."""
    r = {**L.reglages_par_defaut("fermeture"), "simulation.menages": 2000,
         "acteurs.travailleur_social.heures_pour_10000": 20.0}
    m = L.creer_modele(r)
    for _ in range(40):
        m.step()
    h = Historique()
    h.lire(m)
    ts = h.par_semaine("heures_accompagnement")["travailleur_social"] * 10000 / m.menages.n
    assert (ts > 0).any()
    assert (ts <= 20.0 * 1.2).all()  # semaines à cheval sur deux mois ; par mois, ce serait 4 à 5 fois plus


def test_textes_anglais_de_solara_retires():
    import io

    cmd = serveur.commande(8765, "127.0.0.1", serveur.FICHIER_APP)
    assert cmd[cmd.index("--theme-loader") + 1] == serveur.CHARGEUR
    gabarits = serveur.FICHIER_APP.parent.parent / "templates"  # là où Solara cherche les gabarits du projet
    chargeur = (gabarits / f"loader-{serveur.CHARGEUR}.html").read_text(encoding="utf-8")
    assert (gabarits / f"loader-{serveur.CHARGEUR}.css").is_file()
    assert "Chargement de la page" in chargeur and "Made with" not in chargeur and "runs on" not in chargeur
    assert "samesite" in serveur.environnement_hors_ligne({})["PYTHONWARNINGS"]
    sortie = io.StringIO()
    serveur.relayer_sortie(io.StringIO("Solara server is starting at http://127.0.0.1:8765\nautre ligne\n"), sortie)
    assert sortie.getvalue() == "autre ligne\n"


def test_page_lisible_au_videoprojecteur_et_memes_unites():
    from experiences.visualisation import figures as F

    m = app.nouveau_modele({**L.reglages_par_defaut("reference"), "simulation.menages": 300})
    app.avancer(m, 60)
    app.resume(m)
    for nom, faire in app.GRAPHIQUES.items():
        fig = faire(m)
        for ax in fig.axes:
            assert ax.title.get_fontsize() >= F.POLICE["titre"] - 0.1, nom
            assert ax.yaxis.label.get_fontsize() >= F.POLICE["axe"] - 0.1, nom
            leg = ax.get_legend()
            if leg is not None:  # légende sous le graphique, hors des courbes
                assert leg.get_bbox_to_anchor().y0 < ax.get_window_extent().y0 + 1, nom
    causes = app.GRAPHIQUES["causes"](m).axes[0]
    assert causes.get_ylim() == (0.0, 1.0)
    assert causes.yaxis.get_major_formatter()(0.25, 0).replace("\u00a0", " ") == "25 %"
    assert "10 000 ménages" in app.GRAPHIQUES["guichets"](m).axes[0].get_ylabel()
