"""Figures PNG communes, lues dans les tableaux de séries (jamais dans un modèle vivant).

Avec plusieurs réplicats, chaque courbe est la moyenne et la bande son intervalle de confiance à 95 %
(`experiences.rapports.intervalles` : un taux reste entre 0 et 100 %, un volume reste positif), le nombre de
réplicats écrit sous la figure. Libellés et unités français sur chaque axe, taux en % et depuis zéro, une seule
légende sous les graphiques (elle ne couvre pas les courbes), couleurs d'Okabe et Ito (sûres pour les daltoniens).
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
from modele.indicateurs import sans_mois_incomplets  # noqa: E402

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


# --- Présentation commune des figures ----------------------------------------------------------------------------

#: Couleurs des courbes (palette d'Okabe et Ito, sûre pour les daltoniens) ; la première (référence) en noir.
COULEURS = ("#222222", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D00")
ESPACE = "\u00a0"


def _fr(x: float, decimales: int = 0) -> str:
    texte = f"{abs(x):,.{decimales}f}".replace(",", ESPACE).replace(".", ",")
    return ("\u2212" + texte) if x < 0 and texte.strip("0,") else texte


def axe_pourcent(ax, depuis_zero: bool = True, points: bool = False) -> None:
    """Ordonnée en pourcentage, format français (« 25 % » ; « +2 pts » pour des écarts), depuis zéro par défaut."""
    from matplotlib.ticker import FuncFormatter

    if points:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: ("+" if x > 0 else "") + _fr(x, 1 if abs(x) < 1 and x
                                                                                                else 0) + " pt"))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: _fr(x) + ESPACE + "%"))
        if depuis_zero:
            ax.set_ylim(bottom=0)


def axe_volume(ax, depuis_zero: bool = True) -> None:
    """Ordonnée d'un volume, format français (« 12 000 », « 1,5 M »), depuis zéro par défaut."""
    from matplotlib.ticker import FuncFormatter

    def f(x, _p):
        if abs(x) >= 1e6:
            return _fr(x / 1e6, 1) + ESPACE + "M"
        return _fr(x)
    ax.yaxis.set_major_formatter(FuncFormatter(f))
    if depuis_zero:
        ax.set_ylim(bottom=0)


def note_replicats(fig, replicats: int, genre: str = "") -> None:
    """Écrit sous la figure ce que sont le trait et la bande, avec le nombre de réplicats (après `legende_dessous`)."""
    if replicats <= 1:
        texte = "Un seul réplicat : pas de bande d'incertitude."
    else:
        echelle = {"taux": " (taux : sur l'échelle logit, reste entre 0 et 100 %)",
                   "positif": " (volumes : sur l'échelle logarithmique, reste positif)"}.get(genre, "")
        texte = (f"Trait : moyenne de {replicats} réplicats ; bande : intervalle de confiance à 95 % de cette "
                 f"moyenne{echelle}.")
    if fig.legends:  # titre de la légende du bas : place réservée par la mise en page, rien ne le couvre
        fig.legends[0].set_title(texte, prop={"size": 9})
        fig.legends[0].get_title().set_color("#444444")
    else:
        fig.supxlabel(texte, fontsize=9, color="#444444")
    for ax in fig.axes:  # « année » seulement sous la dernière rangée
        spec = ax.get_subplotspec()
        if spec is not None and not spec.is_last_row():
            ax.set_xlabel("")


def legende_dessous(fig, axes, ncol: int | None = None) -> None:
    """Une seule légende, sous les graphiques (elle ne couvre aucune courbe)."""
    poignees, noms = [], []
    for ax in np.ravel(axes):
        for h, n in zip(*ax.get_legend_handles_labels()):
            if n not in noms:
                poignees.append(h)
                noms.append(n)
    if poignees:
        fig.legend(poignees, noms, loc="outside lower center", ncol=ncol or min(len(noms), 4), frameon=False,
                   fontsize=10)


def courbes(ax, df: pd.DataFrame, indicateur: str, par: str, filtre: dict | None = None, pourcent: bool = True,
            facteur: float = 1.0):
    """Trace un indicateur (une courbe par valeur de `par`) avec sa bande d'IC ; `facteur` multiplie les volumes."""
    d = df[df["indicateur"] == indicateur]
    for k, v in (filtre or {}).items():
        d = d[d[k] == v]
    if d.empty:
        return
    s = moyenne_ic(d, [par, "date"])
    for k, (nom, bloc) in enumerate(s.groupby(par, observed=True)):
        x = _dates(bloc["date"])
        f = 100.0 if pourcent else facteur
        ligne, = ax.plot(x, bloc["mean"] * f, label=libelle(nom), color=COULEURS[(k + 1) % len(COULEURS)], lw=1.6)
        if (bloc["haut"] > bloc["bas"]).any():
            ax.fill_between(x, bloc["bas"] * f, bloc["haut"] * f, color=ligne.get_color(), alpha=0.2, lw=0)
    ax.grid(alpha=0.3)
    ax.set_xlabel("année")
    if pourcent:
        axe_pourcent(ax)
    else:
        axe_volume(ax)


