"""Un test (ou quelques-uns) par sous-modèle, sur 3 à 5 ménages posés à la main dans un petit modèle vidé.

Les surcharges rendent les issues certaines (probabilités 0 ou 1, pentes fortes) : chaque test vérifie l'issue
exacte attendue de la règle écrite dans la docstring du sous-modèle.
"""

from __future__ import annotations

import numpy as np
import pytest
from fabrique import ECHEC_CERTAIN, REUSSITE_CERTAINE, capable, en_demarche, petit_modele, prestation

from modele import (
    accompagnement,
    decision,
    demarches,
    evenements,
    guichets,
    information,
    instruction,
    politiques,
    renouvellements,
    tentatives,
)
from modele.etat import (
    ABANDON,
    ACTEUR,
    ATTENTE,
    AUCUN,
    CLASSES,
    DEMARCHE,
    EN_LIGNE,
    FAMILLE,
    FERMETURE,
    GUICHET,
    INSTRUCTION,
    JAMAIS,
    PERCOIT,
    PLUS_TARD,
    REJET,
    SUSPENDU,
)
from modele.modele import ModeleNonRecours
from modele.prestations import GENRES_ACTEURS, GENRES_AIDE, ORGANISMES

CINQ = np.array([0, 1, 2, 3, 4])


# --- politiques -----------------------------------------------------------------------------------------

def test_politiques_fermeture_datee_puis_defaite(tmp_path):
    (tmp_path / "ferme.toml").write_text("""
[scenario]
nom = "ferme"
question = "test"
calibration = false
[[interventions]]
type = "fermeture_guichets"
date = "2014-03-03"
fin = "2014-06-02"
operateur = "caf"
zones = "toutes"
part = 1.0
[[interventions]]
type = "renfort_acteurs"
date = "2014-03-03"
genre = "travailleur_social"
facteur = 2.0
""", encoding="utf-8")
    from modele.modele import ModeleNonRecours
    m = ModeleNonRecours(scenario=str(tmp_path / "ferme.toml"), menages=100, debut="2014-01", fin="2014-12",
                         surcharges={"simulation.rodage_semaines": 0})
    cal = m.calendrier
    d, f = cal.pas("2014-03-03"), cal.pas("2014-06-02")
    caf = ORGANISMES.index("caf")
    statut_avant = m.menages.statut.copy()
    ts = m.acteur(GENRES_ACTEURS.index("travailleur_social"), 0)
    h0 = ts.heures
    for t in range(0, cal.n_pas):
        m.t = t
        politiques.appliquer(m)
        ouv = m.ouverture_guichets()[caf]
        if d <= t < f:
            assert m.p["guichets.caf.part_ouverte"] == [0.0] * 4
            assert (ouv == 0).all()
        else:
            assert m.p["guichets.caf.part_ouverte"] == [1.0] * 4
            assert (ouv > 0).all()
        assert ts.heures == pytest.approx(h0 * (2.0 if t >= d else 1.0))
        # Les autres organismes ne bougent pas.
        assert (m.ouverture_guichets()[ORGANISMES.index("cpam")] > 0).all()
    # Une intervention ne touche jamais l'état des ménages.
    assert (m.menages.statut == statut_avant).all()


# --- evenements -----------------------------------------------------------------------------------------

def test_evenements_sortie_efface_la_demande(tmp_path):
    m = petit_modele(tmp_path)
    M, b = m.menages, prestation(m, "rsa")
    M.eligible[CINQ, b] = True
    M.connait[CINQ, b] = True
    M.statut[CINQ, b] = [PERCOIT, INSTRUCTION, DEMARCHE, ATTENTE, SUSPENDU]
    M.t_prochain[CINQ, b] = 3
    M.detenteur[CINQ, b] = 7
    evenements.sortir(m, CINQ, b)
    assert not M.eligible[CINQ, b].any()
    assert (M.statut[CINQ, b] == AUCUN).all()
    assert (M.t_prochain[CINQ, b] == PLUS_TARD).all() and (M.t_renouvellement[CINQ, b] == PLUS_TARD).all()
    assert (M.detenteur[CINQ, b] == -1).all()
    # Les autres prestations ne sont pas touchées.
    assert not M.eligible[CINQ][:, np.arange(M.n_prestations) != b].any()


