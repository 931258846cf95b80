"""Tabs for classical machine learning: supervised learning, regularisation and ensembles."""
