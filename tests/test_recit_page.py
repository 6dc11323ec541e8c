"""« Suivre un ménage » dans la page : références lisibles, récit en Markdown mis à jour pendant la simulation."""

from experiences.recit import CITATIONS, DOCUMENTS, choisir_menage, decouper_reference, recit, reference_lisible
from experiences.visualisation import app
from experiences.visualisation import leviers as L


def test_reference_lisible():
    doc = DOCUMENTS["okbani2020"]
    assert doc.startswith("N. Okbani, rapport de recherche-action")
    assert reference_lisible("[okbani2020] §II.1.b, encadré 1") == f"{doc}, §II.1.b, encadré 1 [okbani2020]"
    assert reference_lisible("[okbani2020]") == f"{doc} [okbani2020]"
    assert reference_lisible("[inconnue2020] p. 3") == "[inconnue2020] p. 3"
    assert decouper_reference("[okbani2020] §III.3.b") == ("okbani2020", "§III.3.b")
    assert decouper_reference("sans clé") == ("", "sans clé")
    assert all(reference_lisible(ref).startswith("N. Okbani") for _, ref in CITATIONS.values())


def test_recit_de_la_page_s_allonge_avec_la_simulation_et_cite_ses_sources():
    m = app.nouveau_modele({**L.reglages_par_defaut("fermeture"), "simulation.menages": 400, "graine": 2})
    app.avancer(m, 52)
    i = choisir_menage(m, "renoncent")
    assert i is not None
    avant = len(recit(m, i).lignes)
    texte = app.recit_markdown(m, m.emplacement(i))  # i : identifiant du ménage ; la page prend sa case
    assert texte.startswith(f"### Ménage n° {i}\n**Qui ?** ")
    assert "Renonce à demander" in texte and "N. Okbani (enquête de 2019), §II.3.c, encadré 3" in texte
    assert "docs/sources.md" in texte
    assert "le ménage est simulé" in texte
    assert "**Aujourd'hui (" in texte
    app.avancer(m, 104)
    assert len(recit(m, i).lignes) >= avant
    # Mois en français, jamais de date ISO dans le récit affiché.
    assert any(mois in texte for mois in app.MOIS) and "2014-" not in texte.replace("2014 —", "")


def test_menage_sans_evenement():
    m = app.nouveau_modele({**L.reglages_par_defaut("reference"), "simulation.menages": 300})
    texte = app.recit_markdown(m, 0)
    assert "### Ménage n° 0" in texte and "Rien de notable pour l'instant" in texte


def test_phrases_elision_sans_parentheses_imbriquees_citation_unique():
    from experiences.recit import de_verbe

    assert de_verbe("aller au guichet") == "d'aller au guichet"
    assert de_verbe("payer un service privé") == "de payer un service privé"
    m = app.nouveau_modele({**L.reglages_par_defaut("fermeture"), "simulation.menages": 300, "graine": 3})
    app.avancer(m, 156)
    vus = 0
    for i in range(m.menages.n):
        r = recit(m, i)
        textes = [t for _, t, _ in r.lignes]
        assert not any("décide de aller" in t or "((" in t or "))" in t for t in textes), textes
        citations = [c for _, _, c in r.lignes if c is not None]
        assert len(citations) == len(set(citations))
        for (_, t1, _), (_, t2, _) in zip(r.lignes, r.lignes[1:]):
            if t1.startswith(("S'inscrit pour être aidé", "Connaît son droit")):
                assert t1 != t2
        vus += bool(r.lignes)
    assert vus > 50
