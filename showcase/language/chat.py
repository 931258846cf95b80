"""Chat through the official ``openai`` client, against any OpenAI-compatible server.

``chat`` streams a reply with ``client.chat.completions.create(..., stream=True)``: system prompt,
model name, temperature, top-p, max tokens and base URL are the user's. The key comes from the
per-session box; the owner's ``OPENAI_API_KEY`` is used only for the owner's ``OPENAI_BASE_URL``
(``key_for``): a base URL a visitor typed gets the visitor's key or none, as anyone could type the
address of a server that records what it is sent. A key is handed to the client and nowhere else:
never logged, returned, or put in an error message (``_scrub`` removes it from any server text we show).

Offline the same client talks to this app's own ``/v1`` (``showcase.language.chat_server``),
which serves ``pydoc-gpt``: a 1.4 M-parameter GPT-2 the project trains on Python's reference
manual (``showcase.language.chat_training``). It continues the last user message in the style of
the manual; it has never seen a question and answer, so it writes plausible Python-doc prose,
not answers. ``generate`` is the model side, used by the server.

References: OpenAI Chat Completions API (streaming, ``stream_options.include_usage``);
``transformers`` ``TextIteratorStreamer``.

    python -m showcase.language.chat_server --ask "The while statement"   # via an in-process server
    python -m showcase.language.chat_server --ask "Hi" --base-url https://example.org/v1 --model some-model

(The command line lives in ``chat_server``, the module that imports this one: the arrows go one way.)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlparse

from showcase.core import checks
from showcase.core.errors import InputError
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset, settings
from showcase.core.threads import one_thread

ASSET_DIR = asset("language", "chat")
LOCAL_MODEL = "pydoc-gpt"
CONTEXT = 256                 # the model's positions; prompt + reply must fit
MAX_NEW_TOKENS = 200          # the most a reply may ask for; the prompt keeps the last 56+ tokens
MAX_CHARS = 10_000
TIMEOUT_S = 30.0


@dataclass
class Generation:
    """What ``generate`` yields: text pieces while streaming, then the totals (``done``)."""
    pieces: Iterator[str]
    prompt_tokens: int
    info: dict = field(default_factory=dict)   # completion_tokens, finish_reason once the stream ends


@dataclass
class ChatUpdate:
    reply: str
    metrics: dict


def clean_text(text, name: str = "Message") -> str:
    """Text for the tokenizer: non-empty, ≤ MAX_CHARS, valid UTF-8 (bytes decoded, or refused)."""
    return checks.text(text, name, max_chars=MAX_CHARS)


# --- the model side: pydoc-gpt ----------------------------------------------------------------

def _load_gpt(weights):
    from transformers import AutoTokenizer, GPT2LMHeadModel

    return GPT2LMHeadModel.from_pretrained(weights.parent).eval(), AutoTokenizer.from_pretrained(weights.parent)


def local_model():
    """(model, tokenizer, Resolved) of the bundled GPT, loaded once per process."""
    (model, tokenizer), found = load(ModelSpec(name=LOCAL_MODEL, bundled=ASSET_DIR / "model.safetensors"), _load_gpt)
    return model, tokenizer, found


def prompt_ids(tokenizer, text: str, max_new_tokens: int) -> list[int]:
    """The prompt's token ids, keeping its end when it does not fit beside the reply."""
    ids = tokenizer(text)["input_ids"]
    return ids[-(CONTEXT - max_new_tokens):]


def generate(prompt: str, max_new_tokens: int = 120, temperature: float = 0.8, top_p: float = 0.95,
             seed: int | None = None) -> Generation:
    """Stream a continuation of ``prompt`` from pydoc-gpt (sampling; greedy at temperature 0)."""
    import torch
    from transformers import TextIteratorStreamer

    prompt = clean_text(prompt)
    max_new_tokens = checks.number(max_new_tokens, "max_tokens", low=1, high=MAX_NEW_TOKENS, integer=True)
    temperature = checks.number(temperature, "temperature", low=0, high=2)
    top_p = checks.number(top_p, "top_p", low=0.01, high=1)
    model, tokenizer, _ = local_model()
    ids = prompt_ids(tokenizer, prompt, max_new_tokens)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=60)
    sampling = dict(do_sample=True, temperature=temperature, top_p=top_p) if temperature > 0 else dict(do_sample=False)
    result = Generation(iter(streamer), len(ids))

    def run():
        try:
            # one thread: two made a 30-token reply 0.5 s → 15 s with the machine busy (measured)
            with torch.inference_mode(), one_thread():
                if seed is not None:
                    torch.manual_seed(seed)
                out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                     max_new_tokens=max_new_tokens, streamer=streamer,
                                     pad_token_id=tokenizer.eos_token_id, **sampling)
            new = out[0, len(ids):].tolist()
            ended = bool(new) and new[-1] == tokenizer.eos_token_id
            result.info.update(completion_tokens=len(new), finish_reason="stop" if ended else "length")
        except Exception as exc:  # noqa: BLE001 - reported to the reader of the stream, not lost in a thread
            result.info["error"] = f"{type(exc).__name__}: {exc}"
            streamer.end()

    thread = threading.Thread(target=run, daemon=True, name="pydoc-gpt")
    thread.start()
    result.info["thread"] = thread
    return result


# --- the client side: any OpenAI-compatible server -------------------------------------------

def _scrub(message: str, key: str | None) -> str:
    """A server's message without the key (or its first/last 8 characters) in it."""
    message = str(message)[:300]
    if key:
        for part in {key, key[:8], key[-8:]}:
            if len(part) >= 4:
                message = message.replace(part, "***")
    return message