def figures_simulation(series: pd.DataFrame, dossier: Path, titre: str = "", menages: int | None = None
                       ) -> list[Path]:
    """Les quatre figures d'un dossier `simuler` : non-recours par prestation, par cause, heures d'aide, guichets.

    Volumes rapportés à 10 000 ménages (comme les rapports et la page) si `menages` (ménages simulés) est donné.
    Les flux sont des moyennes hebdomadaires × 52/12 (pas de dent de scie des mois de 4 et 5 semaines) ; le mois
    incomplet (dernier mois simulé quand la fin ne tombe pas un lundi) n'est pas tracé.
    """
    series = sans_mois_incomplets(series)
    ens = series[series["groupe"] == "ensemble"]
    chemins = []
    replicats = int(series["replicat"].nunique()) if "replicat" in series.columns else 1
    facteur = 10000.0 / menages if menages else 1.0
    unite = "pour 10 000 ménages" if menages else "population simulée"

    fig, ax = plt.subplots(figsize=(10, 5.6), layout="constrained")
    courbes(ax, ens, "taux_non_recours", "prestation")
    ax.set_ylabel("non-recours (% des ménages éligibles)")
    ax.set_title(f"Non-recours par prestation {titre}".strip())
    legende_dessous(fig, ax, ncol=3)
    note_replicats(fig, replicats, "taux")
    chemins.append(sauver(fig, dossier / "non_recours_par_prestation.png"))

    prest = [p for p in series["prestation"].astype(str).unique() if p != "toutes"]
    n = len(prest)
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(12, 6.8), sharex=True, sharey=True, layout="constrained")
    causes = ["taux_non_connaissance", "taux_non_demande", "taux_non_reception"]
    for ax, p in zip(np.ravel(axes), prest):
        d = ens[(ens["prestation"] == p) & ens["indicateur"].isin(causes)]
        s = moyenne_ic(d, ["indicateur", "date"])
        piv = s.pivot(index="date", columns="indicateur", values="mean").reindex(columns=causes).fillna(0)
        ax.stackplot(_dates(piv.index.to_series()), *(piv[c] * 100 for c in causes),
                     labels=[libelle(c) for c in causes], alpha=0.85, colors=COULEURS[1:4])
        ax.set_title(libelle(p), fontsize=11)
        ax.grid(alpha=0.3)
        axe_pourcent(ax)
    for ax in np.ravel(axes)[::max((n + 1) // 2, 1)]:
        ax.set_ylabel("% des éligibles")
    legende_dessous(fig, axes, ncol=3)
    fig.suptitle(f"Non-recours par cause (ODENORE), % des éligibles {titre}".strip())
    note_replicats(fig, replicats)
    chemins.append(sauver(fig, dossier / "non_recours_par_cause.png"))

    for indicateur, ordonnee, titre_fig, fichier in (
            ("heures_accompagnement", f"heures d'aide par mois de 52/12 semaines ({unite})",
             "Travail transféré : heures d'aide aux démarches par genre d'aidant", "heures_aide_par_acteur.png"),
            ("capacite_guichets", f"visites possibles par semaine ({unite})",
             "Capacité d'accueil physique des organismes", "capacite_guichets.png")):
        fig, ax = plt.subplots(figsize=(10, 5.6), layout="constrained")
        courbes(ax, series, indicateur, "groupe", pourcent=False, facteur=facteur)
        ax.set_ylabel(ordonnee)
        ax.set_title(f"{titre_fig} {titre}".strip())
        legende_dessous(fig, ax, ncol=4)
        note_replicats(fig, replicats, "positif")
        chemins.append(sauver(fig, dossier / fichier))
    return chemins


def sauver(fig, chemin: Path, *, dpi: int = 110, dates: bool = True) -> Path:
    """Écrit la figure en PNG et la ferme ; `dates` : axes des x en dates (graduations concises, 3 à 7)."""
    if dates:
        for ax in fig.axes:
            loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(chemin, dpi=dpi)
    plt.close(fig)
    return chemin
