"""A SageMaker-compatible inference server for the bundled models: FastAPI on gunicorn + uvicorn.

SageMaker runs a custom inference container as ``docker run IMAGE serve`` and talks to it on port
8080 (AWS, "Use your own inference code with hosting services",
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html):

- ``GET /ping`` must answer 200 once the container can serve (here: once the model is loaded;
  503 before, so a load balancer never sends work to a worker still loading);
- ``POST /invocations`` gets the payload of ``InvokeEndpoint`` with its ``Content-Type`` and
  ``Accept``, and answers with the prediction (here: JSON);
- the model artefacts are unpacked into ``/opt/ml/model``; without them the bundled model serves;
- ``GET /execution-parameters`` (optional) tells batch transform how to batch.

Two models, one per container as on SageMaker (``--model`` or ``SHOWCASE_SERVE_MODEL``):
``classifier``, the Fashion-MNIST student of ``showcase.core.zoo`` exported to ONNX (28×28 grey images;
``python -m showcase.deploy.inference export-classifier``; zoo safetensors in the model folder also work
where torch is installed),
and ``detector``, the shapes YOLO of ``showcase.core.detector`` (ONNX Runtime). Payloads: an image
(``image/png``, ``image/jpeg``, ``image/webp``, ``application/x-image``) or JSON
(``{"image": "<base64>"}``, or for the classifier ``{"instances": [28×28 numbers, ...]}``).

Compared point by point with AWS's ``sagemaker-inference`` toolkit
(github.com/aws/sagemaker-inference-toolkit: ``model_server.py``, ``transformer.py``,
``default_handler_service.py``, ``decoder.py``):

- *Server*: the toolkit writes a config and starts Multi Model Server (a Java process) with
  ``model-archiver``; here gunicorn keeps N uvicorn worker processes serving an ASGI app (as
  SageMaker's own scikit-learn container runs gunicorn): no JVM in the image, one language to read.
  gunicorn restarts a worker that dies or hangs past the timeout, and turns SIGTERM into a
  graceful stop of all of them.
- *Handlers*: the toolkit's ``Transformer`` calls ``model_fn``, ``input_fn``, ``predict_fn``,
  ``output_fn`` (or ``transform_fn``) from ``/opt/ml/model/code/inference.py``; here ``load()``,
  ``decode_payload()``, ``Served.predict`` (``showcase.deploy.inference``) and the JSON response
  play the same parts.
- *Environment*: both honour ``SAGEMAKER_BIND_TO_PORT`` (default 8080),
  ``SAGEMAKER_MODEL_SERVER_WORKERS`` (here default 2) and ``SAGEMAKER_MODEL_SERVER_TIMEOUT`` (60 s:
  MMS's response timeout there, gunicorn's worker timeout here).
- *Errors*: the toolkit maps its own ``UnsupportedFormatError`` to 415, but any other exception
  in user code (a corrupt image that PIL cannot open) becomes a 500; here every bad payload is a
  4xx with a message (400 unreadable or empty, 406 bad ``Accept``, 413 too large, 415 wrong type,
  422 valid JSON of the wrong shape) and a 5xx means a bug.
- *Payloads*: the toolkit decodes JSON, CSV and NPY to NumPy, the last with
  ``np.load(allow_pickle=True)``, which runs code from the request; here images and JSON only,
  never pickle, and a size limit (6 MB, SageMaker's own real-time payload limit) checked before
  the body is read.
- *Keys*: SageMaker puts its own authentication (IAM) in front of the container; served anywhere
  else beyond loopback, the service wants ``Authorization: Bearer <SHOWCASE_API_KEY>`` on every
  route but ``/ping`` when that variable is set (401 in OpenAI's error shape otherwise), and is
  open when it is unset. On 127.0.0.1 (the REST tab's own service) no key is wanted.
- *Start-up*: the toolkit ``pip install``s ``code/requirements.txt`` when the container starts;
  here everything is in the image, built without network at run time.

Why FastAPI rather than the toolkit: the toolkit needs Java and MMS (or TorchServe), which this
project's images and the 2-core machine do without; FastAPI and uvicorn already ship with Gradio (gunicorn with functions-framework),
serve the same contract in one readable file, and are what the tests here start and call.

    python -m showcase.deploy.rest_service serve                       # 0.0.0.0:8080, classifier
    python -m showcase.deploy.rest_service serve --model detector --workers 2 --port 8081
    curl -s --data-binary @shirt.png -H 'Content-Type: image/png' localhost:8080/invocations
    curl -s ... -H "Authorization: Bearer $SHOWCASE_API_KEY"          # when the service has a key
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from showcase.core.http import BodyTooLarge, read_body
from showcase.core.settings import settings
from showcase.deploy.inference import (MAX_PAYLOAD_MB, MODEL_DIR, MODELS, PayloadError, check_accept,
                                       decode_payload, load)

DEFAULT_PORT = 8080


# ---------------------------------------------------------------------------------------------
# The ASGI app: /ping, /invocations, /execution-parameters
# ---------------------------------------------------------------------------------------------

def loopback(host: str) -> bool:
    """True when a server bound to ``host`` can be reached from this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def create_app(kind: str | None = None, model_dir: Path | None = None, max_payload_mb: float | None = None,
               api_key: str | None = None) -> FastAPI:
    """The service; with ``api_key`` every route but ``/ping`` wants ``Authorization: Bearer <it>``
    (``/ping`` stays open: a load balancer's health check sends no key, and it answers only
    whether the model is loaded)."""
    kind = kind or os.environ.get("SHOWCASE_SERVE_MODEL", "classifier")
    model_dir = Path(model_dir or os.environ.get("SHOWCASE_MODEL_DIR", MODEL_DIR))
    limit = int(1e6 * float(max_payload_mb or os.environ.get("SHOWCASE_MAX_PAYLOAD_MB", MAX_PAYLOAD_MB)))
    state: dict = {"served": None, "error": None}

    def load_in_background():
        try:
            state["served"] = load(kind, model_dir)
        except Exception as exc:  # noqa: BLE001 - /ping reports it instead of the worker dying silently
            state["error"] = f"{type(exc).__name__}: {exc}"

    @asynccontextmanager
    async def lifespan(_app):
        # load off the event loop, so that /ping answers 503 (not a hung connection) while it runs
        threading.Thread(target=load_in_background, daemon=True).start()
        yield

    app = FastAPI(title="Roadmap Showcase inference", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def wants_the_key(request: Request, call_next):
        if api_key is not None and request.url.path != "/ping":
            scheme, _, sent = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(sent.strip().encode(), api_key.encode()):
                # OpenAI's error shape, as the app's /v1 answers: one shape for "no key" across the project
                return JSONResponse({"error": {"message": "Send Authorization: Bearer <SHOWCASE_API_KEY>.",
                                               "type": "invalid_request_error", "param": None,
                                               "code": "invalid_api_key"}}, status_code=401)
        return await call_next(request)

    @app.get("/ping")
    async def ping():
        if state["served"] is None:
            return JSONResponse({"status": "loading" if state["error"] is None else "failed",
                                 "error": state["error"]}, status_code=503)
        served = state["served"]
        return {"status": "ok", "model": served.name, "source": served.source, "pid": os.getpid()}

    @app.get("/execution-parameters")
    async def execution_parameters():
        return {"MaxConcurrentTransforms": int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", 2)),
                "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": max(1, limit // 1_000_000)}

    @app.post("/invocations")
    async def invocations(request: Request):
        served = state["served"]
        if served is None:
            return JSONResponse({"error": "The model is still loading; retry after GET /ping answers 200."}, 503)
        try:
            check_accept(request.headers.get("accept"))
            body = await read_body(request, limit)
        except (PayloadError, BodyTooLarge) as exc:
            return _error(exc.status, str(exc))
        try:
            images = decode_payload(body, request.headers.get("content-type", ""), served.kind)
        except PayloadError as exc:
            return _error(exc.status, str(exc))
        predictions = await run_in_threadpool(served.predict, images)
        return {"predictions": predictions, "model": served.name, "source": served.source}

    return app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def app_from_env() -> FastAPI:
    """uvicorn's factory for each worker process (they read the model choice from the environment).
    ``SHOWCASE_API_KEY`` is wanted only when the service listens beyond loopback (``serve`` puts its
    host in ``SHOWCASE_SERVE_HOST``; a host it does not know counts as beyond): the REST tab's own
    service on 127.0.0.1 stays open to the tab's load test."""
    host = os.environ.get("SHOWCASE_SERVE_HOST", "0.0.0.0")  # noqa: S104 - unknown: assume reachable
    return create_app(api_key=None if loopback(host) else settings().api_key)


def serve(kind: str = "classifier", host: str = "0.0.0.0", port: int | None = None,  # noqa: S104 - a container listens on all interfaces
          workers: int | None = None, model_dir: Path | None = None) -> None:
    """Replace this process with gunicorn running ``workers`` uvicorn workers (SIGTERM then reaches
    gunicorn directly, which stops them gracefully, as ``docker stop`` and SageMaker expect)."""
    os.environ["SHOWCASE_SERVE_MODEL"] = kind
    os.environ["SHOWCASE_SERVE_HOST"] = host
    if model_dir is not None:
        os.environ["SHOWCASE_MODEL_DIR"] = str(model_dir)
    port = port or int(os.environ.get("SAGEMAKER_BIND_TO_PORT", DEFAULT_PORT))
    workers = workers or int(os.environ.get("SAGEMAKER_MODEL_SERVER_WORKERS", 2))
    timeout = os.environ.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60")
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(workers),
                              "--worker-class", "uvicorn_worker.UvicornWorker", "--bind", f"{host}:{port}",
                              "--timeout", timeout, "--graceful-timeout", "5", "--log-level", "warning",
                              # keep connections longer than a load balancer's idle timeout (60 s on
                              # AWS), so the server never closes one the client is about to reuse
                              "--keep-alive", "75",
                              "showcase.deploy.rest_service:app_from_env()"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["serve"], help="SageMaker starts the container with `serve`")
    parser.add_argument("--model", choices=MODELS, default=os.environ.get("SHOWCASE_SERVE_MODEL", "classifier"))
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
    parser.add_argument("--port", type=int, default=None, help="default: $SAGEMAKER_BIND_TO_PORT or 8080")
    parser.add_argument("--workers", type=int, default=None, help="default: $SAGEMAKER_MODEL_SERVER_WORKERS or 2")
    parser.add_argument("--model-dir", type=Path, default=None, help="default: /opt/ml/model")
    args = parser.parse_args(argv)
    serve(args.model, args.host, args.port, args.workers, args.model_dir)


if __name__ == "__main__":
    main()
