"""Files des guichets (modele/guichets.py) : la demande non servie attend d'une semaine à l'autre.

Cas construits à la main (guichet de capacité exacte k, n demandeurs) avec valeurs exactes : n − k en file, servis
les semaines suivantes dans l'ordre d'arrivée, attente exacte ; patience nulle et attente maximale nulle (la règle
d'avant la file) ; attente maximale ; fermeture qui vide la file vers les replis ; demande devenue sans objet.
Comptes : entrées = servies + parties sans service + sorties sans objet + variation de la file, sur un cas à la
main et sur une exécution complète, mois par mois et organisme par organisme.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fabrique import REUSSITE_CERTAINE, capable, petit_modele, prestation

from modele import evenements, guichets
from modele.etat import ATTENTE, AUCUN, DEMARCHE, FAMILLE, INSTRUCTION, TERRITOIRES
from modele.indicateurs import INDICATEURS_FLUX, somme_des_pas
from modele.modele import ModeleNonRecours
from modele.prestations import ORGANISMES

CAF = ORGANISMES.index("caf")
Z = 0  # territoire des ménages posés (urbain)


def _modele(tmp_path, k: int, **surcharges):
    """Petit modèle dont le guichet CAF urbain a une capacité d'exactement `k` visites par semaine ; les servis
    déposent un dossier complet (instruction), ceux qui quittent la file se replient vers l'entourage."""
    m = petit_modele(tmp_path, {**REUSSITE_CERTAINE, "guichets.caf.capacite_agent": 1.0,
                                "demarches.repli_famille": 10.0, "demarches.repli_renoncer": -10.0,
                                "guichets.abandon_file_hebdomadaire": 0.0, "guichets.attente_max_file": 52,
                                **surcharges})
    g = m.guichet(CAF, Z)
    m.p = m.p.avec({"guichets.caf.visites_pour_10000": k * 10000.0 / g.n_menages_territoire})
    m.parametres_changes()
    assert g.capacite == pytest.approx(k, abs=1e-9)
    return m, g


def _demander(m, i, b):
    """Les ménages `i` (territoire urbain, capacités faibles, un aidant) demandent `b` au guichet cette semaine."""
    M = m.menages
    M.territoire[i] = Z
    capable(m, i, 0.0, aidant=True)
    M.eligible[i, b] = True
    M.connait[i, b] = True
    M.statut[i, b] = DEMARCHE
    M.t_prochain[i, b] = m.t  # comme une démarche échue cette semaine (sous-modèle demarches)
    m.demander_guichet(i, np.full(i.size, b))


def _semaine_suivante(m):
    m.t += 1
    m.journal.t = m.t


def _releve(m):
    """Relève le mois et rend {(indicateur, groupe): valeur} des guichets ; les flux (publiés en moyenne
    hebdomadaire × 52/12) sont ramenés à leur somme brute sur les pas du mois."""
    semaines = max(m.compteurs.semaines, 1)
    m.releve.relever()
    d = m.releve.tableau()
    d = d[d.date == d.date.iloc[-1]]
    return {(str(a), str(g)): (float(somme_des_pas(v, semaines)) if str(a) in INDICATEURS_FLUX else v)
            for a, g, v in zip(d.indicateur, d.groupe, d.valeur)}


def _comptes(m):
    c = m.compteurs
    return (c.guichet_demande[CAF], c.guichet_servis[CAF], c.guichet_abandons[CAF], c.guichet_retraits[CAF])


