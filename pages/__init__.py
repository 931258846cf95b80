"""The tabs: thin Gradio pages over ``showcase`` backends, one module per topic."""
