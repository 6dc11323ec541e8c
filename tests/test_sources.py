"""Sources : le dépôt se vérifie seul.

- aucun fichier suivi par git ne renvoie à un chemin hors du dépôt (dossier partagé du projet, notes de travail,
  fichier:lignes d'une copie de travail) ;
- toute clé `[cle]` citée dans `parametres/`, la documentation, `modele/` et `experiences/` a son entrée dans
  `docs/sources.md`, et un repère `[okbani2020] §…` existe dans la table des sections de ce document ;
- `CITATION.cff`, `CHANGELOG.md` et `docs/README.md` suivent le dépôt (version, index).
"""

from __future__ import annotations

import io
import re
import subprocess
import tokenize
import tomllib

import pytest

from modele.parametres import RACINE

SOURCES = RACINE / "docs" / "sources.md"

#: Renvois hors du dépôt : dossier partagé, notes, fichier des chiffres, « 003:1963-1969 » (fichier:lignes).
HORS_DEPOT = re.compile(r"\.\./shared|shared/|seeds-brief|donnees/sources\.md|\b00[0-4]:\d+")

#: Une clé citée : `[cle]` en minuscules ASCII avec un chiffre ou un tiret bas (`[okbani2020]`, `[sorin_diaporama]`),
#: ce qui la distingue d'un titre de table TOML (`[scenario]`) ; pas un indice (`x[i]`, `f()[k]`), pas un lien
#: Markdown `[texte](adresse)`.
FORME_CLE = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[0-9][a-z0-9]*(?:_[a-z0-9]+)*"
CLE_CITEE = re.compile(rf"(?<![\w\]\)])\[({FORME_CLE})\](?!\()")

#: Marques éditoriales entre crochets qui ne sont pas des clés.
PAS_DES_CLES = {"sic"}

#: Repère dans le rapport de terrain : `[okbani2020] §II.3.a` (chapitre, section, sous-section), encadré facultatif.
REPERE_OKBANI = re.compile(r"\[okbani2020\] §([IVX]+(?:\.\d+(?:\.[a-z])?)?)(?:, encadré (\d+))?")

CE_TEST = "tests/test_sources.py"


# --- lecture ------------------------------------------------------------------------------------------------------

def fichiers_suivis() -> list[str]:
    """Chemins (relatifs à la racine) des fichiers suivis par git ; à défaut de git, les fichiers de l'arbre."""
    try:
        sortie = subprocess.run(["git", "ls-files", "-z"], cwd=RACINE, capture_output=True, check=True)
        return [c for c in sortie.stdout.decode("utf-8").split("\0") if c]
    except (OSError, subprocess.CalledProcessError):
        exclus = {".git", ".venv", ".venv-ci", "resultats", "__pycache__", ".pytest_cache", ".ruff_cache"}
        return sorted(str(p.relative_to(RACINE)) for p in RACINE.rglob("*")
                      if p.is_file() and not exclus.intersection(p.relative_to(RACINE).parts))


def texte(chemin: str) -> str | None:
    """Le contenu d'un fichier texte, None pour un fichier binaire."""
    try:
        return (RACINE / chemin).read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError):
        return None


def cles_declarees(md: str) -> list[str]:
    """Clés de `docs/sources.md` : titres `### [cle]` / `#### [cle]` et clés réservées `| \\`cle\\` |`."""
    titres = re.findall(r"^#{2,4} \[([^\]]+)\]\s*$", md, flags=re.M)
    reservees = re.findall(r"^\| `([a-z][a-z0-9_]*)` \|", md, flags=re.M)
    return titres + reservees


def reperes_okbani(md: str) -> set[tuple[str, str | None]]:
    """Repères de la table des sections du rapport de terrain : (section, encadré ou None)."""
    return {(s, e or None) for s, e in re.findall(r"^\| §([IVX][^ ,|]*)(?:, encadré (\d+))? \|", md, flags=re.M)}


def citations_texte(contenu: str) -> set[str]:
    """Clés citées dans un texte (Markdown, chaîne TOML, commentaire ou chaîne Python)."""
    return {c for c in CLE_CITEE.findall(contenu) if c not in PAS_DES_CLES}


