"""Figures matplotlib de la page pédagogique, construites à partir du modèle (sans Solara).

Règle en une ligne : une figure lit le modèle (situation et territoire des ménages) ou l'historique des
relevés mensuels (`Historique`) et ne modifie jamais le modèle.

Seul matplotlib est utilisé (pas d'Altair) : la page doit fonctionner hors ligne, et Altair demanderait
vega à un CDN.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, to_rgba
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from modele.aidants import JAMAIS as JAMAIS_AIDANT
from modele.aidants import REFUSE as REFUSE_AIDANT
from modele.aidants import REORIENTE as REORIENTE_AIDANT
from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE
from modele.etat import SITUATIONS, TERRITOIRES
from modele.indicateurs import mois_incomplets, somme_des_pas
from modele.prestations import GENRES_ACTEURS, GENRES_AIDE, ORGANISMES

#: Code de situation (index dans `modele.etat.SITUATIONS`) → (libellé affiché, couleur).
LEGENDE_SITUATIONS: dict[int, tuple[str, str]] = {
    SITUATIONS.index("non_eligible"): ("Non éligible", "#d9d9d9"),
    SITUATIONS.index("percoit"): ("Perçoit ses droits", "#1a9850"),
    SITUATIONS.index("non_connaissance"): ("Non-recours : ne connaît pas son droit", "#fdae61"),
    SITUATIONS.index("non_demande"): ("Non-recours : ne demande pas", "#d73027"),
    SITUATIONS.index("non_reception"): ("Non-recours : demande sans réponse", "#762a83"),
    SITUATIONS.index("en_demarche"): ("Démarche en cours", "#4575b4"),
}
NOMS_TERRITOIRES = {"urbain": "Ville", "qpv": "Quartiers prioritaires", "periurbain": "Périurbain",
                    "rural": "Rural"}
NOMS_AIDE = {"famille": "Entourage", "travailleur_social": "Travailleurs sociaux",
             "france_services": "France Services", "conseiller_numerique": "Conseillers numériques",
             "association": "Associations", "prestataire_prive": "Services payants"}
COULEURS_AIDE = {"famille": "#bdbdbd", "travailleur_social": "#e41a1c", "france_services": "#377eb8",
                 "conseiller_numerique": "#4daf4a", "association": "#984ea3", "prestataire_prive": "#ff7f00"}
#: Postures des aidants professionnels (`modele.accompagnement.POSTURES`) : indicateur d'heures → (libellé, couleur).
POSTURES = {"heures_faire_a_la_place": ("Faire à la place", "#d73027"),
            "heures_faire_avec": ("Faire avec (apprendre)", "#1a9850"),
            "heures_faire_a_cote": ("Faire à côté (laisser faire)", "#91cf60"),
            "heures_orienter": ("Orienter ailleurs", "#fee08b"),
            "heures_refus": ("Refuser", "#636363")}
CAUSES = {"taux_non_connaissance": LEGENDE_SITUATIONS[2], "taux_non_demande": LEGENDE_SITUATIONS[3],
          "taux_non_reception": LEGENDE_SITUATIONS[4]}
NOMS_ORGANISMES = {"caf": "CAF", "cpam": "CPAM", "carsat": "CARSAT"}
COULEURS_ORGANISMES = {"caf": "#08519c", "cpam": "#6baed6", "carsat": "#31a354"}

_CARTE = ListedColormap([couleur for _, couleur in LEGENDE_SITUATIONS.values()]).with_extremes(bad="white")
_NORME = BoundaryNorm(np.arange(-0.5, len(LEGENDE_SITUATIONS) + 0.5), _CARTE.N)
TAILLE = (6.4, 4.2)
#: Tailles de police lisibles au vidéoprojecteur (points) : titres, axes, graduations, légendes.
POLICE = {"titre": 13, "axe": 12, "graduation": 11, "legende": 11}
#: Les volumes de la page (heures, visites possibles aux guichets, files) sont rapportés à 10 000 ménages,
#: comme les curseurs et les rapports ; les taux sont en %.
ECHELLE_MENAGES = 10000.0
MOIS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def grille_situations(situation: np.ndarray, largeur: int | None = None) -> np.ndarray:
    """Range les codes de situation dans une grille presque carrée (cases vides en NaN).

    Le k-ième ménage occupe la ligne `k // largeur`, la colonne `k % largeur`.
    """
    n = int(situation.size)
    largeur = largeur or max(1, math.ceil(math.sqrt(n)))
    hauteur = max(1, math.ceil(n / largeur))
    grille = np.full(largeur * hauteur, np.nan, dtype=np.float32)
    grille[:n] = situation
    return grille.reshape(hauteur, largeur)


def figure_menages(situation: np.ndarray, territoire: np.ndarray, titre: str = "",
                   suivi: int | None = None) -> Figure:
    """Carte des quatre territoires : un carré par ménage, coloré selon sa situation ; légende en français.

    Le ménage `suivi` (« Suivre un ménage ») est entouré.
    """
    fig = Figure(figsize=(9.6, 5.2), layout="constrained")
    grille = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.3])
    comptes = np.bincount(situation.astype(np.intp), minlength=len(LEGENDE_SITUATIONS))
    for z, nom in enumerate(TERRITOIRES):
        ax = fig.add_subplot(grille[z // 2, z % 2])
        indices = np.flatnonzero(territoire == z)
        g = grille_situations(situation[indices])
        ax.imshow(g, cmap=_CARTE, norm=_NORME, interpolation="nearest", aspect="equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{NOMS_TERRITOIRES[nom]} ({indices.size})", fontsize=POLICE["axe"])
        if suivi is not None and 0 <= suivi < territoire.size and territoire[suivi] == z:
            k = int(np.searchsorted(indices, suivi))
            ax.plot(k % g.shape[1], k // g.shape[1], marker="o", markersize=9, markerfacecolor="none",
                    markeredgecolor="black", markeredgewidth=2)
    ax_leg = fig.add_subplot(grille[:, 2])
    ax_leg.axis("off")
    poignees = [Patch(facecolor=couleur, edgecolor="#555555", label=f"{libelle} ({comptes[code]})")
                for code, (libelle, couleur) in LEGENDE_SITUATIONS.items()]
    ax_leg.legend(handles=poignees, loc="center left", frameon=False, fontsize=POLICE["legende"],
                  title="Situation du ménage", title_fontsize=POLICE["axe"])
    if titre:
        fig.suptitle(titre, fontsize=POLICE["titre"])
    return fig


def png(fig: Figure, dpi: int = 80) -> tuple[bytes, float]:
    """Image PNG d'une figure et durée du dessin (secondes), pour mesurer la fluidité de la page."""
    debut = time.perf_counter()
    tampon = io.BytesIO()
    fig.savefig(tampon, format="png", dpi=dpi)
    return tampon.getvalue(), time.perf_counter() - debut


