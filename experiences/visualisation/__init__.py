"""Page pédagogique (Mesa SolaraViz) : ménages par situation, courbes en direct, curseurs ; hors ligne.

Les modules ne sont pas importés ici (Solara est une dépendance optionnelle : `pip install -e '.[visualisation]'`) :
`leviers` (curseurs → surcharges), `figures` (figures de la page), `app` (la page), `serveur` (lancement local).
"""

__all__ = ["app", "figures", "leviers", "serveur"]
