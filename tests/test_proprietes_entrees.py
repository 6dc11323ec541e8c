"""Propriétés des entrées (Hypothesis) : tout document invalide engendré est refusé proprement.

Pour chaque type de fichier, une stratégie part d'un document valide et y place une faute d'une classe de
l'issue 16 (mauvais type, NaN/inf, hors bornes, clé inconnue, date hors période, section du mauvais type) ; des
documents entiers sont aussi engendrés (vides, énormes, profonds). Chaque cas passe par `nonrecours verifier` et
doit donner : code 2, un message « Erreur » en français qui nomme le fichier et la clé fautive, aucune trace
Python (une exception qui s'échappe fait échouer le test) et aucun fichier nouveau.

Nombre de cas : profil « ci » de tests/conftest.py (× le facteur de chaque test) ; HYPOTHESIS_PROFILE=fouille
pour chercher plus longtemps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import tempfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from experiences.cli import main
from modele.calendrier import DOMAINE
from modele.entrees import LIMITES, nom_valide
from modele.etat import TERRITOIRES
from modele.parametres import CHAMPS_DECLARATION, RACINE, charger_declarations
from modele.politiques import TYPES_INTERVENTIONS
from modele.prestations import ORGANISMES
from modele.scenarios import CHAMPS_ENTETE

# --- Valeurs fautives, par type attendu ---------------------------------------------------------------------

NON_FINIS = st.sampled_from([math.nan, math.inf, -math.inf])
PETITS_TEXTES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
SANS_CHIFFRES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Nd")), max_size=12)
TABLES = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(-3, 3), max_size=2)
DATES = st.dates()
NON_TEXTES = st.one_of(st.integers(), st.floats(), st.booleans(), st.lists(st.integers(), max_size=3), TABLES, DATES)
NON_BOOLEENS = st.one_of(st.integers(), st.floats(), PETITS_TEXTES, st.lists(st.booleans(), max_size=2), TABLES, DATES)
NON_NOMBRES = st.one_of(PETITS_TEXTES, st.booleans(), st.lists(st.floats(), max_size=2), TABLES, DATES)
NON_LISTES = st.one_of(st.integers(), st.floats(), PETITS_TEXTES, st.booleans(), TABLES, DATES)
NON_TABLES = st.one_of(st.integers(), st.floats(), PETITS_TEXTES, st.booleans(), st.lists(st.integers(), max_size=3),
                       DATES)
NON_DATES = st.one_of(st.integers(), st.floats(), SANS_CHIFFRES, st.booleans(), st.lists(st.integers(), max_size=2),
                      TABLES)
HORS_DOMAINE = st.one_of(st.dates(max_value=DOMAINE[0] - dt.timedelta(days=1)),
                         st.dates(min_value=DOMAINE[1] + dt.timedelta(days=1)))


def _cle_inconnue(permises):
    return st.text(st.characters(codec="ascii", categories=("Ll", "Lu", "Nd")), min_size=1, max_size=10).filter(
        lambda k: k not in permises)


def _hors_bornes(mini, maxi, entier=False):
    dessous = st.integers(max_value=int(mini) - 1) if entier else st.floats(max_value=mini, exclude_max=True,
                                                                            allow_nan=False, allow_infinity=False)
    dessus = st.integers(min_value=int(maxi) + 1) if entier else st.floats(min_value=maxi, exclude_min=True,
                                                                           allow_nan=False, allow_infinity=False)
    return st.one_of(dessous, dessus)


def valeur_interdite(decl):
    """Une valeur qu'une surcharge de ce paramètre ne peut pas prendre."""
    if decl.type == "reel":
        return st.one_of(NON_NOMBRES, NON_FINIS, _hors_bornes(decl.min, decl.max))
    if decl.type == "entier":
        non_entiers = st.floats(decl.min, decl.max).filter(lambda x: not x.is_integer())
        return st.one_of(NON_NOMBRES, NON_FINIS, _hors_bornes(decl.min, decl.max, entier=True), non_entiers)
    if decl.type == "booleen":
        return NON_BOOLEENS
    if decl.type == "texte" and decl.choix:
        return st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: t not in decl.choix))
    if decl.type == "liste":
        n = decl.forme[0]
        return st.one_of(NON_LISTES, st.lists(st.floats(decl.min, decl.max), max_size=8).filter(lambda v: len(v) != n),
                         st.lists(st.floats(decl.min, decl.max), min_size=n, max_size=n).flatmap(
                             lambda v: st.tuples(st.integers(0, n - 1), NON_FINIS).map(
                                 lambda kx: v[:kx[0]] + [kx[1]] + v[kx[0] + 1:])))
    if decl.type == "matrice":
        lg, col = decl.forme
        return st.one_of(NON_LISTES, st.lists(st.lists(st.floats(decl.min, decl.max), min_size=col, max_size=col),
                                              max_size=8).filter(lambda m: len(m) != lg),
                         st.just([[math.nan] * col] * lg))
    return NON_TEXTES  # texte libre


