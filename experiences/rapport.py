"""Rapport de comparaison : figures PNG et une page HTML autonome, en français, pour une équipe de politique publique.

La page se lit sans l'outil : la question, les scénarios et leurs dates, un tableau de tête à l'horizon
(avec intervalles à 95 % et différences appariées), les courbes avec leurs bandes, comment lire les
intervalles, et les limites du modèle. Les figures sont incluses en base64 : le fichier peut être transmis seul.
Tout est lu dans des tableaux (séries, statistiques), jamais dans un modèle vivant.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiences.comparaison import RUBRIQUES  # noqa: E402
from experiences.figures import libelle, moyenne_ic  # noqa: E402

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


def _lib_ind(x: str) -> str:
    return LIBELLES_INDICATEURS.get(x, x)


def _dates(s) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(s).astype(str).to_numpy() + "-01"))


def _sauver(fig, chemin: Path) -> Path:
    fig.tight_layout()
    fig.savefig(chemin, dpi=100)
    plt.close(fig)
    return chemin


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
    sorties.append((_sauver(fig, dossier / "comparaison_non_recours.png"),
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
        sorties.append((_sauver(fig, dossier / "comparaison_ecart_non_recours.png"),
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
    sorties.append((_sauver(fig, dossier / "comparaison_euros_identifiants.png"),
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
    sorties.append((_sauver(fig, dossier / "comparaison_heures_aide.png"),
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
    sorties.append((_sauver(fig, dossier / "comparaison_transfert.png"),
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
    sorties.append((_sauver(fig, dossier / "comparaison_guichets.png"),
                    "Capacité d'accueil physique des organismes (visites possibles par semaine) : ce que les "
                    "scénarios changent directement."))
    return sorties


# --- Page HTML -------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin-bottom:.3em}table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f2f2f2}td.g,th.g{text-align:left}.petit{font-size:.85em;color:#555}
.moins{color:#0a6b2c;font-weight:600}.plus{color:#a3141c;font-weight:600}.nul{color:#777}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.88em;color:#444}
.encadre{background:#f7f7fb;border-left:4px solid #6c7bd0;padding:.6em 1em;margin:1em 0}
"""


def _millier(n: int) -> str:
    return f"{int(n):,}".replace(",", " ")


def _e(x) -> str:
    return html.escape(str(x))


def _fmt(v: float, indicateur: str) -> str:
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


def _fmt_diff(m: float, b: float, h: float, indicateur: str) -> str:
    if not np.isfinite(m):
        return "–"
    pct = indicateur.startswith(POURCENT)
    f = 100.0 if pct else 1.0
    unite = " pt" if pct else ""
    signif = np.isfinite(b) and np.isfinite(h) and (b > 0 or h < 0)
    classe = "nul" if not signif else ("moins" if m < 0 else "plus")

    def n(x):
        if pct:
            return f"{f * x:+.1f}".replace(".", ",")
        return _fmt(x, indicateur) if x < 0 else "+" + _fmt(x, indicateur)
    return (f"<span class='{classe}'>{n(m)}{unite}</span><br><span class='petit'>[{n(b)} ; {n(h)}]</span>")


def _tableau_horizon(st: pd.DataFrame, scenarios: list[str], rubrique: str) -> str:
    d = st[st["rubrique"] == rubrique]
    if d.empty:
        return ""
    lignes = [f"<h3>{_e(RUBRIQUES[rubrique])}</h3><table><tr><th class='g'>indicateur</th>"]
    lignes.append(f"<th>{_e(scenarios[0])}<br><span class='petit'>(valeur [IC 95 %])</span></th>")
    for s in scenarios[1:]:
        lignes.append(f"<th>{_e(s)}<br><span class='petit'>écart avec {_e(scenarios[0])} [IC 95 %]</span></th>")
    lignes.append("</tr>")
    for (ind, det), bloc in d.groupby(["indicateur", "detail"], sort=False):
        b = bloc.set_index("scenario")
        nom = _lib_ind(ind) + ("" if det in ("toutes", "tous", "ensemble") else f" — {libelle(det)}")
        r0 = b.loc[scenarios[0]] if scenarios[0] in b.index else None
        cell0 = ("–" if r0 is None else f"{_fmt(r0['moyenne'], ind)}<br><span class='petit'>"
                 f"[{_fmt(r0['bas'], ind)} ; {_fmt(r0['haut'], ind)}]</span>")
        cells = [f"<td class='g'>{_e(nom)}</td><td>{cell0}</td>"]
        for s in scenarios[1:]:
            if s not in b.index:
                cells.append("<td>–</td>")
                continue
            r = b.loc[s]
            cells.append(f"<td>{_fmt(r['moyenne'], ind)}<br>"
                         f"{_fmt_diff(r['difference'], r['difference_bas'], r['difference_haut'], ind)}</td>")
        lignes.append("<tr>" + "".join(cells) + "</tr>")
    lignes.append("</table>")
    return "\n".join(lignes)


