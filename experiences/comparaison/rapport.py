"""Rapport de comparaison : une page HTML autonome, en français, pour une équipe de politique publique.

La page se lit sans l'outil : la question, les scénarios et leurs dates, un tableau de tête à l'horizon
(avec intervalles à 95 % et différences appariées), les courbes avec leurs bandes, comment lire les
intervalles, et les limites du modèle. Les figures sont incluses en base64 : le fichier peut être transmis seul.
Gabarit : `experiences/rapports/gabarits/comparaison.html.j2` (étend `base.html.j2`) ; ce module ne prépare que
les données (textes formatés), lues dans des tableaux (statistiques), jamais dans un modèle vivant.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiences.comparaison.ecarts import RUBRIQUES
from experiences.rapports import html
from experiences.rapports.figures import libelle

LIBELLES_INDICATEURS = {
    "taux_non_recours": "non-recours",
    "taux_non_connaissance": "non-connaissance",
    "taux_non_demande": "non-demande",
    "taux_non_reception": "non-réception",
    "taux_non_proposition": "dont non-proposition",
    "montant_non_verse": "euros non versés",
    "n_ruptures": "ruptures de droits (déclaration manquée)",
    "heures_accompagnement": "heures d'aide",
    "heures_faire_a_la_place": "dont « faire à la place »",
    "heures_faire_avec": "dont « faire avec »",
    "heures_transfert_finance": "heures financées (transfert explicite)",
    "heures_transfert_tacite": "heures non financées (transfert tacite)",
    "heures_hors_mandat": "heures hors mandat",
    "n_identifiants_detenus": "identifiants détenus",
    "attente_moyenne": "attente moyenne (semaines)",
    "n_abandons_file": "abandons de file d'attente",
    "taux_demarche_en_ligne": "ménages ayant fait une démarche en ligne",
    "taux_abandon_en_ligne": "ménages ayant abandonné une démarche en ligne",
    "taux_abandon_definitif": "ménages ayant renoncé pour de bon",
    "capacite_guichets": "visites possibles par semaine",
    "n_refus_guichet": "refus au guichet",
}
POURCENT = ("taux_",)


def libelle_indicateur(x: str) -> str:
    """Libellé français d'un indicateur du tableau de tête."""
    return LIBELLES_INDICATEURS.get(x, x)


def formater(v: float, indicateur: str) -> str:
    """Valeur lisible : taux en %, grands volumes en M / Md, « – » si absente."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    if indicateur.startswith(POURCENT):
        return f"{100 * v:.1f} %".replace(".", ",")
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.2f} Md".replace(".", ",")
    if a >= 1e6:
        return f"{v / 1e6:.2f} M".replace(".", ",")
    if a >= 100:
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.2f}".replace(".", ",")


def ecart(m: float, b: float, h: float, indicateur: str) -> dict | None:
    """Écart apparié lisible : texte de la moyenne et des bornes, classe CSS (moins / plus / nul) ; None si absent."""
    if not np.isfinite(m):
        return None
    pct = indicateur.startswith(POURCENT)
    f = 100.0 if pct else 1.0
    signif = np.isfinite(b) and np.isfinite(h) and (b > 0 or h < 0)
    classe = "nul" if not signif else ("moins" if m < 0 else "plus")

    def n(x):
        if pct:
            return f"{f * x:+.1f}".replace(".", ",")
        return formater(x, indicateur) if x < 0 else "+" + formater(x, indicateur)
    return {"classe": classe, "moyenne": n(m), "unite": " pt" if pct else "", "bas": n(b), "haut": n(h)}


def tableau_horizon(st: pd.DataFrame, scenarios: list[str], rubrique: str) -> dict | None:
    """Une rubrique du tableau de tête : titre et lignes (valeur [IC] du premier scénario, écarts des autres)."""
    d = st[st["rubrique"] == rubrique]
    if d.empty:
        return None
    lignes = []
    for (ind, det), bloc in d.groupby(["indicateur", "detail"], sort=False):
        b = bloc.set_index("scenario")
        nom = libelle_indicateur(ind) + ("" if det in ("toutes", "tous", "ensemble") else f" — {libelle(det)}")
        r0 = b.loc[scenarios[0]] if scenarios[0] in b.index else None
        premier = (None if r0 is None else {"valeur": formater(r0["moyenne"], ind), "bas": formater(r0["bas"], ind),
                                            "haut": formater(r0["haut"], ind)})
        autres = []
        for s in scenarios[1:]:
            if s not in b.index:
                autres.append(None)
                continue
            r = b.loc[s]
            autres.append({"valeur": formater(r["moyenne"], ind),
                           "ecart": ecart(r["difference"], r["difference_bas"], r["difference_haut"], ind)})
        lignes.append({"nom": nom, "premier": premier, "autres": autres})
    return {"titre": RUBRIQUES[rubrique], "lignes": lignes}


def ecrire_rapport(chemin: Path, *, scenarios: list, st_horizon: pd.DataFrame, periode_horizon: tuple[str, str],
                   figures: list[tuple[Path, str]], replicats: int, menages: int, graines: list[int],
                   debut: str, fin: str, population_cible: int | None, divergences: dict,
                   dates_difference: dict, n_hypotheses: int, n_sources: int, commande: str,
                   calibration: bool, provenance: dict | None = None) -> Path:
    """Écrit rapport.html (page autonome, figures en base64) depuis le gabarit `comparaison.html.j2`."""
    noms = [sc.nom for sc in scenarios]
    ref = scenarios[0]
    unite = (f"pour une population de {html.millier(population_cible)} ménages" if population_cible
             else f"pour les {html.millier(menages)} ménages simulés")
    base_resumes = [iv.resume() for iv in ref.interventions]
    fiches = []
    for sc in scenarios:
        fiche = {"scenario": sc, "est_reference": sc is ref}
        if sc is not ref:
            resumes = [iv.resume() for iv in sc.interventions]
            fiche.update(date_difference=dates_difference.get(sc.nom), divergence=divergences.get(sc.nom),
                         ajoutees=[iv.resume() for iv in sc.interventions if iv.resume() not in base_resumes],
                         retirees=[r for r in base_resumes if r not in resumes])
        else:
            fiche["interventions"] = base_resumes
        fiches.append(fiche)
    rubriques = [t for t in (tableau_horizon(st_horizon, noms, r) for r in RUBRIQUES) if t is not None]
    return html.ecrire(chemin, "comparaison.html.j2", noms=noms, reference=ref, autres=scenarios[1:], fiches=fiches,
                       unite=unite, periode_horizon=periode_horizon, rubriques=rubriques, figures=figures,
                       replicats=replicats, menages=menages, graines=graines, debut=debut, fin=fin,
                       population_cible=population_cible, n_hypotheses=n_hypotheses, n_sources=n_sources,
                       commande=commande, calibration=calibration, provenance=provenance)
