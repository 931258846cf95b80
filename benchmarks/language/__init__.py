"""Speed claims of the language tabs."""
