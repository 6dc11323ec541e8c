"""« Suivre un ménage » : la vie d'un ménage racontée en français, à partir du journal du modèle.

Chaque événement noté par les sous-modèles (entrée dans l'éligibilité, information, décision, tentatives,
aides, files, guichets, instruction, ruptures) devient une phrase datée. Quand un document de recherche décrit
la même situation, une courte citation l'accompagne, avec sa référence : la clé de l'entrée de `docs/sources.md` et
la section du document (`[okbani2020] §II.1.b, encadré 1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from modele.etat import (
    CANAUX,
    DIPLOMES,
    EQUIPEMENTS,
    TERRITOIRES,
    TYPES_MENAGE,
)
from modele.prestations import GENRES_ACTEURS, ORGANISMES

NOMS_PRESTATIONS = {
    "rsa": "le RSA", "prime_activite": "la prime d'activité", "css_gratuite": "la CSS sans participation",
    "css_participation": "la CSS avec participation", "aspa": "l'ASPA", "aides_logement": "l'aide au logement",
}
NOMS_ACTEURS = {
    "travailleur_social": "une travailleuse sociale", "france_services": "France Services",
    "conseiller_numerique": "un conseiller numérique", "association": "une association",
    "prestataire_prive": "un service payant",
}
NOMS_CANAUX = {"en_ligne": "seul en ligne", "famille": "avec un proche", "guichet": "au guichet",
               "acteur": "auprès d'un acteur d'accompagnement", "payant": "par un service payant",
               "reessayer": "réessayer seul plus tard", "renoncer": "renoncer"}
REPLIS = {"en_ligne": "réessayer seul en ligne", "famille": "demander à un proche", "guichet": "aller au guichet",
          "acteur": "chercher l'aide d'un acteur d'accompagnement", "payant": "payer un service privé",
          "reessayer": "réessayer seul plus tard", "renoncer": "renoncer"}
NOMS_ETAPES = ("la création du compte", "l'adresse électronique", "le formulaire", "l'envoi des pièces",
               "le suivi du dossier")
NOMS_TERRITOIRES = {"urbain": "en ville", "qpv": "dans un quartier prioritaire", "periurbain": "en périurbain",
                    "rural": "à la campagne"}
NOMS_TYPES = {"seul": "vit seul", "couple_sans_enfant": "vit en couple sans enfant",
              "couple_avec_enfants": "vit en couple avec enfants", "monoparental": "élève seul ses enfants"}
NOMS_DIPLOMES = {"aucun_cep": "sans diplôme ou avec le certificat d'études", "cap_bep_brevet": "CAP, BEP ou brevet",
                 "bac": "bachelier", "superieur": "diplômé du supérieur"}
NOMS_EQUIPEMENTS = {"aucun": "n'a ni ordinateur ni smartphone connecté", "smartphone_seul": "n'a qu'un smartphone",
                    "ordinateur": "a un ordinateur et internet"}

# Citations des documents de recherche (verbatim ; docs/sources.md, entrée [okbani2020]), par situation.
_CAF = "[okbani2020] §II.1.b, encadré 1"  # accueil de la CAF, un jour de versement
_MSAP = "[okbani2020] §II.3.c, encadré 3"  # MSAP du Panier
CITATIONS = {
    "echec_en_ligne": ("« j'ai internet mais je ne comprends rien à ce qui se passe avec mon RSA »", _CAF),
    "renonce": ("« tous ceux qui lâchent la rampe par définition on ne va pas les voir. »", _MSAP),
    "ne_demande_pas": ("« Il avait honte, et il ne l'a pas dit. »", "[okbani2020] §II.2.b"),
    "guichet_refus": ("« Avant la dématérialisation c'était un moyen en plus, aujourd'hui c'est le seul moyen. »",
                      _MSAP),
    "aide_place": ("« pour aller plus vite on fait à la place mais on les a mal habitués »", _CAF),
    "aide_avec": ("« j'ai appris à maîtriser l'envie de prendre le clavier »", "[okbani2020] §III.3.c"),
    "abandon_file": ("« on sait qu'on est saturé et qu'en plus on manque de bras »", _MSAP),
    "oriente": ("« je le fais pour eux ou je le revoie [sic] vers une autre structure »", "[okbani2020] §III.3.b"),
    "pieces": ("« A mon âge on me fait courir à droite à gauche ! Apporte ci, apporte ça ! J'ai rien compris ! »",
               _CAF),
    "identifiants": ("« ça dépend s'ils ont leur mot de passe »", "[okbani2020] §III.3.b"),
    "rupture": ("« Vous voyez que c'est en cascade. »", "[okbani2020] §II.2.b"),
}


#: Documents de recherche cités (clé de `docs/sources.md` → référence lisible).
DOCUMENTS = {
    "okbani2020": "N. Okbani, rapport de recherche-action « MDS connectées » et médiation sociale numérique, "
                  "IRTS PACA & Corse, Bouches-du-Rhône, enquête de 2019",
}


def decouper_reference(ref: str) -> tuple[str, str]:
    """« [okbani2020] §II.1.b, encadré 1 » → (« okbani2020 », « §II.1.b, encadré 1 ») ; sans clé : (« », ref)."""
    m = re.fullmatch(r"\[([^\]]+)\]\s*(.*)", ref.strip())
    return (m.group(1), m.group(2)) if m else ("", ref.strip())


def reference_lisible(ref: str) -> str:
    """« [okbani2020] §II.1.b, encadré 1 » → « N. Okbani, rapport …, enquête de 2019, §II.1.b, encadré 1 [okbani2020] ».

    Une clé sans document connu ici est rendue telle quelle.
    """
    cle, repere = decouper_reference(ref)
    if cle not in DOCUMENTS:
        return ref
    return f"{DOCUMENTS[cle]}{', ' + repere if repere else ''} [{cle}]"


@dataclass
class Recit:
    """Le portrait d'un ménage et ses événements racontés (date, texte, citation ou None)."""

    menage: int
    portrait: str
    lignes: list[tuple[str, str, tuple[str, str] | None]] = field(default_factory=list)

    def texte(self) -> str:
        """Le récit en texte brut."""
        out = [f"Ménage n° {self.menage} : {self.portrait}", ""]
        for date, texte, cit in self.lignes:
            out.append(f"{date}  {texte}")
            if cit is not None:
                out.append(f"          {cit[0]} ({cit[1]})")
        return "\n".join(out)


