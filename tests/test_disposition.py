"""La disposition du dépôt tient ses promesses : aucun module n'importe le nom privé d'un autre, chaque clé de
paramètre est dans le fichier nommé par son préfixe, une clé hors de son fichier est refusée au chargement.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from modele.parametres import RACINE, ErreurEntree, charger_declarations, lire_toml

DOSSIERS_CODE = ("modele", "experiences", "benchmarks", "docs")


def _fichiers_python():
    suivis = subprocess.run(["git", "ls-files", "*.py"], cwd=RACINE, capture_output=True, text=True).stdout.split()
    if not suivis:  # hors d'un dépôt git (archive) : tous les fichiers des dossiers de code
        suivis = [str(f.relative_to(RACINE)) for d in DOSSIERS_CODE for f in (RACINE / d).rglob("*.py")]
    return [RACINE / f for f in suivis if f.split("/")[0] in DOSSIERS_CODE]


def imports_prives(chemin) -> list[str]:
    """Les `from X import _nom` (X un module du projet) et `X._nom` où X est un module importé du projet."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    fautes = []
    modules_projet = {}
    for n in ast.walk(arbre):
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] in DOSSIERS_CODE:
            for a in n.names:
                if a.name.startswith("_"):
                    fautes.append(f"{chemin.relative_to(RACINE)}:{n.lineno} from {n.module} import {a.name}")
                else:
                    modules_projet[a.asname or a.name] = f"{n.module}.{a.name}"
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name.split(".")[0] in DOSSIERS_CODE:
                    modules_projet[a.asname or a.name.split(".")[0]] = a.name
    for n in ast.walk(arbre):
        if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in modules_projet
                and n.attr.startswith("_") and not n.attr.startswith("__")):
            fautes.append(f"{chemin.relative_to(RACINE)}:{n.lineno} {n.value.id}.{n.attr}")
    return fautes


def test_aucun_import_de_nom_prive_entre_modules():
    fautes = [f for c in _fichiers_python() for f in imports_prives(c)]
    assert fautes == []


def test_le_detecteur_trouve_un_import_prive(tmp_path, monkeypatch):
    faux = tmp_path / "modele" / "x.py"
    faux.parent.mkdir()
    faux.write_text("from modele.demarches import _cache\nimport modele.creux as c\nc._secret\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "RACINE", tmp_path)
    assert len(imports_prives(faux)) == 2


def test_chaque_cle_est_dans_le_fichier_de_son_prefixe():
    for cle, decl in charger_declarations().items():
        assert Path(decl.fichier).stem == cle.split(".")[0], (cle, decl.fichier)


def test_une_cle_hors_de_son_fichier_est_refusee(tmp_path):
    dossier = tmp_path / "defauts"
    dossier.mkdir()
    for f in (RACINE / "parametres" / "defauts").glob("*.toml"):
        (dossier / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    texte = (dossier / "decision.toml").read_text(encoding="utf-8")
    (dossier / "decision.toml").write_text(texte + '\n[demarches.intrus]\nvaleur = 1.0\nunite = "u"\nmin = 0.0\n'
                                           'max = 2.0\ndoc = "d"\nhypothese = true\n', encoding="utf-8")
    with pytest.raises(ErreurEntree) as e:
        charger_declarations(dossier)
    assert "demarches" in str(e.value) and "decision.toml" in str(e.value)
    assert set(lire_toml(dossier / "demarches.toml")) == {"demarches"}
