"""API Python de nonrecours, installée sous le nom `nonrecours` : `import nonrecours as nr` (voir docs/api.md).

nr.parametres("reference")                 # DataFrame : clé, alias, défaut, bornes, remplace_par…
r = nr.simuler(menages=2000, decision__cout_base=1.2)
r.series, r.resume, r.provenance
nr.evaluer(decision__cout_base=1.2)        # dict[str, float] : ema_workbench.Model(function=nr.evaluer)
nr.probleme_salib(["decision.cout_base"])  # problème SALib (noms = alias)
nr.ModeleNonRecours(rng=0, menages=500)    # le mesa.Model (mesa.batch_run, datacollector)
"""

from experiences.api.facade import (
    AvertissementEcrasement,
    Resultat,
    alias,
    cle,
    evaluer,
    parametres,
    probleme_salib,
    resumer,
    scenarios,
    simuler,
)
from modele.modele import ModeleNonRecours
from modele.parametres import ErreurEntree

__all__ = ["AvertissementEcrasement", "ErreurEntree", "ModeleNonRecours", "Resultat", "alias", "cle", "evaluer",
           "parametres", "probleme_salib", "resumer", "scenarios", "simuler"]