def test_evenements_entree_connaissance_doublee_meme_organisme(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.connaissance_entree": 0.5})
    M, b, pa = m.menages, prestation(m, "rsa"), prestation(m, "prime_activite")
    css = prestation(m, "css_gratuite")
    # Ménages 0-1 perçoivent la prime d'activité (CAF, comme le RSA) : connaissance 2 × 0,5 = 1.
    M.eligible[[0, 1], pa] = True
    M.statut[[0, 1], pa] = PERCOIT
    # Ménage 2 perçoit la CSS (CPAM) : pas de doublement.
    M.eligible[2, css] = True
    M.statut[2, css] = PERCOIT
    m.t = 5
    evenements.entrer(m, np.array([0, 1, 2]), b, np.random.default_rng(0))
    assert M.eligible[[0, 1, 2], b].all()
    assert (M.t_debut_eligibilite[[0, 1, 2], b] == 5).all()
    assert M.connait[[0, 1], b].all()
    assert (M.t_decision[[0, 1], b] == 5).all()
    # Sans connaissance : pas de décision datée.
    sait = M.connait[2, b]
    assert M.t_decision[2, b] == (5 if sait else PLUS_TARD)


def test_evenements_entree_sans_connaissance(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.connaissance_entree": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    evenements.entrer(m, CINQ, b, np.random.default_rng(0))
    assert M.eligible[CINQ, b].all() and not M.connait[CINQ, b].any()
    assert (M.t_decision[CINQ, b] == PLUS_TARD).all()


def test_evenements_vieillissement_au_nouvel_an(tmp_path):
    m = petit_modele(tmp_path)
    age = m.menages.age.copy()
    t_janv = m.calendrier.pas("2015-01-05")
    assert m.calendrier.nouvel_an(t_janv)
    m.t = t_janv - 1
    evenements.appliquer(m)
    assert (m.menages.age == age).all()
    m.t = t_janv
    t_en_ligne = m.menages.t_en_ligne.copy()
    t_en_ligne[:] = 0
    m.menages.t_en_ligne[:] = t_en_ligne
    evenements.appliquer(m)
    vieilli = m.menages.age == age + 1
    nouveaux = ~vieilli
    # Renouvellement : la plupart vieillissent d'un an ; les ménages dissous sont remplacés par des ménages neufs.
    assert vieilli.mean() > 0.9 and nouveaux.any()
    assert (m.menages.t_en_ligne[nouveaux] == JAMAIS).all() and (m.menages.t_en_ligne[vieilli] == 0).all()
    assert (m.menages.age[nouveaux] >= 18).all() and (m.menages.age[nouveaux] <= 95).all()


@pytest.mark.lent
def test_pyramide_des_ages_stationnaire():
    m = ModeleNonRecours(menages=4000, graine=2, debut="2014-01", fin="2027-12")
    parts0 = np.bincount(m.menages.tranche_age(), minlength=5) / m.menages.n
    m.lancer()
    parts1 = np.bincount(m.menages.tranche_age(), minlength=5) / m.menages.n
    assert np.abs(parts1 - parts0).max() < 0.02, (parts0, parts1)


# Les trois tests suivants posent la règle des flux stationnaires (sans table des droits) : parts éligibles par
# profil, durée moyenne d'éligibilité, prestation liée. Avec la table (`droits.utiliser_table = true`, défaut),
# l'éligibilité est recalculée depuis les ressources du ménage au nouvel an et après un événement : une
# éligibilité posée à la main ou une part surchargée n'y a pas de sens. Ces règles restent celles de l'étalon
# (benchmarks/yardstick_agents.py) et du modèle quand la table est débranchée.
SANS_TABLE = {"droits.utiliser_table": False}


def test_css_gardee_tant_que_eligible_au_rsa(tmp_path):
    m = petit_modele(tmp_path, {**SANS_TABLE, "prestations.css_gratuite.duree_eligibilite": 4.0}, menages=500)
    M, rsa, css = m.menages, prestation(m, "rsa"), prestation(m, "css_gratuite")
    M.eligible[:40, rsa] = True
    M.eligible[:80, css] = True
    for _ in range(8):
        evenements.appliquer(m)
        m.t += 1
    tient = M.eligible[:40, rsa]
    assert tient.sum() > 20 and M.eligible[:40, css][tient].all()
    assert not M.eligible[40:80, css].all()  # sans RSA, la CSS s'arrête au hasard de sa durée


def test_evenements_entree_rsa_rend_eligible_css(tmp_path):
    # Beaucoup d'entrées au RSA (parts fortes, épisodes courts) : chaque entrant est aussi éligible à la CSS.
    # (Les sorties de la CSS sont tirées à part, même pour un allocataire du RSA : épisodes CSS très longs ici.)
    m = petit_modele(tmp_path, {**SANS_TABLE, "prestations.css_gratuite.duree_eligibilite": 2000.0,
                                "prestations.rsa.part_eligible_par_quintile": [0.9] * 5,
                                "prestations.rsa.facteur_type_menage": [1.0] * 4,
                                "prestations.rsa.duree_eligibilite": 4.0, "prestations.rsa.age_min": 18,
                                "prestations.rsa.age_max": 120}, menages=500)
    M, b, css = m.menages, prestation(m, "rsa"), prestation(m, "css_gratuite")
    m.recalculer_parts_eligibles()
    evenements.appliquer(m)
    entrants = M.eligible[:, b] & (M.t_debut_eligibilite[:, b] == m.t)
    assert entrants.sum() > 50
    assert M.eligible[entrants, css].all()


def test_evenements_sans_part_eligible_personne_n_entre(tmp_path):
    m = petit_modele(tmp_path, {**SANS_TABLE, "prestations.aspa.part_eligible_par_quintile": [0.0] * 5})
    b = prestation(m, "aspa")
    m.recalculer_parts_eligibles()
    for t in range(20):
        m.t = t
        evenements.appliquer(m)
    assert not m.menages.eligible[:, b].any()


def test_evenements_avec_la_table_droits_lus_dans_les_ressources(tmp_path):
    # Pendant des trois tests précédents avec la table des droits (défaut) : au nouvel an, une personne seule de
    # 40 ans sans ressources entre au RSA et à la CSS gratuite, pas à l'ASPA ; une personne seule de 70 ans sans
    # ressources entre à l'ASPA ; une personne seule de 40 ans à 4 000 € de salaire mensuel n'entre nulle part.
    m = petit_modele(tmp_path)
    assert m.droits is not None and m.calendrier.nouvel_an(m.t)
    M = m.menages
    pauvre, age, riche = np.array([0, 1, 2]), np.array([3, 4]), np.array([5, 6])
    i = np.concatenate([pauvre, age, riche])
    for nom in ("revenus_activite", "pensions", "autres_ressources", "revenus_conjoint", "pension_conjoint",
                "autres_conjoint"):
        getattr(M, nom)[i] = 0.0
    M.couple[i], M.enfants[i], M.age_conjoint[i] = False, 0, -1
    M.age[pauvre], M.age[age], M.age[riche] = 40, 70, 40
    M.revenus_activite[riche] = 4000.0
    evenements.recalculer_droits(m, i, m.aleas["evenements"])
    rsa, css, aspa = prestation(m, "rsa"), prestation(m, "css_gratuite"), prestation(m, "aspa")
    assert M.eligible[pauvre, rsa].all() and M.eligible[pauvre, css].all() and not M.eligible[pauvre, aspa].any()
    assert (M.montant_du[pauvre, rsa] > 0).all()
    assert M.eligible[age, aspa].all() and (M.montant_du[age, aspa] > 0).all()
    assert not M.eligible[riche].any()


# --- information ----------------------------------------------------------------------------------------

def _ignorants(m, b, i=CINQ):
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = False


def test_information_contact_informe(tmp_path):
    m = petit_modele(tmp_path, {"information.p_contact_global": 1.0, "information.coef_reseau": 0.0,
                                **{f"prestations.{p}.taux_information": 0.0 for p in
                                   ("rsa", "prime_activite", "css_gratuite", "css_participation", "aspa",
                                    "aides_logement")}})
    M, b = m.menages, prestation(m, "rsa")
    _ignorants(m, b)
    M.statut[4, b] = DEMARCHE  # une demande en cours : le contact ne la concerne pas
    M.eligible[5, b] = False   # non éligible : rien à apprendre
    m.t = 3
    m.contacts = [(np.array([0, 1, 2, 3, 4, 5]), 1 + GENRES_ACTEURS.index("travailleur_social"))]
    information.appliquer(m)
    assert M.connait[[0, 1, 2, 3], b].all()
    assert (M.t_decision[[0, 1, 2, 3], b] == 3).all()
    assert not M.connait[4, b] and not M.connait[5, b]
    assert m.contacts == []


def test_information_contact_muet_date_la_non_proposition(tmp_path):
    m = petit_modele(tmp_path, {"information.p_contact_global": 0.0, "information.coef_reseau": 0.0,
                                "prestations.rsa.taux_information": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    _ignorants(m, b)
    M.connait[CINQ[1], b] = True  # connaît son droit : la non-proposition est un acte de l'agent, pas du ménage
    m.t = 7
    m.contacts = [(CINQ[:3], 1 + GENRES_ACTEURS.index("association"))]
    information.appliquer(m)
    assert not M.connait[CINQ[[0, 2, 3, 4]], b].any()
    assert (M.t_non_proposition[CINQ[:3], b] == 7).all()
    assert (M.t_non_proposition[CINQ[3:], b] < 0).all()


def test_information_entourage_et_conseiller_numerique_ne_font_pas_de_non_proposition(tmp_path):
    m = petit_modele(tmp_path, {"information.p_contact_famille": 0.0, "information.p_contact_numerique": 0.0,
                                "information.coef_reseau": 0.0, "prestations.rsa.taux_information": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    _ignorants(m, b)
    m.contacts = [(CINQ[:2], 0), (CINQ[2:], 1 + GENRES_ACTEURS.index("conseiller_numerique"))]
    information.appliquer(m)
    assert (M.t_non_proposition[CINQ, b] < 0).all()


def test_information_proposition_a_qui_connait_declenche_la_decision(tmp_path):
    m = petit_modele(tmp_path, {"information.p_contact_global": 1.0, "information.coef_reseau": 0.0,
                                "prestations.rsa.taux_information": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    _ignorants(m, b)
    M.connait[CINQ, b] = True
    M.t_decision[CINQ, b] = PLUS_TARD  # avait décidé de ne pas demander, reconsidération lointaine
    M.statut[CINQ[4], b] = DEMARCHE   # demande en cours : rien à proposer
    m.t = 5
    m.contacts = [(CINQ, 1 + GENRES_ACTEURS.index("france_services"))]
    information.appliquer(m)
    assert (M.t_decision[CINQ[:4], b] == 5).all() and M.t_decision[CINQ[4], b] == PLUS_TARD
    assert (M.t_non_proposition[CINQ, b] < 0).all()


def test_information_formation_et_pression_reglent_la_proposition(tmp_path):
    m = petit_modele(tmp_path, {"information.p_contact_global": 0.5, "information.formation_reference": 0.3,
                                "information.coef_formation_proposition": 2.0,
                                "information.coef_pression_proposition": 1.5,
                                "acteurs.france_services.formation": 0.8})
    code = 1 + GENRES_ACTEURS.index("france_services")
    # logit(0,5) = 0 ; + 2 × (0,8 − 0,3) = 1 ; − 1,5 × pression.
    p0 = information.probabilite_contact(m, code, np.array([0.0, 1.0]))
    np.testing.assert_allclose(p0[:, 0], [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(0.5))])
    # Guichet : formation de référence, pas d'effet de formation.
    pg = information.probabilite_contact(m, m.code_contact_guichet(ORGANISMES.index("caf")), 0.0)
    caf = m.catalogue.organisme == ORGANISMES.index("caf")
    np.testing.assert_allclose(pg[caf], m.p["information.p_contact_guichet_propre"])


def test_information_guichet_informe_de_son_organisme(tmp_path):
    noms = ("rsa", "prime_activite", "css_gratuite", "css_participation", "aspa", "aides_logement")
    m = petit_modele(tmp_path, {"information.p_contact_guichet_propre": 1.0,
                                "information.p_contact_guichet_autre": 0.0, "information.coef_reseau": 0.0,
                                **{f"prestations.{p}.taux_information": 0.0 for p in noms}})
    M = m.menages
    M.eligible[CINQ] = True
    m.contacts = [(CINQ, m.code_contact_guichet(ORGANISMES.index("caf")))]
    information.appliquer(m)
    caf = m.catalogue.organisme == ORGANISMES.index("caf")
    assert M.connait[CINQ][:, caf].all()
    assert not M.connait[CINQ][:, ~caf].any()
    assert (M.t_non_proposition[CINQ][:, ~caf] == m.t).all()


def test_information_taux_de_base(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.taux_information": 1.0,
                                "prestations.prime_activite.taux_information": 0.0, "information.coef_reseau": 0.0})
    M, b, pa = m.menages, prestation(m, "rsa"), prestation(m, "prime_activite")
    _ignorants(m, b)
    _ignorants(m, pa)
    information.appliquer(m)
    assert M.connait[CINQ, b].all() and not M.connait[CINQ, pa].any()


# --- decision -------------------------------------------------------------------------------------------

def _informes(m, b, i=CINQ):
    M = m.menages
    M.eligible[i, b] = True
    M.montant_du[i, b] = m.catalogue.montant[b]  # la décision pèse le montant dû au ménage
    M.connait[i, b] = True
    M.statut[i, b] = AUCUN
    M.t_decision[i, b] = m.t


def test_decision_utilite_forte_demande(tmp_path):
    m = petit_modele(tmp_path, {"decision.coef_montant": 10.0, "decision.cout_base": 0.0,
                                "prestations.rsa.stigmate": 0.0, "decision.cout_numerique": 0.0,
                                "decision.echelle_bruit": 0.05, "decision.cout_distance": [0.0] * 4})
    M, b = m.menages, prestation(m, "rsa")
    _informes(m, b)
    M.connait[4, b] = False  # ne connaît pas : pas de décision, date effacée
    decision.appliquer(m)
    assert (M.statut[CINQ[:4], b] == DEMARCHE).all()
    assert M.a_demande[CINQ[:4], b].all()
    assert (M.t_prochain[CINQ[:4], b] == m.t).all()
    assert (M.t_decision[CINQ, b] == PLUS_TARD).all()
    assert M.statut[4, b] == AUCUN


def test_decision_utilite_faible_non_demande(tmp_path):
    m = petit_modele(tmp_path, {"decision.coef_montant": 0.0, "decision.cout_base": 10.0,
                                "decision.echelle_bruit": 0.05})
    M, b = m.menages, prestation(m, "rsa")
    _informes(m, b)
    decision.appliquer(m)
    assert (M.statut[CINQ, b] == AUCUN).all()
    assert not M.a_demande[CINQ, b].any()
    assert (M.t_decision[CINQ, b] > m.t).all() and (M.t_decision[CINQ, b] < PLUS_TARD).all()
    nc, nd, nrec = m.types_non_recours()
    assert nd[CINQ, b].all()


# --- demarches ------------------------------------------------------------------------------------------


def test_demarches_reussite_certaine_en_instruction(tmp_path):
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "prestations.rsa.delai_instruction": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 1.0)
    en_demarche(m, b, EN_LIGNE)
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == INSTRUCTION).all()
    assert (M.etape[CINQ, b] == 5).all()
    assert (M.t_prochain[CINQ, b] == m.t + 1).all()  # délai 0 → décision la semaine suivante
    assert (M.t_en_ligne[CINQ] == m.t).all()


def test_demarches_echec_certain_renonce_apres_tentatives_max(tmp_path):
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "demarches.tentatives_max": 3,
                                "decision.perte_perception_echec": 0.5})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0)
    en_demarche(m, b, EN_LIGNE)
    M.tentatives[CINQ, b] = 2  # la tentative de la semaine est la 3e : au-delà, on renonce
    p0 = M.perception[CINQ, b].copy()
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == AUCUN).all()
    assert (M.t_abandon[CINQ] == m.t).all() and (M.t_abandon_def[CINQ] == m.t).all()
    assert M.perception[CINQ, b] == pytest.approx(p0 * 0.5)
    assert (M.t_decision[CINQ, b] > m.t).all()
    # Demande abandonnée en cours de procédure : non-réception « abandon », datée.
    assert (M.issue_demande[CINQ, b] == ABANDON).all() and (M.t_issue_demande[CINQ, b] == m.t).all()
    M.a_demande[CINQ, b] = True
    assert (m.classes()[CINQ, b] == CLASSES.index("non_reception_abandon")).all()


