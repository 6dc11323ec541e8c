"""Ménages en euros, événements de vie, renouvellement sans fusion de vies, marges de la population."""

import numpy as np
import pytest

from experiences.population.marges import (
    CALCULS,
    CONNU,
    TENUE,
    Contexte,
    charger_marges,
    construire,
    evaluer,
    niveau_de_vie_apres_prestations,
)
from experiences.recit import recit
from modele import evenements
from modele.etat import CHOMAGE, EMPLOI, EVENEMENTS_VIE, RETRAITE
from modele.modele import ModeleNonRecours
from modele.parametres import ErreurEntree, Parametres
from modele.population import creer_menages, ecarts_illectronisme, poids_adultes, sigmoide, tranche

SANS_EVENEMENT = {f"evenements.taux_{e}": 0.0 for e in ("perte_emploi", "reprise_emploi", "invalidite", "separation",
                                                       "mise_en_couple", "naissance", "demenagement")}


def test_recits_jamais_meles():
    # Cinq ans, tous les ménages suivis : des ménages partent, d'autres arrivent dans leurs cases.
    m = ModeleNonRecours(menages=400, graine=5, debut="2014-01", fin="2018-12", suivre=list(range(400)),
                         surcharges={"population.dissolution_avant_45": 0.2})
    m.lancer()
    ev = m.journal.evenements
    departs = {e[1]: e[0] for e in ev if e[3] == "depart"}
    arrivees = {e[1]: e[0] for e in ev if e[3] == "nouveau_menage"}
    assert len(departs) > 50 and len(arrivees) == len(departs)  # chaque case libérée est reprise
    assert sum(e[3] == "depart" for e in ev) == len(departs), "un identifiant ne part qu'une fois"
    assert sum(e[3] == "nouveau_menage" for e in ev) == len(arrivees), "un identifiant n'arrive qu'une fois"
    assert min(arrivees) >= 400 and m.prochain_identifiant == 400 + len(arrivees), "identifiants jamais portés"
    assert np.unique(m.menages.identifiant).size == m.menages.n
    for e in ev:
        ident, t = e[1], e[0]
        assert ident not in departs or t <= departs[ident], f"événement après le départ du ménage {ident}"
        assert ident not in arrivees or t >= arrivees[ident], f"événement avant l'arrivée du ménage {ident}"
    parti = next(k for k, t in departs.items() if t >= 0)  # le récit commence après le rodage
    assert m.emplacement(parti) == -1
    r = recit(m, parti)
    assert "a quitté la population" in r.portrait and "Quitte la population" in r.lignes[-1][1]


def test_perte_emploi_et_reprise_changent_les_ressources():
    m = ModeleNonRecours(menages=500, graine=2, debut="2014-01", fin="2014-12",
                         surcharges={**SANS_EVENEMENT, "evenements.taux_perte_emploi": 1.0,
                                     "population.part_chomeurs_indemnises": 1.0,
                                     "population.taux_remplacement_chomage": 0.5})
    M = m.menages
    m.t = 1  # pas un nouvel an
    emploi = np.flatnonzero(M.activite == EMPLOI)
    salaire = M.revenus_activite[emploi] - M.revenus_conjoint[emploi]
    autres = M.autres_ressources[emploi].copy()
    evenements.evenements_de_vie(m, m.aleas["evenements"])
    assert (M.activite[emploi] == CHOMAGE).all()
    np.testing.assert_allclose(M.revenus_activite[emploi], M.revenus_conjoint[emploi], rtol=1e-5)
    np.testing.assert_allclose(M.autres_ressources[emploi], autres + 0.5 * salaire, rtol=1e-4)
    assert m.compteurs.evenements_vie[EVENEMENTS_VIE.index("perte_emploi")] == emploi.size


