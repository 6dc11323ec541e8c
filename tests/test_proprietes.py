"""Propriétés du modèle entier : conservation, identités des indicateurs, reproductibilité, nombres aléatoires
communs, réponses monotones sur graines appariées.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from experiences.execution import SpecRun, executer_run
from modele.etat import ATTENTE, AUCUN, CLASSES, PERCOIT, PLUS_TARD
from modele.modele import ModeleNonRecours


def _verifier_etat(m: ModeleNonRecours, n: int) -> None:
    M = m.menages
    for f in dataclasses.fields(M):
        assert getattr(M, f.name).shape[0] == n, f.name
    # Partition : chaque couple éligible est dans exactement un des cinq états (perçoit, en cours dans le délai
    # normal, non-connaissance, non-demande, non-réception) ; les sous-types de non-réception partitionnent celle-ci.
    percoit = M.eligible & (M.statut == PERCOIT)
    classes = m.classes()
    en_cours = classes == CLASSES.index("en_cours_normal")
    nc, nd, nrec = m.types_non_recours()
    somme = percoit.astype(int) + en_cours + nc + nd + nrec
    assert (somme[M.eligible] == 1).all()
    assert (somme[~M.eligible] == 0).all()
    sous_types = sum((classes == CLASSES.index(f"non_reception_{k}")).astype(int)
                     for k in ("abandon", "rejet", "rupture", "attente"))
    assert np.array_equal(sous_types.astype(bool), nrec)
    assert np.array_equal(M.non_percu(), nc | nd | nrec | en_cours)
    # Une demande en cours est « dans son délai » ssi engagée depuis au plus le délai normal.
    delai = m.p["indicateurs.delai_traitement_normal"]
    assert (M.t_demande[en_cours] >= m.t - delai).all()
    # Un couple non éligible n'a ni demande ni droit.
    assert (M.statut[~M.eligible] == AUCUN).all()
    # Files : seulement des couples en attente, chacun dans une seule file.
    entrees = [(a.file["menage"], a.file["prestation"]) for a in m.acteurs]
    i = np.concatenate([e[0] for e in entrees])
    b = np.concatenate([e[1] for e in entrees])
    pres = b >= 0
    assert (M.statut[i[pres], b[pres]] == ATTENTE).all()
    cles = i[pres].astype(np.int64) * M.n_prestations + b[pres]
    # Files des guichets : les demandes encore valables (en attente, même date de démarche qu'à l'entrée ; les
    # autres, closes ailleurs depuis le passage au guichet, en sortent à son prochain service).
    for g in m.guichets:
        ig, bg = g.file["menage"], g.file["prestation"]
        v = (M.statut[ig, bg] == ATTENTE) & (M.t_prochain[ig, bg] == g.file["marque"])
        cles = np.concatenate([cles, ig[v].astype(np.int64) * M.n_prestations + bg[v]])
    assert np.unique(cles).size == cles.size
    # Réciproque : tout couple en attente est dans une file (d'un acteur ou d'un guichet), une seule.
    assert (M.statut == ATTENTE).sum() == cles.size


def test_conservation_pas_a_pas():
    n = 1500
    m = ModeleNonRecours(menages=n, graine=3, debut="2014-01", fin="2016-06")
    while m.running:
        m.step()
        _verifier_etat(m, n)
    assert m.t == m.calendrier.n_pas


@pytest.fixture(scope="module")
def series_ref(run_court):
    return run_court("reference", 11, 2000, "2014-01", "2016-12").series


def test_rodage_fait_vivre_les_echeances_initiales():
    # Les dates tirées à l'état initial comptent depuis le début du rodage : au premier relevé, aucune échéance
    # initiale n'est encore à venir en bloc, et l'usage en ligne sur 12 mois glissants est déjà à son régime (il
    # partait de 17 % en janvier 2014 quand les démarches courantes ne commençaient qu'au pas 0).
    m = ModeleNonRecours(menages=1500, graine=4, debut="2014-01", fin="2014-12")
    M = m.menages
    assert m.t == -m.rodage < 0
    for dates in (M.t_decision, M.t_renouvellement):
        d = np.asarray(dates)
        d = d[d < PLUS_TARD]
        assert d.size > 0 and d.min() >= m.t and d.max() < m.t + 60
    assert np.asarray(M.t_courante).min() >= m.t
    m.lancer()
    s = m.series()
    u = s[(s["indicateur"] == "taux_demarche_en_ligne") & (s["groupe"] == "ensemble")].set_index("date")["valeur"]
    assert abs(u["2014-01"] - u["2014-12"]) < 0.05, u.to_dict()


def _large(series: pd.DataFrame) -> pd.DataFrame:
    d = series[series["indicateur"].astype(str).str.startswith(("taux_non", "taux_en_cours"))]
    return d.pivot_table(index=["date", "prestation", "groupe"], columns="indicateur", values="valeur",
                         observed=True, dropna=False)


def test_identites_non_recours(series_ref):
    w = _large(series_ref)
    w = w[w["taux_non_recours"].notna()]
    assert len(w) > 500
    somme = w["taux_non_connaissance"] + w["taux_non_demande"] + w["taux_non_reception"]
    np.testing.assert_allclose(somme, w["taux_non_recours"], atol=1e-6)
    sous = sum(w[f"taux_non_reception_{k}"] for k in ("abandon", "rejet", "rupture", "attente"))
    np.testing.assert_allclose(sous, w["taux_non_reception"], atol=1e-6)
    np.testing.assert_allclose(w["taux_non_recours"] + w["taux_en_cours_normal"], w["taux_non_percu"], atol=1e-6)
    assert ((w["taux_non_recours"] >= 0) & (w["taux_non_recours"] <= 1)).all()
    # La non-proposition est un calque (part des non-recourants), pas une quatrième cause : elle touche aussi des
    # ménages qui connaissent leur droit, et chaque sous-type de non-réception existe.
    np_ = w["taux_non_proposition"].dropna()
    assert ((np_ >= 0) & (np_ <= 1)).all() and (np_ > 0).any()
    ens = w.xs("ensemble", level="groupe")
    assert (np_.xs("ensemble", level="groupe") > ens["taux_non_connaissance"] / ens["taux_non_recours"]).any()
    for k in ("abandon", "rejet", "rupture", "attente"):
        assert (ens[f"taux_non_reception_{k}"] > 0).any(), k


def test_identite_des_heures_sur_chaque_ligne(series_ref):
    # Offertes = servies + inutilisées + reportées, pour chaque acteur à capacité, par genre et par (genre,
    # territoire), chaque mois ; les genres par territoire somment au genre.
    d = series_ref[series_ref["indicateur"].astype(str).str.startswith("heures_")]
    d = d.assign(groupe=d["groupe"].astype(str), indicateur=d["indicateur"].astype(str), date=d["date"].astype(str))
    w = d.pivot_table(index=["date", "groupe"], columns="indicateur", values="valeur", dropna=False)
    cap = w[w["heures_offertes"].notna()]
    assert len(cap) > 100 and (cap["heures_offertes"] >= 0).all() and (cap["heures_offertes"] > 0).mean() > 0.5
    np.testing.assert_allclose(cap["heures_servies"] + cap["heures_inutilisees"] + cap["heures_reportees"],
                               cap["heures_offertes"], rtol=1e-9, atol=1e-6)
    # Les heures servies sont celles de toutes les postures (heures_accompagnement).
    genre = w[w.index.get_level_values("groupe").str.startswith("acteur=")]
    np.testing.assert_allclose(genre["heures_servies"], genre["heures_accompagnement"], rtol=1e-9, atol=1e-6)
    gz = w[w.index.get_level_values("groupe").str.startswith("acteur_territoire=")].reset_index()
    gz["acteur"] = "acteur=" + gz["groupe"].str.split("=").str[1].str.split(":").str[0]
    tot = gz.groupby(["date", "acteur"])[["heures_servies", "heures_demande_non_servie"]].sum()
    ref = genre.reset_index().set_index(["date", "groupe"])[["heures_servies", "heures_demande_non_servie"]]
    ref.index.names = ["date", "acteur"]
    pd.testing.assert_frame_equal(tot.sort_index(), ref.sort_index(), check_exact=False, atol=1e-6)
    # Entourage : un temps propre à chaque ménage, compté comme une capacité ; service payant : pas de capacité.
    fam = w.xs("acteur=famille", level="groupe")
    assert fam["heures_offertes"].notna().all() and (fam["heures_servies"] > 0).any()
    assert w.xs("acteur=prestataire_prive", level="groupe")["heures_offertes"].isna().all()
    dem = series_ref[(series_ref["indicateur"] == "n_demandes_aide") & (series_ref["groupe"] == "acteur=famille")]
    assert (dem["valeur"] > 0).any()


def test_effectifs_coherents(series_ref):
    d = series_ref[series_ref["groupe"].astype(str) == "ensemble"]
    el = d[d.indicateur == "n_eligibles"].set_index(["date", "prestation"])["valeur"]
    be = d[d.indicateur == "n_beneficiaires"].set_index(["date", "prestation"])["valeur"]
    assert (be <= el).all() and (el > 0).all()
    # Les groupes d'âge partitionnent l'ensemble.
    a = series_ref[(series_ref.indicateur == "n_eligibles")
                   & series_ref["groupe"].astype(str).str.startswith("age=")]
    par_age = a.groupby(["date", "prestation"], observed=True)["valeur"].sum()
    pd.testing.assert_series_equal(par_age.sort_index(), el.sort_index(), check_names=False)


def test_meme_graine_memes_tables_autre_graine_autres():
    spec = SpecRun(menages=500, graine=5, debut="2014-01", fin="2014-12")
    a, b = executer_run(spec), executer_run(spec)
    pd.testing.assert_frame_equal(a.series, b.series)
    c = executer_run(dataclasses.replace(spec, graine=6))
    assert not np.allclose(a.series["valeur"].fillna(-1), c.series["valeur"].fillna(-1))


def test_nombres_aleatoires_communs(tmp_path):
    """Deux scénarios qui ne diffèrent qu'à partir de D ont les mêmes séries avant D, pas après."""
    (tmp_path / "ferme_cpam.toml").write_text("""
[scenario]
nom = "ferme_cpam"
question = "test : fermeture totale des guichets CPAM au 1er juillet 2014"
base = "reference"
[[interventions]]
type = "fermeture_guichets"
date = "2014-07-01"
operateur = "cpam"
zones = "toutes"
part = 1.0
""", encoding="utf-8")
    kw = dict(menages=1500, graine=2, debut="2014-01", fin="2014-12")
    ref = executer_run(SpecRun(scenario="reference", **kw)).series
    alt = executer_run(SpecRun(scenario=str(tmp_path / "ferme_cpam.toml"), **kw)).series
    cols = ["date", "indicateur", "prestation", "groupe", "valeur"]
    ref, alt = ref[cols].copy(), alt[cols].copy()
    avant_r, avant_a = ref[ref.date.astype(str) < "2014-07"], alt[alt.date.astype(str) < "2014-07"]
    assert len(avant_r) > 0
    pd.testing.assert_frame_equal(avant_r.reset_index(drop=True), avant_a.reset_index(drop=True))
    apres_r, apres_a = ref[ref.date.astype(str) >= "2014-07"], alt[alt.date.astype(str) >= "2014-07"]
    cap = apres_a[(apres_a.indicateur == "capacite_guichets") & (apres_a.groupe == "operateur=cpam")]
    assert (cap["valeur"] == 0).all()
    assert not np.allclose(apres_r["valeur"].fillna(-1).to_numpy(), apres_a["valeur"].fillna(-1).to_numpy())


