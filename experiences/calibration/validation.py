"""Validation : le modèle calibré face aux chiffres publiés, et les motifs qu'il produit sans y avoir été ajusté.

Le rapport (`nonrecours valider`) simule la référence sur R réplicats (graines graine, graine+1, …) et, avec les
mêmes graines, la référence privée de ses fermetures de guichets (contrefactuel apparié). Il écrit :
- pour chaque cible : valeur publiée, valeur du modèle et IC 95 % sur les réplicats, tolérance, verdict ;
- les motifs NON ajustés (on les rapporte, on ne règle rien dessus) : non-recours par prestation, par tranche
  d'âge, par capacité numérique, par montant dû, selon que le ménage perçoit déjà une autre prestation, par
  territoire ; l'effet dans le temps des fermetures de guichets ; l'usage du numérique par âge ; le volume annuel
  des demandes adressées aux acteurs d'accompagnement (face aux volumes MSAP 2018 et France Services 2020, non ajustés).
Sorties : rapport.html (autonome, figures incluses ; gabarit `experiences/rapports/gabarits/validation.html.j2`),
CSV, PNG, series.parquet, provenance.json, resume.md.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiences.calibration import cibles as mod_cibles  # noqa: E402
from experiences.execution import processus, sorties  # noqa: E402
from experiences.execution.runs import COLONNES_SERIES, SpecRun, executer_run, graine_replicat  # noqa: E402
from experiences.rapports import html  # noqa: E402
from experiences.rapports.figures import courbes, libelle, moyenne_ic, sauver  # noqa: E402
from modele.etat import CAPACITES_NUMERIQUES, TERRITOIRES, TRANCHES_AGE  # noqa: E402
from modele.indicateurs import totaux_flux  # noqa: E402
from modele.politiques import FermetureGuichets, Politiques  # noqa: E402
from modele.scenarios import FICHIER_CALIBRATION  # noqa: E402

SANS_FERMETURES = "reference_sans_fermetures"
GROUPEMENTS = {
    "age": ("Tranche d'âge de la personne de référence", [f"age={a}" for a in TRANCHES_AGE]),
    "capacite_numerique": ("Capacité numérique", [f"capacite_numerique={c}" for c in CAPACITES_NUMERIQUES]),
    "territoire": ("Territoire", [f"territoire={z}" for z in TERRITOIRES]),
    "percoit_autre": ("Perçoit déjà une autre prestation", ["percoit_autre=oui", "percoit_autre=non"]),
}


# --- Exécutions ---------------------------------------------------------------------------------------------

def executer_sans_fermetures(spec: SpecRun) -> pd.DataFrame:
    """La même exécution que `spec`, sans les interventions `fermeture_guichets` du scénario (mêmes graines)."""
    from modele.modele import ModeleNonRecours

    m = ModeleNonRecours(scenario=spec.scenario, menages=spec.menages, graine=spec.graine, debut=spec.debut,
                         fin=spec.fin, surcharges=dict(spec.surcharges))
    m.scenario.interventions = [iv for iv in m.scenario.interventions if not isinstance(iv, FermetureGuichets)]
    m.politiques = Politiques(m.scenario, m.calendrier)
    m.lancer()
    s = m.series()
    s.insert(0, "graine", spec.graine)
    s.insert(0, "replicat", spec.replicat)
    s.insert(0, "scenario", SANS_FERMETURES)
    return s[COLONNES_SERIES]


def _tache(spec: SpecRun, variante: bool):
    if variante:
        return "variante", spec.replicat, executer_sans_fermetures(spec), None
    r = executer_run(spec)
    return "reference", spec.replicat, r.series, r.parametres


def simuler(menages: int, replicats: int, graine: int, debut: str, fin: str, travailleurs: int,
            contrefactuel: bool = True, progression=None):
    """Séries de la référence et (si demandé) du contrefactuel sans fermetures, et les paramètres résolus."""
    specs = [SpecRun(scenario="reference", graine=graine_replicat(graine, r), menages=menages, debut=debut, fin=fin,
                     replicat=r) for r in range(replicats)]
    taches = [(s, False) for s in specs] + ([(s, True) for s in specs] if contrefactuel else [])
    sortie = {"reference": [], "variante": []}
    parametres = None
    if travailleurs <= 1:
        resultats = (_tache(*t) for t in taches)
        for genre, _r, s, p in resultats:
            sortie[genre].append(s)
            parametres = parametres or p
            if progression is not None:
                progression.update(1)
    else:
        pool = processus.pool(travailleurs)
        try:
            futurs = [pool.submit(_tache, *t) for t in taches]
            for f in futurs:
                genre, _r, s, p = f.result()
                sortie[genre].append(s)
                parametres = parametres or p
                if progression is not None:
                    progression.update(1)
        except BaseException:
            processus.arreter_pool(pool)
            raise
        pool.shutdown()
    ref = pd.concat(sortie["reference"], ignore_index=True)
    var = pd.concat(sortie["variante"], ignore_index=True) if sortie["variante"] else None
    return ref, var, parametres


# --- Calculs (purs, sur les séries) -------------------------------------------------------------------------

def _annee(series: pd.DataFrame) -> pd.Series:
    return series["date"].astype(str).str[:4].astype(int)


def moyenne_annuelle_par(series: pd.DataFrame, indicateur: str, annee: int, groupes: list[str] | None = None,
                         prestations: list[str] | None = None) -> pd.DataFrame:
    """Par (prestation, groupe) : moyenne sur les réplicats de la moyenne des relevés mensuels de l'année, IC 95 %."""
    d = series[(series["indicateur"].astype(str) == indicateur) & (_annee(series) == annee)]
    if groupes is not None:
        d = d[d["groupe"].astype(str).isin(groupes)]
    if prestations is not None:
        d = d[d["prestation"].astype(str).isin(prestations)]
    d = d.assign(prestation=d["prestation"].astype(str), groupe=d["groupe"].astype(str))
    par_rep = d.groupby(["replicat", "prestation", "groupe"])["valeur"].mean().reset_index()
    out = moyenne_ic(par_rep, ["prestation", "groupe"]).rename(columns={"mean": "moyenne", "count": "replicats"})
    return out.drop(columns=["std"])


