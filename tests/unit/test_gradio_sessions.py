"""Fix 7 (``pages/gradio_sessions.py``): a new session no longer computes every block's config up
front, and what it holds is the same as Gradio's own eager ``SessionState`` would.

    python -m pytest tests/unit/test_gradio_sessions.py -q
"""

from __future__ import annotations

import gradio as gr
import pytest
from gradio import state_holder

from pages import gradio_sessions


def small_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        with gr.Tab("One"):
            name = gr.Textbox("Ada", label="name")
            count = gr.Slider(1, 9, 3, step=1, label="count")
            done = gr.State(False)
        with gr.Tab("Two"):
            out = gr.Markdown("hello")
        gr.Button("go").click(lambda n, c, d: f"{n} {c}", [name, count, done], out)
    return demo


def test_installed_on_import():
    assert state_holder.SessionState.__init__ is gradio_sessions._lazy_session_init


def test_a_new_session_computes_no_block_config(monkeypatch):
    demo = small_app()
    calls = []
    real = type(demo.default_config).config_for_block
    monkeypatch.setattr(type(demo.default_config), "config_for_block",   # a staticmethod in Gradio
                        staticmethod(lambda *a, **k: calls.append(a[0]) or real(*a, **k)))
    session = state_holder.SessionState(demo)
    assert calls == []                                   # Gradio's own: one per block, here ~12
    gradio_sessions._original_init(state_holder.SessionState.__new__(state_holder.SessionState), demo)
    assert len(calls) == len(demo.blocks) > 5
    assert session.config_values[list(demo.blocks)[0]]   # made on the first read


def test_it_holds_what_gradios_eager_session_holds():
    demo = small_app()
    lazy = state_holder.SessionState(demo)
    eager = state_holder.SessionState.__new__(state_holder.SessionState)
    gradio_sessions._original_init(eager, demo)
    assert set(vars(lazy)) == set(vars(eager))
    assert dict(lazy.config_values) == eager.config_values
    assert list(lazy.components) == list(eager.components)          # what a deep link saves
    # a value set in the session shows in its config, as in Gradio's (``_update_value_in_config``)
    textbox = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Textbox))
    for session in (lazy, eager):
        session._update_value_in_config(textbox, "Grace")
    assert lazy.config_values[textbox]["props"]["value"] == eager.config_values[textbox]["props"]["value"] == "Grace"
    state = next(k for k, b in demo.blocks.items() if isinstance(b, gr.State))
    lazy[state] = True
    assert lazy[state] is True and state in lazy.config_values


def test_an_idle_connection_outlives_uvicorns_five_seconds():
    """Fix 8: a request sent on a connection idle 5.5 s gets its answer (Gradio's uvicorn closed it at 5 s)."""
    import http.client
    import time
    from urllib.parse import urlparse

    assert gradio_sessions.KEEP_ALIVE_S >= 60
    demo = small_app()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **gradio_sessions_launch())
    try:
        assert demo.server.config.timeout_keep_alive == gradio_sessions.KEEP_ALIVE_S
        url = urlparse(demo.local_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", "/gradio_api/info")
        first = conn.getresponse()
        assert first.status == 200 and not first.will_close
        first.read()
        sock = conn.sock
        time.sleep(5.5)
        conn.request("GET", "/gradio_api/info")          # on the same socket: RemoteDisconnected before the fix
        second = conn.getresponse()
        assert second.status == 200 and conn.sock is sock
        second.read()
        conn.close()
    finally:
        demo.close()


def gradio_sessions_launch() -> dict:
    from pages import gradio_fixes

    return dict(gradio_fixes.LAUNCH_INTERNALS)    # no self-check HEAD, as the app launches


def late_close_stream(monkeypatch, delay_s: float = 0.5) -> None:
    """The client's reader gets the server's ``close_stream`` ``delay_s`` late, as on a busy machine
    where it waits for the GIL: every message before it arrives at once."""
    import time

    import httpx

    read = httpx.Response.iter_bytes

    def iter_bytes(self, *args, **kwargs):
        for chunk in read(self, *args, **kwargs):
            at = chunk.find(b"close_stream")
            if at < 0:
                yield chunk
                continue
            start = chunk.rfind(b"data:", 0, at)
            yield chunk[:start]
            time.sleep(delay_s)
            yield chunk[start:]

    monkeypatch.setattr(httpx.Response, "iter_bytes", iter_bytes)


def test_a_call_submitted_as_the_server_closes_the_stream_gets_its_answer(monkeypatch):
    """Fix 9: the second of two back-to-back calls is submitted after the server closed the session's
    stream and before the client's reader read that: gradio_client cancels it, ``Client`` answers it."""
    import concurrent.futures

    import gradio_client

    with gr.Blocks() as demo:
        number, doubled = gr.Number(), gr.Number()
        gr.Button().click(lambda x: 2 * x, number, doubled, api_name="double")
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **gradio_sessions_launch())
    late_close_stream(monkeypatch)
    try:
        stock = gradio_client.Client(demo.local_url, verbose=False)
        assert stock.predict(1, api_name="/double") == 2
        with pytest.raises(concurrent.futures.CancelledError):   # the race, as gradio_client has it
            stock.predict(2, api_name="/double")
        stock.close()
        fixed = gradio_sessions.Client(demo.local_url, verbose=False)
        assert [fixed.predict(x, api_name="/double") for x in (1, 2, 3)] == [2, 4, 6]
        fixed.close()
    finally:
        demo.close()


def test_a_cached_result_shown_as_built_is_in_the_pages_config(tmp_path):
    """``shown_as_built``: an example's cached outputs (a file, a property update) become the values
    the page's config carries, the file moved into Gradio's cache and kept there."""
    from PIL import Image

    picture = tmp_path / "cached.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    with gr.Blocks() as demo:
        image = gr.Image(label="result")
        note = gr.Markdown(visible=False)
        gradio_sessions.shown_as_built(image, {"path": str(picture), "meta": {"_type": "gradio.FileData"}})
        gradio_sessions.shown_as_built(note, {"__type__": "update", "value": "**done**", "visible": True})
    config = {c["id"]: c["props"] for c in demo.get_config_file()["components"]}
    shown = config[image._id]["value"]
    assert shown["path"] != str(picture) and open(shown["path"], "rb").read() == picture.read_bytes()
    assert shown["path"] in image.keep_in_cache   # delete_cache's sweep leaves it (pages/gradio_fixes.py, fix 4)
    assert config[note._id]["value"] == "**done**" and config[note._id]["visible"] is True
