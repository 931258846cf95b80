"""The tiny CLIP's held-out evaluation: the numbers of its model cards, which the tests and the
benchmark recompute. Retrieval both ways, zero-shot on colour–shape pairs never seen together, the
colour-swap word-order test, and ARO-style one-to-one tests (``HARD_TESTS``: colour swap, relation
flip, swapped names) on two-shape scenes. The model itself: ``showcase.language.clip``.

    python -c "from showcase.language import clip, clip_eval; print(clip_eval.evaluate(clip.get()[0], n=100))"
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from showcase.core import scene_text
from showcase.language.clip import HARD_TESTS, Clip, encode_images, encode_texts, tokenize


def _pil(scene) -> Image.Image:
    return Image.fromarray(scene.image)


def retrieval_top1(clip: Clip, scenes) -> dict:
    """Top-1 retrieval among the scenes' descriptions, both ways. Two scenes can share a
    description (one large red circle looks like another), so a hit is the right *text*
    (image→text) or an image whose description is the query (text→image)."""
    texts = [s.description for s in scenes]
    image_emb = encode_images(clip, [_pil(s) for s in scenes])
    text_emb = encode_texts(clip, tokenize(clip, texts)[0])
    sim = (image_emb @ text_emb.T).numpy()
    names = np.asarray(texts)
    return {"image_to_text_top1": float(np.mean(names[sim.argmax(1)] == names)),
            "text_to_image_top1": float(np.mean(names[sim.argmax(0)] == names)),
            "n_scenes": len(scenes)}


def zero_shot_accuracy(clip: Clip, scenes) -> float:
    """One shape per scene; classify it among all colour–shape prompts ("a green triangle")."""
    pairs = scene_text.ALL_PAIRS
    prompts = [scene_text.pair_prompt(c, k) for c, k in pairs]
    text_emb = encode_texts(clip, tokenize(clip, prompts)[0])
    image_emb = encode_images(clip, [_pil(s) for s in scenes])
    chosen = (image_emb @ text_emb.T).argmax(1).numpy()
    truth = [pairs.index((s.shapes[0].colour, s.shapes[0].kind)) for s in scenes]
    return float(np.mean(chosen == np.asarray(truth)))


def word_order_accuracy(clip: Clip, scenes) -> dict:
    """Share of two-shape scenes where the true text beats its colour-swapped twin (chance 0.5)."""
    pairs = [s.word_order for s in scenes if s.word_order]
    images = [_pil(s) for s in scenes if s.word_order]
    image_emb = encode_images(clip, images)
    true_emb = encode_texts(clip, tokenize(clip, [p[0] for p in pairs])[0])
    swap_emb = encode_texts(clip, tokenize(clip, [p[1] for p in pairs])[0])
    margin = ((image_emb * true_emb).sum(1) - (image_emb * swap_emb).sum(1)).numpy()
    return {"word_order_accuracy": float(np.mean(margin > 0)), "n_pairs": len(pairs)}


def hard_negative_accuracy(clip: Clip, images: list[Image.Image], pairs: list[dict]) -> dict:
    """One-to-one word-order tests: per image, the share where the true text's cosine beats the
    false one's, for each test of ``scene_text.hard_negatives`` (chance 0.5)."""
    out = {}
    for test in HARD_TESTS:
        rows = [(im, p[test]) for im, p in zip(images, pairs) if test in p]
        if not rows:
            continue
        image_emb = encode_images(clip, [im for im, _ in rows])
        true_emb = encode_texts(clip, tokenize(clip, [p[0] for _, p in rows])[0])
        false_emb = encode_texts(clip, tokenize(clip, [p[1] for _, p in rows])[0])
        margin = ((image_emb * true_emb).sum(1) - (image_emb * false_emb).sum(1)).numpy()
        out[test] = float(np.mean(margin > 0))
    out["n_hard_pairs"] = len([p for p in pairs if p])
    return out


def two_shape_pairs(n: int, size: int = 64, split: str = "val", varied: bool = False):
    """``n`` two-shape scenes of two colours and two kinds, with their word-order pairs."""
    scenes, seed = [], 0
    while len(scenes) < n:
        s = scene_text.generate(seed, size, split=split, n_shapes=2, varied=varied)
        seed += 1
        if scene_text.hard_negatives(s):
            scenes.append(s)
    return [_pil(s) for s in scenes], [scene_text.hard_negatives(s) for s in scenes]


def evaluate(clip: Clip, n: int = 500, size: int = 64) -> dict:
    """The card's held-out metrics: retrieval on ``val`` scenes (training pairs, unseen seeds),
    zero-shot on held-out pairs beside the same test on seen pairs, word order, and the three
    one-to-one word-order tests on ``n // 2`` two-shape scenes."""
    val = scene_text.dataset(n, size, split="val")
    single_seen = [s for s in scene_text.dataset(3 * n, size, split="val") if len(s.shapes) == 1][:n // 2]
    held = scene_text.dataset(n // 2, size, split="zero_shot")
    return {**retrieval_top1(clip, val),
            "zero_shot_accuracy_held_out_pairs": zero_shot_accuracy(clip, held),
            "accuracy_seen_pairs_same_test": zero_shot_accuracy(clip, single_seen),
            "n_zero_shot": len(held), "chance_zero_shot": 1 / len(scene_text.ALL_PAIRS),
            **word_order_accuracy(clip, val),
            **hard_negative_accuracy(clip, *two_shape_pairs(n // 2, size))}
