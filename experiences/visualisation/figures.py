"""Figures matplotlib de la page pédagogique, construites à partir du modèle (sans Solara).

Règle en une ligne : une figure lit les tableaux du modèle (`situation`) ou les séries du
`datacollector` et ne modifie jamais le modèle.

Seul matplotlib est utilisé (pas d'Altair) : la page doit fonctionner hors ligne, et Altair
demanderait vega à un CDN.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

#: Code de situation → (libellé affiché, couleur). L'ordre est celui des codes 0..5.
LEGENDE_SITUATIONS: dict[int, tuple[str, str]] = {
    0: ("Non éligible", "#d9d9d9"),
    1: ("Perçoit la prestation", "#1a9850"),
    2: ("Non-connaissance", "#fdae61"),
    3: ("Non-demande", "#d73027"),
    4: ("Non-réception", "#762a83"),
    5: ("Démarche en cours", "#4575b4"),
}

#: Séries du datacollector tracées sur le graphique des taux → (libellé, couleur).
SERIES_TAUX: dict[str, tuple[str, str]] = {
    "taux_non_recours": ("Non-recours (total)", "#000000"),
    "taux_non_connaissance": ("dont non-connaissance", LEGENDE_SITUATIONS[2][1]),
    "taux_non_demande": ("dont non-demande", LEGENDE_SITUATIONS[3][1]),
    "taux_non_reception": ("dont non-réception", LEGENDE_SITUATIONS[4][1]),
}

#: Séries tracées sur le graphique des effectifs → (libellé, couleur).
SERIES_EFFECTIFS: dict[str, tuple[str, str]] = {
    "n_eligibles": ("Ménages éligibles", "#636363"),
    "n_percoit": ("Ménages qui perçoivent", LEGENDE_SITUATIONS[1][1]),
}

_CARTE = ListedColormap([couleur for _, couleur in LEGENDE_SITUATIONS.values()]).with_extremes(bad="white")
_NORME = BoundaryNorm(np.arange(-0.5, len(LEGENDE_SITUATIONS) + 0.5), _CARTE.N)


def grille_situations(situation: np.ndarray) -> np.ndarray:
    """Range les codes de situation dans une grille presque carrée (cases vides en NaN).

    Le ménage d'indice `i` occupe la ligne `i // largeur`, la colonne `i % largeur`.
    """
    n = int(situation.size)
    largeur = max(1, math.ceil(math.sqrt(n)))
    hauteur = max(1, math.ceil(n / largeur))
    grille = np.full(largeur * hauteur, np.nan, dtype=np.float32)
    grille[:n] = situation
    return grille.reshape(hauteur, largeur)


def figure_menages(situation: np.ndarray, semaine: int | None = None) -> Figure:
    """Carré coloré par ménage selon sa situation, avec une légende en français et les effectifs."""
    # Paysage, légende à droite : la figure tient dans une case de la grille SolaraViz.
    fig = Figure(figsize=(5.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(grille_situations(situation), cmap=_CARTE, norm=_NORME, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    titre = f"{situation.size} ménages"
    if semaine is not None:
        titre += f" — semaine {semaine}"
    ax.set_title(titre, fontsize="medium")
    comptes = np.bincount(situation.astype(np.intp), minlength=len(LEGENDE_SITUATIONS))
    poignees = [
        Patch(facecolor=couleur, edgecolor="#555555", label=f"{libelle} ({comptes[code]})")
        for code, (libelle, couleur) in LEGENDE_SITUATIONS.items()
    ]
    ax.legend(handles=poignees, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
              fontsize="small", title="Situation", title_fontsize="small")
    return fig


def _tracer(ax, tableau, series: dict[str, tuple[str, str]]) -> None:
    for colonne, (libelle, couleur) in series.items():
        if colonne in tableau.columns:
            ax.plot(tableau.index, tableau[colonne], label=libelle, color=couleur)
    ax.set_xlabel("Semaine")
    ax.set_xlim(0, max(1, len(tableau) - 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)


def figure_taux(tableau) -> Figure:
    """Taux de non-recours parmi les éligibles et sa décomposition par type (ODENORE)."""
    fig = Figure(figsize=(5.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    _tracer(ax, tableau, SERIES_TAUX)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Part des éligibles")
    ax.set_title("Taux de non-recours")
    return fig


def figure_effectifs(tableau) -> Figure:
    """Nombre de ménages éligibles et de ménages qui perçoivent, semaine après semaine."""
    fig = Figure(figsize=(5.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    _tracer(ax, tableau, SERIES_EFFECTIFS)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Ménages")
    ax.set_title("Éligibles et allocataires")
    return fig