def _colonnes(bloc) -> tuple[np.ndarray, ...]:
    """(date, indicateur, prestation, groupe, valeur) d'un bloc du relevé : tuple de tableaux ou DataFrame."""
    if isinstance(bloc, pd.DataFrame):
        return tuple(np.asarray(bloc[c].astype(str) if c != "valeur" else bloc[c])
                     for c in ("date", "indicateur", "prestation", "groupe", "valeur"))
    return tuple(np.asarray(x) for x in bloc)


class Historique:
    """Relevés mensuels utiles aux graphiques, lus au fil de l'eau dans `m.releve.blocs` (sans tout recopier)."""

    INDICATEURS = ("n_eligibles", "taux_non_recours", *CAUSES, "heures_accompagnement", *POSTURES,
                   "attente_moyenne", "file_attente", "capacite_guichets", "semaines_releve", "n_departs_aidants",
                   "n_arrivees_aidants", "n_identifiants_orphelins", "n_refus_aidant")

    def __init__(self):
        self.lus = 0
        self.morceaux: list[pd.DataFrame] = []
        self.dates: set[str] = set()
        self._table: pd.DataFrame | None = None
        self._causes: pd.DataFrame | None = None

    def lire(self, m) -> int:
        """Ajoute les relevés parus depuis le dernier appel ; rend le nombre de mois relevés."""
        blocs = m.releve.blocs
        if len(blocs) > self.lus:
            for b in blocs[self.lus:]:
                date, indicateur, prestation, groupe, valeur = _colonnes(b)
                if len(indicateur) == 0 or indicateur[0] not in self.INDICATEURS:
                    continue
                garde = np.fromiter((g == "ensemble" or g.startswith(("acteur=", "operateur=")) for g in groupe),
                                    dtype=bool, count=len(groupe))
                self.morceaux.append(pd.DataFrame({"date": date[garde], "indicateur": indicateur[garde],
                                                   "prestation": prestation[garde], "groupe": groupe[garde],
                                                   "valeur": valeur[garde]}))
                self.dates.add(str(date[0]))
            self.lus = len(blocs)
            self._table = None
            self._causes = None
        return self.n_mois

    @property
    def table(self) -> pd.DataFrame:
        """Tableau long (date, indicateur, prestation, groupe, valeur) des indicateurs gardés."""
        if self._table is None:
            self._table = (pd.concat(self.morceaux, ignore_index=True) if self.morceaux else
                           pd.DataFrame(columns=["date", "indicateur", "prestation", "groupe", "valeur"]))
            for c in ("indicateur", "prestation", "groupe"):
                self._table[c] = self._table[c].astype(str)
        return self._table

    @property
    def n_mois(self) -> int:
        """Nombre de mois relevés."""
        return len(self.dates)

    def par_groupe(self, indicateur: str) -> pd.DataFrame:
        """Dates × groupes (sans le préfixe « acteur= » / « operateur= ») d'un indicateur « toutes » ; sans le mois
        incomplet (`modele.indicateurs.mois_incomplets` : dernier mois simulé quand la fin ne tombe pas un lundi)."""
        t = self.table
        t = t[(t["indicateur"] == indicateur) & ~t["date"].isin(mois_incomplets(t))]
        if t.empty:
            return pd.DataFrame()
        tab = t.pivot_table(index="date", columns="groupe", values="valeur", aggfunc="sum")
        tab.columns = [c.split("=", 1)[1] for c in tab.columns]
        tab.index = pd.to_datetime(tab.index)
        return tab

    def par_semaine(self, indicateur: str) -> pd.DataFrame:
        """Comme `par_groupe`, pour un flux mensuel ramené à la semaine : le relevé est la moyenne hebdomadaire du
        mois × 52/12 (`modele.indicateurs.flux_mensuel`), divisé ici par 52/12."""
        tab = self.par_groupe(indicateur)
        if tab.empty:
            return tab
        return tab / SEMAINES_PAR_MOIS_RELEVE

    def cumul(self, indicateur: str) -> pd.Series:
        """Total depuis le premier relevé d'un flux mensuel compté par genre (départs, identifiants orphelins…),
        par groupe sans préfixe : chaque mois ramené à la somme de ses pas (`modele.indicateurs.somme_des_pas`)."""
        t = self.table
        semaines = t[t["indicateur"] == "semaines_releve"].set_index("date")["valeur"]
        t = t[(t["indicateur"] == indicateur) & t["groupe"].str.contains("=")]
        if t.empty or semaines.empty:
            return pd.Series(dtype=float)
        total = somme_des_pas(t["valeur"].to_numpy(), semaines.reindex(t["date"]).to_numpy())
        out = pd.Series(total, index=[g.split("=", 1)[1] for g in t["groupe"]]).groupby(level=0).sum()
        return out.round(6)

    def causes(self) -> pd.DataFrame:
        """Part des droits non perçus, toutes prestations (pondérée par les éligibles), par cause et au total."""
        if self._causes is None:
            self._causes = self._calculer_causes()
        return self._causes

    def _calculer_causes(self) -> pd.DataFrame:
        t = self.table
        t = t[t["groupe"] == "ensemble"]
        if t.empty:
            return pd.DataFrame()
        large = t.pivot_table(index=["date", "prestation"], columns="indicateur", values="valeur")
        n = large["n_eligibles"]
        out = pd.DataFrame({c: (large[c] * n).groupby(level="date").sum() for c in ("taux_non_recours", *CAUSES)})
        out = out.div(n.groupby(level="date").sum().replace(0, np.nan), axis=0)
        out.index = pd.to_datetime(out.index)
        return out


