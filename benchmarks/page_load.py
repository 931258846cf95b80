"""How fast the page is usable in a browser, beside a minimal Gradio app measured in the same run,
and how fast each tab shows its result sentence the first time it is opened.

    python -m benchmarks.page_load                       # page load (3 cold, 3 warm each), then every tab
    python -m benchmarks.page_load --repeats 5 --tabs math.svd,trust.shap
    python -m benchmarks.page_load --url http://127.0.0.1:7860 --no-tabs   # an app already serving

Debian's chromium driven by Playwright at a projector's 1280×720 (the flags of tests/e2e/conftest.py).
**Page load**: from the navigation's start (the page's own ``performance.now()``) until the first tab
button is visible and enabled, i.e. a learner can click it. *Cold*: a fresh browser context (no HTTP
cache, no service worker); *warm*: the same context loading the page again. The minimal app (two tabs,
a textbox and a button each) is the floor: what Gradio itself costs on this machine at this moment.
Both the roadmap (``/``) and the heaviest area page are loaded. **First open**: a fresh browser
context on the tab's area page clicks the tab; the time runs from the click until the tab's result
sentence (``.summary``) shows (an area's first tab, shown as its page opens: from the navigation's
start); the click waits until the page has drawn its first tab and gone quiet, as a learner reads it
first. The server started here serves examples cached at build (``python app.py --warm``), as the
Dockerfile does, so every learner, the first included, is served from the cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402
from showcase.core import children  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# as tests/e2e/conftest.py: without them chromium keeps trying hosts this closed network refuses
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROJECTOR = {"width": 1280, "height": 720}
HEAVIEST = "language"   # the area page with the most components (303 of them: the chat tab's among them)

MINIMAL_APP = textwrap.dedent("""
    import gradio as gr
    with gr.Blocks() as demo:
        with gr.Tab("One"):
            box = gr.Textbox(label="Text")
            gr.Button("Go").click(lambda s: s, box, box)
        with gr.Tab("Two"):
            gr.Textbox(label="More")
    demo.launch()
""")

# The first tab button a learner can click, or on the roadmap page (no tabs) its first link to an
# area: shown, enabled, laid out (Gradio draws them only once the config has arrived and the app has mounted).
TAB_USABLE = """() => [...document.querySelectorAll('[role="tab"], .area-nav a')]
  .some(b => b.checkVisibility() && !b.disabled && b.getBoundingClientRect().width > 0)"""

# A visible result sentence of the shown tab (pages.layout.result_note), as tests/e2e/test_tabs.py waits for it.
RESULT_SHOWN = """() => [...document.querySelectorAll('.summary')]
  .some(e => e.checkVisibility() && e.innerText.length > 20)"""


def summary(seconds: list[float]) -> dict:
    """Median, min and max of ``seconds``, rounded to milliseconds, and how many."""
    return {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3), "n": len(seconds)}


def time_to_usable(page, url: str, timeout_s: float = 120) -> float:
    """Load ``url`` in ``page`` and return the seconds from the navigation's start to a usable tab."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(TAB_USABLE, timeout=timeout_s * 1000, polling=20)
    return page.evaluate("performance.now()") / 1000


def page_loads(browser, url: str, repeats: int) -> dict:
    """``repeats`` cold loads (each a fresh context) and as many warm ones (the same context again)."""
    cold, warm = [], []
    for _ in range(repeats):
        context = browser.new_context(viewport=PROJECTOR, locale="en-US")
        page = context.new_page()
        cold.append(time_to_usable(page, url))
        warm.append(time_to_usable(page, url))
        context.close()
    return {"cold": summary(cold), "warm": summary(warm)}


# The selected tab is ``name`` (a tab's own title may differ from its name) and its panel shows its result sentence.
TAB_RESULT_SHOWN = """(name) => [...document.querySelectorAll('[role="tab"][aria-selected="true"]')]
  .some(b => b.innerText.trim() === name)
  && [...document.querySelectorAll('.tabitem .summary')].some(e => e.checkVisibility() && e.innerText.length > 20)"""


def first_open(browser, url: str, key: str, name: str, first: str | None, timeout_s: float = 300) -> float:
    """Seconds from a click on tab ``key`` (called ``name``) to its result sentence, in a fresh browser
    on its area's page once the page's first tab (called ``first``) shows its own; ``first`` None:
    ``key`` is that first tab, timed from the page's navigation start, as it fills when the page opens.
    (Not ``?tab=``: the page's load selecting the linked tab could undo a click made before it.)"""
    context = browser.new_context(viewport=PROJECTOR, locale="en-US")
    try:
        page = context.new_page()
        pending: set = set()
        page.on("request", lambda r: pending.add(r))
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: pending.discard(r))
        page.goto(f"{url}/{key.split('.')[0]}", wait_until="commit")
        page.wait_for_function(TAB_RESULT_SHOWN, arg=first or name, timeout=timeout_s * 1000, polling=20)
        if first is None:
            return page.evaluate("performance.now()") / 1000
        # The first tab may show its result as the page draws (it carries it: pages/fill.py) while the page
        # still fetches its files and answers its select; a learner reads it before clicking on, so the
        # click waits for the page to go quiet (no request in flight for 0.3 s; an open event stream aside)
        quiet = time.perf_counter()
        give_up = quiet + 10
        while time.perf_counter() - quiet < 0.3 and time.perf_counter() < give_up:
            if any(not r.url.split("?")[0].endswith("/queue/data") for r in pending):
                quiet = time.perf_counter()
            page.wait_for_timeout(20)
        started = time.perf_counter()
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_function(TAB_RESULT_SHOWN, arg=name, timeout=timeout_s * 1000, polling=20)
        return time.perf_counter() - started
    finally:
        context.close()


