"""Génère `docs/parametres.md` depuis les déclarations (`parametres/defauts/*.toml`) : jamais écrit à la main.

Usage : `python docs/generer_parametres.py` (écrit le fichier) ou `python docs/generer_parametres.py --verifier`
(code 1 si le fichier commité n'est plus à jour ; c'est ce que vérifie `tests/test_docs.py`).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

from modele.parametres import Declaration, charger_declarations  # noqa: E402

FICHIER = RACINE / "docs" / "parametres.md"

ENTETE = """# Paramètres déclarés

<!-- Fichier généré par docs/generer_parametres.py depuis parametres/defauts/*.toml : ne pas l'éditer à la main. -->

Chaque paramètre est déclaré une seule fois dans `parametres/defauts/*.toml` (valeur, unité, bornes, doc, source ou
hypothèse, calibrable). Ce tableau en est tiré ; l'ODD ([ODD.md](ODD.md)) renvoie ici par l'ancre de chaque clé
(`parametres.md#<clé>`). « hypothèse » : valeur sans source publiée, à discuter ou à calibrer ; « inerte » : le
paramètre ne change aucune dynamique (raison donnée), ce que vérifie `tests/test_parametres_effet.py`.
« plage plausible » : pour un paramètre calibrable, l'intervalle des valeurs jugées plausibles (tiré d'une source ou
argumenté dans la doc), plus étroit que les bornes de validation ; balayages, API Python et calibration le prennent
quand on ne leur donne pas d'intervalle.

{resume}

## Espaces de noms

{sommaire}
"""


def _texte(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:g}"
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if isinstance(x, list):
        return "[" + ", ".join(_texte(v) for v in x) + "]"
    return str(x)


def _cellule(x: str) -> str:
    return x.replace("|", "\\|").replace("\n", " ")


def espace(cle: str) -> str:
    """Espace de noms d'une clé : tout sauf le dernier composant (`prestations.rsa`, `decision`…)."""
    return cle.rsplit(".", 1)[0]


def _bornes(d: Declaration) -> str:
    if d.choix:
        return "parmi " + ", ".join(f"`{c}`" for c in d.choix)
    if d.min is None and d.max is None:
        return ""
    return f"[{_texte(d.min) if d.min is not None else '−∞'} ; {_texte(d.max) if d.max is not None else '+∞'}]"


def _plausible(d: Declaration) -> str:
    """Plage plausible [bas ; haut] d'un paramètre calibrable (distincte des bornes de validation), ou rien."""
    return f"[{_texte(d.plausible[0])} ; {_texte(d.plausible[1])}]" if d.plausible else ""


def _ligne(d: Declaration) -> str:
    nom = d.cle.rsplit(".", 1)[1]
    source = "« hypothèse »" if d.hypothese else _cellule(d.source or "")
    doc = _cellule(d.doc) + (f" *(inerte : {_cellule(d.inerte)})*" if d.inerte else "")
    return (f'| <a id="{d.cle}"></a>`{nom}` | `{_cellule(_texte(d.valeur))}` | {_cellule(d.unite)} | {_bornes(d)} '
            f"| {_plausible(d)} | {source} | {'oui' if d.calibrable else 'non'} | {doc} |")


def generer() -> str:
    """Texte complet de docs/parametres.md."""
    decl = charger_declarations()
    groupes: dict[str, list[Declaration]] = {}
    for d in decl.values():
        groupes.setdefault(espace(d.cle), []).append(d)
    n_h = sum(d.hypothese for d in decl.values())
    n_c = sum(d.calibrable for d in decl.values())
    n_i = sum(d.inerte is not None for d in decl.values())
    resume = (f"{len(decl)} paramètres : {len(decl) - n_h} sourcés, {n_h} hypothèses ; {n_c} calibrables ; "
              f"{n_i} inertes.")
    sommaire = "\n".join(f"- [`{g}`](#{g.replace('.', '')}) ({len(v)}, `{Path(v[0].fichier).name}`)"
                         for g, v in groupes.items())
    morceaux = [ENTETE.format(resume=resume, sommaire=sommaire)]
    for g, v in groupes.items():
        morceaux.append(f"## {g}\n\nDéclaré dans `parametres/defauts/{Path(v[0].fichier).name}`.\n\n"
                        "| clé | valeur | unité | bornes | plage plausible | source | calibrable | doc |\n"
                        "|---|---|---|---|---|---|---|---|\n" + "\n".join(_ligne(d) for d in v) + "\n")
    return "\n".join(morceaux)


def main(argv: list[str] | None = None) -> int:
    """Écrit le fichier, ou le vérifie avec --verifier."""
    argv = sys.argv[1:] if argv is None else argv
    texte = generer()
    if "--verifier" in argv:
        a_jour = FICHIER.is_file() and FICHIER.read_text(encoding="utf-8") == texte
        if not a_jour:
            sys.stderr.write("docs/parametres.md n'est pas à jour : lancer python docs/generer_parametres.py\n")
        return 0 if a_jour else 1
    FICHIER.write_text(texte, encoding="utf-8")
    print(f"Écrit : {FICHIER.relative_to(RACINE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
