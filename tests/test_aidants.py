"""Aidants individuels (issue 14) : chaque règle sur des aidants et des ménages posés à la main.

Un refus, une habitude créée par « à la place », un épisode en plusieurs rendez-vous, un départ qui perd des
identifiants, un épisode Aidants Connect qui n'en garde aucun, une déclaration erronée qui crée un indu, la tension
qui fait partir, le remplaçant non formé, les déclarations prises sur les heures de l'aidant.
"""

from __future__ import annotations

import numpy as np
import pytest

from modele import accompagnement, aidants, renouvellements
from modele.etat import ATTENTE, AUCUN, DEMARCHE, INSTRUCTION, PERCOIT, SUSPENDU
from modele.prestations import GENRES_ACTEURS
from tests.fabrique import REUSSITE_CERTAINE, capable, petit_modele, prestation

CINQ = np.arange(5)
TS = GENRES_ACTEURS.index("travailleur_social")


def _regles(heures=1.5, par_aidant=3.0, **autres):
    """Un seul genre actif (travailleurs sociaux, urbain), sans hasard de posture ni de durée : « à la place »."""
    s = {"acteurs.travailleur_social.heures_pour_10000": heures,
         "acteurs.travailleur_social.densite_territoires": [1.0] * 4,
         "acteurs.travailleur_social.heures_par_aidant": par_aidant,
         "acteurs.travailleur_social.p_orienter": 0.0, "acteurs.travailleur_social.logit_faire_a_la_place": 10.0,
         "accompagnement.coef_formation": 0.0, "accompagnement.coef_mandat": 0.0, "accompagnement.coef_capacite": 0.0,
         "accompagnement.heures_faire_a_la_place": 0.5, "accompagnement.cv_duree_episode": 0.0,
         "accompagnement.logit_a_cote": -20.0, "aidants.logit_refus": -20.0, "aidants.facteur_bureau_mal_equipe": 1.0,
         "aidants.p_depart_semaine": 0.0, "aidants.coef_depart_tension": 0.0,
         "prestations.prime_activite.duree_accompagnement": 1.0}
    s.update(autres)
    return s


def _modele(tmp_path, heures=1.5, par_aidant=3.0, **autres):
    """Petit modèle dont la structure urbaine des travailleurs sociaux a exactement ses heures déclarées ; les
    autres surcharges s'écrivent avec « __ » pour « . »."""
    m = petit_modele(tmp_path, _regles(heures, par_aidant, **{k.replace("__", "."): v for k, v in autres.items()}))
    m.menages.territoire[:] = 0
    for a in m.acteurs:
        a.n_menages_territoire = 10000 if a.territoire == 0 else 0
    m.parametres_changes()
    m.compteurs.remettre()  # les postes supprimés des autres territoires ne comptent pas
    return m


def _en_file(m, i, b, limite=100):
    M = m.menages
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = ATTENTE
    m.acteur(TS, 0).ajouter(i, np.full(i.size, b), m.t, np.full(i.size, limite), np.zeros(i.size, bool))


def _postes(m):
    return m.acteur(TS, 0).aidants


def test_effectifs_par_structure(tmp_path):
    m = _modele(tmp_path, heures=10.0, par_aidant=3.0)
    k = _postes(m)
    # 10 h / 3 h par aidant : arrondi(3,33) = 3 aidants de 10/3 h chacun.
    assert k.size == 3 and m.aidants.actif[k].all()
    assert m.aidants.heures[k] == pytest.approx([10 / 3] * 3)
    # Une politique qui double les heures : 7 postes (arrondi de 6,67), les anciens gardés.
    m.p = m.p.avec({"acteurs.travailleur_social.heures_pour_10000": 20.0})
    m.parametres_changes()
    k2 = _postes(m)
    assert k2.size == 7 and set(k) <= set(k2)


def test_service_exactement_k_servis_par_aidant(tmp_path):
    m = _modele(tmp_path, heures=1.5, par_aidant=3.0, **{"demarches__pente": 40.0, "demarches__bonus_en_ligne": 10.0})
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.0)
    _en_file(m, CINQ, b)
    accompagnement.appliquer(m)
    # Un aidant de 1,5 h, 0,5 h par épisode « à la place » : 3 servis (les premiers arrivés), 2 restent en file.
    assert m.compteurs.episodes[1 + TS] == 3
    assert list(m.acteur(TS, 0).file["menage"]) == [3, 4]
    assert (m.menages.statut[CINQ[:3], b] == INSTRUCTION).all()
    assert m.compteurs.heures[1 + TS, 1] == pytest.approx(1.5)
    # Les trois ménages servis ont cet aidant pour référent ; leur habitude a monté.
    h = _postes(m)[0]
    assert (m.menages.referent[CINQ[:3]] == h).all() and (m.menages.referent[CINQ[3:]] == -1).all()
    assert m.menages.habitude[CINQ[:3]] == pytest.approx(m.p["apprentissage.gain_habitude_place"])


