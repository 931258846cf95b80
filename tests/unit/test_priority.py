"""A training run yields the CPU (``pages/priority.py``): its handler runs in a thread of its own, at
a higher nice value, in the caller's context; the caller gets its result or its exception, and keeps
its own priority. Through Gradio: ``gradio_fixes.training_yields`` lowers the training pool's
handlers, and their progress bar still reaches the client.

    python -m pytest tests/unit/test_priority.py -q
"""

from __future__ import annotations

import contextvars
import os
import threading
import time

import gradio as gr
import pytest

from pages import gradio_fixes, priority

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="per-thread nice is Linux's")

WHO = contextvars.ContextVar("who", default=None)


def nice_here() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_lowered_call_runs_apart_at_a_lower_priority_in_the_callers_context():
    seen = {}

    def work(a, b=0):
        seen.update(thread=threading.get_ident(), nice=nice_here(), who=WHO.get())
        return a + b

    before = nice_here()
    WHO.set("ada")
    run = priority.lowered(work)
    assert run(2, b=3) == 5 and run.__wrapped__ is work and priority.lowered(run) is run
    assert seen["thread"] != threading.get_ident() and seen["nice"] == min(19, before + priority.NICE)
    assert seen["who"] == "ada" and nice_here() == before


def test_a_lowered_calls_error_is_the_callers():
    def fails():
        raise ValueError("no such rank")

    with pytest.raises(ValueError, match="no such rank"):
        priority.lowered(fails)()


def test_the_training_pool_yields_and_its_progress_still_shows():
    from gradio_client import Client

    seen = {}

    def train(steps, progress=gr.Progress()):
        for i in progress.tqdm(range(int(steps)), desc="training"):
            time.sleep(0.05)
        seen["nice"] = nice_here()
        return f"trained {int(steps)}"

    def quick(x):
        seen["quick_nice"] = nice_here()
        return x

    with gr.Blocks() as demo:
        steps, out = gr.Number(5), gr.Textbox()
        gr.Button("train").click(train, steps, out, api_name="train", concurrency_id=gradio_fixes.TRAINING_POOL,
                                 concurrency_limit=1)
        gr.Button("quick").click(quick, steps, out, api_name="quick")
    demo.queue()
    assert gradio_fixes.training_yields(demo) == 1
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, _frontend=False)
    try:
        client = Client(demo.local_url, verbose=False)
        job = client.submit(5, api_name="/train")
        progress = []
        while not job.done():
            status = job.status()
            if status.progress_data:
                progress.append(status.progress_data[0].index)
            time.sleep(0.02)
        assert job.result() == "trained 5" and progress           # the bar moved, from the lowered thread
        assert client.predict(1, api_name="/quick") == "1"
        base = seen["quick_nice"]
        assert seen["nice"] == min(19, base + priority.NICE)
        client.close()
    finally:
        demo.close()


def test_a_streaming_run_yields_each_step_from_its_lowered_thread_and_stops_when_left():
    made = []

    def stream(n):
        try:
            for i in range(n):
                made.append(i)
                yield i, nice_here(), WHO.get()
        finally:
            made.append("closed")

    WHO.set("ada")
    run = priority.lowered(stream)
    steps = list(run(3))
    assert [s[0] for s in steps] == [0, 1, 2] and {s[2] for s in steps} == {"ada"}
    assert {s[1] for s in steps} == {min(19, nice_here() + priority.NICE)}
    made.clear()
    left = run(100)
    assert next(left)[0] == 0
    left.close()                                   # the learner left: the run stops after a step or two
    deadline = time.time() + 10
    while "closed" not in made and time.time() < deadline:
        time.sleep(0.01)
    assert "closed" in made and len(made) <= 4, made

    def broken(n):
        yield 1
        raise ValueError("diverged")

    with pytest.raises(ValueError, match="diverged"):
        list(priority.lowered(broken)(1))


def test_a_stream_nobody_reads_holds_the_lock_only_while_a_step_computes():
    lock = threading.Lock()

    def stream():
        for i in range(5):
            yield i

    left = priority.lowered(stream, lock)()
    assert next(left) == 0
    time.sleep(0.3)                       # the next step is computed and waits to be read
    assert lock.acquire(timeout=5), "a paused stream kept the training pool's lock"
    lock.release()
    assert list(left) == [1, 2, 3, 4]
