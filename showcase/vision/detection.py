"""Object detection: a YOLO11 trained here on generated shapes, OpenCV's Haar face detector, and
YOLO11n (COCO) from the hub when it is reachable.

A one-stage detector such as YOLO (Redmon et al., "You Only Look Once", CVPR 2016; here
Ultralytics' YOLO11, https://docs.ultralytics.com/models/yolo11/) looks at the image once: a
convolutional backbone and neck produce feature maps at strides 8, 16 and 32, and at every cell a
head predicts a box (distances to its four sides) and one score per class. Thousands of candidate
boxes come out; a confidence threshold drops the unlikely ones and non-maximum suppression
(NMS) keeps, of boxes of the same class that overlap by more than an IoU threshold, only the
most confident. Those two thresholds are the tab's sliders.

Three detectors:

- ``shapes`` (bundled): ``assets/vision/detection/yolo11p-shapes.yaml``, a YOLO11 at half YOLO11n's
  width, trained from scratch with Ultralytics on scenes of five shape classes drawn by
  ``showcase.core.shapes`` (exact boxes, textured noisy backgrounds, occlusion, a six-fold
  range of sizes) in two stages (with mosaic from random weights, then a mosaic-free fine-tune
  on more scenes; see ``showcase.vision.detection_training``), exported to ONNX and run here with ONNX Runtime: letterbox, one forward pass,
  decode, NMS, all in this file. Held-out mAP50 is in its model card.
- ``faces`` (package): the Viola–Jones Haar cascade (CVPR 2001) that ships with OpenCV, for real
  photos such as scikit-image's astronaut. A cascade gives no probability; its score here is the
  cascade's last-stage sum squashed to (0, 1) by a logistic centred at 3 (clear faces score ~6–8,
  stray windows below 1), so the confidence slider still orders and filters its faces.
- ``yolo11n`` (hub): Ultralytics' YOLO11n trained on COCO's 80 classes, from the Hugging Face hub
  when it answers; offline the tab says so instead of waiting. Compare: 39.5 mAP50-95 on COCO
  val2017 and 56 ms a 640-px image with ONNX on a CPU (Ultralytics' published table).

Ultralytics is told never to reach for the network (``YOLO_OFFLINE=1``; its settings and the font
it draws with live in a folder of ours) before it is first imported, in ``ultralytics_offline()``.

    python -m showcase.vision.detection detect scene.png --detector shapes --conf 0.25 --iou 0.45
    python -m showcase.vision.detection_video clip.webm      # video: its own module, which imports this one
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, ModelUnavailable, load
from showcase.core.settings import asset
from showcase.core import shapes
from showcase.core.detector import (IMGSZ, ONNX_PATH, Detections, box_iou,  # noqa: F401
                                    config_dir, decode, font_file, letterbox, load_onnx, nms, run_onnx,
                                    ultralytics_offline)

ASSET_DIR = asset("vision", "detection")
CARD = ASSET_DIR / "model_card.json"
MODEL_YAML = ASSET_DIR / "yolo11p-shapes.yaml"
SCENE = 320                       # generated scenes are this size (letterboxed to IMGSZ)
DETECTORS = ("shapes", "faces", "yolo11n")
SHAPES_SPEC = ModelSpec(name="YOLO11p shapes (trained here, ONNX)", bundled=ONNX_PATH)
YOLO11N_SPEC = ModelSpec(name="YOLO11n (COCO, Ultralytics)", hub_repo="Ultralytics/YOLO11",
                         hub_files=("yolo11n.pt",))
HAAR_FILE = "haarcascade_frontalface_default.xml"
MAX_SIDE = 4096
MIN_SIDE = 16
FACE_SIDE = 640                   # the Haar cascade runs on the image scaled to at most this side
COMPARE = {"yolo11n_coco_map50_95": 39.5, "yolo11n_cpu_onnx_ms_640": 56.1}
MAX_VIDEO_FRAMES = 150            # frames of a video file that are processed (the rest is cut)
VIDEO_SIDE = 640                  # frames are scaled to at most this side first
PALETTE = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212)]


# ---------------------------------------------------------------------------------------------
# The three detectors: each takes an RGB array and returns boxes, scores, class ids and names
# ---------------------------------------------------------------------------------------------

def _load_haar(_path=None):
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        raise ModelUnavailable(
            f"OpenCV {cv2.__version__} has no Haar cascades (OpenCV 5 moved them out); install "
            "opencv-python 4.x for the face detector, or choose the shapes detector.")
    cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / HAAR_FILE))
    if cascade.empty():
        raise ModelUnavailable(f"OpenCV's {HAAR_FILE} is missing; choose the shapes detector.")
    return cascade


def run_haar(cascade, rgb: np.ndarray, conf: float, iou: float) -> Detections:
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, FACE_SIDE / max(h, w))
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
    smallest = max(24, max(gray.shape) // 20)  # faces under 1/20 of the image are not searched: 3× faster
    rects, _, weights = cascade.detectMultiScale3(gray, scaleFactor=1.2, minNeighbors=2,
                                                  minSize=(smallest, smallest), outputRejectLevels=True)
    rects = np.asarray(rects, np.float32).reshape(-1, 4)
    weights = np.asarray(weights, np.float32).reshape(-1)
    # the last stage's sum: ~6–8 on clear faces, below ~1 on the false ones of scikit-image's photos
    scores = 1 / (1 + np.exp(-(weights - 3.0) / 1.5))
    boxes = np.column_stack([rects[:, :2], rects[:, :2] + rects[:, 2:]]) / scale
    keep = scores >= conf
    boxes, scores = boxes[keep], scores[keep]
    classes = np.zeros(len(boxes), np.int64)
    kept = nms(boxes, scores, classes, iou)
    return Detections(boxes[kept], scores[kept], classes[kept], ("face",), max(gray.shape))


def _load_ultralytics(path: Path):
    ultralytics_offline()
    from ultralytics import YOLO

    path = Path(path)
    weights = path / YOLO11N_SPEC.hub_files[0] if path.is_dir() else path
    return YOLO(str(weights), task="detect")


def run_ultralytics(model, rgb: np.ndarray, conf: float, iou: float, imgsz: int = 640) -> Detections:
    result = model.predict(rgb[..., ::-1], conf=conf, iou=iou, imgsz=imgsz, verbose=False, device="cpu")[0]
    b = result.boxes
    names = tuple(result.names[i] for i in sorted(result.names))
    return Detections(b.xyxy.numpy().astype(np.float32), b.conf.numpy().astype(np.float32),
                      b.cls.numpy().astype(np.int64), names, imgsz)


def detector(name: str):
    """(model, run function, Resolved) for a detector name; loaded once per process."""
    if name == "shapes":
        model, found = load(SHAPES_SPEC, load_onnx)
        return model, run_onnx, found
    if name == "faces":
        from showcase.core.models import Resolved

        return _haar(), run_haar, Resolved("Haar cascade, frontal face (OpenCV)", Path(HAAR_FILE), "package")
    model, found = load(YOLO11N_SPEC, _load_ultralytics, prefer="hub")
    return model, run_ultralytics, found


@functools.cache
def _haar():
    return _load_haar()


# ---------------------------------------------------------------------------------------------
# Drawing, counting, scoring against exact boxes
# ---------------------------------------------------------------------------------------------

@functools.cache
def _font(size: int):
    try:
        return ImageFont.truetype(str(font_file()), size)
    except OSError:
        return ImageFont.load_default()


def draw(image: Image.Image, det: Detections) -> Image.Image:
    """Boxes and "name score" labels, one colour per class; line width follows the image size."""
    out = image.copy()
    pen = ImageDraw.Draw(out)
    width = max(1, round(max(out.size) / 320))
    font = _font(max(10, round(max(out.size) / 40)))
    for box, score, cls in zip(det.boxes, det.scores, det.classes):
        colour = PALETTE[int(cls) % len(PALETTE)]
        x0, y0, x1, y1 = (float(v) for v in box)
        pen.rectangle((x0, y0, x1, y1), outline=colour, width=width)
        text = f"{det.names[int(cls)]} {score:.2f}"
        left, top, right, bottom = pen.textbbox((x0, y0), text, font=font)
        ty = y0 - (bottom - top) - 2 if y0 - (bottom - top) - 2 >= 0 else y0
        pen.rectangle((x0, ty, x0 + right - left + 4, ty + bottom - top + 2), fill=colour)
        pen.text((x0 + 2, ty - (top - y0)), text, fill=(0, 0, 0) if sum(colour) > 400 else (255, 255, 255), font=font)
    return out


def counts(det: Detections) -> dict[str, int]:
    names = [det.names[int(c)] for c in det.classes]
    return {name: names.count(name) for name in sorted(set(names))}


def match(det: Detections, scene: shapes.Scene, iou: float = 0.5) -> dict:
    """True and false positives and misses against a generated scene's exact boxes (greedy, by score)."""
    truth_used = np.zeros(len(scene.boxes), bool)
    overlaps = box_iou(det.boxes, scene.boxes) if len(det.boxes) and len(scene.boxes) else np.zeros((len(det.boxes), 0))
    tp = 0
    for i in np.argsort(-det.scores):
        candidates = np.where(~truth_used & (scene.labels == det.classes[i]) & (overlaps[i] >= iou))[0] \
            if overlaps.shape[1] else []
        if len(candidates):
            truth_used[candidates[np.argmax(overlaps[i, candidates])]] = True
            tp += 1
    fp, fn = len(det.boxes) - tp, int((~truth_used).sum())
    return {"true_positives": tp, "false_positives": fp, "missed": fn,
            "precision": round(tp / max(tp + fp, 1), 4), "recall": round(tp / max(tp + fn, 1), 4)}


