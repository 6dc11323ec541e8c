"""Calendrier : un pas = une semaine sur un vrai calendrier ; les dates de politique deviennent des pas une fois.

Le pas 0 est le premier lundi du mois de début. Les indicateurs sont
relevés au premier pas de chaque mois (le pas dont le lundi tombe dans un nouveau mois).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from modele.parametres import ErreurEntree

SEMAINES_PAR_AN = 52.1775
SEMAINES_PAR_MOIS = SEMAINES_PAR_AN / 12
# Convention de PRÉSENTATION des flux relevés (aucun effet sur la dynamique) : un flux mensuel est publié comme la
# moyenne hebdomadaire des pas du mois × 52/12, un total annuel ou « 12 derniers mois » couvre 52 semaines.
SEMAINES_PAR_AN_RELEVE = 52
SEMAINES_PAR_MOIS_RELEVE = SEMAINES_PAR_AN_RELEVE / 12
# Domaine des dates du modèle (période simulée, dates des interventions et des plans).
ANNEE_MIN, ANNEE_MAX = 2000, 2060
DOMAINE = (dt.date(ANNEE_MIN, 1, 1), dt.date(ANNEE_MAX, 12, 31))


def lire_mois(texte: str, cle: str = "--debut/--fin") -> dt.date:
    """Convertit « AAAA-MM » (ou AAAA-MM-JJ) en date du premier jour du mois."""
    try:
        if len(texte) == 7:
            return dt.date.fromisoformat(texte + "-01")
        d = dt.date.fromisoformat(texte)
        return d.replace(day=1)
    except (ValueError, TypeError):
        raise ErreurEntree("Mois invalide.", cle=cle, valeur=texte,
                           attendu="un mois AAAA-MM, par ex. 2014-01") from None


def lundis_du_mois(mois: str) -> int:
    """Nombre de lundis du mois « AAAA-MM » : pas que compte un mois complet (un pas commence un lundi)."""
    d = dt.date.fromisoformat(str(mois)[:7] + "-01")
    suivant = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    premier = d + dt.timedelta(days=(7 - d.weekday()) % 7)
    return ((suivant - premier).days + 6) // 7


def semaines(annees: float) -> int:
    """Convertit une durée en années en nombre de semaines (arrondi)."""
    return int(round(annees * SEMAINES_PAR_AN))


@dataclass(frozen=True)
class Calendrier:
    """Correspondance pas ↔ date ; `fin` est exclue (la simulation couvre jusqu'au mois avant `fin`, compris)."""

    debut: dt.date
    fin: dt.date

    @classmethod
    def depuis_mois(cls, debut: str, fin: str) -> Calendrier:
        """Construit le calendrier depuis deux mois AAAA-MM ; `fin` est le dernier mois simulé, inclus."""
        d = lire_mois(debut, "--debut")
        f = lire_mois(fin, "--fin")
        if f < d:
            raise ErreurEntree("La fin précède le début.", cle="--fin", valeur=fin,
                               attendu=f"un mois postérieur ou égal à {debut}")
        if d < DOMAINE[0] or f > DOMAINE[1]:
            raise ErreurEntree("Période hors du domaine du modèle.", cle="--debut/--fin", valeur=f"{debut} → {fin}",
                               attendu=f"des mois entre {ANNEE_MIN}-01 et {ANNEE_MAX}-12")
        fin_excl = dt.date(f.year + (f.month == 12), f.month % 12 + 1, 1)
        return cls(d, fin_excl)

    @property
    def lundi0(self) -> dt.date:
        """Lundi du pas 0 : premier lundi du mois de début."""
        return self.debut + dt.timedelta(days=(7 - self.debut.weekday()) % 7)

    @property
    def n_pas(self) -> int:
        """Nombre de semaines simulées."""
        return (self.fin - self.lundi0).days // 7

    def date(self, pas: int) -> dt.date:
        """Lundi de la semaine `pas`."""
        return self.lundi0 + dt.timedelta(days=7 * int(pas))

    def pas(self, date: dt.date | str) -> int:
        """Premier pas dont le lundi est au plus tard la date (peut être négatif ou ≥ n_pas)."""
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        return (date - self.lundi0).days // 7 + (1 if (date - self.lundi0).days % 7 else 0)

    def debut_de_mois(self, pas: int) -> bool:
        """Vrai si le lundi du pas est le premier lundi de son mois (pas de relevé des indicateurs)."""
        d = self.date(pas)
        return d.day <= 7

    def fin_de_trimestre(self, pas: int) -> bool:
        """Vrai au premier relevé d'un trimestre civil (janvier, avril, juillet, octobre)."""
        d = self.date(pas)
        return d.day <= 7 and d.month in (1, 4, 7, 10)

    def nouvel_an(self, pas: int) -> bool:
        """Vrai au premier pas de janvier."""
        d = self.date(pas)
        return d.month == 1 and d.day <= 7

    def annee(self, pas: int) -> int:
        """Année civile du pas."""
        return self.date(pas).year

    def dates_releve(self) -> np.ndarray:
        """Pas des relevés mensuels."""
        return np.array([t for t in range(self.n_pas) if self.debut_de_mois(t)], dtype=np.int32)
