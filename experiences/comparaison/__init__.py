"""Comparer des scénarios sur les mêmes graines : statistiques appariées, figures, rapport HTML (voir README.md)."""

from experiences.comparaison.comparer import Comparaison, commande_reproductible, comparer, verifier_scenarios
from experiences.comparaison.ecarts import (
    CLES,
    PREFIXES_ECHELLE,
    RUBRIQUES,
    SECTIONS,
    a_l_echelle,
    date_premiere_difference,
    horizon_par_run,
    mettre_a_echelle,
    premiere_divergence,
    statistiques,
    statistiques_horizon,
)
from experiences.comparaison.figures import figures_comparaison
from experiences.comparaison.rapport import LIBELLES_INDICATEURS, constats, ecrire_rapport, tableau_horizon

__all__ = [
    "CLES",
    "LIBELLES_INDICATEURS",
    "PREFIXES_ECHELLE",
    "RUBRIQUES",
    "SECTIONS",
    "Comparaison",
    "a_l_echelle",
    "commande_reproductible",
    "constats",
    "comparer",
    "date_premiere_difference",
    "ecrire_rapport",
    "figures_comparaison",
    "horizon_par_run",
    "mettre_a_echelle",
    "premiere_divergence",
    "statistiques",
    "statistiques_horizon",
    "tableau_horizon",
    "verifier_scenarios",
]