def test_demarches_echec_repli_vers_entourage(tmp_path):
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "demarches.repli_famille": 10.0, "demarches.repli_guichet": -10.0,
                                "demarches.repli_acteur": -10.0, "demarches.repli_payant": -10.0,
                                "demarches.repli_reessayer": -10.0, "demarches.repli_renoncer": -10.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=True)
    M.capacite_aidant[CINQ] = 0.0
    en_demarche(m, b, EN_LIGNE)
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == DEMARCHE).all()
    assert (M.canal[CINQ, b] == FAMILLE).all()
    assert (M.t_prochain[CINQ, b] == m.t + 1).all()
    assert (M.tentatives[CINQ, b] == 1).all()


def test_demarches_entourage_capable_fait_aboutir_et_compte_ses_heures(tmp_path):
    # Un entourage qui ne fait jamais défaut (tests/test_entourage_payant.py : ses échecs et son temps limité).
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "demarches.heures_famille": 2.0, "entourage.p_echec": 0.0,
                                "entourage.coef_fatigue": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0, aidant=True)
    M.capacite_aidant[CINQ] = 1.0
    en_demarche(m, b, FAMILLE)
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == INSTRUCTION).all()
    famille = GENRES_AIDE.index("famille")
    assert m.compteurs.heures[famille, 0] == pytest.approx(2.0 * CINQ.size)
    assert m.compteurs.episodes[famille] == CINQ.size
    assert len(m.contacts) > 0


