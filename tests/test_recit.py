"""« Suivre un ménage » : le journal ne garde que les ménages suivis ; le récit est en français, daté, cité."""

import numpy as np

from experiences.cli import main
from experiences.recit import CITATIONS, choisir_menage, recit
from modele import decision
from modele.etat import AUCUN, DEMARCHE
from modele.modele import ModeleNonRecours


def test_journal_ne_garde_que_les_menages_suivis():
    # Dix ménages suivis (un nombre pair sur deux) : assez pour qu'il se passe quelque chose, quels que soient les
    # paramètres calibrés ; aucun événement d'un ménage non suivi ne doit être gardé.
    suivis = list(range(5, 25, 2))
    m = ModeleNonRecours(menages=300, graine=3, debut="2014-01", fin="2015-12", suivre=suivis)
    m.lancer()
    assert m.journal.evenements, "dix ménages suivis sur deux ans : au moins un événement attendu"
    assert {e[1] for e in m.journal.evenements} <= set(suivis)


def test_decision_notee_et_racontee():
    m = ModeleNonRecours(menages=200, graine=1, debut="2014-01", fin="2014-12", suivre=[0],
                         surcharges={"simulation.rodage_semaines": 0, "decision.coef_montant": 10.0,
                                     "decision.cout_base": 0.0})
    M = m.menages
    M.eligible[0, 0] = True
    M.montant_du[0, 0] = 500.0  # la décision pèse le montant dû à CE ménage
    M.connait[0, 0] = True
    M.statut[0, 0] = AUCUN
    M.t_decision[0, 0] = m.t
    decision.appliquer(m)
    assert M.statut[0, 0] == DEMARCHE
    r = recit(m, 0)
    assert r.lignes and "Décide de demander le RSA" in r.lignes[0][1]
    assert r.lignes[0][0].startswith("2014-")
    assert "ans" in r.portrait


def test_renoncement_cite_sa_source():
    m = ModeleNonRecours(menages=400, graine=2, debut="2014-01", fin="2016-12", suivre=list(range(400)))
    m.lancer()
    i = choisir_menage(m, "renoncent", np.random.default_rng(0))
    assert i is not None
    lignes = recit(m, i).lignes
    assert any(cit == CITATIONS["renonce"] for _, _, cit in lignes)
    assert any("Renonce à demander" in t for _, t, _ in lignes)


def test_cli_raconter(capsys):
    assert main(["raconter", "--menages", "300", "--fin", "2015-12", "--parmi", "tous"]) == 0
    sortie = capsys.readouterr().out
    assert sortie.startswith("Ménage n°")


def test_cli_raconter_menage_hors_population(capsys):
    assert main(["raconter", "--menages", "300", "--menage", "300", "--fin", "2014-06"]) == 2
    assert "--menage" in capsys.readouterr().err
