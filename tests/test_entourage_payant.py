"""Entourage au temps limité et service payant au tarif déclaré (issue 14, point 6), sur des ménages posés à la main.

Entourage : pas d'entourage, pas de repli FAMILLE ; réserve épuisée ou aide qui fait défaut (probabilité déclarée,
fatigue) : repli ailleurs sans tentative ; heures offertes = servies + inutilisées + reportées ; identifiants
gardés par un proche. Service payant : utilité exacte selon la part du tarif dans les ressources ; tarif plus haut,
moins de payant (graines appariées, inclusion choix par choix) ; ressources plus hautes, plus de payant ; euros
comptés exacts ; identifiants gardés sauf habilitation Aidants Connect.
"""

from __future__ import annotations

import numpy as np
import pytest
from fabrique import REUSSITE_CERTAINE, capable, en_demarche, petit_modele, prestation

from modele import demarches
from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE
from modele.etat import (
    ACTEUR,
    DEMARCHE,
    DETENTEUR_ENTOURAGE,
    DETENTEUR_PAYANT,
    EN_LIGNE,
    FAMILLE,
    GUICHET,
    INSTRUCTION,
    PAYANT,
    TERRITOIRES,
)
from modele.indicateurs import flux_mensuel
from modele.prestations import GENRES_AIDE
from modele.tentatives import choisir, part_tarif_payant, repli, utilites_repli

CINQ = np.array([0, 1, 2, 3, 4])
FAM = GENRES_AIDE.index("famille")
PAY = GENRES_AIDE.index("prestataire_prive")
# Seul l'entourage est attrayant : tout autre repli est (presque) exclu.
SEUL_ENTOURAGE = {"demarches.repli_famille": 10.0, "demarches.repli_guichet": -10.0, "demarches.repli_acteur": -10.0,
                  "demarches.repli_payant": -10.0, "demarches.repli_reessayer": -10.0,
                  "demarches.repli_renoncer": -10.0, "demarches.renoncement_par_echec": 0.0}
FIABLE = {"entourage.p_echec": 0.0, "entourage.coef_fatigue": 0.0}



def _ressources(M, i, revenus):
    """Personne seule sans enfant (1 unité de consommation), ressources = revenus d'activité seulement."""
    M.couple[i] = False
    M.enfants[i] = 0
    M.revenus_activite[i] = revenus
    M.pensions[i] = 0.0
    M.autres_ressources[i] = 0.0


# --- entourage -----------------------------------------------------------------------------------------------

def test_sans_entourage_pas_de_repli_famille(tmp_path):
    m = petit_modele(tmp_path, SEUL_ENTOURAGE)
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=False)
    capable(m, CINQ[:2], 0.0, aidant=True)
    u = utilites_repli(m, CINQ, np.full(5, b), np.zeros(5))
    assert np.isinf(u[2:, FAMILLE]).all() and (u[2:, FAMILLE] < 0).all()
    assert u[:2, FAMILLE] == pytest.approx([10.0, 10.0])
    # Même quand l'entourage serait de loin le meilleur repli, un ménage sans entourage ne le choisit jamais.
    en_demarche(m, b, EN_LIGNE)
    M.tentatives[CINQ, b] = 1
    repli(m, CINQ, np.full(5, b), np.random.default_rng(0))
    assert (M.canal[CINQ[:2], b] == FAMILLE).all()
    assert (M.canal[CINQ[2:], b] != FAMILLE).all()


def test_entourage_epuise_plus_une_option_et_repli_ailleurs(tmp_path):
    # Un mois de 1,5 h, une démarche en prend 1 : la première est faite, la réserve (0,5 h) ne suffit plus.
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, **FIABLE, "demarches.heures_famille": 1.0,
                                "demarches.repli_guichet": 10.0, "demarches.repli_acteur": -10.0,
                                "demarches.repli_payant": -10.0, "demarches.repli_reessayer": -10.0,
                                "demarches.repli_renoncer": -10.0})
    M, b, a = m.menages, prestation(m, "rsa"), prestation(m, "aides_logement")
    capable(m, CINQ, 0.0, aidant=True)
    M.capacite_aidant[CINQ] = 1.0
    M.heures_entourage[CINQ] = M.reserve_entourage[CINQ] = 1.5
    en_demarche(m, b, FAMILLE)
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == INSTRUCTION).all()
    assert M.reserve_entourage[CINQ] == pytest.approx([0.5] * 5)
    assert np.isinf(utilites_repli(m, CINQ, np.full(5, a), np.zeros(5))[:, FAMILLE]).all()
    # Une demande déjà orientée vers l'entourage : pas de tentative, repli ailleurs, demande comptée non servie.
    c = m.compteurs
    c.remettre()
    m.t += 1
    en_demarche(m, a, FAMILLE)
    demarches.appliquer(m)  # la réserve gagne 1,5 / (52/12) ≈ 0,35 h : 0,85 h < 1 h
    assert (M.canal[CINQ, a] != FAMILLE).all() and (M.statut[CINQ, a] == DEMARCHE).all()
    assert (M.tentatives[CINQ, a] == 0).all() and (M.etape[CINQ, a] == 0).all()
    assert c.episodes[FAM] == 0 and c.demandes_aide[FAM] == 5
    assert c.non_servie[FAM].sum() == pytest.approx(5.0)
    assert M.reserve_entourage[CINQ] == pytest.approx([0.5 + 1.5 / SEMAINES_PAR_MOIS_RELEVE] * 5, rel=1e-5)


