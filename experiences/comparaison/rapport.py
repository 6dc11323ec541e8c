"""Rapport de comparaison : une page HTML autonome, en français, pour une équipe qui ne l'a pas écrite.

Premier écran « Ce qu'il faut retenir » : trois à six constats en français simple, chacun avec son intervalle à
95 % et sa robustesse entre graines (et, plus tard, sur l'ensemble calibré), l'échelle de population, et un
avertissement chiffré (réplicats nécessaires) quand l'exécution est trop petite pour séparer les écarts du hasard.
Puis les détails : scénarios et interventions par date, tableaux à l'horizon regroupés par thème, courbes,
lecture des intervalles, limites, fichiers. Les figures sont incluses en base64 : le fichier peut être transmis
seul, et s'imprime en PDF (styles d'impression de `base.html.j2`).
Gabarit : `experiences/rapports/gabarits/comparaison.html.j2` ; ce module ne prépare que des données (textes
formatés par `experiences.rapports.formats`), lues dans des tableaux, jamais dans un modèle vivant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiences.comparaison.ecarts import RUBRIQUES, SECTIONS
from experiences.rapports import formats as F
from experiences.rapports import html
from experiences.rapports.figures import libelle
from experiences.rapports.intervalles import DESCRIPTION as DESCRIPTION_INTERVALLES
from experiences.rapports.intervalles import replicats_necessaires
from modele.entrees import ErreurEntree

LIBELLES_INDICATEURS = {
    "taux_non_recours": "non-recours",
    "taux_non_connaissance": "non-connaissance",
    "taux_non_demande": "non-demande",
    "taux_non_reception": "non-réception",
    "taux_non_proposition": "dont non-proposition",
    "montant_non_verse": "euros non versés",
    "n_ruptures": "ruptures de droits (déclaration manquée ou erronée)",
    "heures_accompagnement": "heures d'aide",
    "heures_faire_a_la_place": "dont « faire à la place »",
    "heures_faire_avec": "dont « faire avec »",
    "heures_transfert_finance": "heures financées (transfert explicite)",
    "heures_transfert_tacite": "heures non financées (transfert tacite)",
    "heures_hors_mandat": "heures hors mandat",
    "n_identifiants_detenus": "identifiants détenus",
    "attente_moyenne": "attente moyenne",
    "n_abandons_file": "abandons de file d'attente",
    "taux_demarche_en_ligne": "ménages ayant fait une démarche en ligne",
    "taux_abandon_en_ligne": "ménages ayant abandonné une démarche en ligne",
    "taux_abandon_definitif": "ménages ayant renoncé pour de bon",
    "capacite_guichets": "visites possibles par semaine",
    "n_refus_guichet": "demandes parties du guichet sans être servies",
}
DETAILS_ENSEMBLE = ("toutes", "tous", "ensemble")

#: Constats candidats du premier écran, dans l'ordre : (rubrique, indicateur, détail, ce dont on parle).
CONSTATS = (
    ("non_recours", "taux_non_recours", "toutes", "le non-recours (toutes prestations)"),
    ("montant", "montant_non_verse", "toutes", "les euros dus et non versés (par an)"),
    ("heures", "heures_accompagnement", "tous", "les heures d'aide aux démarches (par an, tous aidants)"),
    ("ruptures", "n_ruptures", "toutes", "les ruptures de droits (par an)"),
)
CONSTATS_MIN, CONSTATS_MAX = 3, 6
#: Réplicats conseillés quand un seul a été simulé (aucun écart-type n'est estimable).
REPLICATS_CONSEILLES = 5


def libelle_indicateur(x: str) -> str:
    """Libellé français d'un indicateur du tableau de tête."""
    return LIBELLES_INDICATEURS.get(x, x)


def sens(m: float, b: float, h: float) -> str:
    """« baisse », « hausse » (l'intervalle exclut zéro), « nul » (aucun écart) ou « incertain »."""
    if not np.isfinite(m):
        return "incertain"
    if m == 0 and b == 0 and h == 0:
        return "nul"
    if np.isfinite(b) and np.isfinite(h) and (b > 0 or h < 0):
        return "baisse" if m < 0 else "hausse"
    return "incertain"


