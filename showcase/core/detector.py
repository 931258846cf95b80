"""The bundled shapes detector's inference, shared by the vision and deploy areas: load the ONNX
file, letterbox an image, run it, decode YOLO's output into boxes and keep them with NMS.

The detector is a YOLO11 trained here on generated shapes (``showcase.vision.detection`` shows
it; ``showcase.vision.detection_training`` trains it). YOLO (Redmon et al., CVPR 2016; here
Ultralytics' YOLO11) predicts, at every cell of three feature maps, a box and one score per class;
a confidence threshold and per-class non-maximum suppression turn thousands of candidates into a
few boxes. Only NumPy, OpenCV and ONNX Runtime are needed, so a server can run it without
Ultralytics or torch.

    model = load_onnx(ONNX_PATH)               # (session, class names, input side)
    det = run_onnx(model, rgb, conf=0.25, iou=0.45)
    det.boxes, det.scores, det.classes         # xyxy in the image's pixels
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from showcase.core import patched, shapes
from showcase.core.onnx import ort_session
from showcase.core.settings import asset

ONNX_PATH = asset("vision", "detection") / "shapes_yolo11p.onnx"
IMGSZ = 256                       # the shapes detector's fixed input size (ONNX exported static)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4), xyxy: (N, M)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by per-class non-maximum suppression, most confident first (ties: lower index
    first). A box is dropped when it overlaps a more confident kept box of its class by IoU > ``iou``.

    OpenCV's batched NMS does the greedy loop in C++ (decode with NMS, median of 40 scenes: 0.34 →
    0.09 ms on the tab's few boxes, 35 → 0.5 ms on the hundreds that mAP's conf 0.001 leaves), with
    the same kept boxes in the same order as the NumPy loop it replaced. Boxes of zero area go
    around it (OpenCV counts two of them as overlapping fully; their IoU is 0 here, as in torchvision)."""
    import cv2

    boxes, scores = np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(scores, np.float32)
    wh = boxes[:, 2:] - boxes[:, :2]
    solid = (wh > 0).all(1)
    kept = np.nonzero(~solid)[0]                       # zero area: overlaps nothing, always kept
    index = np.nonzero(solid)[0]
    if len(index):
        found = cv2.dnn.NMSBoxesBatched(np.column_stack([boxes[index, :2], wh[index]]), scores[index],
                                        np.asarray(classes, np.int32)[index], -1.0, float(iou))
        kept = np.union1d(kept, index[np.asarray(found, np.int64).reshape(-1)])
    return kept[np.argsort(-scores[kept], kind="stable")]


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Scale ``rgb`` to fit ``size``×``size`` keeping its aspect, pad with gray (114) as Ultralytics
    does; return the (1, 3, size, size) float32 input, the scale and the (x, y) padding."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(size / h, size / w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    # cv2's bilinear without antialiasing, as Ultralytics resizes in training, val and predict
    # (PIL's antialiased bilinear feeds the model pictures a little softer than it learned on)
    resized = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nh, nw) != (h, w) else rgb
    canvas = np.full((size, size, 3), 114, np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    canvas[top:top + nh, left:left + nw] = resized
    x = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0        # (1, 3, S, S)
    return np.ascontiguousarray(x), scale, (left, top)


def decode(output: np.ndarray, conf: float, iou: float, scale: float, pad: tuple[float, float],
           shape: tuple[int, int], max_det: int = 300, multi_label: bool = False):
    """YOLO's raw output (1, 4 + classes, anchors) — centre x, y, width, height in input pixels,
    then one sigmoid score per class — to boxes in the original image, scores and classes.

    ``multi_label``: an anchor gives one box per class scoring above ``conf`` (what Ultralytics'
    ``val`` does when it measures mAP: a shape the model half-confuses counts under both
    classes), instead of one box for its best class (what the tab draws)."""
    out = output[0]                                                       # (4 + classes, anchors)
    scores_all = out[4:]
    if multi_label:
        anchor, classes = np.nonzero(scores_all.T > conf)                 # anchor by anchor, as before
        scores = scores_all[classes, anchor]
    else:
        classes = scores_all.argmax(0)
        scores = np.take_along_axis(scores_all, classes[None], 0)[0]
        anchor = np.nonzero(scores >= conf)[0]                            # only these few are decoded
        classes, scores = classes[anchor], scores[anchor]
    cx, cy, bw, bh = out[:4, anchor]
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
    boxes = (boxes - np.array([pad[0], pad[1], pad[0], pad[1]])) / scale  # undo the letterbox
    boxes = np.clip(boxes, 0, [shape[1], shape[0], shape[1], shape[0]])
    kept = nms(boxes, scores, classes, iou)[:max_det]
    return boxes[kept].astype(np.float32), scores[kept].astype(np.float32), classes[kept].astype(np.int64)


@dataclass
class Detections:
    boxes: np.ndarray     # (N, 4) float32 xyxy in the image's pixels
    scores: np.ndarray    # (N,) float32 in [0, 1]
    classes: np.ndarray   # (N,) int64
    names: tuple          # class id → name
    imgsz: int            # the side the model saw


def load_onnx(path: Path, threads: int = 1):
    """(session, class names, input side) of an Ultralytics ONNX detector."""
    session = ort_session(path, threads)  # a 0.3 M-parameter model: one thread, as for the other small models here
    meta = session.get_modelmeta().custom_metadata_map
    names = tuple(shapes.CLASSES)
    if "names" in meta:  # Ultralytics writes {0: 'circle', ...} into the ONNX metadata
        import ast

        table = ast.literal_eval(meta["names"])
        names = tuple(table[i] for i in sorted(table))
    size = session.get_inputs()[0].shape[-1]
    return session, names, int(size) if isinstance(size, int) else IMGSZ


def run_onnx(model, rgb: np.ndarray, conf: float, iou: float, multi_label: bool = False) -> Detections:
    session, names, size = model
    x, scale, pad = letterbox(rgb, size)
    output = session.run(None, {session.get_inputs()[0].name: x})[0]
    boxes, scores, classes = decode(output, conf, iou, scale, pad, rgb.shape[:2], multi_label=multi_label)
    return Detections(boxes, scores, classes, names, size)


# --- Ultralytics, offline (the vision tab trains and compares with it; the edge tab rebuilds the model) ---

def config_dir() -> Path:
    return Path(os.environ.get("SHOWCASE_YOLO_DIR") or Path(tempfile.gettempdir()) / "showcase-ultralytics")


def font_file() -> Path:
    """DejaVu Sans, which matplotlib (a dependency) ships: Ultralytics' Arial stand-in and our label font."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


patched.check("ultralytics")  # ultralytics_offline below undoes one of its patches


def ultralytics_offline():
    """Import Ultralytics set up so that it never touches the network: ``YOLO_OFFLINE=1`` (no
    online checks, no auto-install, no telemetry) and a config folder of ours holding the
    fonts it would otherwise download for its plots. Must run before the first import."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir()))
    fonts = Path(os.environ["YOLO_CONFIG_DIR"]) / "Ultralytics"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        if not (fonts / name).is_file():
            shutil.copyfile(font_file(), fonts / name)
    import ultralytics
    import ultralytics.utils.patches as patches

    # Ultralytics (8.4.190: patched.WRITTEN_FOR) replaces PIL's Image.open, for every user of PIL in
    # the process (``ultralytics/utils/patches.py``), with one that on any unreadable file tries to
    # pip-install and import a HEIF plugin: offline that stalls, and a corrupt upload no longer gives
    # a clear error. Put Pillow's own back (Ultralytics keeps it as ``_image_open``). Tests:
    # tests/unit/core/test_patched.py (Image.open is Pillow's), tests/app/test_gradio_fixes.py (through
    # the app); tests/unit/core/test_patched.py also fails when another Ultralytics is installed.
    Image.open = patches._image_open
    return ultralytics