def average_precision_50(model, seeds, size: int = SCENE, conf: float = 0.001, iou: float = 0.7,
                         multi_label: bool = True) -> dict:
    """mAP at IoU 0.5 of the ONNX pipeline above on generated scenes, by the protocol of
    Ultralytics' ``val`` (so the two agree to the third decimal on the same scenes): every box
    above ``conf`` once per class (``multi_label``), NMS at ``iou``, detections matched greedily
    by score to an unclaimed true box of their class at IoU ≥ 0.5, and per class the area under
    the precision envelope sampled at 101 recall points (COCO), then the mean over classes.
    ``multi_label=False`` scores what the tab draws (one class per box): about 0.015 lower."""
    records = {c: [] for c in range(len(shapes.CLASSES))}
    n_truth = np.zeros(len(shapes.CLASSES), int)
    for seed in seeds:
        scene = shapes.generate(int(seed), size)
        det = run_onnx(model, scene.image, conf, iou, multi_label=multi_label)
        n_truth += np.bincount(scene.labels, minlength=len(shapes.CLASSES))
        used = np.zeros(len(scene.boxes), bool)
        overlaps = box_iou(det.boxes, scene.boxes)
        for i in np.argsort(-det.scores, kind="stable"):
            c = det.classes[i]
            ok = np.where(~used & (scene.labels == c) & (overlaps[i] >= 0.5))[0] if len(scene.boxes) else []
            if len(ok):
                used[ok[np.argmax(overlaps[i, ok])]] = True
            records[int(c)].append((float(det.scores[i]), bool(len(ok))))
    aps = {}
    recall_points = np.linspace(0, 1, 101)
    for c, name in enumerate(shapes.CLASSES):
        rows = sorted(records[c], key=lambda r: -r[0])
        hits = np.array([r[1] for r in rows], float)
        tp, fp = np.cumsum(hits), np.cumsum(1 - hits)
        recall = tp / max(n_truth[c], 1)
        precision = tp / np.maximum(tp + fp, 1e-9)
        last = recall[-1] if len(recall) else 1.0
        mrec = np.concatenate([[0.0], recall, [last, 1.0]])
        mpre = np.concatenate([[1.0], precision, [0.0, 0.0]])
        mpre = np.maximum.accumulate(mpre[::-1])[::-1]                   # precision envelope
        aps[name] = float(np.trapezoid(np.interp(recall_points, mrec, mpre), recall_points))
    return {"map50": round(float(np.mean(list(aps.values()))), 4), "per_class": {k: round(v, 4) for k, v in aps.items()},
            "scenes": len(seeds), "multi_label": multi_label}