@pytest.mark.parametrize("p_echec, coef, fatigue, aides", [(1.0, 0.0, 0.0, 0), (0.0, 0.0, 5.0, 5),
                                                           (0.0, 1.0, 2.0, 0), (0.0, 1.0, 0.0, 5)])
def test_entourage_fait_defaut_avec_la_probabilite_et_la_fatigue(tmp_path, p_echec, coef, fatigue, aides):
    # P(échec) = p_echec + coef × sollicitations récentes (avant celle-ci, oubliées de exp(−1/520) en début de
    # semaine), bornée à [0, 1] : 0 ou 1 ici.
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "entourage.p_echec": p_echec, "entourage.coef_fatigue": coef,
                                "entourage.memoire_fatigue": 520.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=True)
    M.capacite_aidant[CINQ] = 1.0
    M.fatigue_entourage[CINQ] = fatigue
    en_demarche(m, b, FAMILLE)
    demarches.appliquer(m)
    assert m.compteurs.episodes[FAM] == aides and m.compteurs.demandes_aide[FAM] == 5
    assert int((M.statut[CINQ, b] == INSTRUCTION).sum()) == aides
    assert M.fatigue_entourage[CINQ] == pytest.approx([fatigue * np.exp(-1 / 520) + 1.0] * 5, rel=1e-5)


def test_entourage_comptes_d_heures_et_oubli_de_la_fatigue(tmp_path):
    # Offertes = servies + inutilisées + reportées, par territoire ; la fatigue décroît de exp(−1 / mémoire).
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, **FIABLE, "demarches.heures_famille": 2.0,
                                "entourage.memoire_fatigue": 4.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=True)
    M.heures_entourage[CINQ] = 3.0
    M.reserve_entourage[CINQ] = [0.0, 1.5, 2.0, 3.0, 3.0]
    M.fatigue_entourage[CINQ] = 2.0
    en_demarche(m, b, FAMILLE)
    demarches.appliquer(m)
    c = m.compteurs
    assert c.offertes[FAM] == pytest.approx(c.servies[FAM] + c.inutilisees[FAM] + c.reportees[FAM])
    hebdo = 3.0 / SEMAINES_PAR_MOIS_RELEVE
    servis = int(c.episodes[FAM])
    assert servis == 4  # 0 + 0,69 h < 2 h : le premier ne peut pas
    assert c.servies[FAM].sum() == pytest.approx(2.0 * servis)
    assert M.fatigue_entourage[CINQ] == pytest.approx([2.0 * np.exp(-0.25) + 1.0] * 5, rel=1e-5)
    assert M.reserve_entourage[0] == pytest.approx(hebdo, rel=1e-5)


def test_entourage_garde_les_identifiants(tmp_path):
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, **FIABLE, "entourage.p_garde_identifiants": 1.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=True)
    M.capacite_aidant[CINQ] = 1.0
    en_demarche(m, b, FAMILLE)
    demarches.appliquer(m)
    assert (M.detenteur[CINQ, b] == DETENTEUR_ENTOURAGE).all()
    m.releve.relever()
    s = m.series()
    d = s[(s.indicateur.astype(str) == "n_identifiants_detenus") & (s.groupe.astype(str) == "acteur=famille")]
    assert d["valeur"].iloc[-1] == 5


# --- service payant ------------------------------------------------------------------------------------------

def test_utilite_payant_exacte_selon_la_part_du_tarif(tmp_path):
    m = petit_modele(tmp_path, {"demarches.repli_payant": -1.0, "demarches.tarif_payant": 29.0,
                                "demarches.sensibilite_tarif_payant": 50.0})
    M, b = m.menages, prestation(m, "rsa")
    _ressources(M, CINQ, [971.0, 1971.0, 0.0, 971.0, 971.0])
    M.couple[3], M.enfants[4] = True, 2  # 1,5 et 1,6 unité de consommation (échelle déclarée)
    uc = np.array([1.0, 1.0, 1.0, 1.0 + m.p["population.uc_adulte_supplementaire"],
                   1.0 + 2 * m.p["population.uc_enfant"]])
    attendu = 29.0 / (np.array([971.0, 1971.0, 0.0, 971.0, 971.0]) / uc + 29.0)
    assert part_tarif_payant(m, CINQ) == pytest.approx(attendu, rel=1e-5)
    assert attendu[0] == pytest.approx(0.029) and attendu[2] == 1.0
    u = utilites_repli(m, CINQ, np.full(5, b), np.zeros(5))
    assert u[:, PAYANT] == pytest.approx(-1.0 - 50.0 * attendu, rel=1e-5)
    # Les prestations perçues comptent dans les ressources.
    M.statut[0, b], M.montant_du[0, b] = 4, 1000.0  # PERCOIT
    assert part_tarif_payant(m, CINQ[:1]) == pytest.approx([29.0 / 2000.0], rel=1e-5)


