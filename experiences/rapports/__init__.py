"""Mécanique partagée des rapports : figures communes, rendu HTML par gabarits Jinja2 (voir README.md)."""

from experiences.rapports.figures import LIBELLES, courbes, figures_simulation, libelle, moyenne_ic, sauver
from experiences.rapports.html import DOSSIER_GABARITS, ecrire, environnement, image_base64, millier, rendre, tableau

__all__ = [
    "DOSSIER_GABARITS",
    "LIBELLES",
    "courbes",
    "ecrire",
    "environnement",
    "figures_simulation",
    "image_base64",
    "libelle",
    "millier",
    "moyenne_ic",
    "rendre",
    "sauver",
    "tableau",
]
