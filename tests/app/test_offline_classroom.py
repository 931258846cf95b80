"""The offline classroom (issue #17): the app in a network namespace with only loopback answers
every tab's first example, nothing waits on a network retry (its log holds no retry), and each
tab names its model.

When ``make test`` runs the whole test run in such a namespace (``tests/offline_run.py``), this
pass would repeat what the browser tests just did there: it is skipped, and
``tests/e2e/test_tabs_offline.py`` checks the browser tests' app instead. Every tab naming its
model is checked in ``tests/app/test_every_endpoint.py``.

``python -m benchmarks.offline`` does the work (``unshare --net``, loopback up, ``python app.py``
with neither ``SHOWCASE_OFFLINE`` nor ``HF_HUB_OFFLINE`` set, each tab's main call through
``gradio_client``); this test runs it and checks its rows. It needs root for the namespace, as CI
and ``make test`` have here; elsewhere it is skipped with the reason.
"""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import offline
from showcase.core.settings import ROOT
from tests import offline_run

pytestmark = pytest.mark.slow

from tests.app.test_every_endpoint import NO_MODEL  # noqa: E402


# the whole app's every first example in one call: on a busy 2-core machine past pytest.ini's 600 s
@pytest.mark.timeout(1800)
def test_every_tab_answers_its_first_example_with_only_loopback(tmp_path):
    if offline_run.inside():
        pytest.skip("the whole test run is offline: tests/e2e/test_tabs_offline.py checks the browser tests' app")
    if (reason := offline.why_not()) is not None:
        pytest.skip(f"no network namespace here: {reason}")
    out = tmp_path / "offline.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.offline", "--json", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=1500,
                         env={**os.environ, "OFFLINE_APP_LOG": str(tmp_path / "app.log")})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    print("\n".join(offline.section(result)))
    assert result["interfaces"] == ["lo"]
    rows = result["rows"]
    assert len(rows) >= 30
    failed = {r["tab"]: r["error"] for r in rows if r["error"]}
    assert not failed, failed
    # no call waited on the network: the log, not the seconds, which a busy machine stretches
    waits = offline.network_waits((tmp_path / "app.log").read_text(errors="replace"))
    assert not waits, f"the app waited to retry the network: {waits[:5]}"
    unnamed = sorted(r["tab"] for r in rows if not r["served_by"] and r["tab"] not in NO_MODEL)
    assert not unnamed, f"these tabs do not say which model served: {unnamed}"
