"""Intervalles de confiance à 95 % d'une moyenne sur les réplicats, qui respectent le domaine de la grandeur.

Règle en une ligne : loi de Student à R − 1 degrés de liberté, calculée sur l'échelle où la grandeur n'a pas de
borne, puis ramenée à l'échelle d'origine.

- **taux** (indicateurs `taux_*`, entre 0 et 1) : échelle logit, logit(p) = ln(p / (1 − p)) ; les valeurs 0 et 1
  sont ramenées à [1e-9, 1 − 1e-9] avant le logit. L'intervalle retransformé reste dans [0, 1].
- **grandeurs positives** (effectifs, heures, euros, files, capacités, demandes, attentes, durées) : échelle
  logarithmique si tous les réplicats sont > 0 (intervalle multiplicatif, toujours positif) ; sinon intervalle de
  Student ordinaire coupé à zéro.
- **autres** (différences appariées, soldes) : intervalle de Student ordinaire, moyenne ± t × s / √R.

La moyenne rapportée est toujours la moyenne arithmétique des réplicats ; l'intervalle est élargi au besoin pour
la contenir (cela n'arrive que si les réplicats sont très dispersés). Avec un seul réplicat, l'intervalle est
réduit à la valeur (aucune incertitude n'est estimable), de même quand tous les réplicats sont égaux.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from modele.indicateurs import INDICATEURS_SIGNES

TAUX = "taux"
POSITIF = "positif"
LIBRE = "libre"
#: Préfixes des grandeurs positives (volumes et durées).
PREFIXES_POSITIFS = ("n_", "heures_", "montant_", "file_", "capacite_", "demande_", "attente_", "duree_")
EPSILON_LOGIT = 1e-9

DESCRIPTION = ("taux : intervalle de Student sur l'échelle logit, retransformé (reste entre 0 et 100 %) ; "
               "volumes : sur l'échelle logarithmique (reste positif) ; écarts appariés : Student ordinaire")


def genre(indicateur: str) -> str:
    """Domaine d'un indicateur : TAUX (entre 0 et 1), POSITIF (≥ 0) ou LIBRE."""
    nom = str(indicateur)
    if nom in INDICATEURS_SIGNES:  # grandeur signée (variation d'un report) : ni taux ni volume
        return LIBRE
    if nom.startswith("taux_"):
        return TAUX
    if nom.startswith(PREFIXES_POSITIFS):
        return POSITIF
    return LIBRE


def demi_largeur_t(n: np.ndarray) -> np.ndarray:
    """Quantile 97,5 % de Student à n − 1 degrés de liberté (NaN si n < 2)."""
    n = np.asarray(n, dtype=float)
    return np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)


def ic95(df: pd.DataFrame, cles: list[str], genre_fixe: str | None = None, colonne: str = "valeur") -> pd.DataFrame:
    """Moyenne et IC 95 % de `colonne` par `cles` (NaN ignorés) ; index : cles.

    Colonnes : moyenne, bas, haut, n_replicats, ecart_type. Le genre de chaque groupe est `genre_fixe`, ou celui de
    sa colonne `indicateur` (voir `genre`).
    """
    v = df[colonne].to_numpy(dtype=float)
    if genre_fixe is not None:
        g = np.full(len(df), genre_fixe, dtype=object)
    else:
        noms = df["indicateur"].astype(str)
        codes = {n: genre(n) for n in noms.unique()}
        g = noms.map(codes).to_numpy(dtype=object)
    taux, pos = g == TAUX, g == POSITIF
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(taux, special.logit(np.clip(v, EPSILON_LOGIT, 1 - EPSILON_LOGIT)),
                     np.where(pos & (v > 0), np.log(np.where(v > 0, v, 1.0)), np.nan))
    cadre = df[cles].copy()
    cadre["_v"], cadre["_z"], cadre["_g"] = v, z, g
    cadre["_nul"] = pos & ~(v > 0) & ~np.isnan(v)
    agg = cadre.groupby(cles, sort=True, observed=True).agg(
        moyenne=("_v", "mean"), ecart_type=("_v", "std"), n_replicats=("_v", "count"), zm=("_z", "mean"),
        zs=("_z", "std"), genre=("_g", "first"), nul=("_nul", "any"))
    n = agg["n_replicats"].to_numpy(dtype=float)
    m = agg["moyenne"].to_numpy()
    t = demi_largeur_t(n)
    racine = np.sqrt(np.maximum(n, 1))
    demi = np.nan_to_num(t * agg["ecart_type"].fillna(0.0).to_numpy() / racine)
    zdemi = np.nan_to_num(t * agg["zs"].fillna(0.0).to_numpy() / racine)
    zm = agg["zm"].to_numpy()
    gg = agg["genre"].to_numpy(dtype=object)
    bas, haut = m - demi, m + demi
    est_taux = gg == TAUX
    bas = np.where(est_taux, special.expit(zm - zdemi), bas)
    haut = np.where(est_taux, special.expit(zm + zdemi), haut)
    log_ok = (gg == POSITIF) & ~agg["nul"].to_numpy(dtype=bool)
    with np.errstate(over="ignore"):
        bas = np.where(log_ok, np.exp(zm - zdemi), bas)
        haut = np.where(log_ok, np.exp(zm + zdemi), haut)
    bas = np.where((gg == POSITIF) & ~log_ok, np.maximum(bas, 0.0), bas)
    bas = np.where(est_taux, np.clip(bas, 0.0, 1.0), bas)
    haut = np.where(est_taux, np.clip(haut, 0.0, 1.0), haut)
    un_seul = (n <= 1) | (agg["ecart_type"].fillna(0.0).to_numpy() == 0)  # un réplicat, ou tous égaux
    bas, haut = np.where(un_seul, m, bas), np.where(un_seul, m, haut)
    bas, haut = np.fmin(bas, m), np.fmax(haut, m)  # la moyenne arithmétique est dans l'intervalle
    return pd.DataFrame({"moyenne": m, "bas": bas, "haut": haut, "n_replicats": n.astype(int),
                         "ecart_type": agg["ecart_type"].to_numpy()}, index=agg.index)


def replicats_necessaires(difference: float, ecart_type: float, maximum: int = 1000) -> int | None:
    """Réplicats qu'il faut pour qu'un écart apparié moyen `difference`, d'écart-type `ecart_type` entre
    réplicats, ait un IC 95 % qui exclut zéro : plus petit R ≥ 2 tel que t(R − 1) × s / √R < |d|.

    None si l'écart est nul (aucun nombre de réplicats ne le sépare de zéro) ou s'il faudrait plus de `maximum`.
    """
    d, s = abs(float(difference)), float(ecart_type)
    if not np.isfinite(d) or not np.isfinite(s) or d == 0.0:
        return None
    if s == 0.0:
        return 2
    for r in range(2, maximum + 1):
        if stats.t.ppf(0.975, r - 1) * s / np.sqrt(r) < d:
            return r
    return None