def _explain(exc, base_url: str, model: str, key: str | None, timeout: float) -> InputError:
    """The ``openai`` client's exception as a message a user can act on (never with the key)."""
    import openai

    host = urlparse(base_url).netloc or base_url
    if isinstance(exc, openai.APITimeoutError):
        return InputError(f"{host} did not answer within {timeout:g} s. Try again, or a smaller max tokens.")
    if isinstance(exc, openai.APIConnectionError):
        return InputError(f"Could not reach {base_url}: check the base URL and that the server is running.")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return InputError(f"{host} refused the API key (HTTP {exc.status_code}). Check the key in the box "
                          "or the server's OPENAI_API_KEY.")
    if isinstance(exc, openai.NotFoundError):
        return InputError(f"{host} has no model {model!r} (HTTP 404). Check the model name.")
    if isinstance(exc, openai.RateLimitError):
        return InputError(f"{host} says too many requests or no quota left (HTTP 429). Wait, or check the account.")
    if isinstance(exc, openai.APIStatusError):
        return InputError(f"{host} rejected the request (HTTP {exc.status_code}): {_scrub(exc.message, key)}")
    return InputError(f"The reply from {host} could not be read: {type(exc).__name__}.")


def _where(url: str) -> tuple | None:
    """What decides where a request goes: scheme, host, port and path (no trailing slash); None for
    a URL with a user name or password in it, which no owner configures and parsers read apart."""
    parts = urlparse(url.strip())
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:    # a port that is not a number
        return None
    if parts.username is not None or parts.password is not None or "\\" in url:
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def key_for(base_url: str, api_key: str, local: bool) -> tuple[str, str]:
    """(base URL, key) for a request. This app's own /v1 gets the owner's ``SHOWCASE_API_KEY`` (any
    key when none is set); a key typed in the box goes where the visitor sends it; the owner's
    ``OPENAI_API_KEY`` goes only to the owner's ``OPENAI_BASE_URL``, and then to the owner's own
    spelling of it, so that no two parsers can disagree on where the typed one points."""
    owner = settings()
    if local:
        return base_url, owner.api_key or "local"
    typed = (api_key or "").strip()
    if typed:
        return base_url, typed
    if _where(base_url) is not None and _where(base_url) == _where(owner.openai_base_url):
        if owner.openai_api_key:
            return owner.openai_base_url, owner.openai_api_key
        raise InputError(f"No API key: paste one in the key box (kept for this session only), or set "
                         f"OPENAI_API_KEY where the app runs to use {urlparse(owner.openai_base_url).netloc}.")
    raise InputError(f"No API key for {urlparse(base_url).netloc}: paste one in the key box (kept for this "
                     "session only). This server's own key is used only with the base URL its owner set "
                     f"(OPENAI_BASE_URL: {urlparse(owner.openai_base_url).netloc}), never with one typed here.")


def chat(message, history=(), system: str = "", model: str = LOCAL_MODEL, base_url: str = "", api_key: str = "",
         temperature: float = 0.8, top_p: float = 0.95, max_tokens: int = 120, *, local_base: str | None = None,
         timeout: float = TIMEOUT_S) -> Iterator[ChatUpdate]:
    """Stream a reply: yields the reply so far, then the final update with ``metrics``.

    ``history`` is a list of ``{"role", "content"}`` messages; an empty ``base_url`` means this
    app's own server (``local_base``, e.g. ``http://127.0.0.1:7860/v1``), which needs no key.
    """
    import openai

    message = clean_text(message)
    system, model, base_url, api_key = (checks.unicode_text(v, n) for v, n in (
        (system, "The system prompt"), (model, "The model name"), (base_url, "The base URL"), (api_key, "The API key")))
    if api_key and not api_key.isascii():
        raise InputError("The API key holds characters an API key never has; paste it again.")
    model = (model or "").strip() or LOCAL_MODEL
    temperature = checks.number(temperature, "Temperature", low=0, high=2)
    top_p = checks.number(top_p, "Top-p", low=0.01, high=1)
    max_tokens = checks.number(max_tokens, "Max tokens", low=1, high=100_000, integer=True)
    base_url = (base_url or "").strip()
    local = not base_url
    if local:
        if not local_base:
            raise InputError("No base URL, and this app's own /v1 address is unknown here: give a base URL.")
        base_url = local_base
    elif urlparse(base_url).scheme not in ("http", "https") or not urlparse(base_url).netloc:
        raise InputError(f"Base URL must look like https://host/v1; got {base_url[:80]!r}.")
    base_url, key = key_for(base_url, api_key, local)
    messages = ([{"role": "system", "content": system}] if (system or "").strip() else [])
    messages += [{"role": m["role"], "content": m["content"]} for m in (history or [])
                 if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
    messages.append({"role": "user", "content": message})

    client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=0)
    started = time.perf_counter()
    first = None
    reply, usage, finish = "", None, None
    try:
        stream = client.chat.completions.create(
            model=model, messages=messages, temperature=temperature, top_p=top_p, max_tokens=max_tokens,
            stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                finish = choice.finish_reason or finish
                if choice.delta and choice.delta.content:
                    first = first or time.perf_counter()
                    reply += choice.delta.content
                    yield ChatUpdate(reply, {})
    except openai.OpenAIError as exc:
        raise _explain(exc, base_url, model, key, timeout) from None
    finally:
        client.close()
    yield ChatUpdate(reply, {
        "model": model,
        "source": "bundled (this app's /v1)" if local else f"api: {urlparse(base_url).netloc}",
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "finish_reason": finish,
        "first_token_ms": round(1000 * (first - started), 1) if first else None,
        "seconds": round(time.perf_counter() - started, 3),
    })
