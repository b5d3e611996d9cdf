"""Benchmarks for copilot: one `bench_*.py` module per topic, run by `python -m benchmarks.run`."""
