"""Figures PNG communes, lues dans les tableaux de séries (jamais dans un modèle vivant).

Avec plusieurs réplicats, chaque courbe est la moyenne et la bande son intervalle de confiance à 95 %
(moyenne ± t × écart-type / √R).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiences.rapports.intervalles import LIBRE, ic95  # noqa: E402

LIBELLES = {
    "rsa": "RSA", "prime_activite": "Prime d'activité", "css_gratuite": "CSS sans participation",
    "css_participation": "CSS avec participation", "aspa": "ASPA", "aides_logement": "Aides au logement",
    "famille": "Entourage", "travailleur_social": "Travailleurs sociaux", "france_services": "France Services",
    "conseiller_numerique": "Conseillers numériques", "association": "Associations / CCAS",
    "prestataire_prive": "Services payants", "caf": "CAF", "cpam": "CPAM", "carsat": "CARSAT",
    "taux_non_connaissance": "non-connaissance", "taux_non_demande": "non-demande",
    "taux_non_reception": "non-réception",
}


def libelle(x: str) -> str:
    """Libellé français d'un code."""
    x = str(x)
    return LIBELLES.get(x.split("=")[-1], x)


def moyenne_ic(df: pd.DataFrame, cles: list[str], genre: str | None = None) -> pd.DataFrame:
    """Moyenne (mean), écart-type (std), nombre de réplicats (count) et IC 95 % (bas, haut) par clés.

    Domaine de l'intervalle (`experiences.rapports.intervalles`) : `genre` s'il est donné ; sinon celui de la
    colonne `indicateur` si elle existe (un taux reste dans [0, 1], un volume positif) ; sinon Student ordinaire.
    """
    if genre is None and "indicateur" not in df.columns:
        genre = LIBRE
    out = ic95(df, cles, genre_fixe=genre).reset_index()
    return out.rename(columns={"moyenne": "mean", "ecart_type": "std", "n_replicats": "count"})


def _dates(s: pd.Series) -> pd.DatetimeIndex:
    return pd.to_datetime(s.astype(str) + "-01")


def courbes(ax, df: pd.DataFrame, indicateur: str, par: str, filtre: dict | None = None, pourcent: bool = True):
    """Trace un indicateur (une courbe par valeur de `par`) avec sa bande d'IC."""
    d = df[df["indicateur"] == indicateur]
    for k, v in (filtre or {}).items():
        d = d[d[k] == v]
    if d.empty:
        return
    s = moyenne_ic(d, [par, "date"])
    for nom, bloc in s.groupby(par, observed=True):
        x = _dates(bloc["date"])
        f = 100.0 if pourcent else 1.0
        ligne, = ax.plot(x, bloc["mean"] * f, label=libelle(nom))
        if (bloc["haut"] > bloc["bas"]).any():
            ax.fill_between(x, bloc["bas"] * f, bloc["haut"] * f, color=ligne.get_color(), alpha=0.2, lw=0)
    ax.grid(alpha=0.3)


def figures_simulation(series: pd.DataFrame, dossier: Path, titre: str = "") -> list[Path]:
    """Les quatre figures d'un dossier `simuler` : non-recours par prestation, par cause, heures d'aide, guichets."""
    ens = series[series["groupe"] == "ensemble"]
    chemins = []

    fig, ax = plt.subplots(figsize=(9, 5))
    courbes(ax, ens, "taux_non_recours", "prestation")
    ax.set_ylabel("non-recours (% des ménages éligibles)")
    ax.set_title(f"Non-recours par prestation {titre}".strip())
    ax.legend(fontsize=8)
    chemins.append(sauver(fig, dossier / "non_recours_par_prestation.png"))

    prest = [p for p in series["prestation"].astype(str).unique() if p != "toutes"]
    n = len(prest)
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(12, 6), sharex=True, sharey=True)
    causes = ["taux_non_connaissance", "taux_non_demande", "taux_non_reception"]
    for ax, p in zip(np.ravel(axes), prest):
        d = ens[(ens["prestation"] == p) & ens["indicateur"].isin(causes)]
        s = moyenne_ic(d, ["indicateur", "date"])
        piv = s.pivot(index="date", columns="indicateur", values="mean").reindex(columns=causes).fillna(0)
        ax.stackplot(_dates(piv.index.to_series()), *(piv[c] * 100 for c in causes),
                     labels=[libelle(c) for c in causes], alpha=0.85)
        ax.set_title(libelle(p), fontsize=9)
        ax.grid(alpha=0.3)
    np.ravel(axes)[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Non-recours par cause (ODENORE), % des éligibles")
    chemins.append(sauver(fig, dossier / "non_recours_par_cause.png"))

    for indicateur, ordonnee, titre, fichier in (
            ("heures_accompagnement", "heures d'aide aux démarches par mois (population simulée)",
             "Travail transféré : heures d'aide par genre d'aidant", "heures_aide_par_acteur.png"),
            ("capacite_guichets", "visites possibles par semaine (population simulée)",
             "Capacité d'accueil physique des organismes", "capacite_guichets.png")):
        fig, ax = plt.subplots(figsize=(9, 5))
        courbes(ax, series, indicateur, "groupe", pourcent=False)
        ax.set_ylabel(ordonnee)
        ax.set_title(titre)
        ax.legend(fontsize=8)
        chemins.append(sauver(fig, dossier / fichier))
    return chemins


def sauver(fig, chemin: Path, *, dpi: int = 110, dates: bool = True) -> Path:
    """Écrit la figure en PNG et la ferme ; `dates` : axes des x en dates (graduations concises, 3 à 7)."""
    if dates:
        for ax in fig.axes:
            loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    fig.tight_layout()
    fig.savefig(chemin, dpi=dpi)
    plt.close(fig)
    return chemin
