"""A training run yields the CPU to the quick clicks: its handler runs in a thread of its own at a
lower priority (``nice`` + ``NICE``), and its caller waits for it as before.

    from pages.priority import lowered
    run = lowered(run)     # app.py does this for every handler of the training pool (gradio_fixes)

On a 2-core box one training run (the ``cpu_training`` pool runs one at a time, on one torch
thread) takes a whole core while it runs, and in a class one is nearly always running: every other
click, page and file then shares the second core with the students' own requests. Linux schedules
threads, and a thread's nice value weighs its share when the cores are contended (nice 10 against
0: about a tenth), so at 10 the quick clicks go first and the run takes the cores nobody else
wants; on an idle box it runs as fast as before. A thread's niceness cannot be lowered back without
privileges (a Space runs as a plain user), so each run gets a fresh thread, and its priority ends
with it. Processes the run starts (the DDP tab's workers) inherit it.

Gradio's context (the event's progress bar, its request) is in context variables, so the thread
runs the handler in a copy of the caller's context. Test: ``tests/unit/test_priority.py``.

``TRAINING_LOCK`` is held by every run of the training pool (a streaming run: while each step
computes). Gradio's queue already runs them one at a time, since two torch runs at once in one
process can break each other; the lock lets work started outside the pool wait its turn too: a
tab's first example read from the cache needs no turn, but computing it does (``pages/fill.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import os
import queue
import threading

NICE = 10
TRAINING_LOCK = threading.Lock()    # one training-pool computation at a time, queued by Gradio or not

log = logging.getLogger("showcase")


def lower_this_thread(by: int = NICE) -> bool:
    """Raise the calling thread's nice value by ``by``; False where the platform has no per-thread nice."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + by)
        return True
    except (AttributeError, OSError):     # not Linux: the run keeps its priority, nothing else changes
        return False


def lowered(fn, lock: threading.Lock | None = None):
    """``fn`` run in a new thread at ``NICE`` lower priority, in the caller's context, holding ``lock``
    if given; returns its result or raises its exception in the caller, as ``fn`` would."""
    if getattr(fn, "lowered", False):
        return fn
    if inspect.isgeneratorfunction(fn):
        return lowered_generator(fn, lock)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        context, outcome = contextvars.copy_context(), {}

        def body():
            lower_this_thread()
            try:
                with lock or contextlib.nullcontext():
                    outcome["result"] = context.run(fn, *args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                outcome["error"] = exc

        worker = threading.Thread(target=body, name=f"lowered-{fn.__name__}", daemon=True)
        worker.start()
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    wrapper.lowered = True
    return wrapper


def lowered_generator(fn, lock: threading.Lock | None = None):
    """``lowered`` for a handler that streams (yields its progress): the generator runs in its own
    thread, one step ahead at most, each step in the caller's context and holding ``lock`` while it
    computes (a stream nobody reads holds no one up); closing the wrapper (the learner left) closes
    it after its current step."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        context, steps, stop = contextvars.copy_context(), queue.Queue(maxsize=1), threading.Event()

        def put(message) -> None:
            while not stop.is_set():
                try:
                    steps.put(message, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def body():
            lower_this_thread()
            turn = lock or contextlib.nullcontext()
            try:
                generator = context.run(fn, *args, **kwargs)
                while not stop.is_set():
                    try:
                        with turn:           # held while a step computes, never while it waits to be read
                            step = context.run(next, generator)
                    except StopIteration:
                        break
                    put(("step", step))
                with turn:
                    context.run(generator.close)
                put(("end", None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                put(("error", exc))

        threading.Thread(target=body, name=f"lowered-{fn.__name__}", daemon=True).start()
        try:
            while True:
                kind, value = steps.get()
                if kind == "error":
                    raise value
                if kind == "end":
                    return
                yield value
        finally:
            stop.set()

    wrapper.lowered = True
    return wrapper
