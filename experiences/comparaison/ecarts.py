"""Comparer des scénarios : mêmes graines, moyennes et IC à 95 %, différences appariées, mise à l'échelle.

Règle : chaque scénario est simulé sur les mêmes réplicats (graine du réplicat r : `graine_replicat(graine, r)`,
nombres aléatoires communs) ; pour chaque indicateur et date, on rend la moyenne sur les réplicats et son
intervalle de confiance à 95 % (loi de Student sur l'échelle logit pour un taux, logarithmique pour un volume :
`experiences.rapports.intervalles`), puis la différence avec le premier scénario calculée réplicat par réplicat
(différence appariée) et son intervalle de Student. Deux scénarios dont les paramètres en vigueur
sont égaux jusqu'à une date D donnent des séries identiques avant D. `--population-cible P` met les effectifs,
heures et euros à l'échelle de P ménages réels (facteur P / ménages simulés) ; les taux ne changent pas.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from experiences.rapports.intervalles import LIBRE, ic95
from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE, Calendrier
from modele.indicateurs import totaux_flux
from modele.politiques import Politiques
from modele.scenarios import Scenario

CLES = ["date", "indicateur", "prestation", "groupe"]
# Indicateurs additifs (effectifs, heures, euros, files, capacités, demandes) : mis à l'échelle de la population.
PREFIXES_ECHELLE = ("n_", "heures_", "montant_", "file_", "capacite_", "demande_")


def a_l_echelle(indicateur: str) -> bool:
    """Vrai si l'indicateur est un volume (proportionnel au nombre de ménages) et non un taux ou une durée."""
    return str(indicateur).startswith(PREFIXES_ECHELLE)


def mettre_a_echelle(series: pd.DataFrame, menages: int, population_cible: int | None) -> pd.DataFrame:
    """Copie des séries où les volumes sont multipliés par population_cible / menages (taux inchangés)."""
    if population_cible is None:
        return series
    f = float(population_cible) / float(menages)
    out = series.copy()
    ind = out["indicateur"].astype(str)
    masque = ind.str.startswith(PREFIXES_ECHELLE).to_numpy()
    out["valeur"] = np.where(masque, out["valeur"].to_numpy() * f, out["valeur"].to_numpy())
    return out


def _en_texte(df: pd.DataFrame, colonnes: list[str]) -> pd.DataFrame:
    df = df.copy()
    for c in colonnes:
        if c in df.columns:
            df[c] = df[c].astype(str)
    return df


def statistiques(series: pd.DataFrame, scenarios: list[str], cles: list[str] | None = None) -> pd.DataFrame:
    """Tableau tidy : par scénario et clé, moyenne/IC, puis différence appariée avec le premier scénario et son IC.

    Colonnes : scenario, <cles>, moyenne, bas, haut, n_replicats, difference, difference_bas, difference_haut,
    difference_ecart_type (écart-type des différences entre réplicats). Pour le premier scénario, la différence
    vaut 0. Intervalles : voir `experiences.rapports.intervalles` (un taux reste dans [0, 1]).
    """
    cles = CLES if cles is None else cles
    df = _en_texte(series, cles + ["scenario"])
    ref = df[df["scenario"] == scenarios[0]].set_index(cles + ["replicat"])["valeur"]
    ref = ref[~ref.index.duplicated()]
    blocs = []
    for s in scenarios:
        d = df[df["scenario"] == s]
        st = ic95(d, cles).drop(columns="ecart_type")
        cur = d.set_index(cles + ["replicat"])["valeur"]
        cur = cur[~cur.index.duplicated()]
        diff = (cur - ref.reindex(cur.index)).rename("valeur").reset_index()
        sd = ic95(diff, cles, genre_fixe=LIBRE)
        st["difference"] = sd["moyenne"].reindex(st.index)
        st["difference_bas"] = sd["bas"].reindex(st.index)
        st["difference_haut"] = sd["haut"].reindex(st.index)
        st["difference_ecart_type"] = sd["ecart_type"].reindex(st.index)
        st = st.reset_index()
        st.insert(0, "scenario", s)
        blocs.append(st)
    return pd.concat(blocs, ignore_index=True)


def premiere_divergence(series: pd.DataFrame, scenarios: list[str]) -> dict[str, str | None]:
    """Premier mois où les séries d'un scénario diffèrent de celles du premier (un réplicat au moins), ou None."""
    df = _en_texte(series, CLES + ["scenario"])
    ref = df[df["scenario"] == scenarios[0]].set_index(CLES + ["replicat"])["valeur"]
    sortie: dict[str, str | None] = {}
    for s in scenarios[1:]:
        cur = df[df["scenario"] == s].set_index(CLES + ["replicat"])["valeur"]
        a, b = cur.align(ref, join="outer")
        differe = ~((a == b) | (a.isna() & b.isna()))
        dates = a.index.get_level_values("date")[differe.to_numpy()]
        sortie[s] = None if len(dates) == 0 else str(min(dates))
    return sortie