def morceaux_python(contenu: str) -> list[str]:
    """Les commentaires et chaînes d'un fichier Python (là seulement une citation a un sens)."""
    types = {tokenize.STRING, tokenize.COMMENT} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [t.string for t in tokenize.generate_tokens(io.StringIO(contenu).readline) if t.type in types]


def chaines_toml(valeur) -> list[str]:
    """Toutes les chaînes d'un document TOML (valeurs, pas les clés ni les titres de tables)."""
    if isinstance(valeur, str):
        return [valeur]
    if isinstance(valeur, dict):
        return [s for v in valeur.values() for s in chaines_toml(v)]
    if isinstance(valeur, list):
        return [s for v in valeur for s in chaines_toml(v)]
    return []


def morceaux_cites(chemin: str, contenu: str) -> list[str]:
    """Les morceaux d'un fichier où chercher des citations."""
    if chemin.endswith(".py"):
        return morceaux_python(contenu)
    if chemin.endswith(".toml"):
        return chaines_toml(tomllib.loads(contenu))
    return [contenu]


def fichiers_qui_citent() -> list[str]:
    """Fichiers dont les citations doivent renvoyer à `docs/sources.md`."""
    retenus = []
    for chemin in fichiers_suivis():
        if chemin == "docs/sources.md" or chemin.startswith("tests/"):
            continue
        if chemin.startswith("parametres/") and chemin.endswith(".toml"):
            retenus.append(chemin)
        elif chemin.startswith(("modele/", "experiences/")) and chemin.endswith((".py", ".md")):
            retenus.append(chemin)
        elif chemin.endswith(".md"):
            retenus.append(chemin)
    return retenus


# --- les détecteurs eux-mêmes, sur des cas posés à la main ------------------------------------------------------

@pytest.mark.parametrize("ligne", ["voir ../shared/donnees", "notes/seeds-brief.md §8", "donnees/sources.md §7",
                                   "(003:1963-1969)", "fichier 004:12", "shared/seeds/003"])
def test_hors_depot_reconnu(ligne):
    assert HORS_DEPOT.search(ligne)


@pytest.mark.parametrize("ligne", ["à 10:30", "[okbani2020] §II.3.a", "2003:12", "docs/sources.md", "1003:4"])
def test_dans_le_depot_non_signale(ligne):
    assert HORS_DEPOT.search(ligne) is None


def test_citations_texte_cas_poses():
    assert citations_texte("source = [okbani2020] §II.3.a ; [insee2023_1953] et [drees2022_n92]") == {
        "okbani2020", "insee2023_1953", "drees2022_n92"}
    assert citations_texte("x[i] + f()[k] + t[0] + [lien](page.md) + [sic] + [0, 1] + [a, b]") == set()
    assert citations_texte("table [scenario] ou [interventions] ; pip install '.[tout]' ; [x_1](a.md)") == set()


def test_citations_python_hors_code():
    source = 'x = tab[menages_actifs]\n# voir [okbani2020] §II.1.b\ndef f():\n    """Durée ([bfmtv2014_caf])."""\n'
    trouvees = set().union(*(citations_texte(m) for m in morceaux_python(source)))
    assert trouvees == {"okbani2020", "bfmtv2014_caf"}


def test_citations_toml_sans_titres_de_tables():
    doc = '[acteurs]\nx = { valeur = 1, source = "[ddd2021_age]" }\nsources = ["[odenore_typologie] p. 2", "aucune"]\n'
    trouvees = set().union(*(citations_texte(s) for s in chaines_toml(tomllib.loads(doc))))
    assert trouvees == {"ddd2021_age", "odenore_typologie"}


def test_reperes_okbani_lus_dans_la_table():
    md = "| repère | titre |\n|---|---|\n| §II.3.a | Faire… |\n| §II.1.b, encadré 1 | Ethnographie |\n"
    assert reperes_okbani(md) == {("II.3.a", None), ("II.1.b", "1")}


# --- le dépôt ----------------------------------------------------------------------------------------------------

