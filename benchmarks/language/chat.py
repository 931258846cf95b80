"""Chat tab: time to the first streamed token of pydoc-gpt through the openai client, offline.

The API runs in process on its own port (``chat_server.serve_in_thread``), the real ``openai``
client streams from it. ``first_token_p95_ms`` over 20 requests after a warm-up; target ≤ 1000 ms.
``tokens_per_s``: completion tokens over the whole streamed reply (80 tokens asked).

    python -m benchmarks.language.chat
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.verdict import measured


def claims() -> dict:
    import openai

    from showcase.language.chat import LOCAL_MODEL
    from showcase.language.chat_server import serve_in_thread

    server, base = serve_in_thread()
    client = openai.OpenAI(base_url=base, api_key="local", max_retries=0)
    first, rates = [], []
    try:
        for i in range(21):
            started = time.perf_counter()
            got, tokens = None, 0
            for chunk in client.chat.completions.create(
                    model=LOCAL_MODEL, messages=[{"role": "user", "content": "The \"for\" statement"}], max_tokens=80,
                    stream=True, stream_options={"include_usage": True}, seed=i):
                if got is None and chunk.choices and chunk.choices[0].delta.content:
                    got = time.perf_counter() - started
                if chunk.usage:
                    tokens = chunk.usage.completion_tokens
            if i:  # the first request loads the model
                first.append(1000 * got)
                rates.append(tokens / (time.perf_counter() - started))
    finally:
        server.should_exit = True
    return {
        "chat.first_token_p50_ms": round(float(np.percentile(first, 50)), 1),
        "chat.first_token_p95_ms": measured(round(float(np.percentile(first, 95)), 1), "<= 1000"),
        "chat.tokens_per_s": round(float(np.median(rates)), 1),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
