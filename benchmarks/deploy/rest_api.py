"""Deploy: the REST service's latency under load and the serverless function's cold start.

``rest_api.p95_ms_at_8`` (target ≤ 150 ms for the classifier), ``p50_ms_at_8`` and
``throughput_rps_at_8``: the SageMaker-style service (2 gunicorn/uvicorn workers, the Fashion-MNIST
student) answering 8 closed-loop clients, 200 requests, after a warm-up level of 1 and 4 clients
(the tab's load test); ``p95_ms_at_1``: one client. ``serverless.cold_ms``: a new
``functions-framework`` process to its first prediction (imports and the lazy model load included),
``serverless.warm_ms``: the median of 20 calls after it, and their ratio.

    python -m benchmarks.deploy.rest_api
"""

from __future__ import annotations

from benchmarks.verdict import measured


def claims() -> dict:
    from showcase.deploy import rest_api, serverless

    out = {}
    result = rest_api.rest_api_demo("classifier", workers=2, requests=200)
    table = result.table.set_index("clients")
    out["rest_api.p95_ms_at_8"] = measured(float(table.loc[8, "p95_ms"]), f"<= {rest_api.TARGET_P95_MS}")
    out["rest_api.p50_ms_at_8"] = float(table.loc[8, "p50_ms"])
    out["rest_api.throughput_rps_at_8"] = float(table.loc[8, "throughput_rps"])
    out["rest_api.p95_ms_at_1"] = float(table.loc[1, "p95_ms"])
    cold = serverless.measure("classifier", warm_calls=20)
    out["serverless.cold_ms"] = cold["cold_ms"]
    out["serverless.model_load_ms"] = cold["model_load_ms"]
    out["serverless.warm_ms"] = cold["warm_ms"]
    out["serverless.cold_over_warm"] = round(cold["cold_ms"] / cold["warm_ms"], 1)
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