def test_veuvage_verse_la_reversion():
    m = ModeleNonRecours(menages=300, graine=1, debut="2014-01", fin="2014-12",
                         surcharges={**SANS_EVENEMENT, "evenements.mortalite_conjoint_par_age": [1.0] * 5})
    M = m.menages
    m.t = 1
    i = np.flatnonzero(M.couple)
    M.pensions[i] = 1000.0
    M.pension_conjoint[i] = 600.0
    evenements.evenements_de_vie(m, m.aleas["evenements"])
    assert not M.couple[i].any() and (M.age_conjoint[i] == -1).all()
    np.testing.assert_allclose(M.pensions[i], 400.0 + 0.54 * 600.0, rtol=1e-6)


def test_retraite_au_nouvel_an():
    m = ModeleNonRecours(menages=2000, graine=3, debut="2014-01", fin="2014-12")
    M = m.menages
    i = np.flatnonzero((M.age == 61) & (M.activite == EMPLOI))[:20]
    assert i.size
    M.age[i] = 62
    evenements.nouvel_an(m, m.aleas["evenements"])
    assert (M.activite[i] == RETRAITE).all() and (M.pensions[i] > 0).all()
    np.testing.assert_allclose(M.revenus_activite[i], M.revenus_conjoint[i], rtol=1e-5)


def test_evenements_dans_les_series():
    m = ModeleNonRecours(menages=2000, graine=1, debut="2014-01", fin="2014-12")
    m.lancer()
    s = m.series()
    ev = s[s["indicateur"] == "n_evenements_vie"]
    assert set(ev["groupe"].astype(str)) == {f"evenement={e}" for e in EVENEMENTS_VIE}
    assert ev["valeur"].sum() > 0
    assert {"taux_non_recours_selon_montant", "taux_non_recours_selon_percue"} <= set(s["indicateur"].astype(str))


def test_montant_non_verse_somme_les_montants_dus():
    m = ModeleNonRecours(menages=1000, graine=4, debut="2014-01", fin="2014-03")
    m.lancer()
    M = m.menages
    b = 0
    nr = M.non_recours(*m.definitions_causes())[:, b]  # non-recourants (hors demandes dans leur délai normal)
    s = m.series()
    v = s[(s["indicateur"] == "montant_non_verse") & (s["groupe"] == "ensemble") & (s["prestation"] == "rsa")]
    assert v["valeur"].iloc[-1] == pytest.approx(float(M.montant_du[nr, b].sum()), rel=1e-5)


def test_illectronisme_centre_sur_les_marges_publiees():
    p = Parametres.defauts()
    M = creer_menages(p, 20000, np.random.default_rng(7), 2021)
    t = tranche(M.age)
    e = ecarts_illectronisme(p, t, M.diplome, M.quintile)
    pred = sigmoide(e[0][t] + e[1][M.diplome] + e[2][M.quintile])
    w = poids_adultes(p, t)
    par_age = np.bincount(t, weights=pred * w) / np.bincount(t, weights=w)
    np.testing.assert_allclose(par_age, p["population.illectronisme_par_age"], atol=1e-3)
    par_dipl = np.bincount(M.diplome, weights=pred * w) / np.bincount(M.diplome, weights=w)
    assert par_dipl[0] == pytest.approx(0.42, abs=1e-3) and par_dipl[3] == pytest.approx(0.03, abs=1e-3)


def test_marges_tenues_a_50000_menages():
    # Chaque marge est tenue, sauf celles qui déclarent un écart connu (et l'expliquent) ; une déclaration d'écart
    # connu sur une marge tenue est périmée : elle doit être retirée du fichier.
    p = Parametres.defauts()
    marges = charger_marges()
    tab = evaluer(construire(p, 50000, 2021, graine=0), p, marges)
    hors = tab[~tab["verdict"].isin([TENUE, CONNU])]
    assert hors.empty, hors[["id", "simule", "publie", "tolerance"]].to_string()
    declares = {m.id for m in marges if m.ecart_connu}
    connus = set(tab.loc[tab["verdict"] == CONNU, "id"])
    assert connus == declares, f"écart connu déclaré mais marge tenue : {sorted(declares - connus)}"
    assert set(tab["id"]) == set(CALCULS)


