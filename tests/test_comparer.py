"""`nonrecours comparer` : mêmes graines, séries identiques avant la première différence, IC et écarts appariés,
mise à l'échelle, rapport autonome ; erreurs d'entrée en français avec le code 2.
"""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiences import comparaison
from experiences.cli import main
from modele.calendrier import Calendrier
from modele.indicateurs import INDICATEURS_SIGNES
from modele.scenarios import charger_scenario

PETIT = ["--replicats", "2", "--menages", "500", "--debut", "2014-01", "--fin", "2016-06", "--travailleurs", "1",
         "--parametre", "simulation.rodage_semaines=26"]


@pytest.fixture(scope="module")
def sortie(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("cmp") / "comparaison"
    code = main(["comparer", "reference", "renfort_mediation", "maintien_accueil_physique", *PETIT,
                 "--population-cible", "10000", "--csv", "--sortie", str(dossier)])
    assert code == 0
    return dossier


@pytest.mark.lent
def test_fichiers_ecrits(sortie):
    for f in ("comparaison.parquet", "comparaison.csv", "horizon.csv", "series.parquet", "series.csv",
              "provenance.json", "rapport.html", "resume.csv", "comparaison_non_recours.png",
              "comparaison_heures_aide.png"):
        assert (sortie / f).is_file(), f
    assert not any(p.name.endswith(".partiel") for p in sortie.parent.iterdir())


@pytest.mark.lent
def test_identiques_avant_la_premiere_difference(sortie):
    s = pd.read_parquet(sortie / "series.parquet")
    for c in ("scenario", "date", "indicateur", "prestation", "groupe"):
        s[c] = s[c].astype(str)
    cles = ["replicat", "date", "indicateur", "prestation", "groupe"]
    ref = s[s["scenario"] == "reference"].set_index(cles)["valeur"]
    # renfort_mediation ne diffère qu'à partir de 2020 : toute la période 2014-2016 est identique.
    ren = s[s["scenario"] == "renfort_mediation"].set_index(cles)["valeur"]
    a, b = ren.align(ref)
    assert ((a == b) | (a.isna() & b.isna())).all()
    # maintien_accueil_physique : identique avant janvier 2016, différent après.
    mai = s[s["scenario"] == "maintien_accueil_physique"].set_index(cles)["valeur"]
    a, b = mai.align(ref)
    pareil = (a == b) | (a.isna() & b.isna())
    avant = a.index.get_level_values("date") < "2016-01"
    assert pareil[avant].all() and not pareil[~avant].all()
    prov = json.loads((sortie / "provenance.json").read_text(encoding="utf-8"))
    # Les séries divergent au plus tôt au mois où les paramètres diffèrent (un effet peut tarder d'un relevé).
    div = prov["premiere_divergence_series"]
    assert div["renfort_mediation"] is None and "2016-01" <= div["maintien_accueil_physique"] <= "2016-06"
    assert prov["date_premiere_difference_parametres"]["maintien_accueil_physique"].startswith("2016-01")
    assert prov["graines"] == [0, 1] and prov["replicats"] == 2


@pytest.mark.lent
def test_ecarts_apparies_nuls_quand_rien_ne_differe(sortie):
    c = pd.read_csv(sortie / "comparaison.csv")
    r = c[c["scenario"] == "renfort_mediation"].dropna(subset=["difference"])
    assert (r["difference"] == 0).all() and (r["difference_bas"] == 0).all() and (r["difference_haut"] == 0).all()
    m = c[(c["scenario"] == "maintien_accueil_physique") & (c["date"] < "2016-01")].dropna(subset=["difference"])
    assert (m["difference"] == 0).all()
    # capacité CAF : jamais plus petite avec le maintien (en 2016 la référence garde encore 80 % > 50 %)
    cap = c[(c["indicateur"] == "capacite_guichets") & (c["groupe"] == "operateur=caf")
            & (c["scenario"] == "maintien_accueil_physique")]
    assert (cap["difference"] >= 0).all()


@pytest.mark.lent
def test_mise_a_l_echelle(sortie):
    s = pd.read_parquet(sortie / "series.parquet")
    s = s[(s["scenario"] == "reference") & (s["replicat"] == 0) & (s["groupe"] == "ensemble")]
    s = s.assign(date=s["date"].astype(str), indicateur=s["indicateur"].astype(str),
                 prestation=s["prestation"].astype(str))
    from experiences.execution import SpecRun, executer_run
    brut = executer_run(SpecRun("reference", graine=0, menages=500, debut="2014-01", fin="2016-06",
                                surcharges={"simulation.rodage_semaines": 26})).series
    brut = brut[brut["groupe"] == "ensemble"].assign(date=lambda x: x["date"].astype(str),
                                                      indicateur=lambda x: x["indicateur"].astype(str),
                                                      prestation=lambda x: x["prestation"].astype(str))
    cles = ["date", "indicateur", "prestation"]
    a = s.set_index(cles)["valeur"]
    b = brut.set_index(cles)["valeur"].reindex(a.index)
    vol = a.index.get_level_values("indicateur").isin(["n_eligibles", "montant_non_verse"])
    taux = a.index.get_level_values("indicateur") == "taux_non_recours"
    np.testing.assert_allclose(a[vol], b[vol] * 20.0)  # 10 000 / 500
    np.testing.assert_allclose(a[taux], b[taux])


@pytest.mark.lent
def test_rapport_autonome_et_francais(sortie):
    brut = (sortie / "rapport.html").read_text(encoding="utf-8")
    h = html.unescape(brut)
    h = h.replace("\u00a0", " ")
    for morceau in ("Ce qu'il faut retenir", "Les questions posées", "Les scénarios et leurs interventions",
                    "Résultats à l'horizon", "Comment lire les intervalles", "Limites du modèle",
                    "data:image/png;base64,", "Non-recours (% des éligibles)",
                    "Heures d'aide aux démarches transférées", "Identifiants détenus", "transfert tacite",
                    "hors mandat", "Attente", "Euros dus et non versés", "Ruptures de droits", "10 000 ménages",
                    "Défenseur des droits", "demarches.elasticite_offre_acteurs",
                    "Médiateurs financés doublés (2020)", "robuste entre graines", "ensemble calibré"):
        assert morceau in h, morceau
    # Premier écran : les constats viennent avant tout détail ; l'avertissement chiffré si l'exécution est petite.
    assert h.index("Ce qu'il faut retenir") < h.index("Les questions posées")
    assert "Exécution trop petite" in h and "--replicats" in h[:h.index("Les questions posées")]
    # Scénarios par leur libellé, pas leur identifiant, dans les titres et les en-têtes de colonnes.
    assert "<th>renfort_mediation" not in h and "<h3>renfort_mediation" not in h
    # Un seul format de nombre (constats et tableaux) : pas de point décimal ni de « - » ASCII devant un nombre.
    corps = re.sub(r"<(style|code)[^>]*>.*?</\1>", "", brut, flags=re.S)
    corps = html.unescape(re.sub(r"<[^>]+>", " ", corps))
    corps = (corps[corps.index("Ce qu'il faut retenir"):corps.index("1. Les questions posées")]
             + corps[corps.index("3. Résultats"):corps.index("4. Les courbes")])
    assert not re.search(r"\d\.\d+ ?(%|pt|points|h|€)", corps)
    assert not re.search(r"(?<![\w-])-\d", corps)
    sources = re.findall(r'src=["\']([^"\']*)', brut)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)  # tout est inclus


