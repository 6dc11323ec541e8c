"""Journal : la vie de quelques ménages suivis, événement par événement (pour « Suivre un ménage »).

Les sous-modèles appellent `noter(cases, prestations, type, détail)` sur des tableaux de cases ; le journal
traduit chaque case en l'IDENTIFIANT du ménage qui l'occupe (`Menages.identifiant`) et ne garde que les ménages
suivis (aucun coût quand personne n'est suivi). Un ménage qui quitte la population garde son récit et son
portrait au départ ; le nouveau ménage qui prend sa case a un autre identifiant : deux vies ne se mêlent jamais.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Attributs du portrait gardés au départ d'un ménage suivi (experiences/recit.py les raconte).
ATTRIBUTS_PORTRAIT = ("age", "type_menage", "territoire", "diplome", "quintile", "equipement", "numerique",
                      "francais", "litteratie", "aidant", "couple", "enfants", "activite", "logement")


@dataclass
class Journal:
    """Événements des ménages suivis : (pas, identifiant du ménage, prestation, type, détail)."""

    suivis: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    evenements: list[tuple[int, int, int, str, object]] = field(default_factory=list)
    t: int = 0
    identifiants: np.ndarray | None = None  # case → identifiant (Menages.identifiant, tenu à jour en place)
    suivre_tous: bool = False               # suivre aussi les nouveaux ménages
    portraits: dict[int, dict] = field(default_factory=dict)  # identifiant parti → attributs au départ

    def suivre(self, identifiants) -> None:
        """Ajoute des ménages (par identifiant) au suivi."""
        self.suivis = np.union1d(self.suivis, np.asarray(identifiants, dtype=np.int64))

    def nouveaux(self, identifiants) -> None:
        """Nouveaux ménages du renouvellement : suivis si tous les ménages le sont."""
        if self.suivre_tous:
            self.suivre(identifiants)

    def _ids(self, i: np.ndarray) -> np.ndarray:
        return i if self.identifiants is None else self.identifiants[i]

    def noter(self, i: np.ndarray, b, type_: str, detail=None) -> None:
        """Note un événement pour les ménages suivis parmi les cases `i` (b : prestation(s), -1 : ménage)."""
        if self.suivis.size == 0 or np.size(i) == 0:
            return
        i = np.asarray(i)
        ids = self._ids(i)
        garde = np.isin(ids, self.suivis)
        if not garde.any():
            return
        b = np.broadcast_to(np.asarray(b), i.shape)
        det = np.broadcast_to(np.asarray(detail, dtype=object), i.shape) if detail is not None else None
        for k in np.flatnonzero(garde):
            self.evenements.append((self.t, int(ids[k]), int(b[k]), type_, None if det is None else det[k]))

    def portraits_au_depart(self, m, i: np.ndarray) -> None:
        """Garde le portrait des ménages suivis qui quittent la population (cases `i`)."""
        if self.suivis.size == 0 or i.size == 0:
            return
        M = m.menages
        ids = self._ids(i)
        for k in np.flatnonzero(np.isin(ids, self.suivis)):
            self.portraits[int(ids[k])] = {a: getattr(M, a)[i[k]].item() for a in ATTRIBUTS_PORTRAIT}

    def de(self, menage: int) -> list[tuple[int, int, int, str, object]]:
        """Événements d'un ménage (par identifiant), dans l'ordre."""
        return [e for e in self.evenements if e[1] == menage]
