"""The offline classroom (issue #17), when the whole test run is in a network namespace with only
loopback (``tests/offline_run.py``, as ``make test`` runs it as root): the browser tests' app was
started with no offline setting, and ``test_tabs.py`` (collected before this file) has just opened
every tab's first example in it, in both languages. Here: the namespace held, the app had no
offline setting to lean on, and its log shows no wait to retry the network.

Outside such a namespace, ``tests/app/test_offline_classroom.py`` makes its own offline pass.
"""

import socket
from pathlib import Path

import pytest

from benchmarks import offline
from tests import offline_run
from tests.e2e.conftest import OFFLINE_FLAGS

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_the_browsers_app_answered_every_tab_with_only_loopback(served):
    if not offline_run.inside():
        pytest.skip("the test run is not in a network namespace: tests/app/test_offline_classroom.py makes its pass")
    url, log, pid = served
    assert offline.interfaces() == ["lo"]
    with pytest.raises(OSError):   # the hub is out of reach, at once
        socket.create_connection(("huggingface.co", 443), timeout=3).close()
    assert pid is not None and log is not None, "the app was started elsewhere: its log and environment are unknown"
    environ = dict(line.split("=", 1) for line in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in line)
    leaned_on = [flag for flag in OFFLINE_FLAGS if flag in environ]
    assert not leaned_on, f"the app was told it is offline ({leaned_on}) instead of finding out"
    waits = offline.network_waits(Path(log).read_text(errors="replace"))
    assert not waits, f"the app waited to retry the network: {waits[:5]}"
