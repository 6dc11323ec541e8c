"""SALib pilote nonrecours : criblage de Morris de trois paramètres sur le non-recours au RSA."""
import numpy as np
from SALib.analyze import morris as analyse_morris
from SALib.sample import morris as plan_morris

import nonrecours as nr

probleme = nr.probleme_salib(["decision.cout_base", "demarches.preference_en_ligne", "demarches.tentatives_max"])
X = plan_morris.sample(probleme, N=3, num_levels=4, seed=1)  # 3 trajectoires x (3 + 1) = 12 points
Y = np.array([
    nr.evaluer(menages=300, debut="2021-01", fin="2021-12", simulation__rodage_semaines=52,  # rodage raccourci
               **dict(zip(probleme["names"], x)))["taux_non_recours_rsa"]
    for x in X  # lignes numpy telles quelles ; tentatives_max (entier) est arrondi
])
indices = analyse_morris.analyze(probleme, X, Y, num_levels=4, seed=1)
print(indices.to_df().round(3))
