"""Modèle de démonstration pour la page pédagogique (à remplacer par `modele.modele.ModeleNonRecours`).

Règle en une ligne : chaque semaine, chaque ménage change de situation selon une chaîne de Markov
simple (devenir éligible, apprendre son droit, demander, aboutir, abandonner, perdre son droit).

Ce modèle n'a aucune valeur scientifique : il sert seulement à construire et tester la page
SolaraViz avant que le vrai modèle existe. Il en imite la forme d'API :
`ModeleNonRecours(menages=2000, graine=1, **surcharges)`, `.step()`, `.situation` (tableau numpy
`int8`, un code `Situation` par ménage) et `.datacollector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import mesa
import numpy as np


class Situation(IntEnum):
    """Situation d'un ménage vis-à-vis d'une prestation (codes du tableau `situation`)."""

    NON_ELIGIBLE = 0
    PERCOIT = 1
    NON_CONNAISSANCE = 2
    NON_DEMANDE = 3
    NON_RECEPTION = 4
    EN_DEMARCHE = 5


@dataclass(frozen=True)
class Parametre:
    """Déclaration unique d'un paramètre : valeur par défaut, bornes, pas, unité, libellé court (curseur)."""

    valeur: float
    minimum: float
    maximum: float
    pas: float
    unite: str
    libelle: str
    doc: str


#: Paramètres du modèle de démonstration (tous hypothétiques, `hypothese = true`).
PARAMETRES: dict[str, Parametre] = {
    "part_eligibles_initiale": Parametre(
        0.35, 0.0, 1.0, 0.05, "proportion", "Part d'éligibles initiale",
        "Part des ménages éligibles à la première semaine.",
    ),
    "taux_entree_eligibilite": Parametre(
        0.004, 0.0, 0.05, 0.001, "par semaine", "Entrées éligibilité /sem.",
        "Probabilité hebdomadaire qu'un ménage non éligible le devienne.",
    ),
    "taux_sortie_eligibilite": Parametre(
        0.004, 0.0, 0.05, 0.001, "par semaine", "Sorties éligibilité /sem.",
        "Probabilité hebdomadaire qu'un ménage éligible cesse de l'être.",
    ),
    "taux_information": Parametre(
        0.03, 0.0, 0.3, 0.01, "par semaine", "Information /sem.",
        "Probabilité hebdomadaire qu'un ménage éligible qui ignore son droit l'apprenne.",
    ),
    "probabilite_demande": Parametre(
        0.10, 0.0, 1.0, 0.05, "par semaine", "Demande /sem.",
        "Probabilité hebdomadaire qu'un ménage informé engage la démarche.",
    ),
    "taux_aboutissement": Parametre(
        0.15, 0.0, 1.0, 0.05, "par semaine", "Aboutissement /sem.",
        "Probabilité hebdomadaire qu'une démarche en cours aboutisse au versement.",
    ),
    "taux_abandon": Parametre(
        0.05, 0.0, 1.0, 0.01, "par semaine", "Abandon /sem.",
        "Probabilité hebdomadaire qu'une démarche en cours soit abandonnée (non-réception).",
    ),
    "taux_nouvel_essai": Parametre(
        0.02, 0.0, 0.5, 0.01, "par semaine", "Nouvel essai /sem.",
        "Probabilité hebdomadaire qu'un ménage en non-réception retente la démarche.",
    ),
    "taux_rupture": Parametre(
        0.005, 0.0, 0.1, 0.001, "par semaine", "Rupture de droits /sem.",
        "Probabilité hebdomadaire qu'un allocataire perde son droit (déclaration manquée).",
    ),
}


def _taux(situation: np.ndarray, *codes: Situation) -> float:
    """Part des éligibles dont la situation est l'un des `codes` (0 s'il n'y a aucun éligible)."""
    eligibles = int(np.count_nonzero(situation != Situation.NON_ELIGIBLE))
    if eligibles == 0:
        return 0.0
    return float(np.count_nonzero(np.isin(situation, codes))) / eligibles


def taux_non_recours(modele: ModeleNonRecours) -> float:
    """Part des ménages éligibles qui ne perçoivent pas la prestation (démarche en cours incluse)."""
    s = modele.situation
    return _taux(s, Situation.NON_CONNAISSANCE, Situation.NON_DEMANDE, Situation.NON_RECEPTION,
                 Situation.EN_DEMARCHE)


def taux_non_connaissance(modele: ModeleNonRecours) -> float:
    """Part des éligibles qui ne connaissent pas leur droit."""
    return _taux(modele.situation, Situation.NON_CONNAISSANCE)