def test_refus_renvoie_le_menage(tmp_path):
    m = _modele(tmp_path, heures=3.0, **{"aidants__logit_refus": 10.0, "demarches__repli_renoncer": 10.0,
                                         "demarches__repli_famille": -10.0, "demarches__repli_guichet": -10.0,
                                         "demarches__repli_payant": -10.0, "demarches__repli_reessayer": -10.0})
    b = prestation(m, "prime_activite")
    _en_file(m, CINQ, b)
    accompagnement.appliquer(m)
    # Refus certain : 5 refus de 0,1 h, chacun renvoyé (ici : renonce), rien en file, aucun référent.
    assert m.compteurs.refus_aidant[1 + TS] == 5
    assert m.compteurs.heures[1 + TS, 7] == pytest.approx(5 * m.p["accompagnement.heures_refuser"])
    assert m.acteur(TS, 0).longueur_file == 0
    assert (m.menages.statut[CINQ, b] == AUCUN).all()
    assert (m.menages.referent[CINQ] == -1).all()


def test_disposition_et_tension_font_refuser(tmp_path):
    """Probabilité de refus : sigmoïde(base + disposition + sans mandat + tension), cas par cas."""
    m = _modele(tmp_path, heures=30.0, **{"aidants__logit_refus": -2.0, "aidants__coef_disposition_refus": 2.0,
                                          "aidants__coef_tension_refus": 1.0, "aidants__coef_sans_mandat_refus": 0.0})
    b = prestation(m, "prime_activite")
    k = _postes(m)
    parts = {}
    for disposition, tension in ((aidants.PREND_EN_CHARGE, 0.0), (aidants.REFUSE, 0.0), (aidants.REFUSE, 2.0)):
        m.aidants.disposition[k] = disposition
        m.aidants.tension[k] = tension
        f = m.file_aide
        n = 4000
        f.ajouter(np.zeros(n, np.int32), np.full(n, b), 0, np.full(n, 100), np.zeros(n, bool), np.zeros(n, np.int32))
        f.aidant[:] = k[0]
        accompagnement.tirer_postures(m, np.arange(n), np.zeros(m.aidants.n), np.random.default_rng(1))
        parts[(disposition, tension)] = float((f.posture == accompagnement.REFUSER).mean())
        f.garder(np.zeros(f.n, bool))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert parts[(0, 0.0)] == pytest.approx(sig(-2.0), abs=0.02)
    assert parts[(2, 0.0)] == pytest.approx(sig(0.0), abs=0.03)
    assert parts[(2, 2.0)] == pytest.approx(sig(2.0), abs=0.03)


def test_habitude_pousse_a_faire_a_la_place(tmp_path):
    """Sur les mêmes tirages, un ménage habitué obtient plus souvent « à la place »."""
    m = _modele(tmp_path, heures=30.0, **{"acteurs__travailleur_social__logit_faire_a_la_place": 0.0,
                                          "accompagnement__coef_habitude_place": 2.0,
                                          "accompagnement__coef_urgence": 0.0, "accompagnement__coef_pression": 0.0})
    b = prestation(m, "prime_activite")
    k = _postes(m)
    parts = []
    for habitude in (0.0, 1.0):
        m.menages.habitude[:] = habitude
        f = m.file_aide
        n = 4000
        f.ajouter(np.zeros(n, np.int32), np.full(n, b), 0, np.full(n, 100), np.zeros(n, bool), np.zeros(n, np.int32))
        f.aidant[:] = k[0]
        accompagnement.tirer_postures(m, np.arange(n), np.zeros(m.aidants.n), np.random.default_rng(2))
        parts.append(float((f.posture == accompagnement.PLACE).mean()))
        f.garder(np.zeros(f.n, bool))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert parts[0] == pytest.approx(sig(0.0), abs=0.03)
    assert parts[1] == pytest.approx(sig(2.0), abs=0.03)


def test_faire_avec_fait_apprendre_et_perdre_l_habitude(tmp_path):
    m = _modele(tmp_path, heures=30.0, **{"acteurs__travailleur_social__logit_faire_a_la_place": -10.0,
                                          "apprentissage__gain_faire_avec": 0.1, "accompagnement__coef_urgence": 0.0,
                                          "accompagnement__coef_pression": 0.0,
                                          "accompagnement__heures_faire_avec": 1.0,
                                          **{k.replace(".", "__"): v for k, v in REUSSITE_CERTAINE.items()}})
    b = prestation(m, "prime_activite")
    capable(m, CINQ, 0.5)
    m.menages.habitude[CINQ] = np.array([0.0, 0.5, 0.5, 1.0, 0.05], np.float32)
    _en_file(m, CINQ, b)
    accompagnement.appliquer(m)
    # Gain × (1 − habitude) ; l'habitude baisse de baisse_habitude_avec (bornée à 0).
    assert m.menages.autonomie[CINQ] == pytest.approx([0.1, 0.05, 0.05, 0.0, 0.095])
    assert m.menages.habitude[CINQ] == pytest.approx([0.0, 0.4, 0.4, 0.9, 0.0])
    assert (m.menages.detenteur[CINQ, b] == -1).all()


