"""Shared test set-up: offline, quiet, and the repository root on the path."""

import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SHOWCASE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")
# The test processes keep torch's two threads: a worker often has the other core to itself (the other
# waits on a server or the browser); a run with one thread each took 40% longer in tests/unit. The
# apps the run starts use the app's own default of one (pages/__init__.py; tests/e2e/conftest.py,
# benchmarks/server.py), as served to a class.
os.environ.setdefault("OMP_NUM_THREADS", str(min(2, os.cpu_count() or 1)))
# what the app writes at run time (listening-test ratings) goes to a fresh folder, not the checkout
os.environ.setdefault("SHOWCASE_DATA", tempfile.mkdtemp(prefix="showcase-data-"))
# the in-process app's examples cache, per test process: `make test` runs two (pytest-xdist), and
# two processes filling one cache folder read each other's half-written files
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", tempfile.mkdtemp(prefix="showcase-examples-"))
# Every process of this test run carries it (workers, apps, their children): none may outlive the
# run. An xdist worker keeps its controller's; any other pytest (a run a test starts) makes its own.
RUN_MARK = "SHOWCASE_TEST_RUN"


def _run_mark() -> str:
    inherited = os.environ.get(RUN_MARK, "")
    owner = inherited.split("-")[0]
    if owner == str(os.getpid()) or (os.environ.get("PYTEST_XDIST_WORKER") and owner == str(os.getppid())):
        return inherited
    return f"{os.getpid()}-{uuid.uuid4().hex}"


os.environ[RUN_MARK] = _run_mark()


import pytest  # noqa: E402 - after the environment is set

# `make test` runs two pytest-xdist workers (`-n 2`); whole files go to each, and these share one:
# the served-app checks (one `python app.py`, its RSS only its own) and the browser tests (one
# chromium). Their app is started by the controller (`pytest_configure`), so its start overlaps the
# workers' collection. The browser tests stay on one worker: split by language over two (7 Dec), two
# pages queued on the one-at-a-time training group, and on a loaded machine three fills passed
# test_tabs.py's 300 s wait. A plain `pytest tests/unit` runs in one process.
SHARE_A_WORKER = {"tests/app/test_leaks.py": "served_app", "tests/app/test_load.py": "served_app",
                  # each tab's first example, computed once: the backends keep results per process
                  "tests/app/test_every_endpoint.py": "first_examples", "tests/app/test_scripts.py": "first_examples",
                  "tests/app/test_try_numbers.py": "first_examples",
                  "tests/app/test_optimize_quantization.py": "first_examples"}


def scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the group above."""
    path = nodeid.split("::", 1)[0]
    return "browser" if path.startswith("tests/e2e/") else SHARE_A_WORKER.get(path, path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Files, not tests, go to the workers (xdist's ``loadfile``), with the groups above. (xdist
    3.8's own ``loadgroup`` does nothing under pytest 9.2, whose node ids can no longer be renamed.)"""
    from xdist.scheduler import LoadFileScheduling

    class Grouped(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return Grouped(config, log)


def runs_the_browser_tests(config) -> bool:
    """Whether this run selects tests/e2e (by its paths and ``-m``), as far as the arguments tell."""
    if "not e2e" in (config.option.markexpr or ""):
        return False
    e2e = ROOT / "tests" / "e2e"
    paths = [Path(config.invocation_params.dir, a.split("::", 1)[0]).resolve() for a in config.args]
    return any(p == e2e or e2e in p.parents or p in e2e.parents for p in paths)


def pytest_configure(config):
    """In xdist's controller, before its workers start (they inherit SHOWCASE_E2E_URL): the app that
    the browser tests drive. It ends with the controller."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None) \
            or os.environ.get("SHOWCASE_E2E_URL") or not runs_the_browser_tests(config):
        return
    from tests.e2e.conftest import start_app

    config.e2e_dir = Path(tempfile.mkdtemp(prefix="showcase-e2e-"))
    config.e2e_app, url, log = start_app(config.e2e_dir)
    os.environ.update(SHOWCASE_E2E_URL=url, SHOWCASE_E2E_LOG=str(log), SHOWCASE_E2E_PID=str(config.e2e_app.pid))


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session):
    """In the process that started the run (the xdist controller, or a plain pytest), after the
    workers are gone: stop the browser tests' app, then fail the run if any process it started is
    still there (issue #25: the test suite leaves no server behind). Leftovers are named and killed."""
    yield
    if hasattr(session.config, "workerinput"):
        return
    if (app := getattr(session.config, "e2e_app", None)) is not None:
        app.terminate()
        app.wait(timeout=20)
        shutil.rmtree(session.config.e2e_dir, ignore_errors=True)
    left = leftovers(os.environ[RUN_MARK], wait=30)
    if left:
        print(f"\nthese processes of the test run outlived it (killed now): {left}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def leftovers(mark: str, wait: float) -> list[str]:
    """The processes other than this one that carry ``mark`` ``wait`` seconds on (or as soon as
    none do): their pid and command line; each is killed."""
    import psutil

    from showcase.core import children

    mine = {os.getpid(), children.watchdog_pid()}   # this run's watchdog ends its groups after it
    deadline = time.monotonic() + wait
    while True:
        found = []
        for p in psutil.process_iter():
            try:
                if p.pid not in mine and p.status() != psutil.STATUS_ZOMBIE and p.environ().get(RUN_MARK) == mark:
                    found.append(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        if not found or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    named = []
    for p in found:
        try:
            named.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
            p.kill()
        except psutil.NoSuchProcess:
            pass
    return named