def _image(chemin: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(chemin.read_bytes()).decode("ascii")


def ecrire_rapport(chemin: Path, *, scenarios: list, st_horizon: pd.DataFrame, periode_horizon: tuple[str, str],
                   figures: list[tuple[Path, str]], replicats: int, menages: int, graines: list[int],
                   debut: str, fin: str, population_cible: int | None, divergences: dict,
                   dates_difference: dict, n_hypotheses: int, n_sources: int, commande: str,
                   calibration: bool) -> Path:
    """Écrit rapport.html (page autonome, figures en base64)."""
    noms = [sc.nom for sc in scenarios]
    ref = scenarios[0]
    unite = (f"pour une population de {_millier(population_cible)} ménages" if population_cible
             else f"pour les {_millier(menages)} ménages simulés")
    h = [f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>Comparaison de scénarios — "
         f"{_e(', '.join(noms))}</title><style>{CSS}</style></head><body>"]
    h.append("<h1>Non-recours aux prestations sociales et dématérialisation : comparaison de scénarios</h1>")
    h.append(f"<p class='petit'>Rapport produit par le simulateur multi-agents <code>nonrecours</code>. "
             f"Période simulée : {_e(debut)} à {_e(fin)} ; {replicats} réplicat(s) de {_millier(menages)} ménages "
             f"synthétiques par scénario ; volumes exprimés {_e(unite)}. Commande : <code>{_e(commande)}</code>"
             "</p>")

    h.append("<h2>1. Les questions posées</h2>")
    h.append(f"<p>Chaque scénario est comparé au scénario de départ « <b>{_e(ref.nom)}</b> » : "
             f"{_e(ref.question)}</p><ul>")
    for sc in scenarios[1:]:
        h.append(f"<li><b>{_e(sc.nom)}</b> — {_e(sc.question)}</li>")
    h.append("</ul>")

    h.append("<h2>2. Les scénarios et leurs dates</h2>")
    base_resumes = [iv.resume() for iv in ref.interventions]
    for sc in scenarios:
        h.append(f"<h3>{_e(sc.nom)}</h3><p>{_e(sc.description)}</p>")
        if sc is not ref:
            dd = dates_difference.get(sc.nom)
            dv = divergences.get(sc.nom)
            h.append("<p class='petit'>Paramètres identiques à ceux de « " + _e(ref.nom) + " » "
                     + (f"jusqu'au {_e(dd)}" if dd else "sur toute la période")
                     + " ; séries simulées identiques "
                     + (f"jusqu'au relevé de {_e(dv)} exclu" if dv else "sur toute la période")
                     + " (mêmes graines : les écarts ne viennent que des interventions).</p>")
            propres = [iv for iv in sc.interventions if iv.resume() not in base_resumes]
            retirees = [r for r in base_resumes if r not in [iv.resume() for iv in sc.interventions]]
            if propres or retirees:
                h.append("<table><tr><th class='g'>changement par rapport à « " + _e(ref.nom)
                         + " »</th><th class='g'>début → fin : intervention</th></tr>")
                for iv in propres:
                    h.append(f"<tr><td class='g'>ajoutée</td><td class='g'>{_e(iv.resume())}</td></tr>")
                for r in retirees:
                    h.append(f"<tr><td class='g'>retirée</td><td class='g'>{_e(r)}</td></tr>")
                h.append("</table>")
        else:
            h.append("<table><tr><th class='g'>début → fin : intervention</th></tr>")
            for iv in sc.interventions:
                h.append(f"<tr><td class='g'>{_e(iv.resume())}</td></tr>")
            h.append("</table>")
        if sc.sources:
            h.append("<p class='petit'>Sources : " + " ; ".join(_e(s) for s in sc.sources) + "</p>")

    h.append(f"<h2>3. Résultats à l'horizon ({_e(periode_horizon[0])} à {_e(periode_horizon[1])})</h2>")
    h.append("<div class='encadre'>Chaque case donne la moyenne sur les réplicats ; pour les autres scénarios, "
             f"l'écart avec « {_e(ref.nom)} » et, entre crochets, son intervalle de confiance à 95 %. "
             "<span class='moins'>Vert</span> : baisse, <span class='plus'>rouge</span> : hausse, quand "
             "l'intervalle exclut zéro ; gris : écart non distinguable du hasard des tirages avec ce nombre de "
             f"réplicats. Taux : moyenne des 12 derniers mois ; heures, euros, ruptures : total des 12 derniers "
             f"mois ; identifiants : dernier relevé. Volumes {_e(unite)}.</div>")
    for r in RUBRIQUES:
        h.append(_tableau_horizon(st_horizon, noms, r))

    h.append("<h2>4. Les courbes</h2>")
    for png, legende in figures:
        h.append(f"<figure><img alt='{_e(legende)}' src='{_image(png)}'><figcaption>{_e(legende)}"
                 "</figcaption></figure>")

    h.append("<h2>5. Comment lire les intervalles</h2>")
    h.append(f"<p>Le modèle est stochastique : chaque scénario a été simulé {replicats} fois (réplicats), avec les "
             f"graines {_e(', '.join(map(str, graines)))}. Les <b>mêmes graines</b> servent à tous les scénarios "
             "(nombres aléatoires communs) : le réplicat r de chaque scénario part de la même population synthétique "
             "et subit les mêmes tirages tant que les politiques ne diffèrent pas ; les séries sont identiques "
             "jusqu'à la première date où un paramètre change.</p>"
             "<p>L'<b>intervalle de confiance à 95 %</b> d'une moyenne est moyenne ± t × écart-type / √R (loi de "
             "Student à R − 1 degrés de liberté). Il mesure l'incertitude due au hasard de la simulation, "
             "<b>pas</b> l'incertitude sur les paramètres du modèle ni sur sa structure. Les <b>écarts</b> entre "
             "scénarios sont calculés réplicat par réplicat puis moyennés (différence appariée) : ils sont bien "
             "plus précis que la différence de deux moyennes prises séparément.</p>"
             + ("" if replicats > 1 else "<p><b>Un seul réplicat : aucun intervalle n'est calculable ; les écarts "
                "ne peuvent pas être distingués du hasard.</b></p>"))

    h.append("<h2>6. Limites du modèle</h2><ul>")
    h.append(f"<li>Les ménages sont <b>synthétiques</b> ({_millier(menages)} par réplicat) : "
             + "leurs attributs suivent des distributions publiées (INSEE, DREES, Défenseur des droits) mais ne "
             "décrivent aucun territoire réel. Les volumes "
             + ("sont mis à l'échelle par une simple règle de trois (population cible / ménages simulés)."
                if population_cible else "sont ceux de la population simulée.") + "</li>")
    h.append(f"<li>Sur les paramètres déclarés, <b>{n_hypotheses}</b> sont des hypothèses (aucun chiffre publié) "
             f"et {n_sources} citent une source. Les ampleurs des interventions (part de guichets gardés, heures "
             "ajoutées, effet d'une formation, délai d'une ouverture automatique) sont des hypothèses "
             "documentées dans les fichiers de scénario et de paramètres.</li>")
    h.append("<li>" + ("Les scénarios utilisent la calibration du dépôt (parametres/calibration.toml) quand elle "
                       "existe ; " if calibration else "Les scénarios ne sont pas calibrés ; ")
             + "les niveaux absolus de non-recours sont moins sûrs que les <b>écarts</b> entre scénarios, qui "
             "reposent sur les mêmes ménages et les mêmes tirages.</li>")
    h.append("<li>Le modèle ne représente ni les effets de retour sur les budgets des organismes, ni les "
             "changements de comportement des agents d'accueil, ni la fraude, ni les démarches hors des prestations "
             "modélisées (titres, impôts : seulement comme « démarches courantes »).</li>")
    h.append("<li>L'effet d'un changement de l'<b>offre d'accompagnement</b> (médiateurs, France Services) passe "
             "surtout par <code>demarches.elasticite_offre_acteurs</code> (la demande d'aide suit l'offre locale), "
             "calée sur un seul chiffre publié (le volume France Services 2023) : avec une élasticité nulle, un "
             "renfort de médiation ne change presque pas le non-recours. Présenter un tel résultat avec un balayage "
             "de ce paramètre (<code>--parametre demarches.elasticite_offre_acteurs=…</code> ; "
             "docs/calibration.md, « Limites »).</li>")
    h.append("<li>Les intervalles ne couvrent que le hasard de la simulation : deux scénarios peuvent différer "
             "« significativement » dans le modèle sans que l'écart soit sûr dans la réalité.</li></ul>")
    h.append("<h2>7. Fichiers joints</h2><ul class='petit'>"
             "<li><code>comparaison.csv</code> : par scénario, indicateur, prestation, groupe et mois, moyenne, IC "
             "et écart apparié avec le premier scénario ;</li><li><code>horizon.csv</code> : le tableau de tête "
             "ci-dessus ;</li><li><code>series.parquet</code> / <code>series.csv</code> : toutes les séries brutes, "
             "un réplicat par ligne ;</li><li><code>provenance.json</code> : paramètres résolus, graines, versions, "
             "commit, commande ;</li><li>figures PNG.</li></ul>")
    h.append("</body></html>")
    chemin.write_text("\n".join(h), encoding="utf-8")
    return chemin
