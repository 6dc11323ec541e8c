"""Aidants individuels de la référence en 2023, par genre d'acteur (mesure rapportée dans la note de l'issue 14).

Pour chaque graine : exécution de référence (2014-01 → 2023-12), puis, par genre, les parts d'heures par posture,
les totaux de 2023 des flux (heures, épisodes, rendez-vous, refus, départs, identifiants orphelins, adresses de
circonstance) et les stocks de décembre (aidants en poste, postes vacants, identifiants détenus, identifiants par
aidant), la tension moyenne et son quantile entre aidants. Imprime la moyenne sur les graines et l'écart entre
graines (max − min). Usage : `python docs/validation/aidants_2023.py [MENAGES] [GRAINES]` (défaut : 20 000,
« 0,1,2 »).
"""

from __future__ import annotations

import sys

import pandas as pd

from modele.indicateurs import somme_des_pas
from modele.modele import ModeleNonRecours


def mesurer(menages: int, graine: int) -> pd.DataFrame:
    """Une exécution : une colonne par genre d'aide (`acteur=…`), une ligne par mesure."""
    m = ModeleNonRecours(menages=menages, graine=graine, debut="2014-01", fin="2023-12")
    m.lancer()
    s = m.series()
    s = s.assign(date=s["date"].astype(str), groupe=s["groupe"].astype(str), indicateur=s["indicateur"].astype(str))
    a = s[s["date"].str.startswith("2023") & s["groupe"].str.startswith("acteur=")]
    sem = s[(s["indicateur"] == "semaines_releve") & s["date"].str.startswith("2023")].set_index("date")["valeur"]

    def total(ind):  # total de 2023 d'un flux : chaque mois ramené à la somme de ses pas
        d = a[a["indicateur"] == ind].pivot(index="date", columns="groupe", values="valeur")
        return pd.Series(somme_des_pas(d.to_numpy(), sem.reindex(d.index).to_numpy()[:, None]).sum(axis=0),
                         index=d.columns)

    def decembre(ind):
        return a[(a["indicateur"] == ind) & (a["date"] == "2023-12")].set_index("groupe")["valeur"]

    def moyenne(ind):
        return a[a["indicateur"] == ind].groupby("groupe")["valeur"].mean()

    h = total("heures_accompagnement")
    return pd.DataFrame({
        "part_place_heures": total("heures_faire_a_la_place") / h,
        "part_avec_heures": total("heures_faire_avec") / h,
        "part_a_cote_heures": total("heures_faire_a_cote") / h,
        "heures_an": h, "episodes_an": total("n_episodes_aide"), "rendez_vous_an": total("n_rendez_vous_aide"),
        "refus_an": total("n_refus_aidant"), "departs_an": total("n_departs_aidants"),
        "aidants_decembre": decembre("n_aidants"), "vacants_decembre": decembre("n_postes_vacants"),
        "identifiants_decembre": decembre("n_identifiants_detenus"),
        "identifiants_par_aidant_decembre": decembre("identifiants_par_aidant"),
        "tension_moyenne": moyenne("tension_moyenne_aidants"), "tension_quantile": moyenne("tension_quantile_aidants"),
        "orphelins_an": total("n_identifiants_orphelins"), "adresses_circonstance_an": total("n_adresses_circonstance"),
    }).T


def main(menages: int = 20000, graines: tuple[int, ...] = (0, 1, 2)) -> None:
    """Imprime la moyenne sur les graines et l'écart entre graines."""
    tables = [mesurer(menages, g) for g in graines]
    pile = pd.concat(tables, keys=graines)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    print(f"{menages} ménages, graines {list(graines)}, 2023 (flux : totaux de l'année ; stocks : décembre)")
    print(pile.groupby(level=1, sort=False).mean().round(3))
    print("écart entre graines (max − min) :")
    print((pile.groupby(level=1, sort=False).max() - pile.groupby(level=1, sort=False).min()).round(3))


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    gs = tuple(int(x) for x in sys.argv[2].split(",")) if len(sys.argv) > 2 else (0, 1, 2)
    main(n, gs)
