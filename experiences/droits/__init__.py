"""Table des droits légaux calculée hors ligne par OpenFisca-France (voir README.md du dossier)."""