def test_demarches_guichet_et_acteur_mettent_en_attente(tmp_path):
    m = petit_modele(tmp_path)
    M, b = m.menages, prestation(m, "rsa")
    en_demarche(m, b, GUICHET, CINQ[:2])
    en_demarche(m, b, ACTEUR, CINQ[2:])
    demarches.appliquer(m)
    assert (M.statut[CINQ, b] == ATTENTE).all()
    en_guichet = np.concatenate([x for g in m.guichets for x in g.demandes_menage])
    assert sorted(en_guichet) == [0, 1]
    en_file = np.concatenate([a.file["menage"] for a in m.acteurs])
    assert sorted(en_file) == [2, 3, 4]


def _offre_a_la_main(heures: dict, **autres) -> dict:
    """Heures pour 10 000 ménages par genre gratuit, densité 1 partout, attrait nul pour tous."""
    s = {}
    for g in ("travailleur_social", "france_services", "conseiller_numerique", "association"):
        s[f"acteurs.{g}.heures_pour_10000"] = heures.get(g, 0.0)
        s[f"acteurs.{g}.densite_territoires"] = [1.0] * 4
        s[f"acteurs.{g}.attrait"] = 0.0
    return {**s, **autres}


def test_demarches_offre_locale_rend_le_recours_a_un_acteur_plus_attractif(tmp_path):
    # Utilité « acteur » = repli_acteur + élasticité × ln(offre gratuite pour 10 000 ménages / référence) − distance/2 :
    # à la référence (20 + 7,5 + 15 = 42,5 h) l'effet est nul ; une offre doublée (20 + 50 + 15 = 85 h) ajoute
    # exactement élasticité × ln 2.
    i, b = np.arange(4), np.zeros(4, dtype=np.int64)

    def u_acteur(h_fs, elasticite):
        m = petit_modele(tmp_path, _offre_a_la_main(
            {"travailleur_social": 20.0, "france_services": h_fs, "association": 15.0},
            **{"demarches.elasticite_offre_acteurs": elasticite, "demarches.offre_acteurs_reference": 42.5}))
        m.menages.territoire[i] = 0
        return tentatives.utilites_repli(m, i, b, np.zeros(4))[:, ACTEUR]

    assert u_acteur(7.5, 1.5) == pytest.approx(u_acteur(7.5, 0.0))
    assert u_acteur(50.0, 1.5) - u_acteur(50.0, 0.0) == pytest.approx(1.5 * np.log(2.0))
    assert (u_acteur(50.0, 1.5) > u_acteur(7.5, 1.5)).all()


def test_demarches_choix_de_l_acteur_au_prorata_des_heures_et_selon_l_attente(tmp_path):
    m = petit_modele(tmp_path, _offre_a_la_main({"travailleur_social": 10.0, "france_services": 30.0},
                                                **{"demarches.poids_offre_choix_acteur": 1.0,
                                                   "demarches.poids_attente_acteur": 0.0}), menages=4000)
    m.menages.territoire[:] = 0
    i = np.arange(4000)
    fs, ts = GENRES_ACTEURS.index("france_services"), GENRES_ACTEURS.index("travailleur_social")
    rng = np.random.default_rng(0)
    g = tentatives.choisir_acteur(m, i, rng)
    # Attraits égaux, pas de file : 30 h contre 10 h → 3/4 des demandes à France Services (± 3 écarts-types).
    assert set(np.unique(g)) == {fs, ts}
    assert abs((g == fs).mean() - 0.75) < 3 * np.sqrt(0.75 * 0.25 / 4000)
    # Une file de dix semaines d'attente annoncée chez France Services détourne (presque) tout vers l'autre acteur.
    a = m.acteur(fs, 0)
    n_file = int(np.ceil(10 * a.heures / m.p["accompagnement.heures_faire_avec"]))
    a.ajouter(np.zeros(n_file, np.int32), np.full(n_file, -1), m.t, np.full(n_file, 100), np.zeros(n_file, bool))
    m.p = m.p.avec({"demarches.poids_attente_acteur": 1.0})
    g = tentatives.choisir_acteur(m, i, rng)
    assert (g == fs).mean() < 0.01


