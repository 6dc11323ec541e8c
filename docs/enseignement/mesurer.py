"""Chiffres cités dans les fiches pédagogiques, recalculés sur le modèle et la calibration en vigueur.

    python docs/enseignement/mesurer.py            # ≈ 2 min sur 2 cœurs

À relancer après chaque recalibration ou changement de règle, puis reporter les chiffres dans les fiches
(fermeture.md, mediation.md, aidants_connect.md, classe_automatique.md). Mêmes réglages que la page :
3 000 ménages, graines 1 et 2, relevés de l'année (moyenne des 12 mois).
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
SCENARIOS = ("guichets_ouverts", "fermeture", "mediation", "aidants_connect", "classe_automatique")


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
    return scenario, graine, menages, {
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
