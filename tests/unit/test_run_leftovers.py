"""A test run fails when a process it started outlives it (tests/conftest.py, issue #25 item 4):
the check finds a process that carries the run's mark, names it and kills it, and leaves alone the
processes that carry another run's mark."""

import os
import subprocess
import sys
import uuid

from tests.conftest import RUN_MARK, leftovers


def test_a_process_with_the_runs_mark_is_found_named_and_killed():
    mark, other = uuid.uuid4().hex, uuid.uuid4().hex
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    mine = subprocess.Popen(sleeper, env={**os.environ, RUN_MARK: mark})
    theirs = subprocess.Popen(sleeper, env={**os.environ, RUN_MARK: other})
    try:
        found = leftovers(mark, wait=1)
        assert [line.split()[0] for line in found] == [str(mine.pid)] and "time.sleep(120)" in found[0]
        assert mine.wait(timeout=10) != 0 and theirs.poll() is None
        assert leftovers(mark, wait=0) == []
    finally:
        for p in (mine, theirs):
            p.kill()
            p.wait()
