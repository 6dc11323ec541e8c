"""Identifiabilité : des cibles produites par le modèle lui-même, avec des paramètres connus, sont retrouvées.

Petit problème : 2 paramètres (réussite en ligne, renoncement après un échec), 3 cibles d'usage du numérique
(C5b, C5c, C6) fabriquées par une exécution aux valeurs vraies, 4 000 ménages × 2 réplicats, fenêtre courte,
32 essais TPE.
Deuxième test : le même problème par history matching (ensemble), voir plus bas.
Tolérance annoncée : chaque paramètre retrouvé à moins de 20 % de son intervalle de recherche de la vraie
valeur, et une perte du meilleur essai d'au plus 5. La perte des valeurs vraies est 0 (graines communes), mais le
modèle réagit de façon chaotique à de petits écarts : déplacer les deux valeurs vraies de 0,02 donne déjà une perte
de 2,6 sur ce petit problème (mesuré) ; 5 laisse la place à ce bruit, et le départ (défauts) reste à plus de dix fois.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiences.calibration import ajustement as cal
from experiences.calibration import cibles as C

# Le repli vers l'entourage, identifié ici jusqu'à ce que le choix de l'acteur tienne compte de l'offre et de
# l'attente, ne bouge plus assez C6 (entourage et acteurs se substituent) : le renoncement, qui fait C5c, le remplace.
VRAIES = {"demarches.bonus_en_ligne": 0.3, "demarches.repli_renoncer": -1.0}
BORNES = {"demarches.bonus_en_ligne": (-1.0, 3.0), "demarches.repli_renoncer": (-2.0, 1.0)}
TOLERANCE_RELATIVE = 0.20


@pytest.mark.lent
def test_calibrer_retrouve_des_parametres_connus(tmp_path):
    ids = ["C5b", "C5c", "C6"]
    # La référence sans la calibration livrée : le point de départ est le défaut déclaré, connu.
    scenario = tmp_path / "sans_cal.toml"
    scenario.write_text('[scenario]\nnom = "sans_cal"\nquestion = "test"\nbase = "reference"\ncalibration = false\n',
                        encoding="utf-8")
    gabarit = cal.PlanCalibration(
        nom="identifiabilite", parametres=BORNES, scenario=str(scenario), cibles=C.charger_cibles(ids=ids),
        menages=4000, replicats=2,
        graine=11, debut="2021-07", fin="2021-12", essais=32, demarrage=8,
        surcharges={"simulation.rodage_semaines": 30})
    # 1. Cibles fabriquées par le modèle aux valeurs vraies (mêmes graines que la calibration).
    _, moyennes, _ = cal.evaluer(gabarit, VRAIES)
    tolerances = {"C5b": 0.01, "C5c": 0.008, "C6": 0.01}
    lignes = []
    for cid in ids:
        lignes.append(f'[[cible]]\nid = "{cid}"\nannee = 2021\nvaleur = {moyennes[cid]!r}\n'
                      f'tolerance = {tolerances[cid]}\nsource = "modèle, valeurs vraies {VRAIES}"\n')
    (tmp_path / "cibles.toml").write_text("\n".join(lignes), encoding="utf-8")
    plan = cal.PlanCalibration(**{**gabarit.__dict__, "cibles": C.charger_cibles(tmp_path / "cibles.toml")})
    # 2. Calibration (TPE, 32 essais, reproductible) ; le premier essai est le défaut, loin des valeurs vraies.
    etude = cal.calibrer(plan, tmp_path / "etude", travailleurs=2)
    meilleur = etude.best_trial
    assert etude.trials[0].params["demarches.bonus_en_ligne"] == pytest.approx(1.5)
    for cle, vraie in VRAIES.items():
        lo, hi = BORNES[cle]
        assert abs(meilleur.params[cle] - vraie) <= TOLERANCE_RELATIVE * (hi - lo), (cle, meilleur.params[cle])
    perte_vraie = C.perte(moyennes, plan.cibles)  # 0 par construction
    assert perte_vraie == pytest.approx(0.0)
    # Bruit de la perte près des valeurs vraies (mesuré après l'issue 13, mêmes graines) : 0,84 à 6,85 aux quatre
    # coins à ±2 % de l'intervalle de chaque paramètre ; un meilleur essai sous 7 est donc dans ce bruit.
    assert meilleur.value <= 7.0
    # Le défaut (premier essai) est nettement moins bon : le test ne passe pas par hasard.
    assert etude.trials[0].value > 10 * max(meilleur.value, 0.3)


PLAN_ENSEMBLE = """
[calibration]
nom = "identifiabilite_ensemble"
scenario = "{scenario}"
menages = 4000
replicats = 2
graine = 11
debut = "2021-07"
fin = "2021-12"
essais = 1
fichier_cibles = "cibles.toml"

