"""Stages 86–90, model compression: quantisation, pruning and distillation, on the zoo in ``zoo.py``."""
