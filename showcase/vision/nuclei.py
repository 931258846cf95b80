"""Microscopy-like images of cell nuclei with exact masks: the segmentation tab's data.

No labelled microscopy data ships offline, so the project draws its own, in the spirit of
fluorescence images of stained nuclei (DAPI/Hoechst: bright nuclei on a dark background):

1. Nuclei are star-convex blobs: an ellipse (random radii, rotation) whose radius is modulated
   by a few low-frequency harmonics of the angle, so no two are the same shape. Sizes vary
   about 3× within an image. Centres are placed so that neighbours may touch and overlap a little,
   as nuclei in a dense culture do; the ground-truth mask is the exact union of the blobs,
   computed before any blur or noise, and ``labels`` gives each nucleus its own id.
2. Each nucleus gets its own brightness (some are dim) and an inner texture (chromatin).
3. Uneven illumination: the whole image is multiplied by a smooth field (a tilted plane plus a
   broad Gaussian), so a dim nucleus in a dark corner can be darker than the background in a
   bright one. That is what defeats a single global threshold such as Otsu's.
4. Optical blur (a Gaussian point-spread function), then Poisson (shot) and Gaussian (read)
   noise, then clipping to [0, 1] and 8 bits.

Everything comes from ``numpy.random.default_rng(seed)``: the same seed gives the same image,
bit for bit. A generated image saved with ``save_png`` carries its seed and size in a PNG text
chunk; ``ground_truth_for`` regenerates from that seed and returns the mask only when the
pixels match exactly, so an edited image never borrows a mask it does not have.

    python -m showcase.vision.nuclei --seed 7 --size 256 --out /tmp/nuclei.png
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from showcase.core.images import read_seed_tag, save_seed_tagged_png

PNG_KEY = "showcase-nuclei"  # PNG text chunk: "seed=<int>;size=<int>"


@dataclass
class Nuclei:
    image: np.ndarray   # (H, W) uint8, bright nuclei on a dark background
    mask: np.ndarray    # (H, W) bool, exact union of the nuclei
    labels: np.ndarray  # (H, W) int32, 0 background, 1..n one id per nucleus (later ones on top)
    seed: int
    n_nuclei: int


def _blob(h: int, w: int, cy: float, cx: float, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of one star-convex nucleus centred at (cy, cx), within a local window."""
    ys, xs = np.ogrid[:h, :w]
    dy, dx = ys - cy, xs - cx
    theta = rng.uniform(0, np.pi)
    aspect = rng.uniform(0.65, 1.0)  # minor/major axis
    c, s = np.cos(theta), np.sin(theta)
    u, v = dx * c + dy * s, (-dx * s + dy * c) / aspect
    r = np.hypot(u, v)
    phi = np.arctan2(v, u)
    wobble = 1.0
    for k in (2, 3, 5):  # low-frequency harmonics make each outline unique
        wobble = wobble + rng.uniform(0, 0.08) * np.cos(k * phi + rng.uniform(0, 2 * np.pi))
    return r <= radius * wobble


