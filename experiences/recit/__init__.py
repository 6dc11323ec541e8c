"""« Suivre un ménage » : la vie d'un ménage simulé racontée en français (voir README.md)."""

from experiences.recit.recit_menage import (
    CITATIONS,
    DOCUMENTS,
    LISTE_CITATIONS,
    Citation,
    Recit,
    charger_citations,
    choisir_menage,
    de_verbe,
    decouper_reference,
    portrait,
    recit,
    reference_lisible,
)

__all__ = ["CITATIONS", "DOCUMENTS", "LISTE_CITATIONS", "Citation", "Recit", "charger_citations", "choisir_menage",
           "de_verbe", "decouper_reference", "portrait", "recit", "reference_lisible"]
