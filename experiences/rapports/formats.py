"""Un seul format de nombre, français, pour tous les rapports : virgule décimale, espace insécable entre les
milliers et devant les unités, vrai signe moins (−), « % » pour les taux et « points » pour leurs écarts.

- taux (0,312) → « 31,2 % » ; écart de taux (−0,028) → « −2,8 points » ;
- volumes : entier groupé par milliers (« 12 345 ») jusqu'à 1 million, puis « 1,23 million » / « 4,5 milliards » ;
  moins de 100 : une décimale (« 3,5 ») ;
- euros « 12 345 € », heures « 1 234 h », semaines « 3,5 semaines » ;
- dates ISO → « 1er juin 2015 », « juin 2015 ».
"""

from __future__ import annotations

import datetime as dt
import math

ESPACE = "\u00a0"  # espace insécable (milliers, unités)
MOINS = "\u2212"
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")
UNITES = {"montant_": " €", "heures_": " h", "attente_": " semaines"}


def _absent(v) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def decimal(v: float, decimales: int = 1, signe: bool = False) -> str:
    """« 3,5 » ; avec `signe` : « +3,5 » / « −3,5 » (zéro sans signe)."""
    if _absent(v):
        return "–"
    texte = f"{abs(v):,.{decimales}f}".replace(",", ESPACE).replace(".", ",")
    if texte.strip("0,") == "":
        return texte
    if v < 0:
        return MOINS + texte
    return ("+" + texte) if signe else texte


def nombre(v: float, signe: bool = False) -> str:
    """Volume lisible : « 12 345 », « 1,23 million », « 4,5 milliards », « 3,5 » (moins de 100)."""
    if _absent(v):
        return "–"
    a = abs(v)
    s = (MOINS if v < 0 else "+" if signe and v > 0 else "")
    if a >= 1e9:
        x = a / 1e9
        return f"{s}{decimal(x, 2 if x < 10 else 1)}{ESPACE}milliard{'s' if x >= 2 else ''}"
    if a >= 1e6:
        x = a / 1e6
        return f"{s}{decimal(x, 2 if x < 10 else 1)}{ESPACE}million{'s' if x >= 2 else ''}"
    if a >= 100:
        return s + f"{a:,.0f}".replace(",", ESPACE)
    return s + decimal(a, 1)


def pourcent(v: float) -> str:
    """Taux (0 à 1) en pourcentage : « 31,2 % »."""
    return "–" if _absent(v) else f"{decimal(100 * v, 1)}{ESPACE}%"


def points(v: float) -> str:
    """Écart de taux en points de pourcentage : « −2,8 points »."""
    if _absent(v):
        return "–"
    return f"{decimal(100 * v, 1, signe=True)}{ESPACE}point{'s' if abs(100 * v) >= 2 else ''}"


def unite(indicateur: str) -> str:
    """Unité d'un volume (« € », « h », « semaines ») d'après le nom de l'indicateur, précédée d'une espace."""
    for prefixe, u in UNITES.items():
        if str(indicateur).startswith(prefixe):
            return u.replace(" ", ESPACE)
    return ""


def valeur(v: float, indicateur: str, signe: bool = False) -> str:
    """Valeur d'un indicateur : taux en %, volumes avec leur unité."""
    if str(indicateur).startswith("taux_"):
        return points(v) if signe else pourcent(v)
    if _absent(v):
        return "–"
    return nombre(v, signe=signe) + unite(indicateur)


def borne(v: float, indicateur: str, ecart: bool = False) -> str:
    """Borne d'intervalle, sans unité : « 28,4 » (taux, en %), « −3,1 » (écart de taux, en points), « 12 345 »."""
    if _absent(v):
        return "–"
    if str(indicateur).startswith("taux_"):
        return decimal(100 * v, 1, signe=ecart)
    return nombre(v, signe=ecart)


def triplet(m: float, b: float, h: float, indicateur: str, ecart: bool = False) -> tuple[str, str, str]:
    """Valeur et bornes d'intervalle à la même échelle : (« −0,76 milliard € », « −1,31 », « −0,21 ») ; taux :
    (« 31,2 % », « 28,4 », « 33,9 ») ou, pour un écart, (« −2,8 points », « −3,5 », « −2,1 »)."""
    if str(indicateur).startswith("taux_"):
        return valeur(m, indicateur, signe=ecart), borne(b, indicateur, ecart), borne(h, indicateur, ecart)
    finis = [abs(x) for x in (m, b, h) if not _absent(x)]
    a = max(finis) if finis else 0.0
    if a < 1e6:
        return valeur(m, indicateur, signe=ecart), borne(b, indicateur, ecart), borne(h, indicateur, ecart)
    div, mot = (1e9, "milliard") if a >= 1e9 else (1e6, "million")
    dec = 2 if a / div < 10 else 1

    def f(x):
        return "–" if _absent(x) else decimal(x / div, dec, signe=ecart)
    pluriel = "s" if not _absent(m) and abs(m) / div >= 2 else ""
    texte_m = "–" if _absent(m) else f"{f(m)}{ESPACE}{mot}{pluriel}{unite(indicateur)}"
    return texte_m, f(b), f(h)


def millier(n) -> str:
    """12345 → « 12 345 » (espace insécable entre les milliers)."""
    return f"{int(n):,}".replace(",", ESPACE)


def date_longue(d) -> str:
    """« 2015-06-01 » (ou une date) → « 1er juin 2015 »."""
    d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
    jour = "1er" if d.day == 1 else str(d.day)
    return f"{jour} {MOIS[d.month - 1]} {d.year}"


def mois_annee(texte: str) -> str:
    """« 2027-12 » → « décembre 2027 »."""
    annee, mois = str(texte)[:7].split("-")
    return f"{MOIS[int(mois) - 1]} {annee}"
