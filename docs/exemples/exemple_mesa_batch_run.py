"""mesa.batch_run pilote nonrecours : deux scénarios x deux coûts de démarche x deux graines."""
import mesa
import pandas as pd

import nonrecours as nr

lignes = mesa.batch_run(
    nr.ModeleNonRecours,
    parameters={
        "scenario": ["reference", "sans_dematerialisation"],
        "menages": 300,
        "debut": "2021-01",
        "fin": "2021-12",
        "surcharges": [{"decision.cout_base": 0.5}, {"decision.cout_base": 1.2}],
    },
    rng=[0, 1],  # graines (une liste : un réplicat par graine)
    max_steps=10_000,  # au-delà du rodage + de la période : le modèle s'arrête seul à la fin
    data_collection_period=-1,  # le dernier relevé de chaque run
    number_processes=1,
    display_progress=False,
)
table = pd.DataFrame(lignes)
table["cout_base"] = table.pop("surcharges").str["decision.cout_base"]
print(table[["scenario", "cout_base", "rng", "date", "taux_non_recours_rsa", "heures_accompagnement_total"]])
