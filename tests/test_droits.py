"""Table des droits légaux (modele/droits.py) : ménages contrôlés par OpenFisca à 1 € près, propriétés, erreurs.

Les ménages contrôlés (`tests/donnees/menages_controles.csv`) sont calculés exactement par OpenFisca-France
(`python -m experiences.droits.generer_table --controle …`, venv `.venv-openfisca/`) : la plupart sur des points
de grille, deux entre deux points sur un segment où tous les montants sont affines. Le test marqué `openfisca`
recalcule des lignes de la table elle-même ; il est sauté sans OpenFisca (venv principal).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from modele.droits import (
    COLONNES_GRILLE,
    COLONNES_MONTANTS,
    FICHIER_TABLE,
    LOGEMENT_HEBERGE,
    LOGEMENT_LOCATAIRE_PRIVE,
    LOGEMENT_LOCATAIRE_SOCIAL,
    LOGEMENT_PROPRIETAIRE,
    LOGEMENTS,
    TableDroits,
)
from modele.parametres import RACINE, ErreurEntree

CONTROLES = RACINE / "tests" / "donnees" / "menages_controles.csv"


@pytest.fixture(scope="module")
def table() -> TableDroits:
    return TableDroits.charger()


@pytest.fixture(scope="module")
def brute() -> pd.DataFrame:
    return pd.read_parquet(FICHIER_TABLE)


def _montants(table, df):
    return table.montants(df["annee"].to_numpy(), df["couple"].to_numpy(), df["enfants"].to_numpy(),
                          df["age_ref"].to_numpy(), df["revenus_activite"].to_numpy(),
                          df["autres_ressources"].to_numpy(), df["logement"].to_numpy(), df["loyer"].to_numpy())


# ------------------------------------------------------------------------------------ ménages contrôlés

def test_controles_couvrent_chaque_prestation_annees_couples_enfants_retraites():
    c = pd.read_csv(CONTROLES)
    assert len(c) >= 12
    for col in ("rsa", "prime_activite", "aides_logement", "css_gratuite", "css_participation",
                "css_participation_eligible", "acs", "aspa"):
        assert (c[col] > 0).any(), f"aucun ménage contrôlé ne touche {col}"
    assert c["annee"].nunique() >= 8 and c["couple"].any() and (c["enfants"] > 0).sum() >= 3
    assert (c["age_ref"] >= 65).sum() >= 3 and (c["position"] == "entre").sum() >= 2
    assert set(c["logement"]) == set(LOGEMENTS)


def test_menages_controles_egaux_a_openfisca_a_un_euro_pres(table):
    c = pd.read_csv(CONTROLES)
    m = _montants(table, c)
    ecarts = {col: np.abs(m[col] - c[col].to_numpy()) for col in COLONNES_MONTANTS}
    fautes = [(c["libelle"][i], col, float(m[col][i]), float(c[col][i]))
              for col, e in ecarts.items() for i in np.flatnonzero(e > 1.0)]
    assert not fautes, "écarts de plus de 1 € (ménage, prestation, table, OpenFisca) :\n" + "\n".join(map(str, fautes))


def test_controles_manuels_rsa_et_aspa_juin_2023(table):
    # Contrôles faits à la main : RSA 607,75 − 72,93 (forfait logement) ; ASPA personne seule à taux plein.
    m = table.montants(2023, False, 0, 35, 0.0, 0.0, LOGEMENT_LOCATAIRE_PRIVE, 400.0)
    assert abs(float(m["rsa"]) - 534.82) <= 0.01
    m = table.montants(2023, False, 0, 70, 0.0, 0.0, LOGEMENT_PROPRIETAIRE, 0.0)
    assert abs(float(m["aspa"]) - 961.09) <= 0.01


# ------------------------------------------------------------------------------------ identités de l'interpolation

def test_aux_points_de_grille_l_interpolation_rend_la_table(table, brute):
    echantillon = brute.sample(2000, random_state=1)
    m = _montants(table, echantillon)
    for col in COLONNES_MONTANTS:
        np.testing.assert_allclose(m[col], echantillon[col].to_numpy(), atol=1e-9, err_msg=col)


def test_au_milieu_de_deux_revenus_la_moyenne_des_deux(table):
    r0, r1 = table.revenus[3], table.revenus[4]
    bas = table.montants(2021, True, 2, 40, r0, 400.0, LOGEMENT_LOCATAIRE_SOCIAL, 500.0)
    haut = table.montants(2021, True, 2, 40, r1, 400.0, LOGEMENT_LOCATAIRE_SOCIAL, 500.0)
    milieu = table.montants(2021, True, 2, 40, (r0 + r1) / 2, 400.0, LOGEMENT_LOCATAIRE_SOCIAL, 500.0)
    for col in ("rsa", "prime_activite", "aides_logement", "aspa", "css_participation", "acs"):
        assert float(milieu[col]) == pytest.approx((float(bas[col]) + float(haut[col])) / 2, abs=1e-9), col


def test_loyer_ignore_hors_locataires(table):
    a = table.montants(2022, False, 1, 35, 300.0, 0.0, LOGEMENT_PROPRIETAIRE, 0.0)
    b = table.montants(2022, False, 1, 35, 300.0, 0.0, LOGEMENT_PROPRIETAIRE, 700.0)
    assert all(float(a[c]) == float(b[c]) for c in COLONNES_MONTANTS)


def test_vectorise_meme_longueur_et_scalaires_diffuses(table):
    n = 1000
    rng = np.random.default_rng(0)
    m = table.montants(2020, rng.random(n) < 0.5, rng.integers(0, 4, n), 40, rng.uniform(0, 3000, n), 0.0,
                       rng.integers(0, 4, n), 500.0)
    assert set(m) == set(COLONNES_MONTANTS)
    assert all(v.shape == (n,) for v in m.values())


def test_revalorisation_apres_la_derniere_annee(brute):
    t = TableDroits.charger(revalorisation_annuelle=0.02)
    der = int(t.annees[-1])
    base = t.montants(der, False, 0, 75, 0.0, 400.0, LOGEMENT_PROPRIETAIRE, 0.0)
    apres = t.montants(der + 3, False, 0, 75, 0.0, 400.0 * 1.02 ** 3, LOGEMENT_PROPRIETAIRE, 0.0)
    assert float(apres["aspa"]) == pytest.approx(float(base["aspa"]) * 1.02 ** 3, rel=1e-12)
    assert float(base["aspa"]) > 0
    with pytest.raises(ErreurEntree, match="Année antérieure"):
        t.montants(int(t.annees[0]) - 1, False, 0, 40, 0.0, 0.0, LOGEMENT_HEBERGE, 0.0)


# ------------------------------------------------------------------------------------ propriétés légales

def test_rsa_ne_croit_pas_avec_les_revenus_d_activite(table, brute):
    cle = [c for c in COLONNES_GRILLE if c != "revenus_activite"]
    rsa = brute.sort_values(cle + ["revenus_activite"]).groupby(cle, sort=False)["rsa"]
    assert (rsa.diff().dropna() <= 1e-9).all()
    # et entre les points : revenus fins, cases tirées au hasard
    rng = np.random.default_rng(3)
    rev = np.linspace(0, 3500, 300)
    for _ in range(30):
        args = dict(annee=int(rng.integers(2014, 2027)), couple=bool(rng.random() < 0.5),
                    enfants=int(rng.integers(0, 4)), age_ref=int(rng.integers(25, 64)),
                    autres_ressources=float(rng.uniform(0, 1000)), logement=int(rng.integers(0, 4)),
                    loyer=float(rng.uniform(150, 900)))
        r = table.montants(revenus_activite=rev, **args)["rsa"]
        assert (np.diff(r) <= 1e-9).all(), args


def test_pas_d_aspa_avant_65_ans_et_pas_de_rsa_avant_25_ans_sans_enfant(table, brute):
    assert (brute.loc[brute["age_max"] < 65, "aspa"] == 0).all()
    assert (brute.loc[brute["age_min"] >= 65, "aspa"] > 0).any()
    assert (brute.loc[(brute["age_max"] < 25) & (brute["enfants"] == 0), "rsa"] == 0).all()
    rng = np.random.default_rng(5)
    n = 5000
    m = table.montants(rng.integers(2014, 2030, n), rng.random(n) < 0.5, rng.integers(0, 4, n),
                       rng.integers(18, 65, n), rng.uniform(0, 3000, n), rng.uniform(0, 2000, n),
                       rng.integers(0, 4, n), rng.uniform(0, 1000, n))
    assert (m["aspa"] == 0).all()


def test_css_gratuite_et_avec_participation_exclusives(brute):
    assert not ((brute["css_gratuite"] == 1) & (brute["css_participation_eligible"] == 1)).any()
    avant = brute["annee"] <= 2019
    assert (brute.loc[avant, "css_participation"] == 0).all() and (brute.loc[~avant, "acs"] == 0).all()
    assert ((brute["css_participation"] > 0) <= (brute["css_participation_eligible"] == 1)).all()


def test_montants_finis_et_positifs_pour_des_entrees_quelconques(table):
    # entrées tirées largement au-delà de la grille (années futures, 6 enfants, revenus de 20 000 €)
    rng = np.random.default_rng(11)
    n = 20000
    m = table.montants(rng.integers(2014, 2036, n), rng.random(n) < 0.5, rng.integers(0, 7, n),
                       rng.integers(18, 111, n), rng.uniform(0, 20000, n), rng.uniform(0, 20000, n),
                       rng.choice(sorted(LOGEMENTS), n), rng.uniform(0, 5000, n))
    for col, v in m.items():
        assert np.isfinite(v).all() and (v >= 0).all(), col
    assert np.isin(m["css_gratuite"], (0.0, 1.0)).all()
    assert np.isin(m["css_participation_eligible"], (0.0, 1.0)).all()


# ------------------------------------------------------------------------------------ erreurs en français

def test_table_absente_erreur_francaise(tmp_path):
    with pytest.raises(ErreurEntree, match="Table des droits introuvable") as e:
        TableDroits.charger(tmp_path / "absente.parquet")
    assert "absente.parquet" in str(e.value)


def test_table_corrompue_erreur_francaise(tmp_path):
    f = tmp_path / "tronquee.parquet"
    f.write_bytes(FICHIER_TABLE.read_bytes()[:5000])
    with pytest.raises(ErreurEntree, match="illisible") as e:
        TableDroits.charger(f)
    assert "tronquee.parquet" in str(e.value)


@pytest.mark.parametrize("defaut, message", [
    ("colonne", "Colonne manquante"),
    ("ligne", "ne couvre pas exactement sa grille"),
    ("doublon", "ne couvre pas exactement sa grille"),
    ("negatif", "Montant négatif"),
    ("nan", "non finie"),
    ("logement", "Codes de logement"),
    ("indicatrice", "Indicatrice"),
])
def test_table_hors_schema_erreur_francaise(tmp_path, brute, defaut, message):
    df = brute.copy()
    if defaut == "colonne":
        df = df.drop(columns=["aspa"])
    elif defaut == "ligne":
        df = df.iloc[1:]
    elif defaut == "doublon":
        df.loc[df.index[0], "revenus_activite"] = df.loc[df.index[1], "revenus_activite"]
    elif defaut == "negatif":
        df.loc[df.index[10], "rsa"] = -1.0
    elif defaut == "nan":
        df.loc[df.index[10], "aides_logement"] = np.nan
    elif defaut == "logement":
        df.loc[df["logement"] == LOGEMENT_HEBERGE, "logement"] = 7
    elif defaut == "indicatrice":
        df.loc[df.index[10], "css_gratuite"] = 0.5
    f = tmp_path / "table.parquet"
    df.to_parquet(f, index=False)
    with pytest.raises(ErreurEntree, match=message) as e:
        TableDroits.charger(f)
    assert "table.parquet" in str(e.value)


def test_table_lue_une_fois_par_contenu_partagee_en_lecture_seule_et_relue_si_reecrite(tmp_path, brute):
    f = tmp_path / "table.parquet"
    brute.to_parquet(f, index=False)
    a = TableDroits.charger(f, revalorisation_annuelle=0.0)
    b = TableDroits.charger(f, revalorisation_annuelle=0.02)
    assert b.tenseur is a.tenseur and (a.revalorisation_annuelle, b.revalorisation_annuelle) == (0.0, 0.02)
    with pytest.raises(ValueError, match="read-only"):
        a.tenseur[0, 0, 0, 0, 0, 0, 0, 0, 0] = 1.0
    # Réécrite avec un autre RSA (même nom, même taille de ligne) : relue, pas servie depuis la mémoire.
    modifiee = brute.assign(rsa=brute["rsa"] + 1.0)
    modifiee.to_parquet(f, index=False)
    c = TableDroits.charger(f, revalorisation_annuelle=0.0)
    point = (2020, False, 0, 40, 0.0, 0.0, LOGEMENT_HEBERGE, 0.0)
    assert float(c.montants(*point)["rsa"]) == pytest.approx(float(a.montants(*point)["rsa"]) + 1.0)
    # Puis rendue invalide : l'erreur revient, rien n'est gardé d'une lecture antérieure.
    modifiee.drop(columns=["aspa"]).to_parquet(f, index=False)
    with pytest.raises(ErreurEntree, match="Colonne manquante"):
        TableDroits.charger(f)


def test_code_de_logement_inconnu(table):
    with pytest.raises(ErreurEntree, match="Code de logement inconnu"):
        table.montants(2020, False, 0, 40, 0.0, 0.0, 9, 0.0)


# ------------------------------------------------------------------------------------ recalcul par OpenFisca

@pytest.mark.openfisca
@pytest.mark.skipif(importlib.util.find_spec("openfisca_france") is None,
                    reason="OpenFisca-France absent (venv .venv-openfisca/ seulement)")
def test_openfisca_recalcule_des_lignes_de_la_table(brute):
    from experiences.droits.generer_table import calculer, systeme
    lignes = pd.concat([
        brute[(brute["annee"] == 2015) & (brute["revenus_activite"] == 450)].sample(3, random_state=2),
        brute[(brute["annee"] == 2023)].sample(4, random_state=3),
        brute[(brute["annee"] == 2019) & (brute["age_ref"] >= 65)].sample(3, random_state=4),
    ])
    res = calculer(systeme(), lignes[list(COLONNES_GRILLE)], lot=100, journal=lambda s: None)
    for col in COLONNES_MONTANTS:
        np.testing.assert_allclose(res[col].to_numpy(), lignes[col].to_numpy(), atol=0.01, err_msg=col)
    # avant 2016, rsa (part socle) + prime_activite (part activité) = le `rsa` d'OpenFisca, qui contient les deux
    avant = (lignes["annee"] == 2015).to_numpy()
    np.testing.assert_allclose((res["rsa"] + res["prime_activite"]).to_numpy()[avant],
                               res["rsa_openfisca"].to_numpy()[avant], atol=1e-6)
    assert (res["prime_activite"].to_numpy()[avant] > 0).any()