def effet_fermetures(ref: pd.DataFrame, var: pd.DataFrame, indicateur: str = "taux_non_recours") -> pd.DataFrame:
    """Par (prestation, année) : écart apparié référence − sans fermetures (mêmes graines).

    Écart de la moyenne annuelle des relevés mensuels (groupe ensemble) ; moyenne sur les réplicats et IC 95 %.
    """
    cles = ["replicat", "prestation", "annee"]

    def choisir(s):
        d = s[(s["indicateur"].astype(str) == indicateur) & (s["groupe"].astype(str) == "ensemble")]
        d = d.assign(prestation=d["prestation"].astype(str), annee=_annee(d))
        return d.groupby(cles)["valeur"].mean().reset_index()

    d = choisir(ref).merge(choisir(var), on=cles, suffixes=("_ref", "_sans"))
    d["valeur"] = d["valeur_ref"] - d["valeur_sans"]
    out = moyenne_ic(d, ["prestation", "annee"]).rename(columns={"mean": "ecart", "count": "replicats"})
    return out.drop(columns=["std"])


def gradient_extremes(tab: pd.DataFrame, ordre: list[str]) -> pd.DataFrame:
    """Par prestation : non-recours du premier et du dernier groupe de `ordre` qui ont des éligibles, et la
    différence dernier − premier (points de part).
    """
    lignes = []
    for p, d in tab.groupby("prestation"):
        v = d.set_index("groupe")["moyenne"].dropna()
        presents = [g for g in ordre if g in v.index]
        if len(presents) >= 2:
            g0, g1 = presents[0], presents[-1]
            lignes.append({"prestation": p, "premier": g0, "valeur_premier": v[g0], "dernier": g1,
                           "valeur_dernier": v[g1], "difference": v[g1] - v[g0]})
    return pd.DataFrame(lignes)


# Volumes France Services / MSAP non ajustés (la cible C7 est 2023), ordres de grandeur et non cibles :
# - 2020, publié : 1,17 M de demandes ([ccomptes2024_france_services]) pour ≈ 67,4 M d'habitants (INSEE, 1er janvier
#   2021, sans publication relevée dans docs/sources.md), ≈ 17,4 pour 1 000 ; première année du label (une partie
#   seulement des sites), confinement du printemps ;
# - 2018, dérivé : 6 visites par jour et par MSAP ([senat2022_r21_778]) × 1 340 MSAP fin 2018
#   ([ccomptes2024_france_services]) × 250 jours ouvrés (hypothèse) / ≈ 66,9 M d'habitants, ≈ 30 pour 1 000 (des
#   visites, pas des demandes).
FRANCE_SERVICES_HORS_CIBLE = {
    2018: (6 * 1340 * 250 / 66.9e6 * 1000.0, "MSAP, dérivé : 6 visites/jour × 1 340 sites × 250 jours"),
    2020: (1.17e6 / 67.4e6 * 1000.0, "France Services, publié : 1,17 M de demandes"),
}


