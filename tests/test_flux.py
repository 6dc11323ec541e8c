"""Flux mensuels indépendants de la façon dont les semaines tombent dans les mois (issue 13, point 4).

Un flux (somme sur les pas du mois) est publié en moyenne hebdomadaire × 52/12 ; le dernier mois incomplet est
signalé ; les totaux annuels et « 12 derniers mois » couvrent exactement 52 semaines ; tout indicateur produit est
classé flux ou état.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE, lundis_du_mois
from modele.indicateurs import (
    INDICATEURS_ETAT,
    INDICATEURS_FLUX,
    flux_mensuel,
    mois_incomplets,
    resume,
    sans_mois_incomplets,
    total_flux,
    totaux_flux,
)
from modele.modele import ModeleNonRecours

STABLE = ('[scenario]\nnom = "stable"\nquestion = "entrées constantes : aucune intervention"\n'
          'calibration = false\n')
MENAGES = 20000


@pytest.fixture(scope="module")
def stable(tmp_path_factory):
    """Scénario sans intervention, 2014-2015 (fin un vendredi : décembre 2015 n'a que 3 de ses 4 lundis), avec les
    heures et les pas de chaque relevé lus dans les compteurs juste avant le relevé (sommes hebdomadaires réelles)."""
    chemin = tmp_path_factory.mktemp("flux") / "stable.toml"
    chemin.write_text(STABLE, encoding="utf-8")
    m = ModeleNonRecours(scenario=str(chemin), menages=MENAGES, graine=3, debut="2014-01", fin="2015-12")
    brut = []
    relever = m.releve.relever

    def espion():
        brut.append((m.calendrier.date(m.t - 1).isoformat()[:7], float(m.compteurs.heures[:, 0].sum()),
                     float(m.compteurs.episodes.sum()), m.compteurs.semaines))
        relever()

    m.releve.relever = espion
    m.lancer()
    return m.series(), pd.DataFrame(brut, columns=["date", "heures", "episodes", "semaines"]).set_index("date")


def _total_mois(series, indicateur):
    d = series[series["indicateur"].astype(str) == indicateur]
    return d.groupby(d["date"].astype(str))["valeur"].sum()


def test_annee_stable_sans_dent_de_scie(stable):
    # Entrées constantes : d'un mois à l'autre, les heures ne sautent pas au-delà du bruit. Bruit : celui d'un
    # compte de Poisson d'épisodes (écart-type relatif 1/√n par mois, √2 fois plus pour une différence), 4 σ.
    # Avec des sommes mensuelles brutes, les mois de 5 lundis pèsent 25 % de plus que ceux de 4 (+28 % mesuré).
    series, _ = stable
    series = sans_mois_incomplets(series)
    h = _total_mois(series, "heures_accompagnement")
    ep = _total_mois(series, "n_episodes_aide")
    h, ep = h[h.index.str.startswith("2015")], ep[ep.index.str.startswith("2015")]
    assert len(h) == 11  # décembre 2015, incomplet, est retiré
    seuil = 4 * np.sqrt(2.0 / ep.mean())
    sauts = np.abs(np.diff(h.to_numpy())) / h.mean()
    assert sauts.max() < seuil, (sauts.round(3), seuil)
    lundis = np.array([lundis_du_mois(d) for d in h.index])
    rapport = h[lundis == 5].mean() / h[lundis == 4].mean()
    assert abs(rapport - 1) < 2 * seuil / np.sqrt(2), rapport


def test_flux_publie_moyenne_hebdomadaire(stable):
    # Identité, relevé par relevé : valeur publiée = somme réelle des pas / pas × 52/12.
    series, brut = stable
    h = _total_mois(series, "heures_accompagnement")
    attendu = brut["heures"] / brut["semaines"] * SEMAINES_PAR_MOIS_RELEVE
    assert np.allclose(h.reindex(brut.index).to_numpy(), attendu.to_numpy(), rtol=1e-9)
    sem = series[series["indicateur"].astype(str) == "semaines_releve"]
    assert sem.set_index(sem["date"].astype(str))["valeur"].reindex(brut.index).tolist() == brut["semaines"].tolist()
    assert flux_mensuel(10.0, 5) == pytest.approx(10.0 / 5 * 52 / 12)


def test_dernier_mois_incomplet_signale(stable):
    series, brut = stable
    assert brut.loc["2015-12", "semaines"] == 3 and lundis_du_mois("2015-12") == 4
    assert mois_incomplets(series) == ["2015-12"]
    assert "2015-12" not in set(sans_mois_incomplets(series)["date"].astype(str))
    # Tous les autres mois comptent tous leurs lundis.
    autres = brut.drop(index="2015-12")
    assert autres["semaines"].tolist() == [lundis_du_mois(d) for d in autres.index]


def test_totaux_sur_52_semaines(stable):
    series, brut = stable
    d = series[series["date"].astype(str).str.startswith("2015")]
    b = brut[brut.index.str.startswith("2015")]
    assert b["semaines"].sum() == 51  # 52 lundis en 2015, le dernier n'est pas simulé
    h = d[d["indicateur"].astype(str).isin(["heures_accompagnement", "semaines_releve"])]
    reel = totaux_flux(h, ["indicateur"], sur=None)["heures_accompagnement"]
    assert reel == pytest.approx(b["heures"].sum(), rel=1e-9)  # somme des semaines réelles
    sur52 = totaux_flux(h, ["indicateur"])["heures_accompagnement"]
    assert sur52 == pytest.approx(b["heures"].sum() / 51 * 52, rel=1e-9)
    r = resume(series)
    assert r["annee_resume"] == 2015 and r["semaines_resume"] == 51
    assert r["heures_accompagnement_france_services"] + sum(
        v for k, v in r.items() if k.startswith("heures_accompagnement_") and not k.endswith("france_services")
    ) == pytest.approx(sur52, rel=1e-9)
    # 2014 : 52 semaines simulées, le total est la somme réelle.
    b14 = brut[brut.index.str.startswith("2014")]
    assert b14["semaines"].sum() == 52
    assert resume(series, 2014)["semaines_resume"] == 52


def test_total_flux_a_la_main():
    # Un flux de 10 par semaine, mois de 4 et 5 semaines : chaque relevé vaut 10 × 52/12, le total 520.
    semaines = [lundis_du_mois(f"2027-{m:02d}") for m in range(1, 13)]
    assert sum(semaines) == 52
    valeurs = [flux_mensuel(10.0 * w, w) for w in semaines]
    assert np.allclose(valeurs, 10.0 * 52 / 12)
    assert total_flux(valeurs, semaines) == pytest.approx(520.0)
    assert total_flux(valeurs, semaines, sur=None) == pytest.approx(520.0)
    # Dernier mois de 3 semaines sur 4 : somme réelle 510, ramenée à 52 semaines : 520.
    semaines[-1] = 3
    valeurs[-1] = flux_mensuel(30.0, 3)
    assert total_flux(valeurs, semaines, sur=None) == pytest.approx(510.0)
    assert total_flux(valeurs, semaines) == pytest.approx(520.0)
    # Par exécution (colonnes scenario, replicat) : chaque exécution a ses semaines.
    lignes = []
    for rep, x in ((0, 10.0), (1, 20.0)):
        for k, w in enumerate(semaines):
            date = f"2027-{k + 1:02d}"
            lignes.append(("s", rep, date, "n_ruptures", "rsa", "ensemble", flux_mensuel(x * w, w)))
            lignes.append(("s", rep, date, "semaines_releve", "toutes", "ensemble", float(w)))
    df = pd.DataFrame(lignes, columns=["scenario", "replicat", "date", "indicateur", "prestation", "groupe",
                                       "valeur"])
    t = totaux_flux(df, ["scenario", "replicat"], run=["scenario", "replicat"])
    assert t.tolist() == pytest.approx([520.0, 1040.0])


def test_tout_indicateur_classe(run_court):
    r = run_court("reference", 5, 300, "2014-01", "2014-06")
    produits = set(r.series["indicateur"].astype(str).unique())
    assert not INDICATEURS_FLUX & INDICATEURS_ETAT
    assert produits - INDICATEURS_FLUX - INDICATEURS_ETAT == set()
    assert "taux_non_recours_persistant" in produits and "semaines_releve" in produits


def test_horizon_de_la_comparaison_sur_52_semaines():
    # Deux réplicats, 10 puis 20 heures par semaine pour un acteur, mois de 4 et 5 lundis, décembre réduit à 3 pas :
    # les heures « 12 derniers mois » du rapport valent 52 semaines, 520 et 1 040 (la somme des relevés mensuels
    # ferait 520 × 52/12 / 4,33… ; l'ancienne somme des pas, 510 et 1 020).
    from experiences.comparaison.ecarts import horizon_par_run

    lignes = []
    for rep, x in ((0, 10.0), (1, 20.0)):
        for k in range(12):
            date = f"2027-{k + 1:02d}"
            w = 3 if k == 11 else lundis_du_mois(date)
            lignes.append(("ref", rep, date, "heures_accompagnement", "toutes", "acteur=france_services",
                           flux_mensuel(x * w, w)))
            lignes.append(("ref", rep, date, "semaines_releve", "toutes", "ensemble", float(w)))
            lignes.append(("ref", rep, date, "taux_non_recours", "rsa", "ensemble", 0.3))
    df = pd.DataFrame(lignes, columns=["scenario", "replicat", "date", "indicateur", "prestation", "groupe",
                                       "valeur"])
    h = horizon_par_run(df)
    tous = h[(h["indicateur"] == "heures_accompagnement") & (h["detail"] == "tous")].sort_values("replicat")
    assert tous["valeur"].tolist() == pytest.approx([520.0, 1040.0])
    fs = h[(h["indicateur"] == "heures_accompagnement") & (h["detail"] == "france_services")]
    assert sorted(fs["valeur"]) == pytest.approx([520.0, 1040.0])


def test_page_heures_par_semaine_sans_mois_incomplet(stable):
    # La page pédagogique trace la moyenne hebdomadaire réelle de chaque mois complet ; le mois incomplet est retiré.
    from types import SimpleNamespace

    from experiences.visualisation.figures import Historique

    series, brut = stable
    blocs = [b for _, b in series.groupby(["date", "indicateur"], observed=True)]
    h = Historique()
    h.lire(SimpleNamespace(releve=SimpleNamespace(blocs=blocs)))
    tab = h.par_semaine("heures_accompagnement").sum(axis=1)
    dates = [d.strftime("%Y-%m") for d in tab.index]
    assert "2015-12" not in dates and len(dates) == 23
    attendu = (brut["heures"] / brut["semaines"]).reindex(dates)
    assert np.allclose(tab.to_numpy(), attendu.to_numpy(), rtol=1e-9)
