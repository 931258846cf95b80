"""Stages 51–60: linear algebra, probability and optimisation."""
