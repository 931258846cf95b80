"""Shared test set-up: offline, quiet, and the repository root on the path."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SHOWCASE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")
# One torch/OpenMP thread in every test process and what it starts (the browser tests' app, the
# scripts, served apps): `make test` runs two workers, an app and chromium on two cores, and an
# OpenMP team of two then waits on a core another process holds. Measured (7 Dec), 120 steps of the
# distillation student beside one busy process: 2 threads 16.8 s, 1 thread 7.3 s (quiet: 5.3, 6.9).
os.environ.setdefault("OMP_NUM_THREADS", "1")
# what the app writes at run time (listening-test ratings) goes to a fresh folder, not the checkout
os.environ.setdefault("SHOWCASE_DATA", tempfile.mkdtemp(prefix="showcase-data-"))
# the in-process app's examples cache, per test process: `make test` runs two (pytest-xdist), and
# two processes filling one cache folder read each other's half-written files
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", tempfile.mkdtemp(prefix="showcase-examples-"))


import pytest  # noqa: E402 - after the environment is set

# `make test` runs two pytest-xdist workers (`-n 2`); whole files go to each, and these share one:
# the served-app checks (one `python app.py`, its RSS only its own) and the browser tests (one
# chromium). Their app is started by the controller (`pytest_configure`), so its start overlaps the
# workers' collection. The browser tests stay on one worker: split by language over two (7 Dec), two
# pages queued on the one-at-a-time training group, and on a loaded machine three fills passed
# test_tabs.py's 300 s wait. A plain `pytest tests/unit` runs in one process.
SHARE_A_WORKER = {"tests/app/test_leaks.py": "served_app", "tests/app/test_load.py": "served_app"}


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


def pytest_unconfigure(config):
    if (app := getattr(config, "e2e_app", None)) is not None:
        app.terminate()
        app.wait(timeout=20)
        shutil.rmtree(config.e2e_dir, ignore_errors=True)
