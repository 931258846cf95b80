"""The CLIP tab's backend: both bundled tiny CLIPs reach their cards (the hard-negative one the word-order
targets, on held-out scenes and on scenes drawn by the test's own code), probabilities, bad text, the hub path."""

import json
import logging

import numpy as np
import pytest

from showcase.core import models, scene_text
from showcase.core.errors import InputError
from showcase.language import clip, clip_eval
from tests.unit.language import drawn_scenes

N_DRAWN = 200                      # two-shape scenes of two colours and two kinds, drawn by the test's code
TARGETS = {"colour_swap": 0.90, "relation_flip": 0.85, "swapped_names": 0.85}


@pytest.fixture(scope="module")
def drawn_pairs():
    rng = np.random.default_rng(31)
    scenes = [drawn_scenes.draw(rng, 2, distinct=True, clear_relation=True) for _ in range(N_DRAWN)]
    return [s.image for s in scenes], [drawn_scenes.word_order_pairs(s) for s in scenes]


@pytest.fixture(scope="module")
def neg_card():
    return json.loads(clip.NEG_CARD.read_text())



@pytest.fixture(scope="module")
def two_shapes():
    return clip.scene(7, 224, 2)


@pytest.mark.slow
def test_bundled_model_reaches_its_card_on_held_out_scenes():
    card = json.loads(clip.CARD.read_text())
    model, _, source = clip.get("bundled")
    assert source == "bundled"
    now = clip_eval.evaluate(model, n=card["metrics"]["n_scenes"])
    for key in ("image_to_text_top1", "text_to_image_top1", "zero_shot_accuracy_held_out_pairs", "word_order_accuracy",
                "accuracy_seen_pairs_same_test"):
        assert now[key] >= card["metrics"][key] - 0.02, key
    assert now["image_to_text_top1"] > 10 / now["n_scenes"]          # far above chance
    # the lesson the tab teaches: a plain contrastive model reads relations about as well as a coin
    assert now["relation_flip"] < 0.70 and now["swapped_names"] < 0.70


@pytest.mark.slow
def test_hard_negative_model_reaches_its_card_and_the_targets(neg_card):
    model, name, source = clip.get("negclip")
    assert source == "bundled" and "hard negatives" in name
    now = clip_eval.evaluate(model, n=neg_card["metrics"]["n_scenes"])
    for key, value in neg_card["metrics"].items():
        if isinstance(value, float) and key in now and not key.startswith("chance"):
            assert now[key] >= value - 0.02, key
    for test, target in TARGETS.items():
        assert now[test] >= target, test
    # and retrieval no worse than the plain model's 0.95 (it fell to 0.87 before ordinary scenes were mixed back in)
    assert now["image_to_text_top1"] >= 0.95 and now["text_to_image_top1"] >= 0.95


def test_word_order_on_scenes_drawn_by_other_code(drawn_pairs):
    """The hard-negative model reads word order in pictures it never saw drawn; the plain one does not."""
    images, pairs = drawn_pairs
    negclip, _, _ = clip.get("negclip")
    plain, _, _ = clip.get("bundled")
    trained = clip_eval.hard_negative_accuracy(negclip, images, pairs)
    bag = clip_eval.hard_negative_accuracy(plain, images, pairs)
    assert trained["n_hard_pairs"] == N_DRAWN
    # the targets, here too: 0.995 / 0.965 / 0.96 measured (200 pairs, the card's drawn_by_other_code).
    # Before --either-first the model reached 0.875 / 0.71 / 0.74 here: the generator's texts always named the
    # left shape first, so a true text saying "to the right of" was never seen
    for test, target in TARGETS.items():
        assert trained[test] >= target, (test, trained)
    assert trained["relation_flip"] >= bag["relation_flip"] + 0.10, (trained, bag)
    assert bag["relation_flip"] < 0.70 and bag["swapped_names"] < 0.70, bag


