"""EMA Workbench pilote nonrecours : 12 expériences (hypercube latin), puis feature scoring."""
from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ScalarOutcome, perform_experiments
from ema_workbench.analysis import feature_scoring

import nonrecours as nr

modele = Model("nonrecours", function=nr.evaluer)  # nr.evaluer(**kwargs) -> dict[str, float]
modele.uncertainties = [  # noms = alias des clés déclarées (nr.parametres()["alias"])
    RealParameter("decision__cout_base", 0.3, 1.5),
    RealParameter("demarches__preference_en_ligne", -1.0, 1.5),
    IntegerParameter("demarches__tentatives_max", 1, 6),  # EMA donne des entiers numpy : acceptés
]
modele.constants = [Constant("menages", 300), Constant("debut", "2021-01"), Constant("fin", "2021-12"),
                    Constant("simulation__rodage_semaines", 52)]  # rodage raccourci : exemple rapide
modele.outcomes = [ScalarOutcome("taux_non_recours_rsa"), ScalarOutcome("heures_accompagnement_total_pour_10000")]

experiences, resultats = perform_experiments(modele, scenarios=12)
entrees = experiences[[u.name for u in modele.uncertainties]]
scores = feature_scoring.get_feature_scores_all(entrees, resultats)
print(scores.round(3))
