"""`nonrecours simuler` : les réplicats d'un scénario, écrits dans un dossier (séries, résumé, provenance, figures).

Le dossier est écrit d'un coup (`DossierAtomique`) ; chaque réplicat r a la graine `graine_replicat(graine, r)`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiences.execution import sorties
from experiences.execution.runs import SpecRun, executer_plusieurs, graine_replicat, travailleurs_par_defaut


@dataclass
class Simulation:
    """Ce qu'une simulation a écrit : le dossier et le résumé (une ligne par réplicat)."""

    dossier: Path
    resume: pd.DataFrame


def simuler(scenario: str, *, menages: int | None = None, graine: int = 0, replicats: int = 1,
            debut: str = "2014-01", fin: str = "2027-12", sortie: Path | None = None,
            travailleurs: int | None = None, surcharges: dict | None = None, csv: bool = False) -> Simulation:
    """Simule `replicats` réplicats du scénario et écrit séries (Parquet ; CSV aussi avec `csv`), résumé, provenance
    et figures."""
    from tqdm import tqdm

    from experiences.rapports.figures import figures_simulation
    from modele.calendrier import Calendrier
    from modele.modele import ModeleNonRecours
    from modele.parametres import Parametres
    from modele.scenarios import charger_scenario

    surcharges = dict(surcharges or {})
    sc = charger_scenario(scenario)
    p = sc.parametres_base(surcharges)
    menages = menages if menages is not None else p["simulation.menages"]
    Parametres.defauts().avec({"simulation.menages": menages}, origine="--menages")
    cal = Calendrier.depuis_mois(debut, fin)
    # Construire un modèle minuscule valide aussi les combinaisons avant de lancer de longues exécutions.
    ModeleNonRecours(scenario=scenario, menages=100, graine=graine, debut=debut, fin=fin, surcharges=surcharges)
    cible = sortie if sortie is not None else sorties.dossier_par_defaut(sc.nom)
    atom = sorties.DossierAtomique(cible)
    specs = [SpecRun(scenario=scenario, graine=graine_replicat(graine, r), menages=menages, debut=debut, fin=fin,
                     surcharges=surcharges, replicat=r) for r in range(replicats)]
    travailleurs = travailleurs or min(travailleurs_par_defaut(), len(specs))
    seq = travailleurs <= 1 or len(specs) == 1
    total = len(specs) * (cal.n_pas + p["simulation.rodage_semaines"]) if seq else len(specs)
    try:
        with tqdm(total=total, desc=f"simuler {sc.nom}", unit="sem" if seq else "exéc",
                  file=sys.stderr, disable=None) as barre:
            resultats = executer_plusieurs(specs, travailleurs, barre)
    except BaseException:
        atom.liberer()
        raise
    series = pd.concat([r.series for r in resultats], ignore_index=True)
    resume = pd.DataFrame([r.resume for r in resultats])
    with atom as tmp:
        sorties.ecrire_series(tmp, series, csv=csv)
        resume.to_csv(tmp / "resume.csv", index=False)
        sorties.ecrire_json(tmp / "provenance.json", sorties.provenance(
            scenario={"nom": sc.nom, "fichier": str(sc.fichier), "question": sc.question,
                      "interventions": resultats[0].interventions},
            graines=[s.graine for s in specs], menages=menages, debut=debut, fin=fin,
            surcharges=surcharges, parametres=resultats[0].parametres,
            origines_parametres=p.origines, durees_s=[r.duree_s for r in resultats]))
        figures_simulation(series, tmp, f"— {sc.libelle}", menages=menages)
    return Simulation(atom.cible, resume)
