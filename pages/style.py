"""How the app looks: its CSS and its theme (contrast to WCAG AA), for ``launch()``."""

from __future__ import annotations

import gradio as gr

from pages import gradio_fixes

CSS = """
.app-title h1 { font-size: var(--text-xl); margin: 0; }
.topic-title h2 { margin-bottom: 0.2em; }
.topic-reference { border-left: 4px solid var(--color-accent); padding-left: 0.8em; }
.locale-probe { display: none !important; }
/* one language at a time: say() writes both halves, the probe of the shown tab picks one */
body:has(.locale-zh) .summary [lang="en"], body:not(:has(.locale-zh)) .summary [lang="zh"] { display: none; }
.summary { font-size: var(--text-lg); border-left: 4px solid var(--color-accent); padding-left: 0.8em; }
/* the result sentence never scrolls (Gradio gives a block overflow: auto): a scroll box without anything
   focusable in it is out of a keyboard's reach (axe scrollable-region-focusable, seen while it re-rendered) */
.block.summary { overflow: visible !important; }
/* Gradio's page bar says "Home" in English whatever the language (gr.Navbar(visible=False) leaves it on
   the area pages); our bilingual bar of links replaces it (pages/site.py) */
.gradio-container > .nav-holder { display: none; }
.summary table { font-size: var(--text-md); }
.examples-note { font-size: var(--text-sm); }
/* "Try this" (pages/try_this.py): a step's sentence beside its button, compact */
.try-step { align-items: center; }
.try-step .try-text p { margin: 0.15em 0; }
/* contrast (WCAG AA, axe-core's color-contrast): gr.Code's highlight style draws shell flags in
   #ebcb8b (1.6:1 on white), numbers in #88c0d0 (2:1) and strings in #d08770 (2.8:1), unreadable
   on a projector: code reads in the body colour. The audio player's times and speed are grey-400. */
.cm-editor .cm-line span { color: var(--body-text-color) !important; }
.timestamps time, button.playback, button.playback span { color: var(--body-text-color-subdued) !important; }
""" + gradio_fixes.CSS


def theme() -> gr.themes.Base:
    """Gradio's Soft theme with the contrast WCAG AA asks for (4.5:1, axe-core's color-contrast).
    Soft draws labels, primary buttons, the selected tab and radio choice in indigo-500, which
    reads 3.6:1 on its pale-indigo label backgrounds and 4.5:1 under white text, and its notes
    (slider ends, the footer) in grey-400, 2.5:1: indigo-600 (5.1:1 and 6.3:1) and grey-600 (7:1)."""
    indigo = gr.themes.colors.indigo
    shades = {f"c{k}": getattr(indigo, f"c{k}") for k in (50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950)}
    primary = gr.themes.Color(**{**shades, "c500": indigo.c600, "c600": indigo.c700}, name="indigo_aa")
    return gr.themes.Soft(primary_hue=primary).set(body_text_color_subdued="*neutral_600")
