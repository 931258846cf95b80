"""Detection: how fast each detector answers, and ONNX Runtime against PyTorch for the shapes detector.

``detect_640_p50_ms`` / ``detect_640_p95_ms``: the whole ``detect()`` call with the bundled shapes
detector on a generated 640×640 scene (load check, letterbox, ONNX forward, decode, NMS, drawing,
ground-truth matching), 30 warm calls; the target is p95 ≤ 300 ms. ``onnx_forward_ms``: ONNX
Runtime's forward pass alone. ``torch_forward_ms``: the same network in PyTorch through Ultralytics
(from the training run's ``best.pt`` when one is found next to the data, else the figure the model
card recorded at export time, marked as such), one thread each. ``faces_p50_ms``: the Haar
cascade on the 512-px astronaut. ``held_out_map50``: our own mAP50 of the bundled detector on 60
held-out scenes (the card holds Ultralytics' figure on 200).

    python -m benchmarks.vision.detection
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np


def _times(fn, repeat: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - started))
    return out


def claims() -> dict:
    from pages.vision import detection as page
    from showcase.vision import detection
    from showcase.core import shapes
    from showcase.vision.detection_training import TEST_SEEDS

    page.ensure_assets()
    card = json.loads(detection.CARD.read_text())
    scene = shapes.generate(2_000_000, 640)
    times = _times(lambda: detection.detect(scene.image, "shapes", 0.25, 0.45), 30)
    model, run, _ = detection.detector("shapes")
    session, _, size = model
    x, _, _ = detection.letterbox(scene.image, size)
    name = session.get_inputs()[0].name
    onnx_ms = float(np.median(_times(lambda: session.run(None, {name: x}), 30)))

    best = Path(os.environ.get("SHAPES_BEST_PT", "/tmp/shapes-train/runs/shapes/weights/best.pt"))
    if best.is_file():
        import torch

        from showcase.core.threads import one_thread

        detection.ultralytics_offline()
        from ultralytics import YOLO

        net = YOLO(str(best)).model.float().eval()
        with torch.inference_mode(), one_thread():
            tensor = torch.from_numpy(x)
            torch_ms = float(np.median(_times(lambda: net(tensor), 30)))
        torch_source = "measured now (best.pt of the training run)"
    else:
        torch_ms = card["export"]["pytorch_ms_640px_input"]
        onnx_card = card["export"]["ort_ms_640px_input"]
        torch_source = f"model card, at export time (ONNX there: {onnx_card} ms, whole pipeline)"
    faces = _times(lambda: detection.detect(str(page.ASTRONAUT), "faces", 0.25, 0.45), 10)
    ours = detection.average_precision_50(model, TEST_SEEDS[:60])
    return {
        "detection.detect_640_p50_ms": round(float(np.percentile(times, 50)), 1),
        "detection.detect_640_p95_ms": round(float(np.percentile(times, 95)), 1),
        "detection.onnx_forward_ms": round(onnx_ms, 2),
        "detection.torch_forward_ms": round(float(torch_ms), 2),
        "detection.torch_source": torch_source,
        "detection.onnx_speedup": round(float(torch_ms) / onnx_ms, 2),
        "detection.imgsz": size,
        "detection.faces_p50_ms": round(float(np.percentile(faces, 50)), 1),
        "detection.held_out_map50": ours["map50"],
        "detection.card_map50": card["held_out"]["map50"],
        "detection.card_map50_95": card["held_out"]["map50_95"],
        "detection.yolo11n_coco_map50_95": detection.COMPARE["yolo11n_coco_map50_95"],
        "detection.yolo11n_cpu_onnx_ms_640": detection.COMPARE["yolo11n_cpu_onnx_ms_640"],
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