# --- accompagnement -------------------------------------------------------------------------------------

def _file_acteur(m, genre="travailleur_social", heures=1.5):
    """L'acteur urbain du genre, avec exactement `heures` heures cette semaine."""
    a = m.acteur(GENRES_ACTEURS.index(genre), 0)
    for s in m.acteurs:  # heures = heures_pour_10000 × densité (1) dans l'urbain, aucune ailleurs
        s.n_menages_territoire = 10000 if s.territoire == 0 else 0
    m.menages.territoire[:] = 0
    m.parametres_changes()
    m.compteurs.remettre()
    return a


def _surcharges_place(genre="travailleur_social", heures=1.5, **autres):
    return {f"acteurs.{genre}.heures_pour_10000": heures, f"acteurs.{genre}.densite_territoires": [1.0] * 4,
            f"acteurs.{genre}.p_orienter": 0.0, f"acteurs.{genre}.logit_faire_a_la_place": 10.0,
            "accompagnement.coef_formation": 0.0, "accompagnement.coef_mandat": 0.0,
            "accompagnement.coef_capacite": 0.0, "accompagnement.heures_faire_a_la_place": 0.5,
            f"acteurs.{genre}.heures_par_aidant": 60.0, "accompagnement.cv_duree_episode": 0.0,
            "accompagnement.logit_a_cote": -20.0, "aidants.logit_refus": -20.0,
            "aidants.facteur_bureau_mal_equipe": 1.0, "prestations.prime_activite.duree_accompagnement": 1.0,
            "aidants.p_depart_semaine": 0.0, "aidants.coef_depart_tension": 0.0, **autres}


def _mettre_en_file(m, a, i, b, urgent=None, limite=100):
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = ATTENTE
    a.ajouter(i, np.full(i.size, b), m.t, np.full(i.size, limite),
              np.zeros(i.size, bool) if urgent is None else urgent)


def test_accompagnement_capacite_exactement_k_servis(tmp_path):
    m = petit_modele(tmp_path, {**_surcharges_place(heures=1.5), **REUSSITE_CERTAINE})
    a = _file_acteur(m)
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.0)
    _mettre_en_file(m, a, CINQ, b)
    accompagnement.appliquer(m)
    # 1,5 h et 0,5 h par épisode « à la place » : 3 servis (les 3 premiers arrivés), 2 restent en file.
    assert m.compteurs.episodes[1 + a.g] == 3
    assert list(a.file["menage"]) == [3, 4]
    assert (m.menages.statut[CINQ[:3], b] == INSTRUCTION).all()
    assert (m.menages.statut[CINQ[3:], b] == ATTENTE).all()
    assert m.compteurs.heures[1 + a.g, 1] == pytest.approx(1.5)  # heures « à la place »
    assert m.compteurs.heures[1 + a.g, 4] == pytest.approx(1.5)  # hors mandat (travailleur social)


def test_accompagnement_urgents_d_abord(tmp_path):
    m = petit_modele(tmp_path, {**_surcharges_place(heures=1.0), **REUSSITE_CERTAINE})
    a = _file_acteur(m)
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.0)
    _mettre_en_file(m, a, CINQ, b, urgent=np.array([False, False, False, True, True]))
    accompagnement.appliquer(m)
    assert (m.menages.statut[[3, 4], b] == INSTRUCTION).all()
    assert sorted(a.file["menage"]) == [0, 1, 2]


def test_accompagnement_abandon_de_file_apres_patience(tmp_path):
    m = petit_modele(tmp_path, {**_surcharges_place(heures=0.0), "demarches.repli_renoncer": 10.0,
                                "demarches.repli_famille": -10.0, "demarches.repli_guichet": -10.0,
                                "demarches.repli_payant": -10.0, "demarches.repli_reessayer": -10.0})
    a = _file_acteur(m)
    b = prestation(m, "prime_activite")
    m.t = 10
    _mettre_en_file(m, a, CINQ[:3], b, limite=9)   # patience épuisée
    _mettre_en_file(m, a, CINQ[3:], b, limite=12)  # encore patients
    accompagnement.appliquer(m)
    assert m.compteurs.abandons_file[1 + a.g] == 3
    assert sorted(a.file["menage"]) == [3, 4]
    assert (m.menages.statut[CINQ[:3], b] == AUCUN).all()  # repli : renonce
    assert (m.menages.statut[CINQ[3:], b] == ATTENTE).all()


@pytest.mark.parametrize("aidants_connect, garde", [(False, True), (True, False)])
def test_accompagnement_identifiants_gardes_sauf_aidants_connect(tmp_path, aidants_connect, garde):
    m = petit_modele(tmp_path, {**_surcharges_place(heures=10.0), **REUSSITE_CERTAINE,
                                "accompagnement.p_garde_identifiants": 1.0,
                                "acteurs.travailleur_social.aidants_connect": aidants_connect})
    a = _file_acteur(m)
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.0)
    _mettre_en_file(m, a, CINQ, b)
    accompagnement.appliquer(m)
    assert (m.menages.statut[CINQ, b] == INSTRUCTION).all()
    attendu = a.aidants[0] if garde else -1
    assert (m.menages.detenteur[CINQ, b] == attendu).all()


def test_accompagnement_faire_avec_fait_apprendre(tmp_path):
    m = petit_modele(tmp_path, {**_surcharges_place(heures=10.0), **REUSSITE_CERTAINE,
                                "acteurs.travailleur_social.logit_faire_a_la_place": -10.0,
                                "apprentissage.gain_faire_avec": 0.1, "accompagnement.coef_urgence": 0.0,
                                "accompagnement.coef_pression": 0.0})
    a = _file_acteur(m)
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.5)
    _mettre_en_file(m, a, CINQ, b)
    accompagnement.appliquer(m)
    assert m.menages.autonomie[CINQ] == pytest.approx(0.1)
    assert m.compteurs.heures[1 + a.g, 2] == pytest.approx(5 * m.p["accompagnement.heures_faire_avec"])
    assert (m.menages.detenteur[CINQ, b] == -1).all()


# --- guichets -------------------------------------------------------------------------------------------

