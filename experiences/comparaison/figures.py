"""Figures PNG de la comparaison de scénarios : une courbe par scénario, bande = IC 95 % de la moyenne.

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

from experiences.rapports.figures import libelle, moyenne_ic, sauver  # noqa: E402


def _dates(s) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(s).astype(str).to_numpy() + "-01"))


def _bandes(ax, s: pd.DataFrame, par: str, ordre: list[str], f: float = 1.0, col=("mean", "bas", "haut"),
            taux: bool = False):
    couleurs = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, nom in enumerate(ordre):
        bloc = s[s[par] == nom].sort_values("date")
        if bloc.empty:
            continue
        x = _dates(bloc["date"])
        c = couleurs[k % len(couleurs)]
        ax.plot(x, bloc[col[0]] * f, color=c, label=nom, lw=1.4)
        if (bloc[col[2]] > bloc[col[1]]).any():
            bas, haut = bloc[col[1]] * f, bloc[col[2]] * f
            if taux:  # un taux reste entre 0 et 100 % : la bande affichée est coupée à ces bornes
                bas, haut = bas.clip(lower=0.0), haut.clip(upper=100.0)
            ax.fill_between(x, bas, haut, color=c, alpha=0.18, lw=0)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")


def _total_par_run(series: pd.DataFrame, indicateur: str, filtre) -> pd.DataFrame:
    d = series[(series["indicateur"] == indicateur) & filtre(series)]
    return d.groupby(["scenario", "replicat", "date"], observed=True)["valeur"].sum().reset_index()


def figures_comparaison(series: pd.DataFrame, scenarios: list[str], dossier: Path,
                        unite_volume: str) -> list[tuple[Path, str]]:
    """Figures de la comparaison ; rend (chemin, légende) pour chacune."""
    s = series.copy()
    for c in ("scenario", "date", "indicateur", "prestation", "groupe"):
        s[c] = s[c].astype(str)
    ens = s[s["groupe"] == "ensemble"]
    sorties: list[tuple[Path, str]] = []
    prest = [p for p in ens.loc[ens["indicateur"] == "taux_non_recours", "prestation"].unique() if p != "toutes"]

    # 1. Non-recours par prestation, une courbe par scénario.
    n = len(prest)
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(13, 6.5), sharex=True)
    for ax, p in zip(np.ravel(axes), prest):
        d = ens[(ens["indicateur"] == "taux_non_recours") & (ens["prestation"] == p)]
        _bandes(ax, moyenne_ic(d, ["scenario", "date"]), "scenario", scenarios, 100.0, taux=True)
        ax.set_title(libelle(p), fontsize=10)
        ax.set_ylabel("% des éligibles", fontsize=8)
    np.ravel(axes)[0].legend(fontsize=7)
    fig.suptitle("Non-recours par prestation (moyenne des réplicats, bande : IC 95 %)")
    sorties.append((sauver(fig, dossier / "comparaison_non_recours.png", dpi=100, dates=False),
                    "Non-recours par prestation, en % des ménages éligibles. Trait : moyenne des réplicats ; "
                    "bande : intervalle de confiance à 95 % de cette moyenne."))

    # 2. Différences appariées avec le premier scénario.
    if len(scenarios) > 1:
        d = ens[(ens["indicateur"] == "taux_non_recours") & ens["prestation"].isin(prest)]
        piv = d.pivot_table(index=["prestation", "date", "replicat"], columns="scenario", values="valeur",
                            observed=True)
        fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(13, 6.5), sharex=True)
        for ax, p in zip(np.ravel(axes), prest):
            blocs = []
            for sc in scenarios[1:]:
                if sc not in piv.columns:
                    continue
                x = (piv.loc[p, sc] - piv.loc[p, scenarios[0]]).rename("valeur").reset_index()
                x["scenario"] = sc
                blocs.append(x)
            if blocs:
                _bandes(ax, moyenne_ic(pd.concat(blocs), ["scenario", "date"]), "scenario", scenarios, 100.0)
            ax.axhline(0, color="k", lw=0.8)
            ax.set_title(libelle(p), fontsize=10)
            ax.set_ylabel("points de %", fontsize=8)
        np.ravel(axes)[0].legend(fontsize=7)
        fig.suptitle(f"Écart de non-recours avec « {scenarios[0]} » (différence appariée, IC 95 %)")
        sorties.append((sauver(fig, dossier / "comparaison_ecart_non_recours.png", dpi=100, dates=False),
                        f"Écart de non-recours avec le scénario « {scenarios[0]} », en points de pourcentage, "
                        "calculé réplicat par réplicat (mêmes graines). Au-dessous de zéro : moins de non-recours. "
                        "Une bande qui ne contient pas zéro signale un écart qui n'est pas dû au hasard des tirages."))

    # 3. Euros non versés (toutes prestations) et ruptures.
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    t = _total_par_run(s, "montant_non_verse", lambda x: (x["groupe"] == "ensemble") & (x["prestation"] != "toutes"))
    _bandes(axes[0], moyenne_ic(t, ["scenario", "date"]), "scenario", scenarios, 1e-6)
    axes[0].set_title(f"Euros dus et non versés par mois (millions, {unite_volume})", fontsize=10)
    t = _total_par_run(s, "n_identifiants_detenus", lambda x: x["groupe"].str.startswith("acteur="))
    _bandes(axes[1], moyenne_ic(t, ["scenario", "date"]), "scenario", scenarios)
    axes[1].set_title(f"Identifiants de ménages détenus par des aidants ({unite_volume})", fontsize=10)
    axes[0].legend(fontsize=7)
    sorties.append((sauver(fig, dossier / "comparaison_euros_identifiants.png", dpi=100, dates=False),
                    "À gauche : euros dus chaque mois aux ménages éligibles qui ne perçoivent pas leur droit. "
                    "À droite : droits dont un aidant (travailleur social, association, service payant…) garde "
                    "les identifiants — une dépendance créée par le « faire à la place »."))

    # 4. Heures d'aide par genre d'aidant.
    acteurs = sorted(s.loc[s["groupe"].str.startswith("acteur="), "groupe"].unique())
    fig, axes = plt.subplots(2, (len(acteurs) + 1) // 2, figsize=(13, 6.5), sharex=True)
    h = s[s["indicateur"] == "heures_accompagnement"]
    for ax, a in zip(np.ravel(axes), acteurs):
        _bandes(ax, moyenne_ic(h[h["groupe"] == a], ["scenario", "date"]), "scenario", scenarios)
        ax.set_title(libelle(a), fontsize=10)
        ax.set_ylabel("heures / mois", fontsize=8)
    for ax in np.ravel(axes)[len(acteurs):]:
        ax.axis("off")
    np.ravel(axes)[0].legend(fontsize=7)
    fig.suptitle(f"Heures d'aide aux démarches par genre d'aidant ({unite_volume})")
    sorties.append((sauver(fig, dossier / "comparaison_heures_aide.png", dpi=100, dates=False),
                    "Heures d'aide aux démarches par mois, par genre d'aidant : le travail transféré aux acteurs "
                    "locaux et à l'entourage."))

    # 5. Transfert tacite vs financé, hors mandat.
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    pro = lambda x: x["groupe"].str.startswith("acteur=") & (x["groupe"] != "acteur=famille")  # noqa: E731
    tot = _total_par_run(s, "heures_accompagnement", pro).set_index(["scenario", "replicat", "date"])
    tac = _total_par_run(s, "heures_transfert_tacite", pro).set_index(["scenario", "replicat", "date"])
    fin = (tot["valeur"] - tac["valeur"].reindex(tot.index).fillna(0)).rename("valeur").reset_index()
    _bandes(axes[0], moyenne_ic(fin, ["scenario", "date"]), "scenario", scenarios)
    axes[0].set_title("Heures financées (transfert explicite)", fontsize=10)
    _bandes(axes[1], moyenne_ic(tac.reset_index(), ["scenario", "date"]), "scenario", scenarios)
    axes[1].set_title("Heures non financées (transfert tacite)", fontsize=10)
    hm = _total_par_run(s, "heures_hors_mandat", lambda x: x["groupe"].str.startswith("acteur="))
    _bandes(axes[2], moyenne_ic(hm, ["scenario", "date"]), "scenario", scenarios)
    axes[2].set_title("Heures hors mandat", fontsize=10)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Aidants professionnels : qui paie le travail transféré ? ({unite_volume}, heures / mois)")
    sorties.append((sauver(fig, dossier / "comparaison_transfert.png", dpi=100, dates=False),
                    "Heures d'aide des aidants professionnels (hors entourage) : financées (France Services, "
                    "conseillers numériques) ou non (travailleurs sociaux, associations) ; heures faites hors du "
                    "mandat de l'aidant (toutes origines)."))

    # 6. Capacité des guichets.
    ops = sorted(s.loc[s["groupe"].str.startswith("operateur="), "groupe"].unique())
    fig, axes = plt.subplots(1, len(ops), figsize=(13, 4))
    c = s[s["indicateur"] == "capacite_guichets"]
    for ax, o in zip(np.atleast_1d(axes), ops):
        _bandes(ax, moyenne_ic(c[c["groupe"] == o], ["scenario", "date"]), "scenario", scenarios)
        ax.set_title(libelle(o), fontsize=10)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.suptitle(f"Accueil physique : visites possibles par semaine ({unite_volume})")
    sorties.append((sauver(fig, dossier / "comparaison_guichets.png", dpi=100, dates=False),
                    "Capacité d'accueil physique des organismes (visites possibles par semaine) : ce que les "
                    "scénarios changent directement."))
    return sorties
