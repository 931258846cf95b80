"""Speed claims of the deploy tabs."""