DECLARATIONS = charger_declarations()
PARAMETRES_PAR_TYPE = {}
for _cle, _d in DECLARATIONS.items():
    if _d.type != "date":
        PARAMETRES_PAR_TYPE.setdefault((_d.type, bool(_d.choix)), _cle)


# --- Exécution d'un cas : verifier, code 2, message, rien d'écrit --------------------------------------------

def _etat_disque(dossier: Path) -> set:
    fichiers = {p for p in dossier.rglob("*")}
    resultats = RACINE / "resultats"
    return fichiers | ({p for p in resultats.rglob("*")} if resultats.exists() else set())


def verifier_refuse(document, cles, texte: str | None = None) -> str:
    """Écrit le document, lance `nonrecours verifier` ; code 2, « Erreur », fichier et clés nommés, rien d'écrit."""
    with tempfile.TemporaryDirectory() as d:
        dossier = Path(d)
        f = dossier / "cas.toml"
        if texte is None:
            f.write_bytes(tomli_w.dumps(document).encode("utf-8"))
        else:
            f.write_text(texte, encoding="utf-8")
        avant = _etat_disque(dossier)
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                code = main(["verifier", str(f)])
            except SystemExit as exc:
                code = exc.code
        message = err.getvalue()
        assert code == 2, f"code {code} pour :\n{f.read_text(encoding='utf-8')[:2000]}\n{message}{out.getvalue()}"
        assert message.startswith("Erreur"), message
        assert "Traceback" not in message
        assert str(f) in message, message
        for c in cles:
            assert c in message, f"« {c} » absent de :\n{message}"
        assert _etat_disque(dossier) == avant
    return message


# --- Scénarios ----------------------------------------------------------------------------------------------

def scenario_valide() -> dict:
    return {
        "scenario": {"nom": "essai", "question": "q", "calibration": False, "sources": ["[okbani2020]"]},
        "surcharges": {"decision.cout_base": 1.5},
        "interventions": [{"type": "fermeture_guichets", "date": "2016-01-01", "operateur": "caf", "zones": "toutes",
                           "part": 0.5}],
    }


ENTETE_FAUX = {
    "nom": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: not nom_valide(t)), st.just("../../../x")),
    "question": st.one_of(NON_TEXTES, st.sampled_from(["", "  "])),
    "description": NON_TEXTES,
    "sources": st.one_of(NON_LISTES, st.lists(NON_TEXTES, min_size=1, max_size=3)),
    "calibration": NON_BOOLEENS,
    "base": st.one_of(NON_TEXTES, st.just("")),
    "sans_interventions": st.one_of(NON_LISTES, st.lists(PETITS_TEXTES.filter(lambda t: t not in TYPES_INTERVENTIONS),
                                                          min_size=1, max_size=2)),
}

