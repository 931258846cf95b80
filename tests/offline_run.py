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
import subprocess
import sys

from benchmarks import offline

MARK = "SHOWCASE_NETNS"   # set inside the namespace: "1"

# librosa compiles its numba kernels on first use into a cache in its own folder (cache=True). In a
# fresh checkout two workers and the apps compiled the same kernels at once, and one read the other's
# half-written cache file: a segfault in librosa.yin (fresh run C, 7 Dec). One process fills the cache
# first, with the calls the project makes; the rest then load it (~20 s of compiling, once).
NUMBA_KERNELS = """
import numpy as np, librosa
y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050).astype(np.float32)
librosa.yin(y, fmin=60, fmax=500, sr=22050)
librosa.effects.trim(np.concatenate([np.zeros(2205, np.float32), y]))
m = librosa.feature.melspectrogram(y=y, sr=22050)
librosa.feature.delta(librosa.feature.mfcc(S=librosa.power_to_db(m)))
librosa.griffinlim(np.abs(librosa.stft(y)), n_iter=2)
librosa.resample(y, orig_sr=22050, target_sr=16000)
"""


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
    subprocess.run([sys.executable, "-c", NUMBA_KERNELS], check=False)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
