"""Aucune constante de comportement cachée dans modele/ : tout nombre qui façonne le comportement est déclaré.

Le test parcourt l'arbre syntaxique de chaque module de modele/ et refuse tout littéral numérique hors de :
- les entiers de valeur absolue ≤ 16 : indices (0, 1, -1, 2…), nombres de catégories fixes (5 étapes, 4 territoires,
  3 bandes), bits et largeurs de champs (4 bits par ménage, 16 cas), jours par semaine (7), mois par an (12) ;
- les réels 0.0, 1.0, -1.0 (bornes d'une probabilité, complément 1 − p) ;
- les gardes numériques |x| ≤ 1e-5 (division par zéro, logit borné) ;
- les constantes STRUCTURELLES nommées ci-dessous, affectées au niveau du module (sentinelles de dates, unités,
  bornes du domaine, définitions de catégories) : aucune ne décrit un comportement.
"""

import ast
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent / "modele"

CONSTANTES_STRUCTURELLES = {
    "BORNES_AGE": "bornes des tranches d'âge des indicateurs (18-29 … 75+), définition des groupes",
    "JAMAIS": "sentinelle de date « jamais »", "PLUS_TARD": "sentinelle de date « pas prévu »",
    "HORIZON": "sentinelle des agendas (= PLUS_TARD)", "FIN_JAMAIS": "intervention sans date de fin",
    "SEMAINES_PAR_AN": "calendrier (365,2425 / 7)", "ANNEE_MIN": "domaine des dates", "ANNEE_MAX": "domaine des dates",
    "SEMAINES_PAR_AN_RELEVE": "convention de présentation des flux relevés (52 semaines par an, 52/12 par mois)",
    "FENETRE_12_MOIS": "définition des indicateurs « dans les 12 derniers mois »",
    "TRIMESTRES_MAX": "saturation d'un compteur int8", "PAR_10000": "unité « pour 10 000 ménages »",
    "AGE_MAX": "âge où la pyramide s'annule (structure de la densité)", "N_AGES": "taille des tables d'âge",
    "PROBA_MIN": "garde numérique", "ITERATIONS_RAKING": "itérations d'un ajustement convergé",
    "N_QUINTILES": "quintiles", "FILTRE_TRI": "choix d'algorithme (même résultat)",
    "MENAGES_MIN": "bornes de --menages", "MENAGES_MAX": "bornes de --menages",
    "MENAGES_DEFAUT": "taille par défaut", "MI_CHEMIN": "point de grille le plus proche (arrondi)",
    "VERIFIER": "mode de vérification des structures creuses",
    "LIMITES": "garde-fous techniques des entrées (tailles de fichiers, de plans, graines) : aucune dynamique",
    "LONGUEUR_CITATION": "longueur d'une valeur citée dans un message d'erreur",
    "DOMAINE": "domaine des dates (31 décembre)",
}


def _permis(v) -> bool:
    if isinstance(v, bool):
        return True
    if isinstance(v, int):
        return abs(v) <= 16
    return v in (0.0, 1.0, -1.0) or abs(v) <= 1e-5


def litteraux_interdits(source: str) -> list[tuple[int, object]]:
    """(ligne, valeur) des littéraux numériques non permis d'un module."""
    arbre = ast.parse(source)
    permis_ids = set()
    for noeud in arbre.body:  # constantes structurelles nommées, au niveau du module
        cibles = noeud.targets if isinstance(noeud, ast.Assign) else [noeud.target] if isinstance(
            noeud, ast.AnnAssign) else []
        noms = [n.id for c in cibles for n in ast.walk(c) if isinstance(n, ast.Name)]
        if noms and all(n in CONSTANTES_STRUCTURELLES for n in noms):
            permis_ids |= {id(x) for x in ast.walk(noeud)}
    return [(n.lineno, n.value) for n in ast.walk(arbre)
            if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and id(n) not in permis_ids
            and not _permis(n.value)]


def test_aucun_litteral_de_comportement_dans_modele():
    fautes = [f"{f.name}:{ligne}: {v!r}" for f in sorted(RACINE.glob("*.py"))
              for ligne, v in litteraux_interdits(f.read_text(encoding="utf-8"))]
    assert not fautes, "littéraux numériques à déclarer dans parametres/defauts/ :\n" + "\n".join(fautes)


def test_le_controle_attrape_une_constante_cachee():
    assert litteraux_interdits("x = p * 0.85\n") == [(1, 0.85)]
    assert litteraux_interdits("def f(a):\n    return a / 100.0\n") == [(2, 100.0)]
    assert litteraux_interdits("SEMAINES_PAR_AN = 52.1775\n") == []
    assert litteraux_interdits("SEUIL = 0.35\n") == [(1, 0.35)]  # un nom en capitales ne suffit pas
    assert litteraux_interdits("i = t[2] + 1e-9 + 7\n") == []
