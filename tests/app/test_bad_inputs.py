"""A corpus of bad inputs over every endpoint of the app, sent through the API (which skips the
browser's own limits): each must be refused with a readable message or answered properly, never
crash, and the server must answer the next good call.

The corpus is made from the endpoints' own parameter list (``view_api``): each parameter in turn
gets the bad values of its kind (a corrupt or empty file, a path such as ``../../etc/passwd``
where a file is expected, NaN and huge numbers, a choice that does not exist, empty and
enormous text), the other parameters keep their defaults (each tab's first example).
"""

import json
import math

import httpx
import pytest

from tests.app.conftest import refused_by

pytestmark = pytest.mark.slow

# Runs that train or load-test: a good call after the bad ones costs a minute; the test checks
# instead that a light endpoint still answers.
HEAVY = {"/ddp_train", "/dcgan_train", "/finetune_bert", "/dp_federated", "/rest_api_demo", "/distill",
         "/edge_benchmark", "/quantize", "/prune", "/onnx_export", "/graph_mode", "/diffusion_compare",
         "/detect_video", "/serverless_demo", "/chat"}
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    out = {}
    for suffix in (".png", ".wav", ".webm", ".csv"):
        corrupt = root / f"corrupt{suffix}"
        corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really " * 50 if suffix == ".png" else b"RIFF\0\0garbage" * 40)
        empty = root / f"empty{suffix}"
        empty.write_bytes(b"")
        out[suffix] = (str(corrupt), str(empty))
    return out


SUFFIX = {"Image": ".png", "Audio": ".wav", "Video": ".webm", "File": ".csv"}


def bad_values(component: str, files: dict):
    """(label, value, is_file) for one parameter's kind."""
    from gradio_client import handle_file

    if component in SUFFIX:
        corrupt, empty = files[SUFFIX[component]]
        yield "corrupt file", handle_file(corrupt), True
        yield "empty file", handle_file(empty), True
        yield "path string", "../../etc/passwd", False
    elif component == "Slider":
        yield "huge", 1e12, False
        yield "negative", -1e9, False
    elif component == "Number":
        yield "NaN", math.nan, False                 # JSON's NaN: gradio_client cannot send it, raw HTTP can
        yield "negative", -1e9, False
        yield "huge", 1e12, False
    elif component in ("Radio", "Dropdown"):
        yield "unknown choice", "no-such-choice", False
    elif component == "Checkboxgroup":
        yield "no choice", [], False
        yield "unknown choice", ["bogus"], False
    elif component == "Textbox":
        yield "empty text", "", False
        yield "60,000 characters", "x" * 60_000, False
        yield "lone surrogate", "\ud800", False     # "\\ud800" in JSON: likewise sent as raw HTTP


def corpus(endpoints, files):
    for name, endpoint in sorted(endpoints.items()):
        params = endpoint["parameters"]
        good = good_args(endpoint)
        for i, p in enumerate(params):
            for label, value, _ in bad_values(p["component"], files):
                args = list(good)
                args[i] = value
                yield name, f"{p['parameter_name']}: {label}", args


def good_args(endpoint):
    from gradio_client import handle_file

    out = []
    for p in endpoint["parameters"]:
        value = p["parameter_default"]
        if isinstance(value, dict) and "path" in value:       # a file default: send the file itself
            value = handle_file(value["path"])
        out.append(value)
    return out


def needs_raw_http(args) -> bool:
    """NaN and lone surrogates are JSON that gradio_client will not write; a browser or curl can."""
    return any(isinstance(a, float) and math.isnan(a) or isinstance(a, str) and "\ud800" in a for a in args)


def raw_call(app_url: str, name: str, args: list) -> tuple[str, object]:
    """Gradio's own HTTP API (POST /gradio_api/call/<name>, then its event stream), with the body
    written by ``json.dumps`` as any client might: ("complete", data) or ("error", message)."""
    base = app_url.rstrip("/")
    sent = []
    for a in args:
        if hasattr(a, "get") and a.get("meta", {}).get("_type") == "gradio.FileData":
            path = a["path"]
            with open(path, "rb") as f:
                uploaded = httpx.post(f"{base}/gradio_api/upload", files={"files": (path.split("/")[-1], f)},
                                      timeout=60).json()[0]
            a = {"path": uploaded, "meta": {"_type": "gradio.FileData"}}
        sent.append(a)
    body = json.dumps({"data": sent}, ensure_ascii=True, allow_nan=True)
    answer = httpx.post(f"{base}/gradio_api/call{name}", content=body, timeout=60,
                        headers={"Content-Type": "application/json"})
    if answer.status_code != 200:
        return "error", f"HTTP {answer.status_code}: {answer.text[:200]}"
    event_id = answer.json()["event_id"]
    event, data = None, None
    with httpx.stream("GET", f"{base}/gradio_api/call{name}/{event_id}", timeout=TIMEOUT_S) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line.split(":", 1)[1].strip() or "null")
                break
    return event or "none", data


