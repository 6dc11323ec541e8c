"""Aidants individuels : chaque professionnel ou bénévole d'une structure d'accompagnement est une case de tableaux
numpy (`Aidants`), et leur évolution (tension, départs, remplacements) se calcule sans boucle sur eux.

Une structure est un genre d'acteur dans un territoire (`modele.agents.ActeurAccompagnement`, quelques dizaines de
`mesa.Agent`) ; ses heures hebdomadaires (`acteurs.<genre>.heures_pour_10000` × ménages du territoire × densité) sont
réparties entre n = max(1, arrondi(heures / `acteurs.<genre>.heures_par_aidant`)) aidants. Chaque aidant a : des
heures, une formation à la médiation numérique (tirée avec la part formée du genre), une habilitation Aidants Connect
individuelle (portée à `acteurs.<genre>.part_aidants_connect` quand une politique la relève ; un remplaçant ne l'a
pas), une disposition envers l'aide numérique tirée de `aidants.parts_dispositions` (prend en charge, réoriente,
refuse : « des compétences attendues qui reposent sur des dispositions individuelles », [sorin_diaporama] « Une
pratique des professionnels mais pas une pratique professionnelle »), un mandat pour l'aide numérique (explicite si le
genre l'a, auto-mandat s'il n'en a pas et prend en charge, aucun sinon : « entre auto-mandat et inaction », même
diapositive), un bureau mal équipé ou non (`acteurs.<genre>.part_bureaux_mal_equipes`), une tension, un report
d'heures.

Chaque semaine (`evoluer`) : la tension décroît de `aidants.recuperation` et monte avec les heures hors mandat et le
travail inachevé de sa file (rapportés à ses heures) ; un aidant part avec la probabilité `aidants.p_depart_semaine` +
`aidants.coef_depart_tension` × max(0, tension − `aidants.seuil_depart_tension`). Un départ emporte sa file (les
demandes repartent sans aidant, leur épisode est à refaire), son suivi (les ménages perdent leur référent) et les
identifiants qu'il détenait (incident de confidentialité : identifiants orphelins ; le ménage déclare seul ensuite).
Le poste est vacant un délai géométrique de moyenne `aidants.delai_remplacement`, puis un nouvel aidant arrive, non
formé, sans tension, de disposition tirée à nouveau.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modele.etat import TERRITOIRES
from modele.prestations import GENRES_ACTEURS

if TYPE_CHECKING:
    from modele.modele import ModeleNonRecours

PREND_EN_CHARGE, REORIENTE, REFUSE = 0, 1, 2
DISPOSITIONS = ("prend_en_charge", "reoriente", "refuse")
EXPLICITE, AUTO_MANDAT, SANS_MANDAT = 0, 1, 2
MANDATS = ("explicite", "auto_mandat", "aucun")
JAMAIS = np.iinfo(np.int32).min


class Aidants:
    """Les aidants individuels de toutes les structures, en tableaux de même longueur (une case par poste)."""

    CHAMPS = ("structure", "heures", "actif", "t_retour", "forme", "disposition", "mal_equipe", "tension",
              "reliquat", "hors_mandat_mois", "t_arrivee", "habilite")

    def __init__(self):
        self.structure = np.zeros(0, np.int32)     # index de la structure (genre × territoire)
        self.heures = np.zeros(0, np.float64)      # heures hebdomadaires d'aide aux démarches du poste
        self.actif = np.zeros(0, bool)             # poste pourvu (False : vacant ou supprimé)
        self.t_retour = np.zeros(0, np.int32)      # semaine d'arrivée du remplaçant (poste vacant), JAMAIS sinon
        self.forme = np.zeros(0, bool)             # formé à la médiation numérique
        self.disposition = np.zeros(0, np.int8)    # index dans DISPOSITIONS
        self.mal_equipe = np.zeros(0, bool)        # bureau mal équipé (« configurations matérielles »)
        self.tension = np.zeros(0, np.float64)     # tension (saturation), sans unité, ≥ 0
        self.reliquat = np.zeros(0, np.float64)    # heures reportées (négatif : dette de déclarations)
        self.hors_mandat_mois = np.zeros(0, np.float64)  # heures hors mandat du mois en cours (remis au relevé)
        self.t_arrivee = np.zeros(0, np.int32)     # semaine d'arrivée de l'aidant en poste
        self.habilite = np.zeros(0, bool)          # habilité Aidants Connect à titre individuel
        self.cibles = None  # (part formée, part de bureaux mal équipés) par genre au dernier ajustement

    @property
    def n(self) -> int:
        """Nombre de postes (pourvus ou vacants)."""
        return self.structure.size

    def genre(self, n_z: int = len(TERRITOIRES)) -> np.ndarray:
        """Index du genre d'acteur de chaque poste (dans GENRES_ACTEURS)."""
        return self.structure // n_z

    def territoire(self, n_z: int = len(TERRITOIRES)) -> np.ndarray:
        """Territoire de chaque poste."""
        return self.structure % n_z

    def ajouter(self, structure: np.ndarray, heures: np.ndarray, forme: np.ndarray, disposition: np.ndarray,
                mal_equipe: np.ndarray, t: int) -> np.ndarray:
        """Ajoute des postes pourvus ; rend leurs index."""
        k = structure.size
        debut = self.n
        nouv = {"structure": structure.astype(np.int32), "heures": heures.astype(np.float64),
                "actif": np.ones(k, bool), "t_retour": np.full(k, JAMAIS, np.int32), "forme": forme.astype(bool),
                "disposition": disposition.astype(np.int8), "mal_equipe": mal_equipe.astype(bool),
                "tension": np.zeros(k), "reliquat": np.zeros(k), "hors_mandat_mois": np.zeros(k),
                "t_arrivee": np.full(k, t, np.int32), "habilite": np.zeros(k, bool)}
        for c in self.CHAMPS:
            setattr(self, c, np.concatenate([getattr(self, c), nouv[c]]))
        return np.arange(debut, self.n)


