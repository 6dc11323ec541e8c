"""Entités peu nombreuses et riches : acteurs d'accompagnement et guichets, des `mesa.Agent`.

Un acteur est une structure d'accompagnement : un genre d'aidant (travailleur social, France Services…) dans un
territoire ; ses heures sont réparties entre des aidants individuels (tableaux de `modele.aidants.Aidants`) et
ses demandes attendent dans la file commune `FileAide` (tableaux numpy, colonne `structure`). Un guichet est
l'accueil physique d'un organisme dans un territoire, avec une capacité hebdomadaire. Leur comportement
est écrit dans les sous-modèles `accompagnement` et `guichets` ; ici, l'état et les paramètres lus.
"""

from __future__ import annotations

import mesa
import numpy as np

from modele.etat import TERRITOIRES
from modele.prestations import GENRES_ACTEURS, ORGANISMES

PAR_10000 = 10000.0  # unité des paramètres « pour 10 000 ménages »
# File d'un guichet : ménage, prestation, semaine d'entrée, marque (t_prochain de la demande à l'entrée : une
# demande close ailleurs puis rouverte n'a plus la même marque et sort de la file sans être servie).
CHAMPS_FILE_GUICHET = ("menage", "prestation", "arrivee", "marque")


class FileAide:
    """File d'attente de toutes les structures d'accompagnement, en tableaux (une ligne par demande).

    Champs : ménage, prestation (COURANTE : démarche courante), semaine d'arrivée, limite de patience, urgente,
    structure (genre × territoire), aidant attribué (-1 : aucun encore), posture tirée (-1 : pas encore), heures
    restantes de l'épisode et durée totale tirée (un épisode peut demander plusieurs rendez-vous).
    """

    TYPES = {"menage": np.int32, "prestation": np.int32, "arrivee": np.int32, "limite": np.int32, "urgent": bool,
             "structure": np.int32, "aidant": np.int64, "posture": np.int8, "reste": np.float64,
             "duree": np.float64}

    def __init__(self):
        for c, d in self.TYPES.items():
            setattr(self, c, np.zeros(0, dtype=d))

    @property
    def n(self) -> int:
        """Nombre de demandes en file."""
        return self.menage.size

    def ajouter(self, menages, prestations, t: int, limites, urgents, structures) -> None:
        """Ajoute des demandes en fin de file (sans aidant ni posture)."""
        k = np.asarray(menages).size
        nouv = {"menage": menages, "prestation": prestations, "arrivee": np.full(k, t), "limite": limites,
                "urgent": urgents, "structure": structures, "aidant": np.full(k, -1), "posture": np.full(k, -1),
                "reste": np.zeros(k), "duree": np.zeros(k)}
        for c, d in self.TYPES.items():
            setattr(self, c, np.concatenate([getattr(self, c), np.asarray(nouv[c], dtype=d)]))

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde que les demandes du masque (ou des index, dans leur ordre)."""
        if masque.dtype == bool and masque.all():
            return
        for c in self.TYPES:
            setattr(self, c, getattr(self, c)[masque])

    def liberer(self, partis: np.ndarray) -> None:
        """Demandes des aidants partis (`partis` : masque par poste) : sans aidant, épisode à refaire."""
        s = self.aidant >= 0
        s[s] = partis[self.aidant[s]]
        self.aidant[s] = -1
        self.posture[s] = -1
        self.reste[s] = 0.0
        self.duree[s] = 0.0


class ActeurAccompagnement(mesa.Agent):
    """Une structure d'accompagnement : un genre d'acteur dans un territoire (ses aidants individuels sont dans
    `model.aidants`, sa file dans `model.file_aide`)."""

    def __init__(self, model, genre: str, territoire: int, n_menages_territoire: int):
        super().__init__(model)
        self.genre = genre
        self.g = GENRES_ACTEURS.index(genre)
        self.territoire = territoire
        self.s = self.g * len(TERRITOIRES) + territoire  # index de la structure
        self.n_menages_territoire = n_menages_territoire

    @property
    def pression(self) -> float:
        """Surcharge de la file de la structure à la dernière semaine servie (modele/information.py)."""
        return float(self.model.pression_acteurs[self.s])

    @pression.setter
    def pression(self, valeur: float) -> None:
        self.model.pression_acteurs[self.s] = valeur

    def param(self, nom: str):
        """Valeur courante d'un paramètre de ce genre d'acteur (les politiques peuvent l'avoir changée)."""
        return self.model.p[f"acteurs.{self.genre}.{nom}"]

    @property
    def heures(self) -> float:
        """Heures de la structure par semaine : heures pour 10 000 ménages × ménages du territoire × densité."""
        return (self.param("heures_pour_10000") * self.n_menages_territoire / PAR_10000
                * self.param("densite_territoires")[self.territoire])

    @property
    def aidants(self) -> np.ndarray:
        """Index des postes de la structure (pourvus ou vacants) dans `model.aidants`."""
        return np.flatnonzero(self.model.aidants.structure == self.s)

    @property
    def reliquat(self) -> float:
        """Heures reportées par les aidants en poste de la structure (négatif : dette de déclarations)."""
        A = self.model.aidants
        return float(A.reliquat[(A.structure == self.s) & A.actif].sum())

    @reliquat.setter
    def reliquat(self, valeur: float) -> None:
        """Répartit un report d'heures à parts égales entre les aidants en poste de la structure (tests, vue)."""
        A = self.model.aidants
        k = (A.structure == self.s) & A.actif
        A.reliquat[k] = valeur / max(int(k.sum()), 1)

    @property
    def file(self) -> dict[str, np.ndarray]:
        """Les demandes en file de la structure (copie), par champ."""
        f = self.model.file_aide
        s = f.structure == self.s
        return {c: getattr(f, c)[s] for c in FileAide.TYPES}

    @property
    def longueur_file(self) -> int:
        """Nombre de demandes en attente."""
        return int((self.model.file_aide.structure == self.s).sum())

    def ajouter(self, menages: np.ndarray, prestations: np.ndarray, t: int, limites: np.ndarray,
                urgents: np.ndarray) -> None:
        """Ajoute des demandes en fin de file de la structure."""
        self.model.file_aide.ajouter(menages, prestations, t, limites, urgents,
                                     np.full(np.asarray(menages).size, self.s))

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde dans la file de la structure que les demandes du masque (ou des index, dans leur ordre)."""
        f = self.model.file_aide
        k = np.flatnonzero(f.structure == self.s)
        garde = np.ones(f.n, bool)
        garde[k] = False
        masque = np.asarray(masque)
        garde[k[masque]] = True
        if masque.dtype != bool:  # index : l'ordre donné, placé en fin de file
            reste = np.flatnonzero(garde & (f.structure != self.s))
            f.garder(np.concatenate([reste, k[masque]]))
            return
        f.garder(garde)


class Guichet(mesa.Agent):
    """Accueil physique d'un organisme dans un territoire (capacité en visites par semaine), avec sa file : les
    demandes non servies attendent d'une semaine à l'autre (premier arrivé, premier servi)."""

    def __init__(self, model, organisme: str, territoire: int, n_menages_territoire: int):
        super().__init__(model)
        self.organisme = organisme
        self.o = ORGANISMES.index(organisme)
        self.territoire = territoire
        self.n_menages_territoire = n_menages_territoire
        self.demandes_menage: list[np.ndarray] = []
        self.demandes_prestation: list[np.ndarray] = []
        self.file = {c: np.zeros(0, dtype=np.int32) for c in CHAMPS_FILE_GUICHET}
        self.pression = 0.0  # part de la file non servie la dernière semaine (modele/information.py)

    @property
    def longueur_file(self) -> int:
        """Nombre de demandes en file (entrées une semaine passée ou celle-ci, pas encore servies)."""
        return int(self.file["menage"].shape[0])

    def ajouter(self, menages: np.ndarray, prestations: np.ndarray, t: int, marques: np.ndarray) -> None:
        """Ajoute des demandes en fin de file (dans l'ordre donné), entrées à la semaine `t`."""
        nouv = {"menage": menages, "prestation": prestations, "arrivee": np.full(menages.shape[0], t),
                "marque": marques}
        for c in CHAMPS_FILE_GUICHET:
            self.file[c] = np.concatenate([self.file[c], np.asarray(nouv[c], dtype=np.int32)])

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde dans la file que les demandes du masque (dans leur ordre)."""
        if masque.all():
            return
        for c in CHAMPS_FILE_GUICHET:
            self.file[c] = self.file[c][masque]

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
