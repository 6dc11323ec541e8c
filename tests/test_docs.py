"""Documentation : tableau des paramètres à jour, un README par dossier, glossaire présent."""

from __future__ import annotations

import importlib.util

import pytest

from modele.parametres import RACINE


def _generateur():
    spec = importlib.util.spec_from_file_location("generer_parametres", RACINE / "docs" / "generer_parametres.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parametres_md_a_jour():
    mod = _generateur()
    attendu = mod.generer()
    actuel = (RACINE / "docs" / "parametres.md").read_text(encoding="utf-8")
    assert actuel == attendu, "docs/parametres.md n'est pas à jour : lancer python docs/generer_parametres.py"


def test_parametres_md_une_ligne_par_declaration():
    from modele.parametres import charger_declarations
    texte = (RACINE / "docs" / "parametres.md").read_text(encoding="utf-8")
    for cle in charger_declarations():
        assert texte.count(f'<a id="{cle}"></a>') == 1, cle


@pytest.mark.parametrize("dossier", ["modele", "experiences", "parametres", "tests"])
def test_readme_par_dossier(dossier):
    texte = (RACINE / dossier / "README.md").read_text(encoding="utf-8")
    for section in ("## Résumé", "## Lancer", "## Fichiers", "## Sources"):
        assert section in texte, f"{dossier}/README.md : section « {section} » manquante"


def test_readme_modele_cite_chaque_fichier():
    texte = (RACINE / "modele" / "README.md").read_text(encoding="utf-8")
    for f in sorted((RACINE / "modele").glob("*.py")):
        if f.name != "__init__.py":
            assert f"`{f.name}`" in texte, f.name


def test_glossaire_bilingue():
    texte = (RACINE / "docs" / "glossaire.md").read_text(encoding="utf-8").lower()
    for terme in ("non-recours", "non-connaissance", "non-demande", "non-réception", "non-proposition", "guichet",
                  "faire à la place", "faire avec", "transfert tacite", "transfert explicite", "hors mandat",
                  "rupture de droits", "dtr", "france services", "conseiller numérique", "aidants connect",
                  "non-take-up"):
        assert terme in texte, terme