def generate(seed: int = 0, size: int = 256, *, density: float | None = None) -> Nuclei:
    """One image of nuclei, its exact mask and instance labels; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    h = w = int(size)
    area = h * w
    density = density if density is not None else rng.uniform(0.18, 0.38)  # covered fraction sought
    labels = np.zeros((h, w), dtype=np.int32)
    level = np.zeros(1024, dtype=np.float64)  # brightness of nucleus i (index 0: background)
    centres: list[tuple[float, float, float]] = []
    covered, n, tries = 0, 0, 0
    while covered < density * area and tries < 400 and n < len(level) - 1:
        tries += 1
        radius = rng.uniform(5.0, 15.0)
        cy, cx = rng.uniform(-radius / 2, h + radius / 2), rng.uniform(-radius / 2, w + radius / 2)
        # neighbours may touch and overlap a little (distance ≥ 0.8 of the radii), never engulf
        if centres:
            c = np.asarray(centres)
            if np.any(np.hypot(c[:, 0] - cy, c[:, 1] - cx) < 0.8 * (c[:, 2] + radius)):
                continue
        centres.append((cy, cx, radius))
        pad = int(np.ceil(radius * 1.3)) + 1
        y0, y1 = max(0, int(cy) - pad), min(h, int(cy) + pad + 1)
        x0, x1 = max(0, int(cx) - pad), min(w, int(cx) + pad + 1)
        if y1 <= y0 or x1 <= x0:
            continue
        inside = _blob(y1 - y0, x1 - x0, cy - y0, cx - x0, radius, rng)
        if not inside.any():
            continue
        n += 1
        covered += int((labels[y0:y1, x0:x1][inside] == 0).sum())
        labels[y0:y1, x0:x1][inside] = n
        level[n] = rng.uniform(0.3, 1.0)  # some nuclei are dim
    mask = labels > 0
    texture = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 1.5) * 2.5  # chromatin, std ~0.25
    brightness = np.where(mask, level[labels] * (1 + 0.25 * texture), 0.0)

    # uneven illumination: a tilted plane times a broad bright spot, between ~0.35 and ~1.3
    ys, xs = np.mgrid[0:h, 0:w] / max(h, w)
    angle = rng.uniform(0, 2 * np.pi)
    plane = 1 + rng.uniform(0.3, 0.8) * ((xs - 0.5) * np.cos(angle) + (ys - 0.5) * np.sin(angle)) * 2
    sy, sx = rng.uniform(0, 1, 2)
    spot = 1 + rng.uniform(0.0, 0.4) * np.exp(-((ys - sy) ** 2 + (xs - sx) ** 2) / (2 * rng.uniform(0.15, 0.35) ** 2))
    illumination = np.clip(plane * spot, 0.3, 1.6)

    background = rng.uniform(0.04, 0.22)  # autofluorescence, with a little structure
    signal = background * (1 + 0.3 * ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 8)) + brightness
    signal = ndimage.gaussian_filter(signal * illumination, rng.uniform(0.6, 1.8))  # optical blur
    photons = rng.uniform(60, 400)  # shot noise: fewer photons, noisier image
    noisy = rng.poisson(np.clip(signal, 0, None) * photons) / photons
    noisy = noisy + rng.normal(0, rng.uniform(0.005, 0.04), (h, w))  # read noise
    gain = 1.0 / max(np.percentile(noisy, 99.8), 1e-6) * rng.uniform(0.75, 0.95)
    image = np.clip(noisy * gain, 0, 1)
    return Nuclei((image * 255).round().astype(np.uint8), mask, labels, int(seed), n)


def batch(seeds, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, size, size) float32 in [0, 1] and masks (N, 1, size, size) float32."""
    items = [generate(int(s), size) for s in seeds]
    x = np.stack([i.image for i in items])[:, None].astype(np.float32) / 255.0
    y = np.stack([i.mask for i in items])[:, None].astype(np.float32)
    return x, y


def save_png(nuclei: Nuclei, path: str | Path) -> Path:
    """Save the image as 8-bit grayscale PNG, with its seed and size in a text chunk."""
    return save_seed_tagged_png(nuclei.image, path, PNG_KEY, nuclei.seed)


def read_tag(info: dict) -> tuple[int, int] | None:
    """(seed, size) from a PNG's text chunk, or None."""
    return read_seed_tag(info, PNG_KEY)


def ground_truth_for(gray: np.ndarray, info: dict) -> Nuclei | None:
    """The generated image ``gray`` came from, if its tag says so and every pixel matches."""
    tag = read_tag(info)
    if tag is None:
        return None
    seed, size = tag
    if gray.shape != (size, size) or not 16 <= size <= 1024:
        return None
    nuclei = generate(seed, size)
    return nuclei if np.array_equal(nuclei.image, gray) else None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", default="nuclei.png")
    args = parser.parse_args(argv)
    nuclei = generate(args.seed, args.size)
    save_png(nuclei, args.out)
    Image.fromarray(nuclei.mask.astype(np.uint8) * 255).save(Path(args.out).with_suffix(".mask.png"))
    print(f"{args.out}: {nuclei.n_nuclei} nuclei, {nuclei.mask.mean():.1%} of the pixels")


if __name__ == "__main__":
    main()
