"""Tabs for model compression: quantisation, pruning and distillation."""
