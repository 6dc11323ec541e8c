"""Alignement de l'étalon « un agent par ménage » (benchmarks/yardstick_agents.py) sur le modèle vectorisé.

Configuration simplifiée commune : pas de rodage, pas de contacts informants (`information.p_contact_* = 0`),
année 2014 (avant la première intervention datée). Les deux partent de la même population (même graine) puis
tirent leurs aléas chacun de son côté : on compare des moyennes sur 8 graines × 11 relevés mensuels.
Les deux suivent la même règle d'éligibilité (flux stationnaires vers la part q du profil) : l'écart des parts
éligibles n'est que le bruit de deux trajectoires indépendantes. Pour la prime d'activité (q ≈ 9 %, épisodes de
52 semaines), l'écart d'une graine va de −0,006 à +0,010 (écart type ≈ 0,005, mesuré sur 12 graines : moyenne
+0,001) ; sur 3 graines, la tolérance de 0,006 n'était qu'à 2 écarts types de la moyenne et a été dépassée
(0,0063) sans aucune règle divergente. Sur 8 graines, l'écart type de la moyenne est ≈ 0,002 : la tolérance de
0,006 est à 3 écarts types.
Règles communes (éligibilité, information) : mêmes niveaux à la tolérance près. Le non-recours, lui, dépend de
canaux que l'étalon n'a pas (entourage, guichets, service payant) : il doit y être plus élevé, sans s'écarter
de plus d'un tiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.yardstick_agents import ModeleEtalon
from modele.modele import ModeleNonRecours

N = 2000
GRAINES = tuple(range(8))
# Fenêtre février-décembre 2014 : pas de nouvel an, donc pas de renouvellement démographique (absent de l'étalon).
# Éligibilité par flux stationnaires (droits.utiliser_table = false) : la règle que l'étalon écrit agent par agent.
SIMPLIFIE = {"simulation.rodage_semaines": 0, "droits.utiliser_table": False,
             **{f"information.p_contact_{k}": 0.0 for k in ("global", "guichet_propre", "guichet_autre", "numerique",
                                                           "famille")}}


def _vectorise(graine):
    m = ModeleNonRecours(menages=N, graine=graine, debut="2014-02", fin="2014-12", surcharges=SIMPLIFIE)
    m.lancer()
    s = m.series()
    s = s[s["groupe"] == "ensemble"]
    el = s[s["indicateur"] == "n_eligibles"].pivot(index="date", columns="prestation", values="valeur")
    ign = s[s["indicateur"] == "taux_non_connaissance"].pivot(index="date", columns="prestation", values="valeur")
    # Le repère par agents compte les éligibles non bénéficiaires : le non perçu (demandes en cours comprises).
    nr = s[s["indicateur"] == "taux_non_percu"].pivot(index="date", columns="prestation", values="valeur")
    return el / N, ign * el, nr * el, el


def _etalon(graine):
    e = ModeleEtalon(menages=N, graine=graine, debut="2014-02", fin="2014-12", surcharges=SIMPLIFIE)
    e.lancer()
    r = pd.DataFrame(e.releves).set_index("date")
    noms = e.noms
    part = r[[f"part_eligibles_{n}" for n in noms]].set_axis(noms, axis=1)
    el = part * N
    ign = r[[f"taux_non_connaissance_{n}" for n in noms]].set_axis(noms, axis=1) * el
    nr = r[[f"taux_non_recours_{n}" for n in noms]].set_axis(noms, axis=1) * el
    return part, ign, nr, el


@pytest.fixture(scope="module")
def deux_modeles():
    v = [_vectorise(g) for g in GRAINES]
    e = [_etalon(g) for g in GRAINES]
    return v, e


def _moyenne(runs, k):
    return pd.concat([r[k] for r in runs]).mean()


def test_memes_parts_eligibles(deux_modeles):
    v, e = deux_modeles
    pv = _moyenne(v, 0)
    pe = _moyenne(e, 0)[pv.index]
    assert (pv - pe).abs().max() < 0.006, pd.DataFrame({"vectorise": pv, "etalon": pe})
    assert np.allclose(pv, pe, rtol=0.08)


def test_meme_non_connaissance(deux_modeles):
    v, e = deux_modeles
    # Taux global (ignorants / éligibles, toutes prestations) et par prestation pour les plus fréquentes.
    tv = sum(r[1].to_numpy().sum() for r in v) / sum(r[3].to_numpy().sum() for r in v)
    te = sum(r[1].to_numpy().sum() for r in e) / sum(r[3].to_numpy().sum() for r in e)
    assert abs(tv - te) < 0.03, (tv, te)
    for nom in ("aides_logement", "css_gratuite", "prime_activite"):
        iv = sum(r[1][nom].sum() for r in v) / sum(r[3][nom].sum() for r in v)
        ie = sum(r[1][nom].sum() for r in e) / sum(r[3][nom].sum() for r in e)
        assert abs(iv - ie) < 0.05, (nom, iv, ie)


def test_non_recours_plus_eleve_sans_les_autres_canaux_mais_proche(deux_modeles):
    v, e = deux_modeles
    tv = sum(r[2].to_numpy().sum() for r in v) / sum(r[3].to_numpy().sum() for r in v)
    te = sum(r[2].to_numpy().sum() for r in e) / sum(r[3].to_numpy().sum() for r in e)
    assert tv < te < tv * 4 / 3, (tv, te)
