"""Captioning and VQA: the bundled model reaches its card and the issue's targets on held-out scenes
and on scenes drawn by the test's own code; the metrics, bad questions, the BLIP path."""

import json

import numpy as np
import pytest

from showcase.core import models, scene_text
from showcase.core.errors import InputError
from showcase.language import caption_vqa as cv
from tests.unit.language import drawn_scenes

N_DRAWN = 240          # scenes drawn by the test's own code: 80 each of one, two and three shapes
VQA_TARGET, ABOVE_BLIND = 0.90, 0.25
CAPTION_TARGET = {1: 0.95, 2: 0.85}


@pytest.fixture(scope="module")
def card():
    return json.loads(cv.CARD.read_text())


@pytest.fixture(scope="module")
def bundled():
    loaded, _, source = cv.get("bundled", "caption")
    assert source == "bundled"
    return loaded


@pytest.fixture(scope="module")
def blind():
    """The blind baseline as the card computes it: from the questions of 4,000 training scenes."""
    return cv.blind_baseline(scene_text.dataset(4000, 16, split="train_all"))


@pytest.fixture(scope="module")
def held_out(bundled, blind, card):
    """The card's held-out set, re-measured: its size is stated in the card."""
    scenes = scene_text.dataset(card["metrics"]["n_scenes"], cv.IMAGE_SIZE, split="test")
    return cv.evaluate(bundled, scenes, blind)


@pytest.fixture(scope="module")
def drawn():
    rng = np.random.default_rng(2027)
    return [drawn_scenes.draw(rng, 1 + i % 3) for i in range(N_DRAWN)]



@pytest.fixture(scope="module")
def scene_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenes") / "scene.png"
    return scene_text.save_png(cv.scene(8), path)


def test_caption_scores_come_from_pycocoevalcap():
    scenes = scene_text.dataset(30, 32, split="val")
    refs = [s.paraphrases for s in scenes]
    exact = cv.caption_scores([s.description for s in scenes], refs)
    shuffled = cv.caption_scores([s.description for s in scenes[1:] + scenes[:1]], refs)
    assert 0.3 < exact["bleu4"] <= 1 and exact["cider"] > 2 * shuffled["cider"] and exact["bleu4"] > shuffled["bleu4"]
    same = cv.caption_scores(scenes[0].paraphrases[:1] * 2, [scenes[0].paraphrases[:1]] * 2)
    assert same["bleu4"] > 0.99


def test_blind_baseline_answers_from_the_question_alone():
    train = scene_text.dataset(400, 32, split="train")
    blind = cv.blind_baseline(train)
    test = scene_text.dataset(100, 32, split="val")
    answers = [blind["by_question"].get(q, blind["by_type"][k]) for s in test for k, q, _ in s.qa]
    m = cv.vqa_accuracy(answers, test, blind)
    assert m["vqa_overall"] == m["blind_overall"] and 0.3 < m["blind_overall"] < 0.8
    assert abs(m["blind_position"] - 0.5) < 0.25  # yes/no from the question alone: about a coin toss


def test_exact_names_count_what_a_caption_names():
    truth = [("red", "circle"), ("blue", "square")]
    assert cv.named_shapes("a small red circle to the left of a large blue square") == truth
    assert cv.names_right("a large blue square to the right of a small red circle", truth)
    assert not cv.names_right("a small red square to the left of a large blue square", truth)   # BLEU likes it
    assert not cv.names_right("a small red circle", truth)                                        # one missing
    assert cv.invents("a small red circle and a small red circle and a blue square", truth)
    assert not cv.invents("a small red circle", truth)
    assert cv.named_shapes("two squares") == [(None, "square")]


@pytest.mark.parametrize("question, match", [("", "empty"), ("   ", "empty"), ("why " * 100, "limit is 200")])
def test_bad_questions_are_refused(question, match):
    with pytest.raises(InputError, match=match):
        cv.check_question(question)


def test_bundled_model_reaches_its_card_on_held_out_scenes(held_out, card):
    """Every number the card (and so the page) shows, re-measured on the same held-out scenes."""
    for key, value in card["metrics"].items():
        if isinstance(value, float) and key.startswith("blind_"):
            # the blind baseline (shown beside every answer) is a lookup table of seeded training scenes'
            # answers, applied to the same seeded 400 held-out scenes: nothing is sampled, so it repeats
            # to the card's 4 decimals, while one answer more or less among the 159 position questions
            # (the smallest type) moves it 0.006
            assert held_out[key] == pytest.approx(value, abs=5e-5), key
        elif isinstance(value, float):
            assert held_out[key] >= value - 0.02 if not key.startswith("invented") else held_out[key] <= value + 0.02, key