def ecart(m: float, b: float, h: float, indicateur: str) -> dict | None:
    """Écart apparié lisible : moyenne et bornes formatées, sens (classe CSS : baisse / hausse / incertain / nul)."""
    if not np.isfinite(m):
        return None
    s = sens(m, b, h)
    moyenne, bas, haut = F.triplet(m, b, h, indicateur, ecart=True)
    return {"classe": s, "symbole": {"baisse": "▼", "hausse": "▲"}.get(s, ""), "moyenne": moyenne, "bas": bas,
            "haut": haut}


def _nom_ligne(ind: str, det: str) -> str:
    if ind == "taux_non_recours" and det == "toutes":
        return "non-recours, toutes prestations"
    return libelle_indicateur(ind) + ("" if det in DETAILS_ENSEMBLE else f" — {libelle(det)}")


def tableau_horizon(st: pd.DataFrame, scenarios: list[str], rubrique: str) -> dict | None:
    """Une rubrique du tableau de tête : titre et lignes (valeur [IC] du premier scénario, écarts des autres).

    Les lignes d'ensemble (toutes prestations, tous aidants) viennent en premier.
    """
    d = st[st["rubrique"] == rubrique]
    if d.empty:
        return None
    lignes = []
    groupes = list(d.groupby(["indicateur", "detail"], sort=False))
    groupes.sort(key=lambda g: (list(dict.fromkeys(d["indicateur"])).index(g[0][0]), g[0][1] not in DETAILS_ENSEMBLE))
    for (ind, det), bloc in groupes:
        b = bloc.set_index("scenario")
        r0 = b.loc[scenarios[0]] if scenarios[0] in b.index else None
        premier = None
        if r0 is not None:
            v, bas, haut = F.triplet(r0["moyenne"], r0["bas"], r0["haut"], ind)
            premier = {"valeur": v, "bas": bas, "haut": haut}
        autres = []
        for s in scenarios[1:]:
            if s not in b.index:
                autres.append(None)
                continue
            r = b.loc[s]
            autres.append({"valeur": F.valeur(r["moyenne"], ind),
                           "ecart": ecart(r["difference"], r["difference_bas"], r["difference_haut"], ind)})
        lignes.append({"nom": _nom_ligne(ind, det), "premier": premier, "autres": autres,
                       "unite": "%" if ind.startswith("taux_") else F.unite(ind).strip()})
    return {"titre": RUBRIQUES[rubrique], "lignes": lignes}


@dataclass
class Constat:
    """Un constat du premier écran."""

    texte: str            # phrase en français simple
    intervalle: str       # « −2,8 points [−3,5 ; −2,1] »
    ecart: str            # « −2,8 points »
    bornes: str           # « [−3,5 ; −2,1] »
    sens: str             # baisse / hausse / incertain / nul (classe CSS)
    symbole: str
    robuste_graines: str  # « oui », « non », « non évaluable »
    pourquoi: str         # explication courte de la robustesse
    robuste_ensemble: str  # ensemble calibré : pas encore disponible
    replicats_necessaires: int | None
    separe: bool          # l'écart est distingué du hasard avec les réplicats simulés


def libelle_scenario(sc) -> str:
    """Nom lisible d'un scénario (`libelle` de son en-tête, sinon son nom)."""
    return getattr(sc, "libelle", "") or sc.nom


def _differences_par_replicat(par_run: pd.DataFrame | None, ref: str, sc: str, rubrique: str, ind: str,
                              det: str) -> np.ndarray | None:
    if par_run is None:
        return None
    d = par_run[(par_run["rubrique"] == rubrique) & (par_run["indicateur"] == ind) & (par_run["detail"] == det)]
    a = d[d["scenario"] == sc].set_index("replicat")["valeur"]
    b = d[d["scenario"] == ref].set_index("replicat")["valeur"]
    x = (a - b.reindex(a.index)).dropna()
    return x.to_numpy() if len(x) else None


