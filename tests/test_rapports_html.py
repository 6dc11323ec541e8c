"""Rapports HTML : rendus par les gabarits Jinja2 (base commune, échappement automatique, pied de provenance)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pandas as pd

from experiences.comparaison.rapport import ecrire_rapport
from experiences.rapports import html
from modele.parametres import RACINE

PROVENANCE = {"date_execution": "2026-01-02T03:04:05", "git": {"commit": "abc123", "modifie": False},
              "versions": {"nonrecours": "0.1.0", "python": "3.12.1"}}


def _scenario(nom, question):
    return SimpleNamespace(nom=nom, question=question, description=f"description de {nom}", interventions=[],
                           sources=[], calibration=False)


def _rapport(tmp_path, question_b="Et si <b>on</b> fermait ?", difference=(-0.05, -0.07, -0.03)):
    d, b, h = difference
    st = pd.DataFrame([
        {"rubrique": "non_recours", "indicateur": "taux_non_recours", "detail": "rsa", "scenario": "a",
         "moyenne": 0.30, "bas": 0.28, "haut": 0.32, "difference": 0.0, "difference_bas": 0.0, "difference_haut": 0.0},
        {"rubrique": "non_recours", "indicateur": "taux_non_recours", "detail": "rsa", "scenario": "b",
         "moyenne": 0.25, "bas": 0.24, "haut": 0.26, "difference": d, "difference_bas": b, "difference_haut": h},
    ])
    chemin = ecrire_rapport(tmp_path / "rapport.html", scenarios=[_scenario("a", "Référence ?"),
                                                                   _scenario("b", question_b)],
                            st_horizon=st, periode_horizon=("2027-01", "2027-12"), figures=[], replicats=3,
                            menages=12345, graines=[0, 1, 2], debut="2014-01", fin="2027-12", population_cible=None,
                            divergences={"b": "2020-03"}, dates_difference={"b": "2020-03-02"}, n_hypotheses=4,
                            n_sources=6, commande="nonrecours comparer a b", calibration=False,
                            provenance=PROVENANCE)
    return chemin.read_text(encoding="utf-8")


def test_tableau_de_tete_valeurs_et_ecart_significatif(tmp_path):
    texte = _rapport(tmp_path).replace("\u00a0", " ")
    # premier scénario : valeur [IC] ; second : valeur, écart apparié en points et son IC, en bleu ▼ (baisse)
    assert "<td>30,0 %<br><span class=\"petit\">[28,0 ; 32,0]</span></td>" in texte
    assert ("<td>25,0 %<br><span class=\"baisse\">▼ −5,0 points</span><br><span class=\"petit\">[−7,0 ; −3,0]</span>"
            "</td>" in texte)
    assert "12 345 ménages" in texte and "jusqu'au 2 mars 2020" in texte
    assert "jusqu'au relevé de mars 2020 exclu" in texte
    # Premier écran : le constat, son intervalle et sa robustesse (l'IC exclut zéro).
    retenir = texte[texte.index("Ce qu'il faut retenir"):texte.index("1. Les questions posées")]
    assert "pas encore évalué" in retenir


def test_ecart_non_distinguable_du_hasard_en_gris(tmp_path):
    texte = _rapport(tmp_path, difference=(-0.01, -0.03, 0.01)).replace("\u00a0", " ")
    assert "<span class=\"incertain\"> −1,0 point</span>" in texte and "class=\"baisse\">▼ −1,0" not in texte


def test_couleurs_neutres_pour_hausse_et_baisse(tmp_path):
    texte = _rapport(tmp_path)
    for vert_ou_rouge in ("#0a6b2c", "#a3141c", "green", "red"):
        assert vert_ou_rouge not in texte
    assert ".baisse{" in texte and ".hausse{" in texte and "▼" in texte and "▲" in texte


def test_texte_des_scenarios_echappe(tmp_path):
    texte = _rapport(tmp_path)
    assert "Et si &lt;b&gt;on&lt;/b&gt; fermait ?" in texte
    assert "<b>on</b>" not in texte


def test_pied_de_page_avec_la_provenance(tmp_path):
    pied = re.search(r"<footer class=\"provenance\">(.*?)</footer>", _rapport(tmp_path), re.S).group(1)
    assert "abc123" in pied and "2026-01-02T03:04:05" in pied and "0.1.0" in pied and "provenance.json" in pied


def test_styles_imprimables(tmp_path):
    texte = _rapport(tmp_path)
    assert "@media print" in texte and "@page" in texte and "break-inside:avoid" in texte


def test_chaque_rapport_etend_la_base_commune():
    env = html.environnement()
    gabarits = sorted(p.name for p in html.DOSSIER_GABARITS.glob("*.html.j2")
                      if p.name not in ("base.html.j2", "macros.html.j2"))
    assert gabarits == ["comparaison.html.j2", "population.html.j2", "validation.html.j2"]
    for nom in gabarits:
        source = env.loader.get_source(env, nom)[0]
        parents = [n.template.value for n in env.parse(source).find_all(jinja2.nodes.Extends)]
        assert parents == ["base.html.j2"], nom


def test_echappement_automatique_et_variables_indefinies_refusees():
    env = html.environnement()
    assert env.from_string("{{ x }}").render(x="<i>&</i>") == "&lt;i&gt;&amp;&lt;/i&gt;"
    try:
        env.from_string("{{ absente }}").render()
    except jinja2.UndefinedError:
        pass
    else:
        raise AssertionError("une variable indéfinie doit être refusée")


def test_tableau_comme_to_html():
    t = html.tableau(pd.DataFrame({"a": ["x", None], "b": [1, 2], "c": [float("nan"), 0.5]}))
    assert t == {"colonnes": ["a", "b", "c"], "lignes": [["x", "1", "NaN"], ["NaN", "2", "0.5"]]}


def test_aucun_html_construit_en_python():
    balises = re.compile(r"<(td|th|tr|table|h[1-6]|html|body|figure|ul|li)\b")
    fautifs = [str(p.relative_to(RACINE)) for p in Path(RACINE / "experiences").rglob("*.py")
               if p.parent.name != "visualisation" and balises.search(p.read_text(encoding="utf-8"))]
    assert fautifs == []
