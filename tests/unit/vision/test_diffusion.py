import json

import numpy as np
import pytest
import torch

from showcase.core.errors import InputError
from showcase.vision import diffusion



@pytest.fixture(scope="module")
def tiny_unet():
    """An untrained U-Net of the bundled shape: the sampler's plumbing does not need good weights."""
    return diffusion.new_unet(0).eval()


def test_unet_shape_and_size(tiny_unet):
    x = diffusion.initial_noise(0, 3)
    with torch.inference_mode():
        eps = tiny_unet(x, torch.tensor(500)).sample
    assert x.shape == eps.shape == (3, 1, 32, 32)
    n = sum(p.numel() for p in tiny_unet.parameters())
    assert 4 * n < 10e6  # float32 weights stay under the 10 MB file limit


def test_schedulers_share_the_training_schedule():
    ddpm, ddim = diffusion.new_scheduler("DDPM"), diffusion.new_scheduler("DDIM")
    assert type(ddpm).__name__ == "DDPMScheduler" and type(ddim).__name__ == "DDIMScheduler"
    assert torch.equal(ddpm.alphas_cumprod, ddim.alphas_cumprod)
    for s in (ddpm, ddim):
        s.set_timesteps(25)
        assert len(s.timesteps) == 25 and int(s.timesteps[0]) == 999  # trailing: starts from pure noise
    with pytest.raises(InputError, match="Scheduler"):
        diffusion.new_scheduler("Euler")


def test_frame_steps_span_noise_to_finish():
    assert diffusion.frame_steps(25, 10)[0] == 0 and diffusion.frame_steps(25, 10)[-1] == 25
    assert len(diffusion.frame_steps(25, 10)) == 10
    assert diffusion.frame_steps(1, 10) == [0, 1]


def test_denoise_keeps_frames_reports_progress_and_is_deterministic(tiny_unet):
    noise = diffusion.initial_noise(4, 2)
    seen = []
    x, frames = diffusion.denoise(tiny_unet, "DDIM", 4, noise, keep={0, 2, 4}, progress=lambda i, n: seen.append((i, n)))
    assert x.shape == (2, 1, 32, 32) and sorted(frames) == [0, 2, 4]
    assert torch.equal(frames[0][0], noise) and frames[2][1].shape == x.shape and seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert -1 <= x.min() and x.max() <= 1
    again, _ = diffusion.denoise(tiny_unet, "DDIM", 4, noise)
    assert torch.equal(x, again)
    # DDPM draws fresh noise at every step: deterministic by seed, different across seeds
    a, _ = diffusion.denoise(tiny_unet, "DDPM", 3, noise, seed=1)
    b, _ = diffusion.denoise(tiny_unet, "DDPM", 3, noise, seed=1)
    c, _ = diffusion.denoise(tiny_unet, "DDPM", 3, noise, seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_held_out_loss_of_an_untrained_unet_is_near_one(tiny_unet):
    images = diffusion.dcgan.digits()[2][:20]
    assert 0.5 < diffusion.held_out_loss(tiny_unet, images) < 3  # predicting ~0 noise gives E[ε²] = 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(scheduler="Euler"), "Scheduler"), (dict(steps=0), "Steps"), (dict(steps=1001), "Steps"),
    (dict(steps=2.5), "whole"), (dict(seed=-1), "Seed"), (dict(n_images=0), "Number of images"),
    (dict(n_images=65), "Number of images"), (dict(steps="many"), "number"), (dict(steps=None), "missing"),
    (dict(n_frames=1), "Frames"),
])
def test_bad_sampling_settings(kwargs, message):
    with pytest.raises(InputError, match=message):
        diffusion.sample(**kwargs)


def test_bad_compare_settings():
    with pytest.raises(InputError, match="Steps"):
        diffusion.compare(steps=0)
    with pytest.raises(InputError, match="Number of images"):
        diffusion.compare(n_images=1000)


def test_sample_by_seed_with_the_path():
    seen = []
    a = diffusion.sample("DDIM", 6, 3, 4, n_frames=4, progress=lambda i, n: seen.append(i))
    m = a.metrics
    assert {"scheduler", "steps", "seconds", "model", "source", "digit_likeness", "class_entropy_bits"} <= set(m)
    assert m["scheduler"] == "DDIM" and m["steps"] == 6 and m["unet_evaluations"] == 6 and m["source"] == "bundled"
    assert seen == list(range(1, 7)) and len(a.frames) == 4 and "noise" in a.frames[0][1]
    b = diffusion.sample("DDIM", 6, 3, 4, n_frames=4)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert not np.array_equal(np.asarray(a.image), np.asarray(diffusion.sample("DDIM", 6, 4, 4).image))


def test_ddim_takes_fewer_unet_calls_and_compare_measures_both(tmp_path):
    ddpm, ddim, summary = diffusion.compare(3, 0, 2)
    assert ddpm.metrics["unet_evaluations"] == ddim.metrics["unet_evaluations"] == 3
    assert summary["ddpm_seconds"] > 0 and summary["ddim_seconds"] > 0
    assert summary["ddpm_1000_steps_seconds_estimated"] > summary["ddpm_seconds"]
    gif = ddim.gif(tmp_path / "path.gif")
    assert gif.stat().st_size > 0


def test_bundled_unet_reaches_its_model_card():
    card = json.loads(diffusion.CARD.read_text())
    unet, found = diffusion.bundled_unet()
    assert found.source == "bundled"
    for file in diffusion.ASSET_DIR.iterdir():
        assert file.stat().st_size < 10e6, file
    held = diffusion.dcgan.digits()[2]
    assert diffusion.held_out_loss(unet, held) == pytest.approx(card["held_out_noise_mse"], abs=0.002)
    ddim = card["ddim_samples"]
    check = diffusion.judge(unet, "DDIM", ddim["steps"], ddim["batch"], ddim["noise_seed"], ddim["batch"])
    for key in ("digit_likeness", "class_entropy_bits"):
        assert check[key] == pytest.approx(ddim["first_batch"][key], abs=0.02), key
    # well above an untrained network's noise, though short of real digits (0.96, 3.31 bits):
    # ~44 CPU minutes of training in two stages; DDPM's stochastic steps hide more of the network's errors than DDIM's
    ddpm = card["ddpm_samples"]
    assert ddim["digit_likeness"] > 0.7 and ddim["class_entropy_bits"] > 2.6
    assert ddpm["digit_likeness"] > 0.75 and ddpm["class_entropy_bits"] > 3.0
    assert card["held_out_noise_mse"] < 0.05 and card["real_held_out_digits"]["digit_likeness"] > ddpm["digit_likeness"]
