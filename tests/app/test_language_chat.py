"""The chat tab through the API, and the app's own OpenAI-compatible /v1 driven by the openai client."""

import openai
import pytest

pytestmark = pytest.mark.slow
KEY = "sk-app-test-NEVER-SHOWN-9876543210"


def test_chat_good_call_streams_to_the_end(client):
    history, note, metrics = client.predict("The \"with\" statement", [], "", "pydoc-gpt", "", "", 0.8, 0.95, 30,
                                            api_name="/chat")
    assert history[-1]["role"] == "assistant" and history[0]["role"] == "user"
    assert f"**{metrics['completion_tokens']}** tokens" in note and "Python-doc prose, not answers" in note
    assert f"{metrics['seconds']:.2f} 秒" in note
    assert metrics["model"] == "pydoc-gpt" and 0 < metrics["completion_tokens"] <= 30
    assert {"source", "prompt_tokens", "seconds"} <= set(metrics)


def test_chat_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/chat", "", [], "", "pydoc-gpt", "", "", 0.8, 0.95, 30, match="empty")
    fails_clearly("/chat", "hi", [], "", "gpt-9", "", "", 0.8, 0.95, 30, match="has no model")
    fails_clearly("/chat", "hi", [], "", "pydoc-gpt", "", "", 0.8, 0.95, 500, match="rejected the request")
    fails_clearly("/chat", "hi", [], "", "pydoc-gpt", "ftp://nowhere", KEY, 0.8, 0.95, 30, match="Base URL")
    fails_clearly("/chat", "hi", [], "", "pydoc-gpt", "http://127.0.0.1:9/v1", KEY, 0.8, 0.95, 30, match="Could not reach")
    assert client.predict("Modules", [], "", "pydoc-gpt", "", "", 0, 1, 5, api_name="/chat")[-1]["completion_tokens"] >= 1


def test_the_key_is_never_sent_back(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        client.predict("hi", [], "", "pydoc-gpt", "http://127.0.0.1:9/v1", KEY, 0.8, 0.95, 30, api_name="/chat")
    assert KEY not in str(err.value) and KEY[-8:] not in str(err.value)
    assert KEY not in str(client.view_api(return_format="dict", print_info=False))


def test_app_serves_openai_compatible_v1(app_url):
    v1 = openai.OpenAI(base_url=app_url.rstrip("/") + "/v1", api_key="local", max_retries=0)
    assert [m.id for m in v1.models.list()] == ["pydoc-gpt"]
    reply = v1.chat.completions.create(model="pydoc-gpt", messages=[{"role": "user", "content": "The"}], max_tokens=8)
    assert reply.usage.completion_tokens <= 8
    chunks = list(v1.chat.completions.create(model="pydoc-gpt", messages=[{"role": "user", "content": "The"}],
                                             max_tokens=8, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    with pytest.raises(openai.NotFoundError):
        v1.chat.completions.create(model="nope", messages=[{"role": "user", "content": "The"}])
    assert app_url.startswith("http://127.0.0.1")
