"""``benchmarks.server``: gradio_client polls every 5 ms only inside ``prompt_polling()`` (the
benchmarks' timed calls), not for the rest of the process that connected (issue #26, item 6)."""

import threading
import time

from gradio_client import utils as client_utils

from benchmarks import server
from pages.gradio_fixes import PromptPoll


def test_connecting_leaves_the_clients_clock_alone(monkeypatch):
    from pages import gradio_sessions

    monkeypatch.setattr(gradio_sessions, "Client", lambda *args, **kwargs: object())
    server.connect("http://127.0.0.1:9")
    assert client_utils.time is time


def test_prompt_polling_lasts_as_long_as_its_outermost_block(monkeypatch):
    naps = []
    monkeypatch.setattr(time, "sleep", naps.append)
    with server.prompt_polling():
        assert client_utils.time.sleep.__self__.POLL_S == PromptPoll.POLL_S
        with server.prompt_polling():
            pass
        assert client_utils.time is not time       # the inner block ended: the outer one still polls fast
        client_utils.time.sleep(0.05)
        assert naps == [PromptPoll.POLL_S]   # a 5 ms nap, not the 50 ms asked for
    assert client_utils.time is time


def test_blocks_in_two_threads_restore_the_clock_once_both_end():
    inside, leave = threading.Event(), threading.Event()

    def other():
        with server.prompt_polling():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with server.prompt_polling():
        pass
    assert client_utils.time is not time
    leave.set()
    thread.join()
    assert client_utils.time is time
