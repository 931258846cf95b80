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
