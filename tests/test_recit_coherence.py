"""Récit d'un ménage : 500 récits sans contradiction entre phrases consécutives, accordés au genre de la personne,
chaque citation attachée à un événement dont elle parle (prestation, aidant, âge, genre), noms bien écrits."""

from __future__ import annotations

import re

import pytest

from experiences.recit import CITATIONS, LISTE_CITATIONS, charger_citations, recit
from experiences.recit.recit_menage import est_femme
from modele.modele import ModeleNonRecours
from modele.parametres import ErreurEntree

PAR_ID = {c.id: c for c in LISTE_CITATIONS}
MASCULIN = re.compile(r"\b(il|lui|Lassé|aidé|reçu|seul|éloigné|bachelier|diplômé)\b")
FEMININ = re.compile(r"\b(elle|Lassée|aidée|reçue|seule|éloignée|bachelière|diplômée)\b")


def age_au_pas(m, identifiant, pas):
    """Âge de la personne de référence au pas donné : depuis sa case si le ménage est présent, sinon depuis le
    portrait gardé à son départ (un ménage remplacé ne prête jamais l'âge du suivant)."""
    k = m.emplacement(identifiant)
    if k >= 0:
        return int(m.menages.age[k]) - max(0, (m.t - pas) // 52)
    depart = max(e[0] for e in m.journal.de(identifiant))
    return int(m.journal.portraits[identifiant]["age"]) - max(0, (depart - pas) // 52)


@pytest.fixture(scope="module")
def recits():
    sortie = []
    for scenario, graine in (("reference", 5), ("fermeture", 6)):
        m = ModeleNonRecours(scenario=scenario, menages=500, graine=graine, debut="2014-01", fin="2027-12",
                             suivre=list(range(500)))
        m.lancer()
        sortie += [(m, i, recit(m, i)) for i in range(500)]
    avec = [x for x in sortie if len(x[2].lignes) >= 2]
    assert len(avec) >= 500, len(avec)
    return avec[:500]


@pytest.mark.lent
def test_pas_de_contradiction_entre_phrases_consecutives(recits):
    for m, i, r in recits:
        d = r.details
        for k, (_, texte, _) in enumerate(r.lignes):
            if texte.startswith("Après cet échec"):
                # « Après cet échec » suit immédiatement un échec de la même démarche.
                assert k > 0 and d[k - 1]["issue"] == "echec" and d[k - 1]["prestation"] == d[k]["prestation"], \
                    (i, r.lignes[k - 1:k + 1])
            if k > 0 and d[k - 1]["issue"] == "succes" and d[k - 1]["prestation"] == d[k]["prestation"]:
                assert d[k]["type"] not in ("repli", "renonce"), (i, r.lignes[k - 1:k + 1])
            if "dossier reste incomplet" in texte:
                assert d[k]["issue"] == "echec"
        # Un droit connu n'est pas « appris » une seconde fois (sans sortie entre les deux).
        connus: set = set()
        for (_, texte, _), x in zip(r.lignes, d):
            if texte.startswith("Apprend qu") or texte.endswith("et le sait."):
                assert not texte.startswith("Apprend qu") or x["prestation"] not in connus, (i, texte)
                connus.add(x["prestation"])
            if x["type"] == "sortie":
                connus.discard(x["prestation"])


@pytest.mark.lent
def test_accord_avec_le_genre_de_la_personne(recits):
    femmes = 0
    for m, i, r in recits:
        femme, tire = est_femme(m, i)
        assert r.femme == femme and tire and r.note  # le genre est tiré pour le récit, et il le dit
        femmes += femme
        textes = [r.portrait] + [t for _, t, _ in r.lignes]
        for t in textes:
            motif = MASCULIN if femme else FEMININ
            assert not motif.search(t), (i, femme, t)
        assert r.portrait.startswith("une femme" if femme else "un homme")
    assert 150 < femmes < 350  # les deux genres sont racontés


def test_genre_tire_depuis_l_identifiant_toujours_le_meme():
    a = ModeleNonRecours(menages=100, graine=1, debut="2014-01", fin="2014-03")
    b = ModeleNonRecours(menages=100, graine=2, debut="2014-01", fin="2014-03")
    assert [est_femme(a, i) for i in range(100)] == [est_femme(b, i) for i in range(100)]


@pytest.mark.lent
def test_chaque_citation_parle_de_son_evenement(recits):
    vues = set()
    for m, i, r in recits:
        ids = [x["citation"] for x in r.details if x["citation"]]
        assert len(ids) == len(set(ids))  # une seule fois par récit
        for (date, texte, cit), x in zip(r.lignes, r.details):
            if x["citation"] is None:
                assert cit is None
                continue
            c = PAR_ID[x["citation"]]
            vues.add(c.id)
            assert cit == CITATIONS[c.id]
            sujet = "echec_en_ligne" if x["type"] == "en_ligne" else x["type"]
            assert sujet in c.evenements, (c.id, texte)
            if c.prestations:
                assert m.catalogue.noms[x["prestation"]] in c.prestations, (c.id, texte)
            age = age_au_pas(m, i, x["pas"])
            assert (c.age_min or 0) <= age <= (c.age_max or 200), (c.id, age)
            if c.genre:
                assert c.genre == ("femme" if r.femme else "homme")
    assert len(vues) >= 6  # les citations sont variées


def test_citation_de_l_age_et_du_rsa_bien_placees():
    age = PAR_ID["pieces"]
    assert not age.convient("pieces", "rsa", None, 28, False, False)  # « A mon âge… » pas pour un jeune
    assert age.convient("pieces", "rsa", None, 67, True, False)
    rsa = PAR_ID["echec_en_ligne"]
    assert not rsa.convient("echec_en_ligne", "prime_activite", None, 40, False, False)
    assert rsa.convient("echec_en_ligne", "rsa", None, 40, False, False)


def test_fichier_de_citations_valide(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[citation]]\nid = "x"\ntexte = "« a »"\nsource = "notes/brief.md §3"\nevenements = ["renonce"]\n',
                 encoding="utf-8")
    with pytest.raises(ErreurEntree, match="clé de docs/sources.md"):
        charger_citations(f)
    f.write_text('[[citation]]\nid = "x"\ntexte = "« a »"\nsource = "[a]"\nevenements = ["renonce"]\nage = 3\n',
                 encoding="utf-8")
    with pytest.raises(ErreurEntree, match="inconnu"):
        charger_citations(f)


def test_france_services_bien_ecrit():
    from pathlib import Path

    racine = Path(__file__).resolve().parents[1] / "experiences"
    for f in list(racine.rglob("*.py")) + list(racine.rglob("*.toml")) + list(racine.rglob("*.j2")):
        assert "France services" not in f.read_text(encoding="utf-8"), f
