"""The REST tab: start the SageMaker-style service as a real process, call it, and load-test it.

``showcase.deploy.rest_service`` is the server (the contract and its comparison with AWS's
toolkit are in its docstring); its container is ``assets/deploy/rest_api/Dockerfile`` and its
auto-scaling policy ``showcase.deploy.autoscaling``. This module is the client side, what a
team does before putting an endpoint behind traffic: start it as SageMaker would (``serve``),
wait for ``GET /ping``, send one ``POST /invocations`` and show both, then a closed-loop load
test: 1, 4 and 8 concurrent clients (asyncio tasks on one ``httpx.AsyncClient``), each sending
its next request as soon as the last one answered, for p50 / p95 latency and throughput.

Throughput grows with clients until the workers are busy (here: 2 cores), then latency grows
instead: that knee is what ``SageMakerVariantInvocationsPerInstance`` target tracking is set
below. The project's target: p95 ≤ 150 ms at 8 clients for the classifier.

    python -m showcase.deploy.rest_api --model classifier --workers 2 --requests 120
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import io
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from showcase.core import children
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import ROOT
from showcase.deploy import autoscaling, inference

MODELS = inference.MODELS
CONCURRENCY = (1, 4, 8)
TARGET_P95_MS = 150.0
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The service as a real process on loopback, kept for the life of the app
# ---------------------------------------------------------------------------------------------

@dataclass
class Service:
    process: subprocess.Popen
    url: str
    model: str
    workers: int
    start_s: float

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        # gunicorn stops its workers on SIGTERM; its whole process group is killed 10 s later if not
        children.stop(self.process, grace=10)


def start_service(model: str = "classifier", workers: int = 2, env: dict | None = None,
                  timeout: float = START_TIMEOUT_S) -> Service:
    """``python -m showcase.deploy.rest_service serve`` on 127.0.0.1, returned once ``/ping`` says 200
    from every worker. Each ping opens its own connection, which the kernel hands to any worker; a
    worker still loading its model is slow to accept, so a run of 200s can all come from one worker.
    /ping names its worker's pid, so this waits until as many pids as workers have answered 200."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "showcase.deploy.rest_service", "serve", "--model", model,
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", **(env or {}))
    started = time.perf_counter()
    process = children.Child(command, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    ready: set[int] = set()
    with httpx.Client(timeout=2.0, headers={"Connection": "close"}) as client:
        while len(ready) < workers:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited: {process.stderr.read().decode()[-800:]}")
            if time.perf_counter() - started > timeout:
                children.stop(process, grace=0)
                raise RuntimeError(f"the service did not answer /ping within {timeout:.0f} s")
            try:
                answer = client.get(f"{url}/ping")
                if answer.status_code == 200:
                    ready.add(answer.json()["pid"])
                else:
                    time.sleep(0.05)
            except httpx.HTTPError:
                time.sleep(0.1)
    return Service(process, url, model, workers, time.perf_counter() - started)


_services: dict[tuple[str, int], Service] = {}


def service(model: str, workers: int) -> Service:
    """One running service per (model, workers) in this process, restarted if it died."""
    key = (model, workers)
    if key not in _services or not _services[key].alive():
        _services[key] = start_service(model, workers)
    return _services[key]


@atexit.register
def _stop_all() -> None:
    for s in _services.values():
        s.stop()


# ---------------------------------------------------------------------------------------------
# Requests and the load test
# ---------------------------------------------------------------------------------------------

def sample_request(model: str) -> tuple[bytes, str, str]:
    """(body, content type, what it is): a held-out Fashion-MNIST test image, or a held-out scene."""
    buffer = io.BytesIO()
    if model == "classifier":
        from showcase.core import datasets

        data = datasets.load_fashion_mnist()
        Image.fromarray(data.x_test[0]).save(buffer, format="PNG")
        label = f"Fashion-MNIST test image 0 (true label: {datasets.FASHION_CLASSES[data.y_test[0]]})"
    else:
        from showcase.core import shapes

        scene = shapes.generate(2_000_000, 320)
        Image.fromarray(scene.image).save(buffer, format="PNG")
        label = f"generated scene, seed 2000000 (true: {len(scene.boxes)} shapes)"
    return buffer.getvalue(), "image/png", label


async def _load(url: str, body: bytes, content_type: str, clients: int, total: int) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    remaining = [total]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        async def one_client():
            while remaining[0] > 0:
                remaining[0] -= 1
                started = time.perf_counter()
                try:
                    response = await client.post(f"{url}/invocations", content=body,
                                                 headers={"Content-Type": content_type, "Accept": "application/json"})
                    status = response.status_code
                except httpx.TransportError:  # a dropped connection is a failed request, not a crashed test
                    status = 0
                latencies.append(1000 * (time.perf_counter() - started))
                statuses[status] = statuses.get(status, 0) + 1

        await client.get(f"{url}/ping")                        # open a connection before the clock starts
        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1), "throughput_rps": round(len(latencies) / wall, 1),
            "ok": statuses.get(200, 0), "statuses": statuses}


