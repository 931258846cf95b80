"""The graph-mode tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest

from tests.app.values import records
from tests.rounding import ratio_of_rounded

pytestmark = pytest.mark.slow


def test_graph_mode_defaults_are_the_first_example(client):
    latency, calls, note, metrics = client.predict(api_name="/graph_mode")
    assert (metrics["mode"], metrics["batch_size"], metrics["calls"]) == ("torchscript", 1, 200)
    assert metrics["max_abs_diff"] < 1e-5 and metrics["eager_ms"] > 0 and metrics["graph_ms"] > 0
    # the speed-up shown is the two plotted medians divided (each rounded to 0.1 µs, the ratio to 0.001)
    assert [r["ms"] for r in records(latency)] == [metrics["eager_ms"], metrics["graph_ms"]]
    assert ratio_of_rounded(metrics["speedup"], metrics["eager_ms"], metrics["graph_ms"], (4, 4, 3)), metrics
    assert metrics["compile_s"] > 0
    assert latency and calls


def test_graph_mode_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/graph_mode", "xla", 32, 100, match="not in the list of choices")
    fails_clearly("/graph_mode", "torchscript", 0, 100, match="less than minimum")
    fails_clearly("/graph_mode", "torchscript", 32, 100_000, match="greater than maximum")
    *_, metrics = client.predict("torchscript", 4, 20, api_name="/graph_mode")
    assert metrics["batch_size"] == 4 and metrics["max_abs_diff"] < 1e-5
