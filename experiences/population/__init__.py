"""Population synthétique face aux chiffres publiés (commande `nonrecours population`, voir README.md)."""

from experiences.population.marges import (
    CALCULS,
    FICHIER_MARGES,
    Marge,
    charger_marges,
    construire,
    ecrire,
    evaluer,
    executer,
)

__all__ = ["CALCULS", "FICHIER_MARGES", "Marge", "charger_marges", "construire", "ecrire", "evaluer", "executer"]
