"""Scenes of coloured shapes with exact boxes: the detection tab's data.

No labelled detection data ships offline, so the project draws its own. A scene is a textured,
noisy background with a few to a dozen shapes of five classes (``CLASSES``: circle, square,
triangle, star, cross) on it:

1. Background: a base colour with a broad colour gradient, one texture (smooth blotches,
   stripes, a checkerboard, speckle or plain) and low-frequency shading, so colour alone never
   separates a shape from what lies behind it.
2. Shapes: log-uniform sizes from 6% to 35% of the image side (a six-fold range; the smallest
   spans about 15 pixels at the detector's 256-px input, still enough to tell a triangle from a
   square), a random rotation (circles excepted), a saturated colour chosen to differ from the
   background under it, and a light shading gradient across the shape. A shape's centre stays
   0.6 of its radius inside the image, so the border cuts off only a small part. Shapes are drawn
   one after another, so later ones cover earlier ones: a new shape is refused if it would leave
   an earlier one with less than ``1 - MAX_HIDDEN`` of its full area visible (the border counts as
   hiding), or if less than that share of itself is inside the image, so every labelled shape
   stays recognisable.
3. Camera: a slight Gaussian blur and Gaussian noise of random strength, then 8 bits.

The boxes are exact: every shape's visible pixels are known from the label map drawn alongside
the image (before blur and noise), and its box is the tight box of those pixels, in pixels,
``(x0, y0, x1, y1)`` with ``x1``/``y1`` exclusive. A shape hidden down to fewer than
``MIN_VISIBLE_PX`` pixels is dropped from the labels (a guard: the rules above already keep every
shape more than half visible).

Everything comes from ``numpy.random.default_rng(seed)``: the same seed gives the same scene,
bit for bit. ``save_png`` writes the seed and size into a PNG text chunk, and ``ground_truth_for``
regenerates from it and returns the boxes only when every pixel still matches.

    python -m showcase.core.shapes --seed 7 --size 320 --out /tmp/scene.png
    python -m showcase.core.shapes --yolo /tmp/shapes-data --n-train 1500 --n-val 200
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from showcase.core.images import read_seed_tag, save_seed_tagged_png

CLASSES = ("circle", "square", "triangle", "star", "cross")
PNG_KEY = "showcase-shapes"   # PNG text chunk: "seed=<int>;size=<int>"
MAX_HIDDEN = 0.45             # at most this share of a shape's full area may be hidden (others, border)
MIN_VISIBLE_PX = 30
SIZES = (0.06, 0.35)          # shape diameter as a share of the image side, log-uniform


@dataclass
class Scene:
    image: np.ndarray    # (H, W, 3) uint8
    boxes: np.ndarray    # (N, 4) float32 x0, y0, x1, y1 in pixels, x1/y1 exclusive
    labels: np.ndarray   # (N,) int64 index into CLASSES
    seed: int

    @property
    def names(self) -> list[str]:
        return [CLASSES[i] for i in self.labels]


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------

def polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    """Vertices of a shape of circumradius ``r`` centred at (cx, cy), turned by ``angle``."""
    if kind == "square":
        t = angle + np.pi / 4 + np.arange(4) * np.pi / 2
        radii = np.full(4, r)
    elif kind == "triangle":
        t = angle - np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        radii = np.full(3, r)
    elif kind == "star":  # five points, inner radius 0.42 of the outer
        t = angle - np.pi / 2 + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, r, 0.42 * r)
    elif kind == "cross":  # a plus sign whose arms are 0.36 of the span wide
        a = 0.36 * r
        corners = np.array([(a, r), (a, a), (r, a), (r, -a), (a, -a), (a, -r),
                            (-a, -r), (-a, -a), (-r, -a), (-r, a), (-a, a), (-a, r)]) / np.sqrt(1 + 0.36**2)
        c, s = np.cos(angle), np.sin(angle)
        x, y = corners[:, 0] * c - corners[:, 1] * s, corners[:, 0] * s + corners[:, 1] * c
        return list(zip(cx + x, cy + y))
    else:
        raise ValueError(kind)
    return list(zip(cx + radii * np.cos(t), cy + radii * np.sin(t)))


def _full_area(kind: str, r: float, angle: float) -> float:
    """The shape's area in pixels were it wholly inside the image (shoelace for the polygons)."""
    if kind == "circle":
        return float(np.pi * r * r)
    x, y = np.asarray(polygon(kind, 0.0, 0.0, r, angle)).T
    return float(0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _shape_mask(kind: str, h: int, w: int, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    if kind == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=1)
    else:
        draw.polygon(polygon(kind, cx, cy, r, angle), fill=1)
    return np.asarray(canvas, dtype=bool)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, sigma: float) -> np.ndarray:
    """Noise smooth over about ``sigma`` pixels, scaled to [-1, 1]. Broad fields are drawn on a
    coarse grid and resized (bicubic): a wide Gaussian filter over the full image costs 20× more."""
    if sigma < 2:
        field = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), sigma)
    else:
        coarse = rng.normal(0, 1, (int(np.ceil(h / sigma)) + 2, int(np.ceil(w / sigma)) + 2)).astype(np.float32)
        field = np.asarray(Image.fromarray(coarse, mode="F").resize((w, h), Image.BICUBIC), dtype=np.float64)
    return field / max(float(np.abs(field).max()), 1e-6)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(H, W, 3) float in [0, 255]: base colour, gradient, one texture and shading."""
    ys, xs = np.mgrid[0:h, 0:w] / max(h, w)
    base = rng.uniform(30, 225, 3)
    other = np.clip(base + rng.normal(0, 50, 3), 0, 255)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.clip(0.5 + (xs - 0.5) * np.cos(angle) + (ys - 0.5) * np.sin(angle), 0, 1)[..., None]
    image = base * (1 - ramp) + other * ramp
    texture = rng.choice(["blotches", "stripes", "checker", "speckle", "plain"])
    strength = rng.uniform(10, 45)
    if texture == "blotches":
        image = image + strength * np.stack([_smooth_noise(rng, h, w, rng.uniform(3, 12)) for _ in range(3)], -1)
    elif texture == "stripes":
        period, theta = rng.uniform(6, 30), rng.uniform(0, np.pi)
        wave = np.sin(2 * np.pi * (xs * np.cos(theta) + ys * np.sin(theta)) * max(h, w) / period)
        image = image + strength * wave[..., None] * rng.uniform(0.3, 1.0, 3)
    elif texture == "checker":
        cell = rng.integers(8, 40)
        board = ((np.arange(h)[:, None] // cell + np.arange(w)[None, :] // cell) % 2) * 2.0 - 1
        image = image + strength * board[..., None] * rng.uniform(0.3, 1.0, 3)
    elif texture == "speckle":
        image = image + strength * _smooth_noise(rng, h, w, 0.8)[..., None]
    shading = 1 + rng.uniform(0.05, 0.3) * _smooth_noise(rng, h, w, max(h, w) / 6)
    return np.clip(image * shading[..., None], 0, 255)


def _colour(rng: np.random.Generator, behind: np.ndarray) -> np.ndarray:
    """A saturated colour at least 90 (RGB distance) away from the background behind a shape."""
    best, best_distance = None, -1.0
    for _ in range(12):
        hue = rng.uniform(0, 1)
        k = (np.array([5.0, 3.0, 1.0]) + hue * 6) % 6
        rgb = 1 - np.clip(np.minimum(k, 4 - k), 0, 1)              # HSV → RGB at full saturation
        value, saturation = rng.uniform(0.45, 1.0), rng.uniform(0.55, 1.0)
        colour = 255 * value * (1 - saturation * (1 - rgb))
        distance = float(np.linalg.norm(colour - behind))
        if distance >= 90:
            return colour
        if distance > best_distance:
            best, best_distance = colour, distance
    return best


def generate(seed: int = 0, size: int = 320, *, n_shapes: int | None = None) -> Scene:
    """One scene and its exact boxes; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    h = w = int(size)
    image = _background(rng, h, w)
    owner = np.full((h, w), -1, dtype=np.int32)     # which shape each pixel shows (-1: background)
    kinds: list[int] = []
    areas: list[float] = []                         # each shape's full area, for the occlusion rule
    wanted = int(n_shapes) if n_shapes is not None else int(rng.integers(1, 13))
    tries = 0
    while len(kinds) < wanted and tries < 20 * wanted:
        tries += 1
        kind = int(rng.integers(len(CLASSES)))
        r = 0.5 * size * np.exp(rng.uniform(*np.log(SIZES)))                 # circumradius
        cx, cy = rng.uniform(0.6 * r, w - 0.6 * r), rng.uniform(0.6 * r, h - 0.6 * r)
        angle = rng.uniform(0, 2 * np.pi)
        mask = _shape_mask(CLASSES[kind], h, w, cx, cy, r, angle)
        full = _full_area(CLASSES[kind], r, angle)
        if mask.sum() < max(MIN_VISIBLE_PX * 2, (1 - MAX_HIDDEN) * full):
            continue
        covered = np.bincount(owner[mask & (owner >= 0)], minlength=len(kinds))
        visible = np.bincount(owner[owner >= 0], minlength=len(kinds))
        if len(kinds) and np.any((visible - covered) < (1 - MAX_HIDDEN) * np.asarray(areas)):
            continue
        behind = image[mask].mean(axis=0)
        colour = _colour(rng, behind)
        ys, xs = np.nonzero(mask)
        tilt = rng.uniform(-0.25, 0.25, 2)  # light falling across the shape
        light = 1 + tilt[0] * (xs - cx) / r + tilt[1] * (ys - cy) / r
        image[ys, xs] = np.clip(colour[None, :] * light[:, None], 0, 255)
        owner[mask] = len(kinds)
        kinds.append(kind)
        areas.append(full)

    boxes, labels = [], []
    for index, kind in enumerate(kinds):
        ys, xs = np.nonzero(owner == index)
        if len(xs) < MIN_VISIBLE_PX:
            continue
        boxes.append((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
        labels.append(kind)

    image = ndimage.gaussian_filter(image, sigma=(rng.uniform(0.3, 1.0),) * 2 + (0,))   # optics
    image = image + rng.normal(0, rng.uniform(2, 14), image.shape)                       # sensor noise
    return Scene(
        np.clip(image, 0, 255).round().astype(np.uint8),
        np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        np.asarray(labels, dtype=np.int64),
        int(seed),
    )


# ---------------------------------------------------------------------------------------------
# Files: tagged PNGs and a YOLO-format data set
# ---------------------------------------------------------------------------------------------

def save_png(scene: Scene, path: str | Path) -> Path:
    """Save the scene as PNG, with its seed and size in a text chunk."""
    return save_seed_tagged_png(scene.image, path, PNG_KEY, scene.seed)


def read_tag(info: dict) -> tuple[int, int] | None:
    """(seed, size) from a PNG's text chunk, or None."""
    return read_seed_tag(info, PNG_KEY)


def ground_truth_for(rgb: np.ndarray, info: dict, max_size: int = 1024) -> Scene | None:
    """The generated scene ``rgb`` came from, if its tag says so and every pixel matches."""
    tag = read_tag(info)
    if tag is None:
        return None
    seed, size = tag
    if rgb.shape != (size, size, 3) or not 32 <= size <= max_size:
        return None
    scene = generate(seed, size)
    return scene if np.array_equal(scene.image, rgb) else None


def yolo_labels(scene: Scene) -> str:
    """One line per box: ``class cx cy w h``, normalised to [0, 1] (Ultralytics' text format)."""
    h, w = scene.image.shape[:2]
    lines = []
    for (x0, y0, x1, y1), label in zip(scene.boxes, scene.labels):
        lines.append(f"{label} {(x0 + x1) / 2 / w:.6f} {(y0 + y1) / 2 / h:.6f} {(x1 - x0) / w:.6f} {(y1 - y0) / h:.6f}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_yolo_dataset(root: str | Path, splits: dict[str, range], size: int = 320) -> Path:
    """Write ``root/images/<split>/*.png`` and ``root/labels/<split>/*.txt`` for each split's
    seeds, and ``root/data.yaml`` naming the classes; return the yaml's path."""
    root = Path(root)
    for split, seeds in splits.items():
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            image, labels = root / "images" / split / f"{seed}.png", root / "labels" / split / f"{seed}.txt"
            if image.is_file() and labels.is_file() and Image.open(image).size == (size, size):
                continue  # scenes are deterministic in their seed: one written before is the same
            scene = generate(int(seed), size)
            Image.fromarray(scene.image).save(image, compress_level=1)
            labels.write_text(yolo_labels(scene))
    names = "\n".join(f"  {i}: {name}" for i, name in enumerate(CLASSES))
    first = next(iter(splits))
    folders = {split: f"images/{split}" for split in splits}
    for needed in ("train", "val"):  # Ultralytics wants both keys; a held-out set names its one split twice
        folders.setdefault(needed, f"images/{first}")
    lines = [f"path: {root.resolve()}"] + [f"{k}: {v}" for k, v in folders.items()] + [f"names:\n{names}"]
    (root / "data.yaml").write_text("\n".join(lines) + "\n")
    return root / "data.yaml"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--out", default="scene.png")
    parser.add_argument("--yolo", help="write a YOLO-format data set to this folder instead")
    parser.add_argument("--n-train", type=int, default=1500)
    parser.add_argument("--n-val", type=int, default=200)
    args = parser.parse_args(argv)
    if args.yolo:
        path = write_yolo_dataset(args.yolo, {"train": range(args.n_train),
                                              "val": range(1_000_000, 1_000_000 + args.n_val)}, args.size)
        print(path)
        return
    scene = generate(args.seed, args.size)
    save_png(scene, args.out)
    print(f"{args.out}: " + ", ".join(f"{n} {[int(v) for v in b]}" for n, b in zip(scene.names, scene.boxes)))


if __name__ == "__main__":
    main()
