"""Roadmap Showcase backends: pure Python over the field's libraries, no Gradio."""
