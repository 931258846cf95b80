"""Stages 51–60, classical machine learning: supervised learning, regularisation and ensembles."""
