"""Children end with the app (issue #25, item 4): a parent that starts a child (which starts a
grandchild of its own) through ``children.Child`` is ended by SIGTERM, Ctrl-C (SIGINT), SIGKILL and
a normal exit; afterwards neither the child nor the grandchild is left. Every process the app
starts goes through ``children.Child``."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from showcase.core import children

ROOT = Path(__file__).resolve().parents[3]

# The parent: starts a child that starts a grandchild (as gunicorn starts its workers), prints both
# pids, then waits (or exits at once with "exit").
PARENT = r"""
import signal, subprocess, sys, time
from showcase.core import children
# Ctrl-C as in a terminal: a process started in the background by a shell without job control (a CI
# script's `cmd &`) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler
signal.signal(signal.SIGINT, signal.default_int_handler)
child = children.Child([sys.executable, "-c",
    "import subprocess, sys, time; g = subprocess.Popen(['sleep', '300']); print(g.pid, flush=True); time.sleep(300)"],
    stdout=subprocess.PIPE, text=True)
print(child.pid, child.stdout.readline().strip(), flush=True)
if sys.argv[1] != "exit":
    time.sleep(300)
"""


def alive_after(pids, timeout=15.0) -> list[int]:
    """The pids still alive (zombies count as gone) after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL", "exit"])
def test_a_child_and_its_grandchild_end_when_the_parent_ends(how):
    parent = subprocess.Popen([sys.executable, "-c", PARENT, how], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    pids = [int(p) for p in parent.stdout.readline().split()]
    try:
        assert len(pids) == 2 and (how == "exit" or alive_after(pids, timeout=0) == pids), pids
        if how != "exit":
            parent.send_signal(getattr(signal, how))
        parent.wait(30)
        assert alive_after(pids) == [], f"left behind after {how}: {pids}"
    finally:
        for pid in pids:
            children.kill_group(pid)
        parent.kill()


def test_a_killed_watchdog_is_replaced_and_told_every_running_child():
    script = r"""
import os, signal, subprocess, sys, time
from showcase.core import children
first = children.Child(["sleep", "300"])
os.kill(children._watchdog.pid, signal.SIGKILL)
children._watchdog.wait()
second = children.Child(["sleep", "300"])
print(first.pid, second.pid, children._watchdog.pid, flush=True)
time.sleep(300)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    first, second, watchdog = (int(p) for p in parent.stdout.readline().split())
    try:
        parent.kill()
        parent.wait(30)
        assert alive_after([first, second, watchdog]) == []
    finally:
        for pid in (first, second):
            children.kill_group(pid)


def test_stop_ends_the_whole_group_and_a_reaped_leader_leaves_no_orphans():
    child = children.Child([sys.executable, "-c", "import subprocess; subprocess.Popen(['sleep', '300']);"
                            "print('up', flush=True); import time; time.sleep(300)"], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "up"
    group = [p.pid for p in psutil.Process().children(recursive=True) if os.getpgid(p.pid) == child.pid]
    assert len(group) == 2 and child in children.running()
    # the leader dies alone (as with the out-of-memory killer): waiting for it ends the rest of its group
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL
    assert alive_after(group) == [] and child not in children.running()


def test_every_process_the_app_starts_goes_through_children():
    # subprocess.run waits for its child in the call; a Popen that outlives the call must be a Child
    sources = [p for p in (ROOT / "showcase").rglob("*.py") if p.name != "children.py"]
    sources += list((ROOT / "pages").rglob("*.py")) + [ROOT / "app.py"]
    found = {str(p.relative_to(ROOT)): len(re.findall(r"subprocess\.Popen\(|multiprocessing|os\.fork\(", p.read_text()))
             for p in sources}
    assert {k: v for k, v in found.items() if v} == {}
    assert sum("children.Child(" in p.read_text() for p in sources) >= 7
