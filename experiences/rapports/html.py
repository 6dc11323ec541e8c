"""Rendu HTML des rapports : gabarits Jinja2 (`gabarits/`), échappement automatique, figures incluses en base64.

Chaque rapport étend `base.html.j2` (en-tête, styles lisibles à l'écran et imprimables en PDF, pied avec la
provenance) ; le code Python ne prépare que des données (textes déjà formatés, tableaux), jamais du HTML.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path

import jinja2
import pandas as pd

from experiences.rapports import formats

DOSSIER_GABARITS = Path(__file__).parent / "gabarits"

_environnement: jinja2.Environment | None = None


def millier(n) -> str:
    """12345 → « 12 345 » (espace insécable entre les milliers : `formats.millier`)."""
    return formats.millier(n)


def image_base64(chemin: Path) -> str:
    """URI `data:` d'un PNG, pour une page autonome (transmissible seule)."""
    return "data:image/png;base64," + base64.b64encode(Path(chemin).read_bytes()).decode("ascii")


def _texte(v) -> str:
    return "NaN" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def tableau(df: pd.DataFrame) -> dict:
    """Tableau prêt pour la macro `tableau` des gabarits : {"colonnes": [...], "lignes": [[...], ...]} (textes,
    comme `DataFrame.to_html` : valeur manquante « NaN »)."""
    return {"colonnes": [str(c) for c in df.columns],
            "lignes": [[_texte(v) for v in ligne] for ligne in df.itertuples(index=False)]}


def environnement() -> jinja2.Environment:
    """L'environnement Jinja2 des rapports (chargé une fois) : autoescape, variables indéfinies interdites."""
    global _environnement
    if _environnement is None:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(DOSSIER_GABARITS),
                                 autoescape=jinja2.select_autoescape(["html", "html.j2"], default=True),
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
        env.filters["millier"] = millier
        env.filters["image_base64"] = image_base64
        _environnement = env
    return _environnement


def rendre(gabarit: str, **contexte) -> str:
    """Texte HTML du gabarit `gabarit` (nom dans `gabarits/`) rendu avec `contexte`."""
    return environnement().get_template(gabarit).render(**contexte)


def ecrire(chemin: Path, gabarit: str, **contexte) -> Path:
    """Rend le gabarit et l'écrit en UTF-8 ; rend le chemin."""
    chemin = Path(chemin)
    chemin.write_text(rendre(gabarit, **contexte), encoding="utf-8")
    return chemin
