"""Cibles de calibration : valeurs exactes sur de petites séries construites à la main."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiences.calibration import cibles as C
from modele.indicateurs import somme_des_pas
from modele.parametres import ErreurEntree


def _serie(lignes, replicat=0):
    """lignes : (date, indicateur, prestation, groupe, valeur)."""
    df = pd.DataFrame(lignes, columns=["date", "indicateur", "prestation", "groupe", "valeur"])
    df.insert(0, "replicat", replicat)
    for col in ("date", "indicateur", "prestation", "groupe"):
        df[col] = df[col].astype("category")
    return df


def _mensuel(annee, indicateur, prestation, groupe, valeurs):
    return [(f"{annee}-{m:02d}", indicateur, prestation, groupe, v) for m, v in zip(range(1, 13), valeurs)]


def test_c1_moyenne_des_fins_de_trimestre_seulement():
    # Mois de fin de trimestre : 0.30, 0.32, 0.36, 0.38 (moyenne 0.34) ; les autres mois valent 0.9 et 2019 aussi.
    v = [0.9, 0.9, 0.30, 0.9, 0.9, 0.32, 0.9, 0.9, 0.36, 0.9, 0.9, 0.38]
    # C1 lit le non perçu (convention DREES, demandes en cours comprises), pas le non-recours.
    s = _serie(_mensuel(2018, "taux_non_percu", "rsa", "ensemble", v)
               + _mensuel(2018, "taux_non_recours", "rsa", "ensemble", [0.5] * 12)
               + _mensuel(2019, "taux_non_percu", "rsa", "ensemble", [0.9] * 12)
               + _mensuel(2018, "taux_non_percu", "rsa", "age=18-29", [0.0] * 12)
               + _mensuel(2018, "taux_non_percu", "prime_activite", "ensemble", [0.0] * 12))
    assert C.c1_rsa_trimestriel(s) == pytest.approx(0.34)


def test_c2_persistant_et_c4_pa_annees_distinctes():
    s = _serie([("2018-03", "taux_non_recours_persistant", "rsa", "ensemble", 0.1),
                ("2018-06", "taux_non_recours_persistant", "rsa", "ensemble", 0.2),
                ("2018-09", "taux_non_recours_persistant", "rsa", "ensemble", 0.3),
                ("2018-12", "taux_non_recours_persistant", "rsa", "ensemble", 0.2),
                ("2017-12", "taux_non_recours_persistant", "rsa", "ensemble", 0.9)]
               + _mensuel(2016, "taux_non_percu", "prime_activite", "ensemble", [0.3] * 11 + [0.18]))
    assert C.c2_rsa_persistant(s) == pytest.approx(0.2)
    assert C.c4_prime_activite(s) == pytest.approx((0.3 * 3 + 0.18) / 4)


def test_c3_moyenne_annuelle_des_douze_mois():
    v = list(np.linspace(0.2, 0.42, 12))
    s = _serie(_mensuel(2021, "taux_non_percu", "css_gratuite", "ensemble", v)
               + _mensuel(2022, "taux_non_percu", "css_gratuite", "ensemble", [1.0] * 12))
    assert C.c3_css_gratuite(s) == pytest.approx(np.mean(v))


def test_c5_c6_releve_de_decembre_2021():
    s = _serie([("2021-11", "taux_demarche_en_ligne", "toutes", "ensemble", 0.5),
                ("2021-12", "taux_demarche_en_ligne", "toutes", "ensemble", 0.67),
                ("2021-12", "taux_demarche_en_ligne", "toutes", "age=75+", 0.1),
                ("2021-12", "taux_abandon_en_ligne", "toutes", "ensemble", 0.32),
                ("2021-12", "taux_abandon_definitif", "toutes", "ensemble", 0.08),
                ("2021-12", "taux_aide_sans_demarche_en_ligne", "toutes", "ensemble", 0.25)])
    assert C.c5a_demarche_en_ligne(s) == pytest.approx(0.67)
    assert C.c5b_abandon_en_ligne(s) == pytest.approx(0.32)
    assert C.c5c_abandon_definitif(s) == pytest.approx(0.08)
    assert C.c6_aide_sans_en_ligne(s) == pytest.approx(0.25)


def test_c7_demandes_pour_1000_habitants():
    # 12 mois × 100 demandes = 1 200 demandes ; 5 000 ménages × 2 personnes = 10 000 habitants → 120 pour 1 000.
    s = _serie(_mensuel(2023, "n_demandes_aide", "toutes", "acteur=france_services", [100.0] * 12)
               + _mensuel(2023, "n_demandes_aide", "toutes", "acteur=famille", [999.0] * 12)
               + _mensuel(2022, "n_demandes_aide", "toutes", "acteur=france_services", [999.0] * 12))
    assert C.c7_france_services(s, menages=5000, personnes_par_menage=2.0) == pytest.approx(120.0)


def test_c7_annee_incomplete_donne_nan():
    s = _serie(_mensuel(2023, "n_demandes_aide", "toutes", "acteur=france_services", [100.0] * 12)[:6])
    assert math.isnan(C.c7_france_services(s, menages=5000, personnes_par_menage=2.0))


def test_c8_aidants_connect_somme_des_genres_pour_1000_habitants():
    # 2023 : France Services 10 par mois, travailleurs sociaux 5 par mois → 180 démarches ; famille NaN (sans file) ;
    # 2022 ignoré ; 5 000 ménages × 2 personnes = 10 000 habitants → 18 pour 1 000.
    s = _serie(_mensuel(2023, "n_demarches_aidants_connect", "toutes", "acteur=france_services", [10.0] * 12)
               + _mensuel(2023, "n_demarches_aidants_connect", "toutes", "acteur=travailleur_social", [5.0] * 12)
               + _mensuel(2023, "n_demarches_aidants_connect", "toutes", "acteur=famille", [float("nan")] * 12)
               + _mensuel(2022, "n_demarches_aidants_connect", "toutes", "acteur=france_services", [999.0] * 12)
               + _mensuel(2023, "n_episodes_aide", "toutes", "acteur=france_services", [999.0] * 12))
    assert C.c8_aidants_connect(s, menages=5000, personnes_par_menage=2.0) == pytest.approx(18.0)
    # Une année incomplète (un genre sans ses 12 relevés) ou un indicateur absent : NaN.
    incomplet = _serie(_mensuel(2023, "n_demarches_aidants_connect", "toutes", "acteur=france_services",
                                [10.0] * 12)[:11])
    assert math.isnan(C.c8_aidants_connect(incomplet, menages=5000, personnes_par_menage=2.0))
    assert math.isnan(C.c8_aidants_connect(_serie([("2023-12", "n_episodes_aide", "toutes", "acteur=famille", 1.0)]),
                                           menages=5000, personnes_par_menage=2.0))


def test_c9_releve_de_decembre_2022_des_conseillers_numeriques():
    # Cumul de l'année : le relevé de décembre (64 ménages distincts) compte, pas la somme des mois ni novembre ;
    # 1 000 ménages × 2 personnes → 32 pour 1 000.
    s = _serie(_mensuel(2022, "n_personnes_accompagnees", "toutes", "acteur=conseiller_numerique",
                        [5.0 * m for m in range(1, 12)] + [64.0])
               + _mensuel(2022, "n_personnes_accompagnees", "toutes", "acteur=france_services", [999.0] * 12)
               + [("2023-12", "n_personnes_accompagnees", "toutes", "acteur=conseiller_numerique", 999.0)])
    assert C.c9_conseillers_numeriques(s, menages=1000, personnes_par_menage=2.0) == pytest.approx(32.0)
    assert math.isnan(C.c9_conseillers_numeriques(s[s["date"].astype(str) != "2022-12"], menages=1000,
                                                  personnes_par_menage=2.0))


def test_compteur_des_menages_servis_distincts_et_des_episodes_aidants_connect():
    from modele.indicateurs import Compteurs

    c = Compteurs(2)
    c.noter_service(3, np.array([4, 4, 7]), 10, t=5, n_aidants_connect=2)
    c.noter_service(3, np.array([7, 9]), 10, t=8, n_aidants_connect=0)
    c.noter_service(1, np.array([4]), 10, t=8, n_aidants_connect=1)
    assert c.aidants_connect.tolist()[1] == 1 and c.aidants_connect.tolist()[3] == 2
    assert (c.dernier_service[3] >= 0).sum() == 3  # ménages 4, 7, 9 : distincts
    assert (c.dernier_service[3] >= 6).sum() == 2  # depuis la semaine 6 : 7 et 9
    c.remettre()  # flux du mois remis à zéro ; la mémoire des ménages servis (cumul de l'année) reste
    assert c.aidants_connect.sum() == 0 and (c.dernier_service[3] >= 0).sum() == 3


@pytest.mark.lent
def test_indicateurs_aidants_connect_et_personnes_accompagnees_identites(run_court):
    ref = run_court("reference", 5, 1500, "2021-07", "2022-06").series
    ac = run_court("aidants_connect_generalise", 5, 1500, "2021-07", "2022-06").series

    def tab(series, ind):
        d = series[series["indicateur"].astype(str) == ind]
        return d.assign(date=d["date"].astype(str), groupe=d["groupe"].astype(str)).pivot(
            index="date", columns="groupe", values="valeur")

    pros = ["acteur=travailleur_social", "acteur=france_services", "acteur=conseiller_numerique", "acteur=association"]
    # Référence : aucun aidant habilité avant 2022, aucune démarche sous Aidants Connect ; puis un déploiement
    # partiel (aidants habilités à titre individuel) ; famille et service payant : NaN.
    r = tab(ref, "n_demarches_aidants_connect")
    assert (r.loc[r.index < "2022-01", pros] == 0).all().all()
    assert r[["acteur=famille", "acteur=prestataire_prive"]].isna().all().all()
    # Habilitation de tous les professionnels au 1er janvier 2022 : rien avant, puis des épisodes « à la place »,
    # au plus les épisodes achevés.
    a, place, ep = (tab(ac, i)[pros] for i in ("n_demarches_aidants_connect", "heures_faire_a_la_place",
                                               "n_episodes_aide"))
    assert (a.loc[a.index < "2022-01"] == 0).all().all()
    apres = a.index > "2022-01"  # le relevé de janvier compte la dernière semaine de décembre
    assert a.loc[apres].sum().sum() > 0
    # Chaque démarche Aidants Connect est un épisode « à la place » d'au moins un rendez-vous : des heures « à la
    # place » dans le même mois.
    assert ((a.loc[apres] == 0) | (place.loc[apres] > 0)).all().all()
    assert (a <= ep).all().all()
    # Ménages distincts servis depuis le 1er janvier : croissant dans l'année, au plus la somme des rendez-vous de
    # l'année (un épisode en a un ou plusieurs), et repart de zéro en janvier.
    n, ep = tab(ref, "n_personnes_accompagnees")[pros], tab(ref, "n_rendez_vous_aide")[pros]
    assert (tab(ref, "n_episodes_aide")[pros] <= ep + 1e-9).all().all()
    # Les épisodes sont un flux publié en moyenne hebdomadaire × 52/12 : ramenés à leur somme brute sur les pas du
    # mois (`semaines_releve`) pour les comparer à un effectif.
    sem = tab(ref, "semaines_releve")["ensemble"]
    ep = pd.DataFrame(somme_des_pas(ep.to_numpy(), sem.reindex(ep.index).to_numpy()[:, None]), index=ep.index,
                      columns=ep.columns).round(6)
    for annee in ("2021", "2022"):
        dans = n.loc[n.index.str.startswith(annee)]
        assert (dans.diff().dropna() >= 0).all().all()
        assert (dans <= ep.loc[ep.index.str.startswith(annee)].cumsum().reindex(dans.index)).all().all()
    assert n.loc["2021-12"].sum() > n.loc["2022-01"].sum() > 0


def test_cible_absente_donne_nan_et_perte_penalisee():
    s = _serie([("2015-03", "taux_non_recours", "rsa", "ensemble", 0.3)])
    assert math.isnan(C.c1_rsa_trimestriel(s))
    cibles = C.charger_cibles(ids=["C1", "C4"])
    assert C.perte({"C1": float("nan"), "C4": 0.27}, cibles) == pytest.approx(100.0)


def test_perte_somme_des_ecarts_normes_au_carre():
    cibles = C.charger_cibles(ids=["C1", "C7"])
    c1, c7 = cibles
    # C1 : écart d'une tolérance ; C7 : écart de deux tolérances → 1 + 4.
    assert C.perte({"C1": c1.valeur + c1.tolerance, "C7": c7.valeur - 2 * c7.tolerance}, cibles) == pytest.approx(5.0)


def test_fichier_des_cibles_complet_et_conforme_a_la_source():
    cibles = C.charger_cibles()
    assert [c.id for c in cibles] == ["C1", "C2", "C3", "C4", "C5a", "C5b", "C5c", "C6", "C7", "C8", "C9"]
    par_id = {c.id: c for c in cibles}
    # Fichier de cibles partagé (ajout du 2026-12-01) : même unité, fenêtre, année, valeur, tolérance.
    assert (par_id["C8"].valeur, par_id["C8"].tolerance, par_id["C8"].annee) == (2.3, 1.2, 2023)
    assert (par_id["C9"].valeur, par_id["C9"].tolerance, par_id["C9"].annee) == (32, 10, 2022)
    assert par_id["C8"].unite == "demarches par an pour 1000 habitants" and par_id["C8"].fenetre == "annee"
    assert par_id["C9"].unite == "personnes accompagnees par an pour 1000 habitants"
    assert par_id["C8"].source.startswith("[lagazette_aidants_connect]")
    assert par_id["C9"].source.startswith("[anct2022_cnfs]")
    assert par_id["C1"].valeur == 0.34 and par_id["C1"].annee == 2018
    assert par_id["C7"].valeur == 132 and par_id["C7"].tolerance == 30


def test_synthese_par_replicats_intervalle_et_verdicts():
    cibles = C.charger_cibles(ids=["C1", "C5a", "C6"])
    lignes = []
    for r, (v1, v5, v6) in enumerate([(0.33, 0.60, 0.40), (0.35, 0.62, 0.41), (0.34, 0.64, 0.39)]):
        lignes += [{"replicat": r, "cible": "C1", "valeur": v1}, {"replicat": r, "cible": "C5a", "valeur": v5},
                   {"replicat": r, "cible": "C6", "valeur": v6}]
    syn = C.synthese(pd.DataFrame(lignes), cibles).set_index("cible")
    assert syn.loc["C1", "modele"] == pytest.approx(0.34)
    assert syn.loc["C1", "verdict"] == "atteinte"
    # IC 95 % de Student à 2 ddl : 4,303 × 0,01 / √3.
    assert syn.loc["C1", "ic95_haut"] - syn.loc["C1", "modele"] == pytest.approx(4.3027 * 0.01 / np.sqrt(3), rel=1e-3)
    # C5a : moyenne 0,62 (écart 0,05 > 0,04) mais IC [0,57 ; 0,67] recoupe [0,63 ; 0,71] → compatible.
    assert syn.loc["C5a", "verdict"] == "compatible"
    assert syn.loc["C6", "verdict"] == "manquée"
    assert (syn["replicats"] == 3).all()


def test_valeurs_par_replicat_separe_les_replicats():
    a = _serie([("2021-12", "taux_demarche_en_ligne", "toutes", "ensemble", 0.6)], replicat=0)
    b = _serie([("2021-12", "taux_demarche_en_ligne", "toutes", "ensemble", 0.7)], replicat=1)
    s = pd.concat([a, b], ignore_index=True)
    out = C.valeurs_par_replicat(s, C.charger_cibles(ids=["C5a"]), menages=100, personnes_par_menage=2.2)
    assert out.sort_values("replicat")["valeur"].tolist() == pytest.approx([0.6, 0.7])


def test_fichier_de_cibles_invalide(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[cible]]\nid = "C99"\nvaleur = 1.0\ntolerance = 0.1\nannee = 2020\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="C99"):
        C.charger_cibles(f)
    f.write_text('[[cible]]\nid = "C1"\nvaleur = 1.0\ntolerance = 0\nannee = 2020\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="Tolérance"):
        C.charger_cibles(f)
    with pytest.raises(ErreurEntree, match="Cible inconnue"):
        C.charger_cibles(ids=["C42"])


@pytest.mark.lent
def test_cibles_calculees_sur_une_vraie_execution(run_court):
    res = run_court("reference", 3, 600, "2016-01", "2023-12")
    v = C.valeurs_modele(res.series, C.charger_cibles(), menages=600, personnes_par_menage=2.2)
    for cle in ("C1", "C2", "C3", "C4", "C5a", "C5b", "C5c", "C6"):
        assert 0.0 <= v[cle] <= 1.0, cle
    assert v["C7"] > 0
    assert v["C8"] >= 0  # habilitation partielle à partir de 2022 : peu de démarches à 600 ménages
    # C8 ramène à 1 000 habitants les démarches Aidants Connect de 2023 : nulle seulement si aucune n'a eu lieu.
    ac = res.series[(res.series["indicateur"] == "n_demarches_aidants_connect")
                    & res.series["date"].astype(str).str.startswith("2023")]["valeur"].sum()
    assert (v["C8"] > 0) == (ac > 0)
    assert v["C9"] >= 0
