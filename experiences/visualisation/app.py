"""Page pédagogique (Solara) : le vrai modèle, des leviers en français, la carte des ménages, « Les aidants »,
« Suivre un ménage ».

Lancer : `nonrecours visualiser [--scenario S]` (voir `serveur.py` : `solara run` sur ce fichier, tout en local).

Règle en une ligne : la page ne calcule rien elle-même ; elle crée `ModeleNonRecours` avec les leviers
(`leviers.py`, dérivés des déclarations des paramètres), l'avance semaine par semaine et dessine ce qu'il relève.

Le contrôleur (boutons Lancer / Pause / +1 semaine / +1 an / Recommencer, vitesse) remplace celui de Mesa
(`SolaraViz`, dont les libellés sont en anglais) ; il en reprend la mécanique : une tâche Solara en fil
d'exécution qui appelle `step()` puis `mesa.visualization.utils.force_update()`. Les graphiques mensuels ne
sont redessinés qu'à chaque nouveau mois relevé ; la carte des ménages à chaque image.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import markdown
import numpy as np
import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from experiences.recit import choisir_menage, decouper_reference, recit, reference_lisible
from experiences.visualisation import leviers as L
from experiences.visualisation.figures import (
    GENRES_AIDANTS,
    LEGENDE_SITUATIONS,
    NOMS_AIDE,
    Historique,
    figure_aidants,
    figure_aide,
    figure_causes,
    figure_guichets,
    figure_menages,
    png,
)
from modele import scenarios
from modele.parametres import ErreurEntree

TITRE = "Non-recours aux droits : la page de la classe"
STYLE = """
.v-application { font-size: 18px; } .nr-texte { font-size: 1.05rem; line-height: 1.45; }
.nr-levier .v-label, .nr-levier .v-input { font-size: 1rem; }
.nr-vue-menages img, .nr-graphique img, .nr-aidants img { max-width: 100%; height: auto; }
.nr-texte blockquote { border-left: 3px solid #bbb; margin: 2px 0 10px 14px; padding-left: 8px; color: #333; }
.nr-texte p { margin-bottom: 6px; } .nr-texte strong { font-weight: 700; } .nr-texte h3 { margin: 6px 0; }
.nr-texte table { border-collapse: collapse; } .nr-texte td, .nr-texte th { border: 1px solid #ccc; padding: 2px 6px; }
"""
DOSSIER_FICHES = Path(__file__).resolve().parents[2] / "docs" / "enseignement"
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


def date_fr(d: dt.date) -> str:
    """« 3 mars 2016 »."""
    return f"{d.day} {MOIS[d.month - 1]} {d.year}"


def scenario_initial() -> str:
    """Scénario de départ : `NONRECOURS_SCENARIO` (posé par `nonrecours visualiser --scenario`), sinon la référence."""
    return os.environ.get("NONRECOURS_SCENARIO") or "reference"


def nouveau_modele(reglages: dict):
    """Modèle de la page, avec son historique de relevés et les marques des leviers datés."""
    m = L.creer_modele(reglages)
    m.historique = Historique()
    m.marques = []
    m.mesures = {"pas": 0.0}
    if float(reglages.get(L.FERMETURE_PART, 0)) > 0:
        org = L.NOMS_ORGANISMES[reglages[L.FERMETURE_ORGANISME]]
        m.marques.append((f"{int(reglages[L.FERMETURE_ANNEE])}-01-01",
                          f"{round(100 * float(reglages[L.FERMETURE_PART]))} % {org} fermés"))
    return m


def date_courante(m) -> dt.date:
    """Lundi de la semaine en cours (dernière semaine simulée)."""
    return m.calendrier.date(max(m.t - 1, 0))


def resume(m) -> str:
    """Une ligne lisible : date, nombre de ménages, part des droits non perçus."""
    m.historique.lire(m)
    causes = m.historique.causes()
    taux = "" if causes.empty else f" — non-recours {100 * causes['taux_non_recours'].iloc[-1]:.1f} %".replace(".", ",")
    return f"Semaine du {date_fr(date_courante(m))} (semaine {m.t}) — {m.menages.n} ménages{taux}"


def avancer(m, semaines: int) -> None:
    """Avance de `semaines` pas (s'arrête à la fin de la période) ; mesure la durée moyenne d'un pas."""
    for _ in range(semaines):
        if not m.running:
            break
        debut = time.perf_counter()
        m.step()
        m.mesures["pas"] = 0.8 * m.mesures.get("pas", 0.0) + 0.2 * (time.perf_counter() - debut)


def texte_mesures(m) -> str:
    """Durées mesurées : un pas du modèle, le dessin de la carte, celui des graphiques (une fois par mois)."""
    mes = m.mesures
    graphiques = sum(mes.get(k, 0.0) for k in GRAPHIQUES)
    return (f"Calcul : {1000 * mes.get('pas', 0):.0f} ms par semaine · dessin : carte {1000 * mes.get('carte', 0):.0f}"
            f" ms, graphiques {1000 * graphiques:.0f} ms (une fois par mois)")


def html_de(texte_markdown: str) -> str:
    """Markdown → HTML, sans formules : `solara.Markdown` chargerait KaTeX depuis un CDN (page hors ligne)."""
    return markdown.markdown(texte_markdown, extensions=["tables", "fenced_code"])


@solara.component
def TexteMarkdown(texte: str):
    """Texte mis en forme (Markdown rendu côté serveur en HTML)."""
    solara.HTML(tag="div", unsafe_innerHTML=html_de(texte), classes=["nr-texte"])


# --- Composants -------------------------------------------------------------------------------------------------


@solara.component
def ChampLevier(lv: L.Levier, reglages: solara.Reactive[dict]):
    """Un curseur, une case ou une liste pour un levier ; l'aide (doc de la déclaration) au survol."""
    valeur = reglages.value.get(lv.cle, lv.valeur)

    def poser(v):
        try:  # le navigateur ne donne que des valeurs permises par le curseur (bornes déclarées, choix)
            v = L.valeur_levier(lv, v)
        except ErreurEntree:
            return
        reglages.value = {**reglages.value, lv.cle: v}

    if lv.genre == "booleen":
        champ = solara.Checkbox(label=lv.libelle, value=bool(valeur), on_value=poser)
    elif lv.genre == "choix":
        noms = L.NOMS_PRESTATIONS if lv.cle.startswith("prestations.") else L.NOMS_ORGANISMES
        champ = solara.v.Select(label=lv.libelle, v_model=valeur, on_v_model=poser, dense=True,
                                items=[{"text": noms.get(c, c), "value": c} for c in lv.choix])
    elif lv.genre == "entier":
        champ = solara.SliderInt(f"{lv.libelle} : {int(valeur)}", value=int(valeur), on_value=poser,
                                 min=int(lv.min), max=int(lv.max), step=int(lv.pas))
    else:
        texte = f"{float(valeur):.2f}".rstrip("0").rstrip(".").replace(".", ",")
        champ = solara.SliderFloat(f"{lv.libelle} : {texte}", value=float(valeur), on_value=poser, min=lv.min,
                                   max=lv.max, step=lv.pas)
    solara.Tooltip(lv.aide, children=[solara.Div(children=[champ], classes=["nr-levier"])])


@solara.component
def Leviers(reglages: solara.Reactive[dict], on_recommencer, on_appliquer):
    """Les leviers groupés, le choix du scénario et les deux façons de les appliquer."""
    noms = L.scenarios_permis()
    scenario = reglages.value.get("scenario", "reference")

    def changer_scenario(nom):
        if nom not in noms:  # jamais un chemin venu du navigateur
            return
        reglages.value = {**L.reglages_par_defaut(nom), "simulation.menages": reglages.value["simulation.menages"],
                          "graine": reglages.value.get("graine", 1)}

    solara.v.Select(label="Scénario de départ", v_model=scenario, on_v_model=changer_scenario, dense=True,
                    items=[{"text": n, "value": n} for n in noms])
    groupe = None
    for lv in L.tous_les_leviers():
        if lv.groupe != groupe:
            groupe = lv.groupe
            solara.Text(groupe, style={"font-weight": "bold", "margin-top": "8px"})
        ChampLevier(lv, reglages)
    solara.SliderInt("Graine aléatoire", value=int(reglages.value.get("graine", 1)), min=0, max=99,
                     on_value=lambda g: reglages.set({**reglages.value, "graine": g}))
    with solara.Row():
        solara.Button("Appliquer maintenant", color="primary", outlined=True, on_click=on_appliquer,
                      classes=["nr-appliquer"])
        solara.Button("Recommencer avec ces réglages", color="primary", on_click=on_recommencer,
                      classes=["nr-recommencer"])
    solara.Text("« Appliquer maintenant » change les leviers à partir de la semaine en cours ; le nombre de "
                "ménages, la graine et le scénario ne changent qu'en recommençant.",
                style={"font-size": "0.8em", "color": "#555"})


@solara.component
def VueMenages(m, suivi):
    """La carte des quatre territoires, un carré par ménage coloré selon sa situation (redessinée à chaque image)."""
    update_counter.get()

    def dessiner():
        titre = f"Semaine du {date_fr(date_courante(m))}"
        image, duree = png(figure_menages(m.situations(), m.menages.territoire, titre, suivi))
        m.mesures["carte"] = duree
        return image

    image = solara.use_memo(dessiner, [id(m), m.t, suivi])
    with solara.Column(classes=["nr-vue-menages"]):
        solara.Image(image)


GRAPHIQUES = {
    "causes": lambda m: figure_causes(m.historique, L.DEBUT, L.FIN, m.marques),
    "aide": lambda m: figure_aide(m.historique, m.menages.n, L.DEBUT, L.FIN, m.marques),
    "guichets": lambda m: figure_guichets(m.historique, L.DEBUT, L.FIN, m.marques, m.menages.n),
    "aidants": lambda m: figure_aidants(m, m.historique, m.menages.n),
}

#: Ce que montre l'onglet « Les aidants » : une phrase par idée (règles de modele/aidants.py et
#: modele/accompagnement.py, décrites dans docs/ODD.md, modèle ODD+D de l'aidant).
EXPLICATION_AIDANTS = (
    "Chaque carré est **un aidant** (un poste) : travailleur social, conseiller France Services, conseiller "
    "numérique, salarié ou bénévole d'association ; sa couleur dit sa **tension** (clair : reposé, rouge foncé : "
    "saturé).\n\n"
    """- La tension **monte avec les heures hors mandat** (faire les démarches en ligne sans que ce soit son travail
  reconnu) et avec le **travail qui s'accumule** dans sa file ; elle redescend un peu chaque semaine.
- Plus un aidant est tendu, plus il **refuse** ; au-delà du trait noir (seuil de départ), il risque de **partir**.
- Un poste **vacant** (gris) attend un remplaçant quelques mois ; le **remplaçant n'est pas formé** (pas de point
  bleu) et sa disposition envers le numérique est tirée à nouveau.
- Quand un aidant part, **les identifiants qu'il gardait sont perdus** (« identifiants orphelins ») et les
  dossiers en cours sont à reprendre : ces ménages recommencent seuls ou ailleurs.
- Un aidant **habilité Aidants Connect** (losange) fait à la place sans garder les identifiants.
- À droite, **comment le temps d'aide du dernier mois se répartit** : faire à la place, faire avec (le ménage
  apprend), faire à côté (laisser faire), orienter ailleurs, refuser.
""")


def texte_compteurs_aidants(m) -> str:
    """Depuis janvier 2014 : départs, arrivées de remplaçants, identifiants orphelins, refus, par genre d'aidant
    (flux relevés chaque mois, `Historique.cumul`)."""
    h = m.historique
    h.lire(m)
    cumuls = {k: h.cumul(k) for k in ("n_departs_aidants", "n_arrivees_aidants", "n_identifiants_orphelins",
                                      "n_refus_aidant")}
    if cumuls["n_departs_aidants"].empty:
        return "*Les compteurs des aidants paraissent à la fin du premier mois simulé.*"
    lignes = ["| depuis 2014 | départs | remplaçants | identifiants perdus | refus |",
              "| --- | --- | --- | --- | --- |"]
    for g in GENRES_AIDANTS:
        v = [int(round(float(c.get(g, 0.0)))) for c in cumuls.values()]
        lignes.append(f"| {NOMS_AIDE[g]} | " + " | ".join(str(x) for x in v) + " |")
    return "\n".join(lignes)


@solara.component
def LesAidants(m):
    """Onglet « Les aidants » : la grille des aidants (redessinée à chaque mois relevé), le texte, les compteurs."""
    update_counter.get()
    with solara.Column(classes=["nr-aidants"]):
        Graphique(m, "aidants")
    with solara.Columns([1, 1]):
        with solara.Column(classes=["nr-aidants-texte"]):
            TexteMarkdown(EXPLICATION_AIDANTS)
        with solara.Column(classes=["nr-aidants-compteurs"]):
            TexteMarkdown(texte_compteurs_aidants(m))


@solara.component
def Graphique(m, nom: str):
    """Un graphique mensuel, redessiné seulement quand un nouveau mois est relevé (ou un levier daté ajouté)."""
    update_counter.get()
    n_mois = m.historique.lire(m)

    def dessiner():
        image, duree = png(GRAPHIQUES[nom](m))
        m.mesures[nom] = duree
        return image

    image = solara.use_memo(dessiner, [id(m), n_mois, len(m.marques)])
    with solara.Column(classes=[f"nr-graphique-{nom}"]):
        solara.Image(image)


@solara.component
def SuivreUnMenage(m, suivi: solara.Reactive[int | None]):
    """Choisir un ménage (numéro ou tirage) et lire sa vie racontée, mise à jour pendant la simulation."""
    update_counter.get()
    message = solara.use_reactive("")
    tirages = solara.use_memo(lambda: np.random.default_rng(m.graine), [id(m)])

    def tirer(parmi):
        i = choisir_menage(m, parmi, tirages)
        if i is None:
            message.value = ("Personne pour l'instant : lancez la simulation quelques mois, puis réessayez.")
        else:
            message.value = ""
            suivi.value = i

    with solara.Row(classes=["nr-choix-menage"], style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.InputInt("Numéro du ménage", value=suivi.value if suivi.value is not None else 0,
                        on_value=lambda v: suivi.set(min(max(int(v), 0), m.menages.n - 1)),
                        classes=["nr-numero-menage"], style={"max-width": "160px"})
        solara.Button("Au hasard : un ménage qui renonce", color="primary", on_click=lambda: tirer("renoncent"),
                      classes=["nr-hasard-renoncent"])
        solara.Button("… qui perd un droit", outlined=True, on_click=lambda: tirer("ruptures"))
        solara.Button("… aidé par un professionnel", outlined=True, on_click=lambda: tirer("aides"))
    if message.value:
        solara.Info(message.value)
    if suivi.value is None:
        TexteMarkdown("Choisissez un ménage : son histoire s'écrit au fil de la simulation. Il est entouré "
                        "de noir sur la carte des ménages.")
        return
    with solara.Column(classes=["nr-recit"]):
        TexteMarkdown(recit_markdown(m, suivi.value))


def recit_markdown(m, i: int) -> str:
    """Le récit d'un ménage en Markdown : portrait, situation du jour, événements datés, citations et références."""
    r = recit(m, int(m.menages.identifiant[i]))  # i : case affichée ; le récit suit l'identifiant qui l'occupe
    situation = LEGENDE_SITUATIONS[int(m.situations()[i])][0]
    lignes = [f"### Ménage n° {r.menage}", f"**Qui ?** {r.portrait[0].upper()}{r.portrait[1:]}", "",
              f"**Aujourd'hui ({date_fr(date_courante(m))}) :** {situation[0].lower()}{situation[1:]}.", ""]
    if not r.lignes:
        lignes.append("*Rien de notable pour l'instant depuis janvier 2014.*")
    references = {}
    for date, texte, citation in r.lignes:
        lignes.append(f"**{date_fr(dt.date.fromisoformat(date))}** — {texte}")
        lignes.append("")
        if citation is not None:
            cle, repere = decouper_reference(citation[1])
            references[cle] = reference_lisible(f"[{cle}]")
            lignes.append(f"> *{citation[0]}* — {references[cle].split(',')[0]} (enquête de 2019), {repere}")
            lignes.append("")
    if references:
        lignes.append("---")
        lignes.append("*Citations tirées de : " + " ; ".join(references.values()) + " (référence complète et table "
                      "des sections : docs/sources.md). Elles illustrent la situation ; le ménage est simulé.*")
    if r.note:
        lignes += ["", f"*{r.note}*"]
    return "\n".join(lignes)


@solara.component
def Fiche(m):
    """La question du scénario et, s'il y en a une, la fiche pédagogique du même nom (docs/enseignement/)."""
    sc = scenarios.charger_scenario(m.reglages.get("scenario", "reference"))
    fiche = DOSSIER_FICHES / f"{sc.nom}.md"
    texte = [f"## Scénario « {sc.nom} »", f"**Question.** {sc.question}", "", sc.description, ""]
    if fiche.is_file():
        texte.append(fiche.read_text(encoding="utf-8"))
    else:
        fiches = sorted(p.stem for p in DOSSIER_FICHES.glob("*.md") if p.stem != "README")
        texte.append("Fiches de la classe : " + ", ".join(f"`nonrecours visualiser --scenario {f}`" for f in fiches))
    with solara.Column(classes=["nr-fiche"]):
        TexteMarkdown("\n".join(texte))


@solara.component
def Page():
    """Page servie par `solara run` : un modèle par session de navigateur."""
    reglages = solara.use_reactive(solara.use_memo(lambda: L.reglages_par_defaut(scenario_initial()), []))
    modele = solara.use_reactive(solara.use_memo(lambda: nouveau_modele(reglages.value), []))
    joue = solara.use_reactive(False)
    semaines_par_image = solara.use_reactive(4)
    pause_ms = solara.use_reactive(100)
    suivi = solara.use_reactive(None)
    onglet = solara.use_reactive(0)
    erreur = solara.use_reactive("")
    m = modele.value

    def boucle():
        while joue.value and modele.value.running:
            time.sleep(pause_ms.value / 1000)
            avancer(modele.value, semaines_par_image.value)
            force_update()
        joue.value = False

    solara.lab.use_task(boucle, dependencies=[joue.value], prefer_threaded=True)

    def pas(n):
        avancer(modele.value, n)
        force_update()

    def recommencer():
        joue.value = False
        try:
            modele.value = nouveau_modele(reglages.value)
            erreur.value = ""
        except Exception as exc:  # message lisible dans la page plutôt qu'une trace
            erreur.value = f"Réglages refusés : {exc}"
        suivi.value = None
        force_update()

    def appliquer():
        try:
            L.appliquer(modele.value, reglages.value)
            erreur.value = ""
        except Exception as exc:
            erreur.value = f"Réglages refusés : {exc}"
            return
        modele.value.marques.append((date_courante(modele.value).isoformat(), "leviers changés"))
        force_update()

    solara.Title("Non-recours — page de la classe")
    solara.Style(STYLE)
    with solara.AppBar():
        solara.AppBarTitle(TITRE)
    with solara.Sidebar():
        with solara.Card("Commandes", margin=0):
            with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
                solara.Button("❚❚ Pause" if joue.value else "▶ Lancer", color="primary",
                              on_click=lambda: joue.set(not joue.value), disabled=not m.running,
                              classes=["nr-lancer"])
                solara.Button("+1 semaine", on_click=lambda: pas(1), disabled=joue.value or not m.running,
                              classes=["nr-semaine"])
                solara.Button("+1 an", on_click=lambda: pas(52), disabled=joue.value or not m.running,
                              classes=["nr-an"])
                solara.Button("↺ Recommencer", on_click=recommencer, classes=["nr-reinitialiser"])
            solara.SliderInt(f"Semaines par image : {semaines_par_image.value}", value=semaines_par_image, min=1,
                             max=13)
            solara.SliderInt(f"Pause entre deux images : {pause_ms.value} ms", value=pause_ms, min=0, max=1000,
                             step=50)
            ResumeTexte(m)
            if erreur.value:
                solara.Error(erreur.value)
        with solara.Card("Leviers", margin=0):
            Leviers(reglages, recommencer, appliquer)
    with solara.lab.Tabs(value=onglet, lazy=True):
        with solara.lab.Tab("La simulation"):
            with solara.Columns([1, 1]):
                VueMenages(m, suivi.value)
                Graphique(m, "causes")
            with solara.Columns([1, 1]):
                Graphique(m, "aide")
                Graphique(m, "guichets")
        with solara.lab.Tab("Les aidants"):
            LesAidants(m)
        with solara.lab.Tab("Suivre un ménage"):
            SuivreUnMenage(m, suivi)
        with solara.lab.Tab("Fiche et choses à essayer"):
            Fiche(m)


@solara.component
def ResumeTexte(m):
    """Résumé en une ligne de l'état courant (lisible aussi sans les figures)."""
    update_counter.get()
    solara.Text(resume(m), classes=["nr-resume"])
    solara.Text(texte_mesures(m), classes=["nr-mesures"], style={"font-size": "0.75em", "color": "#777"})
    if not m.running:
        solara.Text("Fin de la période simulée (décembre 2027).")