def _choix_payant(tmp_path, surcharges, revenus, graine=7):
    """Choix du repli de 2 000 ménages (tous les replis ouverts, utilités égales hors tarif), graine fixe."""
    m = petit_modele(tmp_path, {"demarches.repli_payant": 1.0, "demarches.repli_famille": 0.0,
                                "demarches.repli_reessayer": 0.0, "demarches.repli_renoncer": 0.0,
                                **surcharges}, menages=2000)
    M, b = m.menages, prestation(m, "rsa")
    i = np.arange(2000)
    capable(m, i, 0.5, aidant=True)
    _ressources(M, i, revenus)
    u = utilites_repli(m, i, np.full(i.size, b), np.zeros(i.size))
    u[:, [EN_LIGNE, GUICHET, ACTEUR]] = -np.inf  # famille, payant, réessayer, renoncer
    return choisir(u, np.random.default_rng(graine)) == PAYANT


@pytest.mark.parametrize("graine", [0, 1, 2])
def test_tarif_plus_haut_moins_de_payant_graines_appariees(tmp_path, graine):
    bas = _choix_payant(tmp_path, {"demarches.tarif_payant": 29.0}, 1200.0, graine)
    haut = _choix_payant(tmp_path, {"demarches.tarif_payant": 99.0}, 1200.0, graine)
    # Mêmes tirages : seul le tarif baisse l'utilité du payant, qui perd des ménages et n'en gagne aucun.
    assert not (haut & ~bas).any()
    assert haut.sum() < bas.sum()
    sans_prix = _choix_payant(tmp_path, {"demarches.sensibilite_tarif_payant": 0.0}, 1200.0, graine)
    assert not (bas & ~sans_prix).any() and bas.sum() < sans_prix.sum()


def test_revenus_plus_hauts_plus_de_payant(tmp_path):
    revenus = np.where(np.arange(2000) % 2 == 0, 500.0, 4000.0)
    choix = _choix_payant(tmp_path, {}, revenus)
    modestes, aises = choix[::2].mean(), choix[1::2].mean()
    # Probabilités logit attendues : e^u / (e^u + 3), u = 1 − 50 × 29 / (R + 29) ; écart bien au-delà du bruit.
    p = [np.exp(1 - 50 * 29 / (r + 29)) / (np.exp(1 - 50 * 29 / (r + 29)) + 3) for r in (500.0, 4000.0)]
    assert modestes == pytest.approx(p[0], abs=4 * np.sqrt(p[0] / 1000))
    assert aises == pytest.approx(p[1], abs=4 * np.sqrt(p[1] / 1000))
    assert aises > modestes + 0.1


@pytest.mark.parametrize("aidants_connect", [False, True])
def test_payant_euros_comptes_et_identifiants(tmp_path, aidants_connect):
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "demarches.tarif_payant": 29.0,
                                "demarches.p_garde_identifiants_payant": 1.0,
                                "acteurs.prestataire_prive.aidants_connect": aidants_connect})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0)
    M.territoire[CINQ] = [0, 0, 1, 3, 3]
    en_demarche(m, b, PAYANT)
    demarches.appliquer(m)
    c = m.compteurs
    assert (M.statut[CINQ, b] == INSTRUCTION).all()
    assert c.euros_payant.tolist() == [58.0, 29.0, 0.0, 58.0]
    assert c.episodes[PAY] == 5 and c.demandes_aide[PAY] == 5
    attendu = [-1] * 5 if aidants_connect else [DETENTEUR_PAYANT] * 5
    assert M.detenteur[CINQ, b].tolist() == attendu
    semaines = c.semaines = 2
    m.releve.relever()
    s = m.series()
    d = s[s.indicateur.astype(str) == "montant_depense_payant"].set_index("groupe")["valeur"]
    assert d["ensemble"] == pytest.approx(float(flux_mensuel(145.0, semaines)))
    assert d[f"territoire={TERRITOIRES[1]}"] == pytest.approx(float(flux_mensuel(29.0, semaines)))


def test_demarche_courante_payee(tmp_path):
    # Démarche courante faite par le payant (seul repli ouvert) : un tarif par démarche.
    m = petit_modele(tmp_path, {"demarches.repli_payant": 10.0, "demarches.tarif_payant": 40.0,
                                "demarches.preference_en_ligne": -10.0})
    M = m.menages
    capable(m, CINQ, 0.0)
    _ressources(M, CINQ, 3000.0)
    M.t_courante[CINQ] = m.t
    demarches.appliquer(m)
    assert m.compteurs.euros_payant.sum() == pytest.approx(200.0)
    assert (M.detenteur == -1).all()  # une démarche courante n'ouvre pas de droit : pas d'identifiants gardés
