"""Façade Python du simulateur pour les outils pairs (EMA Workbench, SALib, Mesa) : `import nonrecours as nr`.

Tout passe par les mêmes déclarations (`parametres/defauts/`), le même chargeur de scénarios et le même
exécuteur que la CLI ; la façade ajoute seulement :

- des noms de paramètres utilisables comme arguments Python : l'**alias** d'une clé remplace chaque point par
  deux soulignés (`decision.cout_base` → `decision__cout_base`), correspondance exacte dans les deux sens
  (aucune clé déclarée ne contient « __ ») ;
- les scalaires et tableaux numpy acceptés partout (valeur entière donnée en réel pour un paramètre entier :
  arrondie à l'entier le plus proche et notée dans la provenance, pour les plans SALib continus) ;
- un avertissement `AvertissementEcrasement` quand une intervention datée du scénario remplace une valeur fixée
  par l'appel (`ecrasement="refuser"` en fait une erreur, `"ignorer"` le tait) ;
- un résumé **numérique** sur une fenêtre explicite (défaut : les 12 derniers mois simulés), avec les totaux tous
  genres d'aide et les variantes pour 10 000 ménages (voir `docs/api.md`).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from modele.calendrier import SEMAINES_PAR_MOIS_RELEVE
from modele.indicateurs import semaines_par_date, totaux_flux
from modele.parametres import Declaration, ErreurEntree, Parametres, charger_declarations
from modele.scenarios import Scenario, charger_scenario, scenarios_disponibles

SEPARATEUR_ALIAS = "__"
CHOIX_ECRASEMENT = ("avertir", "refuser", "ignorer")
DEBUT_DEFAUT, FIN_DEFAUT = "2014-01", "2027-12"
MOIS_FENETRE_DEFAUT = 12
MENAGES_REFERENCE = 10000  # les variantes « _pour_10000 » du résumé sont ramenées à 10 000 ménages


class AvertissementEcrasement(UserWarning):
    """Une valeur fixée par l'appel est remplacée, à une date, par une intervention datée du scénario."""


# --- Noms ------------------------------------------------------------------------------------------------

def alias(cle: str) -> str:
    """Alias identifiant Python d'une clé déclarée : chaque « . » devient « __ »."""
    return cle.replace(".", SEPARATEUR_ALIAS)


def cle(nom: str) -> str:
    """Clé déclarée d'un nom donné en clé pointée ou en alias ; sinon `ErreurEntree` avec des suggestions."""
    decl = charger_declarations()
    if nom in decl:
        return nom
    pointee = nom.replace(SEPARATEUR_ALIAS, ".")
    if pointee in decl:
        return pointee
    proches = difflib.get_close_matches(pointee, list(decl), n=3)
    attendu = "une clé déclarée dans parametres/defauts/ (ou son alias, « . » → « __ »)"
    if proches:
        attendu += " ; voulez-vous dire : " + ", ".join(proches) + " ?"
    raise ErreurEntree("Paramètre inconnu.", cle=nom, attendu=attendu)


def _python(valeur: Any) -> Any:
    """Scalaires et tableaux numpy → types Python (le reste inchangé)."""
    if isinstance(valeur, np.ndarray):
        return valeur.tolist()
    if isinstance(valeur, np.generic):
        return valeur.item()
    if isinstance(valeur, (list, tuple)):
        return [_python(v) for v in valeur]
    return valeur