def portrait(m, i: int) -> str:
    """Une phrase qui présente le ménage."""
    M = m.menages
    qui = (f"{int(M.age[i])} ans, {NOMS_TYPES[TYPES_MENAGE[M.type_menage[i]]]} "
           f"{NOMS_TERRITOIRES[TERRITOIRES[M.territoire[i]]]}, {NOMS_DIPLOMES[DIPLOMES[M.diplome[i]]]}, "
           f"revenus du {int(M.quintile[i]) + 1}{'er' if M.quintile[i] == 0 else 'e'} cinquième ; "
           f"{NOMS_EQUIPEMENTS[EQUIPEMENTS[M.equipement[i]]]}")
    num = float(M.numerique[i])
    qui += (", à l'aise avec le numérique" if num >= 0.65 else ", peu à l'aise avec le numérique" if num >= 0.35
            else ", très éloigné du numérique")
    if M.francais[i] < 0.5:
        qui += ", maîtrise mal le français écrit"
    if M.litteratie[i] < 0.3:
        qui += ", en difficulté avec l'écrit"
    qui += (" ; un proche peut l'aider" if M.aidant[i] else " ; personne autour pour l'aider") + "."
    return qui


def de_verbe(texte: str) -> str:
    """« de » devant un verbe, élidé devant une voyelle : « d'aller », « de payer »."""
    return ("d'" if texte[:1] in "aeéèêiouyh" else "de ") + texte


#: Événements répétés d'affilée (même prestation) racontés une seule fois.
REPETITIONS_REGROUPEES = {"ne_demande_pas", "file", "guichet_refus"}