def test_capacite_k_n_demandeurs_file_puis_service_dans_l_ordre(tmp_path):
    m, g = _modele(tmp_path, k=2)
    M, b = m.menages, prestation(m, "rsa")
    t0 = m.t
    premiers = np.arange(5)
    _demander(m, premiers, b)
    guichets.appliquer(m)
    # k = 2 servis (dossier complet : instruction), n − k = 3 en file, toujours « en attente ».
    assert _comptes(m) == (5, 2, 0, 0)
    assert g.longueur_file == 3
    en_file = g.file["menage"].copy()
    assert (M.statut[en_file, b] == ATTENTE).all()
    assert (M.statut[np.setdiff1d(premiers, en_file), b] == INSTRUCTION).all()
    _semaine_suivante(m)
    v = _releve(m)
    assert v[("file_attente_guichet", "operateur=caf")] == 3
    assert v[("file_attente_guichet", f"guichet=caf:{TERRITOIRES[Z]}")] == 3
    assert v[("file_attente_guichet", f"guichet=caf:{TERRITOIRES[1]}")] == 0
    # Servis : 0 semaine chacun ; en file : 1 semaine déjà passée chacun → (0 + 0 + 3 × 1) / 5.
    assert v[("attente_guichet", "operateur=caf")] == pytest.approx(3 / 5)
    assert v[("attente_guichet", f"guichet=caf:{TERRITOIRES[Z]}")] == pytest.approx(3 / 5)
    assert np.isnan(v[("attente_guichet", f"guichet=caf:{TERRITOIRES[1]}")])
    assert v[("n_servis_guichet", "operateur=caf")] == 2 and v[("n_refus_guichet", "operateur=caf")] == 0
    # Semaine suivante : deux nouveaux arrivent, mais les deux plus anciens de la file passent d'abord (attente 1).
    nouveaux = np.array([5, 6])
    _demander(m, nouveaux, b)
    guichets.appliquer(m)
    assert (M.statut[en_file[:2], b] == INSTRUCTION).all()
    assert (M.statut[en_file[2:], b] == ATTENTE).all() and (M.statut[nouveaux, b] == ATTENTE).all()
    assert list(g.file["menage"][:1]) == [en_file[2]] and sorted(g.file["menage"][1:]) == [5, 6]
    assert m.compteurs.guichet_attente[CAF, Z] == 2.0  # deux servis, une semaine chacun
    _semaine_suivante(m)
    v = _releve(m)
    # Servis 2 × 1 semaine ; en file : le plus ancien 2 semaines, les deux nouveaux 1 → (2 + 2 + 2) / 5.
    assert v[("attente_guichet", "operateur=caf")] == pytest.approx(6 / 5)
    assert v[("file_attente_guichet", "operateur=caf")] == 3
    assert v[("demande_guichets", "operateur=caf")] == 2
    guichets.appliquer(m)
    assert (M.statut[[en_file[2]], b] == INSTRUCTION).all()
    assert m.compteurs.guichet_attente[CAF, Z] == 2.0 + 1.0  # le plus ancien (2 semaines), un nouveau (1)
    assert m.t == t0 + 2


@pytest.mark.parametrize("surcharge", [{"guichets.abandon_file_hebdomadaire": 1.0}, {"guichets.attente_max_file": 0}])
def test_patience_nulle_la_demande_non_servie_repart_la_semaine_meme(tmp_path, surcharge):
    m, g = _modele(tmp_path, k=2, **surcharge)
    M, b = m.menages, prestation(m, "rsa")
    i = np.arange(5)
    _demander(m, i, b)
    guichets.appliquer(m)
    assert _comptes(m) == (5, 2, 3, 0)
    assert g.longueur_file == 0
    partis = i[M.statut[i, b] != INSTRUCTION]
    assert partis.size == 3
    # Repli la semaine même, sans le guichet : vers l'entourage, tentative la semaine suivante.
    assert (M.statut[partis, b] == DEMARCHE).all()
    assert (M.canal[partis, b] == FAMILLE).all()
    assert (M.t_prochain[partis, b] == m.t + 1).all()


def test_attente_maximale_depassee_quitte_la_file(tmp_path):
    m, g = _modele(tmp_path, k=1, **{"guichets.attente_max_file": 1})
    M, b = m.menages, prestation(m, "rsa")
    i = np.arange(3)
    _demander(m, i, b)
    guichets.appliquer(m)
    assert _comptes(m) == (3, 1, 0, 0) and g.longueur_file == 2
    dernier = g.file["menage"][1]
    _semaine_suivante(m)
    guichets.appliquer(m)
    # Un servi après une semaine ; l'autre attendrait 2 semaines > 1 : il part vers l'entourage.
    assert _comptes(m) == (3, 2, 1, 0) and g.longueur_file == 0
    assert m.compteurs.guichet_attente[CAF, Z] == 1.0
    assert M.statut[dernier, b] == DEMARCHE and M.canal[dernier, b] == FAMILLE


