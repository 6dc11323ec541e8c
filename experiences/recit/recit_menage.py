"""« Suivre un ménage » : la vie d'un ménage racontée en français, à partir du journal du modèle.

Chaque événement noté par les sous-modèles (entrée dans l'éligibilité, information, décision, tentatives,
aides, files, guichets, instruction, ruptures) devient une phrase datée, accordée au genre de la personne de
référence. Quand un document de recherche décrit la même situation, une courte citation l'accompagne, avec sa
référence : la clé de l'entrée de `docs/sources.md` et la section du document (`[okbani2020] §II.1.b, encadré 1`).
Les citations sont des données (`citations.toml`), chacune étiquetée de ce dont elle parle : événement,
prestation, aidant, âge, genre ; le récit ne l'attache qu'à un événement qui lui correspond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from modele.etat import (
    CANAUX,
    DIPLOMES,
    EQUIPEMENTS,
    TERRITOIRES,
    TYPES_MENAGE,
)
from modele.journal import ATTRIBUTS_PORTRAIT
from modele.prestations import GENRES_ACTEURS, ORGANISMES

NOMS_PRESTATIONS = {
    "rsa": "le RSA", "prime_activite": "la prime d'activité", "css_gratuite": "la CSS sans participation",
    "css_participation": "la CSS avec participation", "aspa": "l'ASPA", "aides_logement": "l'aide au logement",
}
NOMS_ACTEURS = {
    "travailleur_social": "une travailleuse sociale", "france_services": "France Services",
    "conseiller_numerique": "un conseiller numérique", "association": "une association",
    "prestataire_prive": "un service payant", "famille": "un proche",
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
NOMS_EQUIPEMENTS = {"aucun": "n'a ni ordinateur ni smartphone connecté", "smartphone_seul": "n'a qu'un smartphone",
                    "ordinateur": "a un ordinateur et internet"}

#: Fichier des citations, chacune étiquetée de ce dont elle parle (événements, prestations, aidants, âge, genre).
FICHIER_CITATIONS = Path(__file__).with_name("citations.toml")
CHAMPS_CITATION = {"id", "texte", "source", "locuteur", "a_propos", "evenements", "prestations", "acteurs", "age_min",
                   "age_max", "genre", "francais_faible"}


@dataclass(frozen=True)
class Citation:
    """Une citation verbatim, sa source (`[cle] repère` de docs/sources.md) et ce dont elle parle."""

    id: str
    texte: str
    source: str
    locuteur: str
    a_propos: str
    evenements: tuple[str, ...]
    prestations: tuple[str, ...] = ()
    acteurs: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    genre: str | None = None
    francais_faible: bool = False

    def convient(self, evenement: str, prestation: str | None, acteur: str | None, age: int, femme: bool,
                 francais_faible: bool) -> bool:
        """Vrai si la citation parle de cet événement, pour cette personne et cette démarche."""
        return (evenement in self.evenements
                and (not self.prestations or prestation in self.prestations)
                and (not self.acteurs or acteur in self.acteurs)
                and (self.age_min is None or age >= self.age_min)
                and (self.age_max is None or age <= self.age_max)
                and (self.genre is None or self.genre == ("femme" if femme else "homme"))
                and (not self.francais_faible or francais_faible))


def charger_citations(chemin: Path = FICHIER_CITATIONS) -> list[Citation]:
    """Lit et valide le fichier des citations (erreur française nommant fichier, clé et valeur)."""
    from modele.parametres import ErreurEntree, lire_toml

    donnees = lire_toml(chemin)
    sortie, vus = [], set()
    for k, c in enumerate(donnees.get("citation", [])):
        ctx = f"citation[{k}]"
        if not isinstance(c, dict) or set(c) - CHAMPS_CITATION:
            raise ErreurEntree("Champ de citation inconnu.", fichier=chemin, cle=ctx,
                               attendu="des champs parmi " + ", ".join(sorted(CHAMPS_CITATION)))
        for champ in ("id", "texte", "source", "evenements"):
            if not c.get(champ):
                raise ErreurEntree("Champ de citation manquant.", fichier=chemin, cle=f"{ctx}.{champ}")
        if c["id"] in vus:
            raise ErreurEntree("Identifiant de citation en double.", fichier=chemin, cle=f"{ctx}.id", valeur=c["id"])
        if not str(c["source"]).startswith("["):
            raise ErreurEntree("Source de citation sans clé de docs/sources.md.", fichier=chemin,
                               cle=f"{ctx}.source", valeur=c["source"], attendu="« [cle] repère »")
        if c.get("genre") not in (None, "femme", "homme"):
            raise ErreurEntree("Genre de citation invalide.", fichier=chemin, cle=f"{ctx}.genre", valeur=c["genre"],
                               attendu="« femme » ou « homme »")
        vus.add(c["id"])
        sortie.append(Citation(id=c["id"], texte=c["texte"], source=c["source"], locuteur=c.get("locuteur", ""),
                               a_propos=c.get("a_propos", ""), evenements=tuple(c["evenements"]),
                               prestations=tuple(c.get("prestations", ())), acteurs=tuple(c.get("acteurs", ())),
                               age_min=c.get("age_min"), age_max=c.get("age_max"), genre=c.get("genre"),
                               francais_faible=bool(c.get("francais_faible", False))))
    return sortie


LISTE_CITATIONS = charger_citations()
#: Citations par identifiant : (texte, source) — la forme portée par chaque ligne du récit.
CITATIONS = {c.id: (c.texte, c.source) for c in LISTE_CITATIONS}


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


#: Part de femmes parmi les personnes de référence quand la population n'a pas de genre : le genre ne sert qu'au
#: récit (accord grammatical, choix des citations), il est tiré de l'identifiant du ménage (toujours le même).
PART_FEMMES_RECIT = 0.5
GRAINE_GENRE_RECIT = 20141  # graine propre au tirage du genre pour le récit (indépendante de la simulation)


def est_femme(m, identifiant: int) -> tuple[bool, bool]:
    """(femme ?, tiré pour le récit ?) : l'attribut `sexe` ou `genre` du ménage s'il existe, sinon un tirage
    déterministe depuis son identifiant (même ménage → même genre, quelle que soit la simulation)."""
    attrs = attributs(m, identifiant) or {}
    for nom in ("sexe", "genre"):
        if nom in attrs:
            x = attrs[nom]
            return (str(x).lower() in ("f", "femme", "1", "true") if not isinstance(x, (bool, np.bool_)) else bool(x),
                    False)
    return bool(np.random.default_rng([GRAINE_GENRE_RECIT, int(identifiant)]).random() < PART_FEMMES_RECIT), True


class Accord:
    """Accords grammaticaux avec la personne de référence : `A.il`, `A.lui`, `A.e` (« seul » → « seule »)…"""

    def __init__(self, femme: bool):
        self.femme = femme
        self.il = "elle" if femme else "il"
        self.Il = "Elle" if femme else "Il"
        self.lui = "elle" if femme else "lui"
        self.e = "e" if femme else ""

    def g(self, masculin: str, feminin: str) -> str:
        """Le mot accordé."""
        return feminin if self.femme else masculin


@dataclass
class Recit:
    """Le portrait d'un ménage et ses événements racontés (date, texte, citation ou None).

    `details` : pour chaque ligne, le type d'événement, la prestation, l'issue (« echec », « succes » ou None) et
    l'identifiant de la citation ; `femme`, `genre_tire` : le genre de la personne et s'il a été tiré pour le récit.
    """

    menage: int
    portrait: str
    lignes: list[tuple[str, str, tuple[str, str] | None]] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    femme: bool = False
    genre_tire: bool = True

    @property
    def note(self) -> str:
        """Ce qu'il faut savoir du genre de la personne."""
        if not self.genre_tire:
            return ""
        return ("Le modèle ne simule pas le genre : celui de la personne de référence est tiré au hasard pour le "
                "récit (accords, citations), toujours le même pour un même ménage.")

    def texte(self) -> str:
        """Le récit en texte brut."""
        out = [f"Ménage n° {self.menage} : {self.portrait}", ""]
        for date, texte, cit in self.lignes:
            out.append(f"{date}  {texte}")
            if cit is not None:
                out.append(f"          {cit[0]} ({cit[1]})")
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


