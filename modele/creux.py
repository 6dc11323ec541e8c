"""Travail creux : ne traiter chaque semaine que les ménages à qui il arrive quelque chose (ODD §7, issue 6).

Deux outils, transparents pour les sous-modèles (ils lisent et écrivent les tableaux de `Menages` comme avant) :

- `TableauSuivi`, un `numpy.ndarray` qui note les cases écrites (`x[i, b] = v`, `x[i, b] += v`, `x[:] = v`) et
  les transmet à des abonnés ; lire rend un `ndarray` ordinaire ;
- `Agenda`, abonné d'un tableau de dates : files par semaine (dict semaine → cases), de sorte que « les cases
  dont la date vaut t » se trouvent sans parcourir les N × P cases. Une case est dans la file de la semaine que
  sa DERNIÈRE écriture lui a donnée ; on revérifie la valeur à la lecture (suppression paresseuse).
- `Changements`, abonné qui accumule les cases écrites depuis sa dernière lecture (ensembles creux : ignorants
  d'un droit, candidats à une ouverture automatique), avec, s'il le faut, l'effectif par groupe tenu à jour.

Les résultats sont exactement ceux du parcours dense (mêmes cases, même ordre croissant) : le mode vérification
(`VERIFIER = True`, ou `ModeleNonRecours(verifier_creux=True)`) compare chaque requête au parcours dense.
"""

from __future__ import annotations

import numpy as np

VERIFIER = False
HORIZON = np.int64(10**6)  # PLUS_TARD : dates « pas prévu », jamais mises en file


_ENTIERS = (int, np.integer)


def uniques(x) -> np.ndarray:
    """Valeurs distinctes triées (= `np.unique(x)`), par tri : le `np.unique` à table de hachage de numpy 2.x
    est 20 à 60 fois plus lent sur des entiers de 10⁴ à 10⁶ éléments (mesuré ici).
    """
    x = np.asarray(x).ravel()
    if x.size < 2:
        return x.copy()
    s = np.sort(x)
    garde = np.empty(s.size, dtype=bool)
    garde[0] = True
    np.not_equal(s[1:], s[:-1], out=garde[1:])
    return s[garde]


def dans_trie(x, trie: np.ndarray) -> np.ndarray:
    """`np.isin(x, trie)` pour un tableau `trie` croissant (sans doublon nécessaire), par recherche dichotomique :
    même résultat, sans le coût fixe de `np.isin` (choix de méthode, tri ou table) sur de petits tableaux."""
    x = np.asarray(x)
    if trie.size == 0:
        return np.zeros(x.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(trie, x), trie.size - 1)
    return trie[pos] == x


def _index_plats(forme: tuple[int, ...], cle) -> np.ndarray:
    """Index plats (C) des cases désignées par `cle` dans un tableau de forme `forme` (index négatifs compris)."""
    if type(cle) is tuple and len(cle) == 2 == len(forme):
        i, b = cle
        if ((type(i) is np.ndarray and i.dtype.kind in "iu") or isinstance(i, _ENTIERS)) and (
                (type(b) is np.ndarray and b.dtype.kind in "iu") or isinstance(b, _ENTIERS)):
            return np.ravel_multi_index(cle, forme, mode="wrap").ravel()
    elif len(forme) == 1 and type(cle) is np.ndarray and cle.dtype.kind in "iu":
        return np.ravel_multi_index((cle,), forme, mode="wrap").ravel()
    # Cas général (tranches, masques) : rare (initialisation) ; coûte un tableau d'index plein.
    return np.arange(int(np.prod(forme)), dtype=np.int64).reshape(forme)[cle].ravel()


