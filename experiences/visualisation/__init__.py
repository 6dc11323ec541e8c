"""Page pédagogique (Mesa SolaraViz) : ménages par situation, courbes en direct, curseurs ; hors ligne."""
