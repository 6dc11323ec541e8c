"""L'ODD et le code ne divergent pas : une section par sous-modèle, dans l'ordre de `step()`, chacune liée à son
fichier ; chaque paramètre cité par l'ODD est déclaré.
"""

from __future__ import annotations

import re

from modele.modele import SOUS_MODELES
from modele.parametres import RACINE, charger_declarations

ODD = RACINE / "docs" / "ODD.md"


def _section_sous_modeles(texte: str) -> str:
    debut = texte.index("## 7. Sous-modèles")
    suite = texte.find("\n## ", debut + 1)
    return texte[debut: suite if suite > 0 else None]


def test_titres_odd_egaux_aux_sous_modeles_de_step():
    section = _section_sous_modeles(ODD.read_text(encoding="utf-8"))
    titres = re.findall(r"^### (\S+)\s*$", section, flags=re.M)
    assert tuple(titres) == SOUS_MODELES


def test_step_appelle_les_sous_modeles_dans_l_ordre_declare():
    import inspect

    from modele.modele import ModeleNonRecours
    source = inspect.getsource(ModeleNonRecours.step)
    appels = re.findall(r"^\s+(?:self\.)?(\w+)(?:\.appliquer)?\(self\)$|^\s+self\.(indicateurs)\(\)$", source,
                        flags=re.M)
    noms = [a or b for a, b in appels]
    positions = [source.index(f"{n}.appliquer(self)") if n != "indicateurs" else source.index("self.indicateurs()")
                 for n in SOUS_MODELES]
    assert positions == sorted(positions)
    assert set(noms) >= set(SOUS_MODELES)


def test_chaque_sous_modele_a_son_fichier_et_son_lien():
    section = _section_sous_modeles(ODD.read_text(encoding="utf-8"))
    for nom in SOUS_MODELES:
        assert (RACINE / "modele" / f"{nom}.py").is_file(), nom
        bloc = section.split(f"### {nom}\n", 1)[1].split("\n### ", 1)[0]
        assert f"](../modele/{nom}.py)" in bloc, f"section {nom} sans lien vers ../modele/{nom}.py"


def test_parametres_cites_par_l_odd_sont_declares():
    texte = ODD.read_text(encoding="utf-8")
    cites = set(re.findall(r"\]\(parametres\.md#(\w+\.[\w.]+)\)", texte))
    assert len(cites) > 30
    inconnus = sorted(cites - set(charger_declarations()))
    assert not inconnus, inconnus


def test_liens_locaux_existent():
    for doc in sorted((RACINE / "docs").glob("*.md")) + sorted(RACINE.glob("*/README.md")):
        for cible in re.findall(r"\]\(([^)#]+?)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if cible.startswith(("http://", "https://", "mailto:")):
                continue
            assert (doc.parent / cible).exists(), f"{doc.relative_to(RACINE)} : lien mort {cible}"
