"""The REST tab through the API: the first example, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_rest_api_demo_defaults(client):
    chart, throughput, request, table, response, policy, note, metrics = client.predict(api_name="/rest_api_demo")
    assert metrics["status"] == 200 and metrics["errors"] == 0 and metrics["requests"] == 360
    assert metrics["concurrency"] == [1, 4, 8] and metrics["p95_ms"] >= metrics["p50_ms"] > 0
    assert response["predictions"][0]["label"] == "Ankle boot" and metrics["source"] == "bundled"
    assert "/invocations" in request and f"{metrics['p95_ms']:.0f} ms" in note and "客户端数" in note
    config = policy["PutScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == metrics["scaling_target_per_instance_per_min"]


def test_rest_api_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/rest_api_demo", "llm", 2, 120, match="not in the list of choices")
    fails_clearly("/rest_api_demo", "classifier", 9, 120, match="greater than maximum")
    fails_clearly("/rest_api_demo", "classifier", 2, 20.5, match="Requests per level must be a whole number")
    *_, metrics = client.predict("detector", 1, 16, api_name="/rest_api_demo")
    assert metrics["status"] == 200 and metrics["requests"] == 48 and "YOLO" in metrics["model"]