# ---------------------------------------------------------------------------------------------
# The tab's function: one image (video and webcam: detection_video.py)
# ---------------------------------------------------------------------------------------------

@dataclass
class DetectResult:
    image: Image.Image          # the input with boxes and labels drawn
    table: pd.DataFrame         # class, count
    metrics: dict


def check_settings(detector_name: str, conf, iou) -> tuple[str, float, float]:
    """The detector's name and the two thresholds, checked (InputError) and as numbers."""
    if detector_name not in DETECTORS:
        raise InputError(f"detector must be one of {DETECTORS}, not {detector_name!r}.")
    conf = number(conf, "Confidence threshold", low=0.01, high=0.99)
    iou = number(iou, "IoU threshold", low=0.05, high=0.95)
    return detector_name, conf, iou


@functools.cache
def _card_held_out() -> dict:
    """The bundled detector's held-out mAP50 and mAP50-95 from its model card (shown beside each result)."""
    try:
        held_out = json.loads(CARD.read_text())["held_out"]
        return {"map50": held_out["map50"], "map50_95": held_out["map50_95"]}
    except (OSError, KeyError, ValueError):
        return {}


@functools.lru_cache(maxsize=16)
def _scene(seed: int, size: int) -> shapes.Scene:
    return shapes.generate(seed, size)