def test_vqa_every_type_reaches_the_target_on_held_out_scenes(held_out):
    for kind in scene_text.QUESTION_TYPES:
        assert held_out[f"vqa_{kind}"] >= VQA_TARGET, kind
        assert held_out[f"vqa_{kind}"] >= held_out[f"blind_{kind}"] + ABOVE_BLIND, kind


def test_captions_name_every_shape_on_held_out_scenes(held_out):
    for decoding in ("greedy", "beam"):
        for n, target in CAPTION_TARGET.items():
            assert held_out[f"names_exact_{n}_{decoding}"] >= target, (n, decoding)
        # the "no invented shapes": 0 of 400 with grounded decoding (2 after stage 4 without, 10 after stage 3)
        assert held_out[f"invented_{decoding}"] == 0.0, decoding


def test_vqa_on_scenes_drawn_by_other_code(bundled, blind, drawn, card):
    """The issue's targets, and the card's numbers for these scenes to within one answer in 200."""
    rng = np.random.default_rng(7)
    rows = [(scene.image, kind, q, a) for scene in drawn for kind, q, a in drawn_scenes.questions(scene, rng)]
    answers = [a for a, _ in cv.answer_questions(bundled, [r[0] for r in rows], [r[2] for r in rows])]
    for kind in scene_text.QUESTION_TYPES:
        idx = [i for i, r in enumerate(rows) if r[1] == kind]
        accuracy = np.mean([answers[i] == rows[i][3] for i in idx])
        guess = np.mean([blind["by_question"].get(rows[i][2], blind["by_type"][kind]) == rows[i][3] for i in idx])
        assert len(idx) >= 100 and accuracy >= VQA_TARGET and accuracy >= guess + ABOVE_BLIND, (kind, accuracy, guess)
        claim, n = card["drawn_by_other_code"]["vqa"][kind]
        assert len(idx) == n and accuracy >= claim - 0.005, (kind, accuracy, claim)


@pytest.mark.parametrize("beams", [1, cv.BEAMS])
def test_captions_on_scenes_drawn_by_other_code(bundled, drawn, beams, card):
    """The issue's targets and the card's own numbers for these 240 scenes, each to within one scene of 240."""
    claim = card["drawn_by_other_code"]
    decoding = "greedy" if beams == 1 else "beam"
    captions = cv.generate_captions(bundled, [s.image for s in drawn], num_beams=beams)
    for n in (1, 2, 3):
        rows = [(c, s.pairs) for c, s in zip(captions, drawn) if len(s.shapes) == n]
        right = np.mean([cv.names_right(c, t) for c, t in rows])
        assert right >= CAPTION_TARGET.get(n, 0) and right >= claim[f"names_exact_{decoding}"][str(n)][0] - 0.004, n
    # the "no invented shapes": none with grounded decoding (4 of 240 after stage 4 without, 23 after stage 3)
    invented = np.mean([cv.invents(c, s.pairs) for c, s in zip(captions, drawn)])
    assert invented == claim["invented"][decoding] == 0.0, invented


def test_caption_and_vqa_on_a_generated_scene(scene_png):
    m = cv.caption(str(scene_png))
    assert m["caption"] and m["caption_beam"] and m["truth"] == cv.scene(8).description and m["source"] == "bundled"
    a = cv.vqa(str(scene_png), "what colour is the circle")
    assert a["question"].endswith("?") and 0 < a["probability"] <= 1 and a["truth"] == "red"
    odd = cv.vqa(str(scene_png), "这是什么颜色? 🙂")
    assert "[UNK]" in odd["note"] and odd["answer"]


def test_hub_models_offline_say_they_need_the_hub(monkeypatch):
    monkeypatch.setattr(models, "hub_reachable", lambda *a, **k: False)
    monkeypatch.setattr(models, "_snapshot", lambda spec, cache_dir, local_only: None)
    monkeypatch.setattr(models, "_instances", {})
    with pytest.raises(models.ModelUnavailable, match="hub"):
        cv.caption(cv.scene(1, 64).image, "hub")


