"""Simple scenes of named-colour shapes with exact text: the multimodal tabs' data.

The detection scenes (``showcase.core.shapes``) are busy on purpose: textured backgrounds, up to a
dozen shapes of any hue. Language needs words for what is drawn, so these scenes are the simple
sibling: one to three shapes of the same five classes, each in one of six *named* colours and one
of two sizes, on a plain light background with a little sensor noise, no two shapes touching.
For every scene the generator knows, exactly:

- its description, listing the shapes from left to right ("a small red circle to the left of a
  large blue square"), and paraphrases (reordered, sizes dropped, other wording);
- question–answer pairs of four types: counting ("how many triangles are there?" → "two"),
  colour ("what colour is the square?" → "blue"), position ("is the circle left of the star?" →
  "yes") and existence ("is there a green star?" → "no");
- for two-shape scenes with two colours, a word-order pair: the true plain text ("a red circle to
  the left of a blue square") and the same words with the colours swapped ("a blue circle to the
  left of a red square"), false for this picture.

Zero-shot split: ``HELD_OUT`` colour–shape pairs (a green triangle, a purple circle, a yellow
cross) are never drawn in ``split="train"`` scenes; ``split="test"`` draws every pair, and
``split="zero_shot"`` draws a single shape of a held-out pair; ``split="val"`` draws the training
pairs on other seeds (in-distribution evaluation); ``split="train_all"`` draws every pair on its
own seeds (training for the captioner and VQA, which are not tested on zero-shot pairs). Scenes
are deterministic in ``(seed, split)``: geometry is relative, so the same seed at another size
is the same scene.

``varied=True`` draws the same kind of scene less tidily, so that a model trained on it also
reads pictures drawn by other code: off-white, gradient, striped, checked or blotchy
backgrounds, each named colour at a hue, saturation and brightness of its own, sizes spread
around the two named ones, shapes allowed closer together, and more sensor noise. The tidy
default draws exactly what it always drew.

    python -m showcase.core.scene_text --seed 3 --size 224 --out /tmp/scene.png
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from showcase.core.images import read_seed_tag, save_seed_tagged_png
from showcase.core.shapes import CLASSES, polygon

COLOURS = {  # name → RGB; far apart so one word names each without doubt
    "red": (215, 38, 38), "green": (34, 160, 60), "blue": (40, 80, 215),
    "yellow": (235, 205, 30), "purple": (135, 50, 175), "orange": (245, 135, 25),
}
SIZES = {"small": 0.10, "large": 0.17}           # circumradius as a share of the image side
HELD_OUT = (("green", "triangle"), ("purple", "circle"), ("yellow", "cross"))
ALL_PAIRS = tuple(itertools.product(COLOURS, CLASSES))
TRAIN_PAIRS = tuple(p for p in ALL_PAIRS if p not in HELD_OUT)
NUMBERS = ("zero", "one", "two", "three")
QUESTION_TYPES = ("counting", "colour", "position", "existence")
SPLITS = {"train": 0, "test": 10_000_000, "zero_shot": 20_000_000, "val": 30_000_000,   # seed offsets:
          "train_all": 40_000_000}                                                      # disjoint scenes
HUES = {"red": (-0.035, 0.03), "orange": (0.05, 0.11), "yellow": (0.125, 0.175),   # HSV hue ranges a name
        "green": (0.25, 0.45), "blue": (0.55, 0.70), "purple": (0.73, 0.87)}      # covers (varied scenes)
PNG_KEY = "showcase-scene-text"


@dataclass(frozen=True)
class Shape:
    colour: str
    kind: str
    size: str
    x: float          # centre, as a share of the side (0 left, 1 right)
    y: float          # centre, 0 top, 1 bottom
    angle: float
    scale: float = 1.0    # drawn radius / the named size's radius (varied scenes only)

    @property
    def words(self) -> str:
        return f"{self.size} {self.colour} {self.kind}"


@dataclass
class TextScene:
    image: np.ndarray                  # (H, W, 3) uint8
    shapes: list[Shape]                # left to right
    seed: int
    split: str
    description: str = ""
    paraphrases: list[str] = field(default_factory=list)
    qa: list[tuple[str, str, str]] = field(default_factory=list)  # (type, question, answer)
    word_order: tuple[str, str] | None = None   # (true text, its colour words swapped), or None


def plural(kind: str) -> str:
    return kind + ("es" if kind.endswith("s") else "s")


def _relation(a: Shape, b: Shape) -> str:
    """Where ``a`` is relative to ``b``, by the larger of the two offsets."""
    dx, dy = b.x - a.x, b.y - a.y
    if abs(dx) >= abs(dy):
        return "to the left of" if dx > 0 else "to the right of"
    return "above" if dy > 0 else "below"


_OPPOSITE = {"to the left of": "to the right of", "to the right of": "to the left of",
             "above": "below", "below": "above"}


def article(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def _texts(shapes: list[Shape], rng: np.random.Generator) -> tuple[str, list[str], tuple[str, str] | None]:
    """Description, paraphrases and (for two colours and two kinds) the word-order pair."""
    names = [article(s.words) for s in shapes]
    plain = [article(f"{s.colour} {s.kind}") for s in shapes]
    swapped = None
    if len(shapes) == 1:
        return names[0], [f"a picture of {names[0]}", f"one {shapes[0].words}", plain[0]], None
    if len(shapes) == 2:
        a, b = shapes
        rel = _relation(a, b)
        description = f"{names[0]} {rel} {names[1]}"
        paraphrases = [f"{names[1]} {_OPPOSITE[rel]} {names[0]}", f"{plain[0]} {rel} {plain[1]}",
                       f"a picture of {names[0]} and {names[1]}"]
        if a.colour != b.colour and a.kind != b.kind:
            swapped = (paraphrases[1], f"{article(f'{b.colour} {a.kind}')} {rel} {article(f'{a.colour} {b.kind}')}")
        return description, paraphrases, swapped
    description = f"{names[0]}, {names[1]} and {names[2]} from left to right"
    order = [int(i) for i in rng.permutation(3)]
    paraphrases = [f"three shapes: {', '.join(names[i] for i in order[:2])} and {names[order[2]]}",
                   f"{plain[0]}, {plain[1]} and {plain[2]} from left to right",
                   f"{names[2]}, {names[1]} and {names[0]} from right to left"]
    return description, paraphrases, None


def _questions(shapes: list[Shape], rng: np.random.Generator, pairs) -> list[tuple[str, str, str]]:
    """Four types, one question each where the scene allows it; answers balanced where they can be."""
    qa = []
    kinds = [s.kind for s in shapes]
    asked = kinds[int(rng.integers(len(kinds)))] if rng.random() < 0.6 else CLASSES[int(rng.integers(len(CLASSES)))]
    qa.append(("counting", f"how many {plural(asked)} are there?", NUMBERS[kinds.count(asked)]))
    once = [s for s in shapes if kinds.count(s.kind) == 1]
    if once:
        s = once[int(rng.integers(len(once)))]
        qa.append(("colour", f"what colour is the {s.kind}?", s.colour))
    if len(once) >= 2:
        a, b = (once[i] for i in rng.choice(len(once), 2, replace=False))
        qa.append(position_qa(a, b))
    present = {(s.colour, s.kind) for s in shapes}
    if rng.random() < 0.5:
        colour, kind = sorted(present)[int(rng.integers(len(present)))]
    else:
        absent = [p for p in pairs if p not in present]
        colour, kind = absent[int(rng.integers(len(absent)))]
    qa.append(("existence", f"is there {article(f'{colour} {kind}')}?", "yes" if (colour, kind) in present else "no"))
    return qa


def position_qa(a: Shape, b: Shape) -> tuple[str, str, str]:
    """The position question about ``a`` and ``b`` along the axis they are further apart on."""
    if abs(a.x - b.x) >= abs(a.y - b.y):
        return "position", f"is the {a.kind} left of the {b.kind}?", "yes" if a.x < b.x else "no"
    return "position", f"is the {a.kind} above the {b.kind}?", "yes" if a.y < b.y else "no"


def _layout(rng: np.random.Generator, pairs, n: int, varied: bool = False) -> list[Shape]:
    """``n`` shapes whose discs do not touch, sorted left to right."""
    gap = 0.015 if varied else 0.04
    while True:
        shapes: list[Shape] = []
        for _ in range(200):
            if len(shapes) == n:
                break
            colour, kind = pairs[int(rng.integers(len(pairs)))]
            size = ("small", "large")[int(rng.integers(2))]
            scale = float(rng.uniform(0.7, 1.25)) if varied else 1.0
            r = SIZES[size] * scale
            x, y = rng.uniform(r + 0.02, 0.98 - r, 2)
            if all(np.hypot(x - s.x, y - s.y) > r + SIZES[s.size] * s.scale + gap for s in shapes):
                shapes.append(Shape(colour, kind, size, float(x), float(y), float(rng.uniform(0, 2 * np.pi)), scale))
        if len(shapes) == n:
            return sorted(shapes, key=lambda s: s.x)


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    k = (np.array([5.0, 3.0, 1.0]) + (h % 1.0) * 6) % 6
    return 255 * v * (1 - s * np.clip(np.minimum(k, 4 - k), 0, 1))


def _varied_colour(rng: np.random.Generator, name: str) -> tuple[int, ...]:
    """The named colour at a hue, saturation and value of its own, anywhere in the hue range that
    people call by that name (CSS "purple" #800080 and "orange" #FFA500 included)."""
    hue = rng.uniform(*HUES[name])
    low = 0.85 if name in ("yellow", "orange") else 0.45    # darker, yellow and orange read as olive and brown
    return tuple(int(v) for v in _hsv(hue, rng.uniform(0.6, 1.0), rng.uniform(low, 1.0)))


def _varied_background(rng: np.random.Generator, side: int) -> np.ndarray:
    """(side, side, 3) float: light off-white or grey, with a gradient and one low-contrast texture."""
    ys, xs = np.mgrid[0:side, 0:side] / side
    base = rng.uniform(175, 250) + rng.uniform(-18, 18, 3)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (xs - 0.5) * np.cos(angle) + (ys - 0.5) * np.sin(angle)
    image = base + rng.uniform(0, 40) * ramp[..., None]
    texture, strength = rng.choice(["plain", "stripes", "checker", "blotches", "speckle"]), rng.uniform(5, 22)
    if texture == "stripes":
        period, theta = rng.uniform(0.03, 0.15), rng.uniform(0, np.pi)
        image = image + strength * np.sin(2 * np.pi * (xs * np.cos(theta) + ys * np.sin(theta)) / period)[..., None]
    elif texture == "checker":
        cell = rng.uniform(0.04, 0.2)
        image = image + strength * (((ys // cell + xs // cell) % 2) * 2 - 1)[..., None]
    elif texture == "blotches":
        coarse = rng.normal(0, 1, (6, 6, 3)).astype(np.float32)
        field = np.stack([np.asarray(Image.fromarray(coarse[..., c], mode="F").resize((side, side), Image.BICUBIC))
                          for c in range(3)], -1)
        image = image + strength * field / max(float(np.abs(field).max()), 1e-6)
    elif texture == "speckle":
        image = image + strength * rng.normal(0, 0.5, (side, side, 1))
    return np.clip(image, 0, 255)


def generate(seed: int = 0, size: int = 64, *, split: str = "test", n_shapes: int | None = None,
             varied: bool = False) -> TextScene:
    """One scene with its exact texts; deterministic in ``(seed, split, varied)``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, not {split!r}")
    # a varied scene is its own stream, so the tidy scenes stay what they were
    rng = np.random.default_rng((SPLITS[split] + int(seed), 1) if varied else SPLITS[split] + int(seed))
    pairs = {"train": TRAIN_PAIRS, "val": TRAIN_PAIRS, "test": ALL_PAIRS, "zero_shot": HELD_OUT,
             "train_all": ALL_PAIRS}[split]
    n = 1 if split == "zero_shot" else int(n_shapes or rng.integers(1, 4))
    shapes = _layout(rng, pairs, n, varied)
    scale = 2 if varied else 4  # draw larger and shrink: smooth edges at any size
    side = size * scale
    if varied:
        canvas = Image.fromarray(_varied_background(rng, side).astype(np.uint8))
    else:
        background = rng.uniform(205, 250) + rng.uniform(-12, 12, 3)       # light, nearly grey
    noise_seed = int(rng.integers(2**31))
    if not varied:
        canvas = Image.new("RGB", (size * scale,) * 2, tuple(int(v) for v in np.clip(background, 0, 255)))
    draw = ImageDraw.Draw(canvas)
    for s in shapes:
        if varied:
            fill = _varied_colour(rng, s.colour)
        else:
            fill = tuple(np.clip(np.asarray(COLOURS[s.colour]) + rng.normal(0, 8, 3), 0, 255).astype(int))
        cx, cy, r = s.x * side, s.y * side, SIZES[s.size] * s.scale * side
        if s.kind == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in fill))
        else:
            draw.polygon(polygon(s.kind, cx, cy, r, s.angle), fill=tuple(int(v) for v in fill))
    image = np.asarray(canvas.resize((size, size), Image.LANCZOS), dtype=np.float32)
    noise = float(rng.uniform(2, 10)) if varied else 4.0
    image = image + np.random.default_rng(noise_seed).normal(0, noise, image.shape)
    description, paraphrases, swapped = _texts(shapes, rng)
    return TextScene(np.clip(image, 0, 255).round().astype(np.uint8), shapes, int(seed), split,
                     description, paraphrases, _questions(shapes, rng, pairs), swapped)


def describe(shapes: list[Shape], sizes: bool = True) -> str:
    """The description of ``shapes`` (left to right) in the generator's words, with or without sizes."""
    names = [article(s.words if sizes else f"{s.colour} {s.kind}") for s in shapes]
    if len(shapes) == 1:
        return names[0]
    if len(shapes) == 2:
        return f"{names[0]} {_relation(*shapes)} {names[1]}"
    return f"{', '.join(names[:-1])} and {names[-1]} from left to right"


def hard_negatives(scene: TextScene, sizes: bool = False) -> dict[str, tuple[str, str]]:
    """For a two-shape scene of two colours and two kinds: (true text, false text) pairs made of
    the same words — colours swapped, the relation flipped, the two names swapped — the word-order
    tests of ARO (Yuksekgonul et al., 2023). Empty for other scenes."""
    if len(scene.shapes) != 2:
        return {}
    a, b = scene.shapes
    if a.colour == b.colour or a.kind == b.kind:
        return {}
    name = (lambda s: article(s.words if sizes else f"{s.colour} {s.kind}"))
    rel = _relation(a, b)
    true = f"{name(a)} {rel} {name(b)}"
    swap = (Shape(b.colour, a.kind, a.size, a.x, a.y, a.angle), Shape(a.colour, b.kind, b.size, b.x, b.y, b.angle))
    return {"colour_swap": (true, f"{name(swap[0])} {rel} {name(swap[1])}"),
            "relation_flip": (true, f"{name(a)} {_OPPOSITE[rel]} {name(b)}"),
            "swapped_names": (true, f"{name(b)} {rel} {name(a)}")}


def negatives(scene: TextScene, rng: np.random.Generator, sizes: bool = True) -> list[str]:
    """False texts close to the scene's description, for hard-negative training (NegCLIP): the
    word-order swaps of ``hard_negatives`` for two shapes, one colour or kind changed for one shape,
    two names swapped or two colours swapped for three."""
    shapes = list(scene.shapes)
    out = []
    if len(shapes) == 2:
        out += [false for _, false in hard_negatives(scene, sizes).values()]
        a, b = shapes
        if not out and (a.colour, a.kind) != (b.colour, b.kind):   # same colour or kind: names can still swap
            out.append(f"{article(b.words if sizes else f'{b.colour} {b.kind}')} {_relation(a, b)} "
                       f"{article(a.words if sizes else f'{a.colour} {a.kind}')}")
    if len(shapes) == 1:
        s = shapes[0]
        colour = [c for c in COLOURS if c != s.colour][int(rng.integers(len(COLOURS) - 1))]
        kind = [k for k in CLASSES if k != s.kind][int(rng.integers(len(CLASSES) - 1))]
        out += [describe([Shape(colour, s.kind, s.size, s.x, s.y, s.angle)], sizes),
                describe([Shape(s.colour, kind, s.size, s.x, s.y, s.angle)], sizes)]
    if len(shapes) == 3:
        i, j = sorted(int(v) for v in rng.choice(3, 2, replace=False))
        if (shapes[i].colour, shapes[i].kind) != (shapes[j].colour, shapes[j].kind):
            order = list(shapes)
            order[i], order[j] = order[j], order[i]
            out.append(describe(order, sizes))
        if shapes[i].colour != shapes[j].colour and shapes[i].kind != shapes[j].kind:
            recoloured = list(shapes)
            recoloured[i] = Shape(shapes[j].colour, shapes[i].kind, shapes[i].size, 0, 0, 0)
            recoloured[j] = Shape(shapes[i].colour, shapes[j].kind, shapes[j].size, 0, 0, 0)
            out.append(describe(recoloured, sizes))
    return out


def dataset(n: int, size: int = 64, *, split: str = "train", start: int = 0, varied: bool = False) -> list[TextScene]:
    return [generate(seed, size, split=split, varied=varied) for seed in range(start, start + n)]


def pair_prompt(colour: str, kind: str) -> str:
    """The text used for zero-shot classification of one shape."""
    return article(f"{colour} {kind}")


def vocabulary() -> list[str]:
    """Every word the generator can write, for word-level tokenizers."""
    words = set(COLOURS) | set(CLASSES) | {plural(k) for k in CLASSES} | set(SIZES) | set(NUMBERS)
    words |= set("a an the of to left right above below and from picture one three shapes : , ? "
                 "how many are there what colour is yes no".split())
    return sorted(words)


def train_tokenizer(directory: str | Path, context_length: int = 32, extra: tuple[str, ...] = ()) -> Path:
    """A word-level tokenizer over ``vocabulary()`` built with ``tokenizers`` and saved as a
    transformers fast tokenizer (``AutoTokenizer.from_pretrained(directory)`` loads it). Words
    outside the toy world become ``[UNK]``: the model has never seen them, and saying so beats
    pretending with sub-words it never learned either. ``extra`` special tokens (task markers)
    come after the words, so the ids of a tokenizer without them stay the same."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[SOS]", "[EOS]"]
    vocab = {w: i for i, w in enumerate(specials + vocabulary() + list(extra))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.post_processor = processors.TemplateProcessing(
        single="[SOS] $A [EOS]", special_tokens=[("[SOS]", vocab["[SOS]"]), ("[EOS]", vocab["[EOS]"])])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   bos_token="[SOS]", eos_token="[EOS]", model_max_length=context_length,
                                   additional_special_tokens=list(extra))
    fast.save_pretrained(str(directory))
    return Path(directory)


def save_png(scene: TextScene, path: str | Path) -> Path:
    """PNG with the seed in a text chunk (split ``test``), so ``truth_for`` can find the texts."""
    return save_seed_tagged_png(scene.image, path, PNG_KEY, scene.seed)


def truth_for(rgb: np.ndarray, info: dict) -> TextScene | None:
    """The test-split scene ``rgb`` came from, if its PNG tag says so and every pixel matches."""
    tag = read_seed_tag(info, PNG_KEY)
    if tag is None:
        return None
    seed, size = tag
    if rgb.shape != (size, size, 3) or not 16 <= size <= 1024:
        return None
    scene = generate(seed, size, split="test")
    return scene if np.array_equal(scene.image, rgb) else None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--split", default="test", choices=sorted(SPLITS))
    parser.add_argument("--out", default="scene.png")
    args = parser.parse_args(argv)
    scene = generate(args.seed, args.size, split=args.split)
    save_png(scene, args.out)
    print(f"{args.out}: {scene.description}")
    for kind, q, a in scene.qa:
        print(f"  [{kind}] {q} {a}")


if __name__ == "__main__":
    main()
