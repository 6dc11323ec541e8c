"""Intervalles à 95 % qui respectent le domaine : taux sur l'échelle logit, volumes sur l'échelle logarithmique,
écarts en Student ordinaire ; réplicats nécessaires ; formats de nombre français. Cas posés à la main."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from experiences.rapports import formats as F
from experiences.rapports.intervalles import LIBRE, ic95, replicats_necessaires


def _cadre(indicateur, valeurs):
    return pd.DataFrame({"indicateur": indicateur, "k": "x", "valeur": valeurs})


def _logit(p):
    return math.log(p / (1 - p))


def test_taux_sur_l_echelle_logit():
    v = [0.1, 0.2, 0.3]
    r = ic95(_cadre("taux_non_recours", v), ["indicateur", "k"]).iloc[0]
    z = [_logit(x) for x in v]
    demi = stats.t.ppf(0.975, 2) * np.std(z, ddof=1) / math.sqrt(3)
    assert r["moyenne"] == pytest.approx(0.2)
    assert r["bas"] == pytest.approx(1 / (1 + math.exp(-(np.mean(z) - demi))))
    assert r["haut"] == pytest.approx(1 / (1 + math.exp(-(np.mean(z) + demi))))
    assert 0 < r["bas"] < 0.2 < r["haut"] < 1


def test_taux_nuls_intervalle_nul_et_un_seul_replicat():
    r = ic95(_cadre("taux_x", [0.0, 0.0, 0.0]), ["indicateur", "k"]).iloc[0]
    assert r["bas"] == 0.0 and r["haut"] == 0.0 and r["moyenne"] == 0.0
    r = ic95(_cadre("taux_x", [0.4]), ["indicateur", "k"]).iloc[0]
    assert r["bas"] == r["haut"] == 0.4 and r["n_replicats"] == 1


def test_volume_sur_l_echelle_log_et_coupe_a_zero_si_un_zero():
    r = ic95(_cadre("heures_accompagnement", [100.0, 200.0]), ["indicateur", "k"]).iloc[0]
    z = np.log([100.0, 200.0])
    demi = stats.t.ppf(0.975, 1) * np.std(z, ddof=1) / math.sqrt(2)
    assert r["bas"] == pytest.approx(math.exp(z.mean() - demi))
    assert r["haut"] == pytest.approx(math.exp(z.mean() + demi))
    r = ic95(_cadre("n_ruptures", [0.0, 10.0]), ["indicateur", "k"]).iloc[0]
    assert r["bas"] == 0.0 and r["haut"] == pytest.approx(5 + stats.t.ppf(0.975, 1) * np.std([0, 10], ddof=1) / 2 ** .5)


def test_ecart_en_student_ordinaire():
    r = ic95(_cadre("taux_non_recours", [-0.02, -0.01, -0.03]), ["indicateur", "k"], genre_fixe=LIBRE).iloc[0]
    demi = stats.t.ppf(0.975, 2) * 0.01 / math.sqrt(3)
    assert r["bas"] == pytest.approx(-0.02 - demi) and r["haut"] == pytest.approx(-0.02 + demi)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_un_taux_reste_entre_0_et_1(valeurs):
    r = ic95(_cadre("taux_x", valeurs), ["indicateur", "k"]).iloc[0]
    assert 0.0 <= r["bas"] <= r["moyenne"] + 1e-12 and r["moyenne"] - 1e-12 <= r["haut"] <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e7), min_size=1, max_size=8))
def test_un_volume_reste_positif(valeurs):
    r = ic95(_cadre("montant_non_verse", valeurs), ["indicateur", "k"]).iloc[0]
    assert 0.0 <= r["bas"] <= r["moyenne"] * (1 + 1e-12) + 1e-9


def test_replicats_necessaires():
    # d = 1, s = 1 : t(5) / √6 = 1,05 > 1 ; t(6) / √7 = 0,92 < 1 → 7 réplicats.
    assert replicats_necessaires(1.0, 1.0) == 7
    assert replicats_necessaires(-1.0, 1.0) == 7
    assert replicats_necessaires(0.0, 1.0) is None
    assert replicats_necessaires(0.5, 0.0) == 2
    assert replicats_necessaires(1e-6, 1.0) is None  # il en faudrait plus de 1 000


def test_formats_francais():
    assert F.pourcent(0.3125) == "31,2\u00a0%" or F.pourcent(0.3125) == "31,3\u00a0%"
    assert F.points(-0.028) == "\u22122,8\u00a0points" and F.points(0.01) == "+1,0\u00a0point"
    assert F.nombre(12345.4) == "12\u00a0345" and F.nombre(2.5e6) == "2,50\u00a0millions"
    assert F.valeur(1234.0, "heures_accompagnement") == "1\u00a0234\u00a0h"
    assert F.valeur(-500.0, "montant_non_verse", signe=True) == "\u2212500\u00a0€"
    assert F.date_longue("2015-06-01") == "1er juin 2015" and F.mois_annee("2027-12") == "décembre 2027"