def jeux_ensemble_livre() -> int | None:
    """Nombre de jeux de l'ensemble de calibration livré (parametres/ensemble_calibration.toml), None sans fichier
    lisible : le résumé d'une comparaison faite sans --ensemble dit alors qu'il existe et comment s'en servir."""
    from experiences.calibration.ensemble import FICHIER_ENSEMBLE, charger_ensemble

    if not FICHIER_ENSEMBLE.is_file():
        return None
    try:
        return len(charger_ensemble(FICHIER_ENSEMBLE).jeux) or None
    except ErreurEntree:
        return None


def robustesse_ensemble(effets: pd.DataFrame | None, sc: str, rubrique: str, ind: str, det: str) -> str:
    """Texte de la colonne « sur l'ensemble calibré ? » d'un constat (`ecarts.effets_ensemble`)."""
    if effets is None:
        return "pas encore évalué"
    e = effets[(effets["scenario"] == sc) & (effets["rubrique"] == rubrique) & (effets["indicateur"] == ind)
               & (effets["detail"] == det)]
    if not len(e):
        return "non évalué"
    r = e.iloc[0]
    _, eb, eh = F.triplet(r["effet"], r["ensemble_bas"], r["ensemble_haut"], ind, ecart=True)
    _, gb, gh = F.triplet(r["effet"], r["graines_bas"], r["graines_haut"], ind, ecart=True)
    k = int(r["jeux"])
    if bool(r["robuste"]):
        return f"oui — même signe dans les {k} jeux ; ensemble [{eb} ; {eh}], graines [{gb} ; {gh}]"
    return (f"non — même signe dans {round(100 * r['jeux_meme_signe'])} % des {k} jeux ; ensemble [{eb} ; {eh}], "
            f"graines [{gb} ; {gh}]")