def minimal_app() -> server.Served:
    """The floor: the minimal two-tab app, on a free port of 127.0.0.1."""
    port = server.free_port()
    env = {"GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    process = children.Child([sys.executable, "-c", MINIMAL_APP], env={**os.environ, **env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    server.wait_for(url, process)
    return server.Served(process, url, time.perf_counter() - started)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def warmed(tabs: set[str] | None, cache: Path) -> list[tuple[str, str, str | None]]:
    """Cache the first examples into ``cache`` as the Dockerfile does (``python app.py --warm``), and list the
    tabs to open: (key, English name, the English name of its area's first tab, or None if it is that)."""
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(cache)   # before app builds: Gradio reads it then
    import app
    from pages import warm

    warm.warm(app.FILLS, tabs)
    shown: dict[str, str] = {}     # area -> its first tab's name, shown when its page opens
    rows = []
    for topic in app.available_topics():
        key = f"{topic.area}.{topic.name}"
        first = shown.setdefault(topic.area, topic.en)
        opens = app.FILLS.get(key)
        if opens is not None and opens.fills and (not tabs or key in tabs):
            rows.append((key, topic.en, None if first == topic.en else first))
    return rows


def run(url: str | None, repeats: int, tabs: set[str] | None, with_tabs: bool = True) -> dict:
    """Page loads of the app at ``url`` (or one started here, on examples cached at build) and of the
    minimal app, alternated round by round so that both meet the same machine; then each tab's first open."""
    import tempfile

    from playwright.sync_api import sync_playwright

    cache = Path(tempfile.mkdtemp(prefix="page-load-examples-"))
    rows = warmed(tabs, cache) if with_tabs and not url else []
    started = [] if url else [server.start({"GRADIO_EXAMPLES_CACHE": str(cache)})]
    floor = minimal_app()
    try:
        app_url = url or started[0].url
        with sync_playwright() as p:
            browser = launch_browser(p)
            rounds = {name: {"cold": [], "warm": []} for name in ("home", "area", "minimal")}
            for _ in range(repeats):    # one of each a round: a busy spell slows them all
                for name, at in (("home", app_url), ("area", f"{app_url}/{HEAVIEST}"), ("minimal", floor.url)):
                    one = page_loads(browser, at, 1)
                    rounds[name]["cold"].append(one["cold"]["median_s"])
                    rounds[name]["warm"].append(one["warm"]["median_s"])
            loads = {name: {k: summary(v) for k, v in r.items()} for name, r in rounds.items()}
            opens = {}
            for key, name, first in rows:
                opens[key] = round(first_open(browser, app_url, key, name, first), 3)
                print(key, opens[key], flush=True)
            browser.close()
    finally:
        server.stop(floor)
        for app in started:
            server.stop(app)
    return {"loads": loads, "opens": opens}


def section(result: dict, goal_s: float = 1.5, goal_ratio: float = 3.0) -> list[str]:
    """RESULTS.md's lines for ``run``'s result."""
    loads, opens = result["loads"], result["opens"]
    lines = ["## Page load and first tab open (Chromium, 1280×720)", "",
             f"Until the first tab button (on the roadmap: the first link) is usable; median (min–max) of n "
             f"loads, the minimal two-tab app measured in the same run, alternating. The roadmap is `/`; the "
             f"area page is `/{HEAVIEST}`, the heaviest. Goal: ≤ {goal_s} s and ≤ {goal_ratio}× the minimal app.", "",
             "| page | load | app | minimal app | ratio | n |", "|---|---|---|---|---|---|"]
    m_all = loads["minimal"]
    for page in ("home", "area"):
        for kind in ("cold", "warm"):
            a, m = loads[page][kind], m_all[kind]
            ratio = a["median_s"] / m["median_s"] if m["median_s"] else float("inf")
            lines.append(f"| {page} | {kind} | {a['median_s']} s ({a['min_s']}–{a['max_s']}) | {m['median_s']} s "
                         f"({m['min_s']}–{m['max_s']}) | {ratio:.1f}× | {a['n']} |")
    if opens:
        worst = max(opens, key=opens.get)
        lines += ["", f"First open of each tab that fills on open (a fresh browser on its area's page; from the "
                  f"click on the tab, or for an area's first tab from the page's navigation start, until its result "
                  f"sentence shows; examples cached at build by `python app.py --warm`): median "
                  f"{statistics.median(opens.values()):.2f} s, slowest {worst} {opens[worst]:.2f} s, "
                  f"{sum(v <= goal_s for v in opens.values())} of {len(opens)} within {goal_s} s.", "",
                  "| tab | first open |", "|---|---|"]
        lines += [f"| {key} | {seconds:.2f} s |" for key, seconds in opens.items()]
    return [*lines, ""]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an app already serving (default: start app.py here)")
    parser.add_argument("--repeats", type=int, default=3, help="cold and warm loads of each app")
    parser.add_argument("--tabs", help="comma-separated area.topic tabs to open (default: every tab that fills)")
    parser.add_argument("--no-tabs", action="store_true", help="only the page loads")
    args = parser.parse_args(argv)
    result = run(args.url, args.repeats, set(args.tabs.split(",")) if args.tabs else None, not args.no_tabs)
    print("\n".join(section(result)))


if __name__ == "__main__":
    main()
