"""Serving the models: a SageMaker-style REST service, a serverless function, the edge trade-off."""
