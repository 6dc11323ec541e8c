"""Chaque paramètre déclaré change au moins un indicateur, ou se déclare inerte (`inerte = "raison"`).

Un petit modèle (300 ménages, rodage 26 semaines, 2014-01 → 2014-06, scénario neutre) par perturbation : la
table des séries entière est comparée à celle de la base. Quelques paramètres n'agissent que dans un contexte
(accueil sur rendez-vous, conseillers numériques en poste, déclaration pré-remplie) : ce contexte est ajouté
aux deux exécutions, la base et la perturbée. Deux processus.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from fabrique import chemin_scenario_neutre

from modele.parametres import charger_declarations

BASE = {"simulation.rodage_semaines": 26}
N, DEBUT, FIN, GRAINE = 300, "2014-01", "2014-06", 4

# Contexte où un paramètre agit (préfixe de clé → surcharges ajoutées à la base et à la perturbation).
CONTEXTES = {
    "guichets.caf.facteur_rendez_vous": {"guichets.caf.rendez_vous_seulement": True},
    "guichets.cpam.facteur_rendez_vous": {"guichets.cpam.rendez_vous_seulement": True},
    "guichets.carsat.facteur_rendez_vous": {"guichets.carsat.rendez_vous_seulement": True},
    "decision.cout_rendez_vous": {"guichets.caf.rendez_vous_seulement": True},
    "acteurs.conseiller_numerique.": {"acteurs.conseiller_numerique.heures_pour_10000": 14.0},
    "renouvellements.difficulte_preremplie": {"prestations.rsa.declaration_preremplie": True,
                                              "prestations.prime_activite.declaration_preremplie": True},
}


def contexte(cle: str) -> dict:
    """Surcharges de contexte pour une clé."""
    s = {}
    for prefixe, c in CONTEXTES.items():
        if cle.startswith(prefixe):
            s.update(c)
    return s


def _borne(x, d):
    if d.min is not None:
        x = max(x, d.min)
    if d.max is not None:
        x = min(x, d.max)
    return x


def _nombre(v, d, facteur):
    x = _borne(v * facteur if v != 0 else (min(d.max, 1.0) if d.max is not None else 1.0), d)
    return int(round(x)) if d.type == "entier" else float(x)


def perturbation(d, valeur_contexte=None):
    """Une valeur permise, différente de la valeur de base (non uniforme pour les listes de parts)."""
    v = d.valeur if valeur_contexte is None else valeur_contexte
    if d.type in ("reel", "entier"):
        for f in (1.5, 0.5, 2.0):
            x = _nombre(v, d, f)
            if x != v:
                return x
        raise AssertionError(f"pas de perturbation possible pour {d.cle}")
    if d.type in ("liste", "matrice"):
        lignes = v if d.type == "matrice" else [v]
        for sens in (1, -1):
            nouv = []
            for lg in lignes:
                k = len(lg)
                nouv.append([float(_borne(x * (1.0 + sens * 0.5 * (1 - j / k)) if x != 0 else
                                          _borne(0.05 * (j + 1), d), d)) for j, x in enumerate(lg)])
            if nouv != lignes:
                return nouv if d.type == "matrice" else nouv[0]
        raise AssertionError(f"pas de perturbation possible pour {d.cle}")
    if d.type == "booleen":
        return not v
    if d.type == "texte" and d.choix:
        propre = d.cle.split(".")[1] if d.cle.startswith("prestations.") else None
        return next(c for c in d.choix if c != v and c != propre)
    raise AssertionError(f"type sans perturbation : {d.cle} ({d.type}) ; le déclarer inerte ou l'ajouter ici")


def _valeurs(surcharges: dict) -> np.ndarray:
    from modele.modele import ModeleNonRecours
    m = ModeleNonRecours(scenario=_valeurs.scenario, menages=N, graine=GRAINE, debut=DEBUT, fin=FIN,
                         surcharges=surcharges)
    m.lancer()
    return m.series()["valeur"].to_numpy()


def _initialiser(scenario):
    _valeurs.scenario = scenario


def _tache(args):
    cle, base, pert = args
    a, b = _valeurs(base), _valeurs(pert)
    return cle, a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)


def test_perturbations_possibles():
    # La règle de perturbation elle-même : toujours une valeur permise et différente.
    for cle, d in charger_declarations().items():
        if d.inerte is not None:
            continue
        x = perturbation(d)
        assert x != d.valeur, cle
        d.valider(x)


def test_chaque_parametre_agit_ou_est_declare_inerte(tmp_path):
    decl = charger_declarations()
    actifs = [k for k, d in decl.items() if d.inerte is None]
    assert len(actifs) > 200
    taches = []
    for cle in actifs:
        ctx = {**BASE, **contexte(cle)}
        valeur_base = ctx.get(cle, decl[cle].valeur)
        taches.append((cle, ctx, {**ctx, cle: perturbation(decl[cle], valeur_base)}))
    scenario = chemin_scenario_neutre(tmp_path)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"), initializer=_initialiser,
                             initargs=(scenario,)) as pool:
        resultats = dict(pool.map(_tache, taches, chunksize=4))
    sans_effet = sorted(k for k, change in resultats.items() if not change)
    assert not sans_effet, ("Paramètres sans effet sur aucun indicateur (corriger le modèle, ajouter un contexte "
                            "ici, ou déclarer `inerte = \"raison\"`) :\n  " + "\n  ".join(sans_effet))


@pytest.mark.parametrize("cle", sorted(k for k, d in charger_declarations().items() if d.inerte is not None))
def test_inerte_a_une_raison(cle):
    raison = charger_declarations()[cle].inerte
    assert isinstance(raison, str) and len(raison.strip()) >= 10