def _moyenne(series, indicateur, groupe="ensemble", depuis="2015-01"):
    d = series[(series.indicateur == indicateur) & (series.groupe.astype(str) == groupe)
               & (series.date.astype(str) >= depuis)]
    return float(d["valeur"].mean())


GRAINES = (1, 2, 3)
SANS_GUICHETS = tuple(sorted({f"guichets.{o}.visites_pour_10000": 0.0 for o in ("caf", "cpam", "carsat")}.items()))


@pytest.mark.lent
def test_moins_de_guichets_pas_moins_de_non_recours(run_court):
    ecarts = []
    for g in GRAINES:
        base = run_court("reference", g, 2000, "2014-01", "2015-12").series
        sans = run_court("reference", g, 2000, "2014-01", "2015-12", SANS_GUICHETS).series
        ecarts.append(_moyenne(sans, "taux_non_recours") - _moyenne(base, "taux_non_recours"))
        # Sans guichet ouvert, la demande au guichet disparaît (le canal n'est plus proposé).
        assert _moyenne(sans, "demande_guichets", "operateur=caf") == 0
        assert _moyenne(base, "demande_guichets", "operateur=caf") > 0
    print("écarts de non-recours (sans guichets − référence) :", ecarts)
    assert np.mean(ecarts) > 0.0


