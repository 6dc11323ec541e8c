"""`nonrecours valider` : calculs des motifs sur séries construites à la main, et rapport complet sur un petit cas."""

from __future__ import annotations

import pandas as pd
import pytest

from experiences.calibration import validation as V
from experiences.cli import main


def _serie(lignes):
    return pd.DataFrame(lignes, columns=["replicat", "date", "indicateur", "prestation", "groupe", "valeur"])


def test_moyenne_annuelle_par_groupe_et_intervalle():
    lignes = []
    for r, niveau in enumerate((0.2, 0.4)):
        for m in range(1, 13):
            lignes.append((r, f"2023-{m:02d}", "taux_non_recours", "rsa", "age=18-29", niveau))
            lignes.append((r, f"2023-{m:02d}", "taux_non_recours", "rsa", "age=75+", niveau + 0.1))
            lignes.append((r, f"2022-{m:02d}", "taux_non_recours", "rsa", "age=18-29", 0.9))
    tab = V.moyenne_annuelle_par(_serie(lignes), "taux_non_recours", 2023, ["age=18-29", "age=75+"])
    t = tab.set_index("groupe")
    assert t.loc["age=18-29", "moyenne"] == pytest.approx(0.3)
    assert t.loc["age=75+", "moyenne"] == pytest.approx(0.4)
    # Deux réplicats 0,2 et 0,4 : IC = ± t(0,975 ; 1) × 0,1414 / √2 = ± 1,2706.
    assert t.loc["age=18-29", "haut"] - 0.3 == pytest.approx(12.706 * 0.14142 / 2 ** 0.5, rel=1e-3)
    ext = V.gradient_extremes(tab, ["age=18-29", "age=75+"])
    assert ext["difference"].iloc[0] == pytest.approx(0.1)