def _axe_dates(ax, debut: str, fin: str) -> None:
    ax.set_xlim(pd.Timestamp(debut), pd.Timestamp(fin) + pd.offsets.MonthEnd(0))
    ax.xaxis.set_major_locator(YearLocator(2))
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))
    ax.grid(alpha=0.3)


def _vide(ax, texte="Courbes : dès la fin\ndu premier mois simulé") -> None:
    ax.text(0.5, 0.5, texte, ha="center", va="center", transform=ax.transAxes, fontsize=POLICE["axe"],
            color="#555555")


def _lisible(fig, axes, titres: list[str], ordonnees: list[str]) -> None:
    """Polices du vidéoprojecteur ; une légende par graphique, sous ses courbes (elle ne les couvre pas)."""
    for ax, titre, ordonnee in zip(axes, titres, ordonnees):
        ax.set_title(titre, fontsize=POLICE["titre"])
        ax.set_ylabel(ordonnee, fontsize=POLICE["axe"])
        ax.tick_params(labelsize=POLICE["graduation"])
        poignees, noms = ax.get_legend_handles_labels()
        if poignees:
            ax.legend(poignees, noms, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False,
                      fontsize=POLICE["legende"])


def _pourcent(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{100 * x:.0f}\u00a0%"))


def figure_causes(h: Historique, debut: str, fin: str, marques=()) -> Figure:
    """Non-recours par cause (typologie de l'ODENORE), en part des droits ouverts, toutes prestations."""
    fig = Figure(figsize=TAILLE, layout="constrained")
    ax = fig.add_subplot()
    tab = h.causes()
    if tab.empty:
        _vide(ax)
    else:
        ax.stackplot(tab.index, *(tab[c].fillna(0) for c in CAUSES), labels=[v[0] for v in CAUSES.values()],
                     colors=[v[1] for v in CAUSES.values()], alpha=0.9)
        ax.plot(tab.index, tab["taux_non_recours"], color="black", lw=1.6, label="Non-recours total")
    _axe_dates(ax, debut, fin)
    _marque(ax, marques)
    ax.set_ylim(0, 1)
    _pourcent(ax)
    _lisible(fig, [ax], ["Non-recours par cause (toutes prestations)"], ["% des droits ouverts"])
    return fig


def _marque(ax, marques) -> None:
    """Lignes verticales aux dates où un levier a changé (fermeture, « Appliquer maintenant »)."""
    for date, texte in marques or ():
        ax.axvline(pd.Timestamp(date), color="#444444", ls="--", lw=1)
        ax.text(pd.Timestamp(date), 0.98, f" {texte}", transform=ax.get_xaxis_transform(), va="top",
                fontsize=POLICE["graduation"], color="#444444")


def figure_aide(h: Historique, n_menages: int, debut: str, fin: str, marques=()) -> Figure:
    """Heures d'aide aux démarches par semaine pour 10 000 ménages (l'unité des curseurs) : par genre d'aidant
    professionnel (gauche) et par posture (droite)."""
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharex=True)
    echelle = ECHELLE_MENAGES / max(n_menages, 1)
    tab = h.par_semaine("heures_accompagnement")
    if tab.empty:
        _vide(ax1)
    else:
        genres = [g for g in GENRES_AIDE if g in tab.columns and g != "famille"]
        ax1.stackplot(tab.index, *(tab[g] * echelle for g in genres), labels=[NOMS_AIDE[g] for g in genres],
                      colors=[COULEURS_AIDE[g] for g in genres], alpha=0.9)
    series = {k: h.par_semaine(k) for k in POSTURES}
    if all(s.empty for s in series.values()):
        _vide(ax2, "")
    else:
        pros = [g for g in GENRES_AIDE if g != "famille"]
        cols = {k: s[[g for g in pros if g in s.columns]].sum(axis=1) * echelle for k, s in series.items()}
        idx = next(iter(cols.values())).index
        ax2.stackplot(idx, *(cols[k].reindex(idx).fillna(0) for k in POSTURES),
                      labels=[v[0] for v in POSTURES.values()], colors=[v[1] for v in POSTURES.values()], alpha=0.9)
    for ax in (ax1, ax2):
        _axe_dates(ax, debut, fin)
        _marque(ax, marques)
        ax.set_ylim(bottom=0)
    _lisible(fig, (ax1, ax2), ["Qui aide ? (professionnels)", "Comment aident-ils ?"],
             ["heures / semaine pour 10 000 ménages", "heures / semaine pour 10 000 ménages"])
    return fig


