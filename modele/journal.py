"""Journal : la vie de quelques ménages suivis, événement par événement (pour « Suivre un ménage »).

Les sous-modèles appellent `noter(menages, prestations, type, détail)` sur des tableaux ; le journal ne garde
que les ménages suivis (aucun coût quand personne n'est suivi).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Journal:
    """Événements des ménages suivis : (pas, ménage, prestation, type, détail)."""

    suivis: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    evenements: list[tuple[int, int, int, str, object]] = field(default_factory=list)
    t: int = 0

    def suivre(self, menages) -> None:
        """Ajoute des ménages au suivi."""
        self.suivis = np.union1d(self.suivis, np.asarray(menages, dtype=np.int64))

    def noter(self, i: np.ndarray, b, type_: str, detail=None) -> None:
        """Note un événement pour les ménages suivis parmi `i` (b : prestation(s), -1 : démarche courante)."""
        if self.suivis.size == 0 or np.size(i) == 0:
            return
        i = np.asarray(i)
        garde = np.isin(i, self.suivis)
        if not garde.any():
            return
        b = np.broadcast_to(np.asarray(b), i.shape)
        det = np.broadcast_to(np.asarray(detail, dtype=object), i.shape) if detail is not None else None
        for k in np.flatnonzero(garde):
            self.evenements.append((self.t, int(i[k]), int(b[k]), type_, None if det is None else det[k]))

    def de(self, menage: int) -> list[tuple[int, int, int, str, object]]:
        """Événements d'un ménage, dans l'ordre."""
        return [e for e in self.evenements if e[1] == menage]
