"""Shared plumbing for every topic: errors, settings, input checks, models, plots, code."""