def test_guichets_capacite_nulle_tous_refuses_et_rediriges(tmp_path):
    m = petit_modele(tmp_path, {"guichets.caf.visites_pour_10000": 0.0, "demarches.repli_famille": 10.0,
                                "demarches.repli_renoncer": -10.0})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.2, aidant=True)
    M.eligible[CINQ, b] = True
    M.connait[CINQ, b] = True
    m.demander_guichet(CINQ, np.full(CINQ.size, b))
    guichets.appliquer(m)
    caf = ORGANISMES.index("caf")
    assert m.compteurs.guichet_demande[caf] == 5
    assert m.compteurs.guichet_servis[caf] == 0
    assert (M.statut[CINQ, b] == DEMARCHE).all()
    assert (M.canal[CINQ, b] == FAMILLE).all()
    assert (M.t_prochain[CINQ, b] == m.t + 1).all()
    assert all(not g.demandes_menage for g in m.guichets)


def test_guichets_capacite_large_sert_et_depose(tmp_path):
    m = petit_modele(tmp_path, {"guichets.cpam.visites_pour_10000": 10000.0, "guichets.cpam.capacite_agent": 1.0,
                                **REUSSITE_CERTAINE})
    M, b = m.menages, prestation(m, "css_gratuite")
    capable(m, CINQ, 0.0)
    M.eligible[CINQ, b] = True
    M.connait[CINQ, b] = True
    m.demander_guichet(CINQ, np.full(CINQ.size, b))
    guichets.appliquer(m)
    assert m.compteurs.guichet_servis[ORGANISMES.index("cpam")] == 5
    assert (M.statut[CINQ, b] == INSTRUCTION).all()


# --- instruction ----------------------------------------------------------------------------------------

def _en_instruction(m, b, i=CINQ):
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = INSTRUCTION
    M.etape[i, b] = 5
    M.t_prochain[i, b] = m.t
    M.t_debut_eligibilite[i, b] = m.t - 10


def test_instruction_pieces_manquantes(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.p_pieces_manquantes": 1.0})
    M, b = m.menages, prestation(m, "rsa")
    _en_instruction(m, b)
    instruction.appliquer(m)
    assert (M.statut[CINQ, b] == DEMARCHE).all()
    assert (M.etape[CINQ, b] == 3).all()
    assert (M.tentatives[CINQ, b] == 1).all()
    assert (M.t_prochain[CINQ, b] == m.t + 1).all()


def test_instruction_rejet(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.p_pieces_manquantes": 0.0, "prestations.rsa.p_rejet_a_tort": 1.0})
    M, b = m.menages, prestation(m, "rsa")
    _en_instruction(m, b)
    instruction.appliquer(m)
    assert (M.statut[CINQ, b] == AUCUN).all()
    assert (M.t_decision[CINQ, b] > m.t).all()
    assert (M.perception[CINQ, b] < m.p["decision.perception_initiale"]).all()
    assert (M.issue_demande[CINQ, b] == REJET).all() and (M.t_issue_demande[CINQ, b] == m.t).all()


def test_instruction_ouverture(tmp_path):
    m = petit_modele(tmp_path, {"prestations.rsa.p_pieces_manquantes": 0.0, "prestations.rsa.p_rejet_a_tort": 0.0})
    M, b = m.menages, prestation(m, "rsa")
    _en_instruction(m, b)
    instruction.appliquer(m)
    assert (M.statut[CINQ, b] == PERCOIT).all()
    assert (M.t_renouvellement[CINQ, b] == m.t + 13).all()
    assert m.compteurs.acces_n[b] == 5 and m.compteurs.acces_somme[b] == 50


def test_instruction_css_automatique_pour_le_rsa(tmp_path):
    m = petit_modele(tmp_path, {"prestations.css_gratuite.automatique_pour": "rsa"})
    M, rsa, css = m.menages, prestation(m, "rsa"), prestation(m, "css_gratuite")
    M.eligible[CINQ, css] = True
    M.eligible[CINQ[:3], rsa] = True
    M.statut[CINQ[:3], rsa] = PERCOIT
    instruction.appliquer(m)
    assert (M.statut[CINQ[:3], css] == PERCOIT).all() and M.connait[CINQ[:3], css].all()
    assert (M.statut[CINQ[3:], css] == AUCUN).all()


def test_instruction_sans_automaticite_rien_ne_s_ouvre(tmp_path):
    m = petit_modele(tmp_path)
    M, rsa, css = m.menages, prestation(m, "rsa"), prestation(m, "css_gratuite")
    M.eligible[CINQ, css] = True
    M.eligible[CINQ, rsa] = True
    M.statut[CINQ, rsa] = PERCOIT
    instruction.appliquer(m)
    assert (M.statut[CINQ, css] == AUCUN).all()


# --- renouvellements ------------------------------------------------------------------------------------

def _percoit(m, b, i=CINQ):
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = PERCOIT
    M.t_renouvellement[i, b] = m.t


def test_renouvellements_declaration_manquee_suspend(tmp_path):
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "renouvellements.difficulte_declaration": 1.0,
                                "renouvellements.delai_regularisation": 8})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 0.0)
    _percoit(m, b)
    renouvellements.appliquer(m)
    assert (M.statut[CINQ, b] == SUSPENDU).all()
    assert m.compteurs.ruptures[b] == 5
    assert (M.t_prochain[CINQ, b] == m.t + 8).all()
    nc, nd, nrec = m.types_non_recours()
    assert nrec[CINQ, b].all()
    assert (m.classes()[CINQ, b] == CLASSES.index("non_reception_rupture")).all()


def test_renouvellements_preremplie_plus_facile(tmp_path):
    s = {"demarches.pente": 40.0, "demarches.bonus_en_ligne": 0.0, "renouvellements.difficulte_declaration": 0.9,
         "renouvellements.difficulte_preremplie": 0.1}
    for prerempli, attendu in ((False, SUSPENDU), (True, PERCOIT)):
        m = petit_modele(tmp_path, {**s, "prestations.rsa.declaration_preremplie": prerempli})
        M, b = m.menages, prestation(m, "rsa")
        capable(m, CINQ, 0.5)
        _percoit(m, b)
        renouvellements.appliquer(m)
        assert (M.statut[CINQ, b] == attendu).all()
        if attendu == PERCOIT:
            assert (M.t_renouvellement[CINQ, b] == m.t + 13).all()