def test_fermeture_du_guichet_vide_la_file_vers_les_replis(tmp_path):
    m, g = _modele(tmp_path, k=2)
    M, b = m.menages, prestation(m, "rsa")
    _demander(m, np.arange(5), b)
    guichets.appliquer(m)
    en_file = g.file["menage"].copy()
    assert en_file.size == 3
    m.p = m.p.avec({"guichets.caf.part_ouverte": [0.0] * len(TERRITOIRES)})
    m.parametres_changes()
    _semaine_suivante(m)
    guichets.appliquer(m)
    assert g.longueur_file == 0
    assert _comptes(m) == (5, 2, 3, 0)
    assert (M.statut[en_file, b] == DEMARCHE).all() and (M.canal[en_file, b] == FAMILLE).all()
    assert (M.t_prochain[en_file, b] == m.t + 1).all()


def test_demande_sans_objet_sort_de_la_file_sans_repli(tmp_path):
    m, g = _modele(tmp_path, k=1)
    M, b = m.menages, prestation(m, "rsa")
    _demander(m, np.arange(4), b)
    guichets.appliquer(m)
    assert g.longueur_file == 3
    perdu, ailleurs, reste = g.file["menage"]
    evenements.sortir(m, np.array([perdu]), b)  # n'est plus éligible pendant l'attente
    M.statut[ailleurs, b] = DEMARCHE  # demande reprise ailleurs (autre date de démarche)
    M.t_prochain[ailleurs, b] = m.t + 5
    _semaine_suivante(m)
    guichets.appliquer(m)
    # Deux sorties sans objet, le dernier servi (capacité 1) ; personne n'a été replié.
    assert g.longueur_file == 0
    assert _comptes(m) == (4, 2, 0, 2)
    assert M.statut[reste, b] == INSTRUCTION
    assert M.statut[perdu, b] == AUCUN and M.t_prochain[ailleurs, b] == m.t + 4


def test_comptes_des_files_sur_une_execution():
    """Entrées = servies + parties sans service + sorties sans objet + variation de la file, chaque mois et pour
    chaque organisme, sur une exécution où les guichets CAF sont saturés ; les files sont réelles (attente > 0) et
    aucune demande n'est deux fois en file."""
    m = ModeleNonRecours(scenario="reference", menages=3000, graine=3, debut="2014-01", fin="2015-06",
                         surcharges={"guichets.caf.visites_pour_10000": 4.0})
    doubles = 0
    while m.running:
        m.step()
        f = [(g.file["menage"].astype(np.int64) * m.menages.n_prestations + g.file["prestation"]) for g in m.guichets]
        valide = [(m.menages.statut[g.file["menage"], g.file["prestation"]] == ATTENTE)
                  & (m.menages.t_prochain[g.file["menage"], g.file["prestation"]] == g.file["marque"])
                  for g in m.guichets]
        cases = np.concatenate([x[v] for x, v in zip(f, valide)])
        doubles += cases.size - np.unique(cases).size
    assert doubles == 0
    s = m.series()
    s = s[s.groupe.astype(str).str.startswith("operateur=")]
    t = s.assign(indicateur=s.indicateur.astype(str), groupe=s.groupe.astype(str), date=s.date.astype(str)) \
        .pivot_table(index=["groupe", "date"], columns="indicateur", values="valeur", aggfunc="first")
    tout = m.series()
    sem = tout[tout.indicateur == "semaines_releve"]
    semaines = pd.Series(sem["valeur"].to_numpy(), index=sem["date"].astype(str).to_numpy())
    for op, d in t.groupby(level="groupe"):
        d = d.copy()
        pas = semaines.reindex(d.index.get_level_values("date")).to_numpy()
        for col in ("demande_guichets", "n_servis_guichet", "n_refus_guichet", "n_retraits_file_guichet"):
            d[col] = np.round(somme_des_pas(d[col].to_numpy(), pas), 6)  # sommes brutes des pas du mois
        file = d["file_attente_guichet"].to_numpy()
        flux = (d["demande_guichets"] - d["n_servis_guichet"] - d["n_refus_guichet"]
                - d["n_retraits_file_guichet"]).to_numpy()
        np.testing.assert_array_equal(np.diff(file), flux[1:], err_msg=op)
    caf = t.loc["operateur=caf"]
    assert caf["file_attente_guichet"].max() > 0 and caf["attente_guichet"].mean() > 0
    assert caf["n_refus_guichet"].sum() > 0 and caf["n_servis_guichet"].sum() > 0



