"""Gabarits de la page pédagogique (écran de chargement français, lu par Solara) : fichiers de données seulement."""