def constats(st: pd.DataFrame, scenarios: list, replicats: int, par_run: pd.DataFrame | None = None,
             effets: pd.DataFrame | None = None) -> list[Constat]:
    """Trois à six constats : pour chaque grandeur de `CONSTATS` (dans l'ordre), chaque scénario comparé.

    Robuste entre graines : l'IC 95 % de l'écart apparié exclut zéro ET l'écart a le même signe dans chaque
    réplicat. Réplicats nécessaires : plus petit R pour lequel l'IC exclurait zéro, estimé avec l'écart-type
    observé des différences appariées (`intervalles.replicats_necessaires`).
    """
    ref = scenarios[0]
    sortie: list[Constat] = []
    candidats = list(CONSTATS)
    # Complément (moins de trois constats) : le non-recours des prestations aux plus grands écarts.
    nr = st[(st["rubrique"] == "non_recours") & (st["detail"] != "toutes") & (st["scenario"] != ref.nom)]
    for det in nr.assign(a=nr["difference"].abs()).sort_values("a", ascending=False)["detail"].drop_duplicates():
        candidats.append(("non_recours", "taux_non_recours", det, f"le non-recours — {libelle(det)}"))
    for rubrique, ind, det, quoi in candidats:
        if len(sortie) >= CONSTATS_MIN and (rubrique, ind, det, quoi) not in CONSTATS:
            break
        for sc in scenarios[1:]:
            if len(sortie) >= CONSTATS_MAX:
                return sortie
            lignes = st[(st["rubrique"] == rubrique) & (st["indicateur"] == ind) & (st["detail"] == det)]
            b = lignes.set_index("scenario")
            if sc.nom not in b.index or ref.nom not in b.index:
                continue
            r, r0 = b.loc[sc.nom], b.loc[ref.nom]
            m, lo, hi = float(r["difference"]), float(r["difference_bas"]), float(r["difference_haut"])
            s = sens(m, lo, hi)
            diffs = _differences_par_replicat(par_run, ref.nom, sc.nom, rubrique, ind, det)
            sd = float(r["difference_ecart_type"]) if "difference_ecart_type" in r.index else float("nan")
            if not np.isfinite(sd) and diffs is not None and len(diffs) > 1:
                sd = float(np.std(diffs, ddof=1))
            pluriel = quoi.startswith("les ")
            v0, v1 = F.valeur(r0["moyenne"], ind), F.valeur(r["moyenne"], ind)
            if s in ("baisse", "hausse"):
                verbe = {"baisse": "baisse", "hausse": "augmente"}[s] + ("nt" if pluriel else "")
                fin_phrase = f"{verbe} de {v0} à {v1}."
            elif s == "nul":
                fin_phrase = f"ne change{'nt' if pluriel else ''} pas ({v0})."
            else:
                fin_phrase = f"ne change{'nt' if pluriel else ''} pas de façon mesurable ({v0} contre {v1})."
            texte = f"Avec « {libelle_scenario(sc)} », {quoi} {fin_phrase}"
            tm, tb, th = F.triplet(m, lo, hi, ind, ecart=True)
            intervalle, bornes = f"{tm} [{tb} ; {th}]", f"[{tb} ; {th}]"
            meme_signe = diffs is None or bool(np.all(diffs > 0) or np.all(diffs < 0))
            if replicats <= 1:
                robuste, pourquoi, n_nec, separe = ("non évaluable", "un seul réplicat : aucun intervalle", None,
                                                    False)
            elif s == "nul":
                robuste, pourquoi, n_nec, separe = ("oui", "mêmes résultats dans chaque réplicat", None, True)
            elif s in ("baisse", "hausse") and meme_signe:
                robuste, pourquoi = "oui", f"IC hors de zéro, même sens dans les {replicats} réplicats"
                n_nec, separe = replicats_necessaires(m, sd), True
            else:
                raison = ("l'IC contient zéro" if s == "incertain"
                          else "le sens change d'un réplicat à l'autre")
                robuste, pourquoi, n_nec, separe = "non", raison, replicats_necessaires(m, sd), False
            sortie.append(Constat(texte=texte, intervalle=intervalle, ecart=tm, bornes=bornes, sens=s,
                                  symbole={"baisse": "▼", "hausse": "▲"}.get(s, ""), robuste_graines=robuste,
                                  pourquoi=pourquoi,
                                  robuste_ensemble=robustesse_ensemble(effets, sc.nom, rubrique, ind, det),
                                  replicats_necessaires=n_nec, separe=separe))
    return sortie


def avertissement(liste: list[Constat], replicats: int) -> dict | None:
    """Avertissement du premier écran si des constats ne sont pas séparés du hasard : combien, et combien de
    réplicats il faudrait (le plus grand des réplicats nécessaires estimés), ou None."""
    non_separes = [c for c in liste if not c.separe]
    if not non_separes:
        return None
    if replicats <= 1:
        return {"n": len(non_separes), "total": len(liste), "replicats": REPLICATS_CONSEILLES, "estime": False}
    besoins = [c.replicats_necessaires for c in non_separes if c.replicats_necessaires is not None]
    return {"n": len(non_separes), "total": len(liste), "replicats": max(besoins) if besoins else None,
            "estime": True}


def _interventions(sc) -> list[dict]:
    """Interventions d'un scénario par date de début (puis de fin)."""
    ivs = sorted(sc.interventions, key=lambda iv: (iv.debut, iv.fin or iv.debut))
    return [{"debut": F.date_longue(iv.debut), "fin": F.date_longue(iv.fin) if iv.fin else "",
             "description": iv.description, "resume": iv.resume()} for iv in ivs]


