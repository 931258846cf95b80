"""A Google Cloud Functions HTTP entry point for the bundled classifier or detector.

Cloud Run functions (Cloud Functions 2nd gen) call a Python function decorated with
``@functions_framework.http`` with a Flask request and send back what it returns (Google,
"Write HTTP functions", https://cloud.google.com/functions/docs/writing/write-http-functions).
An instance serves many requests and is thrown away when idle; a new one pays the *cold start*:
the interpreter, the imports, then the model. Google's advice is to load heavy objects lazily in
a global, on the first request that needs them, so that the instance starts answering (health
checks, other paths) at once and every later request on that instance reuses the model
("Tips and tricks", https://cloud.google.com/functions/docs/bestpractices/tips).

The model is chosen by ``SHOWCASE_SERVE_MODEL`` (``classifier`` or ``detector``) and read from
``SHOWCASE_MODEL_DIR`` when set, else the bundled one; payloads as for the REST service
(an image, or JSON with a base64 image or 28×28 instances). ``GET`` answers a status without
loading anything; a bad payload gets a 4xx with a message.

    functions-framework --source showcase/deploy/serverless_function.py --target predict --port 8081
    curl -s --data-binary @shirt.png -H 'Content-Type: image/png' localhost:8081
    # deploy: gcloud functions deploy showcase-predict --gen2 --runtime python311 --trigger-http \\
    #   --entry-point predict --source <folder with this file as main.py, showcase/core, the assets>
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import functions_framework

from showcase.deploy.inference import MAX_PAYLOAD_MB, MODEL_DIR, PayloadError, check_accept, decode_payload, load

_served = None                                 # the lazily loaded model: one per instance
_loaded_in_ms: float | None = None


def served():
    """The model, loaded on the first call that needs it and kept for the instance's life."""
    global _served, _loaded_in_ms
    if _served is None:
        started = time.perf_counter()
        _served = load(os.environ.get("SHOWCASE_SERVE_MODEL", "classifier"),
                       Path(os.environ.get("SHOWCASE_MODEL_DIR", MODEL_DIR)))
        _loaded_in_ms = round(1000 * (time.perf_counter() - started), 1)
    return _served


def _json(body: dict, status: int = 200):
    return json.dumps(body), status, {"Content-Type": "application/json"}


@functions_framework.http
def predict(request):
    """POST an image or JSON → JSON predictions; GET → status (does not load the model)."""
    if request.method == "GET":
        return _json({"status": "ok", "loaded": _served is not None, "pid": os.getpid()})
    if request.method != "POST":
        return _json({"error": f"{request.method} is not supported: POST an image or JSON.", "status": 405}, 405)
    try:
        check_accept(request.headers.get("Accept"))      # as the REST service: JSON is all it answers
    except PayloadError as exc:
        return _json({"error": str(exc), "status": exc.status}, exc.status)
    limit = int(1e6 * float(os.environ.get("SHOWCASE_MAX_PAYLOAD_MB", MAX_PAYLOAD_MB)))
    if (request.content_length or 0) > limit:
        return _json({"error": f"The payload is {request.content_length:,} bytes; the limit is {limit:,}.",
                      "status": 413}, 413)
    body = request.stream.read(limit + 1)      # a chunked upload has no length: read one byte past the limit
    if len(body) > limit:
        return _json({"error": f"The payload is over the limit of {limit:,} bytes.", "status": 413}, 413)
    was_cold = _served is None
    model = served()
    try:
        images = decode_payload(body, request.headers.get("Content-Type", ""), model.kind)
    except PayloadError as exc:
        return _json({"error": str(exc), "status": exc.status}, exc.status)
    return _json({"predictions": model.predict(images), "model": model.name, "source": model.source,
                  "cold": was_cold, "model_load_ms": _loaded_in_ms, "pid": os.getpid()})
