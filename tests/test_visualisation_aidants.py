"""Onglet « Les aidants » de la page : grille des postes (un carré par poste, tension, vacant en gris, repères),
heures par posture du dernier mois, compteurs cumulés ; figure lisible au vidéoprojecteur."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_rgba

from experiences.visualisation import app
from experiences.visualisation import figures as F
from experiences.visualisation import leviers as L
from modele.aidants import JAMAIS, PREND_EN_CHARGE, REFUSE, REORIENTE, Aidants
from modele.etat import TERRITOIRES

N_Z = len(TERRITOIRES)


def modele_a_la_main():
    """Sept postes faits à la main : trois travailleurs sociaux (dont un vacant), un poste supprimé, trois
    associations ; aucun France Services ni conseiller numérique."""
    A = Aidants()
    ts, asso = 0 * N_Z, 3 * N_Z  # structures (genre × territoire) : travailleur social urbain, association urbaine
    structure = np.array([ts, ts + 1, ts, ts, asso, asso + 2, asso])
    A.ajouter(structure, np.full(7, 3.0), forme=np.array([1, 0, 0, 0, 1, 0, 0], bool),
              disposition=np.array([PREND_EN_CHARGE, REFUSE, REORIENTE, 0, 0, 0, REORIENTE]),
              mal_equipe=np.zeros(7, bool), t=0)
    A.tension[:] = [0.5, 1.5, 9.0, 0.0, 0.25, 2.0, 0.75]
    A.habilite[4] = True
    A.actif[2], A.t_retour[2] = False, 30       # vacant : un remplaçant arrivera
    A.actif[3], A.t_retour[3] = False, JAMAIS   # supprimé : n'est plus un poste
    return SimpleNamespace(aidants=A, p={"aidants.seuil_depart_tension": 1.0})


def test_grille_des_aidants_un_carre_par_poste_valeurs_exactes():
    m = modele_a_la_main()
    d = F.donnees_aidants(m, largeur=2)
    # Rangées : travailleurs sociaux (3 postes → 2), France Services (0 → 1 vide), conseillers (0 → 1), asso (3 → 2).
    assert d.rangees.tolist() == [0, 2, 3, 4, 6] and d.n_postes.tolist() == [3, 0, 0, 3]
    # Par genre, puis structure (territoire), puis ordre de création ; le poste supprimé (3) n'apparaît pas.
    assert d.index.tolist() == [[0, 2], [1, -1], [-1, -1], [-1, -1], [4, 6], [5, -1]]
    assert (d.index >= 0).sum() == 6
    assert np.argwhere(d.vacant).tolist() == [[0, 1]]
    np.testing.assert_array_equal(d.tension[d.index >= 0], [0.5, np.nan, 1.5, 0.25, 0.75, 2.0])
    assert np.isnan(d.tension[d.index < 0]).all()
    assert d.seuil == 1.0 and d.vmax == 2.0
    carte = colormaps[F.CARTE_TENSION]
    assert tuple(d.couleurs[0, 1]) == to_rgba(F.GRIS_VACANT)                 # vacant : gris
    np.testing.assert_allclose(d.couleurs[0, 0], carte(0.25))               # tension 0,5 sur [0, 2]
    np.testing.assert_allclose(d.couleurs[1, 0], carte(0.75))
    np.testing.assert_allclose(d.couleurs[4, 1], carte(0.375))
    np.testing.assert_allclose(d.couleurs[5, 0], carte(1.0))                # 2,0 : haut de l'échelle
    vides = d.index < 0
    assert (d.couleurs[vides][:, 3] == 0).all() and vides.sum() == 6        # cases sans poste : transparentes
    # Repères : seulement sur les aidants en poste (le vacant garde sa disposition passée, non affichée).
    assert np.argwhere(d.forme).tolist() == [[0, 0], [4, 0]]
    assert np.argwhere(d.habilite).tolist() == [[4, 0]]
    assert np.argwhere(d.disposition == REORIENTE).tolist() == [[4, 1]]
    assert np.argwhere(d.disposition == REFUSE).tolist() == [[1, 0]]
    assert d.disposition[0, 1] == -1


def test_grille_du_vrai_modele_autant_de_carres_que_de_postes():
    m = app.nouveau_modele({**L.reglages_par_defaut("reference"), "simulation.menages": 600})
    app.avancer(m, 30)
    A = m.aidants
    A.actif[0], A.t_retour[0] = False, m.t + 5  # un poste vacant, posé à la main
    d = F.donnees_aidants(m)
    postes = np.flatnonzero((A.actif | (A.t_retour != JAMAIS)) & (A.genre() < len(F.GENRES_AIDANTS)))
    assert sorted(d.index[d.index >= 0].tolist()) == postes.tolist()
    assert d.n_postes.sum() == postes.size
    assert d.vacant[d.index == 0].all() and (d.couleurs[d.vacant] == to_rgba(F.GRIS_VACANT)).all()
    en_poste = (d.index >= 0) & ~d.vacant
    assert (d.tension[en_poste] == A.tension[d.index[en_poste]]).all()
    for g in range(len(F.GENRES_AIDANTS)):  # chaque poste est dans les rangées de son genre
        k = d.index[d.rangees[g]:d.rangees[g + 1]]
        assert (A.genre()[k[k >= 0]] == g).all()


def test_heures_par_posture_et_compteurs_cumules_du_dernier_mois():
    m = app.nouveau_modele({**L.reglages_par_defaut("guichets_ouverts"), "simulation.menages": 600})
    h = m.historique
    mois, tab = F.heures_par_posture(h)
    assert mois is None and tab.empty
    assert "premier mois" in app.texte_compteurs_aidants(m)
    vacants_avant = (~m.aidants.actif & (m.aidants.t_retour != JAMAIS)).sum()
    app.avancer(m, 150)
    h.lire(m)
    mois, tab = F.heures_par_posture(h)
    assert mois is not None and mois[0].islower() and mois.split()[-1].isdigit()
    assert list(tab.columns) == list(F.POSTURES) and list(tab.index) == list(F.GENRES_AIDANTS)
    date = h.par_semaine("heures_faire_avec").index.max()
    for k in F.POSTURES:  # lu tel quel dans les relevés du mois
        assert tab.loc["travailleur_social", k] == pytest.approx(h.par_semaine(k).loc[date, "travailleur_social"])
    assert tab.loc["travailleur_social"].sum() > 0
    # Sans politique qui supprime des postes : départs − arrivées = postes vacants gagnés depuis le départ, en
    # comptant les relevés mensuels et le mois en cours (compteurs pas encore relevés).
    departs, arrivees = h.cumul("n_departs_aidants"), h.cumul("n_arrivees_aidants")
    assert (departs == departs.round()).all() and departs.sum() > 0
    vacants = (~m.aidants.actif & (m.aidants.t_retour != JAMAIS)).sum()
    en_cours = m.compteurs.departs.sum() - m.compteurs.arrivees.sum()
    assert departs.sum() - arrivees.sum() + en_cours == vacants - vacants_avant
    texte = app.texte_compteurs_aidants(m)
    assert "| Travailleurs sociaux | " in texte and "identifiants perdus" in texte


def test_figure_des_aidants_legende_titres_et_graphique_de_la_page():
    m = app.nouveau_modele({**L.reglages_par_defaut("reference"), "simulation.menages": 600})
    app.avancer(m, 60)
    m.historique.lire(m)
    m.aidants.actif[1], m.aidants.t_retour[1] = False, m.t + 3
    fig = app.GRAPHIQUES["aidants"](m)
    libelles = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    n_vacants = int((~m.aidants.actif & (m.aidants.t_retour != JAMAIS)).sum())
    assert f"Poste vacant ({n_vacants})" in libelles and "Refuser" in libelles
    assert any(t.startswith("Habilité Aidants Connect (") for t in libelles)
    assert fig.axes[0].get_title() == "Chaque aidant : sa tension" and fig.axes[1].get_title().startswith("Postures (")
    assert F.png(fig)[0][:4] == b"\x89PNG"
    assert "identifiants qu'il gardait sont perdus" in app.html_de(app.EXPLICATION_AIDANTS).replace("</strong>", "")