def taux_non_demande(modele: ModeleNonRecours) -> float:
    """Part des éligibles informés qui ne demandent pas."""
    return _taux(modele.situation, Situation.NON_DEMANDE)


def taux_non_reception(modele: ModeleNonRecours) -> float:
    """Part des éligibles dont la demande a échoué ou a été abandonnée."""
    return _taux(modele.situation, Situation.NON_RECEPTION)


def n_eligibles(modele: ModeleNonRecours) -> int:
    """Nombre de ménages éligibles."""
    return int(np.count_nonzero(modele.situation != Situation.NON_ELIGIBLE))


def n_percoit(modele: ModeleNonRecours) -> int:
    """Nombre de ménages qui perçoivent la prestation."""
    return int(np.count_nonzero(modele.situation == Situation.PERCOIT))


INDICATEURS = {
    "taux_non_recours": taux_non_recours,
    "taux_non_connaissance": taux_non_connaissance,
    "taux_non_demande": taux_non_demande,
    "taux_non_reception": taux_non_reception,
    "n_eligibles": n_eligibles,
    "n_percoit": n_percoit,
}


class ModeleNonRecours(mesa.Model):
    """Modèle factice : ménages en tableaux numpy, une semaine par pas."""

    def __init__(self, menages: int = 2000, graine: int | None = 1, **surcharges: float) -> None:
        inconnus = sorted(set(surcharges) - set(PARAMETRES))
        if inconnus:
            raise ValueError(
                f"Paramètre(s) inconnu(s) : {', '.join(inconnus)} ; "
                f"attendus : {', '.join(sorted(PARAMETRES))}"
            )
        menages = int(menages)
        if menages < 1:
            raise ValueError(f"menages doit être ≥ 1 (reçu {menages})")
        super().__init__(rng=None if graine is None else int(graine))
        self.menages = menages
        self.graine = graine
        self.parametres: dict[str, float] = {}
        for nom, decl in PARAMETRES.items():
            valeur = float(surcharges.get(nom, decl.valeur))
            if not decl.minimum <= valeur <= decl.maximum:
                raise ValueError(
                    f"{nom} = {valeur} hors bornes [{decl.minimum}, {decl.maximum}]"
                )
            self.parametres[nom] = valeur

        eligible = self.rng.random(menages) < self.parametres["part_eligibles_initiale"]
        self.situation = np.where(eligible, Situation.NON_CONNAISSANCE, Situation.NON_ELIGIBLE).astype(
            np.int8
        )
        self.datacollector = mesa.DataCollector(model_reporters=dict(INDICATEURS))
        self.datacollector.collect(self)

    def step(self) -> None:
        """Une semaine : toutes les transitions sont tirées sur l'état du début de semaine."""
        p = self.parametres
        s = self.situation
        tirage = self.rng.random(s.size)
        nouveau = s.copy()

        non_elig = s == Situation.NON_ELIGIBLE
        nouveau[non_elig & (tirage < p["taux_entree_eligibilite"])] = Situation.NON_CONNAISSANCE

        ignore = s == Situation.NON_CONNAISSANCE
        apprend = ignore & (tirage < p["taux_information"])
        demande_tout_de_suite = self.rng.random(s.size) < p["probabilite_demande"]
        nouveau[apprend & demande_tout_de_suite] = Situation.EN_DEMARCHE
        nouveau[apprend & ~demande_tout_de_suite] = Situation.NON_DEMANDE

        nouveau[(s == Situation.NON_DEMANDE) & (tirage < p["probabilite_demande"])] = Situation.EN_DEMARCHE

        en_cours = s == Situation.EN_DEMARCHE
        aboutit = tirage < p["taux_aboutissement"]
        abandonne = (tirage >= p["taux_aboutissement"]) & (
            tirage < p["taux_aboutissement"] + p["taux_abandon"]
        )
        nouveau[en_cours & aboutit] = Situation.PERCOIT
        nouveau[en_cours & abandonne] = Situation.NON_RECEPTION

        nouveau[(s == Situation.NON_RECEPTION) & (tirage < p["taux_nouvel_essai"])] = Situation.EN_DEMARCHE
        nouveau[(s == Situation.PERCOIT) & (tirage < p["taux_rupture"])] = Situation.NON_RECEPTION

        sortie = ~non_elig & (self.rng.random(s.size) < p["taux_sortie_eligibilite"])
        nouveau[sortie] = Situation.NON_ELIGIBLE

        self.situation = nouveau
        self.datacollector.collect(self)