def figure_guichets(h: Historique, debut: str, fin: str, marques=(), n_menages: int | None = None) -> Figure:
    """Guichets ouverts (visites possibles par semaine, pour 10 000 ménages si `n_menages` est donné) et attente
    chez les aidants (semaines)."""
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharex=True)
    echelle = ECHELLE_MENAGES / max(n_menages, 1) if n_menages else 1.0
    cap = h.par_groupe("capacite_guichets")
    if cap.empty:
        _vide(ax1)
    else:
        for o in ORGANISMES:
            if o in cap.columns:
                ax1.plot(cap.index, cap[o] * echelle, label=NOMS_ORGANISMES[o], color=COULEURS_ORGANISMES[o],
                         lw=1.8)
    att = h.par_groupe("attente_moyenne")
    fil = h.par_groupe("file_attente")
    if att.empty:
        _vide(ax2, "")
    else:
        for g in ("travailleur_social", "france_services", "conseiller_numerique", "association"):
            if g in att.columns:
                ax2.plot(att.index, att[g], label=NOMS_AIDE[g], color=COULEURS_AIDE[g], lw=1.8)
    en_file = (fil.iloc[-1].drop(labels=["famille"], errors="ignore").sum() * echelle) if not fil.empty else 0
    for ax in (ax1, ax2):
        _axe_dates(ax, debut, fin)
        _marque(ax, marques)
        ax.set_ylim(bottom=0)
    par = "pour 10 000 ménages" if n_menages else "ménages simulés"
    _lisible(fig, (ax1, ax2), ["Guichets ouverts", f"Attente chez les aidants ({en_file:.0f} en file)"],
             [f"visites possibles / semaine ({par})", "semaines d'attente"])
    return fig


