"""The DCGAN tab through the API: sampling, interpolation, live training, bad inputs, recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_sample_defaults(client):
    image, note, metrics = client.predict(0, 64, api_name="/dcgan_sample")
    assert image and metrics["seed"] == 0 and metrics["n_images"] == 64 and metrics["source"] == "bundled"
    assert metrics["digit_likeness"] > 0.5 and metrics["class_entropy_bits"] > 2


def test_sample_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/dcgan_sample", 0, 1000, match="greater than maximum|between")
    fails_clearly("/dcgan_sample", -5, 16, match="less than minimum|between")
    fails_clearly("/dcgan_sample", 0, 2.5, match="whole number|step|integer")
    *_, metrics = client.predict(5, 16, api_name="/dcgan_sample")
    assert metrics["seed"] == 5 and metrics["n_images"] == 16


def test_interpolate(client):
    image, note, metrics = client.predict(0, 1, 6, api_name="/dcgan_interpolate")
    assert image and len(metrics["predicted_digits"]) == 6


def test_live_training_streams_then_finishes(client, fails_clearly):
    fails_clearly("/dcgan_train", 20, "pretrained", 0, match="not in the list of choices")
    fails_clearly("/dcgan_train", 5000, "scratch", 0, match="greater than maximum|between")
    losses, game, image, note, metrics = client.predict(20, "bundled", 0, api_name="/dcgan_train")
    assert metrics["steps"] == 20 and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(metrics)
    assert metrics["start"] == "bundled" and image
