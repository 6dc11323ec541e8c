"""Le travail creux (agendas, ensembles suivis, modele/creux.py) rend exactement ce que rendrait le parcours dense."""

from __future__ import annotations

import numpy as np

from modele import creux
from modele.modele import ModeleNonRecours


def test_agenda_egal_et_au_plus_comme_le_parcours_dense():
    rng = np.random.default_rng(0)
    t = creux.TableauSuivi(np.full((50, 3), 10**6, dtype=np.int32))
    ag = creux.Agenda(t)
    for semaine in range(20):
        i = rng.integers(0, 50, 12)
        b = rng.integers(0, 3, 12)
        t[i, b] = semaine + rng.integers(0, 5, 12)
        t[i[:3], 1] = 10**6
        t[i[3:5], b[3:5]] += 1
        assert np.array_equal(ag.egal(semaine), np.flatnonzero(t.brut().ravel() == semaine))
        assert np.array_equal(ag.au_plus(semaine), np.flatnonzero(t.brut().ravel() <= semaine))
        ag.oublier_avant(semaine + 1, garder_passe=True)


def test_effectifs_suivis_exacts_meme_avec_index_repetes():
    tab = creux.TableauSuivi(np.zeros((30, 2), dtype=bool))
    groupe = np.arange(30) % 4
    eff = creux.EffectifsVrais(tab, groupe, 4)
    tab[np.array([1, 1, 5, 9]), 0] = True
    tab[np.array([5, 6]), np.array([0, 1])] = np.array([False, True])
    tab[:, 1] = tab.brut()[:, 1] | (np.arange(30) > 25)
    for b in range(2):
        assert np.array_equal(eff.colonne(b), np.bincount(groupe[tab.brut()[:, b]], minlength=4))


def test_modele_en_mode_verification(monkeypatch):
    """Chaque requête creuse est comparée au parcours dense pendant une petite exécution (dont 2022, CSS auto)."""
    monkeypatch.setattr(creux, "VERIFIER", True)
    m = ModeleNonRecours(menages=600, graine=3, debut="2021-06", fin="2022-06")
    m.lancer()
    assert m.t == m.calendrier.n_pas


def test_tirage_unique_meme_resultat_par_tri_et_par_masque_de_part_et_d_autre_du_seuil():
    # Le choix de l'algorithme de dédoublonnage (tri sous n / FILTRE_TRI candidats, masque au-delà) ne change ni les
    # tirages ni le résultat : = np.unique des tirages filtrés, pour des nombres de candidats des deux côtés du seuil.
    from modele.evenements import FILTRE_TRI, tirage_unique
    n = 4000
    for k in (0, 1, n // FILTRE_TRI - 1, n // FILTRE_TRI, 3 * n):
        for garder in (None, lambda x: x % 3 == 0):
            attendu = np.random.default_rng(k).integers(0, n, size=k)
            attendu = np.unique(attendu if garder is None else attendu[garder(attendu)])
            obtenu = tirage_unique(np.random.default_rng(k), n, k, garder)
            assert np.array_equal(obtenu, attendu), (k, garder)