def test_episode_en_plusieurs_rendez_vous(tmp_path):
    """Un dossier de 3 h, au plus 1,5 h par rendez-vous et par semaine : deux semaines, puis la tentative."""
    m = _modele(tmp_path, heures=6.0, par_aidant=6.0, **{"accompagnement__heures_faire_a_la_place": 3.0,
                                                         "accompagnement__heures_rendez_vous_max": 1.5,
                                                         **{k.replace(".", "__"): v
                                                            for k, v in REUSSITE_CERTAINE.items()}})
    b = prestation(m, "prime_activite")
    capable(m, CINQ[:1], 0.0)
    _en_file(m, CINQ[:1], b)
    accompagnement.appliquer(m)
    assert m.compteurs.episodes[1 + TS] == 0 and m.menages.statut[0, b] == ATTENTE
    assert m.file_aide.reste[0] == pytest.approx(1.5)
    assert m.compteurs.heures[1 + TS, 0] == pytest.approx(1.5)
    m.t += 1
    accompagnement.appliquer(m)
    assert m.compteurs.episodes[1 + TS] == 1 and m.menages.statut[0, b] == INSTRUCTION
    assert m.compteurs.heures[1 + TS, 0] == pytest.approx(3.0)
    assert m.acteur(TS, 0).longueur_file == 0


def test_aidants_connect_ne_garde_aucun_identifiant(tmp_path):
    for ac, attendu_garde in ((False, True), (True, False)):
        m = _modele(tmp_path, heures=10.0, **{"accompagnement__p_garde_identifiants": 1.0,
                                              "acteurs__travailleur_social__aidants_connect": ac,
                                              **{k.replace(".", "__"): v for k, v in REUSSITE_CERTAINE.items()}})
        b = prestation(m, "prime_activite")
        capable(m, CINQ, 0.0)
        _en_file(m, CINQ, b)
        accompagnement.appliquer(m)
        assert (m.menages.statut[CINQ, b] == INSTRUCTION).all()
        det = m.menages.detenteur[CINQ, b]
        if attendu_garde:
            assert (det >= 0).all() and set(det) <= set(_postes(m))
        else:
            assert (det == -1).all()
            assert m.compteurs.aidants_connect[1 + TS] == 5


def test_depart_perd_identifiants_file_et_suivi(tmp_path):
    m = _modele(tmp_path, heures=6.0, par_aidant=3.0)
    k = _postes(m)
    M = m.menages
    b = prestation(m, "prime_activite")
    M.eligible[CINQ, b] = True
    M.statut[CINQ, b] = PERCOIT
    M.detenteur[CINQ, b] = np.array([k[0], k[0], k[1], -1, k[0]])
    M.referent[CINQ] = np.array([k[0], k[1], k[1], k[0], -1])
    _en_file(m, np.array([10, 11]), b)
    m.file_aide.aidant[:] = k[0]
    m.file_aide.posture[:] = accompagnement.PLACE
    m.file_aide.duree[:] = 1.0
    m.file_aide.reste[:] = 0.4
    aidants.partir(m, k[:1])
    assert list(M.detenteur[CINQ, b]) == [-1, -1, k[1], -1, -1]
    assert m.compteurs.orphelins[1 + TS] == 3 and m.compteurs.departs[1 + TS] == 1
    assert list(M.referent[CINQ]) == [-1, k[1], k[1], -1, -1]
    # Les demandes de sa file repartent sans aidant : l'épisode est à refaire.
    assert (m.file_aide.aidant == -1).all() and (m.file_aide.posture == -1).all()
    assert not m.aidants.actif[k[0]] and m.aidants.t_retour[k[0]] > m.t


def test_tension_fait_partir_et_remplacant_non_forme(tmp_path):
    m = _modele(tmp_path, heures=3.0, par_aidant=3.0, **{"aidants__coef_depart_tension": 1.0,
                                                         "aidants__seuil_depart_tension": 0.5,
                                                         "aidants__delai_remplacement": 1.0})
    k = _postes(m)
    m.aidants.forme[k] = True
    m.aidants.tension[k] = 2.0  # au-delà du seuil : hasard de départ 1
    aidants.evoluer(m, np.zeros(m.aidants.n), np.zeros(m.aidants.n))
    assert not m.aidants.actif[k[0]] and m.compteurs.departs[1 + TS] == 1
    # Délai moyen 1 semaine : le remplaçant arrive la semaine suivante, non formé, sans tension.
    m.t += 1
    aidants.evoluer(m, np.zeros(m.aidants.n), np.zeros(m.aidants.n))
    assert m.aidants.actif[k[0]] and not m.aidants.forme[k[0]] and m.aidants.tension[k[0]] == 0.0
    assert m.compteurs.arrivees[1 + TS] == 1