def test_plusieurs_guichets_servis_dans_la_meme_passe_chacun_dans_sa_capacite(tmp_path):
    # Passe vectorisée (issue 19) : trois guichets (CAF urbain k = 2, CAF rural k = 1, CPAM urbain k = 3) servis
    # ensemble ; chacun sert exactement sa capacité, garde le reste dans l'ordre d'arrivée, et sa pression est la
    # part de sa file non servie ; les autres guichets n'ont rien.
    m, g_caf = _modele(tmp_path, k=2)
    CPAM, RURAL = ORGANISMES.index("cpam"), TERRITOIRES.index("rural")
    g_rural, g_cpam = m.guichet(CAF, RURAL), m.guichet(CPAM, Z)
    # Visites CAF : 1 au rural (toute la part ouverte), 2 en ville (part ouverte réduite en conséquence).
    part_urbaine = 2 * g_rural.n_menages_territoire / g_caf.n_menages_territoire
    assert 0 < part_urbaine <= 1
    m.p = m.p.avec({"guichets.caf.visites_pour_10000": 10000.0 / g_rural.n_menages_territoire,
                    "guichets.caf.part_ouverte": [part_urbaine, 1.0, 1.0, 1.0],
                    "guichets.cpam.visites_pour_10000": 3 * 10000.0 / g_cpam.n_menages_territoire,
                    "guichets.cpam.capacite_agent": 1.0})
    m.parametres_changes()
    assert (g_caf.capacite, g_rural.capacite, g_cpam.capacite) == pytest.approx((2, 1, 3), abs=1e-9)
    M, rsa, css = m.menages, prestation(m, "rsa"), prestation(m, "css_gratuite")
    lots = ((np.arange(5), rsa, Z), (np.arange(5, 10), css, Z), (np.arange(10, 14), rsa, RURAL))
    for i, b, z in lots:
        capable(m, i, 0.0, aidant=True)
        M.territoire[i] = z
        M.eligible[i, b] = True
        M.connait[i, b] = True
        M.statut[i, b] = DEMARCHE
        M.t_prochain[i, b] = m.t
    m.demander_guichet(np.concatenate([x[0] for x in lots]), np.concatenate([np.full(x[0].size, x[1]) for x in lots]))
    guichets.appliquer(m)
    assert (g_caf.longueur_file, g_rural.longueur_file, g_cpam.longueur_file) == (3, 3, 2)
    assert m.compteurs.guichet_servis_zone[CAF, Z] == 2 and m.compteurs.guichet_servis_zone[CAF, RURAL] == 1
    assert m.compteurs.guichet_servis_zone[CPAM, Z] == 3 and m.compteurs.guichet_servis.sum() == 6
    assert (g_caf.pression, g_rural.pression, g_cpam.pression) == pytest.approx((3 / 5, 3 / 4, 2 / 5))
    assert sum(g.longueur_file for g in m.guichets) == 8 == m.files_guichets.longueur
    assert set(g_rural.file["menage"].tolist()) < set(lots[2][0].tolist())
    assert (M.statut[g_caf.file["menage"], rsa] == ATTENTE).all()
    # Semaine suivante, sans nouvelle demande : chaque file sert ses plus anciens, dans l'ordre.
    restants = {g.k: g.file["menage"].copy() for g in (g_caf, g_rural, g_cpam)}
    _semaine_suivante(m)
    guichets.appliquer(m)
    assert list(g_caf.file["menage"]) == list(restants[g_caf.k][2:])
    assert list(g_rural.file["menage"]) == list(restants[g_rural.k][1:])
    assert g_cpam.longueur_file == 0
