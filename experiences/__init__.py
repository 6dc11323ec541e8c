"""Expériences : CLI, exécutions, comparaisons, balayages, calibration, rapports, page pédagogique."""
