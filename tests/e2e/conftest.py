"""The app served by ``python app.py`` in a subprocess, and Debian's chromium driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from showcase.core import children
from tests import offline_run

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
OFFLINE_FLAGS = ("SHOWCASE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
# Without the networking flags chromium keeps trying hosts this closed network refuses, and stalls.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def try_steps(folder: Path) -> Path:
    """The tabs' guided steps as the app serves them (pages/*/*.try.toml), and the SVD tab's from
    tests/fixtures/try when it has none of its own: the browser test drives one (test_links.py)."""
    for path in [*(ROOT / "pages").glob("*/*.try.toml"), *(ROOT / "tests" / "fixtures" / "try").glob("*/*.try.toml")]:
        mine = folder / path.parent.name / path.name
        if not mine.exists():
            mine.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, mine)
    return folder


# cached before the app is built (``python app.py --warm``, as the Dockerfile does for every tab): its
# area's page then carries its result (pages/fill.py; test_tabs.py::test_an_area_page_carries_...)
WARMED = "math.svd"


def start_app(scratch: Path) -> tuple[children.Child, str, Path]:
    """``python app.py`` on a free port of 127.0.0.1, with a fresh examples cache (the browser sees
    what the code computes now, not an old run; ``WARMED``'s first example is cached just before it
    starts) and the guided steps: (process, url, log). In the
    test run's network namespace (``tests/offline_run.py``) it starts as a teacher would, with no
    offline setting: it must find out by itself that the hub is out of reach."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", SHOWCASE_OFFLINE="1",
               GRADIO_EXAMPLES_CACHE=str(scratch / "examples"), SHOWCASE_TRY_DIR=str(try_steps(scratch / "try")))
    env.pop("OMP_NUM_THREADS", None)   # the app's own default, as served (pages/__init__.py)
    if offline_run.inside():
        for flag in OFFLINE_FLAGS:
            env.pop(flag, None)
    log = scratch / "app.log"
    with open(log, "w") as out:
        # a Child: the app ends with the test run, even a killed one (showcase/core/children.py)
        process = children.Child(["bash", "-c", f'"{sys.executable}" app.py --warm {WARMED} && exec "{sys.executable}" app.py'],
                                 cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}", log


def wait_for(url: str, process=None, log: Path | None = None) -> None:
    """Until the app at ``url`` answers: the wait is for a start, not a speed check (on a shared
    2-core machine it can take minutes)."""
    deadline = time.time() + 600
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"app.py exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/gradio_api/info", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    if process is not None:
        process.kill()
    pytest.fail(f"the app at {url} did not answer within 600 s")


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """The app the browser tests drive: (url, its log or None, its pid or None)."""
    # an app already serving: `make test`'s two workers share one that tests/conftest.py starts
    # (each tab's first example computed once), or a deployed copy
    if os.environ.get("SHOWCASE_E2E_URL"):
        url = os.environ["SHOWCASE_E2E_URL"].rstrip("/")
        wait_for(url)
        log, pid = os.environ.get("SHOWCASE_E2E_LOG"), os.environ.get("SHOWCASE_E2E_PID")
        yield url, Path(log) if log else None, int(pid) if pid else None
        return
    process, url, log = start_app(tmp_path_factory.mktemp("server"))
    wait_for(url, process, log)
    yield url, log, process.pid
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def server_url(served):
    return served[0]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


# axe-core (installed by `make test` from the npm registry, version pinned in the Makefile)
# How often a page checks a condition the tests wait for. Playwright's default, every animation
# frame, ran selectors, innerText and checkVisibility 60 times a second in a page holding every tab
# it had opened: the browser's renderer took more CPU than either test worker in a whole run,
# while the app it waited on needed that CPU to compute.
POLL_MS = 200
AXE_JS = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# moderate too (issue #31): the page had no h1 (page-has-heading-one) and no serious rule saw it
IMPACTS = ("moderate", "serious", "critical")

# axe-core findings (moderate, serious, critical) that come from Gradio 6.31's own markup, which no
# argument of its components changes: rule id -> fragments of the node's selector or HTML, and what
# a fix upstream would be. Every other finding fails the test.
GRADIO_OWN_A11Y: dict[str, tuple[str, ...]] = {
    # An image output wraps its picture in a <button> that opens the full-screen view; before a
    # result (or for an output the share event gives no alt text) its only content is <img alt="">.
    # Upstream: aria-label the button ("View full screen") instead of relying on the image's alt.
    "button-name": ('<button class="svelte-12vrxzd"><div class="image-frame', ".image-container",
                    # the Chatbot's icon buttons (copy, retry) get aria-label="" in 6.31.
                    # Upstream: pass the i18n'd label ("Copy message") through to the button.
                    'button[aria-label=""]'),
    # Components with no value yet show <div aria-label="Empty value"> without a role, and
    # aria-label is prohibited on a plain div. Upstream: role="img" or role="status" on the
    # placeholder, or the words as visible (visually hidden) text instead of aria-label.
    "aria-prohibited-attr": ('aria-label="Empty value"',),
    # gr.Code's read-only CodeMirror scroller (tabindex=-1) holds no focusable content.
    # Upstream: tabindex="0" on .cm-scroller when the editor is read-only, as CodeMirror's docs advise.
    "scrollable-region-focusable": (".cm-scroller",),
}



AXE_RUN = """async (root) => {
  const result = await axe.run(root || document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary}))}));
}"""


def axe_findings(page, allowed: dict[str, tuple[str, ...]] | None = None, within=None) -> list[dict]:
    """axe-core's moderate, serious and critical violations on what ``page`` shows now (or in the element
    of locator ``within``), less the nodes ``allowed`` names (rule id -> fragments of the node's
    selector or HTML, in Gradio's own markup, each with its reason written beside it where it is
    declared)."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: `make test` installs axe-core with npm")
    # an output that an event is still computing is drawn at 20% opacity (Gradio's .pending): its text
    # then fails color-contrast (seen on CLIP's result while its second output ran); check the result
    page.wait_for_function("() => ![...document.querySelectorAll('.pending')].some(e => e.checkVisibility())",
                           polling=POLL_MS, timeout=120_000)
    # and back: it fades in again over 0.15 s (a CSS transition), and axe-core run at once read the
    # diffusion tab's result half-faded and failed color-contrast (CI, stop 35)
    page.wait_for_function("() => !document.getAnimations().some(a => a instanceof CSSTransition"
                           " && a.playState === 'running')", polling=POLL_MS, timeout=30_000)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = []
    for v in (within.evaluate(AXE_RUN) if within is not None else page.evaluate(AXE_RUN, None)):
        if v["impact"] not in IMPACTS:
            continue
        known = (allowed or {}).get(v["id"], ())
        nodes = [n for n in v["nodes"] if not any(f in n["target"] or f in n["html"] for f in known)]
        if nodes:
            found.append({**v, "nodes": nodes})
    return found


def describe(findings: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(f"{n['target']} {n['html']}" for n in v["nodes"][:4])
                     for v in findings)
