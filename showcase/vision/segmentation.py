"""U-Net segmentation of cell nuclei, beside a global Otsu threshold.

The U-Net (Ronneberger, Fischer & Brox, "U-Net: Convolutional Networks for Biomedical Image
Segmentation", MICCAI 2015) is an encoder that halves the resolution and doubles the channels
at each level, a decoder that undoes it with 2×2 up-convolutions, and skip connections that
concatenate each encoder level's features onto the decoder level of the same size, so the
decoder gets back the fine detail the pooling threw away. Ours follows the paper's layout
(two 3×3 convolutions per level, 2×2 max-pooling, transposed-convolution upsampling, a 1×1
convolution to the output) with three changes to fit a CPU: 8 channels at the top instead of
64, three poolings instead of four, and "same" padding plus batch norm, so the output has the
input's size and no overlap-tile strategy is needed.

It is trained on generated microscopy-like images with exact masks (``showcase.vision.nuclei``)
with the sum of binary cross-entropy and soft Dice loss: BCE gives every pixel a gradient, Dice
counters the imbalance between nuclei and background. The baseline is Otsu's threshold
(``skimage.filters.threshold_otsu``), one global cut of the histogram, which uneven illumination
defeats. Dice = 2|P∩G| / (|P|+|G|) and IoU = |P∩G| / |P∪G| are measured per image against the
generated image's exact mask; for real images (scikit-image's immunohistochemistry sample, an
upload) there is no ground truth, and only the nuclei count (connected components) is reported.

Compare: the paper's U-Net reached 92.03% mean IoU on the ISBI 2015 PhC-U373 cell-tracking set.

    python -m showcase.vision.segmentation image.png --threshold 0.5
    python -m showcase.vision.segmentation_training         # the training and the model card (see there)
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
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage
from skimage.color import rgb2hed
from skimage.filters import threshold_otsu
from torch import nn

from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.threads import one_thread
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset
from showcase.vision import nuclei

ASSET_DIR = asset("vision", "segmentation")
WEIGHTS = ASSET_DIR / "unet.safetensors"
CARD = ASSET_DIR / "model_card.json"
SPEC = ModelSpec(name="U-Net (nuclei, trained here)", bundled=WEIGHTS)
MAX_SIDE = 1024     # a 1024² image takes about a second on two cores
CHANNELS = ("auto", "gray", "gray_inverted", "hematoxylin")
PAPER_IOU = 0.9203  # Ronneberger et al. 2015, Table 2, PhC-U373
MIN_NUCLEUS_PX = 12  # connected components smaller than this are noise, not nuclei


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

class DoubleConv(nn.Sequential):
    """(conv 3×3 → batch norm → ReLU) × 2: one level of the U."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    """Encoder–decoder with skip connections; input (B, 1, H, W) with H, W multiples of 2^depth,
    output (B, 1, H, W) logits."""

    def __init__(self, in_channels: int = 1, base: int = 8, depth: int = 3):
        super().__init__()
        widths = [base * 2**i for i in range(depth + 1)]           # 8, 16, 32, 64
        self.depth = depth
        self.down = nn.ModuleList([DoubleConv(in_channels, widths[0])])
        self.down.extend(DoubleConv(widths[i], widths[i + 1]) for i in range(depth))
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
                                for i in reversed(range(depth)))
        self.merge = nn.ModuleList(DoubleConv(2 * widths[i], widths[i]) for i in reversed(range(depth)))
        self.head = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = F.max_pool2d(x, 2)                              # (B, C, H/2^i, W/2^i)
            x = block(x)
            skips.append(x)
        skips.pop()                                                 # the bottleneck is not a skip
        for up, merge in zip(self.up, self.merge):
            x = up(x)                                               # double the size, halve the channels
            x = merge(torch.cat([skips.pop(), x], dim=1))           # skip connection: concatenate
        return self.head(x)                                         # (B, 1, H, W) logits


def dice_bce_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice loss (1 − soft Dice), averaged over the batch."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    dice = (2 * (p * t).sum(1) + eps) / (p.sum(1) + t.sum(1) + eps)
    return bce + (1 - dice).mean()


# ---------------------------------------------------------------------------------------------
# Metrics and preprocessing
# ---------------------------------------------------------------------------------------------

def dice_iou(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Dice and IoU of two boolean masks; both empty counts as perfect agreement (1, 1)."""
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    inter = np.logical_and(pred, truth).sum()
    total = pred.sum() + truth.sum()
    union = total - inter
    if total == 0:
        return 1.0, 1.0
    return float(2 * inter / total), float(inter / union)


