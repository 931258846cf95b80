"""Shared test set-up: offline, quiet, and the repository root on the path."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SHOWCASE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")
# what the app writes at run time (listening-test ratings) goes to a fresh folder, not the checkout
os.environ.setdefault("SHOWCASE_DATA", tempfile.mkdtemp(prefix="showcase-data-"))
# the in-process app's examples cache, per test process: `make test` runs two (pytest-xdist), and
# two processes filling one cache folder read each other's half-written files
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", tempfile.mkdtemp(prefix="showcase-examples-"))


import pytest  # noqa: E402 - after the environment is set

# `make test` runs two pytest-xdist workers (`-n 2`); whole files go to each, and these files share
# one: the served-app checks (one `python app.py`, its RSS only its own) and the browser tests (one
# served app, one chromium, each tab's fill computed once). A plain `pytest tests/unit` runs in one.
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