def attributs(m, identifiant: int) -> dict | None:
    """Attributs du portrait d'un ménage : ceux de sa case s'il est présent, sinon ceux gardés à son départ."""
    i = m.emplacement(identifiant)
    if i < 0:
        return m.journal.portraits.get(int(identifiant))
    return {a: getattr(m.menages, a)[i].item() for a in ATTRIBUTS_PORTRAIT}


def portrait(m, identifiant: int, femme: bool | None = None) -> str:
    """Une phrase qui présente le ménage d'identifiant donné, accordée au genre de la personne de référence
    (« a quitté la population » s'il est parti)."""
    M = attributs(m, identifiant)
    if M is None:
        return "ménage inconnu."
    i = ()  # valeurs scalaires : M[a][i] est la valeur
    M = {k: np.asarray(v) for k, v in M.items()}
    A = Accord(est_femme(m, identifiant)[0] if femme is None else femme)
    types = {"seul": f"vit seul{A.e}", "couple_sans_enfant": "vit en couple sans enfant",
             "couple_avec_enfants": "vit en couple avec enfants", "monoparental": f"élève seul{A.e} ses enfants"}
    diplomes = {"aucun_cep": "sans diplôme ou avec le certificat d'études", "cap_bep_brevet": "CAP, BEP ou brevet",
                "bac": A.g("bachelier", "bachelière"), "superieur": f"diplômé{A.e} du supérieur"}
    qui = (f"{A.g('un homme', 'une femme')} de {int(M['age'][i])} ans, {types[TYPES_MENAGE[M['type_menage'][i]]]} "
           f"{NOMS_TERRITOIRES[TERRITOIRES[M['territoire'][i]]]}, {diplomes[DIPLOMES[M['diplome'][i]]]}, "
           f"revenus du {int(M['quintile'][i]) + 1}{'er' if M['quintile'][i] == 0 else 'e'} cinquième ; "
           f"{NOMS_EQUIPEMENTS[EQUIPEMENTS[M['equipement'][i]]]}")
    num = float(M['numerique'][i])
    qui += (", à l'aise avec le numérique" if num >= 0.65 else ", peu à l'aise avec le numérique" if num >= 0.35
            else f", très éloigné{A.e} du numérique")
    if M['francais'][i] < 0.5:
        qui += ", maîtrise mal le français écrit"
    if M['litteratie'][i] < 0.3:
        qui += ", en difficulté avec l'écrit"
    qui += (" ; un proche peut l'aider" if M['aidant'][i] else " ; personne autour pour l'aider") + "."
    if m.emplacement(identifiant) < 0:
        qui += " (a quitté la population)"
    return qui


