"""Petits modèles pour les tests de sous-modèles : un modèle réel, vidé, où l'on pose quelques ménages à la main.

`petit_modele(surcharges)` construit un modèle de 100 ménages sur un scénario neutre (sans intervention ni
calibration : les valeurs des tests ne bougent pas quand `parametres/calibration.toml` change), puis `vider(m)`
remet tous les ménages hors de toute dynamique (non éligibles, rien de daté) : seuls les ménages posés par le
test agissent quand on appelle directement `<sous_modele>.appliquer(m)`.
"""

from __future__ import annotations

import numpy as np

from modele.etat import AUCUN, DEMARCHE, JAMAIS, PLUS_TARD
from modele.modele import ModeleNonRecours
from modele.parametres import RACINE

SCENARIO_NEUTRE = """
[scenario]
nom = "neutre"
question = "Scénario de test : les défauts déclarés, sans intervention ni calibration."
calibration = false
"""

# Réglages qui rendent une étape de démarche certaine (p = sigmoïde(40 × 1 + 10)) ou impossible (sigmoïde(-45)).
REUSSITE_CERTAINE = {"demarches.pente": 40.0, "demarches.bonus_en_ligne": 10.0}
ECHEC_CERTAIN = {"demarches.pente": 40.0, "demarches.bonus_en_ligne": -5.0}


TEMPS_ENTOURAGE = 1000.0  # heures par mois de l'entourage d'un ménage rendu `capable(..., aidant=True)`


def chemin_scenario_neutre(dossier) -> str:
    """Écrit le scénario neutre dans `dossier` et rend son chemin."""
    f = dossier / "neutre.toml"
    if not f.exists():
        f.write_text(SCENARIO_NEUTRE, encoding="utf-8")
    return str(f)


def petit_modele(dossier, surcharges: dict | None = None, menages: int = 100, t: int = 0) -> ModeleNonRecours:
    """Modèle de `menages` ménages, vidé, au pas `t`."""
    s = {"simulation.rodage_semaines": 0, "demarches.demarches_courantes_par_an": 0.0}
    s.update(surcharges or {})
    m = ModeleNonRecours(scenario=chemin_scenario_neutre(dossier), menages=menages, graine=1, debut="2014-01",
                         fin="2016-12", surcharges=s)
    vider(m, t)
    return m


def vider(m: ModeleNonRecours, t: int = 0) -> None:
    """Plus personne d'éligible, rien de daté, files et compteurs vides."""
    M = m.menages
    M.eligible[:] = False
    M.connait[:] = False
    M.statut[:] = AUCUN
    M.etape[:] = 0
    M.tentatives[:] = 0
    M.a_demande[:] = False
    for nom in ("t_prochain", "t_decision", "t_renouvellement"):
        getattr(M, nom)[:] = PLUS_TARD
    M.t_courante[:] = PLUS_TARD
    for nom in ("t_debut_eligibilite", "t_non_proposition", "t_demande", "t_issue_demande"):
        getattr(M, nom)[:] = JAMAIS
    for nom in ("t_en_ligne", "t_abandon", "t_abandon_def", "t_aide"):
        getattr(M, nom)[:] = JAMAIS
    M.detenteur[:] = -1
    M.perception[:] = np.float32(m.p["decision.perception_initiale"])
    M.autonomie[:] = 0
    for a in m.acteurs:
        a.garder(np.zeros(a.longueur_file, dtype=bool))
    m.files_guichets.vider()
    m.contacts = []
    m.compteurs.remettre()
    m.t = t
    m.journal.t = t


def capable(m: ModeleNonRecours, i, niveau: float = 1.0, aidant: bool = False) -> None:
    """Donne aux ménages `i` des capacités uniformes (`niveau` partout, ordinateur) et un aidant ou non."""
    M = m.menages
    M.equipement[i] = 2
    M.numerique[i] = niveau
    M.litteratie[i] = niveau
    M.francais[i] = niveau
    M.confiance[i] = niveau
    M.autonomie[i] = 0
    M.aidant[i] = aidant
    M.capacite_aidant[i] = niveau if aidant else 0.0
    # Entourage : assez de temps pour ne jamais manquer dans un test (un mois entier de temps en réserve).
    M.heures_entourage[i] = M.reserve_entourage[i] = TEMPS_ENTOURAGE if aidant else 0.0
    M.fatigue_entourage[i] = 0.0


def prestation(m: ModeleNonRecours, nom: str) -> int:
    """Index d'une prestation."""
    return m.catalogue.noms.index(nom)


__all__ = ["RACINE", "petit_modele", "vider", "capable", "prestation", "REUSSITE_CERTAINE", "ECHEC_CERTAIN"]


def en_demarche(m: ModeleNonRecours, b: int, canal: int, i=np.arange(5)) -> None:
    """Met les ménages `i` (les cinq premiers par défaut) en démarche pour la prestation `b` par le canal donné,
    tentative cette semaine (éligibles, connaissant leur droit)."""
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = DEMARCHE
    M.canal[i, b] = canal
    M.t_prochain[i, b] = m.t
