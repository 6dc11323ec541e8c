"""Interventions : aucun effet avant leur date, un effet après, défaites à leur fin (paramètres ET ménages)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from experiences.execution import SpecRun, executer_run
from modele.calendrier import Calendrier
from modele.modele import ModeleNonRecours
from modele.parametres import ErreurEntree
from modele.politiques import TYPES_INTERVENTIONS, Politiques
from modele.prestations import GENRES_ACTEURS, ORGANISMES
from modele.scenarios import charger_scenario

DEBUT, FIN = "2014-01", "2015-03"
DATE, FIN_IV = "2014-07-01", "2015-01-01"
RAPIDE = (("simulation.rodage_semaines", 26),)
N = 800

# Un exemple de chaque type d'intervention, avec les clés de paramètres qu'il doit changer.
EXEMPLES = {
    "changement_parametre": ('cle = "decision.cout_base"\nfacteur = 0.3', ["decision.cout_base"]),
    "fermeture_guichets": ('operateur = "caf"\nzones = "toutes"\npart = 1.0', ["guichets.caf.part_ouverte"]),
    "ouverture_guichets": ('operateur = "cpam"\nzones = ["rural"]\npart = 0.1', ["guichets.cpam.part_ouverte"]),
    "rendez_vous_seulement": ('operateur = "caf"', ["guichets.caf.rendez_vous_seulement"]),
    "en_ligne_seulement": ('prestations = ["rsa", "prime_activite", "aides_logement"]',
                           ["prestations.rsa.depot_guichet"]),
    "renfort_acteurs": ('genre = "association"\nfacteur = 3.0', ["acteurs.association.heures_pour_10000"]),
    "automatisation": ('prestation = "css_gratuite"\npour_beneficiaires_de = "rsa"',
                       ["prestations.css_gratuite.automatique_pour"]),
    "declaration_preremplie": ('prestations = ["rsa", "prime_activite"]', ["prestations.rsa.declaration_preremplie"]),
    "maintien_canal_non_numerique": ('prestations = "toutes"\npart_ouverte_min = 1.0\naccueil_libre = true',
                                     ["prestations.rsa.depot_guichet"]),
    "ouverture_france_services": ('zones = "toutes"\nfacteur = 4.0', ["acteurs.france_services.densite_territoires"]),
    "aidants_connect": ('genres = "tous"', ["acteurs.travailleur_social.aidants_connect"]),
    "rendez_vous_des_droits": ('contacts = ["guichets", "acteurs"]\np_information = 0.9',
                               ["information.p_contact_guichet_autre", "information.p_contact_global"]),
    "formation_travailleurs_sociaux": ("formation = 0.9\ncapacite = 0.9", ["acteurs.travailleur_social.formation"]),
    "versement_automatique": ('prestations = "toutes"', ["prestations.rsa.ouverture_automatique"]),
}
# Pour que certaines interventions aient prise, le « monde » avant la date doit le permettre (ex. : en ligne
# seulement avant de maintenir un canal) : surcharges de base du scénario d'essai.
SURCHARGES_BASE = {
    "maintien_canal_non_numerique": ('"prestations.rsa.depot_guichet" = false\n'
                                     '"guichets.caf.part_ouverte" = [0.2, 0.2, 0.2, 0.2]'),
    "ouverture_guichets": '"guichets.cpam.part_ouverte" = [0.5, 0.5, 0.5, 0.5]',
    # Des identifiants gardés en nombre sur 800 ménages et 9 mois : beaucoup de recours aux acteurs, qui les gardent.
    "aidants_connect": '"accompagnement.p_garde_identifiants" = 0.8\n"demarches.repli_acteur" = 2.0',
}


def _scenario(dossier, typ: str, fin: str | None = FIN_IV) -> str:
    champs, _ = EXEMPLES[typ]
    surch = SURCHARGES_BASE.get(typ, "")
    texte = (f'[scenario]\nnom = "essai_{typ}"\nquestion = "essai"\ncalibration = false\n'
             + (f"[surcharges]\n{surch}\n" if surch else "")
             + f'[[interventions]]\ntype = "{typ}"\ndate = "{DATE}"\n' + (f'fin = "{fin}"\n' if fin else "")
             + champs + "\n")
    chemin = dossier / f"essai_{typ}{'' if fin else '_sans_fin'}.toml"
    chemin.write_text(texte, encoding="utf-8")
    return str(chemin)


def _base(dossier, typ: str) -> str:
    surch = SURCHARGES_BASE.get(typ, "")
    chemin = dossier / f"base_{typ if surch else 'vide'}.toml"
    chemin.write_text(f'[scenario]\nnom = "base_{typ}"\nquestion = "essai"\ncalibration = false\n'
                      + (f"[surcharges]\n{surch}\n" if surch else ""), encoding="utf-8")
    return str(chemin)


@pytest.fixture(scope="module")
def dossier(tmp_path_factory):
    """Dossier partagé par le module : les exécutions mises en cache sont réutilisées d'un test à l'autre."""
    return tmp_path_factory.mktemp("scenarios")


@functools.lru_cache(maxsize=64)
def _run(chemin: str):
    return executer_run(SpecRun(scenario=chemin, graine=3, menages=N, debut=DEBUT, fin=FIN, surcharges=dict(RAPIDE)))


def test_chaque_type_a_un_exemple():
    assert set(EXEMPLES) == set(TYPES_INTERVENTIONS)


@pytest.mark.parametrize("typ", sorted(EXEMPLES))
def test_parametres_en_vigueur_avant_pendant_apres(tmp_path, typ):
    sc = charger_scenario(_scenario(tmp_path, typ))
    base = sc.parametres_base()
    cal = Calendrier.depuis_mois(DEBUT, FIN)
    pol = Politiques(sc, cal)
    d, f = cal.pas(DATE), cal.pas(FIN_IV)
    vus = {}
    for t in (-5, 0, d - 1, d, f - 1, f, cal.n_pas - 1):
        pol.actives = None
        p, _ = pol.parametres_a(base, t)
        vus[t] = p
    for t in (-5, 0, d - 1, f, cal.n_pas - 1):
        assert vus[t].valeurs == base.valeurs, f"{typ} : paramètres changés hors de la fenêtre (pas {t})"
    for t in (d, f - 1):
        for cle in EXEMPLES[typ][1]:
            assert vus[t][cle] != base[cle], f"{typ} : {cle} inchangé pendant l'intervention"


@pytest.mark.parametrize("typ", sorted(EXEMPLES))
def test_effet_sur_les_menages_seulement_apres_la_date(dossier, typ):
    avec = _run(_scenario(dossier, typ)).series
    sans = _run(_base(dossier, typ)).series
    cles = ["date", "indicateur", "prestation", "groupe"]
    a = avec.assign(**{c: avec[c].astype(str) for c in cles}).set_index(cles)["valeur"]
    b = sans.assign(**{c: sans[c].astype(str) for c in cles}).set_index(cles)["valeur"]
    a, b = a.align(b)
    pareil = (a == b) | (a.isna() & b.isna())
    dates = a.index.get_level_values("date")
    avant = dates < DATE[:7]
    assert pareil[avant].all(), f"{typ} : les séries diffèrent avant la date"
    assert not pareil[~avant].all(), f"{typ} : aucun effet sur les ménages après la date"


def test_fermeture_totale_capacite_nulle_exactement(dossier):
    s = _run(_scenario(dossier, "fermeture_guichets")).series
    s = s[(s["indicateur"] == "capacite_guichets")].assign(date=lambda x: x["date"].astype(str))
    caf = s[s["groupe"] == "operateur=caf"].set_index("date")["valeur"]
    cpam = s[s["groupe"] == "operateur=cpam"].set_index("date")["valeur"]
    pendant = [d for d in caf.index if "2014-08" <= d <= "2014-12"]
    assert (caf[pendant] == 0.0).all()
    assert (caf[[d for d in caf.index if d <= "2014-06"]] > 0).all()
    # Défaite à sa fin : capacité revenue exactement à son niveau d'avant ; l'autre organisme n'est pas touché.
    assert caf["2015-03"] == pytest.approx(caf["2014-03"])
    assert np.allclose(cpam, cpam.iloc[0], rtol=1e-12)  # constante (aux arrondis de la moyenne des semaines près)
    refus = _run(_scenario(dossier, "fermeture_guichets")).series
    r = refus[(refus["groupe"] == "operateur=caf")].assign(date=lambda x: x["date"].astype(str))
    dem = r[r["indicateur"] == "demande_guichets"].set_index("date")["valeur"]
    ref = r[r["indicateur"] == "n_refus_guichet"].set_index("date")["valeur"]
    # Guichets fermés : plus personne n'y va (la demande se reporte ailleurs), alors qu'avant on y allait.
    assert (dem[pendant] == 0).all() and (ref[pendant] == 0).all()
    assert dem[[d for d in dem.index if d <= "2014-06"]].sum() > 0


def test_doubler_les_heures_double_la_capacite():
    m = ModeleNonRecours(scenario="reference", menages=1000, graine=1, debut="2014-01", fin="2014-03",
                         surcharges={"simulation.rodage_semaines": 0})
    avant = m.offre_acteurs().copy()
    p2 = m.p.avec({"acteurs.france_services.heures_pour_10000": 2 * m.p["acteurs.france_services.heures_pour_10000"]})
    m.p = p2
    m.parametres_changes()
    apres = m.offre_acteurs()
    g = GENRES_ACTEURS.index("france_services")
    np.testing.assert_allclose(apres[g], 2 * avant[g])
    autres = [k for k in range(len(GENRES_ACTEURS)) if k != g]
    np.testing.assert_allclose(apres[autres], avant[autres])


def test_ouverture_france_services_par_territoire(tmp_path):
    chemin = tmp_path / "fs.toml"
    chemin.write_text('[scenario]\nnom = "fs"\nquestion = "q"\ncalibration = false\n[[interventions]]\n'
                      'type = "ouverture_france_services"\ndate = "2014-02-01"\nzones = ["rural"]\nfacteur = 2.0\n',
                      encoding="utf-8")
    m = ModeleNonRecours(scenario=str(chemin), menages=1000, graine=1, debut="2014-01", fin="2014-04",
                         surcharges={"simulation.rodage_semaines": 0})
    g = GENRES_ACTEURS.index("france_services")
    m.step()
    avant = m.offre_acteurs()[g].copy()
    while m.t < m.calendrier.pas("2014-02-01") + 1:
        m.step()
    apres = m.offre_acteurs()[g]
    np.testing.assert_allclose(apres[3], 2 * avant[3])  # rural
    np.testing.assert_allclose(apres[:3], avant[:3])


def test_maintien_canal_l_emporte_sur_une_fermeture_anterieure(tmp_path):
    chemin = tmp_path / "m.toml"
    chemin.write_text('[scenario]\nnom = "m"\nquestion = "q"\ncalibration = false\n'
                      '[[interventions]]\ntype = "fermeture_guichets"\ndate = "2014-02-01"\noperateur = "caf"\n'
                      'zones = "toutes"\npart = 0.9\n'
                      '[[interventions]]\ntype = "en_ligne_seulement"\ndate = "2014-02-01"\nprestations = ["rsa"]\n'
                      '[[interventions]]\ntype = "maintien_canal_non_numerique"\ndate = "2014-06-01"\n'
                      'prestations = ["rsa"]\npart_ouverte_min = 0.5\n', encoding="utf-8")
    sc = charger_scenario(str(chemin))
    cal = Calendrier.depuis_mois("2014-01", "2014-12")
    pol = Politiques(sc, cal)
    p, _ = pol.parametres_a(sc.parametres_base(), cal.pas("2014-03-03"))
    assert p["guichets.caf.part_ouverte"] == pytest.approx([0.1] * 4) and not p["prestations.rsa.depot_guichet"]
    p, _ = pol.parametres_a(sc.parametres_base(), cal.pas("2014-07-07"))
    assert p["guichets.caf.part_ouverte"] == pytest.approx([0.5] * 4) and p["prestations.rsa.depot_guichet"]
    assert p["guichets.cpam.part_ouverte"] == [1.0] * 4  # la CPAM ne verse pas le RSA


def test_versement_automatique_fait_baisser_le_non_recours(dossier):
    avec = _run(_scenario(dossier, "versement_automatique")).series
    sans = _run(_base(dossier, "versement_automatique")).series

    def nr(s, date):
        d = s[(s["indicateur"] == "taux_non_recours") & (s["groupe"] == "ensemble")
              & (s["date"].astype(str) == date)]
        return d.set_index(d["prestation"].astype(str))["valeur"]
    assert (nr(avec, "2014-12") < nr(sans, "2014-12") - 0.05).all()


def test_aidants_connect_pas_de_nouveaux_identifiants(dossier):
    s = _run(_scenario(dossier, "aidants_connect", fin=None)).series
    b = _run(_base(dossier, "aidants_connect")).series

    def det(x):
        d = x[(x["indicateur"] == "n_identifiants_detenus")
              & x["groupe"].astype(str).isin(["acteur=travailleur_social", "acteur=association"])]
        return d.groupby(d["date"].astype(str))["valeur"].sum()
    ds, db = det(s), det(b)
    apres = [d for d in ds.index if d >= "2014-08"]
    # Sans habilitation, les identifiants gardés s'accumulent ; avec, ils ne font que diminuer (droits qui finissent).
    assert ds[apres].diff().dropna().max() <= 0
    assert ds[apres].iloc[-1] < db[apres].iloc[-1]


def test_intervention_mal_formee_erreur_francaise(tmp_path):
    cas = {
        'type = "fermeture_guichets"\ndate = "2015-01-01"\noperateur = "poste"\nzones = "toutes"\npart = 0.5':
            "operateur",
        'type = "aidants_connect"\ndate = "2015-01-01"\ngenres = ["prestataire_prive"]': "Aidants Connect",
        'type = "ouverture_france_services"\ndate = "2015-01-01"\nzones = ["lune"]\nfacteur = 2.0': "Territoires",
        'type = "formation_travailleurs_sociaux"\ndate = "2015-01-01"\nformation = 1.5': "Part invalide",
        'type = "versement_automatique"\ndate = "2015-01-01"': "manquant",
        'type = "rendez_vous_des_droits"\ndate = "2015-01-01"\ncontacts = ["radio"]': "Contacts",
        'type = "teleportation"\ndate = "2015-01-01"': "inconnu",
        'type = "aidants_connect"\ndate = "2015-01-01"\nfin = "2014-01-01"\ngenres = "tous"': "fin",
    }
    for k, (corps, mot) in enumerate(cas.items()):
        chemin = tmp_path / f"e{k}.toml"
        chemin.write_text(f'[scenario]\nnom = "e"\nquestion = "q"\n[[interventions]]\n{corps}\n', encoding="utf-8")
        with pytest.raises(ErreurEntree) as exc:
            charger_scenario(str(chemin))
        assert mot.lower() in str(exc.value).lower(), (corps, str(exc.value))
        assert str(chemin) in str(exc.value)


def test_sans_interventions_retire_les_types_herites(tmp_path):
    sc = charger_scenario("sans_dematerialisation")
    ref = charger_scenario("reference")
    retires = {"fermeture_guichets", "rendez_vous_seulement", "en_ligne_seulement"}
    types = {type(iv).__name__ for iv in sc.interventions}
    assert not types & {TYPES_INTERVENTIONS[t].__name__ for t in retires}
    assert len(sc.interventions) == sum(type(iv) not in {TYPES_INTERVENTIONS[t] for t in retires}
                                        for iv in ref.interventions)
    chemin = tmp_path / "x.toml"
    chemin.write_text('[scenario]\nnom = "x"\nquestion = "q"\nsans_interventions = ["fermeture_guichets"]\n',
                      encoding="utf-8")
    with pytest.raises(ErreurEntree, match="base"):
        charger_scenario(str(chemin))
    chemin.write_text('[scenario]\nnom = "x"\nquestion = "q"\nbase = "reference"\nsans_interventions = ["x"]\n',
                      encoding="utf-8")
    with pytest.raises(ErreurEntree, match="retirer"):
        charger_scenario(str(chemin))


def test_scenarios_livres_valides_et_documentes():
    for nom in ("reference", "sans_dematerialisation", "tout_numerique_sans_mediation", "maintien_accueil_physique",
                "renfort_mediation", "aidants_connect_generalise", "versement_automatique",
                "rendez_vous_des_droits", "formation_travailleurs_sociaux"):
        sc = charger_scenario(nom)
        assert sc.question.strip().endswith("?") and sc.sources, nom
    # tous les organismes gardent un accueil dans maintien_accueil_physique, en 2027
    sc = charger_scenario("maintien_accueil_physique")
    cal = Calendrier.depuis_mois("2014-01", "2027-12")
    p, _ = Politiques(sc, cal).parametres_a(sc.parametres_base(), cal.n_pas - 1)
    for o in ORGANISMES:
        assert min(p[f"guichets.{o}.part_ouverte"]) >= p["politiques.maintien_part_ouverte_min"]
    assert all(p[f"prestations.{b}.depot_guichet"] for b in ("rsa", "prime_activite", "aspa"))


def test_verifier_accepte_les_scenarios_livres(capsys):
    from experiences.cli import main
    from modele.scenarios import DOSSIER_SCENARIOS
    for f in sorted(DOSSIER_SCENARIOS.glob("*.toml")):
        assert main(["verifier", str(f)]) == 0
    assert "OK : scénario" in capsys.readouterr().out
