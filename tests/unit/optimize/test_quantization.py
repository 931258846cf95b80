import numpy as np
import pytest
import torch

from showcase.core.errors import InputError
from showcase.core import onnx as core_onnx
from showcase.optimize import quantization as q
from showcase.optimize import quantization_data as qd
from showcase.optimize import quantization_onnx as qo
from showcase.optimize import quantization_torch as qt
from showcase.optimize import tflite_program
from showcase.core import zoo
from showcase.optimize import tflite_worker

N = 300   # held-out test images for the per-method checks


@pytest.fixture(scope="module")
def student():
    return qd.subject("student")


def held_out(s, n=N):
    return s.images[:n], s.labels[:n]


def test_dynamic_quantises_only_the_linear_layer(student):
    int8 = qt.pytorch_dynamic(student.model)
    assert isinstance(int8.head, torch.ao.nn.quantized.dynamic.Linear)
    assert isinstance(int8.stem[0], torch.nn.Conv2d)                       # convolutions stay fp32
    x, y = held_out(student)
    fp32_pred, int8_pred = qt.predict_torch(student.model, x), qt.predict_torch(int8, x)
    assert q.score(int8_pred, fp32_pred) >= 0.98
    assert qt.state_dict_bytes(int8) < qt.state_dict_bytes(student.model)    # a little: only the head


@pytest.mark.parametrize("name", ["student", "teacher"])
def test_static_int8_is_smaller_and_about_as_accurate(name):
    s = qd.subject(name)
    int8 = qt.pytorch_static(s.model, qd.calibration_images(name, 64))
    x, y = held_out(s)
    fp32_acc = q.score(qt.predict_torch(s.model, x), y)
    int8_acc = q.score(qt.predict_torch(int8, x), y)
    assert int8_acc >= fp32_acc - 0.03
    assert qt.state_dict_bytes(int8) < qt.state_dict_bytes(s.model) / 2.5
    assert any(isinstance(m, torch.ao.nn.quantized.Conv2d) for m in int8.modules())


