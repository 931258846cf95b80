"""Speed claims of the model-compression tabs."""
