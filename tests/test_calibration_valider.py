"""`nonrecours valider` : calculs des motifs sur séries construites à la main, et rapport complet sur un petit cas."""

from __future__ import annotations

import pandas as pd
import pytest

from experiences import validation as V
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


def test_valider_annee_hors_periode_code_2(tmp_path, capsys):
    code = main(["valider", "--debut", "2021-01", "--fin", "2023-12", "--annee", "2025", "--sortie",
                 str(tmp_path / "v")])
    assert code == 2
    assert "--annee" in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


def test_valider_petit_rapport_complet(tmp_path):
    sortie = tmp_path / "rapport"
    code = main(["valider", "--menages", "300", "--replicats", "2", "--debut", "2021-01", "--fin", "2023-12",
                 "--annee", "2022", "--travailleurs", "2", "--sortie", str(sortie)])
    assert code == 0
    for f in ("rapport.html", "cibles.csv", "cibles_par_replicat.csv", "gradients.csv", "effet_fermetures.csv",
              "series.parquet", "provenance.json", "cibles.png", "non_recours_par_age.png",
              "non_recours_par_capacite_numerique.png", "non_recours_par_territoire.png",
              "non_recours_par_percoit_autre.png", "non_recours_par_montant.png", "usage_en_ligne_par_age.png",
              "effet_fermetures.png"):
        assert (sortie / f).is_file(), f
    cibles = pd.read_csv(sortie / "cibles.csv")
    # Fenêtre 2021-2023 : les cibles de 2016 et 2018 ne sont pas calculables, les autres le sont.
    assert set(cibles["cible"]) == {"C3", "C5a", "C5b", "C5c", "C6", "C7"}
    assert cibles["verdict"].isin(["atteinte", "compatible", "manquée"]).all()
    assert (cibles["ic95_bas"] <= cibles["modele"]).all() and (cibles["modele"] <= cibles["ic95_haut"]).all()
    grad = pd.read_csv(sortie / "gradients.csv")
    assert {"prestation", "age", "capacite_numerique", "territoire", "percoit_autre",
            "usage_numerique_age"} <= set(grad["motif"])
    html = (sortie / "rapport.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Effet des fermetures" in html and "Cibles publiées" in html


def test_non_recours_selon_autre_prestation_egal_au_calcul_dense():
    import numpy as np

    from modele.etat import PERCOIT
    from modele.modele import ModeleNonRecours

    m = ModeleNonRecours(menages=800, graine=5, debut="2021-01", fin="2021-03")
    m.lancer()
    M = m.menages
    el = np.asarray(M.eligible)
    percoit = el & (np.asarray(M.statut) == PERCOIT)
    autre = (percoit.sum(axis=1, keepdims=True) - percoit) > 0
    s = m.series()
    s = s[(s["indicateur"] == "taux_non_recours_selon_autre") & (s["date"] == "2021-03")]
    for b, nom in enumerate(m.catalogue.noms):
        for groupe, masque in (("percoit_autre=oui", autre[:, b]), ("percoit_autre=non", ~autre[:, b])):
            n_el = (el[:, b] & masque).sum()
            attendu = ((el[:, b] & masque & ~percoit[:, b]).sum() / n_el) if n_el else np.nan
            v = s[(s["prestation"] == nom) & (s["groupe"] == groupe)]["valeur"].iloc[0]
            assert (np.isnan(v) and np.isnan(attendu)) or v == pytest.approx(attendu), (nom, groupe)
    # Le motif existe : au moins une prestation a des éligibles dans les deux groupes.
    assert s["valeur"].notna().sum() >= 2