class TableauSuivi(np.ndarray):
    """Tableau numpy dont les écritures par index sont notées et transmises aux abonnés."""

    def __new__(cls, base: np.ndarray):
        """Vue suivie de `base` (contiguë), sans abonné."""
        obj = np.ascontiguousarray(base).view(cls)
        obj._abonnes = []
        obj._uniques = False
        return obj

    def __array_finalize__(self, obj):
        self._abonnes = None  # vues et résultats dérivés : tableaux inertes
        self._uniques = False

    def abonner(self, abonne) -> None:
        """Ajoute un abonné (méthode `ecrit(ids, avant, base)` ; `avant` n'est fourni qu'aux abonnés `uniques`)."""
        self._abonnes.append(abonne)
        self._uniques = self._uniques or abonne.uniques

    def brut(self) -> np.ndarray:
        """Le même tableau, vu comme `ndarray` ordinaire (écritures non notées)."""
        return self.view(np.ndarray)

    def __getitem__(self, cle):
        return self.view(np.ndarray)[cle]

    def __setitem__(self, cle, valeur):
        base = self.view(np.ndarray)
        if not self._abonnes:
            base[cle] = valeur
            return
        if type(cle) is tuple and cle and type(cle[0]) is np.ndarray and cle[0].size == 0:
            base[cle] = valeur  # aucune case désignée (cas fréquent : sous-ensemble vide de la semaine)
            return
        ids = _index_plats(base.shape, cle)
        if ids.size == 0:
            base[cle] = valeur
            return
        if self._uniques:
            ids = uniques(ids)
        plat = base.reshape(-1)
        avant = plat[ids] if self._uniques else None
        base[cle] = valeur
        for a in self._abonnes:
            a.ecrit(ids, avant, plat)

    def __array_ufunc__(self, ufunc, method, *entrees, out=None, **kwargs):
        entrees = tuple(x.view(np.ndarray) if isinstance(x, TableauSuivi) else x for x in entrees)
        suivis = []
        if out is not None:
            out_b = []
            for o in out:
                if isinstance(o, TableauSuivi):
                    suivis.append((o, o.view(np.ndarray).copy() if o._abonnes else None))
                    out_b.append(o.view(np.ndarray))
                else:
                    out_b.append(o)
            kwargs["out"] = tuple(out_b)
        res = getattr(ufunc, method)(*entrees, **kwargs)
        for o, copie in suivis:  # écriture en place du tableau entier (rare) : tout est noté
            if copie is not None:
                plat = o.view(np.ndarray).reshape(-1)
                ids = np.arange(plat.size, dtype=np.int64)
                for a in o._abonnes:
                    a.ecrit(ids, copie.reshape(-1), plat)
        if out is not None and len(out) == 1:
            return out[0]
        return res

    def __reduce__(self):
        return (np.asarray, (self.view(np.ndarray).copy(),))


class Agenda:
    """Files par semaine des cases d'un tableau de dates (`TableauSuivi`)."""

    uniques = False

    def __init__(self, tableau: TableauSuivi):
        self.tableau = tableau
        self.files: dict[int, list[np.ndarray]] = {}
        self.attente: list[np.ndarray] = []  # cases écrites, rangées en file à la prochaine requête
        plat = tableau.brut().reshape(-1)
        self.attente.append(np.flatnonzero((plat < HORIZON) & (plat > -HORIZON)))
        tableau.abonner(self)

    def ecrit(self, ids: np.ndarray, avant, plat: np.ndarray) -> None:
        """Note les cases écrites (rangées par date à la prochaine requête : une opération pour toute la semaine)."""
        self.attente.append(ids)

    def _ranger(self) -> None:
        """Met chaque case écrite depuis la dernière requête dans la file de sa date actuelle."""
        if not self.attente:
            return
        ids = np.concatenate(self.attente) if len(self.attente) > 1 else self.attente[0]
        self.attente = []
        v = self.tableau.brut().reshape(-1)[ids]
        garde = (v < HORIZON) & (v > -HORIZON)
        ids, v = ids[garde], v[garde]
        if ids.size == 0:
            return
        ordre = np.argsort(v, kind="stable")
        v, ids = v[ordre], ids[ordre]
        debuts = [0, *(np.flatnonzero(v[1:] != v[:-1]) + 1).tolist()]  # début de chaque semaine distincte
        fins = [*debuts[1:], ids.size]
        files = self.files
        for semaine, d, f in zip(v[debuts].tolist(), debuts, fins):
            lst = files.get(semaine)
            if lst is None:
                files[semaine] = [ids[d:f]]
            else:
                lst.append(ids[d:f])

    def _candidats(self, semaines) -> np.ndarray:
        self._ranger()
        morceaux = []
        for s in semaines:
            f = self.files.get(s)
            if f:
                u = uniques(np.concatenate(f)) if len(f) > 1 else uniques(f[0])
                self.files[s] = [u]
                morceaux.append(u)
        if not morceaux:
            return np.zeros(0, np.int64)
        return morceaux[0] if len(morceaux) == 1 else uniques(np.concatenate(morceaux))

    def egal(self, t: int) -> np.ndarray:
        """Index plats croissants des cases dont la date vaut `t` (= flatnonzero(tableau.ravel() == t))."""
        c = self._candidats([int(t)])
        c = c[self.tableau.brut().reshape(-1)[c] == t]
        if VERIFIER:
            dense = np.flatnonzero(self.tableau.brut().ravel() == t)
            assert np.array_equal(c, dense), "agenda : requête == t différente du parcours dense"
        return c

    def au_plus(self, t: int) -> np.ndarray:
        """Index plats croissants des cases dont la date est <= `t` (= flatnonzero(tableau.ravel() <= t))."""
        self._ranger()
        c = self._candidats([s for s in self.files if s <= t])
        c = c[self.tableau.brut().reshape(-1)[c] <= t]
        if VERIFIER:
            dense = np.flatnonzero(self.tableau.brut().ravel() <= t)
            assert np.array_equal(c, dense), "agenda : requête <= t différente du parcours dense"
        return c

    def oublier_avant(self, t: int, garder_passe: bool = False) -> None:
        """Vide les files des semaines < t ; avec `garder_passe`, les cases encore valides sont reportées en t−1."""
        self._ranger()
        vieilles = [s for s in self.files if s < t]
        if not vieilles:
            return
        if garder_passe:
            c = self._candidats(vieilles)
            plat = self.tableau.brut().reshape(-1)
            c = c[plat[c] < t]
        for s in vieilles:
            del self.files[s]
        if garder_passe and c.size:
            self.files[int(t) - 1] = [c]


