"""Scenes of the same vocabulary drawn by code apart from ``showcase.core.scene_text``: its own
canvas sizes, positions, sizes, colour values (CSS-like and others), shape outlines (upright
triangles, axis-aligned squares, its own star and cross) and backgrounds (off-white, paper grain,
ruled lines, dots, a two-tone gradient). The models were never trained on these pictures; the
tests re-measure them here so that a number cannot come from the generator's habits alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PALETTE = {  # several RGB values per name, none of them the generator's own
    "red": [(230, 25, 45), (200, 20, 20), (240, 60, 50), (178, 34, 34)],
    "green": [(40, 180, 75), (0, 128, 0), (60, 170, 60), (34, 139, 34)],
    "blue": [(30, 60, 200), (65, 105, 225), (0, 0, 230), (20, 90, 190)],
    "yellow": [(250, 220, 20), (255, 255, 0), (255, 230, 60), (240, 210, 0)],
    "purple": [(128, 0, 128), (150, 60, 190), (120, 40, 160), (160, 32, 240)],
    "orange": [(255, 140, 0), (240, 120, 30), (255, 165, 0), (250, 130, 50)],
}
KINDS = ("circle", "square", "triangle", "star", "cross")
NUMBERS = ("zero", "one", "two", "three")


@dataclass
class Drawn:
    image: Image.Image
    shapes: list[tuple[str, str, float, float]]    # (colour, kind, x, y), x and y as shares of the side

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(c, k) for c, k, _, _ in self.shapes]


def _background(rng, side: int) -> Image.Image:
    style = ["off_white", "grain", "lines", "dots", "gradient"][int(rng.integers(5))]
    base = np.array([rng.uniform(228, 252), rng.uniform(222, 248), rng.uniform(205, 240)])
    img = np.ones((side, side, 3)) * base
    if style == "grain":
        img += rng.normal(0, 7, (side, side, 1))
    elif style == "gradient":
        other = base - rng.uniform(10, 45, 3)
        t = np.linspace(0, 1, side)[None, :, None]
        img = np.broadcast_to(base * (1 - t) + other * t, (side, side, 3)).copy()
    canvas = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    ink = tuple(int(v) for v in base - rng.uniform(20, 40))
    if style == "lines":
        step = int(rng.integers(8, 16))
        for y in range(0, side, step):
            draw.line([(0, y), (side, y)], fill=ink, width=1)
    elif style == "dots":
        step = int(rng.integers(7, 13))
        for y in range(step // 2, side, step):
            for x in range(step // 2, side, step):
                draw.point((x, y), fill=ink)
    return canvas


def _outline(kind: str, cx: float, cy: float, r: float, turn: float):
    if kind == "square":
        h = r / np.sqrt(2)
        pts = [(-h, -h), (h, -h), (h, h), (-h, h)]
    elif kind == "triangle":
        pts = [(r * np.cos(a), r * np.sin(a)) for a in (-np.pi / 2, np.pi / 6, 5 * np.pi / 6)]
    elif kind == "star":
        pts = [((r if i % 2 == 0 else 0.5 * r) * np.cos(-np.pi / 2 + i * np.pi / 5),
                (r if i % 2 == 0 else 0.5 * r) * np.sin(-np.pi / 2 + i * np.pi / 5)) for i in range(10)]
    else:  # cross: arms a third of the span wide
        a, b = r / 3, r
        pts = [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a)]
    c, s = np.cos(turn), np.sin(turn)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]


def draw(rng: np.random.Generator, n: int, *, distinct: bool = False, clear_relation: bool = False) -> Drawn:
    """``n`` shapes on one canvas. ``distinct``: no colour and no kind twice. ``clear_relation``
    (two shapes): one axis's offset clearly larger than the other's, so left/right or above/below
    is not a judgement call."""
    side = int(rng.choice([96, 128, 150, 200]))
    while True:
        shapes = []
        for _ in range(100):
            if len(shapes) == n:
                break
            colour = list(PALETTE)[int(rng.integers(6))]
            kind = KINDS[int(rng.integers(5))]
            if distinct and any(c == colour or k == kind for c, k, *_ in shapes):
                continue
            r = rng.uniform(0.075, 0.17)
            x, y = rng.uniform(r + 0.03, 0.97 - r, 2)
            if all(np.hypot(x - sx, y - sy) > r + sr + 0.05 for _, _, sx, sy, sr in shapes):
                shapes.append((colour, kind, x, y, r))
        if len(shapes) < n:
            continue
        if clear_relation and n == 2:
            dx, dy = abs(shapes[0][2] - shapes[1][2]), abs(shapes[0][3] - shapes[1][3])
            if max(dx, dy) < 1.4 * min(dx, dy):
                continue
        break
    canvas = _background(rng, side)
    pen = ImageDraw.Draw(canvas)
    for colour, kind, x, y, r in shapes:
        fill = PALETTE[colour][int(rng.integers(len(PALETTE[colour])))]
        cx, cy, rr = x * side, y * side, r * side
        if kind == "circle":
            pen.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=fill)
        else:
            turn = 0.0 if rng.random() < 0.5 else rng.uniform(0, 2 * np.pi)
            pen.polygon(_outline(kind, cx, cy, rr, turn), fill=fill)
    if rng.random() < 0.5:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    return Drawn(canvas, [(c, k, x, y) for c, k, x, y, _ in shapes])


def plural(kind: str) -> str:
    return kind + ("es" if kind.endswith("s") else "s")


def article(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def relation(a, b) -> str:
    """Where shape ``a`` is relative to ``b`` along the axis they are further apart on."""
    dx, dy = b[2] - a[2], b[3] - a[3]
    if abs(dx) >= abs(dy):
        return "to the left of" if dx > 0 else "to the right of"
    return "above" if dy > 0 else "below"


def questions(scene: Drawn, rng) -> list[tuple[str, str, str]]:
    """(type, question, answer): a count of a present and of a random kind, the colour of each kind
    drawn once, position of two such kinds both ways round, existence of a present and an absent pair."""
    kinds = [k for _, k, _, _ in scene.shapes]
    out = []
    for kind in {kinds[int(rng.integers(len(kinds)))], KINDS[int(rng.integers(5))]}:
        out.append(("counting", f"how many {plural(kind)} are there?", NUMBERS[kinds.count(kind)]))
    once = [s for s in scene.shapes if kinds.count(s[1]) == 1]
    for s in once:
        out.append(("colour", f"what colour is the {s[1]}?", s[0]))
    if len(once) >= 2:
        a, b = once[0], once[1]
        for p, q in ((a, b), (b, a)):
            if abs(p[2] - q[2]) >= abs(p[3] - q[3]):
                out.append(("position", f"is the {p[1]} left of the {q[1]}?", "yes" if p[2] < q[2] else "no"))
            else:
                out.append(("position", f"is the {p[1]} above the {q[1]}?", "yes" if p[3] < q[3] else "no"))
    present = scene.pairs[int(rng.integers(len(scene.pairs)))]
    absent = [(c, k) for c in PALETTE for k in KINDS if (c, k) not in scene.pairs]
    for colour, kind in (present, absent[int(rng.integers(len(absent)))]):
        out.append(("existence", f"is there {article(f'{colour} {kind}')}?", "yes" if (colour, kind) in scene.pairs else "no"))
    return out


def word_order_pairs(scene: Drawn) -> dict[str, tuple[str, str]]:
    """For two shapes of two colours and two kinds: the true sentence and three false ones of the same words."""
    a, b = scene.shapes
    rel = relation(a, b)
    flip = {"to the left of": "to the right of", "to the right of": "to the left of", "above": "below", "below": "above"}
    true = f"{article(f'{a[0]} {a[1]}')} {rel} {article(f'{b[0]} {b[1]}')}"
    return {"colour_swap": (true, f"{article(f'{b[0]} {a[1]}')} {rel} {article(f'{a[0]} {b[1]}')}"),
            "relation_flip": (true, f"{article(f'{a[0]} {a[1]}')} {flip[rel]} {article(f'{b[0]} {b[1]}')}"),
            "swapped_names": (true, f"{article(f'{b[0]} {b[1]}')} {rel} {article(f'{a[0]} {a[1]}')}")}
