"""Fonction de run jouet pour tester l'ensemble (history matching) sans le modèle.

Deux paramètres libres (decision.cout_base et prestations.rsa.stigmate, plages plausibles [0,2 ; 3]) et des
cibles connues : C1 = 0,1 + 0,1 × cout_base, C2 = 0,05 × stigmate, C3 = 0,3 (jamais ajustée : prédite),
plus un bruit gaussien d'écart-type `BRUIT` tiré de la graine du run. Contrat : celui de
`experiences.calibration.ensemble.run_cibles` (résumé `cible_<id>`, pas de séries).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

BRUIT = 0.004


def vraies(cout_base: float, stigmate: float) -> dict[str, float]:
    """Valeurs sans bruit des cibles jouets."""
    return {"C1": 0.1 + 0.1 * cout_base, "C2": 0.05 * stigmate, "C3": 0.3}


def run_jouet(spec) -> SimpleNamespace:
    """Run jouet : cibles connues + bruit reproductible de la graine."""
    x = spec.surcharges
    v = vraies(x["decision.cout_base"], x["prestations.rsa.stigmate"])
    rng = np.random.default_rng([spec.graine, int(1e6 * x["decision.cout_base"]) % 100003])
    resume = {f"cible_{k}": float(val + rng.normal(0.0, BRUIT)) for k, val in v.items()}
    resume["duree_s"] = 0.0
    return SimpleNamespace(resume=resume, series=None)