def normaliser(parametres: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Noms (clé ou alias) → clés déclarées, valeurs numpy → Python, réels entiers → entiers.

    Rend (surcharges, arrondis) ; `arrondis` dit {clé: valeur reçue} pour chaque réel arrondi d'un paramètre
    entier. Une clé donnée deux fois (sous deux noms) est refusée.
    """
    decl = charger_declarations()
    sortie: dict[str, Any] = {}
    arrondis: dict[str, Any] = {}
    for nom, valeur in parametres.items():
        k = cle(nom)
        if k in sortie:
            raise ErreurEntree("Paramètre donné deux fois (clé et alias).", cle=nom, attendu=f"une seule fois {k}")
        v = _python(valeur)
        if decl[k].type == "entier" and isinstance(v, float) and np.isfinite(v) and not v.is_integer():
            arrondis[k] = v
            v = int(round(v))
        sortie[k] = v
    return sortie, arrondis


# --- Interventions qui écrasent une valeur -----------------------------------------------------------------

def _autre_scalaire(d: Declaration, v: Any) -> Any:
    if d.type in ("reel", "entier", "liste", "matrice"):
        candidats = [x for x in (d.min, d.max, 0.5, 1.0, 2.0) if x is not None
                     and (d.min is None or x >= d.min) and (d.max is None or x <= d.max)]
        if d.min is not None and d.max is not None:
            candidats.insert(0, (d.min + d.max) / 2)
        for x in candidats:
            x = int(round(x)) if d.type == "entier" else float(x)
            if x != v:
                return x
        return None
    if d.type == "booleen":
        return not v
    if d.type == "date":
        return v + dt.timedelta(days=1)
    if d.choix:
        return next((c for c in d.choix if c != v), None)
    return None


def _autre_valeur(d: Declaration, v: Any) -> Any:
    """Une autre valeur permise du paramètre (pour voir si une intervention dépend de la valeur en vigueur)."""
    if isinstance(v, list):
        lignes = [_autre_valeur(d, x) if isinstance(x, list) else _autre_scalaire(d, x) for x in v]
        return None if any(x is None for x in lignes) else lignes
    return _autre_scalaire(d, v)


def _nature(iv, p: Parametres, k: str) -> str | None:
    """« remplace », « remplace en partie », « modifie » ou None (l'intervention ne touche pas k).

    Une intervention remplace k si la valeur qu'elle donne ne dépend pas de la valeur en vigueur : on la calcule
    depuis deux valeurs de départ différentes.
    """
    m1 = iv.modifications(p)
    if k not in m1:
        return None
    autre = _autre_valeur(p.declarations[k], p[k])
    if autre is None:
        return "remplace"
    try:
        m2 = iv.modifications(p.avec({k: autre}, origine="essai"))
    except (ErreurEntree, TypeError, ValueError):
        return "remplace"
    a, b = np.asarray(m1[k], dtype=object).ravel(), np.asarray(m2[k], dtype=object).ravel()
    egaux = a == b
    if np.all(egaux):
        return "remplace"
    return "remplace en partie" if np.any(egaux) else "modifie"


def interventions_sur(scenario: Scenario, p: Parametres, k: str) -> list[tuple[str, Any]]:
    """Interventions du scénario qui touchent k : [(nature, intervention)], dans l'ordre du fichier."""
    sortie = []
    for iv in scenario.interventions:
        nature = _nature(iv, p, k)
        if nature is not None:
            sortie.append((nature, iv))
    return sortie


def _dernier_jour(mois: str) -> dt.date:
    a, m = int(mois[:4]), int(mois[5:7])
    return dt.date(a + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def _premier_jour(mois: str) -> dt.date:
    return dt.date(int(mois[:4]), int(mois[5:7]), 1)


# --- Paramètres ----------------------------------------------------------------------------------------------

def parametres(scenario: str = "reference", date: str = FIN_DEFAUT) -> pd.DataFrame:
    """Une ligne par paramètre déclaré, pour un scénario.

    Colonnes : `cle`, `alias`, `type`, `defaut` (déclaration + calibration + surcharges du scénario : la valeur de
    départ), `origine` (d'où vient `defaut`), `en_vigueur` (la valeur au mois `date`, interventions datées actives
    appliquées), `min`, `max`, `plausible_min`, `plausible_max` (si la déclaration a `plausible`), `unite`,
    `source`, `hypothese`, `calibrable`, `inerte`, `remplace_par` (interventions datées qui remplacent la valeur,
    avec leur date : une valeur fixée par l'appel ne tient que jusqu'à la première), `modifie_par` (interventions
    qui la multiplient ou la relèvent : une valeur fixée compte encore), `doc`.
    """
    sc = charger_scenario(scenario)
    base = sc.parametres_base()
    jour = _dernier_jour(date)
    actif = base
    for iv in sc.interventions:
        if iv.debut <= jour and (iv.fin is None or jour < iv.fin):
            actif = actif.avec(iv.modifications(actif), origine=iv.resume())
    lignes = []
    for k, d in base.declarations.items():
        touches = interventions_sur(sc, base, k)
        plage = d.plausible or (None, None)
        lignes.append({
            "cle": k, "alias": alias(k), "type": d.type, "defaut": copy.deepcopy(base[k]),
            "origine": base.origines.get(k, "déclaration"), "en_vigueur": copy.deepcopy(actif[k]),
            "min": d.min, "max": d.max, "plausible_min": plage[0], "plausible_max": plage[1], "unite": d.unite,
            "source": d.source, "hypothese": d.hypothese, "calibrable": d.calibrable, "inerte": d.inerte,
            "remplace_par": [f"{iv.resume()}" + ("" if n == "remplace" else " (en partie)")
                             for n, iv in touches if n.startswith("remplace")],
            "modifie_par": [iv.resume() for n, iv in touches if n == "modifie"],
            "doc": d.doc,
        })
    return pd.DataFrame(lignes)


def probleme_salib(cles: Iterable[str], plage: str = "plausible") -> dict[str, Any]:
    """Problème SALib (`num_vars`, `names`, `bounds`) pour des paramètres numériques scalaires.

    `names` sont les alias (arguments de `evaluer`) ; `plage="plausible"` prend la plage plausible déclarée et,
    à défaut, les bornes min/max (un `UserWarning` le dit, et `problème["plages"]` dit laquelle a servi) ;
    `plage="bornes"` prend toujours les bornes.
    """
    if plage not in ("plausible", "bornes"):
        raise ErreurEntree("Plage inconnue.", cle="plage", valeur=plage, attendu="\"plausible\" ou \"bornes\"")
    decl = charger_declarations()
    noms, bornes, plages, repli = [], [], {}, []
    for nom in cles:
        k = cle(nom)
        d = decl[k]
        if not d.scalaire_numerique:
            raise ErreurEntree("Paramètre non numérique : il ne peut pas être échantillonné.", cle=k,
                               attendu="un paramètre réel ou entier (voir nr.parametres())")
        if plage == "plausible" and d.plausible is not None:
            bornes.append([float(d.plausible[0]), float(d.plausible[1])])
            plages[alias(k)] = "plausible"
        else:
            bornes.append([float(d.min), float(d.max)])
            plages[alias(k)] = "bornes"
            if plage == "plausible":
                repli.append(k)
        noms.append(alias(k))
    if not noms:
        raise ErreurEntree("Aucun paramètre.", cle="cles", attendu="au moins une clé déclarée")
    if repli:
        warnings.warn("Pas de plage plausible déclarée pour " + ", ".join(repli) + " : bornes min/max utilisées.",
                      UserWarning, stacklevel=2)
    return {"num_vars": len(noms), "names": noms, "bounds": bornes, "plages": plages}


# --- Simulation -----------------------------------------------------------------------------------------------

@dataclass
class Resultat:
    """Résultat de `simuler` : séries longues, résumé numérique, provenance."""

    series: pd.DataFrame
    resume: dict[str, float]
    provenance: dict[str, Any]
    fenetre: tuple[str, str]
    avertissements: list[str] = field(default_factory=list)


def _mois(texte: Any, nom: str) -> str:
    if not isinstance(texte, str) or len(texte) != 7 or texte[4] != "-":
        raise ErreurEntree("Mois invalide.", cle=nom, valeur=texte, attendu="un mois \"AAAA-MM\"")
    try:
        _premier_jour(texte)
    except ValueError:
        raise ErreurEntree("Mois invalide.", cle=nom, valeur=texte, attendu="un mois \"AAAA-MM\"") from None
    return texte


def resumer(series: pd.DataFrame, fenetre: tuple[str, str], menages: int) -> dict[str, float]:
    """Résumé numérique des séries sur les mois `fenetre` (inclus), groupe `ensemble`.

    - `<taux ou montant>_<prestation>` : moyenne des relevés mensuels de la fenêtre (indicateurs `taux_non_*`,
      `montant_non_verse`) ; `<taux d'usage>` (prestation « toutes ») : moyenne ;
    - `heures_<poste>_<genre>` : heures sur la fenêtre, par genre d'aide, total sur exactement 52/12 semaines par mois
      de la fenêtre (52 pour 12 mois, `modele.indicateurs.totaux_flux`) ; `heures_<poste>_total` :
      somme sur tous les genres d'aide ; chaque heure et montant a aussi sa variante `…_pour_10000` (ramenée à
      10 000 ménages simulés) ;
    - `fenetre_debut_annee`, `fenetre_debut_mois`, `fenetre_fin_annee`, `fenetre_fin_mois`, `fenetre_mois` (nombre
      de relevés), `fenetre_semaines` (pas simulés dans la fenêtre : moins que ses lundis si le dernier mois est
      incomplet), `fenetre_semaines_totaux` (semaines sur lesquelles portent les totaux), `menages`.
    """
    debut, fin = fenetre
    dates = series["date"].astype(str)
    d = series[(dates >= debut) & (dates <= fin)]
    ind = d["indicateur"].astype(str)
    ensemble = d["groupe"].astype(str) == "ensemble"
    sortie: dict[str, float] = {}
    echelle = MENAGES_REFERENCE / float(menages)
    taux = d[ind.str.startswith(("taux_non", "montant_non")) & ensemble]
    for (i, pr), v in taux.groupby(["indicateur", "prestation"], observed=True)["valeur"]:
        sortie[f"{i}_{pr}"] = float(v.mean())
        if str(i).startswith("montant_"):
            sortie[f"{i}_{pr}_pour_10000"] = float(v.mean()) * echelle
    usage = d[(d["prestation"].astype(str) == "toutes") & ensemble & ~ind.eq("semaines_releve")]
    for i, v in usage.groupby("indicateur", observed=True)["valeur"]:
        sortie[str(i)] = float(v.mean())
    mois = sorted(dates[(dates >= debut) & (dates <= fin)].unique())
    # Flux : total sur 52/12 semaines par mois de la fenêtre (52 semaines pour 12 mois, même si la fenêtre compte
    # 53 lundis ou finit sur un mois incomplet) ; `fenetre_semaines` : pas réellement comptés.
    sur = SEMAINES_PAR_MOIS_RELEVE * len(mois)
    # Groupes `acteur=…` seulement : les lignes `acteur_territoire=…` (compte d'heures) en sont une partition.
    h_acteur = ind.str.startswith("heures_") & d["groupe"].astype(str).str.startswith("acteur=")
    heures = d[h_acteur | ind.eq("semaines_releve")]
    if h_acteur.any():
        # Sans capacité déclarée (entourage, service payant : heures offertes, inutilisées, reportées), 0 comme
        # avant la fusion : un résumé de nombres comparables (NaN ≠ NaN casserait l'égalité de deux résumés).
        tot = totaux_flux(heures, ["indicateur", "groupe"], sur=sur).fillna(0.0)
        for i in tot.index.get_level_values(0).unique():
            total = 0.0
            for g, v in tot[i].items():
                total += float(v)
                sortie[f"{i}_{str(g).split('=')[1]}"] = float(v)
                sortie[f"{i}_{str(g).split('=')[1]}_pour_10000"] = float(v) * echelle
            sortie[f"{i}_total"] = total
            sortie[f"{i}_total_pour_10000"] = total * echelle
    sortie.update({"fenetre_debut_annee": float(debut[:4]), "fenetre_debut_mois": float(debut[5:7]),
                   "fenetre_fin_annee": float(fin[:4]), "fenetre_fin_mois": float(fin[5:7]),
                   "fenetre_mois": float(len(mois)), "fenetre_semaines": float(semaines_par_date(d).sum()),
                   "fenetre_semaines_totaux": sur, "menages": float(menages)})
    return sortie


def _resoudre_menages(menages: Any, surcharges: dict[str, Any], p: Parametres) -> int:
    if menages is not None:
        menages = _python(menages)
        if "simulation.menages" in surcharges and surcharges["simulation.menages"] != menages:
            raise ErreurEntree("Deux tailles de population différentes.", cle="menages", valeur=menages,
                               attendu=f"la même valeur que simulation.menages ({surcharges['simulation.menages']})"
                                       ", ou seulement l'une des deux")
        return p.declarations["simulation.menages"].valider(menages, fichier="appel", cle="menages")
    return int(p["simulation.menages"])


def simuler(scenario: str = "reference", *, graine: int = 0, menages: int | None = None, debut: str = DEBUT_DEFAUT,
            fin: str = FIN_DEFAUT, fenetre: tuple[str, str] | None = None, ecrasement: str = "avertir",
            surcharges: Mapping[str, Any] | None = None, **parametres_appel: Any) -> Resultat:
    """Simule un scénario et rend un `Resultat` (`.series`, `.resume`, `.provenance`).

    Paramètres du modèle : en arguments nommés par leur alias (`decision__cout_base=1.2`) ou dans `surcharges`
    (clés pointées ou alias). `menages` : taille de la population (défaut : `simulation.menages` du scénario et de
    l'appel). `fenetre=("AAAA-MM", "AAAA-MM")` : mois résumés (défaut : les 12 derniers mois simulés).
    `ecrasement` : que faire quand une intervention datée remplace une valeur fixée ici (« avertir »,
    « refuser », « ignorer »).
    """
    from experiences.execution import SpecRun, executer_run, sorties

    if ecrasement not in CHOIX_ECRASEMENT:
        raise ErreurEntree("Choix invalide.", cle="ecrasement", valeur=ecrasement,
                           attendu="une valeur parmi " + ", ".join(CHOIX_ECRASEMENT))
    debut, fin = _mois(debut, "debut"), _mois(fin, "fin")
    graine = _python(graine)
    if isinstance(graine, bool) or not isinstance(graine, int) or graine < 0:
        raise ErreurEntree("Graine invalide.", cle="graine", valeur=graine, attendu="un entier >= 0")
    valeurs, arrondis = normaliser({**(surcharges or {}), **parametres_appel})
    sc = charger_scenario(scenario)
    p = sc.parametres_base(valeurs)
    n = _resoudre_menages(menages, valeurs, p)
    if fenetre is not None:
        if not isinstance(fenetre, (tuple, list)) or len(fenetre) != 2:
            raise ErreurEntree("Fenêtre invalide.", cle="fenetre", valeur=fenetre,
                               attendu="(\"AAAA-MM\", \"AAAA-MM\") : premier et dernier mois résumés")
        fenetre = (_mois(fenetre[0], "fenetre"), _mois(fenetre[1], "fenetre"))
        if not debut <= fenetre[0] <= fenetre[1] <= fin:
            raise ErreurEntree("Fenêtre hors de la période simulée.", cle="fenetre", valeur=list(fenetre),
                               attendu=f"deux mois entre {debut} et {fin}, dans l'ordre")
    avertissements = ecrasements(sc, p, valeurs, debut, fin)
    if avertissements and ecrasement == "refuser":
        raise ErreurEntree("Une intervention datée remplace une valeur fixée.", cle=", ".join(
            a["cle"] for a in avertissements), attendu="une valeur qui tient toute la période ; "
            + " ; ".join(a["message"] for a in avertissements))
    if ecrasement == "avertir":
        for a in avertissements:
            warnings.warn(a["message"], AvertissementEcrasement, stacklevel=2)
    res = executer_run(SpecRun(scenario=scenario, graine=graine, menages=n, debut=debut, fin=fin,
                               surcharges=valeurs))
    series = res.series
    if fenetre is None:
        mois = sorted(series["date"].astype(str).unique())
        fenetre = (mois[-min(MOIS_FENETRE_DEFAUT, len(mois))], mois[-1])
    resume = resumer(series, fenetre, n)
    provenance = sorties.provenance(
        commande=["nonrecours.simuler"], scenario={"nom": sc.nom, "fichier": str(sc.fichier),
                                                   "interventions": res.interventions},
        graine=graine, menages=n, debut=debut, fin=fin, fenetre=list(fenetre), surcharges=valeurs,
        arrondis=arrondis, ecrasements=[{k: v for k, v in a.items() if k != "message"} for a in avertissements],
        parametres=res.parametres, origines_parametres=p.origines, duree_s=res.duree_s)
    return Resultat(series=series, resume=resume, provenance=provenance, fenetre=tuple(fenetre),
                    avertissements=[a["message"] for a in avertissements])


def ecrasements(sc: Scenario, p: Parametres, valeurs: dict[str, Any], debut: str, fin: str) -> list[dict]:
    """Valeurs fixées par l'appel qu'une intervention datée active dans la période remplace : une liste de
    {cle, valeur, date, intervention, message} (vide si aucune ; la CLI `simuler` s'en sert aussi)."""
    sortie = []
    jour_debut, jour_fin = _premier_jour(debut), _dernier_jour(fin)
    for k, v in valeurs.items():
        for nature, iv in interventions_sur(sc, p, k):
            if not nature.startswith("remplace") or iv.debut > jour_fin or (iv.fin is not None
                                                                           and iv.fin <= jour_debut):
                continue
            partie = "" if nature == "remplace" else " en partie"
            message = (f"{k} = {v!r} (fixé par l'appel) est remplacé{partie} à partir du {iv.debut.isoformat()} par "
                       f"une intervention datée du scénario « {sc.nom} » ({iv.resume()}) : cette valeur n'agit "
                       f"qu'avant cette date. Voir nr.parametres({sc.nom!r}) colonne remplace_par ; pour qu'elle "
                       f"tienne toute la période, simulez un scénario dérivé sans cette intervention.")
            sortie.append({"cle": k, "valeur": v, "date": iv.debut.isoformat(), "intervention": iv.resume(),
                           "message": message})
    return sortie


def evaluer(scenario: str = "reference", *, graine: int = 0, menages: int | None = None, debut: str = DEBUT_DEFAUT,
            fin: str = FIN_DEFAUT, fenetre: tuple[str, str] | None = None, ecrasement: str = "avertir",
            **parametres_appel: Any) -> dict[str, float]:
    """Le résumé numérique d'une simulation (`simuler(...).resume`) : la fonction à donner à
    `ema_workbench.Model(function=nr.evaluer)` ou à appeler sur chaque ligne d'un plan SALib."""
    return simuler(scenario, graine=graine, menages=menages, debut=debut, fin=fin, fenetre=fenetre,
                   ecrasement=ecrasement, **parametres_appel).resume


def scenarios() -> list[str]:
    """Noms des scénarios livrés (`parametres/scenarios/`)."""
    return scenarios_disponibles()
