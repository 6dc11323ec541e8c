"""Découpage du non-recours au RSA par cause (moyennes des relevés mensuels de 2018 et 2023, groupe `ensemble`).

Mesure rapportée dans la note de l'issue 13 et dans CHANGELOG.md : exécution de référence (scénario `reference`,
graine 0, 2014-01 → 2023-12). Usage : `python docs/validation/decoupage_causes.py [MENAGES]` (défaut 20 000).
"""

from __future__ import annotations

import sys
import time

from modele.modele import ModeleNonRecours


def main(menages: int = 20000) -> None:
    """Simule la référence et imprime les moyennes annuelles des taux du RSA."""
    debut = time.time()
    m = ModeleNonRecours(scenario="reference", menages=menages, graine=0, fin="2023-12")
    m.lancer()
    s = m.series()
    s = s[(s["groupe"] == "ensemble") & (s["prestation"] == "rsa")
          & s["indicateur"].astype(str).str.startswith(("taux_non", "taux_en_cours"))]
    annee = s["date"].astype(str).str[:4]
    for a in ("2018", "2023"):
        t = s[annee == a].groupby("indicateur", observed=True)["valeur"].mean()
        print(a, {str(k): round(float(v), 3) for k, v in t.items()})
    print(f"{time.time() - debut:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
