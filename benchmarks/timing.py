"""Timing helpers shared by the claim modules: best-of for steady work, median for noisy work."""

from __future__ import annotations

import statistics
import time


def _times(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def best_of(fn, repeat: int = 3) -> float:
    """Fastest of ``repeat`` calls, in seconds: the cost with the least interference."""
    return min(_times(fn, repeat))


def median_of(fn, repeat: int = 5) -> float:
    """Median of ``repeat`` calls after one warm-up call, in seconds."""
    fn()
    return statistics.median(_times(fn, repeat))


def warm_times_ms(fn, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls after one warm-up call (a first call that loads a model,
    or compiles with numba, is not part of a latency claim)."""
    fn()
    return [1000 * t for t in _times(fn, repeat)]