@pytest.mark.lent
def test_aucun_intervalle_de_taux_hors_de_0_1(sortie):
    for c in (pd.read_csv(sortie / "comparaison.csv"), pd.read_parquet(sortie / "comparaison.parquet"),
              pd.read_csv(sortie / "horizon.csv")):
        t = c[c["indicateur"].astype(str).str.startswith("taux_")].dropna(subset=["moyenne"])
        assert len(t) > 0
        assert (t["bas"] >= 0).all() and (t["haut"] <= 1).all()
        assert (t["bas"] <= t["moyenne"] + 1e-12).all() and (t["moyenne"] <= t["haut"] + 1e-12).all()
        v = c[c["indicateur"].astype(str).str.startswith(("n_", "heures_", "montant_"))
              & ~c["indicateur"].astype(str).isin(INDICATEURS_SIGNES)].dropna(subset=["moyenne"])
        assert (v["bas"] >= 0).all()  # un volume reste positif (la variation signée du report d'heures exceptée)


@pytest.mark.lent
def test_csv_seulement_sur_demande(tmp_path):
    dossier = tmp_path / "c"
    assert main(["comparer", "reference", "renfort_mediation", "--replicats", "1", "--menages", "200", "--debut",
                 "2014-01", "--fin", "2014-06", "--travailleurs", "1", "--parametre", "simulation.rodage_semaines=4",
                 "--sortie", str(dossier)]) == 0
    assert (dossier / "series.parquet").is_file() and (dossier / "comparaison.parquet").is_file()
    assert (dossier / "horizon.csv").is_file() and not (dossier / "series.csv").exists()
    assert not (dossier / "comparaison.csv").exists()
    h = html.unescape((dossier / "rapport.html").read_text(encoding="utf-8"))
    assert "Un seul réplicat" in h and "--replicats 5" in h