def test_effet_fermetures_apparie_par_replicat():
    ref, var = [], []
    for r in (0, 1):
        for m in range(1, 13):
            ref.append((r, f"2020-{m:02d}", "taux_non_recours", "rsa", "ensemble", 0.30 + 0.01 * r))
            var.append((r, f"2020-{m:02d}", "taux_non_recours", "rsa", "ensemble", 0.25 + 0.01 * r))
    eff = V.effet_fermetures(_serie(ref), _serie(var))
    assert len(eff) == 1 and eff["annee"].iloc[0] == 2020
    # Écart apparié identique dans les deux réplicats : 0,05, intervalle nul.
    assert eff["ecart"].iloc[0] == pytest.approx(0.05)
    assert eff["haut"].iloc[0] - eff["bas"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def test_volume_aide_par_annee_pour_1000_habitants():
    lignes = []
    for r, n in enumerate((10, 14)):  # demandes par mois dans chaque réplicat
        for m in range(1, 13):
            lignes.append((r, f"2023-{m:02d}", "n_demandes_aide", "toutes", "acteur=france_services", n))
            lignes.append((r, f"2023-{m:02d}", "n_demandes_aide", "toutes", "acteur=association", 1))
            lignes.append((r, f"2023-{m:02d}", "n_episodes_aide", "toutes", "acteur=france_services", 99))
        for m in range(1, 7):  # 2024 incomplète : omise
            lignes.append((r, f"2024-{m:02d}", "n_demandes_aide", "toutes", "acteur=france_services", 50))
    vol = V.volume_aide_par_annee(_serie(lignes), menages=500, personnes_par_menage=2.0)
    t = vol.set_index(["acteur", "annee"])
    assert set(vol["annee"]) == {2023}
    # 12 × 10 = 120 et 12 × 14 = 168 demandes pour 1 000 habitants : 120 et 168 pour 1 000 ; moyenne 144.
    assert t.loc[("france_services", 2023), "moyenne"] == pytest.approx(144.0)
    assert t.loc[("association", 2023), "moyenne"] == pytest.approx(12.0)
    assert t.loc[("france_services", 2023), "replicats"] == 2


def test_valider_annee_hors_periode_code_2(tmp_path, capsys):
    code = main(["valider", "--debut", "2021-01", "--fin", "2023-12", "--annee", "2025", "--sortie",
                 str(tmp_path / "v")])
    assert code == 2
    assert "--annee" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


@pytest.mark.lent
def test_valider_petit_rapport_complet(tmp_path):
    sortie = tmp_path / "rapport"
    code = main(["valider", "--menages", "300", "--replicats", "2", "--debut", "2021-01", "--fin", "2023-12",
                 "--annee", "2022", "--travailleurs", "2", "--sortie", str(sortie)])
    assert code == 0
    for f in ("rapport.html", "cibles.csv", "cibles_par_replicat.csv", "gradients.csv", "effet_fermetures.csv",
              "series.parquet", "provenance.json", "cibles.png", "non_recours_par_age.png",
              "non_recours_par_capacite_numerique.png", "non_recours_par_territoire.png",
              "non_recours_par_percoit_autre.png", "non_recours_par_montant.png", "usage_en_ligne_par_age.png",
              "effet_fermetures.png", "volume_aide.csv", "volume_aide.png"):
        assert (sortie / f).is_file(), f
    cibles = pd.read_csv(sortie / "cibles.csv")
    # Fenêtre 2021-2023 : les cibles de 2016 et 2018 ne sont pas calculables, les autres (C9 : 2022) le sont.
    assert set(cibles["cible"]) == {"C3", "C5a", "C5b", "C5c", "C6", "C7", "C8", "C9"}
    assert cibles["verdict"].isin(["atteinte", "compatible", "manquée"]).all()
    assert (cibles["ic95_bas"] <= cibles["modele"]).all() and (cibles["modele"] <= cibles["ic95_haut"]).all()
    grad = pd.read_csv(sortie / "gradients.csv")
    assert {"prestation", "age", "capacite_numerique", "territoire", "percoit_autre",
            "usage_numerique_age"} <= set(grad["motif"])
    html = (sortie / "rapport.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Effet des fermetures" in html and "Cibles publiées" in html
    vol = pd.read_csv(sortie / "volume_aide.csv")
    assert set(vol["annee"]) == {2021, 2022, 2023} and "france_services" in set(vol["acteur"])
    # Même calcul que la cible C7 : le volume France Services 2023 est la valeur du modèle pour C7.
    fs_2023 = vol[(vol["acteur"] == "france_services") & (vol["annee"] == 2023)]["moyenne"].iloc[0]
    assert fs_2023 == pytest.approx(cibles.set_index("cible").loc["C7", "modele"])
    assert "Volume des demandes d'accompagnement" in html


def test_masque_autres_prestations_exclut_les_liens_automatiques():
    import numpy as np

    from modele.indicateurs import masque_autres_prestations

    # c = 1 est ouverte automatiquement par b = 0 : ni l'une ni l'autre ne compte pour l'autre ; 2 compte pour tous.
    assert masque_autres_prestations(np.array([-1, 0, -1])).tolist() == [0b100, 0b100, 0b011]
    assert masque_autres_prestations(np.array([-1, -1])).tolist() == [0b10, 0b01]


def test_non_recours_selon_autre_prestation_egal_au_calcul_dense():
    import numpy as np

    from modele.etat import PERCOIT
    from modele.modele import ModeleNonRecours

    # 2023 : la CSS sans participation est ouverte automatiquement aux allocataires du RSA (2022) ; ce lien ne compte
    # pas comme « autre prestation » pour l'une ni pour l'autre.
    m = ModeleNonRecours(menages=800, graine=5, debut="2023-01", fin="2023-03")
    m.lancer()
    M = m.menages
    el = np.asarray(M.eligible)
    percoit = el & (np.asarray(M.statut) == PERCOIT)
    nr = M.non_recours(*m.definitions_causes())
    rsa, css = m.catalogue.noms.index("rsa"), m.catalogue.noms.index("css_gratuite")
    assert m.catalogue.automatique_pour[css] == rsa
    admis = ~np.eye(len(m.catalogue.noms), dtype=bool)
    admis[rsa, css] = admis[css, rsa] = False
    autre = (percoit.astype(int) @ admis.astype(int)) > 0  # autre[i, b] : perçoit un c admis pour b
    s = m.series()
    s = s[(s["indicateur"] == "taux_non_recours_selon_autre") & (s["date"] == "2023-03")]
    for b, nom in enumerate(m.catalogue.noms):
        for groupe, masque in (("percoit_autre=oui", autre[:, b]), ("percoit_autre=non", ~autre[:, b])):
            n_el = (el[:, b] & masque).sum()
            attendu = ((el[:, b] & masque & nr[:, b]).sum() / n_el) if n_el else np.nan
            v = s[(s["prestation"] == nom) & (s["groupe"] == groupe)]["valeur"].iloc[0]
            assert (np.isnan(v) and np.isnan(attendu)) or v == pytest.approx(attendu), (nom, groupe)
    # Le motif existe : au moins une prestation a des éligibles dans les deux groupes.
    assert s["valeur"].notna().sum() >= 2