def _menages_poses():
    """Quatre ménages posés à la main (euros de 2021) : ressources, prestations dues et territoire fixés."""
    p = Parametres.defauts()
    M = creer_menages(p, 4, np.random.default_rng(0), 2021)
    M.couple[:] = [False, True, False, True]
    M.enfants[:] = [0, 2, 1, 0]
    M.revenus_activite[:] = [0.0, 2000.0, 900.0, 3000.0]
    M.pensions[:] = 0.0
    M.autres_ressources[:] = [0.0, 0.0, 0.0, 1000.0]
    M.montant_du[:] = 0.0
    M.eligible[:] = False
    M.territoire[:] = [1, 0, 3, 2]
    noms = ("rsa", "prime_activite", "css_gratuite", "css_participation", "aspa", "aides_logement")
    b = {n: k for k, n in enumerate(noms)}
    M.montant_du[0, b["rsa"]] = 500.0
    M.montant_du[0, b["aides_logement"]] = 250.0
    M.montant_du[0, b["css_gratuite"]] = 1.0      # couverture, pas un revenu
    M.montant_du[2, b["prime_activite"]] = 200.0
    M.montant_du[2, b["css_participation"]] = 1.0
    M.eligible[:] = M.montant_du > 0
    return p, M


def test_niveau_de_vie_apres_prestations_a_la_main():
    # UC INSEE : 1 + 0,5 (conjoint) + 0,3 par enfant (les enfants de la table ont moins de 14 ans).
    p, M = _menages_poses()
    np.testing.assert_allclose(niveau_de_vie_apres_prestations(p, M),
                               [750.0, 2000.0 / 2.1, 1100.0 / 1.3, 4000.0 / 1.5], rtol=1e-6)


def test_deciles_et_pauvrete_sur_des_personnes():
    # Personnes : 1, 4, 2, 2 (9 en tout) ; niveaux de vie 750 < 846 < 952 < 2 667. Médiane des personnes : la
    # 5e personne est dans le 2e ménage (952,4) ; seuil 571,4 : personne n'est pauvre. Le D1 est au 1er ménage
    # (1/9 ≥ 0,1) ; le D9 au dernier.
    p, M = _menages_poses()
    c = Contexte(M, p)
    assert CALCULS["niveau_de_vie_median"](c) == pytest.approx(2000.0 / 2.1, rel=1e-6)
    assert CALCULS["niveau_de_vie_d1"](c) == pytest.approx(750.0, rel=1e-6)
    assert CALCULS["niveau_de_vie_d9"](c) == pytest.approx(4000.0 / 1.5, rel=1e-6)
    assert CALCULS["rapport_d9_d1"](c) == pytest.approx(4000.0 / 1.5 / 750.0, rel=1e-6)
    assert CALCULS["taux_pauvrete"](c) == 0.0
    # Sans ses prestations, le 1er ménage (QPV, 1 personne sur 9) tombe à 0 : pauvre.
    M.montant_du[0] = 0.0
    c = Contexte(M, p)
    assert CALCULS["taux_pauvrete"](c) == pytest.approx(1 / 9)
    assert CALCULS["taux_pauvrete_qpv"](c) == 1.0
    assert CALCULS["rapport_qpv_ensemble_pauvrete"](c) == pytest.approx(9.0)
    assert CALCULS["rapport_urbain_ensemble_pauvrete"](c) == pytest.approx((1 / 5) / (1 / 9))
    assert CALCULS["rapport_rural_ensemble_pauvrete"](c) == 0.0
    assert CALCULS["part_personnes_eligibles_css_gratuite"](c) == pytest.approx(1 / 9)  # l'éligibilité reste
    assert CALCULS["part_eligibles_prime_activite"](c) == pytest.approx(0.25)