def test_statistiques_sur_un_cas_a_la_main():
    lignes = []
    for sc, decal in (("a", 0.0), ("b", 1.0)):
        for r, v in enumerate((1.0, 2.0, 4.0)):
            lignes.append({"scenario": sc, "replicat": r, "date": "2020-01", "indicateur": "solde", "prestation": "p",
                           "groupe": "ensemble", "valeur": v + decal})
    st = comparaison.statistiques(pd.DataFrame(lignes), ["a", "b"]).set_index("scenario")
    demi = stats.t.ppf(0.975, 2) * np.std([1, 2, 4], ddof=1) / math.sqrt(3)
    assert st.loc["a", "moyenne"] == pytest.approx(7 / 3)
    assert st.loc["a", "haut"] - st.loc["a", "moyenne"] == pytest.approx(demi)
    # différence appariée constante : 1 exactement, intervalle de largeur nulle
    assert st.loc["b", "difference"] == pytest.approx(1.0)
    assert st.loc["b", "difference_bas"] == pytest.approx(1.0) and st.loc["b", "difference_haut"] == pytest.approx(1.0)
    assert st.loc["a", "difference"] == 0.0


def test_date_premiere_difference():
    cal = Calendrier.depuis_mois("2014-01", "2027-12")
    ref = charger_scenario("reference")
    assert comparaison.date_premiere_difference(ref, charger_scenario("sans_dematerialisation"), cal).isoformat() \
        == "2015-06-01"
    assert comparaison.date_premiere_difference(ref, charger_scenario("renfort_mediation"), cal).year == 2020
    assert comparaison.date_premiere_difference(ref, ref, cal) is None


@pytest.mark.parametrize("args, mot", [
    (["comparer", "reference"], "au moins deux"),
    (["comparer", "reference", "atlantide"], "Scénario inconnu"),
    (["comparer", "reference", "reference"], "deux fois"),
    (["comparer", "reference", "renfort_mediation", "--debut", "2016-01", "--fin", "2015-01"], "fin précède"),
    (["comparer", "reference", "renfort_mediation", "--parametre", "acteurs.inconnu=3"], "Paramètre inconnu"),
    (["comparer", "reference", "renfort_mediation", "--menages", "20"], "trop petit"),
    (["comparer", "reference", "renfort_mediation", "--replicats", "zero"], "entier"),
    (["comparer", "reference", "renfort_mediation", "--population-cible", "0"], "trop petit"),
])
def test_erreurs_d_entree_code_2(args, mot, capsys, tmp_path):
    cible = tmp_path / "sortie"
    with pytest.raises(SystemExit) if "--replicats" in args or "--menages" in args or "--population-cible" in args \
            else _pas_d_exception() as e:
        code = main([*args, "--sortie", str(cible)])
    code = e.value.code if hasattr(e, "value") else code
    err = capsys.readouterr().err
    assert code == 2
    assert mot in err and "Traceback" not in err
    assert not cible.exists()


def test_fichier_de_scenario_invalide(tmp_path, capsys):
    mauvais = tmp_path / "mauvais.toml"
    mauvais.write_text('[scenario]\nnom = "m"\nquestion = "q"\n[[interventions]]\ntype = "aidants_connect"\n'
                       'date = "2020-13-01"\ngenres = "tous"\n', encoding="utf-8")
    assert main(["comparer", "reference", str(mauvais), "--sortie", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "Date invalide" in err and str(mauvais) in err
    assert main(["verifier", str(mauvais)]) == 2
    cree = tmp_path / "neuf.toml"  # un utilisateur écrit un scénario sans toucher au code
    cree.write_text('[scenario]\nnom = "neuf"\nquestion = "Et si ?"\nbase = "reference"\n[[interventions]]\n'
                    'type = "ouverture_france_services"\ndate = "2024-01-01"\nzones = ["qpv"]\nfacteur = 2.0\n',
                    encoding="utf-8")
    assert main(["verifier", str(cree)]) == 0


class _pas_d_exception:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
