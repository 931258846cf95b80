"""The app's OpenAI-compatible API for pydoc-gpt: ``GET /v1/models``, ``POST /v1/chat/completions``.

Enough of the Chat Completions API for the official ``openai`` client and other OpenAI-compatible
tools: ``model``, ``messages``, ``temperature``, ``top_p``, ``max_tokens`` (or
``max_completion_tokens``), ``seed``, ``stream`` with server-sent events ending in ``[DONE]``,
``stream_options.include_usage``; errors in OpenAI's shape (``{"error": {"message", "type",
"param", "code"}}``): 400 for bad JSON or any malformed field, ``param`` naming it (a missing
``model``, ``"seed": NaN``, ``"max_tokens": Infinity``, ``"stream": "false"``, a text part that
is not a string), 401 without the key, 404 for an unknown model. The key: ``SHOWCASE_API_KEY``
when the owner sets it (``Authorization: Bearer <it>``); unset, the API is open to anyone who can
reach the app, as it is meant to be on a laptop in a class. The toy continues the last user
message; the system prompt and earlier turns are accepted and counted out of the prompt it sees,
as it was never trained on dialogue.

The routes are plain FastAPI; the app passes them to Gradio's own FastAPI app through
``launch(app_kwargs={"routes": routes()})`` (``pages.launch.launch_kwargs``), so they share
the app's port: ``openai.OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="local")``.

    python -m showcase.language.chat_server --port 8000     # the API alone
    python -m showcase.language.chat_server --ask "The while statement"   # chat() through it, in-process
    python -m showcase.language.chat_server --ask "Hi" --base-url https://example.org/v1 --model some-model
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from showcase.core.errors import InputError
from showcase.core.http import BodyTooLarge, read_body
from showcase.core.settings import settings
from showcase.language.chat import LOCAL_MODEL, MAX_NEW_TOKENS, chat, clean_text, generate

CREATED = 1_764_547_200   # when pydoc-gpt was first trained (2025-12-01); OpenAI lists a creation time
MAX_BODY = 1_000_000        # bytes of JSON: a long conversation is a few hundred KB; more is refused (413)


class BadField(InputError):
    """A request the API refuses, naming the field at fault (OpenAI's ``param``) and why (``code``)."""

    def __init__(self, message: str, param: str | None = None, code: str = "invalid_value", status: int = 400):
        super().__init__(message)
        self.param, self.code, self.status = param, code, status


def _error(status: int, message: str, *, param: str | None = None, code: str | None = None,
           kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status)


def _text(content, where: str) -> str:
    """A message's content as text: a string, or OpenAI's list of ``{"type": "text", "text"}`` parts
    (other part types, such as images, carry no text and are skipped)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise BadField(f"{where} must be a string or a list of text parts; got {type(content).__name__}.", where,
                       "invalid_type")
    texts = []
    for j, part in enumerate(content):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise BadField(f"{where}[{j}] must be an object with a type.", f"{where}[{j}]", "invalid_type")
        if part["type"] == "text":
            if not isinstance(part.get("text"), str):
                raise BadField(f"{where}[{j}].text must be a string; got {type(part.get('text')).__name__}.",
                               f"{where}[{j}].text", "invalid_type")
            texts.append(part["text"])
    return "".join(texts)


def _number(body: dict, name: str, default, low, high, integer=False):
    """``body[name]`` checked as JSON can send it: NaN, Infinity and 1e999 parse to floats that
    ``int()`` cannot take, so finiteness is checked before anything else."""
    value = body.get(name)
    if value is None:
        return default
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadField(f"{name} must be {kind}; got {json.dumps(value)[:40]}.", name, "invalid_type")
    if not math.isfinite(value) or (integer and value != int(value)):
        raise BadField(f"{name} must be {kind}; got {value!r}.", name)
    if not low <= value <= high:
        raise BadField(f"{name} must be between {low} and {high} for {LOCAL_MODEL} "
                       f"(its context is 256 tokens); got {value}.", name)
    return int(value) if integer else float(value)


def _flag(body: dict, name: str, where: str | None = None) -> bool:
    """A JSON boolean (or absent): ``"false"`` is a non-empty string, true to ``bool()``."""
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadField(f"{where or name} must be true or false; got {json.dumps(value)[:40]}.", where or name,
                       "invalid_type")
    return value


def _model(body) -> None:
    """A missing or malformed model is the request's fault (400); a well-formed unknown one, 404."""
    if "model" not in body or body["model"] is None:
        raise BadField(f"model is required: this server has {LOCAL_MODEL!r} (GET /v1/models).", "model",
                       "missing_required_parameter")
    if not isinstance(body["model"], str):
        raise BadField(f"model must be a string; got {json.dumps(body['model'])[:40]}.", "model", "invalid_type")
    if body["model"] != LOCAL_MODEL:
        raise BadField(f"The model {body['model'][:80]!r} does not exist here; this server has {LOCAL_MODEL!r} "
                       "(GET /v1/models).", "model", "model_not_found", status=404)


def _parse(body) -> dict:
    """The request's settings, or ``BadField`` naming the field, in the API's words."""
    if not isinstance(body, dict):
        raise BadField("The request body must be a JSON object.")
    _model(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadField("messages must be a non-empty list of {role, content} objects.", "messages")
    last_user = None
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise BadField(f"messages[{i}] must be an object with a role.", f"messages[{i}]", "invalid_type")
        text = _text("" if m.get("content") is None else m["content"], f"messages[{i}].content")
        if m["role"] == "user":
            last_user = (i, text)
    if last_user is None or not last_user[1].strip():
        raise BadField("The last user message is empty: there is nothing to continue.", "messages")
    i, text = last_user
    try:
        prompt = clean_text(text, f"messages[{i}].content")
    except InputError as exc:
        raise BadField(str(exc), f"messages[{i}].content") from None
    if body.get("n") is not None and (isinstance(body["n"], bool) or body["n"] != 1):
        raise BadField("n must be 1: this server returns one choice.", "n")
    limit = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise BadField("stream_options must be an object.", "stream_options", "invalid_type")
    return dict(
        prompt=prompt,
        max_new_tokens=_number(body, limit, 120, 1, MAX_NEW_TOKENS, integer=True),
        temperature=_number(body, "temperature", 1.0, 0, 2),
        top_p=_number(body, "top_p", 1.0, 0.01, 1),
        seed=_number(body, "seed", None, -2**63, 2**63 - 1, integer=True),
        stream=_flag(body, "stream"),
        usage_in_stream=_flag(options or {}, "include_usage", "stream_options.include_usage"),
    )


def _usage(gen) -> dict:
    done = gen.info.get("completion_tokens", 0)
    return {"prompt_tokens": gen.prompt_tokens, "completion_tokens": done, "total_tokens": gen.prompt_tokens + done}


def bearer_ok(request: Request, api_key: str | None) -> bool:
    """True when no key is wanted, or the request's ``Authorization: Bearer`` is that key
    (compared in constant time, so its characters cannot be guessed one by one)."""
    if api_key is None:
        return True
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(sent.strip().encode(), api_key.encode())


def refused(request: Request) -> JSONResponse:
    """OpenAI's 401, for a missing key and a wrong one alike."""
    missing = not request.headers.get("authorization")
    return _error(401, "You didn't provide an API key: send Authorization: Bearer <key>." if missing
                  else "Incorrect API key provided.", code="invalid_api_key")


def routes(api_key: str | None = None) -> list:
    """The two routes, for ``FastAPI(routes=...)``. The bearer token must match ``api_key``, or
    without it the owner's ``SHOWCASE_API_KEY`` (read once, here); with neither, any key is
    accepted, like Ollama: anyone who can reach the app can use its /v1."""
    api_key = api_key if api_key is not None else settings().api_key
    router = APIRouter(prefix="/v1")

    def authorised(request: Request) -> bool:
        return bearer_ok(request, api_key)

    @router.get("/models")
    def models(request: Request):
        if not authorised(request):
            return refused(request)
        return {"object": "list", "data": [{"id": LOCAL_MODEL, "object": "model", "created": CREATED,
                                            "owned_by": "roadmap-showcase"}]}

    @router.post("/chat/completions")
    async def completions(request: Request):
        if not authorised(request):
            return refused(request)
        try:
            body = json.loads(await read_body(request, MAX_BODY))
        except BodyTooLarge as exc:
            return _error(exc.status, str(exc))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return _error(400, f"The request body is not valid JSON: {exc}.")
        try:
            args = _parse(body)
        except BadField as exc:
            return _error(exc.status, str(exc), param=exc.param, code=exc.code)
        stream, usage_in_stream = args.pop("stream"), args.pop("usage_in_stream")
        try:
            gen = await run_in_threadpool(generate, **args)   # the first call loads the model
        except InputError as exc:   # _parse checked every field generate checks: a gap between them
            return _error(400, str(exc), code="invalid_value")
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


def ask(message: str, base_url: str = "", model: str = LOCAL_MODEL, max_tokens: int = 80) -> None:
    """Stream ``chat``'s reply to ``message`` on the terminal: from ``base_url``, or from this API
    served in a thread for the call."""
    server, local = (None, None) if base_url else serve_in_thread()
    try:
        for update in chat(message, model=model, base_url=base_url, max_tokens=max_tokens, local_base=local):
            if update.metrics:
                print("\n", update.metrics)
            else:
                print(update.reply, end="\r", flush=True)
    finally:
        if server is not None:
            server.should_exit = True


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ask", metavar="MESSAGE", help="chat once through the API instead of serving it")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--model", default=LOCAL_MODEL)
    parser.add_argument("--max-tokens", type=int, default=80)
    args = parser.parse_args()
    if args.ask is not None:
        ask(args.ask, args.base_url, args.model, args.max_tokens)
    else:
        uvicorn.run(app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
