"""The same scene drawn differently: a generator scene's shapes redrawn with a wider hand.

``showcase.core.scene_text`` knows what each scene holds (colour names, kinds, named sizes, where
each shape sits) and draws it one way (or its ``varied`` way). A model trained only on those
pictures learns the drawer's habits as well as the words: the tiny NegCLIP read relations in 96%
of the generator's two-shape scenes and in 71% of scenes drawn by other code. ``redraw`` keeps the
scene's content, hence every text about it true, and changes only the drawing:

- the canvas side (48 to 224 px, so the model's resize to 64 px smooths or sharpens edges);
- the background: off-white or grey paper, a gradient, stripes, ruled lines, a dot grid,
  grain or blotches, at low contrast;
- each colour at any hue, saturation and brightness its name covers (``scene_text.HUES``);
- each shape's outline: upright or turned, the star's inner radius, the cross's arm width,
  its radius within its named size, sometimes a darker rim of 1 or 2 px;
- a little blur and sensor noise.

Positions stay where the generator put them, so left, right, above and below stay true; a
radius grows only while the shape stays clear of its neighbours.

    python -m showcase.language.scene_redraw --seed 3 --out /tmp/redrawn.png
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from showcase.core import scene_text

SIDES = (48, 64, 96, 128, 160, 224)
# How far a hand strays: star inner radius and cross arm half-width (shares of the circumradius),
# radius spread within the named size, chance of a darker rim and its width in px. "wide" is for
# training an encoder that must know a star or a cross by its points and arms, not by one drawer's
# proportions: from a thin star to one nearly a pentagon, from a thin plus to a stubby one.
HANDS = {"usual": {"star": (0.36, 0.55), "arm": (0.25, 0.45), "spread": (0.8, 1.2), "rim": 0.3, "widths": (1, 3)},
         "wide": {"star": (0.28, 0.64), "arm": (0.15, 0.5), "spread": (0.65, 1.3), "rim": 0.45, "widths": (1, 4)}}
BACKGROUNDS = ("plain", "gradient", "stripes", "lines", "dots", "grain", "blotches")


def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    k = (np.array([5.0, 3.0, 1.0]) + (h % 1.0) * 6) % 6
    return tuple(int(c) for c in 255 * v * (1 - s * np.clip(np.minimum(k, 4 - k), 0, 1)))


def colour(rng: np.random.Generator, name: str) -> tuple[int, int, int]:
    """Any shade the name covers; yellow and orange stay bright (dark, they read as olive and brown)."""
    hue = rng.uniform(*scene_text.HUES[name])
    low = 0.85 if name in ("yellow", "orange") else 0.45
    return _rgb(hue, rng.uniform(0.55, 1.0), rng.uniform(low, 1.0))


def background(rng: np.random.Generator, side: int) -> Image.Image:
    """Light paper of some tint with one low-contrast pattern."""
    ys, xs = np.mgrid[0:side, 0:side] / side
    base = np.array([rng.uniform(200, 252)] * 3) + rng.uniform(-15, 10, 3)
    image = np.ones((side, side, 3)) * base
    style = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    strength = rng.uniform(6, 30)
    if style == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        image = image - strength * (xs * np.cos(angle) + ys * np.sin(angle))[..., None]
    elif style == "stripes":
        period, theta = rng.uniform(0.03, 0.2), rng.uniform(0, np.pi)
        image = image + strength / 2 * np.sin(2 * np.pi * (xs * np.cos(theta) + ys * np.sin(theta)) / period)[..., None]
    elif style in ("lines", "dots"):
        step = rng.uniform(0.04, 0.14)
        near = lambda t: (t % step) < max(1.0 / side, 0.15 * step)
        mask = near(ys) if style == "lines" else near(ys) & near(xs)
        if style == "lines" and rng.random() < 0.5:
            mask = mask | near(xs)                                   # squared paper
        image = image - strength * mask[..., None]
    elif style == "grain":
        image = image + rng.normal(0, strength / 3, (side, side, 1))
    elif style == "blotches":
        coarse = rng.normal(0, 1, (5, 5)).astype(np.float32)
        field = np.asarray(Image.fromarray(coarse, mode="F").resize((side, side), Image.BICUBIC))
        image = image + strength * (field / max(float(np.abs(field).max()), 1e-6))[..., None]
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def outline(rng: np.random.Generator, kind: str, cx: float, cy: float, r: float,
            hand: str = "usual") -> list[tuple[float, float]]:
    """A polygon of circumradius ``r``: upright or turned, star and cross in proportions of their own."""
    turn = 0.0 if rng.random() < 0.4 else rng.uniform(0, 2 * np.pi)
    if kind == "square":
        t, radii = np.pi / 4 + np.arange(4) * np.pi / 2, np.full(4, r)
    elif kind == "triangle":
        t, radii = -np.pi / 2 + np.arange(3) * 2 * np.pi / 3, np.full(3, r)
    elif kind == "star":
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, r, rng.uniform(*HANDS[hand]["star"]) * r)
    else:  # cross: a plus whose arms are some share of its span wide
        a = rng.uniform(*HANDS[hand]["arm"]) * r
        corners = np.array([(a, r), (a, a), (r, a), (r, -a), (a, -a), (a, -r),
                            (-a, -r), (-a, -a), (-r, -a), (-r, a), (-a, a), (-a, r)], dtype=float)
        t, radii = np.arctan2(corners[:, 1], corners[:, 0]), np.hypot(corners[:, 0], corners[:, 1])
    t = t + turn
    return list(zip(cx + radii * np.cos(t), cy + radii * np.sin(t)))


def _radii(rng: np.random.Generator, shapes, hand: str = "usual") -> list[float]:
    """Each radius (share of the side) spread within its named size, shrunk where it would touch."""
    radii = [scene_text.SIZES[s.size] * s.scale * rng.uniform(*HANDS[hand]["spread"]) for s in shapes]
    for i, a in enumerate(shapes):
        for j, b in enumerate(shapes):
            room = np.hypot(a.x - b.x, a.y - b.y) - 0.02
            if i < j and radii[i] + radii[j] > room:
                shrink = room / (radii[i] + radii[j])
                radii[i], radii[j] = radii[i] * shrink, radii[j] * shrink
    return radii


def redraw(scene: scene_text.TextScene, rng: np.random.Generator, hand: str = "usual") -> Image.Image:
    """The scene's shapes on a canvas of random side, drawn as described in the module docstring,
    in the proportions of ``HANDS[hand]``."""
    side = int(SIDES[int(rng.integers(len(SIDES)))])
    scale = 2                                  # drawn larger and shrunk: smooth edges
    canvas = background(rng, side * scale)
    pen = ImageDraw.Draw(canvas)
    for s, r in zip(scene.shapes, _radii(rng, scene.shapes, hand)):
        fill = colour(rng, s.colour)
        cx, cy, rr = s.x * side * scale, s.y * side * scale, r * side * scale
        edge = None
        if rng.random() < HANDS[hand]["rim"]:  # a darker rim, a few px at the final size
            edge = tuple(int(c * rng.uniform(0.6, 0.85)) for c in fill)
        width = int(scale * rng.integers(*HANDS[hand]["widths"]))
        if s.kind == "circle":
            pen.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=fill, outline=edge, width=width)
        else:
            pen.polygon(outline(rng, s.kind, cx, cy, rr, hand), fill=fill, outline=edge, width=width)
    image = canvas.resize((side, side), Image.LANCZOS if rng.random() < 0.5 else Image.BILINEAR)
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, rng.uniform(0, 8), (side, side, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8))


def two_shape_pairs(n: int, split: str = "val", seed: int = 0):
    """``clip_eval.two_shape_pairs``'s first ``n`` scenes, redrawn, every other one named right shape
    first: (pictures, word-order pairs)."""
    scenes, i = [], 0
    while len(scenes) < n:
        scene = scene_text.generate(i, 64, split=split, n_shapes=2)
        i += 1
        if scene_text.hard_negatives(scene):
            scenes.append(scene)
    rng = np.random.default_rng(seed)
    pictures = [redraw(s, rng) for s in scenes]
    # every other scene named right shape first: "a blue square to the right of a red circle" is true too
    named = [dataclasses.replace(s, shapes=s.shapes[::-1]) if i % 2 else s for i, s in enumerate(scenes)]
    return pictures, [scene_text.hard_negatives(s) for s in named]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", default="train", choices=sorted(scene_text.SPLITS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    scene = scene_text.generate(args.seed, 64, split=args.split)
    redraw(scene, np.random.default_rng(args.seed)).save(args.out)
    print(scene.description)


if __name__ == "__main__":
    main()