def ecrire_rapport(chemin: Path, *, scenarios: list, st_horizon: pd.DataFrame, periode_horizon: tuple[str, str],
                   figures: list[tuple[Path, str]], replicats: int, menages: int, graines: list[int],
                   debut: str, fin: str, population_cible: int | None, divergences: dict,
                   dates_difference: dict, n_hypotheses: int, n_sources: int, commande: str,
                   calibration: bool, provenance: dict | None = None, par_run: pd.DataFrame | None = None,
                   echelle: int | None = None, effets_ensemble: pd.DataFrame | None = None) -> Path:
    """Écrit rapport.html (page autonome, figures en base64) depuis le gabarit `comparaison.html.j2`.

    `par_run` : indicateurs de tête par exécution (`horizon_par_run`), pour juger du signe de chaque réplicat ;
    `echelle` : nombre de ménages auxquels les volumes sont rapportés (population cible, ou 10 000) ;
    `effets_ensemble` (`ecarts.effets_ensemble`, avec --ensemble K) : colonne « sur l'ensemble calibré ? » du
    premier écran et section des effets avec leurs deux intervalles.
    """
    noms = [sc.nom for sc in scenarios]
    ref = scenarios[0]
    echelle = echelle or population_cible
    if population_cible:
        unite = f"pour une population de {F.millier(population_cible)} ménages"
    elif echelle:
        unite = f"pour {F.millier(echelle)} ménages"
    else:
        unite = f"pour les {F.millier(menages)} ménages simulés"
    ref_resumes = [iv.resume() for iv in ref.interventions]
    fiches = []
    for sc in scenarios:
        fiche = {"scenario": sc, "est_reference": sc is ref, "interventions": _interventions(sc)}
        if sc is not ref:
            resumes = [iv.resume() for iv in sc.interventions]
            fiche.update(date_difference=dates_difference.get(sc.nom), divergence=divergences.get(sc.nom))
            fiche["ajoutees"] = [i for i in fiche["interventions"] if i["resume"] not in ref_resumes]
            fiche["retirees"] = [i for i in _interventions(ref) if i["resume"] not in resumes]
            if fiche["date_difference"]:
                fiche["date_difference"] = F.date_longue(fiche["date_difference"])
            if fiche["divergence"]:
                fiche["divergence"] = F.mois_annee(fiche["divergence"])
        fiches.append(fiche)
    sections = []
    for titre, rubriques in SECTIONS:
        tabs = [t for t in (tableau_horizon(st_horizon, noms, r) for r in rubriques) if t is not None]
        if tabs:
            sections.append({"titre": titre, "tableaux": tabs})
    liste = constats(st_horizon, scenarios, replicats, par_run, effets_ensemble)
    table_ens = None
    if effets_ensemble is not None:
        table_ens = []
        for r in effets_ensemble.itertuples():
            m, gb, gh = F.triplet(r.effet, r.graines_bas, r.graines_haut, r.indicateur, ecart=True)
            _, eb, eh = F.triplet(r.effet, r.ensemble_bas, r.ensemble_haut, r.indicateur, ecart=True)
            table_ens.append({"scenario": r.scenario, "indicateur": _nom_ligne(r.indicateur, r.detail),
                              "effet": m, "graines": f"[{gb} ; {gh}]", "ensemble": f"[{eb} ; {eh}]",
                              "robuste": "oui" if r.robuste else "non",
                              "meme_signe": f"{round(100 * r.jeux_meme_signe)} %"})
    periode = (F.mois_annee(periode_horizon[0]), F.mois_annee(periode_horizon[1]))
    return html.ecrire(chemin, "comparaison.html.j2", noms=noms, reference=ref, autres=scenarios[1:],
                       scenarios=scenarios, libelles={sc.nom: libelle_scenario(sc) for sc in scenarios},
                       fiches=fiches, unite=unite, periode_horizon=periode,
                       sections=sections, figures=figures, replicats=replicats, menages=menages, graines=graines,
                       debut=F.mois_annee(debut), fin=F.mois_annee(fin), population_cible=population_cible,
                       n_hypotheses=n_hypotheses, n_sources=n_sources, commande=commande, calibration=calibration,
                       provenance=provenance, constats=liste, avertissement=avertissement(liste, replicats),
                       description_intervalles=DESCRIPTION_INTERVALLES, effets_ensemble=table_ens,
                       jeux=None if effets_ensemble is None or not len(effets_ensemble)
                       else int(effets_ensemble["jeux"].max()),
                       ensemble_disponible=None if effets_ensemble is not None else jeux_ensemble_livre())
