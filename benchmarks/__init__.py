"""Benchmarks: ``python -m benchmarks`` writes benchmarks/RESULTS.md."""