# --- Les aidants individuels ------------------------------------------------------------------------------------

#: Genres d'acteur qui ont des aidants individuels (le service payant n'en a pas), dans l'ordre des rangées.
GENRES_AIDANTS = tuple(g for g in GENRES_ACTEURS if g != "prestataire_prive")
GRIS_VACANT = "#9e9e9e"
CARTE_TENSION = "YlOrRd"
#: Repères sur un carré (décalage dans la case, marqueur matplotlib, couleur, libellé de légende).
REPERES = {"forme": ((-0.27, -0.27), "o", "#08306b", "Formé à la médiation numérique"),
           "habilite": ((0.27, -0.27), "D", "#2171b5", "Habilité Aidants Connect"),
           "reoriente": ((-0.27, 0.27), ">", "#000000", "Disposition : réoriente"),
           "refuse": ((0.27, 0.27), "x", "#000000", "Disposition : refuse l'aide numérique")}


@dataclass
class DonneesAidants:
    """Grille des postes d'aidants : une ou plusieurs rangées par genre d'acteur, un carré par poste (pourvu ou
    vacant), rangés par territoire puis par ancienneté du poste. Cases sans poste : `index` = -1, transparentes."""

    index: np.ndarray        # (h, l) index du poste dans `m.aidants`, -1 : case vide
    vacant: np.ndarray       # (h, l) poste vacant (en attente d'un remplaçant)
    tension: np.ndarray      # (h, l) tension de l'aidant en poste, NaN sinon
    forme: np.ndarray        # (h, l) aidant en poste formé
    habilite: np.ndarray     # (h, l) aidant en poste habilité Aidants Connect à titre individuel
    disposition: np.ndarray  # (h, l) index dans modele.aidants.DISPOSITIONS, -1 hors aidant en poste
    couleurs: np.ndarray     # (h, l, 4) RGBA : tension (carte CARTE_TENSION de 0 à `vmax`), gris vacant
    rangees: np.ndarray      # (n_genres + 1,) première rangée de chaque genre de GENRES_AIDANTS (et fin)
    n_postes: np.ndarray     # (n_genres,) postes par genre
    vmax: float              # haut de l'échelle de couleur (2 × seuil de départ)
    seuil: float             # `aidants.seuil_depart_tension`


