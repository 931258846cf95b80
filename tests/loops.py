"""``run_apart(coroutine)``: run a coroutine to its end on an event loop of its own, in a thread of its own.

Playwright's sync API (the browser tests) leaves an event loop running in the thread that used it,
and under pytest-xdist any other test file may run in that worker after them: ``asyncio.run`` there
fails with "cannot be called from a running event loop"."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_apart(coroutine):
    """The coroutine's result (or its exception), computed on a fresh loop in a fresh thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
