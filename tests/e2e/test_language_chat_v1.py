"""``openai.OpenAI(base_url=".../v1", api_key="local")`` against a running ``python app.py``: the
chat tab's OpenAI-compatible routes share the app's port (no browser needed)."""

import openai
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_openai_client_against_python_app_py(server_url):
    client = openai.OpenAI(base_url=f"{server_url}/v1", api_key="local", max_retries=0)
    assert [m.id for m in client.models.list()] == ["pydoc-gpt"]
    reply = client.chat.completions.create(model="pydoc-gpt", messages=[{"role": "user", "content": "The"}],
                                           max_tokens=10, temperature=0)
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="pydoc-gpt", messages=[{"role": "user", "content": "The"}], max_tokens=10, temperature=0, stream=True)
        if c.choices)
    assert reply.choices[0].message.content == streamed  # greedy: the same text, streamed or not
    with pytest.raises(openai.BadRequestError, match="max_tokens"):
        client.chat.completions.create(model="pydoc-gpt", messages=[{"role": "user", "content": "The"}], max_tokens=0)