def normalise(gray: np.ndarray) -> np.ndarray:
    """Stretch the 1st–99.5th percentiles to [0, 1] (the model sees every image this way)."""
    lo, hi = np.percentile(gray, [1.0, 99.5])
    return np.clip((gray - lo) / max(hi - lo, 1e-6), 0, 1).astype(np.float32)


def to_channel(picture: Image.Image, channel: str) -> tuple[np.ndarray, str]:
    """The (H, W) float image in [0, 1] with nuclei bright, and the channel actually used.

    ``auto``: a colour image is taken as a brightfield stain and its hematoxylin channel used
    (colour deconvolution, Ruifrok & Johnston 2001, ``skimage.color.rgb2hed``); a gray one is
    used as it is when its background is dark (fluorescence), inverted when it is bright.
    """
    if channel not in CHANNELS:
        raise InputError(f"channel must be one of {CHANNELS}, not {channel!r}.")
    rgb = np.asarray(picture, dtype=np.float32) / 255.0
    gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if channel == "auto":
        colourful = float(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).mean()) > 0.02
        channel = "hematoxylin" if colourful else ("gray_inverted" if np.median(gray) > 0.5 else "gray")
    if channel == "hematoxylin":
        h = rgb2hed(rgb)[..., 0]
        return ((h - h.min()) / max(float(h.max() - h.min()), 1e-6)).astype(np.float32), channel
    if channel == "gray_inverted":
        return 1.0 - gray, channel
    return gray, channel


def count_nuclei(mask: np.ndarray) -> int:
    """Connected components (8-connected) of at least MIN_NUCLEUS_PX pixels."""
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n == 0:
        return 0
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes >= MIN_NUCLEUS_PX).sum())


def overlay(gray: np.ndarray, pred: np.ndarray, truth: np.ndarray | None = None,
            colour=(0, 220, 90)) -> Image.Image:
    """The image in gray, the prediction tinted, the ground truth's outline in magenta."""
    base = np.repeat((gray * 255).astype(np.float32)[..., None], 3, axis=2)
    tint = np.asarray(colour, dtype=np.float32)
    base[pred] = 0.55 * base[pred] + 0.45 * tint
    if truth is not None:
        edge = truth & ~ndimage.binary_erosion(truth)
        base[edge] = (255, 0, 200)
    return Image.fromarray(base.clip(0, 255).astype(np.uint8))


# ---------------------------------------------------------------------------------------------
# Loading and running
# ---------------------------------------------------------------------------------------------

def load_unet(path: Path) -> UNet:
    from safetensors.torch import load_file

    card = read_card(path.parent / "model_card.json", missing={})
    model = UNet(**card.get("architecture", {}))
    model.load_state_dict(load_file(str(path)))
    return model.eval()


def predict_proba(model: UNet, gray: np.ndarray) -> np.ndarray:
    """Per-pixel nucleus probability (H, W) for an (H, W) image in [0, 1]."""
    h, w = gray.shape
    m = 2 ** model.depth
    ph, pw = (-h) % m, (-w) % m
    x = np.pad(normalise(gray), ((0, ph), (0, pw)), mode="reflect")
    with torch.inference_mode(), one_thread():
        logits = model(torch.from_numpy(x)[None, None])             # (1, 1, H', W')
    return torch.sigmoid(logits)[0, 0, :h, :w].numpy()


@functools.lru_cache(maxsize=32)
def _generated(seed: int, size: int) -> nuclei.Nuclei:
    return nuclei.generate(seed, size)


def ground_truth(picture: Image.Image, channel: str) -> nuclei.Nuclei | None:
    """The exact mask of a generated image (tagged PNG, every pixel unchanged), else None."""
    tag = nuclei.read_tag(picture.info)
    if tag is None or channel != "gray":
        return None
    seed, size = tag
    gray8 = np.asarray(picture)[..., 0]
    if gray8.shape != (size, size) or not 16 <= size <= MAX_SIDE:
        return None
    found = _generated(seed, size)
    return found if np.array_equal(found.image, gray8) else None


@dataclass
class SegmentResult:
    overlay: Image.Image        # U-Net prediction over the image (ground-truth outline if known)
    baseline: Image.Image       # Otsu's prediction, drawn the same way
    probability: Image.Image    # the U-Net's probability map, 0 black to 1 white
    curve: pd.DataFrame         # threshold, dice, method: Dice against threshold (empty without ground truth)
    comparison: pd.DataFrame    # method, iou: ours, Otsu, and the paper's PhC-U373 figure
    metrics: dict


