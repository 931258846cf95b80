"""The deploy tabs: serving the models."""
