"""``caption_grounded``: the encoder's objects, and the rule that lets a caption name only them."""

from collections import Counter

import pytest
import torch

from showcase.core import scene_text
from showcase.language import caption_grounded as cg
from showcase.language import caption_vqa as cv


@pytest.fixture(scope="module")
def tokenizer():
    loaded, _, _ = cv.get("bundled", "caption")
    return loaded.tokenizer


def aux_with(cells: dict[tuple[int, int], tuple[float, str, str]]) -> torch.Tensor:
    """An encoder's per-cell guesses: ``cells`` (y, x) -> (centre probability, colour, kind); elsewhere none."""
    colours, kinds = list(scene_text.COLOURS), list(scene_text.CLASSES)
    aux = torch.full((1, 1 + len(colours) + len(kinds), 8, 8), -10.0)
    for (y, x), (p, colour, kind) in cells.items():
        aux[0, 0, y, x] = torch.logit(torch.tensor(p))
        aux[0, 1 + colours.index(colour), y, x] = 5.0
        aux[0, 1 + len(colours) + kinds.index(kind), y, x] = 5.0
    return aux


def test_one_shape_lighting_two_cells_is_one_object_and_two_apart_are_two():
    found = cg.objects(aux_with({(2, 2): (0.99, "red", "circle"), (2, 3): (0.8, "red", "circle"),
                                 (6, 6): (0.9, "red", "circle"), (4, 4): (0.3, "blue", "star")}))
    assert found == [Counter({("red", "circle"): 2})]


def test_neighbouring_cells_of_one_colour_are_one_shape_read_by_the_likelier_and_two_colours_are_two():
    found = cg.objects(aux_with({(2, 2): (0.99, "purple", "star"), (3, 3): (0.9, "purple", "cross")}))
    assert found == [Counter({("purple", "star"): 1})]
    found = cg.objects(aux_with({(2, 2): (0.99, "red", "circle"), (3, 3): (0.9, "blue", "star")}))
    assert found == [Counter({("red", "circle"): 1, ("blue", "star"): 1})]


def ids(tokenizer, text: str) -> list[int]:
    return tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))


def allowed_words(tokenizer, prefix: str, budget: Counter) -> set[str]:
    ok = cg.allowed_next(ids(tokenizer, prefix), budget, cg.Words.of(tokenizer))
    return {tokenizer.convert_ids_to_tokens(i) for i in torch.nonzero(ok).flatten().tolist()}


def test_a_pair_named_as_often_as_found_is_not_named_again(tokenizer):
    budget = Counter({("orange", "triangle"): 1, ("purple", "star"): 1, ("purple", "triangle"): 1})
    after_colour = allowed_words(tokenizer, "a small purple triangle, a small orange triangle and a small purple", budget)
    assert after_colour == {"star"}
    colours = allowed_words(tokenizer, "a small purple triangle, a small orange triangle and a small", budget)
    assert colours & set(scene_text.COLOURS) == {"purple"} and not colours & set(scene_text.CLASSES)


@pytest.mark.parametrize("found, after_first", [(1, {"[EOS]"}), (3, {","})])
def test_the_sentence_form_follows_the_count(tokenizer, found, after_first):
    budget = Counter([("red", "circle"), ("blue", "star"), ("green", "cross")][:found])
    assert allowed_words(tokenizer, "a small red circle", budget) == after_first


def test_two_objects_take_a_relation_and_end_after_the_second(tokenizer):
    budget = Counter({("red", "circle"): 1, ("blue", "star"): 1})
    nexts = allowed_words(tokenizer, "a small red circle", budget)
    assert {"to", "above", "below"} <= nexts and not nexts & {",", "and", "[EOS]"}
    assert allowed_words(tokenizer, "a small red circle above a large blue star", budget) == {"[EOS]"}
    three = Counter({("red", "circle"): 1, ("blue", "star"): 1, ("green", "cross"): 1})
    assert allowed_words(tokenizer, "a small red circle, a small blue star and a small green cross", three) == {"from"}
    assert allowed_words(tokenizer, "a small red circle to the", budget) == {"left", "right"}


def test_nothing_found_leaves_decoding_free(tokenizer):
    assert len(allowed_words(tokenizer, "a small", Counter())) == len(tokenizer)