def date_premiere_difference(a: Scenario, b: Scenario, calendrier: Calendrier,
                             surcharges: dict | None = None) -> dt.date | None:
    """Premier lundi où les paramètres en vigueur de deux scénarios diffèrent (None : jamais sur la période).

    Compare les paramètres de base puis ceux de chaque semaine où l'ensemble des interventions actives de
    l'un ou de l'autre change : c'est la date avant laquelle les séries des deux scénarios sont identiques.
    """
    base_a, base_b = a.parametres_base(surcharges), b.parametres_base(surcharges)
    pa, pb = Politiques(a, calendrier), Politiques(b, calendrier)
    # Le rodage (pas négatifs) précède le premier mois : il compte aussi.
    rodage = -int(base_a["simulation.rodage_semaines"])
    bornes = {rodage}
    for pol in (pa, pb):
        for d, f, _ in pol.bornes:
            bornes.update(x for x in (d, f) if rodage <= x < calendrier.n_pas)
    for t in sorted(bornes):
        pa.actives = pb.actives = None
        qa, _ = pa.parametres_a(base_a, t)
        qb, _ = pb.parametres_a(base_b, t)
        if qa.valeurs != qb.valeurs:
            return calendrier.date(t)
    return None


# --- Tableau de tête, à l'horizon ------------------------------------------------------------------------

RUBRIQUES = {
    "non_recours": "Non-recours (% des éligibles)",
    "causes": "Non-recours par cause (% des éligibles)",
    "ruptures": "Ruptures de droits (déclarations manquées, par an)",
    "montant": "Euros dus et non versés (par an)",
    "numerique": "Usage du numérique (% des ménages, 12 derniers mois)",
    "guichets": "Accueil physique des organismes",
    "attente": "Attente chez les aidants (semaines, moyenne)",
    "heures": "Heures d'aide aux démarches transférées (par an)",
    "financement": "Heures d'aide : transfert financé ou tacite (par an)",
    "hors_mandat": "Heures d'aide hors mandat (par an)",
    "identifiants": "Identifiants détenus par des aidants (fin de période)",
}
#: Sections du rapport : ce qui va ensemble (titre, rubriques).
SECTIONS = (
    ("Accès aux droits", ("non_recours", "causes", "ruptures", "montant")),
    ("Démarches, guichets et files d'attente", ("numerique", "guichets", "attente")),
    ("Travail transféré aux aidants", ("heures", "financement", "hors_mandat", "identifiants")),
)


