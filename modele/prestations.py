"""Catalogue des prestations : lu dans `parametres/defauts/prestations.toml`, mis en vecteurs par prestation.

Les prestations, leur ordre et leurs organismes viennent des déclarations : ajouter une prestation, c'est
ajouter une table `[prestations.X]` complète. Les tableaux rendus ont une ligne par prestation, dans l'ordre
du fichier ; ils sont recalculés quand une politique change un paramètre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modele.etat import TERRITOIRES
from modele.parametres import Parametres, charger_declarations

ORGANISMES = ("caf", "cpam", "carsat")
GENRES_ACTEURS = ("travailleur_social", "france_services", "conseiller_numerique", "association",
                  "prestataire_prive")
# Genres pour lesquels on compte des heures : l'entourage n'est pas un agent mais son travail est compté.
GENRES_AIDE = ("famille",) + GENRES_ACTEURS
GLOBAUX = ("travailleur_social", "france_services", "association")


def noms_prestations() -> tuple[str, ...]:
    """Noms des prestations dans l'ordre des déclarations."""
    noms = []
    for cle in charger_declarations():
        if cle.startswith("prestations."):
            nom = cle.split(".")[1]
            if nom not in noms:
                noms.append(nom)
    return tuple(noms)


@dataclass(frozen=True)
class Catalogue:
    """Paramètres des prestations en tableaux (une ligne par prestation)."""

    noms: tuple[str, ...]
    organisme: np.ndarray           # int8 (P,), index dans ORGANISMES
    age_min: np.ndarray
    age_max: np.ndarray
    part_quintile: np.ndarray       # (P, 5)
    facteur_type: np.ndarray        # (P, 4)
    duree_eligibilite: np.ndarray   # (P,) semaines
    montant: np.ndarray             # (P,) euros / mois
    difficulte: np.ndarray          # (P, 5)
    stigmate: np.ndarray
    periode: np.ndarray             # (P,) semaines, 0 = aucune déclaration
    preremplie: np.ndarray          # bool (P,)
    depot_guichet: np.ndarray       # bool (P,)
    liee: np.ndarray                # int (P,), index de la prestation qui rend éligible, -1 sinon
    automatique_pour: np.ndarray    # int (P,), index de la prestation qui ouvre le droit automatiquement, -1
    ouverture_automatique: np.ndarray  # bool (P,), droit ouvert sans demande (croisement de fichiers)
    delai: np.ndarray
    p_pieces: np.ndarray
    p_rejet: np.ndarray
    connaissance_initiale: np.ndarray
    connaissance_entree: np.ndarray
    taux_information: np.ndarray
    urgente: np.ndarray             # bool (P,)
    duree_accompagnement: np.ndarray  # (P,) durée relative d'un épisode d'accompagnement

    @classmethod
    def depuis(cls, p: Parametres) -> Catalogue:
        """Construit le catalogue depuis un jeu de paramètres résolu."""
        noms = noms_prestations()

        def v(champ, dtype=np.float32):
            return np.array([p[f"prestations.{n}.{champ}"] for n in noms], dtype=dtype)

        def index(champ):
            return np.array([-1 if p[f"prestations.{n}.{champ}"] == "aucune" else noms.index(
                p[f"prestations.{n}.{champ}"]) for n in noms], dtype=np.int16)

        return cls(
            noms=noms,
            organisme=np.array([ORGANISMES.index(p[f"prestations.{n}.operateur"]) for n in noms], dtype=np.int8),
            age_min=v("age_min", np.int16), age_max=v("age_max", np.int16),
            part_quintile=v("part_eligible_par_quintile"), facteur_type=v("facteur_type_menage"),
            duree_eligibilite=v("duree_eligibilite"), montant=v("montant_mensuel"),
            difficulte=v("difficulte_etapes"), stigmate=v("stigmate"),
            periode=v("periode_declaration", np.int32), preremplie=v("declaration_preremplie", bool),
            depot_guichet=v("depot_guichet", bool), liee=index("eligibilite_liee"),
            automatique_pour=index("automatique_pour"),
            ouverture_automatique=v("ouverture_automatique", bool), delai=v("delai_instruction"),
            p_pieces=v("p_pieces_manquantes"), p_rejet=v("p_rejet_a_tort"),
            connaissance_initiale=v("connaissance_initiale"), connaissance_entree=v("connaissance_entree"),
            taux_information=v("taux_information"), urgente=v("urgente", bool),
            duree_accompagnement=v("duree_accompagnement"),
        )


def part_eligible_stationnaire(cat: Catalogue, age: np.ndarray, quintile: np.ndarray,
                               type_menage: np.ndarray, part_max: float) -> np.ndarray:
    """Part éligible à l'équilibre de chaque ménage pour chaque prestation (N, P), bornée à `part_max`
    (`prestations.part_eligible_max`).

    Produit de la part par quintile et du multiplicateur du type de ménage, nulle hors des bornes d'âge.
    """
    part = cat.part_quintile[:, quintile].T * cat.facteur_type[:, type_menage].T
    dans_age = (age[:, None] >= cat.age_min[None, :]) & (age[:, None] <= cat.age_max[None, :])
    return np.minimum(part * dans_age, np.float32(part_max)).astype(np.float32)


def n_territoires() -> int:
    """Nombre de territoires."""
    return len(TERRITOIRES)