INTERVENTION_FAUX = {
    "type": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: t not in TYPES_INTERVENTIONS)),
    "date": st.one_of(NON_DATES, HORS_DOMAINE),
    "fin": st.one_of(NON_DATES, HORS_DOMAINE, st.dates(DOMAINE[0], dt.date(2016, 1, 1))),
    "operateur": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: t not in ORGANISMES)),
    "zones": st.one_of(st.integers(), st.floats(), st.booleans(), TABLES, st.just([]),
                       PETITS_TEXTES.filter(lambda t: t != "toutes"),
                       st.lists(PETITS_TEXTES.filter(lambda t: t not in TERRITOIRES), min_size=1, max_size=3)),
    "part": st.one_of(NON_NOMBRES, NON_FINIS, _hors_bornes(0.0, 1.0)),
    "description": st.one_of(NON_TEXTES, st.just("")),
}

SECTIONS_FAUX = {"scenario": NON_TABLES, "surcharges": NON_TABLES,
                 "interventions": st.one_of(NON_LISTES, st.lists(NON_TABLES, min_size=1, max_size=2))}


def _site_entete(champ):
    def fauter(draw, doc):
        doc["scenario"][champ] = draw(ENTETE_FAUX[champ])
        return [f"scenario.{champ}"]
    return fauter


def _site_surcharge(cle):
    def fauter(draw, doc):
        doc["surcharges"][cle] = draw(valeur_interdite(DECLARATIONS[cle]))
        return [cle]
    return fauter


def _site_intervention(champ):
    def fauter(draw, doc):
        doc["interventions"][0][champ] = draw(INTERVENTION_FAUX[champ])
        return [f"interventions[0].{champ}"]
    return fauter


def _site_section(section):
    def fauter(draw, doc):
        doc[section] = draw(SECTIONS_FAUX[section])
        return [section]
    return fauter


def _entete_inconnue(draw, doc):
    k = draw(_cle_inconnue(CHAMPS_ENTETE))
    doc["scenario"][k] = draw(st.integers())
    return [f"scenario.{k}"]


def _racine_inconnue(draw, doc):
    k = draw(_cle_inconnue({"scenario", "surcharges", "interventions"}))
    doc[k] = draw(st.one_of(st.integers(), TABLES))
    return [k]


def _surcharge_inconnue(draw, doc):
    k = draw(st.sampled_from(["decision", "guichets.caf", "inconnu"])) + "." + draw(_cle_inconnue(()))
    if k in DECLARATIONS:
        k += "_x"
    doc["surcharges"][k] = 1.0
    return [k]


def _intervention_inconnue(draw, doc):
    k = draw(_cle_inconnue({"type", "date", "fin", "description", "operateur", "zones", "part"}))
    doc["interventions"][0][k] = 1
    return [f"interventions[0].{k}"]


def _trop_d_interventions(draw, doc):
    doc["interventions"] = doc["interventions"] * (LIMITES["interventions"] + draw(st.integers(1, 3)))
    return ["interventions", f"au plus {LIMITES['interventions']}"]


# Chaque site de faute est un cas de test : chacun reçoit sa part d'exemples, aucun n'est oublié par le hasard.
SITES_SCENARIO = {
    **{f"scenario.{c}": _site_entete(c) for c in ENTETE_FAUX},
    **{f"surcharges.{t}{'_choix' if choix else ''}": _site_surcharge(c)
       for (t, choix), c in sorted(PARAMETRES_PAR_TYPE.items())},
    **{f"interventions.{c}": _site_intervention(c) for c in INTERVENTION_FAUX},
    **{f"section.{c}": _site_section(c) for c in SECTIONS_FAUX},
    "scenario.inconnue": _entete_inconnue, "racine.inconnue": _racine_inconnue,
    "surcharges.inconnue": _surcharge_inconnue, "interventions.inconnue": _intervention_inconnue,
    "interventions.trop": _trop_d_interventions,
}