def test_hard_negatives_are_the_same_words_rearranged():
    scene = next(s for s in (scene_text.generate(i, 64, split="val", n_shapes=2) for i in range(50))
                 if scene_text.hard_negatives(s))
    bag = lambda text: sorted(text.replace("an ", "a ").replace("right", "left").replace("below", "above").split())
    for true, false in scene_text.hard_negatives(scene).values():   # the relation flip changes one word for its opposite
        assert bag(true) == bag(false) and true != false


def test_loading_the_bundled_weights_does_not_say_initialized_randomly(monkeypatch, caplog):
    monkeypatch.setattr(models, "_instances", {})
    with caplog.at_level(logging.INFO):
        for name in ("bundled", "negclip"):
            clip.get(name)
    assert not [r for r in caplog.records if "initialized randomly" in r.getMessage()]


def test_probabilities_sum_to_one_and_best_is_the_largest(two_shapes):
    texts = [two_shapes.description] + [clip.scene(s, 64).description for s in range(50, 59)]
    result = clip.clip_match(two_shapes.image, "\n".join(texts))
    probs = np.array([row["probability"] for row in result.table])
    m = result.metrics
    assert len(probs) == 10 and abs(probs.sum() - 1) < 1e-5 and (probs >= 0).all()
    assert m["best_text"] == texts[int(probs.argmax())] and m["source"] == "bundled" and m["logit_scale"] > 1
    assert set(m["probabilities"]) == set(texts) and "note" not in m


def test_word_order_pair_is_scored_not_hidden(two_shapes):
    true, swapped = two_shapes.word_order
    m = clip.clip_match(two_shapes.image, [true, swapped]).metrics
    assert set(m["probabilities"]) == {true, swapped}
    assert abs(sum(m["probabilities"].values()) - 1) < 1e-3


@pytest.mark.parametrize("texts, match", [
    ("", "at least one text"),
    ("\n  \n", "at least one text"),
    (["x"] * 1000, "limit is 64"),
    ("a" * 10_000, "10,000 characters"),
])
def test_bad_texts_are_refused_with_a_reason(texts, match):
    with pytest.raises(InputError, match=match):
        clip.check_texts(texts)


def test_unknown_words_and_long_texts_are_flagged_not_crashing(two_shapes):
    m = clip.clip_match(two_shapes.image, ["一个红色的圆", "a red circle 🙂", "a red circle"]).metrics
    assert "[UNK]" in m["note"] and abs(sum(m["probabilities"].values()) - 1) < 1e-3
    assert m["unknown_words"] >= 1 and "texts_cut" not in m     # facts for the page, not words to parse
    long = " ".join(["a red circle"] * 20)   # 60 words: more than the 24-token context
    m = clip.clip_match(two_shapes.image, [long, "a blue square"]).metrics
    assert "cut to 24 tokens" in m["note"] and m["texts_cut"] == [1] and m["weights"] == "bundled"


