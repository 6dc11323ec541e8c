"""Droits légaux par interpolation dans une table calculée hors ligne par OpenFisca-France.

La table `parametres/droits/table_droits.parquet` est produite par `experiences/droits/generer_table.py`
(venv séparé, voir son README) ; ce module ne lit que numpy/pandas et **n'importe jamais OpenFisca**.

Une ligne de la table est un ménage type d'une grille : année (juin de l'année), configuration (seul / couple
marié de même âge), nombre d'enfants (0-3, âges fixes), tranche d'âge de la personne de référence (représentée
par un âge), statut de logement (codes `LOGEMENT_*` ci-dessous), loyer mensuel (locataires), revenus d'activité
mensuels nets (salaire net de la personne de référence) et autres ressources mensuelles brutes (allocation
chômage avant 65 ans, pension de retraite à 65 ans et plus, de la personne de référence). Les colonnes de
montants sont mensuelles, en euros (`COLONNES_MONTANTS`).

`TableDroits.montants` trouve la case discrète (année, couple, enfants, tranche d'âge, logement) et interpole
multilinéairement sur les axes continus (revenus d'activité, autres ressources, loyer pour les locataires) ;
hors de la grille, les valeurs sont prises au bord (pas d'extrapolation). Tout est vectorisé : aucune boucle
Python sur les ménages.

Les années après la dernière année de la table sont prises à la dernière année, montants et axes de revenus
multipliés par (1 + r)^écart avec r = `droits.revalorisation_annuelle` (hypothèse déclarée dans
`parametres/defauts/droits.toml`) : un ménage dont les ressources suivent la revalorisation garde ses droits
revalorisés. Les années avant la première sont refusées.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from modele.creux import uniques
from modele.parametres import DOSSIER_PARAMETRES, ErreurEntree

FICHIER_TABLE = DOSSIER_PARAMETRES / "droits" / "table_droits.parquet"
MI_CHEMIN = 0.5  # point de grille le plus proche : poids d'interpolation ≥ ½

# Codes du statut de logement (colonne `logement` de la table et argument `logement` de `montants`).
LOGEMENT_LOCATAIRE_PRIVE = 0
LOGEMENT_LOCATAIRE_SOCIAL = 1
LOGEMENT_PROPRIETAIRE = 2
LOGEMENT_HEBERGE = 3
LOGEMENTS = {
    LOGEMENT_LOCATAIRE_PRIVE: "locataire du parc privé (logement vide)",
    LOGEMENT_LOCATAIRE_SOCIAL: "locataire du parc social (HLM, logement conventionné)",
    LOGEMENT_PROPRIETAIRE: "propriétaire non accédant",
    LOGEMENT_HEBERGE: "hébergé gratuitement",
}
LOGEMENTS_LOCATAIRES = (LOGEMENT_LOCATAIRE_PRIVE, LOGEMENT_LOCATAIRE_SOCIAL)

# Colonnes de la grille : discrètes puis continues.
COLONNES_DISCRETES = ("annee", "couple", "enfants", "age_ref", "logement")
COLONNES_CONTINUES = ("revenus_activite", "autres_ressources", "loyer")
COLONNES_GRILLE = COLONNES_DISCRETES + ("age_min", "age_max") + COLONNES_CONTINUES
# Montants mensuels en euros (css_gratuite : 0/1 ; css_participation_eligible : 0/1).
COLONNES_MONTANTS = (
    "rsa",                          # RSA (avant 2016 : part « socle » seulement)
    "prime_activite",               # prime d'activité (avant 2016 : part « activité » du RSA, qui l'a précédée)
    "aides_logement",               # APL + ALS + ALF
    "css_gratuite",                 # CSS sans participation (CMU-C avant novembre 2019) : 0/1
    "css_participation",            # participation mensuelle due à la CSS avec participation (dès novembre 2019)
    "css_participation_eligible",   # éligible à la CSS avec participation (ACS avant novembre 2019) : 0/1
    "acs",                          # aide à la complémentaire santé, mensualisée (avant novembre 2019)
    "aspa",                         # allocation de solidarité aux personnes âgées
)
PRESTATIONS_BOOLEENNES = ("css_gratuite", "css_participation_eligible")
# Montants en euros qui suivent la revalorisation après la dernière année de la table.
MONTANTS_REVALORISES = tuple(c for c in COLONNES_MONTANTS if c not in PRESTATIONS_BOOLEENNES)


# Tables déjà lues dans ce processus, par empreinte SHA-256 du contenu du fichier (chaque modèle en lit une : 1 à 2 s
# de validation et de rangement évitées par modèle dans un balayage ou une calibration) ; un fichier réécrit est
# relu. Les tableaux partagés sont en lecture seule.
_DEJA_LUES: dict[str, TableDroits] = {}
_DEJA_LUES_MAX = 4


def _erreur(message: str, chemin: Path, cle: str | None = None, valeur=None, attendu: str | None = None):
    return ErreurEntree(message, fichier=chemin, cle=cle, valeur=valeur, attendu=attendu)


@dataclass(frozen=True)
class TableDroits:
    """Table des droits rangée en tenseur : cases discrètes × revenus × autres ressources × loyer."""

    chemin: Path
    annees: np.ndarray            # années de la table (entiers croissants et consécutifs)
    enfants: np.ndarray           # nombres d'enfants
    ages_min: np.ndarray          # bornes basses des tranches d'âge (croissantes)
    ages_ref: np.ndarray          # âge représentatif de chaque tranche
    revenus: np.ndarray           # axe des revenus d'activité (croissant)
    autres: np.ndarray            # axe des autres ressources (croissant)
    loyers: np.ndarray            # axe des loyers des locataires (croissant)
    tenseur: np.ndarray           # [annee, couple, enfants, age, logement, rev, autres, loyer, prestation]
    revalorisation_annuelle: float = 0.0

    # ------------------------------------------------------------------ chargement
    @classmethod
    def charger(cls, chemin: str | Path | None = None, revalorisation_annuelle: float | None = None) -> TableDroits:
        """Lit et valide la table ; erreur française (`ErreurEntree`) si elle manque ou ne suit pas son schéma.

        `revalorisation_annuelle` : par défaut la valeur déclarée `droits.revalorisation_annuelle`.
        """
        chemin = FICHIER_TABLE if chemin is None else Path(chemin)
        if revalorisation_annuelle is None:
            from modele.parametres import charger_declarations
            revalorisation_annuelle = float(charger_declarations()["droits.revalorisation_annuelle"].valeur)
        if not chemin.is_file():
            raise _erreur("Table des droits introuvable.", chemin,
                          attendu="le fichier produit par « .venv-openfisca/bin/python -m "
                                  "experiences.droits.generer_table --sortie parametres/droits/ »")
        contenu = chemin.read_bytes()
        cle = hashlib.sha256(contenu).hexdigest()
        table = _DEJA_LUES.get(cle)
        if table is None:
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
                df = pq.read_table(pa.BufferReader(contenu)).to_pandas()
            except Exception as exc:  # fichier tronqué, pas du Parquet…
                raise _erreur(f"Table des droits illisible (Parquet attendu) : {type(exc).__name__}.", chemin,
                              attendu="un fichier Parquet produit par experiences/droits/generer_table.py") from None
            table = cls._depuis_tableau(df, chemin, 0.0)
            for tableau in (table.annees, table.enfants, table.ages_min, table.ages_ref, table.revenus, table.autres,
                            table.loyers, table.tenseur):
                tableau.flags.writeable = False  # partagée entre modèles : jamais modifiée
            if len(_DEJA_LUES) >= _DEJA_LUES_MAX:
                _DEJA_LUES.pop(next(iter(_DEJA_LUES)))
            _DEJA_LUES[cle] = table
        return replace(table, chemin=chemin, revalorisation_annuelle=float(revalorisation_annuelle))

    @classmethod
    def _depuis_tableau(cls, df, chemin: Path, revalorisation: float) -> TableDroits:
        manquantes = [c for c in COLONNES_GRILLE + COLONNES_MONTANTS if c not in df.columns]
        if manquantes:
            raise _erreur("Colonne manquante dans la table des droits.", chemin, cle=manquantes[0],
                          attendu="les colonnes " + ", ".join(COLONNES_GRILLE + COLONNES_MONTANTS))
        if len(df) == 0:
            raise _erreur("Table des droits vide.", chemin, attendu="au moins une ligne")
        for c in COLONNES_GRILLE + COLONNES_MONTANTS:
            try:
                v = df[c].to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise _erreur("Colonne non numérique.", chemin, cle=c, attendu="des nombres") from None
            if not np.isfinite(v).all():
                raise _erreur("Valeur manquante ou non finie.", chemin, cle=c,
                              valeur=float(v[~np.isfinite(v)][0]), attendu="des nombres finis")
        for c in COLONNES_MONTANTS:
            if (df[c].to_numpy(dtype=float) < 0).any():
                raise _erreur("Montant négatif.", chemin, cle=c, valeur=float(df[c].min()), attendu="des montants >= 0")
        for c in PRESTATIONS_BOOLEENNES:
            if not np.isin(df[c].to_numpy(dtype=float), (0.0, 1.0)).all():
                raise _erreur("Indicatrice hors de {0, 1}.", chemin, cle=c, attendu="0 ou 1")

        annees = uniques(df["annee"].to_numpy(dtype=np.int64))
        if not (np.diff(annees) == 1).all():
            raise _erreur("Années non consécutives.", chemin, cle="annee", valeur=annees.tolist(),
                          attendu="une suite d'années sans trou")
        enfants = uniques(df["enfants"].to_numpy(dtype=np.int64))
        if not np.array_equal(enfants, np.arange(enfants.size)):
            raise _erreur("Nombres d'enfants non consécutifs depuis 0.", chemin, cle="enfants",
                          valeur=enfants.tolist(), attendu="0, 1, 2, …")
        couples = uniques(df["couple"].to_numpy(dtype=np.int64))
        if not np.array_equal(couples, [0, 1]):
            raise _erreur("La colonne couple doit contenir 0 (seul) et 1 (couple).", chemin, cle="couple",
                          valeur=couples.tolist(), attendu="[0, 1]")
        logements = uniques(df["logement"].to_numpy(dtype=np.int64))
        if not np.array_equal(logements, sorted(LOGEMENTS)):
            raise _erreur("Codes de logement inattendus.", chemin, cle="logement", valeur=logements.tolist(),
                          attendu=f"exactement {sorted(LOGEMENTS)}")
        ages = df[["age_min", "age_ref", "age_max"]].drop_duplicates().sort_values("age_min").to_numpy(dtype=np.int64)
        if (len(uniques(ages[:, 0])) != len(ages) or not (ages[:, 0] <= ages[:, 1]).all()
                or not (ages[:, 1] <= ages[:, 2]).all() or not (ages[1:, 0] == ages[:-1, 2] + 1).all()):
            raise _erreur("Tranches d'âge incohérentes.", chemin, cle="age_min, age_ref, age_max",
                          valeur=ages.tolist(), attendu="des tranches contiguës age_min <= age_ref <= age_max")
        revenus = uniques(df["revenus_activite"].to_numpy(dtype=float))
        autres = uniques(df["autres_ressources"].to_numpy(dtype=float))
        loc = df["logement"].isin(LOGEMENTS_LOCATAIRES).to_numpy()
        loyers = uniques(df.loc[loc, "loyer"].to_numpy(dtype=float))
        if (df.loc[~loc, "loyer"].to_numpy(dtype=float) != 0).any():
            raise _erreur("Loyer non nul pour un propriétaire ou un hébergé.", chemin, cle="loyer", attendu="0")

        # Les non-locataires n'ont qu'un loyer (0) : on le répète sur l'axe des loyers des locataires.
        n_loyer = loyers.size
        forme = (annees.size, 2, enfants.size, len(ages), len(LOGEMENTS), revenus.size, autres.size, n_loyer)
        i_annee = np.searchsorted(annees, df["annee"].to_numpy(dtype=np.int64))
        i_couple = df["couple"].to_numpy(dtype=np.int64)
        i_enf = df["enfants"].to_numpy(dtype=np.int64)
        i_age = np.searchsorted(ages[:, 0], df["age_min"].to_numpy(dtype=np.int64))
        i_log = np.searchsorted(sorted(LOGEMENTS), df["logement"].to_numpy(dtype=np.int64))
        i_rev = np.searchsorted(revenus, df["revenus_activite"].to_numpy(dtype=float))
        i_aut = np.searchsorted(autres, df["autres_ressources"].to_numpy(dtype=float))
        i_loy = np.where(loc, np.searchsorted(loyers, df["loyer"].to_numpy(dtype=float)), 0)
        attendu = int(np.prod(forme[:-1])) // len(LOGEMENTS) * (len(LOGEMENTS_LOCATAIRES) * n_loyer
                                                                + len(LOGEMENTS) - len(LOGEMENTS_LOCATAIRES))
        plat = np.ravel_multi_index((i_annee, i_couple, i_enf, i_age, i_log, i_rev, i_aut, i_loy), forme)
        if len(df) != attendu or uniques(plat).size != len(df):
            raise _erreur("La table ne couvre pas exactement sa grille (lignes manquantes ou en double).", chemin,
                          valeur=len(df), attendu=f"{attendu} lignes, une par point de grille")
        tenseur = np.zeros((int(np.prod(forme)), len(COLONNES_MONTANTS)), dtype=np.float64)
        tenseur[plat] = df[list(COLONNES_MONTANTS)].to_numpy(dtype=float)
        tenseur = tenseur.reshape(forme + (len(COLONNES_MONTANTS),))
        # non-locataires : même valeur quel que soit l'indice de loyer
        for code in set(LOGEMENTS) - set(LOGEMENTS_LOCATAIRES):
            j = sorted(LOGEMENTS).index(code)
            tenseur[:, :, :, :, j] = tenseur[:, :, :, :, j, :, :, :1]
        return cls(chemin=chemin, annees=annees, enfants=enfants, ages_min=ages[:, 0], ages_ref=ages[:, 1],
                   revenus=revenus, autres=autres, loyers=loyers, tenseur=tenseur,
                   revalorisation_annuelle=revalorisation)

    # ------------------------------------------------------------------ interpolation
    @staticmethod
    def _poids(axe: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indice du point bas et poids du point haut (bornés à la grille)."""
        if axe.size == 1:
            return np.zeros(x.shape, dtype=np.int64), np.zeros(x.shape)
        xc = np.clip(x, axe[0], axe[-1])
        i = np.clip(np.searchsorted(axe, xc, side="right") - 1, 0, axe.size - 2)
        w = (xc - axe[i]) / (axe[i + 1] - axe[i])
        return i, w

    def montants(self, annee, couple, enfants, age_ref, revenus_activite, autres_ressources, logement,
                 loyer) -> dict[str, np.ndarray]:
        """Montants mensuels (€) de chaque prestation pour des ménages donnés en tableaux de même longueur.

        Arguments (scalaires ou tableaux, diffusés à la même longueur) : `annee` (entier), `couple` (booléen),
        `enfants` (entier, borné au maximum de la table), `age_ref` (âge de la personne de référence),
        `revenus_activite` (salaire net mensuel du ménage, €), `autres_ressources` (chômage ou retraite brut
        mensuel, €), `logement` (code `LOGEMENT_*`), `loyer` (loyer mensuel, €, ignoré hors locataires).

        Retour : un tableau par colonne de `COLONNES_MONTANTS` ; l'éligibilité est `montant > 0`, et pour la
        CSS les indicatrices `css_gratuite` et `css_participation_eligible` (0/1, prises au point de grille
        le plus proche sur les axes continus).
        """
        annee, couple, enfants, age_ref, rev, aut, logement, loyer = np.broadcast_arrays(
            np.asarray(annee), np.asarray(couple), np.asarray(enfants), np.asarray(age_ref),
            np.asarray(revenus_activite, dtype=float), np.asarray(autres_ressources, dtype=float),
            np.asarray(logement), np.asarray(loyer, dtype=float))
        annee = annee.astype(np.int64).ravel()
        if annee.size and annee.min() < self.annees[0]:
            raise ErreurEntree("Année antérieure à la table des droits.", fichier=self.chemin, cle="annee",
                               valeur=int(annee.min()), attendu=f">= {int(self.annees[0])}")
        log = logement.astype(np.int64).ravel()
        if log.size and not np.isin(log, list(LOGEMENTS)).all():
            inconnu = int(log[~np.isin(log, list(LOGEMENTS))][0])
            raise ErreurEntree("Code de logement inconnu.", cle="logement", valeur=inconnu,
                               attendu=", ".join(f"{k} ({v})" for k, v in LOGEMENTS.items()))
        # Années après la table : dernière année, ressources ramenées à son niveau, montants revalorisés.
        ecart = np.maximum(annee - self.annees[-1], 0)
        facteur = (1.0 + self.revalorisation_annuelle) ** ecart
        i_annee = np.minimum(annee, self.annees[-1]) - self.annees[0]
        i_couple = couple.astype(bool).ravel().astype(np.int64)
        i_enf = np.clip(enfants.astype(np.int64).ravel(), 0, self.enfants[-1])
        i_age = np.clip(np.searchsorted(self.ages_min, age_ref.ravel(), side="right") - 1, 0, self.ages_min.size - 1)
        i_log = np.searchsorted(sorted(LOGEMENTS), log)
        est_locataire = np.isin(log, LOGEMENTS_LOCATAIRES)
        r, wr = self._poids(self.revenus, rev.ravel() / facteur)
        a, wa = self._poids(self.autres, aut.ravel() / facteur)
        lo, wl = self._poids(self.loyers, np.where(est_locataire, loyer.ravel() / facteur, self.loyers[0]))

        forme = self.tenseur.shape[:-1]
        plat = self.tenseur.reshape(-1, self.tenseur.shape[-1])
        base = np.ravel_multi_index((i_annee, i_couple, i_enf, i_age, i_log, r, a, lo), forme)
        # pas vers le point haut de chaque axe (0 pour un axe d'un seul point, dont le poids haut est nul)
        pas_r = forme[6] * forme[7] if forme[5] > 1 else 0
        pas_a = forme[7] if forme[6] > 1 else 0
        pas_l = 1 if forme[7] > 1 else 0
        # 8 coins du cube (revenus × autres × loyer) : une lecture de toutes les prestations par coin.
        continues = np.zeros((base.size, plat.shape[1]))
        for dr, pr in ((0, 1 - wr), (1, wr)):
            for da, pa in ((0, 1 - wa), (1, wa)):
                pra = pr * pa
                for dl, pl in ((0, 1 - wl), (1, wl)):
                    idx = base + (dr * pas_r + da * pas_a + dl * pas_l)
                    continues += (pra * pl)[:, None] * np.take(plat, idx, axis=0)
        # indicatrices : point de grille le plus proche
        proche = np.take(plat, base + (wr >= MI_CHEMIN) * pas_r + (wa >= MI_CHEMIN) * pas_a + (wl >= MI_CHEMIN) * pas_l,
                         axis=0)
        forme_sortie = rev.shape
        sortie = {}
        for j, c in enumerate(COLONNES_MONTANTS):
            v = proche[:, j] if c in PRESTATIONS_BOOLEENNES else continues[:, j] * facteur
            sortie[c] = v.reshape(forme_sortie)
        return sortie
