"""The ``fails_clearly`` fixture tells a refusal from a crash by the messages ``pages.guard.guard``
gives them: checked here on a tiny app with one handler of each kind, and a slider Gradio checks."""

import pytest

from tests.app.conftest import refused_by

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_client():
    import gradio as gr
    from gradio_client import Client

    from pages.guard import guard
    from showcase.core.errors import InputError

    @guard
    def refuse(x):
        raise InputError("Type a smaller number.")

    @guard
    def crash(x):
        raise RuntimeError("a bug")

    with gr.Blocks() as demo:
        box, out = gr.Number(), gr.Number()
        gr.Button().click(refuse, box, out, api_name="refuse")
        gr.Button().click(crash, box, out, api_name="crash")
        slider = gr.Slider(0, 10)
        gr.Button().click(refuse, slider, out, api_name="slider")
    demo.launch(prevent_thread_lock=True, quiet=True)
    yield Client(demo.local_url, verbose=False, ssl_verify=False)
    demo.close()


def test_guard_messages_are_the_ones_fails_clearly_reads(tiny_client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="smaller number") as refused:
        tiny_client.predict(1, api_name="/refuse")
    with pytest.raises(AppError, match="RuntimeError: a bug") as crashed:
        tiny_client.predict(1, api_name="/crash")
    with pytest.raises(AppError, match="greater than maximum") as checked:
        tiny_client.predict(99, api_name="/slider")
    assert refused_by(str(refused.value)) == "backend"
    assert refused_by(str(crashed.value)) == "crash"
    assert refused_by(str(checked.value)) == "gradio"
