"""``make test`` runs pytest through here: inside a network namespace with only loopback, where it can.

The whole run is then the offline classroom (issue #17): every test, the browser's app and every
process they start see no network but ``lo``, so nothing can pass by reaching the hub, and no
separate offline pass recomputes every tab's first example (issue #26). The browser tests' app is
started as a teacher would, without ``SHOWCASE_OFFLINE`` or ``HF_HUB_OFFLINE``
(``tests/e2e/conftest.py``), and ``tests/e2e/test_tabs_offline.py`` checks it found out by itself.

The namespace needs root and util-linux's ``unshare`` (CI and ``make test`` run as root). Without
them pytest runs with the machine's network, says so, and ``tests/app/test_offline_classroom.py``
makes its own offline pass where it can.

    python -m tests.offline_run -n 2        # what `make test` runs; arguments go to pytest
"""

from __future__ import annotations

import os
import sys

from benchmarks import offline

MARK = "SHOWCASE_NETNS"   # set inside the namespace: "1"


def inside() -> bool:
    """Whether this process runs in the test run's namespace (only loopback)."""
    return os.environ.get(MARK) == "1" and offline.interfaces() == ["lo"]


def main(argv: list[str]) -> None:
    if os.environ.get(MARK) == "1":
        offline.loopback_up()
    elif (reason := offline.why_not()) is None:
        os.execvpe("unshare", ["unshare", "--net", sys.executable, "-m", "tests.offline_run", *argv],
                   {**os.environ, MARK: "1"})
    else:
        print(f"tests run with this machine's network ({reason}); the offline classroom test makes its own pass")
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
