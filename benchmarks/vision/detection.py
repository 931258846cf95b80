"""Detection: how fast each detector answers, and ONNX Runtime against PyTorch for the shapes detector.

``detect_640_p50_ms`` / ``detect_640_p95_ms``: the whole ``detect()`` call with the bundled shapes
detector on a generated 640×640 scene (load check, letterbox, ONNX forward, decode, NMS, drawing,
ground-truth matching), 30 warm calls; the target is p95 ≤ 300 ms. ``onnx_forward_ms``: ONNX
Runtime's forward pass alone. ``torch_forward_ms``: the same network in PyTorch through Ultralytics
(from the training run's ``best.pt`` when one is found next to the data; else the figure the model
card recorded at export time, marked as read, never divided by a time of this run), one thread
each. ``serve_320_ms_ours`` / ``serve_320_ms_ultralytics``: the serving path on a 320-px scene, ours
(letterbox, ONNX Runtime, decode, NMS: ``showcase.core.detector.run_onnx``) against Ultralytics' own
``predict()`` on the same ONNX file, with the same one-thread ONNX Runtime session options and torch
on one thread, the two alternating scene by scene over 40 scenes × 5 rounds (median ms per scene);
``serve_speedup_vs_ultralytics`` is their ratio (target ≥ 1.0). ``faces_p50_ms``: the Haar cascade on the 512-px astronaut. ``held_out_map50_200_scenes``:
our own mAP50 of the bundled detector on the 200 held-out scenes (target ≥ 0.9; the card's
Ultralytics figure beside it, read).

    python -m benchmarks.vision.detection
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from benchmarks.timing import warm_times_ms
from benchmarks.verdict import measured, read
from showcase.core.cards import read_card

SERVE_SCENES = 40                # 320-px scenes, seeds 3,000,000 on (not the training or held-out seeds)
SERVE_ROUNDS = 5


def serving_versus_ultralytics(n_scenes: int = SERVE_SCENES, rounds: int = SERVE_ROUNDS) -> dict:
    """Median ms per 320-px scene of our serving path and of Ultralytics' predict() on the same ONNX
    file, alternating scene by scene so that both see the same background load."""
    from showcase.core import shapes
    from showcase.core.onnx import ort_session
    from showcase.core.threads import one_thread
    from showcase.core.timing import samples_ms
    from showcase.vision import detection

    detection.ultralytics_offline()
    from ultralytics import YOLO

    threads = 1
    model = detection.load_onnx(detection.ONNX_PATH, threads)
    size = model[2]
    theirs = YOLO(str(detection.ONNX_PATH), task="detect")
    scenes = [shapes.generate(3_000_000 + i, detection.SCENE).image for i in range(n_scenes)]

    def predict(rgb):
        return theirs.predict(rgb[..., ::-1], imgsz=size, conf=0.25, iou=0.45, verbose=False, device="cpu")

    predict(scenes[0])               # builds Ultralytics' predictor and its ONNX Runtime session
    # Ultralytics opens its session with ONNX Runtime's defaults (a thread per core); give it the
    # very session options ours has, so that the race is between the code around the session.
    # (Ultralytics 8.4: AutoBackend keeps the ONNX backend in .backend, the session in .session.)
    backend = theirs.predictor.model.backend
    assert backend.session.get_inputs()[0].name == model[0].get_inputs()[0].name, "Ultralytics' backend moved"
    backend.session = ort_session(detection.ONNX_PATH, threads)
    at = [0]
    with one_thread():               # Ultralytics' pre- and post-processing run in torch
        ours_ms, theirs_ms = samples_ms(
            [lambda: detection.run_onnx(model, scenes[at[0]], 0.25, 0.45), lambda: predict(scenes[at[0]])],
            repeats=n_scenes * rounds, every=lambda i: at.__setitem__(0, (i + 1) % n_scenes))
    ours, theirs_median = float(np.median(ours_ms)), float(np.median(theirs_ms))
    return {"ours_ms": ours, "ultralytics_ms": theirs_median, "speedup": theirs_median / ours,
            "scenes": n_scenes, "calls_each": n_scenes * rounds, "threads": threads}



def claims() -> dict:
    from pages.vision import detection as page
    from showcase.vision import detection
    from showcase.core import shapes
    from showcase.vision.detection_training import TEST_SEEDS

    page.ensure_assets()
    card = read_card(detection.CARD)
    scene = shapes.generate(2_000_000, 640)
    times = warm_times_ms(lambda: detection.detect(scene.image, "shapes", 0.25, 0.45), 30)
    model, run, _ = detection.detector("shapes")
    session, _, size = model
    x, _, _ = detection.letterbox(scene.image, size)
    name = session.get_inputs()[0].name
    onnx_ms = float(np.median(warm_times_ms(lambda: session.run(None, {name: x}), 30)))

    best = Path(os.environ.get("SHAPES_BEST_PT", "/tmp/shapes-train/runs/shapes/weights/best.pt"))
    out = {}
    if best.is_file():  # the PyTorch side exists only where the training run left its best.pt
        import torch

        from showcase.core.threads import one_thread

        detection.ultralytics_offline()
        from ultralytics import YOLO

        net = YOLO(str(best)).model.float().eval()
        with torch.inference_mode(), one_thread():
            tensor = torch.from_numpy(x)
            torch_ms = float(np.median(warm_times_ms(lambda: net(tensor), 30)))
        out["detection.torch_forward_ms"] = round(torch_ms, 2)
        out["detection.onnx_speedup"] = round(torch_ms / onnx_ms, 2)    # both measured now, side by side
    serve = serving_versus_ultralytics()
    out["detection.serve_320_ms_ours"] = measured(round(serve["ours_ms"], 2))
    out["detection.serve_320_ms_ultralytics"] = measured(round(serve["ultralytics_ms"], 2))
    out["detection.serve_speedup_vs_ultralytics"] = measured(round(serve["speedup"], 2), ">= 1.0")
    out["detection.serve_calls_each_one_thread"] = serve["calls_each"]
    faces = warm_times_ms(lambda: detection.detect(str(page.ASTRONAUT), "faces", 0.25, 0.45), 10)
    ours = detection.average_precision_50(model, TEST_SEEDS)
    card_source = "model card (at training time)"
    return {
        "detection.detect_640_p50_ms": measured(round(float(np.percentile(times, 50)), 1)),
        "detection.detect_640_p95_ms": measured(round(float(np.percentile(times, 95)), 1), "<= 300"),
        "detection.onnx_forward_ms": measured(round(onnx_ms, 2)),
        **out,
        "detection.imgsz": size,
        "detection.faces_p50_ms": round(float(np.percentile(faces, 50)), 1),
        "detection.held_out_map50_200_scenes": measured(ours["map50"], ">= 0.9"),
        "detection.held_out_map50_weakest_class": measured(min(ours["per_class"].values()), ">= 0.8"),
        "detection.card_map50_ultralytics_val": read(card["held_out"]["map50"], card_source),
        "detection.card_map50_95_ultralytics_val": read(card["held_out"]["map50_95"], card_source),
        "detection.card_torch_forward_ms": read(card["export"]["pytorch_ms_640px_input"], card_source),
        "detection.card_ort_pipeline_ms": read(card["export"]["ort_ms_640px_input"], card_source),
        "detection.yolo11n_coco_map50_95": read(detection.COMPARE["yolo11n_coco_map50_95"], "Ultralytics' published table"),
        "detection.yolo11n_cpu_onnx_ms_640": read(detection.COMPARE["yolo11n_cpu_onnx_ms_640"], "Ultralytics' published table"),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
