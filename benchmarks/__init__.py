"""Benchmarks de performance et étalon « un agent par ménage » (hors suite de tests)."""
