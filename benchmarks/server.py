"""The app as a separate server process, as the benchmarks and the hardening tests drive it.

    with served(env={"SHOWCASE_TEMP_AGE_S": "5"}) as app:     # python app.py on a free port
        client = connect(app.url)
        with prompt_polling(): ...                             # time calls: the client polls every 5 ms
        rss_mb(app.pid)                                        # {"rss": VmRSS, "hwm": VmHWM} in MB

``calls()`` lists every page's ``API`` (``{api_name: good_args}``) with the arguments ready for
``gradio_client`` (files wrapped in ``handle_file``), and ``HEAVY`` names the endpoints that train,
federate or load-test: the ones that share a concurrency group and that the leak check skips.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pages.gradio_fixes import prompt_polling  # noqa: F401 - the benchmarks time their calls inside it
from showcase.core import children

ROOT = Path(__file__).resolve().parents[1]

# Runs that train, federate, export or load-test: seconds to minutes each, one at a time per group.
HEAVY = {"ddp_train", "dcgan_train", "finetune_bert", "dp_federated", "rest_api_demo", "distill", "edge_benchmark",
         "quantize", "prune", "onnx_export", "graph_mode", "serverless_demo", "diffusion_compare"}


CALL_TIMEOUT_S = 300   # a request to the server, as long as the slowest training endpoint's queue wait


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, limit: float = 300) -> None:
    """Return once ``url`` answers ``/gradio_api/info``."""
    started = time.perf_counter()
    while True:
        if process.poll() is not None:
            raise RuntimeError("the app exited during start-up")
        try:
            urllib.request.urlopen(f"{url}/gradio_api/info", timeout=2)
            return
        except OSError:
            time.sleep(0.05)
            if time.perf_counter() - started > limit:
                process.kill()
                raise RuntimeError(f"the app did not answer within {limit} s")


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    start_s: float
    temp: Path | None = None     # its TMPDIR, when the caller gave it one

    @property
    def pid(self) -> int:
        return self.process.pid


def start(env: dict | None = None, log: Path | None = None, prefix: list[str] | None = None) -> Served:
    """``python app.py`` on a free port of 127.0.0.1, offline unless ``env`` says otherwise (a
    value of None removes a variable); ``prefix`` runs it under another command (which must exec
    the app, so that the pid stays the app's)."""
    port = free_port()
    # SHOWCASE_DATA: what the app writes (the listening test's ratings) goes to a scratch folder
    full_env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1",
                    SHOWCASE_OFFLINE=os.environ.get("SHOWCASE_OFFLINE", "1"),
                    SHOWCASE_DATA=tempfile.mkdtemp(prefix="showcase-served-data-"))
    full_env.pop("OMP_NUM_THREADS", None)      # the app's own thread default, as served (pages/__init__.py)
    for key, value in (env or {}).items():      # None: take the variable away
        full_env.pop(key, None) if value is None else full_env.__setitem__(key, value)
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    started = time.perf_counter()
    # a Child: the app (and, through its own watchdog, what it started) ends with the test run or
    # benchmark that started it, even one that is killed
    process = children.Child([*(prefix or []), sys.executable, "app.py"], cwd=ROOT, env=full_env,
                             stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process)
    except RuntimeError as exc:
        tail = log.read_text()[-3000:] if log else ""
        raise RuntimeError(f"{exc}\n{tail}") from exc
    temp = Path(full_env["TMPDIR"]) if env and env.get("TMPDIR") else None
    return Served(process, url, time.perf_counter() - started, temp)


def stop(app: Served) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


@contextlib.contextmanager
def served(env: dict | None = None, log: Path | None = None, prefix: list[str] | None = None):
    app = start(env, log, prefix)
    try:
        yield app
    finally:
        stop(app)


def connect(url: str):
    """A client as the benchmarks use it; time its calls inside ``prompt_polling()``."""
    from pages.gradio_sessions import Client   # gradio_client's, without its stream-closing race (fix 9)

    # Output files stay on the server as URLs, as the browser gets them: downloading each image
    # again is the client's own choice and would be timed as the endpoint's. Plain http on
    # 127.0.0.1 has no certificate to verify; with ssl_verify=True the client still loads the CA
    # bundle into a new SSL context for every request, ~100 ms of CPU per call that competes with
    # the server for the two cores (no-op p50: 161 ms with it, 62 without).
    # httpx's own 5 s read limit is no browser's: on a busy 2-core machine the queue's answer to a
    # submit can take longer, and the load test counted those as the app's errors
    return Client(url, verbose=False, download_files=False, ssl_verify=False, httpx_kwargs={"timeout": CALL_TIMEOUT_S})


def rss_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[{"VmRSS": "rss", "VmHWM": "hwm"}[key]] = int(value.split()[0]) / 1024
    return out


def folder_usage(path: Path) -> dict[str, int]:
    """Files and bytes under ``path`` (0 and 0 when it does not exist)."""
    files = size = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(dirpath, name)).st_size
                files += 1
    return {"files": files, "bytes": size}


def client_args(args) -> list:
    from gradio_client import handle_file

    return [handle_file(a) if isinstance(a, str) and "\n" not in a and len(a) < 1024 and Path(a).is_file() else a
            for a in args]


def built_topics():
    """The topics that have a page, in roadmap order: ``app.available_topics`` without importing
    ``app`` (which builds every tab)."""
    sys.path.insert(0, str(ROOT))
    import pages  # noqa: F401 - first: it caps BLAS threads before numpy loads
    from showcase.core.topics import all_topics

    return [x for x in all_topics() if (ROOT / "pages" / x.area / f"{x.name}.py").is_file()]


def calls(only: set[str] | None = None):
    """(topic, api_name, client args) for every page's ``API``, in roadmap order, less the calls a
    session may make once (a page's ``API_ONCE_PER_SESSION``: a listener's rating), which a
    client repeating calls in one session would only see refused."""
    for topic in built_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        once = getattr(page, "API_ONCE_PER_SESSION", set())
        for api_name, args in getattr(page, "API", {}).items():
            if (not only or api_name in only) and api_name not in once:
                yield topic, api_name, client_args(args)


def first_examples():
    """(topic, api_name, client args) for each tab's main call: its first example."""
    for topic in built_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        yield topic, topic.api, client_args(page.API[topic.api])


def metrics_of(result) -> dict:
    outputs = result if isinstance(result, tuple) else (result,)
    return outputs[-1] if outputs and isinstance(outputs[-1], dict) else {}


def served_by(metrics: dict) -> str | None:
    """Which model served a result, as its metrics say (``model`` / ``source`` keys), or None."""
    keys = [k for k in metrics if k in ("model", "source", "backend") or k.startswith(("model_", "source_"))
            or k.endswith(("_model", "_source"))]
    return ", ".join(f"{k}={metrics[k]}" for k in keys if isinstance(metrics[k], (str, int, float))) or None