@pytest.mark.slow
def test_blip_code_path_with_tiny_random_models(monkeypatch, tmp_path):
    """BLIP captioning and VQA from tiny random configs saved the way the hub repos store them."""
    from transformers import (BertTokenizerFast, BlipConfig, BlipForConditionalGeneration, BlipForQuestionAnswering,
                              BlipImageProcessor, BlipProcessor)

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", "a", "red", "circle",
                                "what", "colour", "is", "the", "?"]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), bos_token="[DEC]")
    processor = BlipProcessor(BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer)
    config = BlipConfig(
        text_config={"vocab_size": 14, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                     "intermediate_size": 32, "encoder_hidden_size": 16, "bos_token_id": 5, "sep_token_id": 3,
                     "pad_token_id": 0},
        vision_config={"image_size": 32, "patch_size": 16, "hidden_size": 16, "num_hidden_layers": 1,
                       "num_attention_heads": 2, "intermediate_size": 32})
    for name, cls in (("caption", BlipForConditionalGeneration), ("vqa", BlipForQuestionAnswering)):
        cls(config).save_pretrained(tmp_path / name)
        processor.save_pretrained(tmp_path / name)
    monkeypatch.setattr(models, "_snapshot",
                        lambda spec, cache_dir, local_only: tmp_path / ("vqa" if "vqa" in spec.hub_repo else "caption"))
    monkeypatch.setattr(models, "_instances", {})
    image = cv.scene(1, 64).image
    m = cv.caption(image, "hub", num_beams=2)
    assert m["source"] == "hub" and m["model"].startswith("BLIP") and isinstance(m["caption_beam"], str)
    a = cv.vqa(image, "what colour is the circle?", "hub")
    assert a["source"] == "hub" and 0 <= a["probability"] <= 1


@pytest.mark.slow
def test_training_smoke_runs_end_to_end(tmp_path):
    from showcase.language import caption_vqa_training

    card = caption_vqa_training.train(tmp_path, n_scenes=60, n_test=10, steps=3, batch=8, n_curve=6, eval_every=2,
                                      log=lambda *a: None)
    assert (tmp_path / "model.safetensors").stat().st_size < 10e6 and (tmp_path / "model_card.json").is_file()
    assert {"bleu4_greedy", "cider_beam", "names_exact_1_beam", "vqa_counting", "blind_counting"} <= set(card["metrics"])
    assert [p["step"] for p in card["curve"]] == [2, 3] and "--steps 3 --seed 0" in card["command"]
    card = caption_vqa_training.train_relation_head(tmp_path, n_scenes=20, steps=3, batch=8, n_test=10, n_curve=6,
                                                    log=lambda *a: None)
    assert json.loads((tmp_path / "config.json").read_text())["relation_head"] and "--relation-stage" in card["command"]
    assert {"vqa_counting", "vqa_position"} <= set(card["stage1_film_metrics"]) and card["stage2"]["curve"]


def test_bundled_weights_are_small():
    assert all(f.stat().st_size < 10e6 for f in cv.MODEL_DIR.iterdir())


@pytest.mark.parametrize("question, kind", [
    ("how many squares are there?", "counting"), ("What colour is the star", "colour"),
    ("is the circle left of the cross?", "position"), ("is the star above the square?", "position"),
    ("is there a purple circle?", "existence"), ("这是什么颜色?", None), ("is the sky blue?", None)])
def test_question_type_by_form(question, kind):
    assert cv.question_type(question) == kind


def test_an_answer_says_how_its_type_does_against_the_blind_guess(scene_png, card):
    a = cv.vqa(str(scene_png), "is the circle left of the square?")
    assert a["question_type"] == "position"
    assert (a["held_out_accuracy"], a["blind_accuracy"]) == (card["metrics"]["vqa_position"], card["metrics"]["blind_position"])
    assert (a["anchor_relation_network_sort_of_clevr_relational"], a["anchor_film_clevr"]) == (0.94, 0.977)
    assert "held_out_accuracy" not in cv.vqa(str(scene_png), "这是什么颜色?")   # no type, no claim


def test_the_page_warns_where_the_model_is_no_better_than_a_blind_guess():
    from pages.language import caption_vqa as page

    guess = page.answer_note({"answer": "yes", "probability": 0.5, "question_type": "position",
                              "held_out_accuracy": 0.42, "blind_accuracy": 0.55})
    assert "⚠️" in guess and "no better than a blind guess" in guess and "位置" in guess
    good = page.answer_note({"answer": "red", "probability": 0.9, "question_type": "colour",
                             "held_out_accuracy": 0.70, "blind_accuracy": 0.20})
    assert "⚠️" not in good and "**70%**" in good and "20%" in good


def test_the_exact_answer_to_an_existence_question_without_a_colour(scene_png):
    kinds = {s.kind for s in cv.scene(8).shapes}
    present, absent = sorted(kinds)[0], sorted(set(scene_text.CLASSES) - kinds)[0]
    assert cv._answer_from_shapes(cv.scene(8), f"is there a {present}?") == "yes"
    assert cv._answer_from_shapes(cv.scene(8), f"is there a {absent}?") == "no"


