"""Graph mode: TorchScript and torch.compile equal eager, TensorFlow in its own process, bad inputs."""

import subprocess
import sys

import pytest

from showcase.core.errors import InputError
from showcase.frameworks import graph_mode as gm
from tests.rounding import ratio_of_rounded


def test_small_cnn_shapes():
    assert gm.model()(gm.example_input(3)).shape == (3, 10)


def test_torchscript_equals_eager():
    result = gm.compare("torchscript", batch_size=8, calls=5)
    m = result.metrics
    assert m["max_abs_diff"] < 1e-5 and m["eager_ms"] > 0 and m["graph_ms"] > 0 and m["compile_s"] > 0
    assert {"eager_ms", "graph_ms", "speedup", "compile_s", "max_abs_diff"} <= set(m)
    # the speed-up shown is the plotted medians divided (each rounded to 0.1 µs, the ratio to 0.001)
    assert list(result.latency["ms"]) == [m["eager_ms"], m["graph_ms"]]
    assert ratio_of_rounded(m["speedup"], m["eager_ms"], m["graph_ms"], (4, 4, 3)), m
    assert len(result.calls) == 10 and not result.calls.isna().any().any() and len(result.latency) == 2
    again = gm.compare("torchscript", batch_size=8, calls=5).metrics
    assert again["compile_cached"] and again["compile_s"] == m["compile_s"]


def test_torchscript_handles_another_batch_size():
    assert gm.compare("torchscript", batch_size=3, calls=5).metrics["max_abs_diff"] < 1e-5


@pytest.mark.slow
def test_torch_compile_equals_eager():
    m = gm.compare("torch_compile", batch_size=4, calls=5).metrics
    assert m["max_abs_diff"] < 1e-4 and m["compile_s"] > 0 and not m["compile_cached"]
    assert gm.compare("torch_compile", batch_size=4, calls=5).metrics["compile_cached"]


def test_compile_failure_is_reported_clearly(monkeypatch):
    def broken(mode, x):
        raise RuntimeError("InductorError: CppCompileError: C++ compile error\nmore lines")

    monkeypatch.setattr(gm, "_build", broken)
    monkeypatch.setattr(gm, "_graphs", {})        # as in a fresh process: nothing compiled yet
    monkeypatch.setattr(gm, "_first_calls", {})
    with pytest.raises(gm.GraphModeUnavailable, match="C\\+\\+ compiler"):
        gm.compare("torch_compile", batch_size=7, calls=5)
    assert ("torch_compile", 7) not in gm._first_calls


def test_tensorflow_missing_is_reported(monkeypatch):
    monkeypatch.setattr("showcase.core.workers.tensorflow_installed", lambda: False)
    monkeypatch.setattr(gm, "_tf_worker", None)  # a worker not started yet
    with pytest.raises(gm.GraphModeUnavailable, match="TensorFlow is not installed"):
        gm.compare("tf_function", batch_size=4, calls=5)


@pytest.mark.slow
def test_tensorflow_is_never_imported_here():
    code = ("import sys; import showcase.frameworks.graph_mode as g; g.compare('torchscript', 2, 5); "
            "assert 'tensorflow' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-500:]


@pytest.mark.slow
@pytest.mark.skipif(not gm.tensorflow_installed(), reason="TensorFlow is not installed")
def test_tf_function_in_its_worker_equals_eager_and_torch():
    worker = gm.TensorFlowWorker()
    monkey = gm._tf_worker
    gm._tf_worker = worker
    try:
        m = gm.compare("tf_function", batch_size=16, calls=5).metrics
        assert m["framework"].startswith("TensorFlow") and m["max_abs_diff"] < 1e-5
        assert m["tf_vs_torch_max_abs_diff"] < 1e-4  # same weights, channels-last
        assert m["compile_s"] > 0 and m["graph_ms"] > 0
        assert gm.compare("tf_function", batch_size=16, calls=5).metrics["compile_cached"]
        assert "tensorflow" not in sys.modules
    finally:
        worker.stop()
        gm._tf_worker = monkey


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="xla"), "mode must be one of"),
    (dict(batch_size=0), "between 1 and 512"),
    (dict(batch_size=10_000), "between 1 and 512"),
    (dict(batch_size=2.5), "whole number"),
    (dict(calls=1), "between 5 and 500"),
    (dict(calls="many"), "must be a number"),
])
def test_bad_inputs(kwargs, message):
    args = dict(mode="torchscript", batch_size=4, calls=5)
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        gm.compare(**args)