def horizon_par_run(series: pd.DataFrame, mois: int = 12) -> pd.DataFrame:
    """Indicateurs de tête de chaque exécution sur les `mois` derniers mois : une ligne par (run, indicateur).

    Taux : moyenne des relevés mensuels ; euros (dus par mois) : somme des relevés ; flux (heures, ruptures,
    abandons, refus) : total sur exactement 52/12 semaines par mois de la période (52 semaines pour 12 mois, même
    si le dernier mois est incomplet : `totaux_flux`) ; identifiants détenus : dernier relevé ; attente : moyenne.
    Colonnes : scenario, replicat, rubrique, indicateur, detail, valeur.
    """
    df = _en_texte(series, CLES + ["scenario"])
    dates = sorted(df["date"].unique())[-mois:]
    d = df[df["date"].isin(dates)]
    derniere = d[d["date"] == dates[-1]]
    run = ["scenario", "replicat"]
    morceaux = []
    semaines = d[d["indicateur"] == "semaines_releve"]

    def flux(tab: pd.DataFrame, par: list[str]) -> pd.Series:  # total sur 52/12 semaines × mois de la fenêtre
        return totaux_flux(pd.concat([tab, semaines]), par, run=run, sur=SEMAINES_PAR_MOIS_RELEVE * len(dates))

    def ajouter(tab: pd.DataFrame, rubrique: str, indicateur: str, detail_col: str | None, detail: str | None = None):
        tab = tab.reset_index()
        tab["rubrique"] = rubrique
        tab["indicateur"] = indicateur
        tab["detail"] = tab[detail_col].astype(str) if detail_col else detail
        morceaux.append(tab[run + ["rubrique", "indicateur", "detail", "valeur"]])

    ens = d[d["groupe"] == "ensemble"]
    nr = ens[ens["indicateur"] == "taux_non_recours"]
    ajouter(nr.groupby(run + ["prestation"])["valeur"].mean(), "non_recours", "taux_non_recours", "prestation")
    # Toutes prestations : droits non perçus / droits ouverts, pondérés par le nombre d'éligibles de chaque mois.
    el = ens[ens["indicateur"] == "n_eligibles"].set_index(run + ["date", "prestation"])["valeur"]
    x = nr.set_index(run + ["date", "prestation"])["valeur"]
    el = el[~el.index.duplicated()].reindex(x.index)
    if el.notna().any():
        poids = pd.DataFrame({"nr": (x * el).fillna(0.0), "el": el.fillna(0.0)}).groupby(run).sum()
        ajouter((poids["nr"] / poids["el"].where(poids["el"] > 0)).rename("valeur"), "non_recours",
                "taux_non_recours", None, "toutes")
    for cause in ("taux_non_connaissance", "taux_non_demande", "taux_non_reception", "taux_non_proposition"):
        c = ens[ens["indicateur"] == cause]
        ajouter(c.groupby(run + ["prestation"])["valeur"].mean(), "causes", cause, "prestation")
    mt = ens[ens["indicateur"] == "montant_non_verse"]
    ajouter(mt.groupby(run + ["prestation"])["valeur"].sum(), "montant", "montant_non_verse", "prestation")
    ajouter(mt.groupby(run)["valeur"].sum(), "montant", "montant_non_verse", None, "toutes")
    ru = ens[ens["indicateur"] == "n_ruptures"]
    ajouter(flux(ru, run), "ruptures", "n_ruptures", None, "toutes")

    act = d[d["groupe"].str.startswith("acteur=")].assign(acteur=lambda x: x["groupe"].str.split("=").str[1])
    h = act[act["indicateur"] == "heures_accompagnement"]
    ajouter(flux(h, run + ["acteur"]), "heures", "heures_accompagnement", "acteur")
    ajouter(flux(h, run), "heures", "heures_accompagnement", None, "tous")
    for ind in ("heures_faire_a_la_place", "heures_faire_avec"):
        x = act[act["indicateur"] == ind]
        ajouter(flux(x, run), "heures", ind, None, "tous")
    tac = act[act["indicateur"] == "heures_transfert_tacite"]
    prof = ~h["acteur"].eq("famille")
    tot_pro = flux(h[prof], run)
    tac_pro = flux(tac[~tac["acteur"].eq("famille")], run)
    ajouter((tot_pro - tac_pro.reindex(tot_pro.index).fillna(0)).rename("valeur"), "financement",
            "heures_transfert_finance", None, "acteurs professionnels")
    ajouter(tac_pro.rename("valeur"), "financement", "heures_transfert_tacite", None, "acteurs professionnels")
    ajouter(flux(tac[tac["acteur"].eq("famille")], run), "financement",
            "heures_transfert_tacite", None, "entourage (famille)")
    hm = act[act["indicateur"] == "heures_hors_mandat"]
    ajouter(flux(hm, run + ["acteur"]), "hors_mandat", "heures_hors_mandat", "acteur")
    ajouter(flux(hm, run), "hors_mandat", "heures_hors_mandat", None, "tous")
    ider = derniere[(derniere["indicateur"] == "n_identifiants_detenus") & derniere["groupe"].str.startswith("acteur=")]
    ider = ider.assign(acteur=ider["groupe"].str.split("=").str[1])
    ajouter(ider.groupby(run + ["acteur"])["valeur"].sum(), "identifiants", "n_identifiants_detenus", "acteur")
    ajouter(ider.groupby(run)["valeur"].sum(), "identifiants", "n_identifiants_detenus", None, "tous")
    at = act[act["indicateur"] == "attente_moyenne"]
    ajouter(at.groupby(run + ["acteur"])["valeur"].mean(), "attente", "attente_moyenne", "acteur")
    ab = act[act["indicateur"] == "n_abandons_file"]
    ajouter(flux(ab, run), "attente", "n_abandons_file", None, "tous")
    usage = ens[ens["prestation"] == "toutes"]
    for ind in ("taux_demarche_en_ligne", "taux_abandon_en_ligne", "taux_abandon_definitif"):
        x = usage[usage["indicateur"] == ind]
        ajouter(x.groupby(run)["valeur"].mean(), "numerique", ind, None, "ensemble")
    op = d[d["groupe"].str.startswith("operateur=")].assign(operateur=lambda x: x["groupe"].str.split("=").str[1])
    cap = op[op["indicateur"] == "capacite_guichets"]
    ajouter(cap.groupby(run + ["operateur"])["valeur"].mean(), "guichets", "capacite_guichets", "operateur")
    ref = op[op["indicateur"] == "n_refus_guichet"]
    ajouter(flux(ref, run), "guichets", "n_refus_guichet", None, "tous")
    out = pd.concat(morceaux, ignore_index=True)
    out.attrs["periode"] = (dates[0], dates[-1])
    return out


