"""Latency measured the same way in every tab: warm up, then alternate, then take the median.

When two things are compared on a shared two-core machine, their calls alternate, so that both
see the same background noise; the median of each side is the figure a tab shows.

    ms = median_ms(lambda: model(x), repeats=15)
    torch_ms, ort_ms = interleaved_ms([lambda: net(x), lambda: session.run(None, feed)], repeats=10)
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np


def samples_ms(fns: Sequence[Callable[[], object]], repeats: int, warmup: int = 1,
               every: Callable[[int], None] | None = None) -> list[list[float]]:
    """Each function's times in ms over ``repeats`` rounds, the functions alternating in each round."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for i in range(repeats):
        for fn, out in zip(fns, times):
            started = time.perf_counter()
            fn()
            out.append(1000 * (time.perf_counter() - started))
        if every is not None:
            every(i)
    return times


def interleaved_ms(fns: Sequence[Callable[[], object]], repeats: int, warmup: int = 1) -> list[float]:
    """The median ms of each function, measured alternating."""
    return [float(np.median(t)) for t in samples_ms(fns, repeats, warmup)]


def median_ms(fn: Callable[[], object], repeats: int = 10, warmup: int = 1) -> float:
    return interleaved_ms([fn], repeats, warmup)[0]