def load_test(url: str, body: bytes, content_type: str, concurrency=CONCURRENCY, requests: int = 120) -> pd.DataFrame:
    """Closed-loop load test: for each level, ``requests`` requests shared by that many clients."""
    # Each level runs its own event loop in a fresh thread: the caller may already be inside one
    # (a notebook, an async test, a Gradio worker that another library left a loop on).
    with ThreadPoolExecutor(max_workers=1) as pool:
        rows = [pool.submit(asyncio.run, _load(url, body, content_type, c, requests)).result() for c in concurrency]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The tab's function
# ---------------------------------------------------------------------------------------------

@dataclass
class RestResult:
    request: str            # the request, as curl would send it
    response: dict          # the service's JSON answer
    table: pd.DataFrame     # clients, requests, p50_ms, p95_ms, throughput_rps, ok
    chart: pd.DataFrame     # long form for the latency chart: clients, latency_ms, series (p50, p95)
    policy: dict            # the auto-scaling requests, their target from the measured throughput
    metrics: dict


def rest_api_demo(model: str = "classifier", workers: int = 2, requests: int = 120) -> RestResult:
    """Start (or reuse) the service, call it once, and load-test it at 1, 4 and 8 clients."""
    import httpx

    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    workers = number(workers, "Workers", low=1, high=4, integer=True)
    requests = number(requests, "Requests per level", low=16, high=400, integer=True)
    svc = service(model, workers)
    body, content_type, what = sample_request(model)
    started = time.perf_counter()
    response = httpx.post(f"{svc.url}/invocations", content=body, headers={"Content-Type": content_type}, timeout=30)
    latency_ms = 1000 * (time.perf_counter() - started)
    table = load_test(svc.url, body, content_type, CONCURRENCY, requests)
    chart = pd.concat([
        table.assign(latency_ms=table["p50_ms"], series="p50"),
        table.assign(latency_ms=table["p95_ms"], series="p95"),
    ])[["clients", "latency_ms", "series"]]
    at8 = table.iloc[-1]
    ping = httpx.get(f"{svc.url}/ping", timeout=5).json()
    # one instance's best measured throughput sets the scaling target (autoscaling's docstring says why)
    target = autoscaling.target_from_throughput(float(table["throughput_rps"].max()))
    policy = autoscaling.scaling_requests(f"showcase-{model}", target=target)
    autoscaling.validate(policy)
    metrics = {
        "status": response.status_code,
        "latency_ms": round(latency_ms, 1),
        "p95_ms": float(at8["p95_ms"]),
        "p50_ms": float(at8["p50_ms"]),
        "throughput_rps": float(at8["throughput_rps"]),
        "requests": int(table["requests"].sum()),
        "errors": int(table["requests"].sum() - table["ok"].sum()),
        "concurrency": list(CONCURRENCY),
        "target_p95_ms_at_8": TARGET_P95_MS if model == "classifier" else None,
        "workers": workers,
        "service_start_s": round(svc.start_s, 2),
        "scaling_target_per_instance_per_min": target,
        "url": f"{svc.url}/invocations",
        "payload": what,
        "model": ping.get("model"),
        "source": ping.get("source"),
        "server": "FastAPI on gunicorn + uvicorn workers (SageMaker container contract)",
        "load_tool": "httpx.AsyncClient, closed loop",
    }
    request = (f"curl -s -X POST {svc.url}/invocations \\\n  -H 'Content-Type: {content_type}' "
               f"-H 'Accept: application/json' \\\n  --data-binary @payload.png    # {what}, {len(body):,} bytes")
    return RestResult(request, response.json(), table.drop(columns=["statuses"]), chart, policy, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, default="classifier")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=120)
    args = parser.parse_args(argv)
    result = rest_api_demo(args.model, args.workers, args.requests)
    print(result.request)
    print(json.dumps(result.response, ensure_ascii=False)[:400])
    print(result.table.to_string(index=False))
    print(result.metrics)


if __name__ == "__main__":
    main()
