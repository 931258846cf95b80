"""Speed claims of the math tabs."""
