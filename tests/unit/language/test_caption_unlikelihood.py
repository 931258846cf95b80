"""Unlikelihood targets for the captioner (stage 6): which words name a shape the scene has no more
of, on true captions and the model's own; the stage trains the decoder alone and records itself."""

import json

import numpy as np
import pytest

from showcase.core import scene_text
from showcase.language import caption_unlikelihood as unlikely
from showcase.language import caption_vqa as cv


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(cv.MODEL_DIR)


def pushed_down(tok, text, pairs):
    """(the word the caption says there, the word pushed down) for each negative."""
    colours = dict(zip(tok.convert_tokens_to_ids(list(scene_text.COLOURS)), scene_text.COLOURS))
    kinds = dict(zip(tok.convert_tokens_to_ids(list(scene_text.CLASSES)), scene_text.CLASSES))
    ids = tok(text)["input_ids"]
    return [(tok.convert_ids_to_tokens(ids[t + 1]), tok.convert_ids_to_tokens(w))
            for t, w in unlikely.negatives(ids, pairs, colours, kinds)]


def test_a_shape_named_as_often_as_the_scene_holds_it_is_not_named_again(tok):
    # one orange triangle: once named, "triangle" after "orange" and then "orange" itself are pushed down
    pairs = [("blue", "star"), ("orange", "triangle"), ("orange", "circle")]
    said = "a small blue star, a large orange triangle and a large orange circle from left to right"
    assert pushed_down(tok, said, pairs) == [("orange", "blue"), ("orange", "blue"), ("circle", "triangle")]
    # the model's own repeat: its third "orange triangle" is pushed down at both words
    said = "a small blue star, a large orange triangle and a large orange triangle from left to right"
    assert ("orange", "orange") not in pushed_down(tok, said, pairs)   # a second orange shape is there
    assert pushed_down(tok, said, pairs)[-1] == ("triangle", "triangle")
    said = "a small orange circle, a small blue star and a small orange circle from left to right"
    assert {("orange", "orange"), ("circle", "circle")} <= set(pushed_down(tok, said, [("orange", "circle"),
                                                                                        ("blue", "star")]))


def test_a_genuine_pair_is_said_twice_without_penalty(tok):
    pairs = [("red", "circle"), ("red", "circle")]
    assert pushed_down(tok, "a small red circle to the left of a large red circle", pairs) == []
    assert pushed_down(tok, "a small red circle", [("red", "circle")]) == []


def test_the_mask_marks_each_negative_and_the_loss_reads_only_those(tok):
    import torch

    scenes = [scene_text.generate(seed, 64, n_shapes=3) for seed in range(40)]
    captions = np.zeros((len(scenes), 32), dtype=np.int64)
    for i, ids in enumerate(tok([s.description for s in scenes])["input_ids"]):
        captions[i, :len(ids)] = ids
    negative = unlikely.mask(captions, scenes, tok, scene_text.COLOURS, scene_text.CLASSES)
    assert negative.shape == (40, 31, len(tok)) and negative.any()
    logits = torch.zeros(40, 31, len(tok), requires_grad=True)
    unlikely.loss(logits, torch.from_numpy(negative), 100).backward()
    pushed = logits.grad > 0    # d(-log(1 - p))/d(logit of a negative word) = p > 0 there
    assert (pushed == torch.from_numpy(negative)).all()


@pytest.mark.slow
def test_stage_six_trains_the_decoder_alone_and_keeps_stage_four_in_the_card(tmp_path):
    from safetensors.torch import load_file

    from showcase.language import caption_stage

    card = caption_stage.train(out=tmp_path / "model", n_scenes=24, steps=2, batch=6, n_probe=6, n_test=10,
                               stage=6, unlikelihood=1.0, hand="wide", log=lambda *a: None)
    before, after = load_file(str(cv.MODEL_DIR / "model.safetensors")), load_file(str(tmp_path / "model" / "model.safetensors"))
    moved = {k for k in before if not (before[k] == after[k]).all()}
    assert moved and all(k.startswith(("decoder.", "out_norm.", "cell_position", "text_position")) for k in moved), moved
    bundled = json.loads(cv.CARD.read_text())
    assert card["stage4_metrics"] == bundled["metrics"] and card["stage4"] == bundled["stage4"]
    assert card["command"].startswith(bundled["command"] + " && ")
    assert card["command"].endswith("caption_stage --stage 6 --unlikelihood 1 --steps 2 --seed 0 --lr 0.0005 --redrawn 0.4")
    assert card["stage6"]["unlikelihood"] == 1.0 and card["stage6"]["negative_words"] > 0
    assert [p["step"] for p in card["stage6"]["curve"]] == [0, 2]


def test_own_captions_are_the_models_greedy_captions_with_their_negatives(tok):
    import torch

    loaded = cv._load_bundled(cv.MODEL_DIR)
    scenes = [scene_text.generate(seed, cv.IMAGE_SIZE, split="test", n_shapes=3) for seed in range(6)]
    with torch.no_grad():
        cells, _ = loaded.net.encoder(cv.normalise(cv.to_tensor([s.image for s in scenes])))
    ids, negative = unlikely.own(loaded.net, loaded.net.memory(cells), scenes, tok, scene_text.COLOURS,
                                 scene_text.CLASSES, 32)
    said = [cv.clean(tok.decode(row, skip_special_tokens=True)) for row in ids.tolist()]
    assert said == cv.generate_captions(loaded, [s.image for s in scenes], grounded=False)   # the decoder's own
    assert (ids[:, 0] == tok.bos_token_id).all() and negative.shape == (6, 31, len(tok))
    assert (negative.numpy() == unlikely.mask(ids.numpy(), scenes, tok, scene_text.COLOURS, scene_text.CLASSES)).all()