class Changements:
    """Cases écrites depuis la dernière lecture (un ou plusieurs tableaux de même forme, N × P ou N)."""

    uniques = False

    def __init__(self, *tableaux: TableauSuivi):
        self.ids: list[np.ndarray] = []
        for tab in tableaux:
            tab.abonner(self)

    def ecrit(self, ids: np.ndarray, avant, plat) -> None:
        """Note les cases écrites."""
        if ids.size:
            self.ids.append(ids)

    def lire(self) -> np.ndarray:
        """Index plats (croissants, uniques) des cases écrites depuis la dernière lecture ; remet à zéro."""
        if not self.ids:
            return np.zeros(0, np.int64)
        c = uniques(np.concatenate(self.ids))
        self.ids = []
        return c


class EffectifsVrais:
    """Nombre de cases vraies par (groupe, colonne) d'un tableau booléen (N, P) suivi, tenu à jour à l'écriture."""

    uniques = True  # un delta par case, même si l'écriture désigne deux fois la même case

    def __init__(self, tableau: TableauSuivi, groupe: np.ndarray, n_groupes: int):
        self.tableau = tableau
        self.groupe = np.asarray(groupe, dtype=np.int64)
        self.n_groupes = n_groupes
        self.n_col = tableau.shape[1]
        self.recompter()
        tableau.abonner(self)

    def recompter(self) -> None:
        """Comptage dense (initialisation, vérification)."""
        base = self.tableau.brut()
        self.effectifs = np.stack([np.bincount(self.groupe[base[:, b]], minlength=self.n_groupes)
                                   for b in range(self.n_col)], axis=1).astype(np.int64)

    def ecrit(self, ids: np.ndarray, avant, plat) -> None:
        """Ajoute (nouveau − ancien) dans la case (groupe du ménage, colonne)."""
        if avant is None or ids.size == 0:
            return
        d = plat[ids].astype(np.int64) - avant.astype(np.int64)
        s = d != 0
        if not s.any():
            return
        i, b = np.divmod(ids[s], self.n_col)
        np.add.at(self.effectifs, (self.groupe[i], b), d[s])

    def colonne(self, b: int) -> np.ndarray:
        """Effectifs par groupe de la colonne b."""
        if VERIFIER:
            dense = np.bincount(self.groupe[self.tableau.brut()[:, b]], minlength=self.n_groupes)
            assert np.array_equal(dense, self.effectifs[:, b]), "effectifs suivis différents du comptage dense"
        return self.effectifs[:, b]
