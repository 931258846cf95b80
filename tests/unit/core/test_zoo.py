import json

import numpy as np
import pytest
import torch

from showcase.core.errors import InputError
from showcase.core import datasets, zoo


@pytest.mark.parametrize("name, low, high", [("teacher", 500_000, 1_000_000), ("student", 50_000, 100_000)])
def test_architectures(name, low, high):
    model = zoo.build(name).eval()
    assert low <= zoo.count_params(model) <= high
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_student_uses_depthwise_separable_convolutions():
    convs = [m for m in zoo.build("student").modules() if isinstance(m, torch.nn.Conv2d)]
    assert any(c.groups == c.in_channels > 1 for c in convs)        # depthwise
    assert any(c.kernel_size == (1, 1) for c in convs)              # pointwise


def test_bad_names_and_sizes():
    with pytest.raises(InputError, match="model must be one of"):
        zoo.build("vgg")
    with pytest.raises(InputError, match="model must be one of"):
        zoo.load_model("vgg")
    with pytest.raises(InputError, match="n must be between"):
        zoo.evaluate(zoo.build("student"), 0)


def test_training_smoke_run_writes_weights_and_card(tmp_path):
    card = zoo.train("student", max_steps=3, eval_images=500, folder=tmp_path, log=lambda *_: None)
    assert card["recipe"]["steps"] == 3 and card["test_n"] == 500
    saved = json.loads(zoo.card_path("student", tmp_path).read_text())
    assert saved["command"] == "python -m showcase.core.zoo train --model student" and saved["seed"] == 0
    model = zoo.load_weights(zoo.build("student"), zoo.weights_path("student", tmp_path))
    assert zoo.evaluate(model, 500)["errors"] == card["test_errors"]


def test_build_and_fit_are_deterministic_for_a_seed():
    data = datasets.load_fashion_mnist()
    runs = []
    for _ in range(2):
        torch.rand(3)                                   # whatever the global generator did before
        model = zoo.build("student")
        runs.append(zoo.fit(model, data.x_train[:512], data.y_train[:512], batch_size=64, max_steps=4))
    assert runs[0] == runs[1]
    assert not torch.equal(zoo.build("student", seed=1).head.weight, zoo.build("student").head.weight)


@pytest.mark.parametrize("name", zoo.MODELS)
def test_bundled_weights_are_small_and_documented(name):
    card = zoo.model_card(name)
    assert zoo.weights_path(name).stat().st_size < 10 * 2**20
    for key in ("data", "seed", "command", "training_seconds", "test_accuracy", "test_errors"):
        assert key in card
    assert card["test_n"] == 10000 and card["threads"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", zoo.MODELS)
def test_bundled_weights_reach_their_card(name):
    card = zoo.model_card(name)
    measured = zoo.evaluate(zoo.load_model(name))
    assert abs(measured["errors"] - card["test_errors"]) <= 5      # float rounding may flip a few borderline images
    assert measured["accuracy"] > 0.8


def test_teacher_beats_student_on_the_cards():
    assert zoo.model_card("teacher")["test_accuracy"] > zoo.model_card("student")["test_accuracy"]


@pytest.mark.parametrize("steps", [1, 2, 3, 5, 9])
def test_very_short_runs_have_a_valid_schedule(steps):
    data = datasets.load_fashion_mnist()
    losses = zoo.fit(zoo.build("student"), data.x_train[:256], data.y_train[:256], epochs=2, batch_size=32,
                     max_steps=steps)
    assert len(losses) == steps and all(np.isfinite(losses))
