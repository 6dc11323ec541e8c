"""Entités peu nombreuses et riches : acteurs d'accompagnement et guichets, des `mesa.Agent`.

Un acteur est un genre d'aidant (travailleur social, France Services…) dans un territoire ; il a des heures
par semaine, un mandat, une politique de posture et une file d'attente (tableaux numpy). Un guichet est
l'accueil physique d'un organisme dans un territoire, avec une capacité hebdomadaire. Leur comportement
est écrit dans les sous-modèles `accompagnement` et `guichets` ; ici, l'état et les paramètres lus.
"""

from __future__ import annotations

import mesa
import numpy as np

from modele.prestations import GENRES_ACTEURS, ORGANISMES

PAR_10000 = 10000.0  # unité des paramètres « pour 10 000 ménages »
CHAMPS_FILE = ("menage", "prestation", "arrivee", "limite", "urgent")


class ActeurAccompagnement(mesa.Agent):
    """Un genre d'acteur d'accompagnement dans un territoire, avec sa file d'attente."""

    def __init__(self, model, genre: str, territoire: int, n_menages_territoire: int):
        super().__init__(model)
        self.genre = genre
        self.g = GENRES_ACTEURS.index(genre)
        self.territoire = territoire
        self.n_menages_territoire = n_menages_territoire
        self.file = {c: np.zeros(0, dtype=np.int32) for c in CHAMPS_FILE}
        self.file["urgent"] = np.zeros(0, dtype=bool)
        # Heures reportées à la semaine suivante : non utilisées (au plus un épisode), ou dette des déclarations
        # faites avec des identifiants gardés (négatif, au plus `accompagnement.dette_max_semaines` × heures).
        self.reliquat = 0.0
        self.pression = 0.0  # surcharge de la file à la dernière semaine servie (modele/information.py)

    def param(self, nom: str):
        """Valeur courante d'un paramètre de ce genre d'acteur (les politiques peuvent l'avoir changée)."""
        return self.model.p[f"acteurs.{self.genre}.{nom}"]

    @property
    def heures(self) -> float:
        """Heures disponibles cette semaine : heures pour 10 000 ménages × ménages du territoire × densité."""
        return (self.param("heures_pour_10000") * self.n_menages_territoire / PAR_10000
                * self.param("densite_territoires")[self.territoire])

    @property
    def longueur_file(self) -> int:
        """Nombre de demandes en attente."""
        return int(self.file["menage"].shape[0])

    def ajouter(self, menages: np.ndarray, prestations: np.ndarray, t: int, limites: np.ndarray,
                urgents: np.ndarray) -> None:
        """Ajoute des demandes en fin de file."""
        n = menages.shape[0]
        nouv = {"menage": menages.astype(np.int32), "prestation": prestations.astype(np.int32),
                "arrivee": np.full(n, t, np.int32), "limite": limites.astype(np.int32), "urgent": urgents}
        for c in CHAMPS_FILE:
            self.file[c] = np.concatenate([self.file[c], nouv[c]])

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde dans la file que les demandes du masque (ou des index, dans leur ordre)."""
        if masque.dtype == bool and masque.all():
            return
        for c in CHAMPS_FILE:
            self.file[c] = self.file[c][masque]


class Guichet(mesa.Agent):
    """Accueil physique d'un organisme dans un territoire (capacité en visites par semaine)."""

    def __init__(self, model, organisme: str, territoire: int, n_menages_territoire: int):
        super().__init__(model)
        self.organisme = organisme
        self.o = ORGANISMES.index(organisme)
        self.territoire = territoire
        self.n_menages_territoire = n_menages_territoire
        self.demandes_menage: list[np.ndarray] = []
        self.demandes_prestation: list[np.ndarray] = []
        self.pression = 0.0  # part de la demande refusée la dernière semaine (modele/information.py)

    def param(self, nom: str):
        """Valeur courante d'un paramètre de cet organisme."""
        return self.model.p[f"guichets.{self.organisme}.{nom}"]

    @property
    def ouverture(self) -> float:
        """Part de la capacité de 2014 disponible cette semaine (fermetures × effet du rendez-vous)."""
        part = self.param("part_ouverte")[self.territoire]
        if self.param("rendez_vous_seulement"):
            part *= self.param("facteur_rendez_vous")
        return part

    @property
    def capacite(self) -> float:
        """Visites possibles cette semaine (nombre réel ; arrondi aléatoire au service)."""
        return self.param("visites_pour_10000") * self.n_menages_territoire / PAR_10000 * self.ouverture