def _par_site() -> settings:
    return settings(max_examples=max(5, settings().max_examples // 12))


@pytest.mark.parametrize("site", sorted(SITES_SCENARIO))
@_par_site()
@given(data=st.data())
def test_scenario_engendre_refuse(site, data):
    doc = scenario_valide()
    cles = SITES_SCENARIO[site](data.draw, doc)
    verifier_refuse(doc, cles)


def test_le_scenario_de_depart_est_valide():
    """Sans ce témoin, les propriétés ci-dessus pourraient passer sur un document déjà faux."""
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "cas.toml"
        f.write_bytes(tomli_w.dumps(scenario_valide()).encode("utf-8"))
        assert main(["verifier", str(f)]) == 0


# --- Déclarations -------------------------------------------------------------------------------------------

def declaration_valide() -> dict:
    return {"essai": {"x": {"valeur": 1.0, "unite": "u", "doc": "d", "min": 0.0, "max": 2.0, "hypothese": True}}}


DECLARATION_FAUX = {
    "min": st.one_of(NON_NOMBRES, NON_FINIS, st.floats(2.0, 1e9, exclude_min=True)),
    "max": st.one_of(NON_NOMBRES, NON_FINIS, st.floats(-1e9, 0.0, exclude_max=True)),
    "valeur": st.one_of(NON_FINIS, _hors_bornes(0.0, 2.0), st.booleans().map(lambda b: [b]),
                        st.just([[1.0], [1.0, 2.0]])),
    "unite": st.one_of(NON_TEXTES, st.sampled_from(["", " "])),
    "doc": st.one_of(NON_TEXTES, st.sampled_from(["", " "])),
    "hypothese": NON_BOOLEENS,
    "calibrable": NON_BOOLEENS,
    "choix": st.one_of(NON_LISTES, st.lists(PETITS_TEXTES, max_size=3), st.lists(st.integers(), max_size=3)),
    "forme": st.one_of(NON_LISTES, st.lists(st.integers(), max_size=3)),
    "inerte": NON_TEXTES,
}


def _site_declaration(classe):
    def fauter(draw, doc):
        x = doc["essai"]["x"]
        if classe in DECLARATION_FAUX:
            x[classe] = draw(DECLARATION_FAUX[classe])
            return ["essai.x"]
        if classe == "inconnu":
            k = draw(_cle_inconnue(CHAMPS_DECLARATION))
            x[k] = 1
            return ["essai.x", k]
        if classe == "source_et_hypothese":
            x["source"] = draw(PETITS_TEXTES)
            return ["essai.x"]
        if classe == "nue":
            doc["essai"]["y"] = draw(st.one_of(st.integers(), PETITS_TEXTES, st.lists(st.integers(), max_size=2)))
            return ["essai.y"]
        doc["essai"]["y"] = {}
        return ["essai.y"]
    return fauter


SITES_DECLARATION = {c: _site_declaration(c) for c in [*DECLARATION_FAUX, "inconnu", "source_et_hypothese", "nue",
                                                       "table_vide"]}


@pytest.mark.parametrize("site", sorted(SITES_DECLARATION))
@_par_site()
@given(data=st.data())
def test_declaration_engendree_refusee(site, data):
    doc = declaration_valide()
    cles = SITES_DECLARATION[site](data.draw, doc)
    verifier_refuse(doc, cles)


def test_la_declaration_de_depart_est_valide():
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "cas.toml"
        f.write_bytes(tomli_w.dumps(declaration_valide()).encode("utf-8"))
        assert main(["verifier", str(f)]) == 0


# --- Documents entiers : vides, profonds, énormes, mal formés ------------------------------------------------

def _document(classe, draw):
    """(texte TOML, mots que le message doit contenir)."""
    if classe == "vide":
        return draw(st.sampled_from(["", "\n", "# commentaire\n", "   \n\n"])), ["Fichier vide"]
    if classe == "profond_liste":
        n = draw(st.integers(LIMITES["profondeur_toml"], 3000))
        return "a = " + "[" * n + "1" + "]" * n + "\n", ["trop profond"]
    if classe == "profond_table":
        n = draw(st.integers(LIMITES["profondeur_toml"] + 1, 200))
        return "[" + ".".join(f"t{k}" for k in range(n)) + "]\nv = 1\n", ["trop profond"]
    if classe == "enorme":
        n = LIMITES["taille_fichier_octets"] + draw(st.integers(1, 1000))
        return "# " + "x" * n + "\n", ["trop gros"]
    return draw(st.sampled_from(["a = ", "[a\n", "a = [1,\n", "= 1", "a = 1\na = 2\n", "a = 'x\n"])), ["mal formé"]


@pytest.mark.parametrize("classe", ["vide", "profond_liste", "profond_table", "enorme", "mal_forme"])
@_par_site()
@given(data=st.data())
def test_document_pathologique_refuse(classe, data):
    texte, mots = _document(classe, data.draw)
    verifier_refuse(None, mots, texte=texte)


# --- Arguments de la CLI (simuler) ------------------------------------------------------------------------------

PAS_DE_DATE = st.text(st.characters(codec="ascii", categories=("Ll", "Lu", "P")), min_size=1, max_size=8)
NON_ENTIERS_CLI = st.one_of(PAS_DE_DATE, st.floats(allow_nan=True).map(repr), st.just(""))
OPTIONS_FAUX = {
    "--menages": st.one_of(NON_ENTIERS_CLI, st.integers(max_value=99).map(str),
                           st.integers(min_value=2_000_001).map(str)),
    "--graine": st.one_of(NON_ENTIERS_CLI, st.integers(max_value=-1).map(str),
                          st.integers(min_value=LIMITES["graine"]).map(str)),
    "--replicats": st.one_of(NON_ENTIERS_CLI, st.integers(max_value=0).map(str),
                             st.integers(min_value=LIMITES["replicats"] + 1).map(str)),
    "--travailleurs": st.one_of(NON_ENTIERS_CLI, st.integers(max_value=0).map(str),
                                st.integers(min_value=257).map(str)),
    "--debut": st.one_of(PAS_DE_DATE, st.dates(max_value=dt.date(1999, 12, 31)).map(lambda d: d.strftime("%Y-%m")),
                         st.sampled_from(["2014-13", "2014-00", "14-01", "2014/01"])),
    "--fin": st.one_of(PAS_DE_DATE, st.dates(min_value=dt.date(2061, 1, 1)).map(lambda d: d.strftime("%Y-%m")),
                       st.dates(DOMAINE[0], dt.date(2013, 12, 31)).map(lambda d: d.strftime("%Y-%m"))),
}


def _parametre_faux(draw):
    """(arguments --parametre, clé que le message nomme)."""
    cle = draw(st.sampled_from(sorted(PARAMETRES_PAR_TYPE.values())))
    genre = draw(st.sampled_from(["valeur", "inconnue", "mal_forme", "double"]))
    if genre == "valeur":
        v = draw(valeur_interdite(DECLARATIONS[cle]))
        if isinstance(v, dict) or isinstance(v, dt.date):
            v = "{}" if isinstance(v, dict) else v.isoformat() + "x"
        texte = tomli_w.dumps({"v": v})[4:].strip() if not isinstance(v, str) else tomli_w.dumps({"v": v})[4:].strip()
        return ["--parametre", f"{cle}={texte}"], cle
    if genre == "inconnue":
        k = cle + "_" + draw(_cle_inconnue(()))
        return ["--parametre", f"{k}=1"], k
    if genre == "mal_forme":
        return ["--parametre", cle], "--parametre"
    return ["--parametre", f"{cle}={tomli_w.dumps({'v': DECLARATIONS[cle].valeur})[4:].strip()}"] * 2, cle


@pytest.mark.parametrize("option", [*sorted(OPTIONS_FAUX), "--parametre", "--sortie", "inconnue"])
@_par_site()
@given(data=st.data())
def test_arguments_engendres_refuses(option, data):
    """Arguments de `simuler` : code 2, l'option nommée, aucun fichier, et jamais de simulation lancée."""
    import experiences.execution.simulation as simulation

    def interdit(*a, **k):
        raise AssertionError("simulation lancée malgré un argument invalide")

    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as d:
        mp.setattr(simulation, "executer_plusieurs", interdit)
        dossier = Path(d)
        sortie = dossier / "s"
        args = ["--menages", "100", "--debut", "2014-01", "--fin", "2014-02"]
        if option in OPTIONS_FAUX:
            valeur = data.draw(OPTIONS_FAUX[option])
            args += [f"{option}={valeur}"]
            cle = option
        elif option == "--parametre":
            ajout, cle = _parametre_faux(data.draw)
            args += ajout
        elif option == "--sortie":
            genre = data.draw(st.sampled_from(["fichier", "lien", "plein", "sous_fichier"]))
            (dossier / "f").write_text("x", encoding="utf-8")
            sortie = {"fichier": dossier / "f", "sous_fichier": dossier / "f" / "s"}.get(genre, sortie)
            if genre == "lien":
                sortie.symlink_to(dossier / "f")
            if genre == "plein":
                sortie.mkdir()
                (sortie / "a").write_text("x", encoding="utf-8")
            cle = "--sortie"
        else:
            k = "--" + data.draw(_cle_inconnue({"menages", "graine", "replicats", "debut", "fin", "sortie",
                                                "travailleurs", "parametre", "help", "h"}))
            args += [k, "1"]
            cle = k
        avant = _etat_disque(dossier)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(["simuler", *args, "--sortie", str(sortie)])
            except SystemExit as exc:
                code = exc.code
        message = err.getvalue()
        assert code == 2, message
        assert "Erreur" in message and "Traceback" not in message
        assert cle in message, f"« {cle} » absent de :\n{message}"
        assert _etat_disque(dossier) == avant


# --- Plans de balayage ------------------------------------------------------------------------------------------

def plan_valide() -> dict:
    return {"nom": "essai", "scenario": "reference", "plan": "factoriel", "replicats": 1, "menages": 200,
            "debut": "2014-01", "fin": "2014-03", "graine": 0, "indicateurs": ["taux_non_recours_rsa"],
            "parametres": {"decision.cout_base": {"niveaux": [0.5, 1.5]}}}


PLAN_FAUX = {
    "nom": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: not nom_valide(t))),
    "scenario": st.one_of(NON_TEXTES, SANS_CHIFFRES.filter(lambda t: t.strip() != "").map(lambda t: t + "_inconnu")),
    "plan": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: t not in ("factoriel", "hypercube_latin", "sobol",
                                                                            "morris"))),
    "replicats": st.one_of(NON_NOMBRES, st.integers(max_value=0), st.integers(min_value=LIMITES["replicats"] + 1)),
    "menages": st.one_of(NON_NOMBRES, st.integers(max_value=99), st.integers(min_value=2_000_001)),
    "debut": st.one_of(NON_TEXTES, SANS_CHIFFRES, HORS_DOMAINE.map(lambda d: d.strftime("%Y-%m"))),
    "fin": st.one_of(NON_TEXTES, SANS_CHIFFRES, st.sampled_from(["2013-12", "2061-01", "2014-13"])),
    "graine": st.one_of(NON_NOMBRES, st.integers(max_value=-1), st.integers(min_value=LIMITES["graine"] + 1)),
    "indicateurs": st.one_of(NON_LISTES, st.lists(NON_TEXTES, min_size=1, max_size=2),
                             st.lists(SANS_CHIFFRES.map(lambda t: "inconnu_" + t), min_size=1, max_size=2)),
    "fonction_run": st.one_of(NON_TEXTES, st.sampled_from(["tempfile:mkdtemp", "os:system", "voisin:f", "", "x"])),
    "declarations": st.one_of(NON_TEXTES, st.sampled_from(["tempfile:mkdtemp", "os:getcwd", "voisin", ""])),
    "parametres": st.one_of(NON_TABLES, st.just({}),
                            st.fixed_dictionaries({"decision.cout_base": st.one_of(
                                NON_TABLES, st.fixed_dictionaries({"niveaux": st.one_of(
                                    NON_LISTES, st.just([]), st.lists(st.one_of(NON_FINIS, _hors_bornes(0.0, 10.0)),
                                                                      min_size=1, max_size=3))}))})),
}


