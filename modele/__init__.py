"""nonrecours : modèle multi-agents de l'accès aux droits sociaux sous dématérialisation."""
