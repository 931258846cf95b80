"""The multimodal scenes: exact texts, held-out pairs, word-order pairs, the word-level tokenizer."""

import numpy as np
import pytest

from showcase.core import scene_text as st


@pytest.fixture(scope="module")
def scenes():
    return st.dataset(300, 64, split="train")


def test_same_seed_same_scene_and_size_is_only_resolution():
    a, b = st.generate(5, 64), st.generate(5, 64)
    assert np.array_equal(a.image, b.image) and a.description == b.description and a.qa == b.qa
    big = st.generate(5, 224)
    assert big.image.shape == (224, 224, 3) and big.description == a.description
    assert not np.array_equal(st.generate(5, 64, split="train").image, st.generate(5, 64, split="val").image)


def test_held_out_pairs_never_drawn_in_training(scenes):
    drawn = {(s.colour, s.kind) for scene in scenes for s in scene.shapes}
    assert not drawn & set(st.HELD_OUT)
    assert len(drawn) == len(st.TRAIN_PAIRS)  # and every other pair is
    held = st.dataset(30, 64, split="zero_shot")
    assert all(len(s.shapes) == 1 and (s.shapes[0].colour, s.shapes[0].kind) in st.HELD_OUT for s in held)


def test_description_names_every_shape_left_to_right(scenes):
    for scene in scenes:
        xs = [s.x for s in scene.shapes]
        assert xs == sorted(xs)
        assert all(s.words in scene.description for s in scene.shapes)
        if len({s.words for s in scene.shapes}) == len(scene.shapes):
            positions = [scene.description.index(s.words) for s in scene.shapes]
            assert positions == sorted(positions)
        assert len(scene.paraphrases) == 3 and scene.description not in scene.paraphrases


def test_answers_are_true_of_the_shapes(scenes):
    seen_types = set()
    for scene in scenes:
        kinds = [s.kind for s in scene.shapes]
        for kind, question, answer in scene.qa:
            seen_types.add(kind)
            if kind == "counting":
                asked = next(k for k in st.CLASSES if f"many {st.plural(k)}" in question)
                assert answer == st.NUMBERS[kinds.count(asked)]
            elif kind == "colour":
                asked = question.split("the ")[1].rstrip("?")
                assert answer == next(s.colour for s in scene.shapes if s.kind == asked)
            elif kind == "existence":
                colour, shape = question.rstrip("?").split()[-2:]
                assert (answer == "yes") == any((s.colour, s.kind) == (colour, shape) for s in scene.shapes)
            elif kind == "position":
                words = question.rstrip("?").split()
                a, b = (next(s for s in scene.shapes if s.kind == w) for w in (words[2], words[-1]))
                truth = a.x < b.x if "left" in question else a.y < b.y
                assert (answer == "yes") == truth
    assert seen_types == set(st.QUESTION_TYPES)


def test_word_order_pairs_have_the_same_words_and_another_meaning(scenes):
    pairs = [s.word_order for s in scenes if s.word_order]
    assert len(pairs) > 30
    for true, swapped in pairs:
        assert true != swapped and sorted(true.replace("an ", "a ").split()) == sorted(swapped.replace("an ", "a ").split())


def test_tokenizer_words_specials_and_unknowns(tmp_path):
    from transformers import AutoTokenizer

    st.train_tokenizer(tmp_path, context_length=24)
    tok = AutoTokenizer.from_pretrained(tmp_path)
    for scene in st.dataset(50, 64, split="test"):
        for text in [scene.description, *scene.paraphrases, *(q for _, q, _ in scene.qa)]:
            ids = tok(text)["input_ids"]
            assert tok.unk_token_id not in ids, text
            assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    ids = tok("一个红色的圆 🙂 red")["input_ids"]
    assert ids.count(tok.unk_token_id) == 2 and tok.convert_tokens_to_ids("red") in ids


def test_png_tag_gives_back_the_texts(tmp_path):
    from PIL import Image

    scene = st.generate(11, 96)
    path = st.save_png(scene, tmp_path / "s.png")
    with Image.open(path) as im:
        found = st.truth_for(np.asarray(im.convert("RGB")), im.info)
    assert found is not None and found.description == scene.description
    with Image.open(path) as im:
        changed = np.asarray(im.convert("RGB")).copy()
        changed[0, 0] ^= 1
        assert st.truth_for(changed, im.info) is None


def test_varied_scenes_are_their_own_stream_and_keep_the_rules():
    tidy, varied = st.generate(5, 64, split="val"), st.generate(5, 64, split="val", varied=True)
    assert np.array_equal(tidy.image, st.generate(5, 64, split="val").image)     # tidy scenes stay what they were
    assert np.array_equal(varied.image, st.generate(5, 64, split="val", varied=True).image)
    assert not np.array_equal(tidy.image, varied.image)
    scenes = st.dataset(200, 32, split="train_all", varied=True)
    scales = [s.scale for scene in scenes for s in scene.shapes]
    assert 0.7 <= min(scales) and max(scales) <= 1.25 and np.std(scales) > 0.1
    assert {(s.colour, s.kind) for scene in scenes for s in scene.shapes} & set(st.HELD_OUT)   # train_all: every pair
    backgrounds = [scene.image[:2, :2].reshape(-1, 3).mean(0) for scene in scenes]
    assert np.std(backgrounds, axis=0).mean() > 5                                           # not one grey


def test_hard_negatives_rearrange_the_words_into_false_texts():
    scenes = [s for s in st.dataset(200, 32, split="val") if st.hard_negatives(s)]
    assert len(scenes) > 20
    for scene in scenes:
        pairs = st.hard_negatives(scene)
        a, b = scene.shapes
        true = pairs["relation_flip"][0]
        assert true == scene.paraphrases[1] and pairs["colour_swap"] == scene.word_order
        assert pairs["swapped_names"][1].startswith(("a " + b.colour, "an " + b.colour))
        assert st._relation(a, b) in true and st._relation(a, b) not in pairs["relation_flip"][1]
    rng = np.random.default_rng(0)
    for scene in st.dataset(60, 32, split="train"):
        for false in st.negatives(scene, rng):
            assert false != scene.description and false not in scene.paraphrases