def volume_aide_par_annee(series: pd.DataFrame, menages: int, personnes_par_menage: float,
                          indicateur: str = "n_demandes_aide") -> pd.DataFrame:
    """Par (acteur, année complète) : demandes adressées à l'acteur pour 1 000 habitants (même calcul que C7 :
    total de l'année sur 52 semaines / (ménages × personnes par ménage) × 1 000), moyenne sur les réplicats et
    IC 95 %. Les années sans leurs 12 relevés sont omises.
    """
    d = series[(series["indicateur"].astype(str) == indicateur) & series["groupe"].astype(str).str.startswith("acteur=")
               & (series["prestation"].astype(str) == "toutes")]
    d = d.assign(acteur=d["groupe"].astype(str).str.split("=").str[1], annee=_annee(d),
                 mois=d["date"].astype(str).str[:7])
    sem = series[series["indicateur"].astype(str) == "semaines_releve"]
    sem = sem.assign(annee=_annee(sem))
    morceaux = []
    for an, da in d.groupby("annee"):  # total sur 52 semaines de chaque année (totaux_flux)
        if da["mois"].nunique() != 12:
            continue
        t = totaux_flux(pd.concat([da, sem[sem["annee"] == an]]), ["replicat", "acteur"], run=["replicat"])
        morceaux.append(t.reset_index().assign(annee=an))
    g = (pd.concat(morceaux, ignore_index=True) if morceaux
         else pd.DataFrame(columns=["replicat", "acteur", "valeur", "annee"]))
    g["valeur"] = g["valeur"] / (menages * personnes_par_menage) * 1000.0
    out = moyenne_ic(g, ["acteur", "annee"]).rename(columns={"mean": "moyenne", "count": "replicats"})
    return out.drop(columns=["std"])


# --- Figures --------------------------------------------------------------------------------------------------

def figure_cibles(syn: pd.DataFrame, chemin: Path) -> Path:
    """Écart normé (modèle − publié) / tolérance par cible, avec l'IC 95 % ; bande ± 1 = tolérance."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(syn))
    y = syn["ecart_norme"].to_numpy()
    err = np.vstack([(syn["modele"] - syn["ic95_bas"]) / syn["tolerance"],
                     (syn["ic95_haut"] - syn["modele"]) / syn["tolerance"]])
    couleurs = ["tab:green" if v == "atteinte" else "tab:orange" if v == "compatible" else "tab:red"
                for v in syn["verdict"]]
    ax.axhspan(-1, 1, color="tab:green", alpha=0.12, label="dans la tolérance")
    ax.axhline(0, color="black", lw=0.8)
    ax.errorbar(x, y, yerr=err, fmt="none", ecolor="grey", capsize=4)
    ax.scatter(x, y, c=couleurs, zorder=3, s=50)
    ax.set_xticks(x, syn["cible"])
    ax.set_ylabel("(modèle − publié) / tolérance")
    ax.set_title("Cibles : écart du modèle au chiffre publié, en tolérances")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return sauver(fig, chemin, dates=False)


def figure_barres(tab: pd.DataFrame, ordre: list[str], titre: str, chemin: Path, prestations: list[str]) -> Path:
    """Barres groupées : non-recours (%) par prestation et par groupe, avec l'IC 95 %."""
    fig, ax = plt.subplots(figsize=(10, 4.8))
    largeur = 0.8 / max(len(ordre), 1)
    x = np.arange(len(prestations))
    for k, g in enumerate(ordre):
        d = tab[tab["groupe"] == g].set_index("prestation").reindex(prestations)
        y = d["moyenne"].to_numpy() * 100
        err = np.vstack([y - d["bas"].to_numpy() * 100, d["haut"].to_numpy() * 100 - y])
        ax.bar(x + (k - (len(ordre) - 1) / 2) * largeur, y, largeur, yerr=np.nan_to_num(err), capsize=2,
               label=g.split("=")[1])
    ax.set_xticks(x, [libelle(p) for p in prestations], fontsize=8)
    ax.set_ylabel("non-recours (% des éligibles)")
    ax.set_title(titre)
    ax.legend(fontsize=8, ncol=min(len(ordre), 5))
    ax.grid(alpha=0.3, axis="y")
    return sauver(fig, chemin, dates=False)


