"""Chiffres cités dans les fiches pédagogiques, recalculés sur le modèle et la calibration en vigueur.

    python docs/enseignement/mesurer.py            # ≈ 2 min sur 2 cœurs

À relancer après chaque recalibration ou changement de règle, puis reporter les chiffres dans les fiches
(fermeture.md, mediation.md, aidants_connect.md, classe_automatique.md). Mêmes réglages que la page :
3 000 ménages, graines 1 et 2, relevés de l'année (moyenne des 12 mois ; somme des 12 mois pour les comptes
d'événements : départs, refus, identifiants orphelins). Les scénarios des aidants (`vague_departs`,
`mandat_formation_travailleurs_sociaux`) se comparent à `reference`, leur base.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from experiences.visualisation.figures import Historique  # noqa: E402
from modele.modele import ModeleNonRecours  # noqa: E402

MENAGES = 3000
GRAINES = (1, 2)
SCENARIOS = ("guichets_ouverts", "fermeture", "mediation", "aidants_connect", "classe_automatique", "reference",
             "vague_departs", "mandat_formation_travailleurs_sociaux")
POSTURES = {"avec": "heures_faire_avec", "place": "heures_faire_a_la_place", "a_cote": "heures_faire_a_cote",
            "orienter": "heures_orienter", "refus": "heures_refus"}
#: Indicateurs des aidants individuels par genre : moyenne (m) ou somme (s) des mois de l'année.
AIDANTS = {"n_aidants": "m", "n_postes_vacants": "m", "tension_moyenne_aidants": "m", "n_refus_aidant": "s",
           "n_departs_aidants": "s", "n_identifiants_orphelins": "s", "n_identifiants_detenus": "m"}
ANNEES_AIDANTS = ("2017", "2018", "2020", "2021", "2023")
GENRES = ("travailleur_social", "france_services", "conseiller_numerique", "association")


def mesurer(args):
    """Une exécution (scénario, graine, ménages, fin) → les chiffres cités par les fiches."""
    scenario, graine, menages, fin = args
    m = ModeleNonRecours(scenario=scenario, menages=menages, graine=graine, fin=fin)
    m.lancer()
    h = Historique()
    h.lire(m)
    nr = h.causes()["taux_non_recours"]
    par_an = nr.groupby(nr.index.year).mean()
    avec = h.par_semaine("heures_faire_avec").sum(axis=1) * 10000 / menages
    place = h.par_semaine("heures_faire_a_la_place").sum(axis=1) * 10000 / menages
    s = m.series()
    ident = s[(s["indicateur"] == "n_identifiants_detenus") & (s["date"].astype(str).str[:4] == "2020")]
    ident = ident.groupby(ident["groupe"].astype(str))["valeur"].mean()
    heures = {}
    for nom, ind in POSTURES.items():
        tot = h.par_semaine(ind)[[g for g in GENRES if g in h.par_semaine(ind).columns]].sum(axis=1)
        heures[nom] = {a: round(float(v) * 10000 / menages, 1) for a, v in tot.groupby(tot.index.year).mean().items()
                       if str(a) in ANNEES_AIDANTS}
    s["annee"] = s["date"].astype(str).str[:4]
    s["groupe"] = s["groupe"].astype(str)
    aidants = {}
    for ind, agreg in AIDANTS.items():
        t = s[(s["indicateur"] == ind) & s["annee"].isin(ANNEES_AIDANTS)
              & s["groupe"].isin([f"acteur={g}" for g in GENRES])]
        t = t.groupby(["annee", "groupe"])["valeur"].agg("mean" if agreg == "m" else "sum")
        aidants[ind] = {a: {g.split("=", 1)[1][:6]: round(float(v), 2) for (a2, g), v in t.items() if a2 == a}
                        for a in ANNEES_AIDANTS}
    return scenario, graine, menages, {
        "heures_par_posture_h_sem_10000_pros": heures,
        **aidants,
        "non_recours": {a: round(float(v), 3) for a, v in par_an.items()},
        "faire_avec_h_sem_10000": {a: round(float(v), 1) for a, v in avec.groupby(avec.index.year).mean().items()},
        "faire_a_la_place_h_sem_10000": {a: round(float(v), 1)
                                         for a, v in place.groupby(place.index.year).mean().items()},
        "identifiants_2020": {g.split("=", 1)[1]: round(float(v), 1) for g, v in ident.items() if g != "ensemble"},
    }


def main() -> None:
    """Toutes les exécutions des fiches, en parallèle ; imprime les chiffres par scénario et graine."""
    taches = [(s, g, MENAGES, "2024-12") for s in SCENARIOS for g in GRAINES]
    taches += [(s, 1, 1000, "2017-12") for s in ("fermeture", "guichets_ouverts")]
    with ProcessPoolExecutor() as pool:
        for scenario, graine, menages, r in pool.map(mesurer, taches):
            print(f"== {scenario} graine {graine} ({menages} ménages)")
            for k, v in r.items():
                print(f"   {k}: {v}")


if __name__ == "__main__":
    main()
