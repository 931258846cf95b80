"""Detection on video: every frame of a file through the detection tab's detectors, and a webcam frame.

The detectors, drawing and checks are ``showcase.vision.detection``'s; this module reads frames with
OpenCV, scales them to at most ``VIDEO_SIDE``, runs the detector on each, and writes an annotated
WebM (VP8, which browsers play) with per-frame counts:

    path, per_frame, metrics = detect_video("clip.mp4", "faces")
    frame, metrics = detect_frame(webcam_rgb, "shapes")

    python -m showcase.vision.detection_video clip.webm --detector faces

The import goes one way: this module reads ``detection``, never the reverse.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from showcase.core import shapes
from showcase.core.errors import InputError
from showcase.vision.detection import (DETECTORS, MAX_VIDEO_FRAMES, VIDEO_SIDE, check_settings, counts, detect,
                                       detector, draw, result_metrics)


def detect_frame(frame, detector_name: str = "shapes", conf: float = 0.25, iou: float = 0.45):
    """One webcam frame (H, W, 3) → (annotated frame, metrics); ``None`` (no frame yet) gives None."""
    if frame is None:
        return None, {}
    result = detect(frame, detector_name, conf, iou)
    return np.asarray(result.image), result.metrics


def detect_video(path, detector_name: str = "shapes", conf: float = 0.25, iou: float = 0.45,
                 out_dir: Path | None = None, max_frames: int = MAX_VIDEO_FRAMES) -> tuple[str, pd.DataFrame, dict]:
    """Detect in every frame of a video file (the first ``max_frames``, scaled to at most
    ``VIDEO_SIDE``) and write an annotated WebM (VP8, which browsers play) next to it."""
    import cv2

    detector_name, conf, iou = check_settings(detector_name, conf, iou)
    if path is None:
        raise InputError("No video given: upload one or click the example.")
    path = Path(path)
    if not path.is_file():
        raise InputError("The video file could not be found; upload it again.")
    if path.stat().st_size == 0:
        raise InputError("The uploaded video is empty (0 bytes).")
    capture = cv2.VideoCapture(str(path))
    try:
        ok, frame = capture.read() if capture.isOpened() else (False, None)
        if not ok or frame is None:
            raise InputError("Could not read any frame from the video: it is empty, corrupt or in a "
                             "format OpenCV cannot decode. Upload an MP4 or WebM.")
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        fps = fps if 1 <= fps <= 120 else 25.0
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        model, run, found = detector(detector_name)
        h, w = frame.shape[:2]
        scale = min(1.0, VIDEO_SIDE / max(h, w))
        size = (max(2, round(w * scale) // 2 * 2), max(2, round(h * scale) // 2 * 2))
        out_dir = Path(out_dir or tempfile.mkdtemp(prefix="showcase-video-"))
        out_path = out_dir / f"detected-{uuid.uuid4().hex[:8]}.webm"
        writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"VP80"), fps, size)
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write WebM (VP8) here")
        totals: dict[str, int] = {}
        per_frame, latencies, n = [], [], 0
        try:
            while ok and n < max_frames:
                rgb = cv2.cvtColor(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
                started = time.perf_counter()
                det = run(model, rgb, conf, iou)
                latencies.append(1000 * (time.perf_counter() - started))
                for name, k in counts(det).items():
                    totals[name] = totals.get(name, 0) + k
                per_frame.append(len(det.boxes))
                writer.write(cv2.cvtColor(np.asarray(draw(Image.fromarray(rgb), det)), cv2.COLOR_RGB2BGR))
                n += 1
                ok, frame = capture.read()
        finally:
            writer.release()
        truncated = bool(ok)
    finally:
        capture.release()
    metrics = result_metrics(totals, latencies, det.imgsz, found, detector_name, conf, iou, size)
    metrics.update(latency_p95_ms=round(float(np.percentile(latencies, 95)), 1), frames=n, frames_in_file=total,
                   truncated=truncated, mean_per_frame=round(float(np.mean(per_frame)), 2), fps=round(fps, 2))
    table = pd.DataFrame({"frame": np.arange(n), "detections": per_frame})
    return str(out_path), table, metrics


def panning_video(path: Path, seed: int = 11, frames: int = 48, fps: float = 12.0, side: int = 320) -> Path:
    """A short example clip: a camera panning across one large generated scene (WebM, VP8)."""
    import cv2

    scene = shapes.generate(seed, 2 * side)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), fps, (side, side))
    for i in range(frames):
        t = i / max(frames - 1, 1)
        x, y = round(t * side), round(side * (0.5 - 0.5 * np.cos(np.pi * t)))
        writer.write(cv2.cvtColor(np.ascontiguousarray(scene.image[y:y + side, x:x + side]), cv2.COLOR_RGB2BGR))
    writer.release()
    return Path(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("video")
    parser.add_argument("--detector", choices=DETECTORS, default="shapes")
    parser.add_argument("--conf", type=float, default=0.25)
    parser.add_argument("--iou", type=float, default=0.45)
    args = parser.parse_args(argv)
    path, _, metrics = detect_video(args.video, args.detector, args.conf, args.iou)
    print(path, metrics)


if __name__ == "__main__":
    main()
