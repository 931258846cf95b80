"""An app whose first page takes longer than Gradio's own reachability check (3 s a try, in
``launch()``) keeps serving (``_frontend=False`` in ``pages.gradio_fixes.LAUNCH_INTERNALS``, which
``pages.launch.launch_kwargs`` passes). On a machine at load 18 the served app answered, then exited with "When localhost is not accessible, a shareable
link must be created", and the load test that was using it saw its connections refused."""

import inspect

import gradio as gr
import httpx
from gradio import networking

from pages.launch import launch_kwargs


def test_launch_survives_a_page_slower_than_gradios_own_check(monkeypatch):
    assert "_frontend" in inspect.signature(gr.Blocks.launch).parameters, "Gradio renamed the switch: re-check the fix"
    monkeypatch.setattr(networking, "url_ok", lambda url: False)   # the HEAD timed out, as on a busy machine
    with gr.Blocks() as demo:
        gr.Markdown("one")
    try:
        demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True, **launch_kwargs())
        assert httpx.get(f"{demo.local_url}gradio_api/info", timeout=30).status_code == 200
    finally:
        demo.close()