def test_ort_static_qdq_is_smaller_and_about_as_accurate(student, tmp_path):
    import onnx

    fp32_path = qo.onnx_fp32("student")
    int8_path = qo.ort_static(fp32_path, tmp_path / "int8.onnx", qd.calibration_images("student", 32))
    ops = {node.op_type for node in onnx.load(str(int8_path)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops          # the QDQ format
    x, y = held_out(student)
    fp32_acc = q.score(qo.ort_predict(core_onnx.ort_session(fp32_path), x), y)
    int8_acc = q.score(qo.ort_predict(core_onnx.ort_session(int8_path), x), y)
    assert int8_acc >= fp32_acc - 0.03
    assert int8_path.stat().st_size < fp32_path.stat().st_size / 2


def test_calibration_never_uses_the_held_out_images():
    calibration = qd.calibration_images("student", 64)
    test = qd.subject("student").images
    flat = {row.tobytes() for row in test.reshape(len(test), -1)}
    assert not any(row.tobytes() in flat for row in calibration.reshape(len(calibration), -1))
    assert set(qd.CALIBRATION_PHOTOS).isdisjoint(qd.EVAL_PHOTOS)


def test_fx_ready_efficientnet_is_the_same_function():
    from efficientnet_lite_pytorch.utils import Conv2dStaticSamePadding

    s = qd.subject("efficientnet_lite0")
    x = torch.from_numpy(s.images[:2])
    with torch.inference_mode():
        reference = s.model(x)
        for fast in (True, False):
            plain = qt.fx_ready(s.model, fast_depthwise=fast)
            assert not any(isinstance(m, Conv2dStaticSamePadding) for m in plain.modules())
            assert not plain.training
            assert (plain(x) - reference).abs().max() < 1e-3
    assert (s.labels == qt.predict_torch(s.model, s.images)).all()         # scored against fp32's top-1


@pytest.mark.parametrize("name", ["student", "teacher"])
def test_layer_program_folds_batch_norm_and_names_every_step(name):
    program, weights = tflite_program.layer_program(zoo.load_model(name))
    ops = [step["op"] for step in program]
    assert ops[0] == "conv" and ops[-1] == "dense" and "gap" in ops and "flatten" in ops
    assert ("add" in ops) == (name == "teacher")                          # residual additions
    convs = [m for m in zoo.load_model(name).modules() if isinstance(m, torch.nn.Conv2d)]
    assert ops.count("conv") == len(convs)                                # batch norms folded away
    produced = {"input"} | {step["out"] for step in program}
    assert all(i in produced for step in program for i in step["in"])
    assert all(step[k] in weights for step in program for k in ("weight", "bias") if k in step)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="vgg"), "model"),
    (dict(methods=[]), "at least one"),
    (dict(methods=["pytorch_static", "fp16"]), "Unknown method"),
    (dict(calibration=4), "Calibration images"),
    (dict(calibration=10_000), "Calibration images"),
    (dict(calibration=12.5), "whole"),
    (dict(calibration=None), "missing"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        q.quantize(**kwargs)


def test_quantize_table_metrics_and_cache():
    result = q.quantize("student", ["pytorch_static", "pytorch_dynamic"], 16)
    m = result.metrics
    for key in ("fp32_mb", "int8_mb", "fp32_ms", "int8_ms", "fp32_accuracy", "int8_accuracy", "model", "source"):
        assert key in m
    assert m["method"] == "pytorch_static" and m["source"] == "bundled"     # static is the headline
    assert m["int8_mb"] < m["fp32_mb"] / 2.5
    assert m["int8_accuracy"] >= m["fp32_accuracy"] - 0.02
    assert list(result.table["runtime"]) == ["PyTorch", "PyTorch"]         # fixed order: dynamic, static
    assert len(result.bars) == 4 and set(result.bars["precision"]) == {"fp32", "int8"}
    assert not np.isnan(result.table.select_dtypes("number").to_numpy()).any()
    again = q.quantize("student", ["pytorch_dynamic", "pytorch_static"], 16)
    assert again.metrics["cached"] and again.metrics["int8_mb"] == m["int8_mb"]


@pytest.mark.slow
@pytest.mark.skipif(not tflite_worker.tensorflow_installed(), reason="TensorFlow is not installed")
def test_tflite_full_integer_in_the_worker():
    m = q.quantize("student", ["tflite_int8"], 32).metrics
    assert m["method"] == "tflite_int8"
    assert m["tflite_int8.keras_vs_torch_agreement"] >= 0.99               # the Keras port is the same model
    assert m["int8_mb"] < m["fp32_mb"] / 2
    assert m["int8_accuracy"] >= m["fp32_accuracy"] - 0.03
    assert m["fp32_accuracy"] == pytest.approx(q.quantize("student", ["pytorch_dynamic"], 32).metrics["fp32_accuracy"],
                                               abs=0.005)


def test_tflite_unavailable_is_reported_not_crashed(monkeypatch, tmp_path):
    # a TensorFlow that fails to import, first on the path of the process that measures the route
    # (run_apart) and so of its TensorFlow worker
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text("raise ImportError('TensorFlow is broken here')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    q._measured.cache_clear()
    result = q.quantize("student", ["pytorch_dynamic", "tflite_int8"], 8)
    assert "broken here" in result.metrics["tflite_int8.error"]
    with pytest.raises(InputError, match="unavailable"):
        q.quantize("student", ["tflite_int8"], 8)


def test_the_routes_that_trace_leave_other_models_callable_meanwhile():
    """torch.fx swaps nn.Module.__call__ while it traces; PyTorch static runs apart, so a model
    called in another thread during its run still answers (in-process it raised NameError)."""
    import threading

    q._measured.cache_clear()
    model, x = q.subject("student").model, torch.zeros(1, 1, 28, 28)
    errors, done = [], threading.Event()

    def call_meanwhile():
        while not done.is_set():
            try:
                with torch.no_grad():
                    model(x)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    caller = threading.Thread(target=call_meanwhile)
    caller.start()
    try:
        q.quantize("student", ["pytorch_static"], 8)
    finally:
        done.set()
        caller.join()
    assert not errors, errors[:1]


# The tab's target, stated in its reference: static int8 on a zoo CNN ≥ 3.5× smaller, ≥ 1.5× faster,
# ≤ 1.5 points less accurate. Size and accuracy are checked here on the model the claim is about,
# the teacher, on all 1,000 held-out images; speed is a wall-clock time, so the benchmark judges it
# (benchmarks/optimize/quantization.py, target ≥ 1.5× for the teacher with ONNX Runtime static).
TARGET_SMALLER, TARGET_DROP_POINTS = 3.5, 1.5


@pytest.mark.slow
@pytest.mark.parametrize("method", ["pytorch_static", "ort_static"])
def test_teacher_static_int8_meets_the_size_and_accuracy_target(method):
    table = q.quantize("teacher", [method], 128).table.iloc[0]         # measured: 3.77× / 3.74×, −0.2 points
    assert table["smaller"] >= TARGET_SMALLER
    assert 100 * (table["fp32_accuracy"] - table["int8_accuracy"]) <= TARGET_DROP_POINTS
    assert q.quantize("teacher", [method], 128).metrics["eval_images"] == 1000


@pytest.mark.slow
def test_student_size_ratio_is_the_one_the_tab_states():
    """The tab says plainly that the small student stays under the 3.5× target; the ratio it
    quotes is the one measured."""
    import re

    import pages.optimize.quantization  # noqa: F401 - registers the tab's strings
    from pages.translation import translations

    ratio = q.quantize("student", ["pytorch_static"], 128).table.iloc[0]["smaller"]
    assert ratio < TARGET_SMALLER
    english, chinese = translations()
    stated = re.search(r"student[^.]*?(\d\.\d\d)×", english["quantization.reference"])
    assert stated and f"{stated.group(1)}" in chinese["quantization.reference"]
    assert stated and float(stated.group(1)) == pytest.approx(ratio, abs=0.01)