def _phrase(m, ev) -> tuple[str, tuple[str, str] | None] | None:
    """Phrase (et citation) d'un événement du journal, ou None pour un événement sans intérêt narratif."""
    _, _, b, typ, det = ev
    noms = m.catalogue.noms
    pr = NOMS_PRESTATIONS.get(noms[b], noms[b]) if b >= 0 else "une démarche courante (impôts, papiers)"
    if typ == "entree":
        return (f"Devient éligible à {pr}" + (" et le sait." if det else ", sans le savoir.")), None
    if typ in ("informe", "apprend"):
        if typ == "informe":
            code = int(det)
            src = ("par un proche" if code == 0 else
                   f"par {NOMS_ACTEURS[GENRES_ACTEURS[code - 1]]}" if code <= len(GENRES_ACTEURS) else
                   f"au guichet de la {ORGANISMES[code - 1 - len(GENRES_ACTEURS)].upper()}")
        else:
            src = "par le bouche-à-oreille ou un courrier"
        return f"Apprend qu'il a droit à {pr}, {src}.", None
    if typ == "ne_demande_pas":
        return f"Connaît son droit à {pr} mais ne le demande pas (trop compliqué, pas pour lui…).", CITATIONS[
            "ne_demande_pas"]
    if typ == "demande":
        return f"Décide de demander {pr} : il commence {NOMS_CANAUX[CANAUX[int(det)]]}.", None
    if typ == "en_ligne":
        e = int(det)
        if e >= 5:
            return f"Termine seul en ligne la demande de {pr}.", None
        return f"Essaie seul en ligne pour {pr} et bloque sur {NOMS_ETAPES[e]}.", CITATIONS["echec_en_ligne"]
    if typ == "famille":
        e = int(det)
        return (f"Un proche fait la démarche pour {pr}" + (" : dossier complet." if e >= 5 else
                f", mais bloque sur {NOMS_ETAPES[e]}.")), None
    if typ == "payant":
        return f"Paie un service privé pour la démarche de {pr}.", None
    if typ == "repli":
        return f"Après cet échec, décide {de_verbe(REPLIS[CANAUX[int(det)]])}.", None
    if typ == "file":
        objet = f"pour demander {pr}" if b >= 0 else "pour une démarche courante (impôts, papiers)"
        return f"S'inscrit pour être aidé par {NOMS_ACTEURS[GENRES_ACTEURS[int(det)]]} {objet}, et attend.", None
    if typ == "abandon_file":
        return f"Lassé d'attendre {NOMS_ACTEURS[str(det)]}, abandonne la file.", CITATIONS["abandon_file"]
    if typ == "oriente":
        return f"{NOMS_ACTEURS[str(det)].capitalize()} l'oriente vers une autre structure.", CITATIONS["oriente"]
    if typ == "aide_place":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} fait la démarche de {pr} à sa place.",
                CITATIONS["aide_place"])
    if typ == "aide_avec":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} fait la démarche de {pr} avec lui : il apprend.",
                CITATIONS["aide_avec"])
    if typ == "identifiants":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} garde ses identifiants pour la suite.",
                CITATIONS["identifiants"])
    if typ == "guichet_refus":
        return f"Va au guichet de la {str(det).upper()} : pas de place, il repart sans réponse.", CITATIONS[
            "guichet_refus"]
    if typ == "guichet":
        return f"Est reçu au guichet de la {str(det).upper()} pour {pr}.", None
    if typ == "depot":
        return f"Dépose un dossier complet pour {pr}.", None
    if typ == "pieces":
        return f"L'organisme réclame des pièces pour {pr}.", CITATIONS["pieces"]
    if typ == "rejet":
        return f"Sa demande de {pr} est rejetée.", None
    if typ == "ouverture":
        return f"Le droit à {pr} est ouvert : premier versement.", None
    if typ == "automatique":
        return f"Reçoit {pr} automatiquement, sans démarche.", None
    if typ == "rupture":
        return f"Manque sa déclaration pour {pr} : le versement est suspendu.", CITATIONS["rupture"]
    if typ == "regularisation":
        return f"Régularise sa situation : {pr} est rétabli.", None
    if typ == "fermeture":
        return f"Faute de régularisation, son droit à {pr} est fermé.", None
    if typ == "renonce":
        return f"Renonce à demander {pr}.", CITATIONS["renonce"]
    if typ == "sortie":
        return f"N'est plus éligible à {pr}.", None
    return None


def recit(m, i: int) -> Recit:
    """Récit d'un ménage suivi (voir `ModeleNonRecours(suivre=…)`) ; les répétitions d'affilée sont regroupées et
    chaque citation n'apparaît qu'une fois."""
    r = Recit(int(i), portrait(m, int(i)))
    precedent = None
    citees = set()
    for ev in m.journal.de(int(i)):
        if ev[0] < 0:
            continue  # rodage
        cle = (ev[2], ev[3])
        if ev[3] in REPETITIONS_REGROUPEES and precedent == cle:
            continue
        precedent = cle
        ph = _phrase(m, ev)
        if ph is None:
            continue
        date = m.calendrier.date(ev[0]).strftime("%Y-%m-%d")
        citation = ph[1] if ph[1] not in citees else None  # chaque citation une seule fois par récit
        citees.add(ph[1])
        r.lignes.append((date, ph[0], citation))
    return r


def choisir_menage(m, parmi: str = "renoncent", rng: np.random.Generator | None = None) -> int | None:
    """Un ménage suivi au hasard parmi ceux qui renoncent (`renoncent`), perdent un droit (`ruptures`), sont
    aidés à la place (`aides`), ou n'importe lequel (`tous`) ; None s'il n'y en a pas."""
    rng = rng or np.random.default_rng(0)
    types = {"renoncent": {"renonce"}, "ruptures": {"rupture"}, "aides": {"aide_place", "aide_avec"},
             "tous": None}[parmi]
    ids = sorted({e[1] for e in m.journal.evenements if e[0] >= 0 and (types is None or e[3] in types)})
    if not ids:
        return None
    return int(rng.choice(ids))
