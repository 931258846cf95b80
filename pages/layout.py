"""The furniture of a tab, in the order it appears: header, examples, result note, metrics, code.

A tab is ``header(...)``, inputs, ``examples(...)``, outputs, ``result_note()``,
``metrics_json()`` and ``code_accordion(...)``; ``standalone``/``lazy_demo`` let the page run on
its own (``python -m pages.math.svd``), like the pages of Gradio's multipage guide.
"""

from __future__ import annotations

import contextlib
import html
import re
import threading

import gradio as gr

import pages.gradio_fixes  # noqa: F401 - its fixes apply on import, before any page is built
from pages.translation import tc
from showcase.core.code import source_of


def header(title, body, reference=None) -> None:
    """The tab's title, its few sentences of explanation and the published number to compare."""
    # hidden: its translated content tells the CSS which language the page shows (``say``)
    gr.HTML(tc("locale"), elem_classes="locale-probe", container=False, padding=False)
    gr.Markdown(title, elem_classes="topic-title")
    gr.Markdown(body)
    if reference is not None:
        gr.Markdown(reference, elem_classes="topic-reference")


def code_accordion(*objects) -> None:
    """The "The code" accordion with the source of the backend functions that did the work."""
    with gr.Accordion(tc("code"), open=False):
        gr.Code(source_of(*objects), language="python", interactive=False)


def result_note(*images: gr.Image) -> gr.Markdown:
    """Where a tab says its result in a sentence or two (a value made by ``say``), above the metrics.

    ``images``: what the same event shows beside it, outside the tab's first examples table (whose
    images the share panel describes, ``pages.classroom``): each gets the sentence, in the page's
    language, as its alt text when the sentence changes."""
    note = gr.Markdown(elem_classes="summary")
    if images:
        language = gr.Textbox(visible=False)   # filled in the browser by PAGE_LANGUAGE_JS

        def described(text, lang):
            alt = alt_text(text, "zh" if lang == "zh" else "en") or None
            updates = [gr.update(alt_text=alt) for _ in images]
            return updates if len(updates) > 1 else updates[0]

        note.change(described, [note, language], list(images), js=PAGE_LANGUAGE_JS, queue=False,
                    show_progress="hidden", api_visibility="private")
    return note


# The language the page shows, appended to an event's inputs in the browser: the language probe
# every tab carries (``header``) renders as .locale-zh in a Chinese page. This follows Settings →
# Language too, which neither the link nor the browser's Accept-Language would.
PAGE_LANGUAGE_JS = "(...values) => [...values.slice(0, -1), document.querySelector('.locale-zh') ? 'zh' : 'en']"


def alt_text(note, lang: str) -> str:
    """The half of a ``say()`` result in ``lang`` as plain text, its table left out: an image's alt text."""
    found = re.search(rf'<div lang="{lang}">\s*(.*?)\s*</div>', note or "", re.S)
    if not found:
        return ""
    lines = [line for line in found.group(1).splitlines() if line.strip() and not line.lstrip().startswith("|")]
    text = re.sub(r"[*_`#>]+", "", " ".join(lines))
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def metrics_json(*full_tables: gr.components.Component) -> gr.JSON:
    """The metrics: the API's contract and every tab's last output, folded away under the result
    in the accordion "All the numbers", after ``full_tables`` (outputs made with ``render=False``:
    a wide table whose readable digest the page shows in its ``say`` result)."""
    with gr.Accordion(tc("metrics_all"), open=False, elem_classes="metrics-accordion"):
        for table in full_tables:
            table.render()
        return gr.JSON(show_label=False, elem_classes="metrics", max_height=360)


# The pages being built, each with the examples tables made so far. Per thread: a page is built
# by the thread that builds the app (or a lazily built tab), and two builds must not mix.
_building = threading.local()


def _recording() -> list[list[gr.Examples]]:
    if not hasattr(_building, "stack"):
        _building.stack = []
    return _building.stack


def examples(rows, inputs, outputs, fn, note=None, **kwargs) -> gr.Examples:
    """``gr.Examples`` cached lazily, with ``note``: one translated line on what the rows show.

    The first row shows the method working; later rows may be hard cases, and ``note`` says what
    goes wrong in them and why (Gradio's example labels are not translated, so the note does it).
    The first table a page makes this way is the one its tab opens with (see ``pages/fill.py``)."""
    if note is not None:
        gr.Markdown(note, elem_classes="examples-note")
    kwargs.setdefault("cache_examples", True)
    kwargs.setdefault("cache_mode", "lazy")
    kwargs.setdefault("label", tc("examples"))
    made = gr.Examples(rows, inputs, outputs, fn=fn, **kwargs)
    if stack := _recording():
        stack[-1].append(made)
    return made


@contextlib.contextmanager
def recording_examples():
    """``with recording_examples() as made: page.build()``: ``made`` lists the ``gr.Examples``
    that ``examples()`` created inside, in order; app.py opens each tab with the first one."""
    made: list[gr.Examples] = []
    stack = _recording()
    stack.append(made)
    try:
        yield made
    finally:
        stack.remove(made)


def fix_example_headers(demo: gr.Blocks) -> None:
    """Examples tables show their inputs' labels as column headers, which the browser does not
    translate (Gradio 6.31's Dataset prints an i18n key raw): show no header row; the inputs
    above the table carry the translated names, in the same order."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Dataset):
            block.headers = []


def standalone(build, title: str = "Roadmap Showcase") -> gr.Blocks:
    """One page as its own app (``python -m pages.math.svd``), like Gradio's multipage demos."""
    with gr.Blocks(title=title) as demo:
        build()
    fix_example_headers(demo)
    return demo


def lazy_demo(build):
    """A page's module ``__getattr__``: ``demo`` is built on first use, so app.py importing the
    page costs nothing, while ``gradio pages/x/y.py`` and ``python -m pages.x.y`` still find it."""

    def module_getattr(name):
        if name == "demo":
            return standalone(build)
        raise AttributeError(name)

    return module_getattr