def test_ecart_connu_change_le_verdict_pas_le_calcul(tmp_path):
    p, M = _menages_poses()
    f = tmp_path / "m.toml"
    f.write_text('[[marge]]\nid = "taux_pauvrete"\nvaleur = 0.5\ntolerance = 0.1\nhypothese = true\n'
                 '[[marge]]\nid = "taux_pauvrete_qpv"\nvaleur = 0.5\ntolerance = 0.1\nhypothese = true\n'
                 'ecart_connu = "posé pour le test"\n[[marge]]\nid = "part_qpv"\nvaleur = 0.25\n'
                 'tolerance = 0.01\nhypothese = true\necart_connu = "périmé"\n', encoding="utf-8")
    tab = evaluer(M, p, charger_marges(f)).set_index("id")
    assert list(tab["verdict"]) == ["hors tolérance", CONNU, TENUE]
    assert tab.loc["taux_pauvrete_qpv", "simule"] == 0.0 and tab.loc["taux_pauvrete_qpv", "ecart_connu"]


def test_fichier_de_marges_invalide(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0\nhypothese = true\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="tolerance"):
        charger_marges(f)
    f.write_text('[[marge]]\nid = "inconnue"\nvaleur = 0.08\ntolerance = 0.1\nhypothese = true\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="inconnue"):
        charger_marges(f)
    f.write_text('[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0.1\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="source"):
        charger_marges(f)
    f.write_text('[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0.1\nhypothese = true\n'
                 'ecart_connu = 3\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="ecart_connu"):
        charger_marges(f)
    f.write_text('[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0.1\nhypothese = "oui"\n', encoding="utf-8")
    with pytest.raises(ErreurEntree, match="hypothese"):
        charger_marges(f)
    f.write_text(2 * '[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0.1\nhypothese = true\n',
                 encoding="utf-8")
    with pytest.raises(ErreurEntree, match="deux fois"):
        charger_marges(f)


def test_cli_population(tmp_path, capsys):
    from experiences.cli import main
    d = tmp_path / "pop"
    assert main(["population", "--menages", "20000", "--sortie", str(d)]) == 0
    assert {"marges.csv", "marges.html", "marges.png", "provenance.json"} <= {f.name for f in d.iterdir()}
    assert "marge(s) tenue(s)" in capsys.readouterr().out


@pytest.mark.parametrize("args, cle", [(["--menages", "50"], "--menages"), (["--annee", "1990"], "--annee"),
                                       (["--menages", "dix"], "--menages"), (["--marges", "absent.toml"], "absent"),
                                       (["--marges", "{mal}"], "ecart_connu")])
def test_cli_population_entree_invalide(tmp_path, capsys, args, cle):
    from experiences.cli import main
    mal = tmp_path / "mal.toml"
    mal.write_text('[[marge]]\nid = "part_qpv"\nvaleur = 0.08\ntolerance = 0.1\nhypothese = true\n'
                   'ecart_connu = ""\n', encoding="utf-8")
    args = [a.format(mal=mal) for a in args]
    d = tmp_path / "pop"
    try:
        code = main(["population", *args, "--sortie", str(d)])
    except SystemExit as e:  # erreurs d'argparse (Analyseur : message français, code 2)
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert cle in err and "Traceback" not in err
    assert not d.exists()


def test_cli_population_table_des_droits_corrompue(tmp_path, capsys, monkeypatch):
    # Table des droits tronquée : message français qui nomme le fichier, code 2, aucun dossier de sortie.
    from experiences.cli import main
    from modele import droits
    mauvaise = tmp_path / "table_droits.parquet"
    mauvaise.write_bytes(droits.FICHIER_TABLE.read_bytes()[:5000])
    monkeypatch.setattr(droits, "FICHIER_TABLE", mauvaise)
    d = tmp_path / "pop"
    assert main(["population", "--menages", "100", "--sortie", str(d)]) == 2
    err = capsys.readouterr().err
    assert "table_droits.parquet" in err and "Traceback" not in err
    assert not d.exists()
