"""scene_redraw: the same scene drawn by another hand keeps what the texts say (colours, where each
shape is), varies the drawing, and its word-order pairs name either shape first."""

import colorsys

import numpy as np
import pytest

from showcase.core import scene_text
from showcase.language import scene_redraw


def _hue_ok(rgb, name: str) -> bool:
    h, _, _ = colorsys.rgb_to_hsv(*(np.asarray(rgb, dtype=float) / 255))
    low, high = scene_text.HUES[name]
    return any(low - 0.04 <= h + shift <= high + 0.04 for shift in (-1, 0, 1))


@pytest.mark.parametrize("hand", sorted(scene_redraw.HANDS))
def test_each_shape_keeps_its_colour_name_at_its_centre(hand):
    rng = np.random.default_rng(5)
    checked = 0
    for seed in range(40):
        scene = scene_text.generate(seed, 64, split="train_all")
        image = np.asarray(scene_redraw.redraw(scene, rng, hand))
        side = image.shape[0]
        assert image.shape == (side, side, 3) and side in scene_redraw.SIDES
        for s in scene.shapes:
            y, x = (min(int(v * side), side - 1) for v in (s.y, s.x))
            patch = image[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].reshape(-1, 3).mean(0)
            assert _hue_ok(patch, s.colour), (seed, s, patch)
            checked += 1
    assert checked >= 60


def test_the_drawing_varies_but_is_reproducible():
    scene = scene_text.generate(3, 64, split="train", n_shapes=2)
    a = [np.asarray(scene_redraw.redraw(scene, np.random.default_rng(i))) for i in range(6)]
    b = np.asarray(scene_redraw.redraw(scene, np.random.default_rng(0)))
    assert np.array_equal(a[0], b)
    assert len({im.shape[0] for im in a}) > 1 or not np.array_equal(a[0], a[1])


def test_word_order_pairs_name_either_shape_first():
    images, pairs = scene_redraw.two_shape_pairs(20)
    assert len(images) == len(pairs) == 20
    trues = [p["relation_flip"][0] for p in pairs]
    assert any("to the right of" in t for t in trues) and any("to the left of" in t for t in trues)
    for p in pairs:
        assert len({false for _, false in p.values()}) == 3 and len({true for true, _ in p.values()}) == 1


def _proportion(kind: str, hand: str, rng) -> float:
    """A star's inner over outer radius, or a cross's arm half-width over its reach."""
    points = np.array(scene_redraw.outline(rng, kind, 0.0, 0.0, 1.0, hand))
    radii = np.hypot(points[:, 0], points[:, 1])
    if kind == "star":
        return radii.min() / radii.max()
    half_width = radii.min() / np.sqrt(2)          # the inner corners sit at (±a, ±a), turned
    return half_width / np.sqrt(radii.max() ** 2 - half_width ** 2)


@pytest.mark.parametrize("kind", ["star", "cross"])
def test_the_wide_hand_draws_broader_proportions_than_the_usual_one(kind):
    """Stage 4 of the captioner trains on the wide hand so that an encoder knows a star by its five points and a
    cross by its four arms over many proportions; the usual hand (CLIP's training) stays as it was."""
    rng = np.random.default_rng(0)
    usual, wide = ([_proportion(kind, hand, rng) for _ in range(300)] for hand in ("usual", "wide"))
    assert min(wide) < min(usual) - 0.04 and max(wide) > max(usual) + 0.03, (min(usual), max(usual), min(wide), max(wide))
