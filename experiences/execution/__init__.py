"""Une exécution du modèle, ses sorties et leur provenance (voir README.md)."""

from experiences.execution.runs import (
    COLONNES_SERIES,
    ResultatRun,
    SpecRun,
    executer_plusieurs,
    executer_run,
    graine_replicat,
    travailleurs_par_defaut,
)
from experiences.execution.simulation import Simulation, simuler
from experiences.execution.sorties import (
    DossierAtomique,
    commit_git,
    dossier_par_defaut,
    ecrire_json,
    ecrire_series,
    provenance,
    versions,
)

__all__ = [
    "COLONNES_SERIES",
    "DossierAtomique",
    "ResultatRun",
    "Simulation",
    "SpecRun",
    "commit_git",
    "dossier_par_defaut",
    "ecrire_json",
    "ecrire_series",
    "executer_plusieurs",
    "executer_run",
    "graine_replicat",
    "provenance",
    "simuler",
    "travailleurs_par_defaut",
    "versions",
]