def segment(image, threshold: float = 0.5, channel: str = "auto") -> SegmentResult:
    """Segment the nuclei of ``image`` with the U-Net and with Otsu; score both when the mask is known."""
    threshold = number(threshold, "Threshold", low=0.01, high=0.99)
    if channel not in CHANNELS:
        raise InputError(f"channel must be one of {CHANNELS}, not {channel!r}.")
    picture = load_image(image, max_side=MAX_SIDE, min_side=32)
    model, found = load(SPEC, load_unet)

    started = time.perf_counter()
    gray, used = to_channel(picture, channel)
    prob = predict_proba(model, gray)
    pred = prob >= threshold
    latency_ms = 1000 * (time.perf_counter() - started)
    otsu_cut = float(threshold_otsu(gray))
    otsu = gray > otsu_cut

    truth = ground_truth(picture, used)
    mask = truth.mask if truth is not None else None
    metrics = {
        "dice": None, "iou": None, "baseline_dice": None, "baseline_iou": None,
        "latency_ms": round(latency_ms, 1),
        "threshold": threshold,
        "channel": used,
        "n_nuclei": count_nuclei(pred),
        "baseline_n_nuclei": count_nuclei(otsu),
        "otsu_threshold": round(otsu_cut, 4),
        "paper_iou_phc_u373": PAPER_IOU,
        "model": found.name,
        "source": found.source,
        "size": f"{picture.width}×{picture.height}",
        "input_mode": picture.info.get("converted_from", "RGB"),
    }
    rows = [("paper (PhC-U373)", PAPER_IOU)]
    curve = pd.DataFrame({"threshold": [], "dice": [], "method": []})
    if mask is not None:
        metrics["dice"], metrics["iou"] = (round(v, 4) for v in dice_iou(pred, mask))
        metrics["baseline_dice"], metrics["baseline_iou"] = (round(v, 4) for v in dice_iou(otsu, mask))
        metrics["ground_truth"] = f"exact mask of generated image (seed {truth.seed})"
        metrics["true_n_nuclei"] = truth.n_nuclei
        rows = [("U-Net", metrics["iou"]), ("Otsu", metrics["baseline_iou"])] + rows
        cuts = np.round(np.arange(0.05, 0.96, 0.05), 2)
        curve = pd.DataFrame({
            "threshold": np.concatenate([cuts, cuts]),
            "dice": [round(dice_iou(prob >= c, mask)[0], 4) for c in cuts] + [metrics["baseline_dice"]] * len(cuts),
            "method": ["U-Net"] * len(cuts) + ["Otsu"] * len(cuts),
        })
    else:
        metrics["ground_truth"] = "none: a real or uploaded image has no exact mask, so Dice and IoU are not defined"
    comparison = pd.DataFrame(rows, columns=["method", "iou"])
    return SegmentResult(
        overlay(gray, pred, mask), overlay(gray, otsu, mask, colour=(255, 170, 0)),
        Image.fromarray((prob * 255).round().astype(np.uint8)), curve, comparison, metrics,
    )


def immunohistochemistry_png(path: Path) -> Path:
    """scikit-image's real IHC sample (hematoxylin + DAB stained tissue) saved as a PNG."""
    from skimage import data

    Image.fromarray(data.immunohistochemistry()).save(path)
    return path


# ---------------------------------------------------------------------------------------------
# Held-out score (the training module writes it into the card; the tests and benchmarks redo it)
# ---------------------------------------------------------------------------------------------

EVAL_SEEDS = range(1_000_000, 1_000_060)  # 256×256 held-out images, never seen in training


def evaluate(model: UNet, seeds, size: int = 256, threshold: float = 0.5) -> dict:
    """Mean per-image Dice and IoU of the U-Net and of Otsu on generated images."""
    model.eval()
    scores = {"dice": [], "iou": [], "baseline_dice": [], "baseline_iou": []}
    for seed in seeds:
        item = nuclei.generate(int(seed), size)
        gray = item.image.astype(np.float32) / 255.0
        d, i = dice_iou(predict_proba(model, gray) >= threshold, item.mask)
        bd, bi = dice_iou(gray > threshold_otsu(gray), item.mask)
        for key, value in zip(scores, (d, i, bd, bi)):
            scores[key].append(value)
    return {key: round(float(np.mean(v)), 4) for key, v in scores.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Segment one image with the bundled U-Net (training: showcase.vision.segmentation_training)")
    parser.add_argument("image")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--channel", choices=CHANNELS, default="auto")
    args = parser.parse_args(argv)
    print(segment(args.image, args.threshold, args.channel).metrics)


if __name__ == "__main__":
    main()
