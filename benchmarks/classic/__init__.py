"""Benchmarks of the classical machine-learning tabs."""
