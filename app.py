"""Roadmap Showcase: one Gradio app with a tab per topic of the roadmap's stages 51–100: the roadmap
at ``/`` and a page per area (``/math``, ``/vision``…) holding its topics' tabs (``pages/site.py``).

    python app.py                      # http://127.0.0.1:7860 (GRADIO_SERVER_NAME / _PORT honoured)
    python app.py --warm               # optional, before: every tab's first example into the cache
    python -m pages.math.svd           # one page on its own

Tabs are built for every topic whose page module exists (``pages/<area>/<topic>.py``); a page
that fails to import or build shows its error in its tab and the rest of the app still runs.
Models load on first use, never here, so start-up stays close to ``import gradio, torch``.
A topic tab opens showing its first example's result, computed when the tab is first shown and
then served from Gradio's example cache (``pages/fill.py``); a page that trains opts out.
A link opens a tab with its settings (``/?tab=math.svd&rank=8&example=2``, ``pages/links.py``), and
every tab offers the run on screen as a link, a script and a notebook, and its guided steps
(``pages/classroom.py``).
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import logging
import threading
import time
import traceback

import pages  # first: it caps BLAS threads before numpy loads (see pages/__init__.py)

import gradio as gr

from pages import classroom, fill, gradio_fixes, home, links, site
from pages.launch import launch_kwargs
from pages.layout import fix_example_headers, recording_examples
from pages.scratch import temp_schedule
from pages.translation import strings
from showcase.core.settings import ROOT, data_line, settings
from showcase.core.topics import AREAS, all_topics

log = logging.getLogger("showcase")
t = strings("app", {
    "failed": ("This tab failed to load:", "此标签页加载失败:"),
    "home": ("Roadmap", "路线图"),
})

def available_topics():
    """Topics that have a page module, in roadmap order."""
    return [x for x in all_topics() if (ROOT / "pages" / x.area / f"{x.name}.py").is_file()]


# How each built topic's tab opens ("area.name" -> pages.fill.Fill), filled by build_app().
FILLS: dict[str, fill.Fill] = {}


def _build_page(topic, tab: gr.Tab) -> fill.Fill | None:
    """Build the topic's page inside ``tab`` and make the tab open with its first example."""
    try:
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        with recording_examples() as made:
            page.build()
        opens = fill.wire(tab, page, made)
        classroom.wire(tab, made, getattr(page, "FILL_ON_OPEN", True))
        return opens
    except Exception:  # noqa: BLE001 - one broken page must not take the app down
        log.exception("page %s failed", topic.module)
        gr.Markdown(t("failed"))
        gr.Code(traceback.format_exc(limit=3), language=None, interactive=False)
        return None


def build_app() -> gr.Blocks:
    """The roadmap at ``/`` and a page per area holding its topics' tabs (``pages/site.py``: a page
    sends the browser only its own components, so it is usable in about a second)."""
    topics = available_topics()
    built = {f"{x.area}.{x.name}" for x in topics}
    areas = [area for area in AREAS if any(x.area == area for x in topics)]
    FILLS.clear()
    # Every result's files (images, audio, plots saved as files) are copied into Gradio's temp
    # folder; without delete_cache it only grows while the server runs. Files older than
    # SHOWCASE_TEMP_AGE_S (an hour) go, checked every tenth of that (tests/app/test_leaks.py).
    with gr.Blocks(title="Roadmap Showcase · 路线图演示", delete_cache=temp_schedule()) as demo:
        site.header(areas, None, home.t("title"), t("home"), home.area_t)
        note = classroom.home_note()   # why a link did not open a tab
        home.build(built)
        links.route(demo, None, note)   # a refused link says why here
    for area in areas:
        with demo.route(AREAS[area][0], site.path_of(area), show_in_navbar=False):
            site.header(areas, area, home.t("title"), t("home"), home.area_t)
            note = classroom.home_note()
            with gr.Tabs() as topic_tabs:
                for topic in (x for x in topics if x.area == area):
                    key = f"{topic.area}.{topic.name}"
                    with gr.Tab(home.topic_t(key), id=key) as tab:
                        if (opens := _build_page(topic, tab)) is not None:
                            FILLS[key] = opens
            links.route(demo, topic_tabs, note)   # /math?tab=math.svd&rank=8 opens that tab so set
    fix_example_headers(demo)
    name_tools(demo)
    demo.queue(max_size=64, default_concurrency_limit=2)
    gradio_fixes.one_heavy_job_per_session(demo)   # fix 6
    gradio_fixes.training_yields(demo)             # a training run takes the CPU the quick clicks leave
    return demo


def name_tools(demo: gr.Blocks) -> None:
    """Name each public handler after its ``api_name``: Gradio 6.31 names an MCP tool after its
    function (``GradioMCPServer.get_tool_to_endpoint``), and most tabs' handlers are called ``run``,
    which made the tools ``run``, ``run_1``, ``run_2``… Only ``__name__`` changes: logs, the code
    accordions, links and scripts read the function ``guard`` wraps. A handler that is no tool
    (training, ratings) is left alone: ddp's is not wrapped, and renaming it broke its script's
    import (tests/app/test_mcp.py lists the tools; tests/app/test_scripts.py runs the scripts)."""
    named: dict[int, str] = {}
    for block_fn in demo.fns.values():
        if block_fn.fn is None or not block_fn.api_name or block_fn.api_visibility != "public":
            continue
        if not gradio_fixes.is_a_tool(block_fn.fn):
            continue
        if named.setdefault(id(block_fn.fn), block_fn.api_name) == block_fn.api_name:
            block_fn.fn.__name__ = block_fn.api_name


def settle() -> None:
    """Move every object alive now (the modules, the built pages: ~490,000 objects) out of the
    garbage collector's sight: they live as long as the app, and a full collection walking them
    took 100–250 ms inside whichever request was running (the regularization tab's p95 was twice
    its p50: 110 against 58 ms). Measured on a busy 2-core machine: a full collection 230 → 20 ms.
    What a handler loads on its first call is frozen after it (``pages.guard.settle_once``)."""
    gc.collect()
    gc.freeze()


def trim_heap_every(seconds: int) -> threading.Thread | None:
    """Hand the heap memory that requests freed back to the system every ``seconds`` (glibc's
    ``malloc_trim``): glibc keeps it in its arenas for reuse, and with a request's arrays of
    changing sizes that held memory crept up (the speech synthesis tab: +5 to +12% RSS over 200
    calls, back below its start after one trim). Not often: the calls just after a trim fault
    their pages in again (with a trim every 30 s the edge benchmark took 4.5 s instead of 3.6),
    so the default is every 300 s. Nothing to do off glibc, or with ``seconds`` 0."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    if seconds <= 0:
        return None

    def loop():
        while True:
            time.sleep(seconds)
            trim(0)

    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    return thread


demo = build_app()

if __name__ == "__main__":
    import signal
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if "--warm" in sys.argv:   # python app.py --warm [area.topic,...]: cache first examples, then exit
        from pages import warm

        at = sys.argv.index("--warm")
        sys.exit(warm.main(FILLS, sys.argv[at + 1] if len(sys.argv) > at + 1 else None))
    # SIGTERM (a test's terminate(), a container stopping) would end the process without its atexit
    # handlers, leaving the REST API tab's gunicorn running with no parent: exit the Python way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info(data_line())
    settle()
    trim_heap_every(settings().trim_s)
    demo.launch(**launch_kwargs())