def ground_truth(picture: Image.Image) -> shapes.Scene | None:
    """The exact boxes of a generated scene (tagged PNG, every pixel unchanged), else None."""
    tag = shapes.read_tag(picture.info)
    if tag is None:
        return None
    seed, size = tag
    rgb = np.asarray(picture)
    if rgb.shape != (size, size, 3) or not 32 <= size <= 1024:
        return None
    scene = _scene(seed, size)
    return scene if np.array_equal(scene.image, rgb) else None


def result_metrics(per_class: dict[str, int], latencies_ms, imgsz: int, found, detector_name: str,
                   conf: float, iou: float, size: tuple[int, int]) -> dict:
    """The metrics every detection result starts with, for one image or every frame of a video:
    what was found, how fast (mean over the calls), by which model, with which settings."""
    return {
        "n_detections": int(sum(per_class.values())),
        "counts": dict(sorted(per_class.items())),
        "latency_ms": round(float(np.mean(latencies_ms)), 1),
        "imgsz": imgsz,
        "model": found.name,
        "source": found.source,
        "detector": detector_name,
        "conf": conf,
        "iou": iou,
        "size": f"{size[0]}×{size[1]}",
    }


def detect(image, detector_name: str = "shapes", conf: float = 0.25, iou: float = 0.45) -> DetectResult:
    """Detect objects in one image; boxes drawn, counts per class, latency, and — for a generated
    scene — true/false positives against its exact boxes."""
    detector_name, conf, iou = check_settings(detector_name, conf, iou)
    picture = load_image(image, max_side=MAX_SIDE, min_side=MIN_SIDE)
    model, run, found = detector(detector_name)
    rgb = np.asarray(picture)
    started = time.perf_counter()
    det = run(model, rgb, conf, iou)
    latency_ms = 1000 * (time.perf_counter() - started)
    per_class = counts(det)
    metrics = result_metrics(per_class, [latency_ms], det.imgsz, found, detector_name, conf, iou, picture.size)
    metrics.update(input_mode=picture.info.get("converted_from", "RGB"), compare=COMPARE)
    if detector_name == "shapes" and found.source == "bundled":
        metrics["card_held_out"] = _card_held_out()
    truth = ground_truth(picture) if detector_name == "shapes" else None
    if truth is not None:
        metrics["ground_truth"] = f"exact boxes of generated scene (seed {truth.seed})"
        metrics["true_counts"] = {n: truth.names.count(n) for n in sorted(set(truth.names))}
        metrics.update(match(det, truth))
    table = pd.DataFrame(sorted(per_class.items(), key=lambda kv: -kv[1]), columns=["class", "count"])
    return DetectResult(draw(picture, det), table, metrics)


def astronaut_png(path: Path) -> Path:
    """scikit-image's astronaut (Eileen Collins, NASA): a real photo with one face."""
    from skimage import data

    Image.fromarray(data.astronaut()).save(path)
    return Path(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("detect", help="detect in one image")
    d.add_argument("image")
    d.add_argument("--detector", choices=DETECTORS, default="shapes")
    d.add_argument("--conf", type=float, default=0.25)
    d.add_argument("--iou", type=float, default=0.45)
    args = parser.parse_args(argv)
    print(detect(args.image, args.detector, args.conf, args.iou).metrics)


if __name__ == "__main__":
    main()
