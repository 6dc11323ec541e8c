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
        """Ne garde dans la file de la structure que les demandes du masque booléen (sur `file`, dans son ordre) ;
        les autres structures ne changent pas."""
        f = self.model.file_aide
        garde = f.structure != self.s
        garde[np.flatnonzero(~garde)[np.asarray(masque, dtype=bool)]] = True
        f.garder(garde)


class FilesGuichets:
    """Files de TOUS les guichets dans un seul jeu de tableaux, rangés par guichet (index k = organisme × nombre de
    territoires + territoire, l'ordre de `ModeleNonRecours.guichets`) puis par ordre d'arrivée (premier arrivé,
    premier servi) : le sous-modèle `guichets` les sert en une passe vectorisée (tri par guichet, rangs dans le
    segment), sans appel Python par guichet. Les demandes de la semaine attendent dans `demandes` jusqu'au service."""

    def __init__(self, n_guichets: int):
        self.n = n_guichets
        self.file = {c: np.zeros(0, dtype=np.int32) for c in ("guichet",) + CHAMPS_FILE_GUICHET}
        self.demandes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (guichets, ménages, prestations)
        self.pression = np.zeros(n_guichets)  # part de la file non servie la dernière semaine, par guichet

    @property
    def longueur(self) -> int:
        """Demandes en file, tous guichets."""
        return int(self.file["guichet"].shape[0])

    def longueurs(self) -> np.ndarray:
        """Demandes en file par guichet (n,)."""
        return np.bincount(self.file["guichet"], minlength=self.n)

    def bornes(self, k: int) -> tuple[int, int]:
        """Début et fin du segment du guichet k dans les tableaux de file."""
        g = self.file["guichet"]
        return int(np.searchsorted(g, k, side="left")), int(np.searchsorted(g, k, side="right"))

    def demander(self, k: np.ndarray, i: np.ndarray, b: np.ndarray) -> None:
        """Demandes de la semaine (guichet, ménage, prestation), dans l'ordre reçu."""
        self.demandes.append((np.asarray(k, np.int32), np.asarray(i, np.int32), np.asarray(b, np.int32)))

    def prendre_demandes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Les demandes de la semaine (et vide la liste)."""
        d, self.demandes = self.demandes, []
        if not d:
            return tuple(np.zeros(0, np.int32) for _ in range(3))
        return tuple(np.concatenate([x[c] for x in d]) for c in range(3))

    def ajouter(self, k: np.ndarray, i: np.ndarray, b: np.ndarray, arrivee: np.ndarray, marque: np.ndarray) -> None:
        """Ajoute des demandes en fin de file de leur guichet (dans l'ordre donné pour un même guichet)."""
        nouv = {"guichet": k, "menage": i, "prestation": b, "arrivee": arrivee, "marque": marque}
        tout = {c: np.concatenate([self.file[c], np.asarray(nouv[c], dtype=np.int32)]) for c in self.file}
        ordre = np.argsort(tout["guichet"], kind="stable")  # les anciennes avant les nouvelles, guichet par guichet
        self.file = {c: v[ordre] for c, v in tout.items()}

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde que les demandes du masque (toutes files ; l'ordre est conservé)."""
        if masque.all():
            return
        self.file = {c: v[masque] for c, v in self.file.items()}

    def vider(self) -> None:
        """Vide toutes les files et les demandes de la semaine."""
        self.garder(np.zeros(self.longueur, dtype=bool))
        self.demandes = []


class Guichet(mesa.Agent):
    """Accueil physique d'un organisme dans un territoire (capacité en visites par semaine), avec sa file : les
    demandes non servies attendent d'une semaine à l'autre (premier arrivé, premier servi). La file est un segment
    des tableaux communs `ModeleNonRecours.files_guichets` (`FilesGuichets`)."""

    def __init__(self, model, organisme: str, territoire: int, n_menages_territoire: int, k: int):
        super().__init__(model)
        self.organisme = organisme
        self.o = ORGANISMES.index(organisme)
        self.territoire = territoire
        self.k = k  # index dans model.guichets et dans les files communes
        self.n_menages_territoire = n_menages_territoire

    @property
    def _files(self) -> FilesGuichets:
        return self.model.files_guichets

    @property
    def file(self) -> dict[str, np.ndarray]:
        """Sa file (vues des tableaux communs) : ménage, prestation, semaine d'entrée, marque."""
        d, f = self._files.bornes(self.k)
        return {c: self._files.file[c][d:f] for c in CHAMPS_FILE_GUICHET}

    @property
    def demandes_menage(self) -> list[np.ndarray]:
        """Ménages des demandes de la semaine adressées à ce guichet (pas encore en file)."""
        return [i[k == self.k] for k, i, _ in self._files.demandes if (k == self.k).any()]

    @property
    def pression(self) -> float:
        """Part de la file non servie la dernière semaine (modele/information.py)."""
        return float(self._files.pression[self.k])

    @pression.setter
    def pression(self, valeur: float) -> None:
        self._files.pression[self.k] = valeur

    @property
    def longueur_file(self) -> int:
        """Nombre de demandes en file (entrées une semaine passée ou celle-ci, pas encore servies)."""
        d, f = self._files.bornes(self.k)
        return f - d

    def ajouter(self, menages: np.ndarray, prestations: np.ndarray, t: int, marques: np.ndarray) -> None:
        """Ajoute des demandes en fin de file (dans l'ordre donné), entrées à la semaine `t`."""
        n = np.asarray(menages).shape[0]
        self._files.ajouter(np.full(n, self.k), menages, prestations, np.full(n, t), marques)

    def garder(self, masque: np.ndarray) -> None:
        """Ne garde dans sa file que les demandes du masque (dans leur ordre)."""
        d, f = self._files.bornes(self.k)
        tout = np.ones(self._files.longueur, dtype=bool)
        tout[d:f] = masque
        self._files.garder(tout)

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
