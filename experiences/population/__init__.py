"""Population synthétique face aux chiffres publiés (commande `nonrecours population`)."""