def test_tension_monte_avec_le_hors_mandat(tmp_path):
    m = _modele(tmp_path, heures=3.0, par_aidant=3.0, **{"aidants__recuperation": 0.5,
                                                         "aidants__coef_tension_hors_mandat": 1.0,
                                                         "aidants__coef_tension_inacheve": 0.0})
    k = _postes(m)
    m.aidants.tension[k] = 1.0
    hm = np.zeros(m.aidants.n)
    hm[k] = 1.5  # la moitié de ses 3 heures hors mandat
    aidants.evoluer(m, hm, np.zeros(m.aidants.n))
    assert m.aidants.tension[k[0]] == pytest.approx(1.0 * 0.5 + 0.5)


def test_declarations_sur_les_heures_de_l_aidant_et_indu(tmp_path):
    m = _modele(tmp_path, heures=3.0, par_aidant=1.5, **{"accompagnement__heures_declaration": 0.5,
                                                         "accompagnement__dette_max_semaines": 1.0,
                                                         "accompagnement__p_erreur_declaration_aidant": 1.0,
                                                         **{k.replace(".", "__"): v
                                                            for k, v in REUSSITE_CERTAINE.items()}})
    k = _postes(m)
    assert k.size == 2
    det = np.array([k[0]] * 4 + [k[1], -1])
    # Aidant k0 : reliquat 0, dette au plus 1 semaine (1,5 h) : 3 déclarations de 0,5 h ; la 4e : le ménage.
    fait = renouvellements.declarations_par_aidant(m, det)
    assert list(fait) == [True, True, True, False, True, False]
    assert m.aidants.reliquat[k] == pytest.approx([-1.5, -0.5])
    # Une déclaration de l'aidant toujours erronée : indu, droit suspendu.
    M = m.menages
    b = prestation(m, "prime_activite")
    i = np.array([20])
    M.eligible[i, b] = True
    M.statut[i, b] = PERCOIT
    M.detenteur[i, b] = k[1]
    M.t_renouvellement[i, b] = m.t
    renouvellements.appliquer(m)
    assert M.statut[20, b] == SUSPENDU and m.compteurs.indus[b] == 1


def test_tension_augmente_les_erreurs(tmp_path):
    m = _modele(tmp_path, heures=3.0, **{"accompagnement__p_erreur_declaration_aidant": 0.05,
                                         "accompagnement__coef_pression_erreur": 0.0,
                                         "aidants__coef_tension_erreur": 0.1})
    k = _postes(m)
    m.aidants.tension[k] = np.array([0.0])
    p0 = renouvellements.probabilite_erreur(m, k)
    m.aidants.tension[k] = np.array([2.0])
    assert p0 == pytest.approx([0.05])
    assert renouvellements.probabilite_erreur(m, k) == pytest.approx([0.25])


def test_orienter_renvoie_vers_un_autre_acteur(tmp_path):
    m = _modele(tmp_path, heures=3.0, **{"acteurs__travailleur_social__p_orienter": 1.0})
    b = prestation(m, "prime_activite")
    _en_file(m, CINQ, b)
    accompagnement.appliquer(m)
    assert (m.menages.statut[CINQ, b] == DEMARCHE).all()
    assert (m.menages.t_prochain[CINQ, b] == m.t + 1).all()
    assert m.compteurs.heures[1 + TS, 3] == pytest.approx(5 * m.p["accompagnement.heures_orienter"])


def test_episode_commence_va_a_son_terme_malgre_la_patience(tmp_path):
    """Patience épuisée : une demande pas encore servie quitte la file, un épisode commencé reste."""
    m = _modele(tmp_path, heures=0.0, **{"demarches__repli_renoncer": 10.0, "demarches__repli_famille": -10.0,
                                         "demarches__repli_guichet": -10.0, "demarches__repli_payant": -10.0,
                                         "demarches__repli_reessayer": -10.0})
    b = prestation(m, "prime_activite")
    m.t = 10
    _en_file(m, CINQ[:2], b, limite=9)
    f = m.file_aide
    f.posture[:] = accompagnement.PLACE
    f.duree[:] = 3.0
    f.reste[:] = [3.0, 1.5]  # le second a eu un premier rendez-vous
    accompagnement.appliquer(m)
    assert list(f.menage) == [1]
    assert m.menages.statut[0, b] == AUCUN and m.menages.statut[1, b] == ATTENTE
    assert m.compteurs.abandons_file[1 + TS] == 1
