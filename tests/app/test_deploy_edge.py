"""The edge tab through the API: the first example, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_edge_benchmark_first_example(client):
    chart, table, theirs, note, metrics = client.predict(api_name="/edge_benchmark")
    assert len(metrics["rows"]) == 9 and metrics["held_out_scenes"] == 16 and metrics["front"]
    assert metrics["most_accurate"]["map50"] >= 0.85
    assert chart, "the Pareto chart came back empty"
    assert len(table["data"]) == 9 and len(theirs["data"]) == 7
    assert metrics["fastest"]["config"] in note and "帕累托前沿" in note


def test_edge_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/edge_benchmark", [256], ["tflite"], [1], 8, 3, match="not in the list of choices|Value")
    fails_clearly("/edge_benchmark", [256], [], [1], 8, 3, match="at least one")
    *_, metrics = client.predict([256], ["onnx_fp32"], [1], 8, 3, api_name="/edge_benchmark")
    assert [r["format"] for r in metrics["rows"]] == ["onnx_fp32"]