@pytest.mark.slow
def test_caption_stage_trains_the_decoder_alone(tmp_path):
    """Stage 3 moves the caption decoder and nothing the VQA answers read (encoder, word embeddings, heads)."""
    from safetensors.torch import load_file

    from showcase.language import caption_stage

    card = caption_stage.train(out=tmp_path / "model", n_scenes=24, steps=2, batch=6, n_probe=6, n_test=10,
                               log=lambda *a: None)
    before, after = load_file(str(cv.MODEL_DIR / "model.safetensors")), load_file(str(tmp_path / "model" / "model.safetensors"))
    moved = {k for k in before if not (before[k] == after[k]).all()}
    assert moved and all(k.startswith(("decoder.", "out_norm.", "cell_position", "text_position")) for k in moved), moved
    assert [p["step"] for p in card["stage3"]["curve"]] == [0, 2] and "caption_stage --steps 2" in card["command"]
    assert {"redrawn_names_exact", "redrawn_invented"} <= set(card["stage3"]["curve"][-1])


def test_hard_scenes_are_small_stars_and_crosses_or_one_colour_twice():
    from types import SimpleNamespace

    from showcase.language.caption_stage import hard

    def scene(*shapes):
        return SimpleNamespace(shapes=[scene_text.Shape(c, k, size, 0.5, 0.5, 0.0) for size, c, k in shapes])

    assert hard(scene(("small", "red", "star"))) and hard(scene(("small", "red", "cross")))
    assert hard(scene(("large", "red", "circle"), ("large", "red", "square")))
    assert not hard(scene(("large", "red", "star"), ("small", "blue", "circle"), ("small", "green", "square")))


@pytest.mark.slow
@pytest.mark.parametrize("stage, focus, tail", [(None, 0.0, "--encoder --steps 2 --seed 0 --lr 0.0005 --redrawn 0.4"),
                                                (5, 3.0, "--encoder --stage 5 --focus 3 --steps 2 --seed 0 --lr 0.0005 "
                                                         "--redrawn 0.4")])
def test_caption_stage_four_trains_the_encoder_and_fits_vqa_again(tmp_path, stage, focus, tail):
    """Stage 4 (and stage 5, stage 4 again from its weights drawing hard scenes more often) moves the encoder with
    the decoder, then stage 2's question reader and Relation Network on the new slots; the word embeddings and the
    old FiLM head stay; the card keeps the stage before's numbers and command."""
    from safetensors.torch import load_file

    from showcase.language import caption_stage

    card = caption_stage.train(out=tmp_path / "model", n_scenes=24, steps=2, batch=6, n_probe=6, n_test=10,
                               encoder=True, hand="wide", relation={"n_scenes": 20, "steps": 3, "batch": 8, "n_curve": 6},
                               stage=stage, focus=focus, log=lambda *a: None)
    before, after = load_file(str(cv.MODEL_DIR / "model.safetensors")), load_file(str(tmp_path / "model" / "model.safetensors"))
    moved = {k.split(".")[0] for k in before if not (before[k] == after[k]).all()}
    assert {"encoder", "decoder", "question", "relation"} <= moved <= {
        "encoder", "decoder", "out_norm", "cell_position", "text_position", "question", "relation"}, moved
    n = stage or 4
    assert card[f"stage{n - 1}_metrics"] == json.loads(cv.CARD.read_text())["metrics"] and card[f"stage{n}"]["relation_rerun"]["curve"]
    assert "caption_stage --steps" in card["command"] and card["command"].endswith("caption_stage " + tail)
    assert card[f"stage{n}"].get("focus", 0.0) == focus and (stage is None or 0 < card["stage5"]["hard_share"] < 1)


def test_grounded_captions_name_nothing_beyond_what_the_encoder_found(bundled, drawn):
    """The exact check beside the rates: on every drawn scene, each (colour, kind) a greedy caption names is
    among the encoder's objects, at most as often (beam search walks the same rule: its rates are checked
    above); and free decoding, the comparison, does invent here."""
    from collections import Counter

    from showcase.language import caption_grounded

    images = [s.image for s in drawn]
    found = cv.found_objects(bundled, images)
    for caption, objects in zip(cv.generate_captions(bundled, images), found):
        named = Counter(cv.named_shapes(caption))
        assert not named - objects if objects else True, (caption, objects)
    free = cv.generate_captions(bundled, images, grounded=False)
    assert sum(bool(Counter(cv.named_shapes(c)) - o) for c, o in zip(free, found) if o) >= 2
    assert caption_grounded.CENTRE_P == 0.5