def test_every_endpoint_survives_the_bad_input_corpus(client, app_url, files):
    from gradio_client.exceptions import AppError

    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    cases = list(corpus(endpoints, files))
    assert len(cases) >= 80, len(cases)
    crashes, silent, seen = [], [], []
    by_endpoint: dict[str, list] = {}
    for name, label, args in cases:
        by_endpoint.setdefault(name, []).append(label)
        if needs_raw_http(args):
            event, data = raw_call(app_url, name, args)
            if event == "error":
                message = data.get("error") if isinstance(data, dict) else data
                message = message if isinstance(message, str) else json.dumps(data)
                seen.append(f"{name} [{label}] raw: {message[:120]}")
                if refused_by(message) == "crash" or not data:
                    crashes.append(f"{name} [{label}]: {message[:160]}")
            elif event != "complete":
                crashes.append(f"{name} [{label}]: no answer ({event})")
            continue
        try:
            result = client.submit(*args, api_name=name).result(timeout=TIMEOUT_S)
        except AppError as exc:
            message = str(exc).strip()
            seen.append(f"{name} [{label}]: {message[:120]}")
            if refused_by(message) == "crash" or not message:
                crashes.append(f"{name} [{label}]: {message[:160]}")
            continue
        except Exception as exc:  # noqa: BLE001 - a timeout or a broken connection is a failure to list
            crashes.append(f"{name} [{label}]: {type(exc).__name__}: {str(exc)[:160]}")
            continue
        outputs = result if isinstance(result, tuple) else (result,)
        if name not in ("/mos_next",) and not (isinstance(outputs[-1], dict) and outputs[-1]):
            silent.append(f"{name} [{label}]: answered without metrics")
    # the server answers good calls afterwards: each light endpoint its own, the heavy ones a light one
    for name, endpoint in sorted(endpoints.items()):
        if name in HEAVY or name == "/mos_rate":   # a listener rates a sample once: the default is rated
            continue
        try:
            client.submit(*good_args(endpoint), api_name=name).result(timeout=TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - listed below
            crashes.append(f"{name} [good call after the corpus]: {str(exc)[:160]}")
    print("\n".join(seen))   # what each refusal said (pytest -s shows it)
    assert not crashes, f"{len(crashes)} of {len(cases)} bad inputs crashed:\n" + "\n".join(crashes)
    assert not silent, "\n".join(silent)


# The app's OpenAI-compatible /v1 takes JSON, not Gradio's components: its bad inputs are bodies,
# as any client may write them (NaN and Infinity are what Python's json and JavaScript's JSON5 send).
# (body, HTTP status, the field OpenAI's ``param`` must name)
_ASK = '"model": "pydoc-gpt", "messages": [{"role": "user", "content": "The"}]'
V1_BODIES = [
    (f'{{{_ASK}, "max_tokens": Infinity}}', 400, "max_tokens"),                # was a 500: OverflowError
    (f'{{{_ASK}, "max_tokens": 1e999}}', 400, "max_tokens"),
    (f'{{{_ASK}, "max_completion_tokens": NaN}}', 400, "max_completion_tokens"),
    (f'{{{_ASK}, "seed": NaN}}', 400, "seed"),                                 # was a 500: ValueError
    (f'{{{_ASK}, "seed": "7"}}', 400, "seed"),
    (f'{{{_ASK}, "temperature": -Infinity}}', 400, "temperature"),
    (f'{{{_ASK}, "top_p": [1]}}', 400, "top_p"),
    (f'{{{_ASK}, "stream": "false"}}', 400, "stream"),                         # was streamed
    (f'{{{_ASK}, "stream": 0}}', 400, "stream"),
    (f'{{{_ASK}, "stream_options": {{"include_usage": "yes"}}}}', 400, "stream_options.include_usage"),
    (f'{{{_ASK}, "stream_options": []}}', 400, "stream_options"),
    (f'{{{_ASK}, "n": 2}}', 400, "n"),
    ('{"model": "pydoc-gpt", "messages": [{"role": "user", "content": [{"type": "text", "text": 42}]}]}', 400,
     "messages[0].content[0].text"),                                          # was a 500: TypeError
    ('{"model": "pydoc-gpt", "messages": [{"role": "user", "content": ["The"]}]}', 400, "messages[0].content[0]"),
    ('{"model": "pydoc-gpt", "messages": [{"role": "user", "content": 3}]}', 400, "messages[0].content"),
    ('{"model": "pydoc-gpt", "messages": [{"role": "system", "content": {}}, {"role": "user", "content": "x"}]}', 400,
     "messages[0].content"),
    ('{"model": "pydoc-gpt", "messages": [{"content": "The"}]}', 400, "messages[0]"),
    ('{"model": "pydoc-gpt", "messages": [{"role": "user", "content": "\\ud800"}]}', 400, "messages[0].content"),
    ('{"model": "pydoc-gpt", "messages": "The"}', 400, "messages"),
    ('{"model": "pydoc-gpt"}', 400, "messages"),
    ('{"messages": [{"role": "user", "content": "The"}]}', 400, "model"),
    ('{"model": null, "messages": [{"role": "user", "content": "The"}]}', 400, "model"),
    ('{"model": ["pydoc-gpt"], "messages": [{"role": "user", "content": "The"}]}', 400, "model"),
    ('{"model": "gpt-4o", "messages": [{"role": "user", "content": "The"}]}', 404, "model"),
    ('[1, 2]', 400, None),
]


@pytest.mark.parametrize("body, status, param", V1_BODIES, ids=[f"{p}-{i}" for i, (_, _, p) in enumerate(V1_BODIES)])
def test_v1_answers_every_bad_body_in_openai_shape(app_url, body, status, param):
    answer = httpx.post(f"{app_url.rstrip('/')}/v1/chat/completions", content=body, timeout=60,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == status, (answer.status_code, answer.text[:200])
    assert answer.headers["content-type"].startswith("application/json"), answer.headers["content-type"]
    error = answer.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert error["param"] == param and error["message"] and error["code"], error


def test_v1_answers_a_good_body_after_the_bad_ones(app_url):
    answer = httpx.post(f"{app_url.rstrip('/')}/v1/chat/completions", timeout=120,
                        json={"model": "pydoc-gpt", "messages": [{"role": "user", "content": "The"}], "max_tokens": 3,
                              "stream": False, "seed": 3})
    assert answer.status_code == 200 and answer.json()["usage"]["completion_tokens"] >= 1