[parametres]
"demarches.bonus_en_ligne" = {{ min = -1.0, max = 2.5 }}
"demarches.repli_renoncer" = {{ min = -2.0, max = 1.0 }}

[surcharges]
"simulation.rodage_semaines" = 30

[ensemble]
vagues = 2
runs_par_vague = 16
menages = 4000
replicats = 2
seuil_implausibilite = 3.0
candidats = 20000
verifications_max = 12
replicats_verification = 2
graine_verification = 5000
plage = "plan"
"""


@pytest.mark.lent
def test_ensemble_contient_les_parametres_connus(tmp_path):
    """History matching (`nonrecours ensemble`) sur le même petit problème : cibles fabriquées aux valeurs vraies,
    tolérances de l'ordre du bruit de 4 000 ménages × 2 réplicats. L'ensemble accepté (vérifié sur des graines
    fraîches) contient les valeurs vraies dans son étendue [min, max], et il est informatif : son étendue couvre
    moins de 40 % de l'intervalle de recherche de chaque paramètre (mesuré : 5 % et 17 % avec 2 vagues de 16)."""
    from experiences.calibration import ensemble as ens

    ids = ["C5b", "C5c", "C6"]
    scenario = tmp_path / "sans_cal.toml"
    scenario.write_text('[scenario]\nnom = "sans_cal"\nquestion = "test"\nbase = "reference"\ncalibration = false\n',
                        encoding="utf-8")
    gabarit = cal.PlanCalibration(
        nom="identifiabilite", parametres=BORNES, scenario=str(scenario), cibles=C.charger_cibles(ids=ids),
        menages=4000, replicats=2, graine=11, debut="2021-07", fin="2021-12", essais=1,
        surcharges={"simulation.rodage_semaines": 30})
    _, moyennes, _ = cal.evaluer(gabarit, VRAIES)
    tolerances = {"C5b": 0.015, "C5c": 0.012, "C6": 0.015}
    (tmp_path / "cibles.toml").write_text("\n".join(
        f'[[cible]]\nid = "{c}"\nannee = 2021\nvaleur = {moyennes[c]!r}\ntolerance = {tolerances[c]}\n'
        f'source = "modèle, valeurs vraies"\n' for c in ids), encoding="utf-8")
    (tmp_path / "plan.toml").write_text(PLAN_ENSEMBLE.format(scenario=scenario), encoding="utf-8")
    pe = ens.lire_plan_ensemble(tmp_path / "plan.toml")
    res = ens.construire_ensemble(pe, tmp_path / "ens", travailleurs=2, barre=False, ecrire=False)
    assert len(res.acceptes) >= 3, res.verification
    # L'émulateur final n'exclut pas les valeurs vraies (elles sont dans la région non implausible).
    vraies = np.array([[VRAIES[k] for k in pe.cles]])
    assert res.emulateur.implausibilite(vraies, 2)["max"].iloc[0] <= pe.reglages.seuil_implausibilite
    for cle, vraie in VRAIES.items():
        bas, haut = res.acceptes[cle].min(), res.acceptes[cle].max()
        lo, hi = pe.bornes[cle]
        assert bas <= vraie <= haut, (cle, bas, haut)
        assert haut - bas < 0.4 * (hi - lo), (cle, bas, haut)