@pytest.mark.parametrize("champ", [*sorted(PLAN_FAUX), "inconnue"])
@_par_site()
@given(data=st.data())
def test_plan_de_balayage_engendre_refuse(champ, data):
    doc = plan_valide()
    if champ == "inconnue":
        champ = data.draw(_cle_inconnue(set(plan_valide()) | {"description", "graines_communes", "fonction_run",
                                                              "declarations", "echantillonnage", "series",
                                                              "sensibilite", "fixes"}))
        doc[champ] = 1
    else:
        doc[champ] = data.draw(PLAN_FAUX[champ])
    verifier_refuse(doc, [champ])


def test_le_plan_de_depart_est_valide():
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "cas.toml"
        f.write_bytes(tomli_w.dumps(plan_valide()).encode("utf-8"))
        assert main(["verifier", str(f)]) == 0


# --- Plans de calibration ---------------------------------------------------------------------------------------

def calibration_valide() -> dict:
    return {"calibration": {"nom": "essai", "menages": 200, "replicats": 1, "essais": 2, "graine": 0,
                            "debut": "2014-01", "fin": "2023-12"},
            "parametres": {"decision.cout_base": {}}}


CALIBRATION_FAUX = {
    "calibration.nom": st.one_of(NON_TEXTES, PETITS_TEXTES.filter(lambda t: not nom_valide(t))),
    "calibration.menages": st.one_of(NON_NOMBRES, st.integers(max_value=99), st.integers(min_value=2_000_001)),
    "calibration.replicats": st.one_of(NON_NOMBRES, st.integers(max_value=0),
                                       st.integers(min_value=LIMITES["replicats"] + 1)),
    "calibration.essais": st.one_of(NON_NOMBRES, st.integers(max_value=0),
                                    st.integers(min_value=LIMITES["essais_calibration"] + 1)),
    "calibration.graine": st.one_of(NON_NOMBRES, st.integers(max_value=-1), st.integers(min_value=LIMITES["graine"])),
    "calibration.echantillonneur": st.one_of(NON_TEXTES, SANS_CHIFFRES),
    "depart": st.one_of(NON_LISTES, st.lists(NON_TABLES, min_size=1, max_size=2),
                        st.lists(st.fixed_dictionaries({"decision.cout_base": st.one_of(
                            NON_NOMBRES, NON_FINIS, _hors_bornes(0.0, 10.0))}), min_size=1, max_size=2)),
    "parametres": st.one_of(NON_TABLES, st.just({}), st.fixed_dictionaries({"decision.cout_base": st.one_of(
        NON_TABLES, st.fixed_dictionaries({"min": st.one_of(NON_NOMBRES, NON_FINIS, _hors_bornes(0.0, 10.0))}))})),
}


@pytest.mark.parametrize("site", sorted(CALIBRATION_FAUX))
@_par_site()
@given(data=st.data())
def test_plan_de_calibration_engendre_refuse(site, data):
    doc = calibration_valide()
    valeur = data.draw(CALIBRATION_FAUX[site])
    if site.startswith("calibration."):
        doc["calibration"][site.split(".", 1)[1]] = valeur
    else:
        doc[site] = valeur
    verifier_refuse(doc, [site])


def test_le_plan_de_calibration_de_depart_est_valide():
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "cas.toml"
        f.write_bytes(tomli_w.dumps(calibration_valide()).encode("utf-8"))
        assert main(["verifier", str(f)]) == 0