# Des files chez les travailleurs sociaux : beaucoup de recours aux acteurs après un échec en ligne, et l'attente
# annoncée ne détourne pas les ménages et l'offre locale n'attire pas de demande (`elasticite_offre_acteurs` nulle :
# sinon la demande elle-même dépend des heures, et au-delà d'une élasticité de 1, comme dans la référence calibrée
# par l'ensemble (2,14), plus d'heures attirent plus de demande qu'elles n'en servent). Avec la table des droits,
# les défauts n'y font presque pas de file (attente moyenne ≈ 0,12 semaine, une demande arrivée après le service
# de la semaine attend le suivant quelles que soient les heures) : la comparaison n'y mesurerait que le bruit.
FILES_TS = (("demarches.elasticite_offre_acteurs", 0.0), ("demarches.poids_attente_acteur", 0.0),
            ("demarches.repli_acteur", 2.0))


def test_plus_d_heures_d_aide_pas_plus_d_attente(run_court):
    plus = tuple(sorted(FILES_TS + (("acteurs.travailleur_social.heures_pour_10000", 60.0),)))
    a_base, a_plus = [], []
    for g in GRAINES:
        base = run_court("reference", g, 2000, "2014-01", "2015-12", FILES_TS).series
        renf = run_court("reference", g, 2000, "2014-01", "2015-12", plus).series
        a_base.append(_moyenne(base, "attente_moyenne", "acteur=travailleur_social"))
        a_plus.append(_moyenne(renf, "attente_moyenne", "acteur=travailleur_social"))
    print("attente moyenne chez les travailleurs sociaux (base, plus d'heures) :", np.mean(a_base), np.mean(a_plus))
    assert np.mean(a_plus) <= np.mean(a_base)
    assert np.mean(a_base) > 0