def test_aucun_renvoi_hors_du_depot():
    fautes = []
    for chemin in fichiers_suivis():
        if chemin == CE_TEST:
            continue
        contenu = texte(chemin)
        if contenu is None:
            continue
        for n, ligne in enumerate(contenu.splitlines(), 1):
            m = HORS_DEPOT.search(ligne)
            if m:
                fautes.append(f"{chemin}:{n} : « {m.group(0)} »")
    assert not fautes, ("renvois hors du dépôt (citer une entrée de docs/sources.md) :\n" + "\n".join(fautes))


def test_cles_de_sources_uniques():
    cles = cles_declarees(SOURCES.read_text(encoding="utf-8"))
    doublons = sorted({c for c in cles if cles.count(c) > 1})
    assert not doublons, f"docs/sources.md : clés en double {doublons}"
    mal_formees = [c for c in cles if not re.fullmatch(FORME_CLE, c)]
    assert not mal_formees, f"docs/sources.md : clés sans chiffre ni tiret bas (indétectables) {mal_formees}"
    for cle in ("okbani2020", "mazet_sorin2020", "mazet_sorin_diaporama", "sorin_diaporama", "labacces_articles",
                "ges2025"):
        assert cle in cles, cle


def test_ajouts_a_classer_en_fin_de_sources():
    titres = re.findall(r"^## (.+)$", SOURCES.read_text(encoding="utf-8"), flags=re.M)
    assert titres[-1].strip() == "Ajouts (à classer)"


def test_chaque_cle_citee_a_son_entree():
    declarees = set(cles_declarees(SOURCES.read_text(encoding="utf-8")))
    fautes = []
    for chemin in fichiers_qui_citent():
        contenu = texte(chemin)
        if contenu is None:
            continue
        for cle in sorted(set().union(*(citations_texte(m) for m in morceaux_cites(chemin, contenu)))):
            if cle not in declarees:
                fautes.append(f"{chemin} : [{cle}]")
    assert not fautes, "clés sans entrée dans docs/sources.md :\n" + "\n".join(fautes)


def test_reperes_okbani_existent():
    md = SOURCES.read_text(encoding="utf-8")
    table = reperes_okbani(md)
    sections = {s for s, _ in table}
    fautes = []
    for chemin in fichiers_qui_citent() + ["docs/sources.md"]:
        contenu = texte(chemin) or ""
        for section, encadre in REPERE_OKBANI.findall(contenu):
            if section not in sections or (encadre and (section, encadre) not in table):
                fautes.append(f"{chemin} : §{section}" + (f", encadré {encadre}" if encadre else ""))
    assert not fautes, "repères absents de la table des sections de [okbani2020] :\n" + "\n".join(fautes)


def test_citation_cff_a_la_version_du_projet():
    version = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    cff = (RACINE / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(version)}\s*$", cff, flags=re.M), "CITATION.cff : version"
    assert re.search(r"^license: MIT\s*$", cff, flags=re.M)
    assert "MIT License" in (RACINE / "LICENSE").read_text(encoding="utf-8")
    journal = (RACINE / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(version)}\b", journal, flags=re.M), f"CHANGELOG.md : pas de section {version}"


def test_index_de_docs_cite_chaque_entree():
    index = (RACINE / "docs" / "README.md").read_text(encoding="utf-8")
    entrees = {c.split("/")[1] for c in fichiers_suivis() if c.startswith("docs/") and c.count("/") >= 1}
    manquantes = sorted(e for e in entrees - {"README.md"}
                        if f"`{e}`" not in index and f"`{e}/`" not in index)
    assert not manquantes, f"docs/README.md ne cite pas : {manquantes}"


def test_citations_du_recit_documentees_dans_sources():
    from experiences.recit import CITATIONS, decouper_reference

    lignes = SOURCES.read_text(encoding="utf-8").splitlines()
    fautes = []
    for situation, (citation, ref) in CITATIONS.items():
        cle, repere = decouper_reference(ref)
        verbatim = citation.strip("« »")
        rangs = [ligne for ligne in lignes if ligne.startswith("| ") and verbatim in ligne]
        if cle != "okbani2020" or not any(repere in ligne for ligne in rangs):
            fautes.append(f"{situation} : {citation} ({ref})")
    assert not fautes, "citations du récit absentes du tableau de docs/sources.md (ou autre repère) :\n" + "\n".join(
        fautes)
