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

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE
from modele.etat import SITUATIONS, TERRITOIRES
from modele.indicateurs import mois_incomplets
from modele.prestations import GENRES_AIDE, ORGANISMES

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
POSTURES = {"heures_faire_a_la_place": ("Faire à la place", "#d73027"),
            "heures_faire_avec": ("Faire avec (apprendre)", "#1a9850"),
            "heures_orienter": ("Orienter ailleurs", "#fee08b")}
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
                   "attente_moyenne", "file_attente", "capacite_guichets", "semaines_releve")

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
