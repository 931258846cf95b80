"""The app's OpenAI-compatible API for pydoc-gpt: ``GET /v1/models``, ``POST /v1/chat/completions``.

Enough of the Chat Completions API for the official ``openai`` client and other OpenAI-compatible
tools: ``model``, ``messages``, ``temperature``, ``top_p``, ``max_tokens`` (or
``max_completion_tokens``), ``seed``, ``stream`` with server-sent events ending in ``[DONE]``,
``stream_options.include_usage``; errors in OpenAI's shape (``{"error": {"message", "type",
"param", "code"}}``) with 400 for bad JSON or values, 401 for a wrong key, 404 for an unknown
model. The toy continues the last user message; the system prompt and earlier turns are
accepted and counted out of the prompt it sees, as it was never trained on dialogue.

The routes are plain FastAPI; the app passes them to Gradio's own FastAPI app through
``launch(app_kwargs={"routes": routes()})`` (``pages.common.launch_kwargs``), so they share
the app's port: ``openai.OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="local")``.

    python -m showcase.language.chat_server --port 8000     # the API alone
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from showcase.core.errors import InputError
from showcase.core.http import BodyTooLarge, read_body
from showcase.language.chat import LOCAL_MODEL, MAX_NEW_TOKENS, generate

CREATED = 1_764_547_200   # when pydoc-gpt was first trained (2025-12-01); OpenAI lists a creation time
MAX_BODY = 1_000_000        # bytes of JSON: a long conversation is a few hundred KB; more is refused (413)


def _error(status: int, message: str, *, param: str | None = None, code: str | None = None,
           kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status)


def _text(content) -> str:
    """A message's content as text: a string, or OpenAI's list of ``{"type": "text", "text"}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise InputError("messages[].content must be a string or a list of text parts.")


def _number(body: dict, name: str, default, low, high, integer=False):
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and value != int(value)):
        raise InputError(f"{name} must be {'an integer' if integer else 'a number'}; got {value!r}.")
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high} for {LOCAL_MODEL} "
                         f"(its context is 256 tokens); got {value}.")
    return int(value) if integer else float(value)


def _parse(body) -> dict:
    """The request's settings, or ``InputError`` with a message in the API's words."""
    if not isinstance(body, dict):
        raise InputError("The request body must be a JSON object.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise InputError("messages must be a non-empty list of {role, content} objects.")
    users = [_text(m.get("content", "")) for m in messages if m.get("role") == "user"]
    if not users or not users[-1].strip():
        raise InputError("The last user message is empty: there is nothing to continue.")
    if body.get("n", 1) != 1:
        raise InputError("n must be 1: this server returns one choice.")
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    return dict(
        prompt=users[-1],
        max_new_tokens=_number({"max_tokens": limit}, "max_tokens", 120, 1, MAX_NEW_TOKENS, integer=True),
        temperature=_number(body, "temperature", 1.0, 0, 2),
        top_p=_number(body, "top_p", 1.0, 0.01, 1),
        seed=_number(body, "seed", None, -2**63, 2**63 - 1, integer=True),
        stream=bool(body.get("stream", False)),
        usage_in_stream=bool((body.get("stream_options") or {}).get("include_usage", False)),
    )


def _usage(gen) -> dict:
    done = gen.info.get("completion_tokens", 0)
    return {"prompt_tokens": gen.prompt_tokens, "completion_tokens": done, "total_tokens": gen.prompt_tokens + done}


def routes(api_key: str | None = None) -> list:
    """The two routes, for ``FastAPI(routes=...)``. With ``api_key`` the bearer token must match it
    (the tests use that to check the wrong-key message); without, any key is accepted, like Ollama."""
    router = APIRouter(prefix="/v1")

    def authorised(request: Request) -> bool:
        if api_key is None:
            return True
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return secrets.compare_digest(sent.encode(), api_key.encode())

    def refused() -> JSONResponse:
        return _error(401, "Incorrect API key provided.", code="invalid_api_key")

    @router.get("/models")
    def models(request: Request):
        if not authorised(request):
            return refused()
        return {"object": "list", "data": [{"id": LOCAL_MODEL, "object": "model", "created": CREATED,
                                            "owned_by": "roadmap-showcase"}]}

    @router.post("/chat/completions")
    async def completions(request: Request):
        if not authorised(request):
            return refused()
        try:
            body = json.loads(await read_body(request, MAX_BODY))
        except BodyTooLarge as exc:
            return _error(exc.status, str(exc))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return _error(400, f"The request body is not valid JSON: {exc}.")
        if isinstance(body, dict) and body.get("model") != LOCAL_MODEL:
            return _error(404, f"The model {str(body.get('model'))[:80]!r} does not exist here; this server has "
                               f"{LOCAL_MODEL!r} (GET /v1/models).", param="model", code="model_not_found")
        try:
            args = _parse(body)
            stream, usage_in_stream = args.pop("stream"), args.pop("usage_in_stream")
            gen = await run_in_threadpool(generate, **args)   # the first call loads the model
        except InputError as exc:
            return _error(400, str(exc))
        ident, created = f"chatcmpl-{secrets.token_hex(12)}", int(time.time())
        head = {"id": ident, "created": created, "model": LOCAL_MODEL, "system_fingerprint": None}
        if not stream:
            text = await run_in_threadpool(lambda: "".join(gen.pieces))   # off the event loop
            await run_in_threadpool(gen.info["thread"].join)
            if "error" in gen.info:
                return _error(500, gen.info["error"], kind="server_error")
            return {**head, "object": "chat.completion", "usage": _usage(gen), "choices": [{
                "index": 0, "message": {"role": "assistant", "content": text},
                "finish_reason": gen.info["finish_reason"], "logprobs": None}]}

        def events():
            def chunk(delta, finish=None, **extra):
                return "data: " + json.dumps({**head, "object": "chat.completion.chunk", "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}) + "\n\n"

            yield chunk({"role": "assistant", "content": ""})
            for piece in gen.pieces:
                if piece:
                    yield chunk({"content": piece})
            gen.info["thread"].join()
            if "error" in gen.info:
                yield "data: " + json.dumps({"error": {"message": gen.info["error"], "type": "server_error"}}) + "\n\n"
                return
            yield chunk({}, gen.info["finish_reason"])
            if usage_in_stream:
                yield "data: " + json.dumps({**head, "object": "chat.completion.chunk", "choices": [],
                                             "usage": _usage(gen)}) + "\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return list(router.routes)


def app(api_key: str | None = None):
    from fastapi import FastAPI

    return FastAPI(routes=routes(api_key))


def serve_in_thread(port: int = 0, api_key: str | None = None):
    """Run the API alone on 127.0.0.1 in a daemon thread: (uvicorn server, base URL)."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app(api_key), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="chat-server").start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