def figure_montant(tab: pd.DataFrame, montants: dict[str, float], chemin: Path) -> Path:
    """Non-recours et non-demande par prestation en fonction du montant mensuel dû."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for ind, marque in (("taux_non_recours", "o"), ("taux_non_demande", "s")):
        d = tab[tab["indicateur"] == ind]
        x = [montants[p] for p in d["prestation"]]
        ax.errorbar(x, d["moyenne"] * 100, yerr=[(d["moyenne"] - d["bas"]) * 100, (d["haut"] - d["moyenne"]) * 100],
                    fmt=marque, capsize=3, label=libelle(ind) if ind != "taux_non_recours" else "non-recours")
        for xi, yi, p in zip(x, d["moyenne"] * 100, d["prestation"]):
            ax.annotate(libelle(p), (xi, yi), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("montant mensuel dû (€, échelle log)")
    ax.set_ylabel("% des éligibles")
    ax.set_title("Non-recours selon le montant dû (entre prestations)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return sauver(fig, chemin, dates=False)


def figure_effet(eff: pd.DataFrame, dates_fermetures: list[str], chemin: Path) -> Path:
    """Écart annuel de non-recours (points) référence − sans fermetures, avec l'IC 95 % ; dates des fermetures."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for p, d in eff.groupby("prestation"):
        x = d["annee"].to_numpy() + 0.5
        ligne, = ax.plot(x, d["ecart"] * 100, marker="o", ms=3, label=libelle(p))
        ax.fill_between(x, d["bas"] * 100, d["haut"] * 100, color=ligne.get_color(), alpha=0.15, lw=0)
    for dte in dates_fermetures:
        t = pd.Timestamp(dte)
        ax.axvline(t.year + (t.day_of_year - 1) / 365.25, color="grey", ls=":", lw=0.8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("année (moyenne des relevés mensuels ; pointillés : fermetures)")
    ax.set_ylabel("écart de non-recours (points de %)")
    ax.set_title("Effet des fermetures de guichets : référence − référence sans fermetures (mêmes graines)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return sauver(fig, chemin, dates=False)


def figure_en_ligne_age(ref: pd.DataFrame, chemin: Path) -> Path:
    """Démarche en ligne et abandon en ligne dans l'année, par tranche d'âge, dans le temps."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    groupes = [f"age={a}" for a in TRANCHES_AGE]
    for ax, ind, titre in zip(axes, ("taux_demarche_en_ligne", "taux_abandon_en_ligne"),
                              ("au moins une démarche en ligne (12 mois)", "au moins un abandon en ligne (12 mois)")):
        d = ref[ref["groupe"].astype(str).isin(groupes)]
        d = d.assign(groupe=d["groupe"].astype(str))
        courbes(ax, d, ind, "groupe")
        ax.set_title(titre, fontsize=10)
        ax.set_ylabel("% des ménages")
        ax.legend(fontsize=8)
    fig.suptitle("Usage du numérique par tranche d'âge de la personne de référence")
    return sauver(fig, chemin)


# --- Rapport ----------------------------------------------------------------------------------------------------

def figure_volume_aide(vol: pd.DataFrame, c7: float, chemin: Path) -> Path:
    """Demandes aux acteurs pour 1 000 habitants par année, avec les chiffres publiés de France Services."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for acteur, d in vol.groupby("acteur"):
        if d["moyenne"].max() <= 0:
            continue
        ax.plot(d["annee"], d["moyenne"], marker="o", label=acteur.replace("_", " "))
        ax.fill_between(d["annee"], d["bas"], d["haut"], alpha=0.2)
    for (annee, (valeur, texte)), marque in zip(FRANCE_SERVICES_HORS_CIBLE.items(), ("D", "s")):
        ax.scatter([annee], [valeur], marker=marque, color="k", zorder=5, label=f"{texte} (non ajusté)")
    ax.scatter([2023], [c7], marker="*", s=120, color="k", zorder=5, label="France Services publié (cible C7)")
    ax.set_xlabel("année")
    ax.set_ylabel("demandes par an pour 1 000 habitants")
    ax.set_title("Demandes adressées aux acteurs d'accompagnement")
    ax.legend(fontsize=8)
    return sauver(fig, chemin, dates=False)


def tableau(df: pd.DataFrame, pourcent: list[str] = (), decimales: int = 3) -> dict:
    """Tableau de textes pour le gabarit : colonnes `pourcent` en « 12.3 % », autres réels à `decimales` chiffres."""
    d = df.copy()
    for c in d.columns:
        if c in pourcent:
            d[c] = d[c].map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f} %")
        elif pd.api.types.is_float_dtype(d[c]):
            d[c] = d[c].map(lambda v: "" if pd.isna(v) else f"{v:.{decimales}g}")
    return html.tableau(d)


def pivot_groupes(tab: pd.DataFrame, ordre: list[str]) -> pd.DataFrame:
    """Une ligne par prestation, une colonne par groupe : « 12.3 % [bas ; haut] »."""
    d = tab.assign(texte=[f"{100 * m:.1f} % [{100 * b:.1f} ; {100 * h:.1f}]"
                          for m, b, h in zip(tab["moyenne"], tab["bas"], tab["haut"])])
    piv = d.pivot(index="prestation", columns="groupe", values="texte").reindex(columns=ordre)
    piv.columns = [c.split("=")[1] for c in piv.columns]
    piv.index = [libelle(p) for p in piv.index]
    return piv.reset_index(names="prestation")


def _md(df: pd.DataFrame) -> str:
    lignes = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lignes += ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join(lignes)


def _table_ensemble(df: pd.DataFrame) -> pd.DataFrame:
    """Colonnes affichées d'une table d'ensemble (médiane, intervalle 5-95 %, part dans la tolérance)."""
    d = df.assign(part_dans_tolerance=df["part_dans_tolerance"] * 100,
                  mediane_dans_tolerance=df["dans_tolerance_mediane"].map({True: "oui", False: "non"}))
    return d[["cible", "annee", "publie", "tolerance", "mediane", "bas", "haut", "part_dans_tolerance",
              "mediane_dans_tolerance", "jeux"]].rename(columns={
                  "bas": "ensemble 5 %", "haut": "ensemble 95 %", "part_dans_tolerance": "jeux dans la tolérance (%)",
                  "mediane_dans_tolerance": "médiane dans la tolérance"})


def resume_markdown(syn, extremes, montant_df, rho, usage_age, eff_annuel, args, annee, vol_fs=None) -> str:
    """Résumé Markdown du rapport (à recopier dans docs/calibration.md) ; `args` : les `Reglages` de la validation."""
    pc = lambda v: f"{100 * v:.1f} %"  # noqa: E731
    t = syn.assign(publie=[f"{v:g}" for v in syn["valeur_publiee"]],
                   modele_ic=[f"{m:.3g} [{b:.3g} ; {h:.3g}]" for m, b, h in
                              zip(syn["modele"], syn["ic95_bas"], syn["ic95_haut"])],
                   tol=[f"{v:g}" for v in syn["tolerance"]])[["cible", "publie", "modele_ic", "tol", "verdict"]]
    parts = [f"Référence calibrée, {args.menages} ménages × {args.replicats} réplicats (graines {args.graine} à "
             f"{args.graine + args.replicats - 1}), {args.debut} → {args.fin}.", "", _md(t), "",
             f"Gradients (année {annee}, non-recours, écart dernier − premier groupe, points) :", ""]
    for nom, ext in extremes.items():
        if len(ext):
            parts += [f"- {nom} (dernier − premier groupe ayant des éligibles) : " + ", ".join(
                f"{libelle(p)} {100 * d:+.1f} ({g0.split('=')[1]} → {g1.split('=')[1]})"
                for p, d, g0, g1 in zip(ext["prestation"], ext["difference"], ext["premier"], ext["dernier"]))]
    parts += ["", f"- montant dû (entre prestations, Spearman {rho:+.2f}) : " + ", ".join(
        f"{libelle(p)} {m:.0f} € → {pc(v)}" for p, m, v in zip(montant_df["prestation"], montant_df["montant_mensuel"],
                                                             montant_df["moyenne"]))]
    u = usage_age[usage_age["indicateur"] == "taux_demarche_en_ligne"]
    parts += ["- démarche en ligne par âge : " + ", ".join(
        f"{g.split('=')[1]} {pc(v)}" for g, v in zip(u["groupe"], u["moyenne"]))]
    if vol_fs is not None and len(vol_fs):
        parts += ["- demandes à France Services (MSAP avant 2020) pour 1 000 habitants : " + ", ".join(
            f"{int(an)} {v:.1f}" for an, v in zip(vol_fs["annee"], vol_fs["moyenne"]))
            + " (non ajustés : " + " ; ".join(f"{a} ≈ {v:.1f}, {t}" for a, (v, t) in FRANCE_SERVICES_HORS_CIBLE.items())
            + ")"]
    if eff_annuel is not None:
        parts += ["", "Effet des fermetures (référence − sans fermetures, points de non-recours) :", "",
                  _md(eff_annuel.assign(ecart=(eff_annuel["ecart"] * 100).round(2), bas=(eff_annuel["bas"] * 100)
                                        .round(2), haut=(eff_annuel["haut"] * 100).round(2)))]
    return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class Reglages:
    """Réglages d'une validation (ceux de `nonrecours valider`)."""

    menages: int = 20000
    replicats: int = 4
    graine: int = 0
    debut: str = "2014-01"
    fin: str = "2027-12"
    annee: int = 2023
    travailleurs: int | None = None
    sans_contrefactuel: bool = False
    sortie: Path | None = None
    ensemble: Path | None = None     # défaut : parametres/ensemble_calibration.toml s'il existe
    prediction: Path | None = None   # défaut : parametres/ensemble_calibration_jusqu_2019.toml s'il existe


@dataclass
class Validation:
    """Ce qu'une validation a écrit : le dossier du rapport et la synthèse des cibles."""

    dossier: Path
    synthese: pd.DataFrame


CLASSES_VERDICTS = {"atteinte": "atteinte", "manquée": "manquee", "compatible": "compatible"}


#: Ensemble hors échantillon lu par défaut pour la table « prédiction » (cibles datées de 2019 ou avant).
ANNEE_HORS_ECHANTILLON = 2019


def tables_ensemble(args: Reglages) -> dict[str, pd.DataFrame | None]:
    """Tables de l'ensemble (`experiences.calibration.ensemble`) pour le rapport, lues dans les fichiers d'ensemble :

    - « ensemble » : par cible, médiane et intervalle 5-95 % des jeux acceptés (vérifiés sur graines fraîches),
      tolérance, part des jeux dans la tolérance, médiane dans la tolérance ou non ;
    - « prédiction » : pour un ensemble ajusté sur les seules cibles datées de `annee_max_cibles` ou avant, les
      cibles plus récentes (non ajustées) : médiane et intervalle de l'ensemble contre la valeur publiée.

    Un fichier donné explicitement et absent est une erreur (code 2) ; le fichier par défaut absent : None."""
    from experiences.calibration import ensemble as mod_ens
    from modele.parametres import ErreurEntree

    out: dict[str, pd.DataFrame | None] = {"ensemble": None, "prediction": None, "meta_ensemble": None,
                                           "meta_prediction": None}
    defaut_pred = mod_ens.FICHIER_ENSEMBLE.with_name(f"ensemble_calibration_jusqu_{ANNEE_HORS_ECHANTILLON}.toml")
    for cle, donne, defaut in (("ensemble", args.ensemble, mod_ens.FICHIER_ENSEMBLE),
                               ("prediction", args.prediction, defaut_pred)):
        chemin = donne if donne is not None else defaut
        if donne is None and not Path(chemin).is_file():
            continue
        e = mod_ens.charger_ensemble(chemin)
        if cle == "prediction" and e.meta.get("annee_max_cibles") is None:
            raise ErreurEntree("Cet ensemble a été ajusté sur toutes les cibles : il ne prédit rien hors échantillon.",
                               fichier=chemin, cle="--fichier-prediction",
                               attendu="un ensemble construit avec --annee-max-cibles AAAA")
        out[cle] = mod_ens.tableau_ensemble(e, predites_seulement=(cle == "prediction"))
        out[f"meta_{cle}"] = {**e.meta, "fichier": str(chemin)}
    return out


def valider(args: Reglages) -> Validation:
    """`nonrecours valider` : simule, calcule, écrit le dossier du rapport (tout ou rien)."""
    from tqdm import tqdm

    from experiences.calibration.ajustement import valeurs_calibration_existantes
    from experiences.execution.runs import travailleurs_par_defaut
    from modele.calendrier import Calendrier
    from modele.parametres import ErreurEntree, lire_toml
    from modele.scenarios import charger_scenario

    try:
        Calendrier.depuis_mois(args.debut, args.fin)
    except (ValueError, ErreurEntree):
        raise ErreurEntree("Période invalide.", cle="--debut/--fin", valeur=[args.debut, args.fin],
                           attendu="deux mois AAAA-MM, début avant fin") from None
    if not args.debut <= f"{args.annee}-01" <= args.fin:
        raise ErreurEntree("L'année des gradients est hors de la période simulée.", cle="--annee", valeur=args.annee,
                           attendu=f"une année entre {args.debut[:4]} et {args.fin[:4]}")
    ens_tables = tables_ensemble(args)  # avant les exécutions : un fichier invalide s'arrête tôt (code 2)
    cibles = mod_cibles.charger_cibles()
    cibles_calculables = [c for c in cibles
                          if args.debut <= f"{c.annee}-01" and mod_cibles.MOIS_REQUIS[c.id] <= args.fin]
    cible = args.sortie if args.sortie is not None else sorties.dossier_par_defaut("validation")
    atom = sorties.DossierAtomique(cible)
    travailleurs = args.travailleurs or travailleurs_par_defaut()
    contre = not args.sans_contrefactuel
    n_taches = args.replicats * (2 if contre else 1)
    debut = time.perf_counter()
    with tqdm(total=n_taches, desc="valider", unit="exéc", file=sys.stderr, disable=None) as barre:
        ref, var, parametres = simuler(args.menages, args.replicats, args.graine, args.debut, args.fin, travailleurs,
                                       contre, barre)
    duree = time.perf_counter() - debut
    ppm = parametres["simulation.personnes_par_menage"]
    par_rep = mod_cibles.valeurs_par_replicat(ref, cibles_calculables, menages=args.menages,
                                              personnes_par_menage=ppm)
    syn = mod_cibles.synthese(par_rep, cibles_calculables)
    scenario = charger_scenario("reference")
    prest = [p for p in ref["prestation"].astype(str).unique() if p != "toutes"]
    a = args.annee

    with atom as tmp:
        sorties.ecrire_series(tmp, pd.concat([ref] + ([var] if var is not None else []), ignore_index=True))
        syn.to_csv(tmp / "cibles.csv", index=False)
        for cle in ("ensemble", "prediction"):
            if ens_tables[cle] is not None:
                ens_tables[cle].to_csv(tmp / f"{cle}.csv", index=False)
        par_rep.to_csv(tmp / "cibles_par_replicat.csv", index=False)
        figs: dict[str, Path] = {"cibles": figure_cibles(syn, tmp / "cibles.png")}

        # Motifs non ajustés.
        nr_prest = moyenne_annuelle_par(ref, "taux_non_recours", a, ["ensemble"])
        causes = pd.concat([moyenne_annuelle_par(ref, ind, a, ["ensemble"]).assign(indicateur=ind)
                            for ind in ("taux_non_recours", "taux_non_connaissance", "taux_non_demande",
                                        "taux_non_reception", "taux_non_proposition")])
        fig, ax = plt.subplots(figsize=(9, 5))
        courbes(ax, ref[ref["groupe"] == "ensemble"], "taux_non_recours", "prestation")
        ax.set_ylabel("non-recours (% des ménages éligibles)")
        ax.set_title("Non-recours par prestation (référence calibrée)")
        ax.legend(fontsize=8)
        figs["prestation"] = sauver(fig, tmp / "non_recours_par_prestation.png")

        gradients = [causes.assign(motif="prestation")]
        tables_groupes = {}
        extremes = {}
        for nom, (titre, ordre) in GROUPEMENTS.items():
            ind = "taux_non_recours_selon_autre" if nom == "percoit_autre" else "taux_non_recours"
            tab = moyenne_annuelle_par(ref, ind, a, ordre, prest)
            gradients.append(tab.assign(motif=nom, indicateur=ind))
            tables_groupes[nom] = pivot_groupes(tab, ordre)
            extremes[nom] = gradient_extremes(tab, ordre)
            figs[nom] = figure_barres(tab, ordre, f"Non-recours par {titre.lower()} ({a})",
                                      tmp / f"non_recours_par_{nom}.png", prest)
        montants = {p: float(parametres[f"prestations.{p}.montant_mensuel"]) for p in prest}
        tab_montant = causes[causes["indicateur"].isin(["taux_non_recours", "taux_non_demande"])]
        figs["montant"] = figure_montant(tab_montant, montants, tmp / "non_recours_par_montant.png")
        montant_df = nr_prest.assign(montant_mensuel=nr_prest["prestation"].map(montants))
        montant_df = montant_df.sort_values("montant_mensuel")
        rho = float(pd.Series(montant_df["montant_mensuel"].to_numpy()).corr(
            pd.Series(montant_df["moyenne"].to_numpy()), method="spearman"))

        usage_age = pd.concat([moyenne_annuelle_par(ref, ind, a, [f"age={x}" for x in TRANCHES_AGE], ["toutes"])
                               .assign(indicateur=ind) for ind in ("taux_demarche_en_ligne", "taux_abandon_en_ligne",
                                                                   "taux_abandon_definitif")])
        gradients.append(usage_age.assign(motif="usage_numerique_age"))
        figs["en_ligne_age"] = figure_en_ligne_age(ref, tmp / "usage_en_ligne_par_age.png")
        pd.concat(gradients, ignore_index=True)[["motif", "indicateur", "prestation", "groupe", "moyenne", "bas",
                                                 "haut", "replicats"]].to_csv(tmp / "gradients.csv", index=False)

        vol = volume_aide_par_annee(ref, args.menages, ppm)
        vol.to_csv(tmp / "volume_aide.csv", index=False)
        c7 = next((c.valeur for c in cibles if c.id == "C7"), float("nan"))
        figs["volume_aide"] = figure_volume_aide(vol, c7, tmp / "volume_aide.png")
        vol_fs = vol[vol["acteur"] == "france_services"]

        eff = None
        dates_f = sorted({iv.debut.isoformat() for iv in scenario.interventions if isinstance(iv, FermetureGuichets)})
        if var is not None:
            eff = effet_fermetures(ref, var)
            eff.to_csv(tmp / "effet_fermetures.csv", index=False)
            figs["fermetures"] = figure_effet(eff, dates_f, tmp / "effet_fermetures.png")
            eff_annuel = eff[eff["annee"] % 2 == 1][["prestation", "annee", "ecart", "bas", "haut"]]

        cal = lire_toml(FICHIER_CALIBRATION) if FICHIER_CALIBRATION.is_file() else {}
        prov = sorties.provenance(menages=args.menages, replicats=args.replicats,
                                  graines=[graine_replicat(args.graine, r) for r in range(args.replicats)],
                                  debut=args.debut, fin=args.fin, annee_gradients=a, duree_s=round(duree, 1),
                                  calibration=cal.get("meta", {}), valeurs_calibrees=valeurs_calibration_existantes(),
                                  parametres=parametres)
        sorties.ecrire_json(tmp / "provenance.json", prov)

        # Rapport HTML autonome (gabarit validation.html.j2).
        syn_aff = syn[["cible", "description", "annee", "valeur_publiee", "modele", "ic95_bas", "ic95_haut",
                       "tolerance", "ecart_norme", "verdict", "source"]].copy()
        groupes = []
        for nom, (titre, _ordre) in GROUPEMENTS.items():
            ext = extremes[nom]
            groupes.append({"titre": titre.lower(), "tableau": tableau(tables_groupes[nom]),
                            "extremes": tableau(ext.assign(prestation=ext["prestation"].map(libelle),
                                                           difference=ext["difference"] * 100)[
                                ["prestation", "premier", "dernier", "difference"]]) if len(ext) else None,
                            "figure": figs[nom]})
        html.ecrire(
            tmp / "rapport.html", "validation.html.j2", provenance=prov, args=args, annee=a, duree=duree,
            meta=cal.get("meta", {}), n_ok=int((syn["verdict"] == "atteinte").sum()), n_cibles=len(syn),
            cibles=tableau(syn_aff), classes_verdicts=CLASSES_VERDICTS, figs=figs,
            causes=tableau(causes.assign(prestation=causes["prestation"].map(libelle))[
                ["indicateur", "prestation", "moyenne", "bas", "haut"]], pourcent=["moyenne", "bas", "haut"]),
            groupes=groupes, rho=rho,
            montant=tableau(montant_df.assign(prestation=montant_df["prestation"].map(libelle))[
                ["prestation", "montant_mensuel", "moyenne", "bas", "haut"]], pourcent=["moyenne", "bas", "haut"]),
            usage_age=tableau(usage_age.assign(groupe=usage_age["groupe"].str.split("=").str[1])[
                ["indicateur", "groupe", "moyenne", "bas", "haut"]], pourcent=["moyenne", "bas", "haut"]),
            volume=tableau(vol_fs[["annee", "moyenne", "bas", "haut", "replicats"]], decimales=1),
            fermetures=None if eff is None else tableau(eff_annuel.assign(
                prestation=eff_annuel["prestation"].map(libelle), ecart=eff_annuel["ecart"] * 100,
                bas=eff_annuel["bas"] * 100, haut=eff_annuel["haut"] * 100), decimales=2),
            dates_fermetures=dates_f,
            ensemble=None if ens_tables["ensemble"] is None else tableau(_table_ensemble(ens_tables["ensemble"])),
            meta_ensemble=ens_tables["meta_ensemble"],
            prediction=None if ens_tables["prediction"] is None else tableau(_table_ensemble(
                ens_tables["prediction"])), meta_prediction=ens_tables["meta_prediction"])
        (tmp / "resume.md").write_text(resume_markdown(syn, extremes, montant_df, rho, usage_age,
                                                       eff_annuel if eff is not None else None, args, a, vol_fs),
                                       encoding="utf-8")
    return Validation(atom.cible, syn)