def test_non_image_is_refused(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    with pytest.raises(InputError):
        clip.clip_match(str(bad), "a red circle")


def cosines(loaded, images, texts) -> np.ndarray:
    """Images × texts cosines from the raw open_clip encoders, normalised here in numpy: the test's
    own computation, not the tab's ``encode_images`` / ``encode_texts``."""
    import torch

    with torch.inference_mode():
        image = loaded.model.encode_image(torch.stack([loaded.preprocess(im) for im in images])).numpy()
        text = loaded.model.encode_text(loaded.tokenizer(texts)).numpy()
    image /= np.linalg.norm(image, axis=1, keepdims=True)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    return image @ text.T


def test_heatmap_is_images_by_texts():
    from PIL import Image

    scenes = [clip.scene(s, 96) for s in range(30, 34)]
    texts = [s.description for s in scenes]
    result = clip.similarity_heatmap([s.image for s in scenes], "\n".join(texts))
    ours = cosines(clip.get("bundled")[0], [Image.fromarray(s.image) for s in scenes], texts)
    assert result.similarity.shape == (4, 4)
    np.testing.assert_allclose(result.similarity, ours, atol=1e-5)      # the cosines the cells show
    m = result.metrics
    assert m["best_text_per_image"] == [texts[j] for j in ours.argmax(1)]
    assert m["diagonal_accuracy"] == round(float(np.mean(ours.argmax(1) == np.arange(4))), 4)
    with pytest.raises(InputError, match="at least one image"):
        clip.similarity_heatmap([], "a red circle")


def test_hub_model_offline_says_it_needs_the_hub(monkeypatch):
    monkeypatch.setattr(models, "hub_reachable", lambda *a, **k: False)
    monkeypatch.setattr(models, "_snapshot", lambda spec, cache_dir, local_only: None)
    monkeypatch.setattr(models, "_instances", {})
    with pytest.raises(models.ModelUnavailable, match="hub"):
        clip.clip_match(scene_text.generate(1, 64).image, "a red circle", "hub")


@pytest.mark.slow
def test_hub_code_path_with_a_tiny_random_open_clip_model(monkeypatch, tmp_path):
    """The ViT-B-32 path (``local-dir:`` config + safetensors, CLIP's own BPE tokenizer), with a
    tiny randomly initialised ViT saved the way the hub repo stores it."""
    import open_clip
    from safetensors.torch import save_file

    cfg = {"embed_dim": 16, "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
           "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
    model = open_clip.CLIP(**cfg)
    save_file(model.state_dict(), str(tmp_path / "open_clip_model.safetensors"))
    (tmp_path / "open_clip_config.json").write_text(json.dumps({"model_cfg": cfg, "preprocess_cfg": {}}))
    monkeypatch.setattr(models, "_snapshot", lambda spec, cache_dir, local_only: tmp_path)
    monkeypatch.setattr(models, "_instances", {})
    m = clip.clip_match(scene_text.generate(1, 64).image, ["a diagram", "a dog", "a cat", "一只猫 🐱"], "hub").metrics
    assert m["source"] == "hub" and m["model"].startswith("ViT-B-32") and len(m["probabilities"]) == 4
    assert abs(sum(m["probabilities"].values()) - 1) < 1e-3 and "[UNK]" not in m.get("note", "")


@pytest.mark.slow
def test_training_smoke_runs_end_to_end(tmp_path):
    from PIL import Image

    from showcase.language import clip_training

    card = clip_training.train(tmp_path, steps=3, batch=16, n_scenes=64, n_eval=20, log=lambda *a: None)
    assert (tmp_path / clip.WEIGHTS.name).stat().st_size < 10e6
    assert (tmp_path / "tokenizer" / "tokenizer.json").is_file() and card["steps"] == 3
    # the card's zero-shot number is what the saved weights give on the card's held-out scenes, counted here
    from safetensors.torch import load_file

    model, preprocess = clip.build()
    model.load_state_dict(load_file(str(tmp_path / clip.WEIGHTS.name)))
    tok = clip.tokenizer(tmp_path / "tokenizer")
    held = scene_text.dataset(20 // 2, 64, split="zero_shot")
    prompts = [scene_text.pair_prompt(c, k) for c, k in scene_text.ALL_PAIRS]
    loaded = clip.Clip(model.eval(), preprocess, tok, tok.context_length)
    chosen = cosines(loaded, [Image.fromarray(s.image) for s in held], prompts).argmax(1)
    truth = [scene_text.ALL_PAIRS.index((s.shapes[0].colour, s.shapes[0].kind)) for s in held]
    assert card["metrics"]["zero_shot_accuracy_held_out_pairs"] == pytest.approx(np.mean(chosen == truth), abs=1e-9)
    # three steps leave zero-shot at 0 of 10 (chance 1/30), which few mistakes would change: the one-to-one
    # word-order tests sit near 0.5 here (0.5 / 0.4 / 0.3 measured), so a wrong count or wrong weights shows
    images, pairs = clip_eval.two_shape_pairs(20 // 2, 64)
    for test in clip.HARD_TESTS:
        rows = [(im, p[test]) for im, p in zip(images, pairs) if test in p]
        true = np.diag(cosines(loaded, [im for im, _ in rows], [p[0] for _, p in rows]))
        false = np.diag(cosines(loaded, [im for im, _ in rows], [p[1] for _, p in rows]))
        assert card["metrics"][test] == pytest.approx(np.mean(true > false), abs=1e-9), test


@pytest.mark.slow
def test_hard_negative_training_smoke_runs_end_to_end(tmp_path):
    from showcase.language import clip_training

    card = clip_training.train_hard_negatives(tmp_path, steps=3, batch=16, n_scenes=64, n_eval=20, log=lambda *a: None)
    assert (tmp_path / clip.NEG_WEIGHTS.name).stat().st_size < 10e6 and (tmp_path / clip.NEG_CARD.name).is_file()
    assert [p["step"] for p in card["curve"]] == [0, 3] and "--hard-negatives --steps 3" in card["command"]
    assert set(clip.HARD_TESTS) <= set(card["metrics"]) and card["compare"]["aro"]["vg_relation_negclip"] == 0.81
    # a later stage mixes ordinary scenes into each batch and keeps the record of the stage it started from
    later = clip_training.train_hard_negatives(tmp_path / "stage2", steps=2, batch=8, n_scenes=40, n_eval=20, ordinary=8,
                                               lr=1e-4, start_from=tmp_path / clip.NEG_WEIGHTS.name, redrawn=0.5,
                                               either_first=True, log=lambda *a: None)
    assert "--ordinary 8" in later["command"] and later["ordinary_per_batch"] == 8
    assert [s["steps"] for s in later["earlier_stages"]] == [3] and "image_to_text_top1" in later["curve"][-1]
    assert "--redrawn 0.5" in later["command"] and "--either-first" in later["command"]
    assert "redrawn_relation_flip" in later["curve"][-1] and "redrawn_swapped_names" in later["metrics"]


def test_either_first_texts_say_right_of_as_often_as_left_of():
    """The generator names the left shape first, so its true texts never say "to the right of"; the
    fine-tuning texts name either shape first, and each order's false texts are its own words rearranged."""
    from showcase.language import clip_training

    tok = clip.tokenizer()
    rng = np.random.default_rng(0)
    scenes = [s for s in (scene_text.generate(i, 64, split="train", n_shapes=2) for i in range(60))
              if scene_text.hard_negatives(s)]
    decode = lambda ids: tok.tokenizer.decode([i for i in ids.tolist() if i])
    plain = [[decode(order[1][0]) for order in clip_training._scene_texts(s, tok, rng, True)] for s in scenes]
    assert all(len(p) == 2 for p in plain)
    assert not any("right" in left_first for left_first, _ in plain)
    assert sum("right" in right_first for _, right_first in plain) >= len(scenes) // 3


def test_word_order_compare_runs_both_models_and_cites_aro():
    from pages.language import clip as page

    page.ensure_assets()
    image, texts = page.ORDER_EXAMPLES[0]
    m = clip.word_order_compare(image, texts)
    assert set(m["plain"]["probabilities"]) == set(m["negclip"]["probabilities"]) == set(texts.splitlines())
    assert m["negclip"]["best_text"] == texts.splitlines()[0]          # the first example shows the fix working
    assert (m["aro_vg_relation_clip"], m["aro_vg_relation_negclip"]) == (0.59, 0.81)
    note = page.order_summary(m)
    assert "59%" in note and "81%" in note and "困难负样本" in note
    with pytest.raises(InputError, match="at least two texts"):
        clip.word_order_compare(image, "a red circle")
