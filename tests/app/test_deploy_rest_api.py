"""The REST tab through the API: the first example, bad inputs with clear errors, and recovery."""

import pytest

from tests.app.values import records

pytestmark = pytest.mark.slow


def test_rest_api_demo_defaults(client):
    chart, throughput, request, table, response, policy, note, metrics = client.predict(api_name="/rest_api_demo")
    # what the run must hold whatever the machine's speed: every level sent its 120 requests, all answered,
    # and the numbers in the metrics are the 8-client row of the table, the two plots drawn from the same rows
    rows = records(table)
    assert [r["clients"] for r in rows] == metrics["concurrency"] == [1, 4, 8]
    assert all(r["requests"] == r["ok"] == 120 for r in rows), rows
    assert metrics["status"] == 200 and metrics["errors"] == 0 and metrics["requests"] == 3 * 120
    assert (metrics["p50_ms"], metrics["p95_ms"], metrics["throughput_rps"]) == tuple(
        rows[-1][k] for k in ("p50_ms", "p95_ms", "throughput_rps"))
    assert sorted((r["clients"], r["series"], r["latency_ms"]) for r in records(chart)) == sorted(
        [(r["clients"], "p50", r["p50_ms"]) for r in rows] + [(r["clients"], "p95", r["p95_ms"]) for r in rows])
    assert [(int(r["clients"]), r["throughput_rps"]) for r in records(throughput)] == [
        (r["clients"], r["throughput_rps"]) for r in rows]
    assert response["predictions"][0]["label"] == "Ankle boot" and metrics["source"] == "bundled"
    assert "/invocations" in request and f"{metrics['p95_ms']:.0f} ms" in note and "客户端数" in note
    config = policy["PutScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == metrics["scaling_target_per_instance_per_min"]


def test_rest_api_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/rest_api_demo", "llm", 2, 120, match="not in the list of choices")
    fails_clearly("/rest_api_demo", "classifier", 9, 120, match="greater than maximum")
    fails_clearly("/rest_api_demo", "classifier", 2, 20.5, match="Requests per level must be a whole number")
    *_, table, _, _, _, metrics = client.predict("detector", 1, 16, api_name="/rest_api_demo")
    assert metrics["status"] == 200 and metrics["requests"] == 48 and "YOLO" in metrics["model"]
    assert metrics["errors"] == 0 and all(r["requests"] == r["ok"] == 16 for r in records(table))
