"""The quantisation tab through the API: a good call, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow

GOOD = ("student", ["pytorch_dynamic", "pytorch_static", "ort_static"], 128)


def test_quantize_example(client):
    table, size, latency, accuracy, note, metrics = client.predict(*GOOD, api_name="/quantize")
    assert metrics["method"] == "pytorch_static" and metrics["calibration_images"] == 128
    for key in ("fp32_mb", "int8_mb", "fp32_ms", "int8_ms", "fp32_accuracy", "int8_accuracy", "model", "source"):
        assert key in metrics
    assert metrics["int8_mb"] < metrics["fp32_mb"] / 2.5
    assert metrics["int8_accuracy"] >= metrics["fp32_accuracy"] - 0.02
    assert len(table["data"]) == 3
    assert size and latency and accuracy


def test_quantize_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/quantize", "vgg16", ["pytorch_static"], 128, match="not in the list of choices")
    fails_clearly("/quantize", "student", [], 128, match="at least one method")
    fails_clearly("/quantize", "student", ["pytorch_static"], 4, match="less than minimum|Calibration images")
    # a calibration size no other call uses: the server quantises now instead of answering from its cache
    *_, metrics = client.predict("student", ["pytorch_static"], 24, api_name="/quantize")
    assert not metrics["cached"] and metrics["method"] == "pytorch_static" and metrics["calibration_images"] == 24


def test_efficientnet_static_int8_low_agreement_is_shown_as_a_warning():
    """EfficientNet-Lite0's static int8 models disagree with fp32 on many views (PyTorch static:
    42% agreement, ONNX Runtime: 79%); the tab warns instead of showing them as plain results."""
    from pages.optimize import quantization as page
    from showcase.optimize import quantization as q

    # the tab's fourth example: test_try_numbers.py's replay of its steps computes the same rows in this
    # process (both files share a worker, tests/conftest.py), so whichever comes second reads the cache
    table = q.quantize("efficientnet_lite0", ["pytorch_static", "ort_static"], 64).table
    shown = page.warn_low_agreement(table)
    low = table[table["top1_agreement"] < page.LOW_AGREEMENT]
    assert len(low) >= 1 and len(shown) == len(low)
    assert all("not usable" in text and "不可直接使用" in text for text in shown)
    assert page.warn_low_agreement(q.quantize("teacher", ["pytorch_static"], 128).table) == []