def de_verbe(texte: str) -> str:
    """« de » devant un verbe, élidé devant une voyelle : « d'aller », « de payer »."""
    return ("d'" if texte[:1] in "aeéèêiouyh" else "de ") + texte


#: Événements de vie racontés (modele/evenements.py).
EVENEMENTS_RACONTES = {
    "retraite": "Prend sa retraite : sa pension remplace son salaire.",
    "separation": "Se sépare : le conjoint part avec ses revenus.",
    "mise_en_couple": "Se met en couple.",
    "naissance": "Un enfant naît.",
    "perte_emploi": "Perd son emploi.",
    "reprise_emploi": "Retrouve un emploi.",
    "invalidite": "Tombe malade et ne peut plus travailler (pension d'invalidité).",
    "demenagement": "Déménage.",
    "veuvage": "Perd son conjoint (pension de réversion).",
}

#: Événements répétés d'affilée (même prestation) racontés une seule fois.
REPETITIONS_REGROUPEES = {"ne_demande_pas", "file", "guichet_refus", "rendez_vous"}
#: Événements qui suivent une tentative inaboutie (le dossier n'est pas complet).
APRES_ECHEC = {"repli", "renonce"}
INCOMPLET = ", mais le dossier reste incomplet"


def _phrase(m, ev, A: Accord, incomplet: bool, precedent: dict | None, connus: set
            ) -> tuple[str, str | None, str] | None:
    """(phrase, issue, clé de citation) d'un événement du journal, ou None s'il n'a pas d'intérêt narratif.

    `incomplet` : la tentative est suivie (même semaine, même prestation) d'un repli ou d'un renoncement ;
    `precedent` : la ligne racontée juste avant (type, prestation, issue) ; `connus` : droits que la personne
    connaît déjà dans le récit (« apprend » n'est pas répété).
    """
    _, _, b, typ, det = ev
    noms = m.catalogue.noms
    pr = NOMS_PRESTATIONS.get(noms[b], noms[b]) if b >= 0 else "une démarche courante (impôts, papiers)"
    seul = f"seul{A.e}"
    if typ == "entree":
        if det:
            connus.add(b)
        return (f"Devient éligible à {pr}" + (" et le sait." if det else ", sans le savoir.")), None, ""
    if typ in ("informe", "apprend"):
        if b in connus:
            return None
        connus.add(b)
        if typ == "informe":
            code = int(det)
            src = ("par un proche" if code == 0 else
                   f"par {NOMS_ACTEURS[GENRES_ACTEURS[code - 1]]}" if code <= len(GENRES_ACTEURS) else
                   f"au guichet de la {ORGANISMES[code - 1 - len(GENRES_ACTEURS)].upper()}")
        else:
            src = "par le bouche-à-oreille ou un courrier"
        return f"Apprend qu'{A.il} a droit à {pr}, {src}.", None, ""
    if typ == "propose":
        code = int(det)
        qui = (f"{NOMS_ACTEURS[GENRES_ACTEURS[code - 1]]}" if code <= len(GENRES_ACTEURS) else
               f"l'agent du guichet de la {ORGANISMES[code - 1 - len(GENRES_ACTEURS)].upper()}")
        return f"{qui[0].upper()}{qui[1:]} signale {pr} et propose d'en faire la demande.", None, ""
    if typ == "ne_demande_pas":
        return (f"Connaît son droit à {pr} mais ne le demande pas (trop compliqué, pas pour {A.lui}…).", None,
                "ne_demande_pas")
    if typ == "demande":
        canal = {"en_ligne": f"{seul} en ligne"}.get(CANAUX[int(det)], NOMS_CANAUX[CANAUX[int(det)]])
        return f"Décide de demander {pr} : {A.il} commence {canal}.", None, ""
    if typ == "en_ligne":
        e = int(det)
        if e >= 5:
            return f"Termine {seul} en ligne la demande de {pr}.", "succes", ""
        return f"Essaie {seul} en ligne pour {pr} et bloque sur {NOMS_ETAPES[e]}.", "echec", "echec_en_ligne"
    if typ == "famille":
        e = int(det)
        if e >= 5:
            return f"Un proche fait la démarche pour {pr} : dossier complet.", "succes", ""
        return f"Un proche fait la démarche pour {pr}, mais bloque sur {NOMS_ETAPES[e]}.", "echec", ""
    if typ == "payant":
        return (f"Paie un service privé pour la démarche de {pr}" + (INCOMPLET if incomplet else "") + ".",
                "echec" if incomplet else "succes", "")
    if typ == "repli":
        choix = de_verbe(REPLIS[CANAUX[int(det)]]).replace("seul ", f"{seul} ")
        meme = precedent is not None and precedent["prestation"] == b
        if meme and precedent["issue"] == "echec":
            return f"Après cet échec, décide {choix}.", None, ""
        return f"Pour {pr}, décide alors {choix}.", None, ""
    if typ == "file":
        objet = f"pour demander {pr}" if b >= 0 else "pour une démarche courante (impôts, papiers)"
        return (f"S'inscrit pour être aidé{A.e} par {NOMS_ACTEURS[GENRES_ACTEURS[int(det)]]} {objet}, et attend.",
                None, "")
    if typ == "abandon_file":
        return (f"Lassé{A.e} d'attendre {NOMS_ACTEURS[str(det)]}, abandonne la file pour {pr}.", "echec",
                "abandon_file")
    if typ == "oriente":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} l'oriente vers une autre structure pour {pr}.", None,
                "oriente")
    if typ == "aide_place":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} fait la démarche de {pr} à sa place"
                + (INCOMPLET if incomplet else "") + ".", "echec" if incomplet else "succes", "aide_place")
    if typ == "aide_avec":
        fin = INCOMPLET if incomplet else " : le dossier est complet"
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} fait la démarche de {pr} avec {A.lui}, qui apprend{fin}.",
                "echec" if incomplet else "succes", "aide_avec")
    if typ == "aide_a_cote":
        fin = INCOMPLET if incomplet else " : le dossier est complet"
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} laisse {A.lui} faire la démarche de {pr}, à côté, prêt à "
                f"intervenir{fin}.", "echec" if incomplet else "succes", "aide_a_cote")
    if typ == "rendez_vous":
        return (f"Un rendez-vous avec {NOMS_ACTEURS[str(det)]} pour {pr} : le dossier n'est pas fini, un autre "
                "rendez-vous suivra.", None, "rendez_vous")
    if typ == "refus_aidant":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} refuse de l'aider pour {pr} : ce n'est pas son rôle, ou "
                "pas le temps.", "echec", "refus_aidant")
    if typ == "identifiants_orphelins":
        return (f"L'aidant qui gardait ses identifiants pour {pr} est parti : tout est à reprendre.", "echec",
                "")
    if typ == "identifiants":
        return (f"{NOMS_ACTEURS[str(det)].capitalize()} garde ses identifiants pour la suite.", None,
                "identifiants")
    if typ == "guichet_refus":
        return (f"Va au guichet de la {str(det).upper()} pour {pr} : pas de place, {A.il} repart sans réponse.",
                "echec", "guichet_refus")
    if typ == "guichet":
        return (f"Est reçu{A.e} au guichet de la {str(det).upper()} pour {pr}" + (INCOMPLET if incomplet else "")
                + ".", "echec" if incomplet else "succes", "")
    if typ == "depot":
        return f"Dépose un dossier complet pour {pr}.", "succes", ""
    if typ == "pieces":
        return f"L'organisme réclame des pièces pour {pr}.", None, "pieces"
    if typ == "rejet":
        return f"Sa demande de {pr} est rejetée.", "echec", ""
    if typ == "ouverture":
        return f"Le droit à {pr} est ouvert : premier versement.", "succes", ""
    if typ == "automatique":
        connus.add(b)
        return f"Reçoit {pr} automatiquement, sans démarche.", "succes", "automatique"
    if typ == "rupture":
        return f"Manque sa déclaration pour {pr} : le versement est suspendu.", "echec", "rupture"
    if typ == "indu":
        return (f"L'aidant qui garde ses identifiants déclare pour {pr}, mais se trompe : un indu à rembourser, "
                "le versement est suspendu.", "echec", "")  # pas de citation : celle des ruptures parle d'un oubli
    if typ == "regularisation":
        return f"Régularise sa situation : {pr} est rétabli.", "succes", ""
    if typ == "fermeture":
        return f"Faute de régularisation, son droit à {pr} est fermé.", "echec", ""
    if typ == "renonce":
        return f"Renonce à demander {pr}.", "echec", "renonce"
    if typ == "sortie":
        connus.discard(b)
        return f"N'est plus éligible à {pr}.", None, ""
    if typ == "evenement":
        return EVENEMENTS_RACONTES.get(str(det), str(det)), None, ""
    if typ == "depart":
        return "Quitte la population simulée (décès, départ en établissement, dissolution du ménage).", None, ""
    if typ == "nouveau_menage":
        return "S'installe : un nouveau ménage.", None, ""
    return None


