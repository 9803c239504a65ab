"""Benchmarks: each script runs alone (``python bench/<name>.py``); ``run_all.py`` runs them all.

A package so that helpers are imported one way (``from bench.probe_bot import running_bot``)
and import-linter can hold it to its rule: bench may use gateway, never tests.
"""