def statistiques_horizon(horizon: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """Moyennes, IC et différences appariées des indicateurs de tête (mêmes colonnes que `statistiques`)."""
    st = statistiques(horizon, scenarios, cles=["rubrique", "indicateur", "detail"])
    ordre = {r: k for k, r in enumerate(RUBRIQUES)}
    st["_o"] = st["rubrique"].map(ordre)
    return st.sort_values(["_o", "indicateur", "detail", "scenario"], kind="stable").drop(columns="_o")


# --- Effets sur un ensemble de jeux de paramètres ----------------------------------------------------------

def effets_ensemble(horizon: pd.DataFrame, scenarios: list[str], replicats: int) -> pd.DataFrame:
    """Effets à l'horizon (scénario − premier scénario) sur K jeux de paramètres × R graines appariées.

    `horizon` : `horizon_par_run` de runs dont le réplicat vaut k × R + r (jeu k, graine r ; graines communes à
    tous les jeux et scénarios). Par scénario et indicateur de tête :

    - `effet` : moyenne sur les jeux de l'effet moyen de chaque jeu (moyenne de ses R différences appariées) ;
    - intervalle sur les graines (`graines_bas`, `graines_haut`) : effet ± t(K(R − 1)) × s / √R, s = écart-type
      des différences appariées entre graines d'un même jeu, mis en commun sur les jeux : l'incertitude due au
      hasard des tirages pour UN jeu de paramètres avec R graines ;
    - intervalle sur l'ensemble (`ensemble_bas`, `ensemble_haut`) : plus petit et plus grand effet moyen par jeu
      (ce que l'on ne sait pas des paramètres, dans la limite des K jeux) ;
    - `robuste` : l'effet moyen de chaque jeu a le même signe, non nul (`jeux_meme_signe` : part des jeux du
      signe de `effet`).
    """
    cles = ["rubrique", "indicateur", "detail"]
    df = _en_texte(horizon, cles + ["scenario"])
    ref = df[df["scenario"] == scenarios[0]].set_index(cles + ["replicat"])["valeur"]
    ref = ref[~ref.index.duplicated()]
    blocs = []
    for s in scenarios[1:]:
        cur = df[df["scenario"] == s].set_index(cles + ["replicat"])["valeur"]
        cur = cur[~cur.index.duplicated()]
        d = (cur - ref.reindex(cur.index)).rename("effet").reset_index()
        d["jeu"] = d["replicat"] // replicats
        par_jeu = d.groupby(cles + ["jeu"], sort=True)["effet"].agg(["mean", "var", "count"]).reset_index()
        g = par_jeu.groupby(cles, sort=False)
        st = g["mean"].agg(effet="mean", ensemble_bas="min", ensemble_haut="max", jeux="count")
        st["replicats"] = replicats
        k = st["jeux"].to_numpy(dtype=float)
        s_w = np.sqrt(g["var"].mean().reindex(st.index).fillna(0.0).to_numpy())
        t = np.where(replicats > 1, stats.t.ppf(0.975, np.maximum(k * (replicats - 1), 1)), np.nan)
        demi = np.nan_to_num(t * s_w / np.sqrt(replicats))
        st["graines_bas"], st["graines_haut"] = st["effet"] - demi, st["effet"] + demi
        signe = np.sign(st["effet"].to_numpy())
        pos = g["mean"].apply(lambda x: float((x > 0).mean())).reindex(st.index).to_numpy()
        neg = g["mean"].apply(lambda x: float((x < 0).mean())).reindex(st.index).to_numpy()
        st["jeux_meme_signe"] = np.where(signe > 0, pos, np.where(signe < 0, neg, 0.0))
        st["robuste"] = st["jeux_meme_signe"] == 1.0
        st = st.reset_index()
        st.insert(0, "scenario", s)
        blocs.append(st)
    colonnes = ["scenario", *cles, "effet", "graines_bas", "graines_haut", "ensemble_bas", "ensemble_haut", "jeux",
                "replicats", "jeux_meme_signe", "robuste"]
    if not blocs:
        return pd.DataFrame(columns=colonnes)
    out = pd.concat(blocs, ignore_index=True)[colonnes]
    ordre = {r: k for k, r in enumerate(RUBRIQUES)}
    out["_o"] = out["rubrique"].map(ordre)
    return out.sort_values(["_o", "indicateur", "detail", "scenario"], kind="stable").drop(columns="_o").reset_index(
        drop=True)
