"""The diffusion tab through the API: DDIM and DDPM sampling with the path, the side-by-side
comparison, bad inputs, recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_sample_defaults_with_the_path(client):
    final, animation, frames, note, metrics = client.predict("DDIM", 25, 0, 16, api_name="/diffusion_sample")
    assert final and animation.endswith(".gif") and len(frames) == 10
    assert metrics["scheduler"] == "DDIM" and metrics["steps"] == 25 and metrics["seconds"] > 0
    assert metrics["source"] == "bundled" and metrics["model"] and metrics["digit_likeness"] > 0.5


def test_sample_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/diffusion_sample", "Euler", 25, 0, 16, match="not in the list of choices")
    fails_clearly("/diffusion_sample", "DDIM", 0, 0, 16, match="less than minimum|between")
    fails_clearly("/diffusion_sample", "DDIM", 5000, 0, 16, match="greater than maximum|between")
    fails_clearly("/diffusion_sample", "DDPM", 10, -3, 4, match="less than minimum|Seed")
    fails_clearly("/diffusion_sample", "DDIM", 10, 0, 2.5, match="whole number|step|integer")
    _, _, frames, _, metrics = client.predict("DDPM", 5, 2, 4, api_name="/diffusion_sample")
    assert metrics["scheduler"] == "DDPM" and metrics["steps"] == 5 and metrics["n_images"] == 4
    assert len(frames) == 6  # the noise and each of the five steps


def test_compare_rejects_bad_steps_then_measures_both(client, fails_clearly):
    fails_clearly("/diffusion_compare", 0, 1, 8, match="less than minimum|between")
    fails_clearly("/diffusion_compare", 10, 1, 500, match="greater than maximum|between")
    ddpm, ddim, times, note, summary = client.predict(10, 1, 8, api_name="/diffusion_compare")
    assert ddpm and ddim and summary["ddpm_seconds"] > 0 and summary["ddim_seconds"] > 0
    assert summary["ddpm_1000_steps_seconds_estimated"] > summary["ddpm_seconds"]
