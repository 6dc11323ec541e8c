"""Figures PNG de la comparaison de scénarios : une courbe par scénario (son libellé), bande = IC 95 % de la moyenne
(dans le domaine de la grandeur), nombre de réplicats écrit sous chaque figure, légende sous les graphiques.

Tout est lu dans des tableaux (séries, statistiques), jamais dans un modèle vivant.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiences.rapports.figures import (  # noqa: E402
    COULEURS,
    axe_pourcent,
    axe_volume,
    legende_dessous,
    libelle,
    moyenne_ic,
    note_replicats,
    sauver,
)
from experiences.rapports.intervalles import LIBRE, POSITIF, TAUX  # noqa: E402
from modele.indicateurs import sans_mois_incomplets  # noqa: E402


def _dates(s) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(s).astype(str).to_numpy() + "-01"))


def _bandes(ax, s: pd.DataFrame, par: str, ordre: list[str], f: float = 1.0, libelles: dict | None = None,
            col=("mean", "bas", "haut")):
    """Une courbe par scénario (couleur fixe par rang, libellé lisible) et sa bande d'IC (déjà dans le domaine)."""
    libelles = libelles or {}
    for k, nom in enumerate(ordre):
        bloc = s[s[par] == nom].sort_values("date")
        if bloc.empty:
            continue
        x = _dates(bloc["date"])
        c = COULEURS[k % len(COULEURS)]
        ax.plot(x, bloc[col[0]] * f, color=c, label=libelles.get(nom, nom), lw=1.6)
        if (bloc[col[2]] > bloc[col[1]]).any():
            ax.fill_between(x, bloc[col[1]] * f, bloc[col[2]] * f, color=c, alpha=0.18, lw=0)
    ax.grid(alpha=0.3)
    ax.set_xlabel("année", fontsize=9)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))


def _total_par_run(series: pd.DataFrame, indicateur: str, filtre) -> pd.DataFrame:
    d = series[(series["indicateur"] == indicateur) & filtre(series)]
    return d.groupby(["scenario", "replicat", "date"], observed=True)["valeur"].sum().reset_index()


def _grille(n: int, hauteur: float = 7.2):
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(13, hauteur), sharex=True, layout="constrained")
    return fig, np.ravel(axes)


