"""Captioning and VQA: the bundled model reaches its card, the metrics, bad questions, the BLIP path."""

import json

import pytest

from showcase.core import models, scene_text
from showcase.core.errors import InputError
from showcase.language import caption_vqa as cv



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


def test_sequences_put_the_loss_on_the_answer_only(tmp_path):
    from transformers import AutoTokenizer

    scene_text.train_tokenizer(tmp_path, extra=cv.TASKS)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    ids, given = cv.sequence(tok, "[VQA]", "how many circles are there?", "two")
    assert tok.convert_ids_to_tokens(ids[given:]) == ["two", "[EOS]"]
    ids, given = cv.sequence(tok, "[CAP]", "a red circle")
    assert given == 2 and tok.convert_ids_to_tokens(ids) == ["[SOS]", "[CAP]", "a", "red", "circle", "[EOS]"]


@pytest.mark.parametrize("question, match", [("", "empty"), ("   ", "empty"), ("why " * 100, "limit is 200")])
def test_bad_questions_are_refused(question, match):
    with pytest.raises(InputError, match=match):
        cv.check_question(question)


@pytest.mark.slow
def test_bundled_model_reaches_its_card_on_held_out_scenes():
    card = json.loads(cv.CARD.read_text())["metrics"]
    loaded, _, source = cv.get("bundled", "caption")
    train = scene_text.dataset(2000, cv.IMAGE_SIZE, split="train")
    now = cv.evaluate(loaded, scene_text.dataset(card["n_scenes"], cv.IMAGE_SIZE, split="val"), cv.blind_baseline(train))
    assert source == "bundled"
    for key in ("bleu4_greedy", "cider_greedy", "vqa_overall"):
        assert now[key] >= card[key] - 0.02, key
    assert now["vqa_overall"] > now["blind_overall"]          # it looks at the image


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

    card = caption_vqa_training.train(tmp_path, n_scenes=60, n_test=10, epochs=1, batch=8, max_steps=3,
                                      log=lambda *a: None)
    assert (tmp_path / "model.safetensors").stat().st_size < 10e6 and (tmp_path / "model_card.json").is_file()
    assert {"bleu4_greedy", "cider_beam", "vqa_counting", "blind_counting"} <= set(card["metrics"])


@pytest.mark.parametrize("question, kind", [
    ("how many squares are there?", "counting"), ("What colour is the star", "colour"),
    ("is the circle left of the cross?", "position"), ("is the star above the square?", "position"),
    ("is there a purple circle?", "existence"), ("这是什么颜色?", None), ("is the sky blue?", None)])
def test_question_type_by_form(question, kind):
    assert cv.question_type(question) == kind


def test_an_answer_says_how_its_type_does_against_the_blind_guess(scene_png):
    card = json.loads(cv.CARD.read_text())["metrics"]
    a = cv.vqa(str(scene_png), "is the circle left of the square?")
    assert a["question_type"] == "position"
    assert (a["held_out_accuracy"], a["blind_accuracy"]) == (card["vqa_position"], card["blind_position"])
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