def choisir_citation(evenement: str, prestation: str | None, acteur: str | None, age: int, femme: bool,
                     francais_faible: bool, deja: set[str]) -> Citation | None:
    """La première citation du fichier qui parle de cet événement pour cette personne et n'a pas encore servi."""
    for c in LISTE_CITATIONS:
        if c.id not in deja and c.convient(evenement, prestation, acteur, age, femme, francais_faible):
            return c
    return None


def recit(m, i: int) -> Recit:
    """Récit du ménage d'identifiant `i` suivi (voir `ModeleNonRecours(suivre=…)`) : une seule vie, racontée de
    façon cohérente. Au départ, identifiant = case ; un nouveau ménage reçoit un nouvel identifiant : un récit ne
    mêle jamais deux ménages.

    Les répétitions d'affilée sont regroupées ; une tentative suivie d'un repli est dite inaboutie (« mais le
    dossier reste incomplet ») ; « Après cet échec » ne suit qu'un échec de la même démarche ; chaque citation
    convient à l'événement, à la prestation, à l'aidant, à l'âge et au genre de la personne, et n'apparaît qu'une
    fois.
    """
    i = int(i)
    femme, tire = est_femme(m, i)
    A = Accord(femme)
    r = Recit(i, portrait(m, i, femme), femme=femme, genre_tire=tire)
    attrs = attributs(m, i) or {}
    francais_faible = bool(attrs.get("francais", 1.0) < 0.5)
    age_releve = int(attrs.get("age", 0))  # âge au relevé (ou au départ du ménage)
    t_releve = m.t if m.emplacement(i) >= 0 else max((e[0] for e in m.journal.de(i)), default=m.t)
    evs = [e for e in m.journal.de(i) if e[0] >= 0]  # hors rodage
    precedent_cle = None
    connus: set = set()
    citees: set[str] = set()
    for k, ev in enumerate(evs):
        cle = (ev[2], ev[3])
        if ev[3] in REPETITIONS_REGROUPEES and precedent_cle == cle:
            continue
        precedent_cle = cle
        suite = next((e for e in evs[k + 1:] if e[2] == ev[2] and e[3] != "identifiants"), None)
        incomplet = suite is not None and suite[0] == ev[0] and suite[3] in APRES_ECHEC
        precedent = r.details[-1] if r.details else None
        ph = _phrase(m, ev, A, incomplet, precedent, connus)
        if ph is None:
            continue
        texte, issue, sujet = ph
        b = ev[2]
        citation = None
        if sujet:
            age = age_releve - max(0, (t_releve - ev[0]) // 52)
            prestation = m.catalogue.noms[b] if b >= 0 else None
            acteur = str(ev[4]) if ev[3] in ("abandon_file", "oriente", "aide_place", "aide_avec", "identifiants",
                                             "aide_a_cote", "rendez_vous", "refus_aidant") \
                else None
            citation = choisir_citation(sujet, prestation, acteur, age, femme, francais_faible, citees)
        if citation is not None:
            citees.add(citation.id)
        date = m.calendrier.date(ev[0]).strftime("%Y-%m-%d")
        r.lignes.append((date, texte, None if citation is None else (citation.texte, citation.source)))
        r.details.append({"type": ev[3], "prestation": b, "issue": issue,
                          "citation": None if citation is None else citation.id, "pas": ev[0]})
    return r


def choisir_menage(m, parmi: str = "renoncent", rng: np.random.Generator | None = None) -> int | None:
    """Un ménage suivi au hasard parmi ceux qui renoncent (`renoncent`), perdent un droit (`ruptures`), sont
    aidés à la place (`aides`), ou n'importe lequel (`tous`) ; None s'il n'y en a pas."""
    rng = rng or np.random.default_rng(0)
    types = {"renoncent": {"renonce"}, "ruptures": {"rupture", "indu"},
             "aides": {"aide_place", "aide_avec", "aide_a_cote"},
             "tous": None}[parmi]
    ids = sorted({e[1] for e in m.journal.evenements if e[0] >= 0 and (types is None or e[3] in types)})
    if not ids:
        return None
    return int(rng.choice(ids))