def figures_comparaison(series: pd.DataFrame, scenarios: list[str], dossier: Path, unite_volume: str,
                        libelles: dict[str, str] | None = None) -> list[tuple[Path, str]]:
    """Figures de la comparaison ; rend (chemin, légende) pour chacune.

    `libelles` : nom lisible de chaque scénario (légendes et titres) ; `unite_volume` : « pour 10 000 ménages »…
    """
    libelles = {s: (libelles or {}).get(s, s) for s in scenarios}
    ref = libelles[scenarios[0]]
    s = sans_mois_incomplets(series).copy()  # flux en moyenne hebdomadaire × 52/12 ; mois incomplet non tracé
    for c in ("scenario", "date", "indicateur", "prestation", "groupe"):
        s[c] = s[c].astype(str)
    replicats = int(s["replicat"].nunique())
    ens = s[s["groupe"] == "ensemble"]
    sorties: list[tuple[Path, str]] = []
    prest = [p for p in ens.loc[ens["indicateur"] == "taux_non_recours", "prestation"].unique() if p != "toutes"]
    ncol = min(len(scenarios), 4)

    # 1. Non-recours par prestation, une courbe par scénario.
    fig, axes = _grille(len(prest))
    for ax, p in zip(axes, prest):
        d = ens[(ens["indicateur"] == "taux_non_recours") & (ens["prestation"] == p)]
        _bandes(ax, moyenne_ic(d, ["scenario", "date"], genre=TAUX), "scenario", scenarios, 100.0, libelles)
        ax.set_title(libelle(p), fontsize=12)
        ax.set_ylabel("non-recours (% des éligibles)", fontsize=9)
        axe_pourcent(ax)
    for ax in axes[len(prest):]:
        ax.axis("off")
    legende_dessous(fig, axes, ncol)
    fig.suptitle("Non-recours par prestation, en % des ménages éligibles (axes depuis zéro)", fontsize=13)
    note_replicats(fig, replicats, TAUX)
    sorties.append((sauver(fig, dossier / "comparaison_non_recours.png", dpi=100, dates=False),
                    f"Non-recours par prestation, en % des ménages éligibles (axes depuis 0 %). Trait : moyenne des "
                    f"{replicats} réplicats ; bande : intervalle de confiance à 95 % de cette moyenne (échelle "
                    "logit : il reste entre 0 et 100 %)."))

    # 2. Différences appariées avec le premier scénario.
    if len(scenarios) > 1:
        d = ens[(ens["indicateur"] == "taux_non_recours") & ens["prestation"].isin(prest)]
        piv = d.pivot_table(index=["prestation", "date", "replicat"], columns="scenario", values="valeur",
                            observed=True)
        fig, axes = _grille(len(prest))
        for ax, p in zip(axes, prest):
            blocs = []
            for sc in scenarios[1:]:
                if sc not in piv.columns:
                    continue
                x = (piv.loc[p, sc] - piv.loc[p, scenarios[0]]).rename("valeur").reset_index()
                x["scenario"] = sc
                blocs.append(x)
            if blocs:
                _bandes(ax, moyenne_ic(pd.concat(blocs), ["scenario", "date"], genre=LIBRE), "scenario", scenarios,
                        100.0, libelles)
            ax.axhline(0, color="k", lw=0.8)
            ax.set_title(libelle(p), fontsize=12)
            ax.set_ylabel("écart (points de %)", fontsize=9)
            axe_pourcent(ax, points=True)
        for ax in axes[len(prest):]:
            ax.axis("off")
        legende_dessous(fig, axes, ncol)
        fig.suptitle(f"Écart de non-recours avec « {ref} », en points (même réplicat, mêmes graines)", fontsize=13)
        note_replicats(fig, replicats)
        sorties.append((sauver(fig, dossier / "comparaison_ecart_non_recours.png", dpi=100, dates=False),
                        f"Écart de non-recours avec « {ref} », en points de pourcentage, calculé réplicat par "
                        "réplicat (mêmes graines). Au-dessous de zéro : moins de non-recours. Une bande qui ne "
                        "contient pas zéro signale un écart qui n'est pas dû au hasard des tirages."))

    # 3. Accès aux droits : euros non versés et ruptures de droits.
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    t = _total_par_run(s, "montant_non_verse", lambda x: (x["groupe"] == "ensemble") & (x["prestation"] != "toutes"))
    _bandes(axes[0], moyenne_ic(t, ["scenario", "date"], genre=POSITIF), "scenario", scenarios, 1.0, libelles)
    axes[0].set_title("Euros dus et non versés, par mois", fontsize=12)
    axes[0].set_ylabel(f"euros par mois ({unite_volume})", fontsize=9)
    axe_volume(axes[0])
    t = _total_par_run(s, "n_ruptures", lambda x: (x["groupe"] == "ensemble"))
    _bandes(axes[1], moyenne_ic(t, ["scenario", "date"], genre=POSITIF), "scenario", scenarios, 1.0, libelles)
    axes[1].set_title("Ruptures de droits (déclaration manquée), par mois", fontsize=12)
    axes[1].set_ylabel(f"ruptures par mois ({unite_volume})", fontsize=9)
    axe_volume(axes[1])
    legende_dessous(fig, axes, ncol)
    note_replicats(fig, replicats, POSITIF)
    sorties.append((sauver(fig, dossier / "comparaison_euros_ruptures.png", dpi=100, dates=False),
                    f"À gauche : euros dus chaque mois aux ménages éligibles qui ne perçoivent pas leur droit. "
                    f"À droite : droits suspendus faute de déclaration. Volumes {unite_volume}."))

    # 4. Heures d'aide par genre d'aidant.
    acteurs = sorted(s.loc[s["groupe"].str.startswith("acteur="), "groupe"].unique())
    fig, axes = _grille(len(acteurs))
    h = s[s["indicateur"] == "heures_accompagnement"]
    for ax, a in zip(axes, acteurs):
        _bandes(ax, moyenne_ic(h[h["groupe"] == a], ["scenario", "date"], genre=POSITIF), "scenario", scenarios,
                1.0, libelles)
        ax.set_title(libelle(a), fontsize=12)
        ax.set_ylabel("heures par mois (52/12 sem.)", fontsize=9)
        axe_volume(ax)
    for ax in axes[len(acteurs):]:
        ax.axis("off")
    legende_dessous(fig, axes, ncol)
    fig.suptitle(f"Heures d'aide aux démarches par genre d'aidant, par mois ({unite_volume})", fontsize=13)
    note_replicats(fig, replicats, POSITIF)
    sorties.append((sauver(fig, dossier / "comparaison_heures_aide.png", dpi=100, dates=False),
                    "Heures d'aide aux démarches par mois, par genre d'aidant : le travail transféré aux acteurs "
                    f"locaux et à l'entourage ({unite_volume})."))

    # 5. Transfert tacite vs financé, hors mandat ; identifiants détenus.
    fig, axes = plt.subplots(2, 2, figsize=(13, 7.6), layout="constrained")
    axes = np.ravel(axes)
    pro = lambda x: x["groupe"].str.startswith("acteur=") & (x["groupe"] != "acteur=famille")  # noqa: E731
    tot = _total_par_run(s, "heures_accompagnement", pro).set_index(["scenario", "replicat", "date"])
    tac = _total_par_run(s, "heures_transfert_tacite", pro).set_index(["scenario", "replicat", "date"])
    fin = (tot["valeur"] - tac["valeur"].reindex(tot.index).fillna(0)).rename("valeur").reset_index()
    for ax, tab, titre, ordonnee in (
            (axes[0], fin, "Heures financées (transfert explicite)", "heures par mois"),
            (axes[1], tac.reset_index(), "Heures non financées (transfert tacite)", "heures par mois"),
            (axes[2], _total_par_run(s, "heures_hors_mandat", lambda x: x["groupe"].str.startswith("acteur=")),
             "Heures hors mandat de l'aidant", "heures par mois"),
            (axes[3], _total_par_run(s, "n_identifiants_detenus", lambda x: x["groupe"].str.startswith("acteur=")),
             "Identifiants de ménages gardés par un aidant", "identifiants détenus")):
        _bandes(ax, moyenne_ic(tab, ["scenario", "date"], genre=POSITIF), "scenario", scenarios, 1.0, libelles)
        ax.set_title(titre, fontsize=12)
        ax.set_ylabel(ordonnee, fontsize=9)
        axe_volume(ax)
    legende_dessous(fig, axes, ncol)
    fig.suptitle(f"Aidants professionnels : qui paie le travail transféré ? ({unite_volume})", fontsize=13)
    note_replicats(fig, replicats, POSITIF)
    sorties.append((sauver(fig, dossier / "comparaison_transfert.png", dpi=100, dates=False),
                    "Heures d'aide des aidants professionnels (hors entourage) : financées (France Services, "
                    "conseillers numériques) ou non (travailleurs sociaux, associations) ; heures faites hors du "
                    "mandat de l'aidant (toutes origines) ; identifiants de ménages qu'un aidant garde — une "
                    "dépendance créée par le « faire à la place »."))

    # 6. Capacité des guichets.
    ops = sorted(s.loc[s["groupe"].str.startswith("operateur="), "groupe"].unique())
    fig, axes = plt.subplots(1, len(ops), figsize=(13, 4.6), layout="constrained")
    axes = np.atleast_1d(axes)
    c = s[s["indicateur"] == "capacite_guichets"]
    for ax, o in zip(axes, ops):
        _bandes(ax, moyenne_ic(c[c["groupe"] == o], ["scenario", "date"], genre=POSITIF), "scenario", scenarios,
                1.0, libelles)
        ax.set_title(libelle(o), fontsize=12)
        ax.set_ylabel("visites possibles par semaine", fontsize=9)
        axe_volume(ax)
    legende_dessous(fig, axes, ncol)
    fig.suptitle(f"Accueil physique : visites possibles par semaine ({unite_volume})", fontsize=13)
    note_replicats(fig, replicats, POSITIF)
    sorties.append((sauver(fig, dossier / "comparaison_guichets.png", dpi=100, dates=False),
                    "Capacité d'accueil physique des organismes (visites possibles par semaine) : ce que les "
                    "scénarios changent directement."))
    return sorties
