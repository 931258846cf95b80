"""Segmentation: the U-Net against Otsu's threshold, and the time one image takes, in one run.

``unet_dice`` / ``otsu_dice`` (and IoU): mean per-image scores on 20 generated 256×256 images
never seen in training, at threshold 0.5; ``unet_over_otsu_dice`` is their ratio.
``segment_p50_ms`` / ``segment_p95_ms``: the whole ``segment()`` call at the tab's defaults on
the first example (load, channel, U-Net, Otsu, scores, overlays), 20 warm calls; the target is
p95 ≤ 300 ms. ``unet_forward_ms``: the model alone on that image. ``ihc_n_nuclei``: what the
U-Net counts on scikit-image's real immunohistochemistry image (no ground truth there).

    python -m benchmarks.vision.segmentation
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.verdict import measured, read


def claims() -> dict:
    from pages.vision import segmentation as page
    from showcase.vision import segmentation as seg

    page.ensure_assets()
    model, _ = seg.load(seg.SPEC, seg.load_unet)
    scores = seg.evaluate(model, range(2_000_000, 2_000_020))

    example = page.EXAMPLES[0][0]
    seg.segment(example)  # warm: model loaded, generated image cached
    times = []
    for _ in range(20):
        started = time.perf_counter()
        seg.segment(example)
        times.append(1000 * (time.perf_counter() - started))
    gray = np.asarray(seg.load_image(example))[..., 0] / 255.0
    forward = []
    for _ in range(10):
        started = time.perf_counter()
        seg.predict_proba(model, gray)
        forward.append(1000 * (time.perf_counter() - started))
    ihc = seg.segment(seg.immunohistochemistry_png(Path(tempfile.mkdtemp()) / "ihc.png")).metrics
    return {
        "segmentation.unet_dice": measured(scores["dice"], ">= 0.85"),
        "segmentation.otsu_dice": scores["baseline_dice"],
        "segmentation.unet_iou": scores["iou"],
        "segmentation.otsu_iou": scores["baseline_iou"],
        "segmentation.unet_over_otsu_dice": round(scores["dice"] / scores["baseline_dice"], 3),
        "segmentation.paper_iou_phc_u373": read(seg.PAPER_IOU, "Ronneberger et al. 2015"),
        "segmentation.segment_p50_ms": round(float(np.percentile(times, 50)), 1),
        "segmentation.segment_p95_ms": measured(round(float(np.percentile(times, 95)), 1), "<= 300"),
        "segmentation.unet_forward_ms": round(float(np.median(forward)), 1),
        "segmentation.ihc_n_nuclei": ihc["n_nuclei"],
        "segmentation.ihc_otsu_n_nuclei": ihc["baseline_n_nuclei"],
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
