"""Chaque paramètre déclaré change au moins un indicateur, ou se déclare inerte (`inerte = "raison"`).

Un petit modèle (1 000 ménages, rodage 26 semaines, 2014-01 → 2014-06, scénario neutre) par perturbation : la
table des séries entière est comparée à celle de la base. Quelques paramètres n'agissent que dans un contexte
(accueil sur rendez-vous, conseillers numériques en poste, déclaration pré-remplie) : ce contexte est ajouté
aux deux exécutions, la base et la perturbée ; de même une fenêtre propre (revalorisation au-delà de la table des
droits). Deux processus (lancés par « spawn » : pas de fork d'un processus qui a des threads).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from fabrique import chemin_scenario_neutre

from modele.parametres import charger_declarations

BASE = {"simulation.rodage_semaines": 26}
N, DEBUT, FIN, GRAINE = 1000, "2014-01", "2014-06", 4

# Contexte où un paramètre agit (préfixe de clé → surcharges ajoutées à la base et à la perturbation).
CONTEXTES = {
    "guichets.caf.facteur_rendez_vous": {"guichets.caf.rendez_vous_seulement": True},
    "guichets.cpam.facteur_rendez_vous": {"guichets.cpam.rendez_vous_seulement": True},
    "guichets.carsat.facteur_rendez_vous": {"guichets.carsat.rendez_vous_seulement": True},
    "decision.cout_rendez_vous": {"guichets.caf.rendez_vous_seulement": True},
    # Le coût du numérique ne pèse que si le canal non numérique n'est pas pleinement accessible.
    "decision.cout_numerique": {"guichets.caf.part_ouverte": [0.5] * 4},
    # Conseillers numériques : aucune heure avant 2021 dans les défauts.
    "acteurs.conseiller_numerique.": {"acteurs.conseiller_numerique.heures_pour_10000": 14.0},
    # Service payant : rarement choisi avec les défauts (les identifiants qu'il garde aussi).
    "acteurs.prestataire_prive.": {"demarches.repli_payant": 2.0},
    "demarches.p_garde_identifiants_payant": {"demarches.repli_payant": 2.0},
    "renouvellements.difficulte_preremplie": {"prestations.rsa.declaration_preremplie": True,
                                              "prestations.prime_activite.declaration_preremplie": True},
    # L'ASPA n'a pas de déclaration périodique ; les bénéficiaires du RSA ont moins de 65 ans.
    "prestations.aspa.declaration_preremplie": {"prestations.aspa.periode_declaration": 13,
                                                "renouvellements.difficulte_declaration": 0.9},
    # Avec la table des droits, le RSA est nul à 65 ans et plus (l'ASPA passe avant) : personne n'est éligible aux
    # deux, l'ASPA « automatique pour le RSA » n'a personne à qui s'ouvrir. Sans table, RSA jusqu'à 120 ans.
    "prestations.aspa.automatique_pour": {"droits.utiliser_table": False, "prestations.rsa.age_max": 120},
    # Un an d'autonomie gagnée à 0,02 par succès n'atteint pas le plafond.
    "apprentissage.autonomie_max": {"apprentissage.gain_seul": 0.5, "apprentissage.gain_faire_avec": 0.5},
}
# File des guichets : une attente de plus de 4 semaines n'arrive qu'à un guichet saturé dont la file ne s'use pas.
CONTEXTES["guichets.attente_max_file"] = {"guichets.abandon_file_hebdomadaire": 0.0,
                                          "guichets.caf.visites_pour_10000": 2.0}
# La perception perdue après un échec ne pèse qu'à la reconsidération (26 semaines en moyenne) : rapprochée ici
# pour qu'elle tombe dans les six mois simulés.
CONTEXTES["decision.perte_perception_echec"] = {"decision.reconsideration": 2.0}
for _p in ("rsa", "prime_activite", "css_gratuite", "css_participation", "aides_logement"):
    CONTEXTES[f"prestations.{_p}.declaration_preremplie"] = {"renouvellements.difficulte_declaration": 0.9}
# Les contacts n'informent que des éligibles qui ignorent leur droit : peu nombreux avec les défauts.
IGNORANCE = {f"prestations.{_p}.{_c}": 0.05 for _p in ("rsa", "prime_activite", "css_gratuite", "css_participation",
                                                        "aspa", "aides_logement")
             for _c in ("connaissance_initiale", "connaissance_entree")}
CONTEXTES["information.p_contact_"] = IGNORANCE
CONTEXTES["information.p_contact_numerique"] = {"acteurs.conseiller_numerique.heures_pour_10000": 14.0,
                                               "demarches.repli_payant": 2.0}
# Peu de demandes d'ASPA en six mois (stigmate fort, 65 ans et plus, instruction de douze semaines ; avec la
# table des droits, les éligibles de départ la perçoivent presque tous : personne ne la perçoit au départ).
CONTEXTES["prestations.aspa.p_pieces_manquantes"] = {"prestations.aspa.stigmate": 0.0,
                                                     "prestations.aspa.delai_instruction": 1.0,
                                                     "prestations.aspa.connaissance_initiale": 1.0,
                                                     "decision.facteur_perception_initiale": 0.0}
CONTEXTES["prestations.aspa.p_rejet_a_tort"] = CONTEXTES["prestations.aspa.p_pieces_manquantes"]
# Entrées dans l'ASPA rares en six mois sur 1 000 ménages : épisodes d'éligibilité raccourcis.
CONTEXTES["prestations.aspa.connaissance_entree"] = {"prestations.aspa.duree_eligibilite": 20.0}
# Guichet CARSAT (ASPA seulement) : peu de visites en six mois ; demandes plus nombreuses (personne ne perçoit
# l'ASPA au départ, tous ses éligibles la connaissent) et repli au guichet.
CONTEXTES["guichets.carsat.capacite_agent"] = {"prestations.aspa.stigmate": 0.0, "demarches.repli_guichet": 3.0,
                                               "prestations.aspa.connaissance_initiale": 1.0,
                                               "decision.facteur_perception_initiale": 0.0}
# Déclarations faites par un aidant qui garde les identifiants : il faut des « faire à la place » sans Aidants
# Connect avant une échéance, donc plus de recours aux acteurs et des identifiants gardés à coup sûr.
CONTEXTES["accompagnement.heures_declaration"] = {"demarches.repli_acteur": 2.0,
                                                  "accompagnement.p_garde_identifiants": 1.0}
# Dette d'heures des déclarations : les mêmes identifiants gardés, et des déclarations assez longues pour que la
# dette maximale borne ce que l'aidant peut déclarer.
CONTEXTES["accompagnement.dette_max_semaines"] = {**CONTEXTES["accompagnement.heures_declaration"],
                                                  "accompagnement.heures_declaration": 5.0}
# Erreurs des déclarations faites par l'aidant (indus) : les mêmes identifiants gardés ; le surcroît sous pression
# demande aussi des files qui débordent (peu d'heures).
CONTEXTES["accompagnement.p_erreur_declaration_aidant"] = CONTEXTES["accompagnement.heures_declaration"]
CONTEXTES["accompagnement.coef_pression_erreur"] = {
    **CONTEXTES["accompagnement.heures_declaration"],
    **{f"acteurs.{g}.heures_pour_10000": 10.0 for g in ("travailleur_social", "france_services", "association")}}

# Tri des files (demandes urgentes d'abord), urgence et surcharge dans la posture de l'acteur : il faut des files
# qui débordent mais qui sont servies, donc peu d'heures (assez pour servir quelques demandes par semaine : à
# 2 h pour 10 000 ménages personne n'est servi) et beaucoup de recours aux acteurs, sans que l'attente annoncée
# détourne les ménages. Avec la table des droits, les éligibles de départ perçoivent presque tous leur droit :
# personne ne le perçoit au départ (facteur_perception_initiale = 0), ceux qui le connaissent le demandent dans
# la fenêtre, et les demandes urgentes (RSA, ASPA) passent par les files.
FILES_PLEINES = {
    "demarches.repli_acteur": 2.0, "demarches.poids_attente_acteur": 0.0, "decision.facteur_perception_initiale": 0.0,
    **{f"acteurs.{g}.heures_pour_10000": 10.0 for g in ("travailleur_social", "france_services", "association")}}
for _p in ("rsa", "prime_activite", "css_gratuite", "css_participation", "aspa", "aides_logement"):
    CONTEXTES[f"prestations.{_p}.urgente"] = FILES_PLEINES
CONTEXTES["accompagnement.coef_urgence"] = FILES_PLEINES
# Capacité de France Services : sur la fenêtre de six mois, il faut des épisodes servis par France Services.
CONTEXTES["acteurs.france_services.capacite"] = FILES_PLEINES
CONTEXTES["acteurs.france_services.aidants_connect"] = FILES_PLEINES
CONTEXTES["accompagnement.surcharge_max"] = FILES_PLEINES
# La CSS avec participation est peu demandée (stigmate, non-connaissance) et surtout en ligne : des demandes nombreuses
# et hors ligne, pour qu'elles passent par les files.
CONTEXTES["prestations.css_participation.urgente"] = {
    **CONTEXTES["prestations.css_participation.urgente"], "prestations.css_participation.stigmate": 0.0,
    "prestations.css_participation.connaissance_initiale": 1.0, "demarches.preference_en_ligne": -3.0}

# Aidants individuels (issue 14) : des files servies (FILES_PLEINES), des « à la place » qui gardent les
# identifiants, des « à côté » assez fréquents, des conseillers numériques en poste et un France Services habilité
# Aidants Connect à titre individuel, pour que chaque règle des aidants agisse en six mois.
AIDE = {**FILES_PLEINES, "accompagnement.p_garde_identifiants": 1.0, "accompagnement.logit_a_cote": 0.0,
        "acteurs.conseiller_numerique.heures_pour_10000": 30.0, "acteurs.france_services.part_aidants_connect": 1.0}
for _c in ("accompagnement.apport_a_cote", "accompagnement.coef_habitude_place",
           "accompagnement.p_adresse_circonstance",
           "accompagnement.p_erreur_declaration_aidant", "accompagnement.p_garde_identifiants",
           "acteurs.conseiller_numerique.formation", "aidants.coef_tension_erreur", "aidants.usage_aidants_connect",
           "apprentissage.gain_habitude_place", "acteurs.conseiller_numerique.aidants_connect"):
    CONTEXTES[_c] = AIDE
# Démarches d'ASPA : rares en six mois sans le contexte des pièces manquantes (demandes nombreuses et rapides).
CONTEXTES["prestations.aspa.difficulte_etapes"] = CONTEXTES["prestations.aspa.p_pieces_manquantes"]
# Le retour de la perception n'agit qu'aux reconsidérations : rapprochées pour tomber dans la fenêtre.
CONTEXTES["decision.retour_perception"] = {"decision.reconsideration": 2.0}
# L'habitude perdue après « avec » et l'autonomie perdue après « à la place » ne pèsent qu'au deuxième épisode d'un
# même ménage : des démarches courantes fréquentes, de l'autonomie gagnée vite, des structures très dotées.
REPETITION = {**FILES_PLEINES, "accompagnement.p_garde_identifiants": 1.0, "accompagnement.logit_a_cote": 0.0,
              "demarches.demarches_courantes_par_an": 6.0, "apprentissage.gain_seul": 0.3,
              "apprentissage.gain_faire_avec": 0.3,
              **{f"acteurs.{g}.heures_pour_10000": 300.0 for g in ("travailleur_social", "france_services",
                                                                    "association", "conseiller_numerique")}}
CONTEXTES["apprentissage.baisse_habitude_avec"] = REPETITION
# Seuil d'heures hors mandat par mois : des travailleurs sociaux à plein temps sur les démarches, assez sollicités.
CONTEXTES["aidants.seuil_heures_hors_mandat_mois"] = {**REPETITION,
                                                      "acteurs.travailleur_social.heures_par_aidant": 20.0}
CONTEXTES["apprentissage.perte_autonomie_place"] = REPETITION
# Le nombre d'aidants d'une structure ne change qu'au-delà d'un aidant : des structures assez dotées pour en avoir
# plusieurs (1 000 ménages).
for _g, _h in (("travailleur_social", 300.0), ("association", 300.0), ("france_services", 2000.0),
               ("conseiller_numerique", 2000.0)):
    CONTEXTES[f"acteurs.{_g}.heures_par_aidant"] = {**FILES_PLEINES, f"acteurs.{_g}.heures_pour_10000": _h}
# Répartition des demandes entre les aidants d'une structure : plusieurs travailleurs sociaux, des files pleines.
CONTEXTES["aidants.part_heures_tirage_minimale"] = {**FILES_PLEINES,
                                                    "acteurs.travailleur_social.heures_pour_10000": 300.0}

# Français faible : une part de ménages concernés assez grande pour que leurs démarches tombent dans la fenêtre.
CONTEXTES["population.francais_faible_max"] = {"population.part_francais_faible": 0.5}

# Sans table des droits (flux stationnaires par profil) : parts éligibles par profil et leur borne.
for _p in ("rsa", "prime_activite", "css_gratuite", "css_participation", "aspa", "aides_logement"):
    for _c in ("part_eligible_par_quintile", "facteur_type_menage", "age_min", "age_max", "eligibilite_liee",
               "montant_mensuel", "duree_eligibilite"):
        CONTEXTES[f"prestations.{_p}.{_c}"] = {"droits.utiliser_table": False}
CONTEXTES["evenements.part_eligible_max"] = {"droits.utiliser_table": False,
                                             "prestations.aides_logement.part_eligible_par_quintile": [0.9] * 5}

# Veuvage : la pension de réversion ne change les droits (ASPA, aides au logement, RSA) que de quelques veufs ;
# avec les hasards de décès déclarés, trop peu de veuvages sur 1 000 ménages en un an.
CONTEXTES["evenements.part_reversion"] = {"evenements.mortalite_conjoint_par_age": [0.01, 0.02, 0.04, 0.1, 0.3]}

# Fenêtre simulée propre à un paramètre (préfixe de clé → début, fin ; la base est simulée sur la même fenêtre).
# La revalorisation n'agit qu'au-delà de la dernière année de la table des droits (2026) : la fenêtre est en 2027.
FENETRES = {"droits.revalorisation_annuelle": ("2027-01", "2027-06")}

# Perturbations choisies à la main quand la règle générale (mi-chemin vers la borne la plus lointaine) tombe
# hors de la fenêtre simulée (une fenêtre de 52 semaines, un plafond de tentatives jamais atteint en un an).
PERTURBATIONS = {"information.fenetre_non_proposition": 4, "indicateurs.fenetre_non_reception": 4,
                 "demarches.tentatives_max": 2}


def contexte(cle: str) -> dict:
    """Surcharges de contexte pour une clé."""
    s = {}
    for prefixe, c in CONTEXTES.items():
        if cle.startswith(prefixe):
            s.update(c)
    return s


def _vers_borne(x, d, poids=1.0):
    """Mi-chemin (× poids) vers la borne la plus lointaine (sans borne : × 2 ou + 1)."""
    bas = d.min if d.min is not None else x - 2 * abs(x) - 1
    haut = d.max if d.max is not None else x + 2 * abs(x) + 1
    cible = haut if haut - x > x - bas else bas
    return x + poids * 0.5 * (cible - x)


def fenetre(cle: str) -> tuple[str, str]:
    """Début et fin simulés pour une clé (la fenêtre commune sauf exception déclarée dans FENETRES)."""
    return next((f for prefixe, f in FENETRES.items() if cle.startswith(prefixe)), (DEBUT, FIN))


def _nombre(x, d, poids=1.0):
    y = _vers_borne(x, d, poids)
    if d.type == "entier":
        y = int(round(y))
        if y == x:
            y = x + (1 if d.max is None or x + 1 <= d.max else -1)
    return y


def perturbation(d, valeur_contexte=None):
    """Une valeur permise et différente ; non uniforme pour les listes (les parts sont renormalisées)."""
    v = d.valeur if valeur_contexte is None else valeur_contexte
    if d.cle in PERTURBATIONS:
        return PERTURBATIONS[d.cle]
    if d.type in ("reel", "entier"):
        return _nombre(v, d)
    if d.type in ("liste", "matrice"):
        lignes = v if d.type == "matrice" else [v]
        nouv = [[float(_nombre(x, d, 1.0 - 0.5 * j / len(lg))) for j, x in enumerate(lg)] for lg in lignes]
        return nouv if d.type == "matrice" else nouv[0]
    if d.type == "booleen":
        return not v
    if d.type == "texte" and d.choix:
        propre = d.cle.split(".")[1] if d.cle.startswith("prestations.") else None
        return next(c for c in d.choix if c != v and c != propre)
    raise AssertionError(f"type sans perturbation : {d.cle} ({d.type}) ; le déclarer inerte ou l'ajouter ici")


def perturbable(d) -> bool:
    """Vrai si la règle sait perturber ce paramètre (les textes libres sont des libellés)."""
    return d.type != "texte" or bool(d.choix)


def _valeurs(surcharges: dict, debut: str = DEBUT, fin: str = FIN) -> np.ndarray:
    from modele.modele import ModeleNonRecours
    m = ModeleNonRecours(scenario=_valeurs.scenario, menages=N, graine=GRAINE, debut=debut, fin=fin,
                         surcharges=surcharges)
    m.lancer()
    return m.series()["valeur"].to_numpy()


def _initialiser(scenario):
    _valeurs.scenario = scenario


def _tache(args):
    cle, (surcharges, debut, fin) = args
    return cle, _valeurs(surcharges, debut, fin)


def _change(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)


def test_perturbations_possibles():
    # La règle de perturbation elle-même : toujours une valeur permise et différente.
    for cle, d in charger_declarations().items():
        if not perturbable(d):
            assert d.inerte is not None, f"{cle} : texte libre sans « inerte »"
            continue
        x = perturbation(d)
        assert x != d.valeur, cle
        d.valider(x)


@pytest.mark.lent
def test_chaque_parametre_agit_ou_est_declare_inerte(tmp_path):
    """Les actifs changent la table des séries ; les inertes (perturbables) ne la changent pas."""
    decl = charger_declarations()
    cles = [k for k, d in decl.items() if perturbable(d)]
    assert sum(decl[k].inerte is None for k in cles) > 200
    taches, bases = [], {}
    for cle in cles:
        ctx = {**BASE, **contexte(cle)}
        debut, fin = fenetre(cle)
        nom_ctx = repr((debut, fin, sorted(ctx.items())))
        if nom_ctx not in bases:
            bases[nom_ctx] = ctx
            taches.append((("base", nom_ctx), (ctx, debut, fin)))
        valeur_base = ctx.get(cle, decl[cle].valeur)
        taches.append(((cle, nom_ctx), ({**ctx, cle: perturbation(decl[cle], valeur_base)}, debut, fin)))
    scenario = chemin_scenario_neutre(tmp_path)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_initialiser,
                             initargs=(scenario,)) as pool:
        resultats = dict(pool.map(_tache, taches, chunksize=4))
    change = {cle: _change(resultats[("base", ctx)], v) for (cle, ctx), v in resultats.items() if cle != "base"}
    sans_effet = sorted(k for k, c in change.items() if not c and decl[k].inerte is None)
    assert not sans_effet, ("Paramètres sans effet sur aucun indicateur (corriger le modèle, ajouter un contexte "
                            "ici, ou déclarer `inerte = \"raison\"`) :\n  " + "\n  ".join(sans_effet))
    faux_inertes = sorted(k for k, c in change.items() if c and decl[k].inerte is not None)
    assert not faux_inertes, "Déclarés inertes mais qui changent les séries :\n  " + "\n  ".join(faux_inertes)


@pytest.mark.parametrize("cle", sorted(k for k, d in charger_declarations().items() if d.inerte is not None))
def test_inerte_a_une_raison(cle):
    raison = charger_declarations()[cle].inerte
    assert isinstance(raison, str) and len(raison.strip()) >= 10