def test_renouvellements_l_aidant_qui_garde_les_identifiants_declare(tmp_path):
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "renouvellements.difficulte_declaration": 0.5,
                                "acteurs.travailleur_social.capacite": 1.0, "demarches.pente": 40.0,
                                "demarches.bonus_en_ligne": 0.0, "accompagnement.heures_declaration": 0.25,
                                "accompagnement.dette_max_semaines": 52.0})
    M, b = m.menages, prestation(m, "rsa")
    a = m.acteur(GENRES_ACTEURS.index("travailleur_social"), 0)
    assert 52 * a.heures > 0.75  # le petit modèle laisse à l'aidant le temps des trois déclarations
    capable(m, CINQ, 0.0)
    _percoit(m, b)
    M.detenteur[CINQ[:3], b] = a.aidants[0]
    a.reliquat = 0.0
    renouvellements.appliquer(m)
    assert (M.statut[CINQ[:3], b] == PERCOIT).all()
    assert (M.statut[CINQ[3:], b] == SUSPENDU).all()
    assert m.compteurs.heures[1 + a.g, 0] == pytest.approx(0.75)
    # Les heures des déclarations sont prises sur le temps de l'aidant (sa dette, reprise la semaine suivante).
    assert a.reliquat == pytest.approx(-0.75)
    assert m.compteurs.servies[1 + a.g, a.territoire] == pytest.approx(0.75)
    assert m.compteurs.reportees[1 + a.g, a.territoire] == pytest.approx(-0.75)


@pytest.mark.parametrize("p_err, coef, pression, n_indus", [(1.0, 0.0, 0.0, 3), (0.0, 0.0, 3.0, 0),
                                                            (0.0, 1.0, 1.0, 3), (0.0, 1.0, 0.0, 0)])
def test_renouvellements_declaration_erronee_de_l_aidant_indu(tmp_path, p_err, coef, pression, n_indus):
    # Trois déclarations faites par l'aidant, qui réussiraient toutes ; erronées (p = 1, ou pression × coef = 1) :
    # trois indus, droits suspendus comme une rupture ; p = 0 : aucune. Les deux autres ménages échouent seuls.
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "renouvellements.difficulte_declaration": 0.5,
                                "acteurs.travailleur_social.capacite": 1.0, "demarches.pente": 40.0,
                                "demarches.bonus_en_ligne": 0.0, "accompagnement.dette_max_semaines": 52.0,
                                "accompagnement.p_erreur_declaration_aidant": p_err,
                                "accompagnement.coef_pression_erreur": coef})
    M, b, c = m.menages, prestation(m, "rsa"), m.compteurs
    a = m.acteur(GENRES_ACTEURS.index("travailleur_social"), 0)
    capable(m, CINQ, 0.0)
    _percoit(m, b)
    M.detenteur[CINQ[:3], b] = a.aidants[0]
    a.reliquat, a.pression = 0.0, pression
    renouvellements.appliquer(m)
    attendu = SUSPENDU if n_indus else PERCOIT
    assert (M.statut[CINQ[:3], b] == attendu).all()
    assert (M.statut[CINQ[3:], b] == SUSPENDU).all()
    assert c.declarations_aidant[b] == 3 and c.declarations_aidant.sum() == 3
    assert c.indus[b] == n_indus and c.indus.sum() == n_indus
    assert c.ruptures[b] == 2 + n_indus  # un indu suspend le droit : compté aussi parmi les ruptures
    if n_indus:
        assert (M.t_prochain[CINQ[:3], b] == m.t + m.p["renouvellements.delai_regularisation"]).all()
    else:
        assert (M.t_renouvellement[CINQ[:3], b] == m.t + 13).all()


def test_renouvellements_aidants_connect_ni_declaration_par_l_aidant_ni_indu(tmp_path):
    # Sans identifiants gardés (Aidants Connect), le ménage déclare : aucune déclaration par l'aidant, aucun indu,
    # même avec une erreur certaine de l'aidant.
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "accompagnement.p_erreur_declaration_aidant": 1.0})
    M, b, c = m.menages, prestation(m, "rsa"), m.compteurs
    capable(m, CINQ, 1.0)
    _percoit(m, b)
    renouvellements.appliquer(m)
    assert (M.statut[CINQ, b] == PERCOIT).all()
    assert c.declarations_aidant.sum() == 0 and c.indus.sum() == 0 and c.ruptures.sum() == 0


def test_renouvellements_aidant_sans_temps_le_menage_declare_seul(tmp_path):
    # Dette maximale d'une semaine d'heures : au-delà, le ménage déclare seul (et échoue ici).
    m = petit_modele(tmp_path, {**ECHEC_CERTAIN, "renouvellements.difficulte_declaration": 0.5,
                                "acteurs.travailleur_social.capacite": 1.0, "demarches.pente": 40.0,
                                "demarches.bonus_en_ligne": 0.0, "accompagnement.dette_max_semaines": 1.0})
    M, b = m.menages, prestation(m, "rsa")
    a = m.acteur(GENRES_ACTEURS.index("travailleur_social"), 0)
    h = a.heures
    m.p = m.p.avec({"accompagnement.heures_declaration": h / 2})
    capable(m, CINQ, 0.0)
    _percoit(m, b)
    M.detenteur[CINQ, b] = a.aidants[0]
    a.reliquat = 0.0
    renouvellements.appliquer(m)
    assert (M.statut[CINQ[:2], b] == PERCOIT).all()  # deux déclarations : une semaine d'heures de dette
    assert (M.statut[CINQ[2:], b] == SUSPENDU).all()
    assert a.reliquat == pytest.approx(-h)


def test_accompagnement_dette_d_heures_reduit_le_service_et_le_compte_tient(tmp_path):
    m = petit_modele(tmp_path, REUSSITE_CERTAINE)
    g = GENRES_ACTEURS.index("travailleur_social")
    a = m.acteur(g, 0)
    c = m.compteurs
    a.reliquat = -a.heures  # une semaine de déclarations d'avance : aucune heure pour la file cette semaine
    b = prestation(m, "rsa")
    M = m.menages
    M.eligible[CINQ, b] = True
    M.statut[CINQ, b] = ATTENTE
    a.ajouter(CINQ, np.full(5, b), m.t, np.full(5, m.t + 50), np.zeros(5, bool))
    accompagnement.appliquer(m)
    assert a.longueur_file == 5 and c.episodes[1 + g] == 0
    assert c.offertes[1 + g, 0] == pytest.approx(a.heures) and c.servies[1 + g, 0] == 0
    assert c.offertes[1 + g, 0] == pytest.approx(c.servies[1 + g, 0] + c.inutilisees[1 + g, 0]
                                                 + c.reportees[1 + g, 0])
    assert a.reliquat == pytest.approx(0.0)


