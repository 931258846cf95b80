"""The serverless tab: a Cloud Functions entry point's cold start and warm latency, measured here,
and what a month of traffic costs on demand against an instance that is always on.

``showcase.deploy.serverless_function`` is the function. Each run starts it afresh with the
``functions-framework`` command, exactly as the Cloud Functions runtime does, and times:

- *ready*: new process → the function answers a ``GET`` (interpreter, imports, the server);
- *cold*: new process → the first prediction (the above plus the lazy model load);
- *warm*: the following calls on the same instance (median and p95).

The cost model (Cloud Run functions, "request-based billing" against "instance-based billing"
with a minimum of always-on instances; https://cloud.google.com/run/pricing):

- on demand: every request is billed for its duration rounded up to 100 ms, for the vCPU and
  memory it was given, plus a fee per million requests, after the monthly free tier;
- always on: enough instances for the load (one request at a time each, at least one), billed
  for every second of the month at the lower instance-based rates, no request fee.

On demand grows with traffic, always-on is flat until another instance is needed: the
*break-even* is the monthly request count where the two costs meet. The default prices are
Google's Tier 1 list prices in USD as read from that page on 2026-12-01 (a stored copy; the
instance-based memory price from the same table): they change, so they are inputs.

    python -m showcase.deploy.serverless --model classifier --requests-per-month 3000000
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from showcase.core import children
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import ROOT
from showcase.deploy import inference
from showcase.deploy.rest_api import free_port, sample_request

MODELS = inference.MODELS
SOURCE = "showcase/deploy/serverless_function.py"
SECONDS_PER_MONTH = 730 * 3600               # Google's billing month: 730 hours
PRICES = {                                     # USD, Tier 1 regions, read 2026-12-01 (see the docstring)
    "on_demand_vcpu_s": 0.000024,
    "on_demand_gib_s": 0.0000025,
    "per_million_requests": 0.40,
    "always_on_vcpu_s": 0.000018,
    "always_on_gib_s": 0.000002,
}
FREE = {                                       # monthly free tier, per billing account
    "on_demand_vcpu_s": 180_000, "on_demand_gib_s": 360_000, "requests": 2_000_000,
    "always_on_vcpu_s": 240_000, "always_on_gib_s": 450_000,
}
PRICE_SOURCE = "cloud.google.com/run/pricing, Tier 1, USD, read 2026-12-01; inputs, not live prices"


# ---------------------------------------------------------------------------------------------
# Cold and warm, measured on a fresh functions-framework process
# ---------------------------------------------------------------------------------------------

def measure(model: str = "classifier", warm_calls: int = 20, timeout: float = 120.0) -> dict:
    """Start the function with the ``functions-framework`` command, time ready, cold and warm calls."""
    import httpx

    port = free_port()
    command = [str(_script("functions-framework")), "--source", SOURCE, "--target", "predict",
               "--host", "127.0.0.1", "--port", str(port)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", SHOWCASE_SERVE_MODEL=model)
    body, content_type, what = sample_request(model)
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = children.Child(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(timeout=timeout) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the function exited: {process.stderr.read().decode()[-800:]}")
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"the function did not answer within {timeout:.0f} s")
                try:
                    client.get(url, timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.02)
            ready = time.perf_counter() - started
            first = client.post(url, content=body, headers={"Content-Type": content_type})
            cold = time.perf_counter() - started
            warm = []
            for _ in range(warm_calls):
                t = time.perf_counter()
                answer = client.post(url, content=body, headers={"Content-Type": content_type})
                warm.append(1000 * (time.perf_counter() - t))
                if answer.status_code != 200:
                    raise RuntimeError(f"warm call failed: {answer.status_code} {answer.text[:200]}")
    finally:
        children.stop(process, grace=10)
    reply = first.json()
    return {"ready_ms": round(1000 * ready, 1), "cold_ms": round(1000 * cold, 1),
            "model_load_ms": reply.get("model_load_ms"), "first_was_cold": reply.get("cold"),
            "warm_ms": round(float(np.median(warm)), 1), "warm_p95_ms": round(float(np.percentile(warm, 95)), 1),
            "warm_calls": warm_calls, "status": first.status_code, "response": reply, "payload": what}


def _script(name: str) -> Path:
    """A console script installed next to this interpreter (the virtualenv's bin/)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise InputError(f"`{name}` is not installed next to {sys.executable}: pip install functions-framework.")
    return path


# ---------------------------------------------------------------------------------------------
# The cost model
# ---------------------------------------------------------------------------------------------

def on_demand_cost(requests: np.ndarray, duration_ms: float, vcpu: float, memory_gib: float,
                   prices: dict = PRICES, free_tier: bool = True) -> np.ndarray:
    """Monthly USD for ``requests`` a month, each billed ``duration_ms`` rounded up to 100 ms."""
    requests = np.asarray(requests, float)
    billed_s = requests * math.ceil(duration_ms / 100) * 0.1
    f = FREE if free_tier else dict.fromkeys(FREE, 0)
    return (np.maximum(billed_s * vcpu - f["on_demand_vcpu_s"], 0) * prices["on_demand_vcpu_s"]
            + np.maximum(billed_s * memory_gib - f["on_demand_gib_s"], 0) * prices["on_demand_gib_s"]
            + np.maximum(requests - f["requests"], 0) / 1e6 * prices["per_million_requests"])


def always_on_cost(requests: np.ndarray, duration_ms: float, vcpu: float, memory_gib: float,
                   prices: dict = PRICES, free_tier: bool = True) -> np.ndarray:
    """Monthly USD for enough always-on instances (one request at a time each, at least one)."""
    requests = np.asarray(requests, float)
    busy_s = requests * duration_ms / 1000                       # seconds of work in the month
    instances = np.maximum(1, np.ceil(busy_s / SECONDS_PER_MONTH))
    seconds = instances * SECONDS_PER_MONTH
    f = FREE if free_tier else dict.fromkeys(FREE, 0)
    return (np.maximum(seconds * vcpu - f["always_on_vcpu_s"], 0) * prices["always_on_vcpu_s"]
            + np.maximum(seconds * memory_gib - f["always_on_gib_s"], 0) * prices["always_on_gib_s"])


def break_even(duration_ms: float, vcpu: float, memory_gib: float, prices: dict = PRICES) -> float | None:
    """The monthly request count where on demand becomes dearer than one always-on instance."""
    grid = np.logspace(3, 10, 2000)
    gap = on_demand_cost(grid, duration_ms, vcpu, memory_gib, prices) - always_on_cost(grid, duration_ms, vcpu, memory_gib, prices)
    above = np.nonzero(gap > 0)[0]
    if not len(above) or above[0] == 0:
        return None
    i = above[0]                                                   # interpolate in log space between i-1 and i
    x0, x1, g0, g1 = np.log10(grid[i - 1]), np.log10(grid[i]), gap[i - 1], gap[i]
    return float(10 ** (x0 + (x1 - x0) * (-g0) / (g1 - g0)))


# ---------------------------------------------------------------------------------------------
# The tab's function
# ---------------------------------------------------------------------------------------------

@dataclass
class ServerlessResult:
    latency: pd.DataFrame      # phase, ms: ready, cold, warm p50, warm p95
    costs: pd.DataFrame        # requests_per_month, log10_requests_per_month, usd, plan
    response: dict
    metrics: dict


def serverless_demo(model: str = "classifier", requests_per_month: float = 1_000_000, memory_gib: float = 0.5,
                    vcpu: float = 1.0, warm_calls: int = 20, on_demand_vcpu_s: float = PRICES["on_demand_vcpu_s"],
                    on_demand_gib_s: float = PRICES["on_demand_gib_s"],
                    per_million_requests: float = PRICES["per_million_requests"],
                    always_on_vcpu_s: float = PRICES["always_on_vcpu_s"],
                    always_on_gib_s: float = PRICES["always_on_gib_s"]) -> ServerlessResult:
    """Measure cold and warm calls of the function, then cost the month at the measured duration."""
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    requests_per_month = number(requests_per_month, "Requests per month", low=0, high=1e10)
    memory_gib = number(memory_gib, "Memory (GiB)", low=0.125, high=32)
    vcpu = number(vcpu, "vCPU", low=0.08, high=8)
    warm_calls = number(warm_calls, "Warm calls", low=3, high=200, integer=True)
    prices = {k: number(v, f"Price {k}", low=0, high=1) for k, v in dict(
        on_demand_vcpu_s=on_demand_vcpu_s, on_demand_gib_s=on_demand_gib_s,
        per_million_requests=per_million_requests, always_on_vcpu_s=always_on_vcpu_s,
        always_on_gib_s=always_on_gib_s).items()}
    measured = measure(model, warm_calls)
    duration = measured["warm_ms"]
    even = break_even(duration, vcpu, memory_gib, prices)
    # the chart spans up to a few times the break-even (or the traffic asked about), so the crossing shows
    top = max(4 * (even or 1e8), 3 * requests_per_month, 1e6)
    grid = np.logspace(4, np.log10(min(top, 1e10)), 60)
    costs = pd.concat([
        pd.DataFrame({"requests_per_month": grid, "usd": on_demand_cost(grid, duration, vcpu, memory_gib, prices),
                      "plan": "on demand"}),
        pd.DataFrame({"requests_per_month": grid, "usd": always_on_cost(grid, duration, vcpu, memory_gib, prices),
                      "plan": "always on"}),
    ], ignore_index=True)
    costs["log10_requests_per_month"] = np.log10(costs["requests_per_month"]).round(3)   # the chart's x axis
    costs["usd"] = costs["usd"].round(2)
    latency = pd.DataFrame({"phase": ["ready", "cold (first answer)", "warm p50", "warm p95"],
                            "ms": [measured["ready_ms"], measured["cold_ms"], measured["warm_ms"], measured["warm_p95_ms"]]})
    on_demand = float(on_demand_cost(requests_per_month, duration, vcpu, memory_gib, prices))
    always_on = float(always_on_cost(requests_per_month, duration, vcpu, memory_gib, prices))
    metrics = {
        "cold_ms": measured["cold_ms"],
        "warm_ms": measured["warm_ms"],
        "ready_ms": measured["ready_ms"],
        "model_load_ms": measured["model_load_ms"],
        "warm_p95_ms": measured["warm_p95_ms"],
        "cold_over_warm": round(measured["cold_ms"] / max(measured["warm_ms"], 1e-3), 1),
        "monthly_cost_on_demand": round(on_demand, 2),
        "monthly_cost_always_on": round(always_on, 2),
        "cheaper": "on demand" if on_demand <= always_on else "always on",
        "break_even_requests_per_month": None if even is None else int(round(even, -3)),
        "requests_per_month": requests_per_month,
        "billed_ms_per_request": math.ceil(duration / 100) * 100,
        "vcpu": vcpu, "memory_gib": memory_gib,
        "prices_usd": prices, "price_source": PRICE_SOURCE,
        "status": measured["status"],
        "model": measured["response"].get("model"),
        "source": measured["response"].get("source"),
        "runtime": "functions-framework (Cloud Functions' Python runtime), local process",
    }
    return ServerlessResult(latency, costs, measured["response"], metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, default="classifier")
    parser.add_argument("--requests-per-month", type=float, default=1_000_000)
    parser.add_argument("--warm-calls", type=int, default=20)
    args = parser.parse_args(argv)
    result = serverless_demo(args.model, args.requests_per_month, warm_calls=args.warm_calls)
    print(result.latency.to_string(index=False))
    print(result.metrics)


if __name__ == "__main__":
    main()
