"""ONNX Runtime vs PyTorch eager on the ONNX tab's models, measured side by side in one run.

``ort_over_torch_batch1`` / ``_batch8``: PyTorch's median latency over ONNX Runtime's on the same
batch of real photos (the tab's ``median_latency_ms``: one warm-up, then calls alternating between
the two runtimes, so both meet the same noise), for EfficientNet-Lite0 exported with the dynamo
exporter at opset 18, and for ResNet-18 (random weights offline: speed does not depend on them)
with the torchscript exporter. Target: ≥ 1.5× at batch 1 (Ultralytics: ~2× for YOLO11n on a
Raspberry Pi 5). Both runtimes use torch's thread count; ``*_1thread``: the same at one thread
each, which a machine busier than its cores cannot distort (with two threads PyTorch's OpenMP
barriers stall whenever one thread is descheduled, and its latency swings 10×). ``export_s_*``: the export itself, dynamo vs the legacy tracer. Medians on a
shared 2-core CPU where other jobs may run: expect noise.

    python -m benchmarks.frameworks.onnx_export
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.verdict import measured, read

REPEATS = 20
TARGET = 1.5


def claims() -> dict:
    from showcase.frameworks import onnx_export as ox

    _, photos = ox.photo_batch()
    out = {}
    for model, exporter, opset in (("efficientnet_lite0", "dynamo", 18), ("efficientnet_lite0", "torchscript", 17),
                                   ("resnet18", "torchscript", 17)):
        loaded = ox.load_model(model)
        exported, _ = ox.cached_export(model, opset, exporter)
        key = f"onnx_export.{model}_{exporter}"
        out[f"{key}_export_s"] = round(exported.seconds, 2)
        if exporter == "torchscript" and model == "efficientnet_lite0":
            continue  # the same graph as dynamo's for timing purposes; only its export time is of interest
        for size in (1, 8):
            batch = np.ascontiguousarray(np.resize(photos, (size,) + photos.shape[1:]))
            torch_ms, ort_ms = ox.median_latency_ms(loaded.model, exported.path, batch, REPEATS)
            out[f"{key}_torch_ms_batch{size}"] = round(torch_ms, 2)
            out[f"{key}_ort_ms_batch{size}"] = round(ort_ms, 2)
            out[f"{key}_ort_over_torch_batch{size}"] = round(torch_ms / ort_ms, 2)
        out[f"{key}_weights"] = loaded.weights
        threads = torch.get_num_threads()
        try:  # one thread each: the ratio a busy machine cannot distort (no OpenMP barrier waits)
            torch.set_num_threads(1)
            batch = np.ascontiguousarray(photos[:1])
            torch_ms, ort_ms = ox.median_latency_ms(loaded.model, exported.path, batch, REPEATS)
        finally:
            torch.set_num_threads(threads)
        out[f"{key}_ort_over_torch_batch1_1thread"] = round(torch_ms / ort_ms, 2)
        out[f"{key}_threads"] = threads
    key = "onnx_export.efficientnet_lite0_dynamo_ort_over_torch_batch1"
    out[key] = measured(out[key], f">= {TARGET}")
    out["onnx_export.yolo11n_rpi5_onnx_over_torch"] = read("about 2", "Ultralytics' Raspberry Pi 5 benchmarks")
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