@pytest.mark.parametrize("p_reg, attendu", [(1.0, PERCOIT), (0.0, AUCUN)])
def test_renouvellements_fin_du_delai(tmp_path, p_reg, attendu):
    m = petit_modele(tmp_path, {"renouvellements.p_regularisation": p_reg,
                                "renouvellements.difficulte_declaration": 0.3})
    M, b = m.menages, prestation(m, "rsa")
    capable(m, CINQ, 1.0)
    M.eligible[CINQ, b] = True
    M.connait[CINQ, b] = True
    M.statut[CINQ, b] = SUSPENDU
    M.t_prochain[CINQ, b] = m.t
    renouvellements.appliquer(m)
    assert (M.statut[CINQ, b] == attendu).all()
    if attendu == AUCUN:
        assert (M.t_decision[CINQ, b] > m.t).all()
        assert (M.issue_demande[CINQ, b] == FERMETURE).all()  # droit fermé : non-réception « rupture »


# --- indicateurs ----------------------------------------------------------------------------------------

def test_indicateurs_valeurs_exactes(tmp_path):
    m = petit_modele(tmp_path, {"indicateurs.delai_traitement_normal": 9, "indicateurs.fenetre_non_reception": 52,
                                "information.fenetre_non_proposition": 52})
    M, b = m.menages, prestation(m, "rsa")
    t = m.calendrier.pas("2015-03-02")  # premier lundi de mars : relevé du mois de février
    m.t = t
    M.eligible[:10, b] = True
    M.montant_du[:10, b] = 100.0 * np.arange(1, 11)  # montants propres à chaque ménage
    M.connait[1:10, b] = True
    M.statut[1, b] = PERCOIT
    M.statut[[2, 3], b] = INSTRUCTION                 # 2 : dans le délai normal ; 3 : au-delà
    M.t_demande[2, b], M.t_demande[3, b] = t - 9, t - 10
    M.a_demande[2:10, b] = True
    # 4 : connaît, n'a jamais demandé ; 5 : abandon, 6 : rejet, 7 : fermeture après une déclaration manquée, tous
    # récents ; 8 : suspendu ; 9 : rejet trop ancien (hors fenêtre) → non-demande.
    M.a_demande[4, b] = False
    for k, issue, quand in ((5, ABANDON, t - 3), (6, REJET, t - 52 + 1), (7, FERMETURE, t - 1), (9, REJET, t - 52)):
        M.issue_demande[k, b], M.t_issue_demande[k, b] = issue, quand
    M.statut[8, b] = SUSPENDU
    M.t_non_proposition[[0, 4], b] = t - 2  # contacts sans proposition : un ignorant et un qui connaît
    m.releve.relever()
    df = m.releve.tableau()
    d = df[(df.prestation == "rsa") & (df.groupe == "ensemble") & (df.date == "2015-02")]
    v = d.assign(indicateur=d.indicateur.astype(str)).set_index("indicateur")["valeur"]
    assert v["n_eligibles"] == 10
    assert v["n_beneficiaires"] == 1
    assert v["taux_non_percu"] == pytest.approx(0.9)
    assert v["taux_en_cours_normal"] == pytest.approx(0.1)
    assert v["taux_non_recours"] == pytest.approx(0.8)
    assert v["taux_non_connaissance"] == pytest.approx(0.1)
    assert v["taux_non_demande"] == pytest.approx(0.2)       # 4 et 9
    assert v["taux_non_reception"] == pytest.approx(0.5)     # 3, 5, 6, 7, 8
    assert v["taux_non_reception_abandon"] == pytest.approx(0.1)
    assert v["taux_non_reception_rejet"] == pytest.approx(0.1)
    assert v["taux_non_reception_rupture"] == pytest.approx(0.2)
    assert v["taux_non_reception_attente"] == pytest.approx(0.1)
    assert v["taux_non_proposition"] == pytest.approx(2 / 8)  # parmi les 8 non-recourants
    # Montant non versé : les non-recourants (ni le bénéficiaire, ni la demande dans son délai normal).
    assert v["montant_non_verse"] == pytest.approx(100.0 * (1 + 4 + 5 + 6 + 7 + 8 + 9 + 10))
    # Sans éligible, les taux sont indéfinis (NaN), pas 0.
    w = df[(df.prestation == "aspa") & (df.groupe == "ensemble") & (df.indicateur == "taux_non_recours")]
    assert w["valeur"].isna().all()


def test_indicateurs_heures_et_guichets(tmp_path):
    m = petit_modele(tmp_path)
    m.t = m.calendrier.pas("2014-03-03")
    m.compteurs.ajouter_heures(1, 3.0, "place", hors_mandat=True, finance=False)
    m.compteurs.ajouter_heures(1, 1.0, "avec", hors_mandat=False, finance=True)
    m.compteurs.episodes[1] = 4
    m.compteurs.attente[1] = 8
    m.compteurs.guichet_demande[0] = 10
    m.compteurs.guichet_servis[0] = 7
    m.compteurs.guichet_abandons[0] = 3  # parties de la file sans être servies (le reste attend encore)
    m.compteurs.semaines = 4  # février 2014 : 4 lundis
    m.releve.relever()
    df = m.releve.tableau()
    g = f"acteur={GENRES_AIDE[1]}"
    d = df[df.groupe == g]
    v = d.assign(indicateur=d.indicateur.astype(str)).set_index("indicateur")["valeur"]
    # Flux publiés en moyenne hebdomadaire × 52/12 : somme du mois / 4 semaines × 52/12.
    assert v["heures_accompagnement"] == pytest.approx(4.0 / 4 * 52 / 12)
    assert v["heures_faire_a_la_place"] == pytest.approx(3.0 / 4 * 52 / 12)
    assert v["heures_faire_avec"] == pytest.approx(1.0 / 4 * 52 / 12)
    assert v["heures_hors_mandat"] == pytest.approx(3.0 / 4 * 52 / 12)
    assert v["heures_transfert_tacite"] == pytest.approx(3.0 / 4 * 52 / 12)
    assert v["attente_moyenne"] == 2.0  # état (moyenne par épisode) : inchangé
    r = df[(df.groupe == "operateur=caf") & (df.indicateur == "n_refus_guichet")]["valeur"]
    assert r.iloc[0] == pytest.approx(3 / 4 * 52 / 12)
    s = df[df.indicateur == "semaines_releve"]["valeur"]
    assert s.tolist() == [4.0]
    # Les compteurs de flux sont remis à zéro après le relevé.
    assert m.compteurs.heures.sum() == 0
