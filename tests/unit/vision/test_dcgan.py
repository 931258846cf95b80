import json

import numpy as np
import pytest
import torch

from showcase.core.errors import InputError
from showcase.vision import dcgan



def test_shapes_and_ranges():
    g, d = dcgan.Generator(), dcgan.Discriminator()
    g.apply(dcgan.init_weights)
    with torch.no_grad():
        x = g(dcgan.latents(0, 4))
        assert x.shape == (4, 1, 32, 32) and -1 <= x.min() and x.max() <= 1
        assert d(x).shape == (4,)
        assert dcgan.DigitClassifier()(x).shape == (4, 10)
    # the paper's recipe: no pooling, strided convolutions, batch norm, ReLU in G, LeakyReLU in D
    kinds = {type(m).__name__ for m in g.modules()} | {type(m).__name__ for m in d.modules()}
    assert {"ConvTranspose2d", "BatchNorm2d", "ReLU", "LeakyReLU", "Tanh"} <= kinds and "MaxPool2d" not in kinds
    strides = [m.stride for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert strides[:3] == [(2, 2)] * 3


def test_latents_are_deterministic_and_slerp_hits_the_ends():
    assert torch.equal(dcgan.latents(7, 3), dcgan.latents(7, 3))
    a, b = dcgan.latents(0, 1)[0], dcgan.latents(1, 1)[0]
    assert torch.allclose(dcgan.slerp(a, b, 0.0), a, atol=1e-5) and torch.allclose(dcgan.slerp(a, b, 1.0), b, atol=1e-5)
    mid = dcgan.slerp(a, b, 0.5)
    assert mid.norm() > 0.9 * min(a.norm(), b.norm())  # stays on the shell, unlike the straight line


def test_score_math():
    class Fixed(torch.nn.Module):
        def __init__(self, logits):
            super().__init__()
            self.logits = logits

        def forward(self, x):
            return self.logits

    sure = torch.full((10, 10), -20.0)
    sure[torch.arange(10), torch.arange(10)] = 20.0  # one confident image of each digit
    s = dcgan.score(Fixed(sure), torch.zeros(10, 1, 32, 32))
    assert s["digit_likeness"] == pytest.approx(1.0) and s["confident_fraction"] == 1.0
    assert s["class_entropy_bits"] == pytest.approx(np.log2(10), abs=1e-4) and s["class_counts"] == [1] * 10
    unsure = dcgan.score(Fixed(torch.zeros(4, 10)), torch.zeros(4, 1, 32, 32))
    assert unsure["digit_likeness"] == pytest.approx(0.1) and unsure["confident_fraction"] == 0.0
    assert unsure["class_entropy_bits"] == 0.0  # argmax of a tie is always class 0: collapsed


def test_grid_layout():
    picture = dcgan.grid(torch.zeros(10, 1, 32, 32), columns=4, scale=1, pad=2)
    assert picture.size == (4 * 34 + 2, 3 * 34 + 2)


def test_digits_data():
    x, y, xt, yt = dcgan.digits()
    assert x.shape == (4500, 1, 32, 32) and xt.shape == (500, 1, 32, 32)
    assert x.min() == -1 and x.max() == 1 and set(y.tolist()) == set(range(10))


@pytest.mark.slow
def test_live_training_yields_the_game_curves():
    data = dcgan.digits()[0][:128]
    updates = list(dcgan.train_steps(4, "scratch", 0, every=2, batch_size=8, data=data))
    assert [u.step for u in updates] == [2, 4]
    last = updates[-1]
    assert {"steps", "d_loss", "g_loss", "d_real", "d_fake"} <= set(last.metrics)
    assert last.metrics["steps"] == 4 and 0 < last.metrics["d_real"] < 1 and 0 < last.metrics["d_fake"] < 1
    assert len(last.history) == 4 * 4 and set(last.history.series) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert last.image is not None and last.history.notna().all().all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "Steps"), (dict(steps=10_000), "Steps"), (dict(steps=2.5), "whole"),
    (dict(start="pretrained"), "start"), (dict(seed=-1), "Seed"),
])
def test_bad_training_settings_fail_before_training(kwargs, message):
    with pytest.raises(InputError, match=message):
        dcgan.train_steps(**kwargs)


def test_sample_grid_by_seed():
    a, b = dcgan.sample(3, 16), dcgan.sample(3, 16)
    m = a.metrics
    assert m["seed"] == 3 and m["n_images"] == 16 and m["source"] == "bundled"
    assert {"digit_likeness", "confident_fraction", "class_entropy_bits", "latency_ms", "model"} <= set(m)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert not np.array_equal(np.asarray(a.image), np.asarray(dcgan.sample(4, 16).image))


def test_interpolation_ends_at_the_two_seeds():
    result = dcgan.interpolate(0, 1, 5)
    assert result.metrics["steps"] == 5 and len(result.metrics["predicted_digits"]) == 5
    assert result.image.size == dcgan.grid(torch.zeros(5, 1, 32, 32), columns=5).size


@pytest.mark.parametrize("call, message", [
    (lambda: dcgan.sample(-1), "Seed"), (lambda: dcgan.sample(0, 0), "Number of images"),
    (lambda: dcgan.sample(0, 1000), "Number of images"), (lambda: dcgan.sample("x"), "number"),
    (lambda: dcgan.interpolate(0, 1, 1), "Steps"),
])
def test_bad_sampling_settings(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_bundled_models_reach_their_model_card():
    card = json.loads(dcgan.CARD.read_text())
    generator, _ = dcgan.bundled_generator()
    classifier, _ = dcgan.bundled_classifier()
    _, _, xt, yt = dcgan.digits()
    with torch.inference_mode():
        accuracy = float((classifier(xt).argmax(1) == yt).float().mean())
        samples = generator(dcgan.latents(card["samples"]["latent_seed"], card["samples"]["n"]))
    assert accuracy == pytest.approx(card["classifier"]["held_out_accuracy"], abs=0.002)
    quality = dcgan.score(classifier, samples)
    for key in ("digit_likeness", "confident_fraction", "class_entropy_bits"):
        assert quality[key] == pytest.approx(card["samples"][key], abs=0.01), key
    # the bundled generator makes varied, mostly recognisable digits (real held-out digits: 0.96, 3.31 bits)
    assert card["samples"]["class_entropy_bits"] > 3.0 and card["samples"]["digit_likeness"] > 0.85
    with torch.inference_mode():
        tab = dcgan.score(classifier, generator(dcgan.latents(card["tab_defaults"]["latent_seed"], card["tab_defaults"]["n"])))
    assert tab["digit_likeness"] == pytest.approx(card["tab_defaults"]["digit_likeness"], abs=0.01) and tab["digit_likeness"] > 0.85
