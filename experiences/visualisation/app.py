"""Page pédagogique SolaraViz (Mesa) : ménages colorés par situation, courbes en direct, curseurs.

Lancer : `PYTHONPATH=. python -m experiences.visualisation.serveur` (voir `serveur.py`), qui
démarre `solara run` sur ce fichier avec les réglages « tout en local » (aucune ressource chargée
depuis un CDN).

Les curseurs sont dérivés de la déclaration unique des paramètres du modèle (`PARAMETRES`) ;
ils s'appliquent au bouton « Reset » de Mesa, qui recrée le modèle. Tous les composants sont en
matplotlib (pas d'Altair, qui chargerait vega depuis un CDN).

Le modèle affiché est provisoirement celui de `demo_modele.py` ; le vrai
`modele.modele.ModeleNonRecours` a la même forme d'API et le remplacera en changeant l'import.
"""

from __future__ import annotations

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from experiences.visualisation.demo_modele import PARAMETRES, ModeleNonRecours
from experiences.visualisation.figures import figure_effectifs, figure_menages, figure_taux

TITRE = "Non-recours aux droits — page pédagogique (modèle de démonstration)"

#: Réglages de base : nombre de ménages et graine (les autres curseurs viennent de PARAMETRES).
CURSEURS_DE_BASE = {
    "menages": Slider("Nombre de ménages", value=2000, min=100, max=20000, step=100, dtype=int),
    "graine": Slider("Graine aléatoire", value=1, min=0, max=99, step=1, dtype=int),
}


def curseurs_depuis(parametres) -> dict[str, Slider]:
    """Un curseur Mesa par paramètre déclaré (libellé, bornes et pas repris de la déclaration)."""
    return {
        nom: Slider(decl.libelle, value=decl.valeur, min=decl.minimum, max=decl.maximum,
                    step=decl.pas, dtype=float)
        for nom, decl in parametres.items()
    }


model_params = {**CURSEURS_DE_BASE, **curseurs_depuis(PARAMETRES)}


class ModelePage(ModeleNonRecours):
    """Le modèle tel que la page le recrée au bouton « Reset ».

    Mesa 3.5 (`solara_viz._build_model_init_kwargs`) ajoute `scenario=<mesa Scenario>` aux
    arguments dès que `__init__` accepte `**kwargs` ; le modèle le refuserait (paramètre inconnu),
    et le transmettre à `mesa.Model` entrerait en conflit avec la graine. On l'écarte ici pour
    que le modèle garde son API `ModeleNonRecours(menages, graine, **surcharges)`.
    """

    def __init__(self, scenario=None, **parametres) -> None:
        super().__init__(**parametres)


def valeurs_initiales(params: dict[str, Slider]) -> dict[str, float]:
    """Valeurs par défaut des curseurs, pour créer le premier modèle de la page."""
    return {nom: curseur.value for nom, curseur in params.items()}


def resume(model) -> str:
    """Résumé en une ligne de l'état courant (lisible aussi sans la figure)."""
    tableau = model.datacollector.get_model_vars_dataframe()
    taux = float(tableau["taux_non_recours"].iloc[-1])
    pourcentage = f"{100 * taux:.1f}".replace(".", ",")
    return f"Semaine {model.steps} — {model.situation.size} ménages — taux de non-recours {pourcentage} %"


@solara.component
def VueMenages(model):
    """Les ménages, un carré coloré chacun selon sa situation."""
    update_counter.get()
    fig = figure_menages(model.situation, semaine=model.steps)
    with solara.Column(classes=["nr-vue-menages"]):
        solara.Text(resume(model), classes=["nr-resume"])
        solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def GraphiqueTaux(model):
    """Courbe du taux de non-recours et de ses trois types."""
    update_counter.get()
    fig = figure_taux(model.datacollector.get_model_vars_dataframe())
    with solara.Column(classes=["nr-graphique-taux"]):
        solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def GraphiqueEffectifs(model):
    """Courbes du nombre d'éligibles et d'allocataires."""
    update_counter.get()
    fig = figure_effectifs(model.datacollector.get_model_vars_dataframe())
    with solara.Column(classes=["nr-graphique-effectifs"]):
        solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


COMPOSANTS = [(VueMenages, 0), (GraphiqueTaux, 0), (GraphiqueEffectifs, 0)]


@solara.component
def Page():
    """Page servie par `solara run` : un modèle par session de navigateur."""
    modele = solara.use_memo(lambda: ModelePage(**valeurs_initiales(model_params)), [])
    solara.Title("Non-recours — page pédagogique")
    SolaraViz(modele, components=COMPOSANTS, model_params=model_params, name=TITRE)