def donnees_aidants(m, largeur: int | None = None) -> DonneesAidants:
    """Construit la grille des aidants à partir du modèle (sans le modifier ; sans boucle sur les aidants).

    Postes : pourvus (`actif`) ou vacants en attente d'un remplaçant ; les postes supprimés par une politique
    n'apparaissent pas. `largeur` : carrés par rangée (défaut : le plus grand genre, de 4 à 24).
    """
    A = m.aidants
    n_z = len(TERRITOIRES)
    vacant_poste = ~A.actif & (A.t_retour != JAMAIS_AIDANT)
    genre = A.genre(n_z)
    gardes = np.flatnonzero((A.actif | vacant_poste) & (genre < len(GENRES_AIDANTS)))
    gardes = gardes[np.lexsort((gardes, A.structure[gardes]))]  # genre, territoire, puis ordre de création
    g = genre[gardes]
    n_postes = np.bincount(g, minlength=len(GENRES_AIDANTS))
    largeur = largeur or int(np.clip(n_postes.max(initial=0), 4, 24))
    n_rangees = np.maximum(1, -(-n_postes // largeur))
    rangees = np.concatenate([[0], np.cumsum(n_rangees)])
    rang = np.arange(gardes.size) - (np.cumsum(n_postes) - n_postes)[g]  # rang dans son genre
    ligne, colonne = rangees[g] + rang // largeur, rang % largeur
    forme_grille = (int(rangees[-1]), largeur)
    index = np.full(forme_grille, -1, np.int64)
    index[ligne, colonne] = gardes
    poste = index >= 0
    k = np.where(poste, index, 0)
    vacant = poste & vacant_poste[k]
    en_poste = poste & ~vacant
    seuil = float(m.p["aidants.seuil_depart_tension"])
    vmax = 2.0 * seuil if seuil > 0 else max(float(A.tension.max(initial=0.0)), 1.0)
    tension = np.where(en_poste, A.tension[k], np.nan)
    couleurs = np.zeros((*forme_grille, 4))
    couleurs[en_poste] = colormaps[CARTE_TENSION](Normalize(0.0, vmax)(tension[en_poste]))
    couleurs[vacant] = to_rgba(GRIS_VACANT)
    return DonneesAidants(index=index, vacant=vacant, tension=tension, forme=en_poste & A.forme[k],
                          habilite=en_poste & A.habilite[k],
                          disposition=np.where(en_poste, A.disposition[k], -1).astype(np.int8),
                          couleurs=couleurs, rangees=rangees, n_postes=n_postes, vmax=vmax, seuil=seuil)


def heures_par_posture(h: Historique) -> tuple[str | None, pd.DataFrame]:
    """Heures du dernier mois complet relevé, par genre d'aidant (lignes, GENRES_AIDANTS) et par posture
    (colonnes, clés de POSTURES), en heures par semaine ; (None, vide) avant le premier mois."""
    series = {k: h.par_semaine(k) for k in POSTURES}
    if any(s.empty for s in series.values()):
        return None, pd.DataFrame()
    date = min(s.index.max() for s in series.values())
    tab = pd.DataFrame({k: s.loc[date].reindex(list(GENRES_AIDANTS)).fillna(0.0) for k, s in series.items()})
    return f"{MOIS_FR[date.month - 1]} {date.year}", tab


def figure_aidants(m, h: Historique, n_menages: int) -> Figure:
    """Les aidants individuels : un carré par poste coloré selon la tension (gris : vacant), repères formé /
    habilité / disposition (gauche) ; heures du dernier mois par posture et par genre, en part (droite)."""
    d = donnees_aidants(m)
    fig = Figure(figsize=(12, 5.6), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.4, 1])
    ax.imshow(d.couleurs, interpolation="nearest", aspect="equal")
    haut, larg = d.index.shape
    ax.set_xlim(-0.5, larg - 0.5)
    ax.set_ylim(haut - 0.5, -0.5)
    ax.set_xticks(np.arange(larg + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(haut + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks([])
    ax.set_yticks((d.rangees[:-1] + d.rangees[1:] - 1) / 2,
                  [f"{NOMS_AIDE[g]} ({n})" for g, n in zip(GENRES_AIDANTS, d.n_postes)])
    for r in d.rangees[1:-1]:
        ax.axhline(r - 0.5, color="#444444", lw=1.2)
    masques = {"forme": d.forme, "habilite": d.habilite, "reoriente": d.disposition == REORIENTE_AIDANT,
               "refuse": d.disposition == REFUSE_AIDANT}
    poignees = [Patch(facecolor=GRIS_VACANT, edgecolor="#555555", label=f"Poste vacant ({int(d.vacant.sum())})")]
    taille = 40 if larg <= 8 else 16
    for nom, ((dx, dy), marqueur, couleur, libelle) in REPERES.items():
        y, x = np.nonzero(masques[nom])
        poignees.append(ax.scatter(x + dx, y + dy, s=taille, marker=marqueur, color=couleur,
                                   label=f"{libelle} ({y.size})"))
    cb = fig.colorbar(ScalarMappable(Normalize(0.0, d.vmax), colormaps[CARTE_TENSION]), ax=ax, shrink=0.9,
                      extend="max", pad=0.02)
    cb.ax.axhline(d.seuil, color="black", lw=2)
    cb.ax.set_title("", fontsize=POLICE["titre"])
    cb.ax.set_ylabel("tension (trait noir : seuil de départ)", fontsize=POLICE["axe"])
    cb.ax.tick_params(labelsize=POLICE["graduation"])
    mois, tab = heures_par_posture(h)
    if tab.empty:
        _vide(ax2, "Heures : dès la fin\ndu premier mois simulé")
    else:
        totaux = tab.sum(axis=1)
        parts = tab.div(totaux.replace(0, np.nan), axis=0).fillna(0.0)
        gauche = np.zeros(len(parts))
        y = np.arange(len(parts))
        for k, (libelle, couleur) in POSTURES.items():
            ax2.barh(y, parts[k], left=gauche, color=couleur, label=libelle, edgecolor="white", height=0.7)
            gauche += parts[k].to_numpy()
        echelle = ECHELLE_MENAGES / max(n_menages, 1)
        ax2.set_yticks(y, [f"{NOMS_AIDE[g]}\n{t * echelle:.0f} h / sem." if t > 0 else
                           f"{NOMS_AIDE[g]}\n(aucune heure)" for g, t in zip(GENRES_AIDANTS, totaux)])
        ax2.set_ylim(len(parts) - 0.5, -0.5)
        ax2.set_xlim(0, 1)
        _pourcent_x(ax2)
    ax2.set_xlabel("part des heures du mois", fontsize=POLICE["axe"])
    for a, titre in ((ax, "Chaque aidant : sa tension"), (ax2, f"Postures ({mois})" if mois else "Postures")):
        a.set_title(titre, fontsize=POLICE["titre"])
        a.set_ylabel("", fontsize=POLICE["axe"])
        a.tick_params(labelsize=POLICE["graduation"])
    # Légendes de la figure, sous les deux graphiques (hors des axes : la mise en page leur fait de la place).
    fig.legend(handles=poignees, loc="outside lower left", ncol=2, frameon=False, fontsize=POLICE["legende"])
    if not tab.empty:
        fig.legend(*ax2.get_legend_handles_labels(), loc="outside lower right", ncol=2, frameon=False,
                   fontsize=POLICE["legende"])
    return fig


def _pourcent_x(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{100 * x:.0f}\u00a0%"))