def aidants_connect(m: ModeleNonRecours, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Les « à la place » des aidants `k` se font-ils sous Aidants Connect ? Oui si le genre est habilité en entier
    (`acteurs.<genre>.aidants_connect`) ; pour un aidant habilité à titre individuel, avec la probabilité
    `aidants.usage_aidants_connect` (démarche accessible, mandat signé)."""
    A = m.aidants
    individuel = A.habilite[k]
    tirage = np.zeros(k.size, bool)
    if individuel.any():
        tirage[individuel] = rng.random(int(individuel.sum())) < m.p["aidants.usage_aidants_connect"]
    return m.genres_aidants["aidants_connect"][A.genre()[k]] | tirage


def mandats(m: ModeleNonRecours) -> np.ndarray:
    """Mandat individuel de chaque poste (index dans MANDATS) : explicite si le genre a un mandat d'aide aux
    démarches (« à la place » ou « avec »), sinon auto-mandat s'il prend en charge, aucun sinon."""
    A = m.aidants
    g = A.genre()
    explicite = m.genres_aidants["mandat_place"][g] | m.genres_aidants["mandat_avec"][g]
    return np.where(explicite, EXPLICITE, np.where(A.disposition == PREND_EN_CHARGE, AUTO_MANDAT, SANS_MANDAT))


def tirer_nouveaux(m: ModeleNonRecours, structures: np.ndarray, rng: np.random.Generator,
                   part_formee: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Formation, disposition et bureau de nouveaux aidants des `structures` : formés avec `part_formee` (par
    aidant ; None : non formés, cas d'un remplaçant), disposition tirée de `aidants.parts_dispositions`, bureau mal
    équipé avec `acteurs.<genre>.part_bureaux_mal_equipes`."""
    p = m.p
    k = structures.size
    u = rng.random((k, 3))
    forme = np.zeros(k, bool) if part_formee is None else u[:, 0] < part_formee
    parts = np.asarray(p["aidants.parts_dispositions"], dtype=float)
    disposition = np.searchsorted(np.cumsum(parts) / parts.sum(), u[:, 1], side="right").clip(0, 2)
    mal_equipe = u[:, 2] < m.genres_aidants["mal_equipe"][structures // len(TERRITOIRES)]
    return forme, disposition, mal_equipe


def ajuster_effectifs(m: ModeleNonRecours, rng: np.random.Generator) -> None:
    """Postes par structure selon les paramètres courants (à la création et quand une politique les change).

    Nombre voulu : max(1, arrondi(heures de la structure / `heures_par_aidant`)) si la structure a des heures,
    0 sinon ; heures égales entre ses postes. Postes créés : pourvus aussitôt, formés avec la part du genre.
    Postes supprimés (les derniers créés) : départs (file, suivi et identifiants perdus). Une part formée relevée
    (ou une part de bureaux mal équipés abaissée) par une politique forme (équipe) des aidants en poste, chacun avec la
    probabilité qui porte la part à la valeur voulue.
    """
    A = m.aidants
    n_z = len(TERRITOIRES)
    voulus = np.zeros(len(m.acteurs), np.int64)
    heures = np.zeros(len(m.acteurs))
    for s, a in enumerate(m.acteurs):  # quelques dizaines de structures (pas d'aidants ici)
        if a.genre == "prestataire_prive":
            continue
        h = a.heures
        if h > 0:
            voulus[s] = max(1, int(round(h / a.param("heures_par_aidant"))))
            heures[s] = h / voulus[s]
    postes = A.structure[A.actif | (A.t_retour != JAMAIS)]
    presents = np.bincount(postes, minlength=len(m.acteurs))
    # Suppressions : les postes en trop, les plus récents d'abord (vacants d'abord, puis pourvus).
    supprimer = []
    for s in np.flatnonzero(presents > voulus):  # structures touchées par une baisse (rare : politiques)
        k = np.flatnonzero((A.structure == s) & (A.actif | (A.t_retour != JAMAIS)))
        k = k[np.lexsort((-k, A.actif[k]))][: presents[s] - voulus[s]]
        supprimer.append(k)
    if supprimer:
        k = np.concatenate(supprimer)
        vacants = k[~A.actif[k]]
        A.t_retour[vacants] = JAMAIS
        partir(m, k[A.actif[k]], remplacer=False)
    # Créations.
    manque = np.maximum(voulus - presents, 0)
    if manque.any():
        s = np.repeat(np.arange(len(m.acteurs)), manque)
        forme, disposition, mal_equipe = tirer_nouveaux(m, s, rng, m.genres_aidants["formation"][s // n_z])
        A.ajouter(s, heures[s], forme, disposition, mal_equipe, m.t)
    # Heures des postes ; formation relevée et bureaux équipés par une politique.
    A.heures = heures[A.structure]
    # Seulement quand la cible a changé depuis le dernier ajustement (une politique) : un remplaçant non formé
    # n'est pas formé par un changement d'un autre paramètre.
    G = m.genres_aidants
    avant = A.cibles
    A.cibles = (G["formation"].copy(), G["mal_equipe"].copy(), G["part_ac"].copy())
    if avant is not None and (avant[0] != G["formation"]).any():
        A.forme = porter_part(A, A.forme, G["formation"], rng)
    if avant is not None and (avant[1] != G["mal_equipe"]).any():
        A.mal_equipe = ~porter_part(A, ~A.mal_equipe, 1.0 - G["mal_equipe"], rng)
    if (G["part_ac"] > 0).any() and (avant is None or (avant[2] != G["part_ac"]).any()):
        A.habilite = porter_part(A, A.habilite, G["part_ac"], rng)


def porter_part(A: Aidants, drapeau: np.ndarray, cible: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Porte la part d'aidants en poste dont `drapeau` est vrai jusqu'à `cible` (par genre), sans jamais la baisser :
    chaque aidant en poste sans le drapeau le reçoit avec q = (cible − part) / (1 − part). Rend le drapeau."""
    drapeau = drapeau.copy()
    g = A.genre()
    en_poste = A.actif
    n_g = np.bincount(g[en_poste], minlength=len(GENRES_ACTEURS))
    vrais = np.bincount(g[en_poste & drapeau], minlength=len(GENRES_ACTEURS))
    part = np.divide(vrais, n_g, out=np.zeros(len(GENRES_ACTEURS)), where=n_g > 0)
    q = np.clip((cible - part) / np.maximum(1.0 - part, 1e-9), 0.0, 1.0)
    if (q > 1e-9).any():
        candidats = np.flatnonzero(en_poste & ~drapeau & (q[g] > 1e-9))
        drapeau[candidats] |= rng.random(candidats.size) < q[g[candidats]]
    return drapeau


def partir(m: ModeleNonRecours, k: np.ndarray, remplacer: bool = True) -> None:
    """Départ des aidants `k` : leur file repart sans aidant (épisodes à refaire), leurs ménages suivis perdent
    leur référent, les identifiants qu'ils détenaient sont perdus (identifiants orphelins, comptés comme incidents
    de confidentialité) ; poste vacant jusqu'à l'arrivée d'un remplaçant (`remplacer`) ou supprimé."""
    if k.size == 0:
        return
    A, M, c = m.aidants, m.menages, m.compteurs
    rng = m.aleas["aidants"]
    code = 1 + A.genre()[k]
    np.add.at(c.departs, code, 1)
    # Heures reportées du poste : perdues (inutilisées), pour que offertes = servies + inutilisées + reportées.
    np.add.at(c.reportees, (code, A.territoire()[k]), -A.reliquat[k])
    np.add.at(c.inutilisees, (code, A.territoire()[k]), A.reliquat[k])
    A.reliquat[k] = 0.0
    A.actif[k] = False
    A.tension[k] = 0.0
    A.t_retour[k] = (m.t + rng.geometric(1.0 / max(m.p["aidants.delai_remplacement"], 1.0), size=k.size)
                     if remplacer else JAMAIS)
    parti = np.zeros(A.n, bool)
    parti[k] = True
    m.file_aide.liberer(parti)
    ref = M.referent
    perdu = ref >= 0
    perdu[perdu] = parti[ref[perdu]]
    M.referent[perdu] = -1
    det = M.detenteur.reshape(-1)
    orphelins = np.flatnonzero(det >= 0)
    orphelins = orphelins[parti[det[orphelins]]]
    if orphelins.size:
        i, b = np.divmod(orphelins, M.n_prestations)
        np.add.at(c.orphelins, 1 + A.genre()[det[orphelins]], 1)
        M.detenteur[i, b] = -1
        m.journal.noter(i, b, "identifiants_orphelins", "l'aidant qui gardait les identifiants est parti")


def evoluer(m: ModeleNonRecours, hors_mandat: np.ndarray, inacheve: np.ndarray) -> None:
    """Fin de semaine des aidants : tension (heures hors mandat et travail inachevé de la semaine, par poste),
    départs, arrivées des remplaçants (non formés)."""
    A, p, t = m.aidants, m.p, m.t
    if A.n == 0:
        return
    rng = m.aleas["aidants"]
    h = np.maximum(A.heures, 1e-9)
    A.hors_mandat_mois += hors_mandat
    A.tension = np.where(A.actif, A.tension * (1.0 - p["aidants.recuperation"])
                         + p["aidants.coef_tension_hors_mandat"] * hors_mandat / h
                         + p["aidants.coef_tension_inacheve"] * np.minimum(inacheve / h,
                                                                            p["accompagnement.surcharge_max"]), 0.0)
    hasard = np.clip(p["aidants.p_depart_semaine"] + p["aidants.coef_depart_tension"]
                     * np.maximum(A.tension - p["aidants.seuil_depart_tension"], 0.0), 0.0, 1.0)
    u = rng.random(A.n)
    partir(m, np.flatnonzero(A.actif & (u < hasard)))
    arrive = np.flatnonzero(~A.actif & (A.t_retour != JAMAIS) & (A.t_retour <= t))
    if arrive.size:
        forme, disposition, mal_equipe = tirer_nouveaux(m, A.structure[arrive], rng, None)
        A.actif[arrive] = True
        A.t_retour[arrive] = JAMAIS
        A.forme[arrive], A.disposition[arrive], A.mal_equipe[arrive] = forme, disposition, mal_equipe
        A.tension[arrive] = 0.0
        A.habilite[arrive] = False  # un remplaçant n'est pas habilité Aidants Connect
        A.t_arrivee[arrive] = t
        np.add.at(m.compteurs.arrivees, 1 + A.genre()[arrive], 1)


def tirer_aidant(m: ModeleNonRecours, structures: np.ndarray, rng: np.random.Generator,
                 charge: np.ndarray | None = None) -> np.ndarray:
    """Un aidant en poste de chaque structure demandée (-1 : aucun en poste), tiré au prorata de ses heures libres :
    max(heures − `charge` (heures déjà attribuées dans sa file), `aidants.part_heures_tirage_minimale` × heures) ; la
    structure répartit les nouvelles demandes vers les aidants les moins chargés."""
    A = m.aidants
    if structures.size == 0:
        return np.zeros(0, np.int64)
    libres = A.heures if charge is None else np.maximum(A.heures - charge,
                                                          m.p["aidants.part_heures_tirage_minimale"] * A.heures)
    poids = np.where(A.actif, libres, 0.0)
    ordre = np.argsort(A.structure, kind="stable")
    cum = np.cumsum(poids[ordre])
    n_s = len(m.acteurs)
    tot = np.bincount(A.structure, weights=poids, minlength=n_s)
    debut = np.cumsum(tot) - tot
    cible = debut[structures] + rng.random(structures.size) * tot[structures]
    j = np.minimum(np.searchsorted(cum, cible, side="right"), max(ordre.size - 1, 0))
    k = ordre[j] if ordre.size else np.zeros(structures.size, np.int64)
    ok = (tot[structures] > 0) & (A.structure[k] == structures) & A.actif[k]
    return np.where(ok, k, -1)
