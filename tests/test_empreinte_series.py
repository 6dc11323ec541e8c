"""Empreinte d'une petite exécution : les optimisations de performance ne doivent changer aucun résultat.

L'empreinte (SHA-256 des colonnes et des valeurs arrondies à 1e-9) a été calculée AVANT les optimisations
(issue 6), puis recalculée sur main sans les optimisations quand le modèle a changé (report des heures des
acteurs, mandat du service payant ; puis renouvellement démographique et lien RSA → CSS ; puis effet de l'offre
d'accompagnement sur le repli, choix de l'acteur au prorata de l'offre et selon l'attente annoncée ; puis échéances
initiales datées du début du rodage ; puis population en euros, événements de vie, nouveaux identifiants,
montant dû par ménage lu dans la table des droits et nouveaux indicateurs, issue 12 ; puis causes selon la
typologie ODENORE, non-proposition comme acte de l'agent, comptes d'heures par genre et territoire,
files persistantes des guichets, flux mensuels en moyenne hebdomadaire × 52/12 et semaines_releve, issue 13 ;
puis déclarations erronées de l'aidant qui garde les identifiants, indus, n_indus et n_declarations_aidant,
issue 14 ; puis indicateurs des cibles C8 et C9, issue 15 ; puis aidants individuels, postures, rendez-vous,
tension et départs, habilitation Aidants Connect partielle dans la référence, issue 14 ; puis files des guichets
servies en une passe vectorisée, issue 19 : autre ordre des tirages du flux `guichets`, équivalence statistique
dans docs/performance.md ; puis entourage au temps limité et service payant au tarif, qui gardent des identifiants et
déclarent ; un épisode commencé va à son terme malgré la patience, issue 14) :
elle est la même avec et sans les optimisations. Si un changement voulu du modèle
change les tirages ou les règles, recalculer l'empreinte (sur le code sans l'optimisation en cours) et le dire
dans le message de commit ; une optimisation pure doit la laisser inchangée.
"""

from __future__ import annotations

import hashlib

import numpy as np

EMPREINTE = "76770e7fd94fd726c1a715960bdaec6e0eb721daf22bce897c88f4f21bb9ba92"


def empreinte(series) -> str:
    """SHA-256 du tableau long trié (étiquettes puis valeurs arrondies, NaN codés -999)."""
    s = series.sort_values(["date", "indicateur", "prestation", "groupe"]).reset_index(drop=True)
    h = hashlib.sha256()
    for c in ("date", "indicateur", "prestation", "groupe"):
        h.update("|".join(s[c].astype(str)).encode())
    v = np.round(s["valeur"].to_numpy(float), 9)
    h.update(np.nan_to_num(v, nan=-999.0).tobytes())
    return h.hexdigest()


def test_empreinte_petite_execution_inchangee(run_court, tmp_path_factory):
    # Référence SANS la calibration livrée (l'empreinte ne doit pas changer à chaque recalibration) ; l'indicateur
    # taux_non_recours_selon_autre, ajouté après le calcul de l'empreinte, est retiré (il n'ajoute que des lignes).
    sans_cal = tmp_path_factory.mktemp("empreinte") / "reference_sans_calibration.toml"
    sans_cal.write_text('[scenario]\nnom = "reference_sans_calibration"\nquestion = "empreinte"\nbase = "reference"\n'
                        'calibration = false\n', encoding="utf-8")
    r = run_court(str(sans_cal), 7, 3000, "2014-01", "2016-12")
    s = r.series[r.series["indicateur"].astype(str) != "taux_non_recours_selon_autre"]
    assert len(s) == 59970
    assert empreinte(s) == EMPREINTE
