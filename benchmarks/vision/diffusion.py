"""Diffusion: DDIM at the tab's defaults (the ≤ 5 s target), DDPM vs DDIM time side by side, and
the classifier's view of real digits vs samples.

``ddim_default_p50_s`` / ``ddim_default_p95_s``: ``sample("DDIM", 25 steps, 16 images)`` as the
tab calls it (the U-Net loop, the frames, the grid and the classifier's score), 5 warm calls; the
target is ≤ 5 s. ``ddpm_seconds_25`` vs ``ddim_seconds_25``: ``compare()`` at 25 steps, both from
the same noise in one call: one U-Net call per step each, so the ratio is ~1. ``ddpm_1000_steps_s``
is DDPM's own schedule, timed whole on 16 images (once), and ``ddim_speedup_vs_ddpm_1000`` is DDIM
at 25 steps against it. The digit-likeness numbers are the DCGAN tab's classifier on 500 real
held-out digits and on 64 samples of each sampler at 25 steps: too few to order the two samplers
(tests/unit/vision/test_diffusion_claims.py does that with 256 each and a 95% interval).

    python -m benchmarks.vision.diffusion
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.verdict import measured


def claims(full_ddpm: bool = True) -> dict:
    from showcase.vision import dcgan, diffusion

    diffusion.sample()  # warm: models loaded
    times = []
    for seed in range(5):
        started = time.perf_counter()
        diffusion.sample("DDIM", diffusion.DEFAULT_STEPS, seed, diffusion.DEFAULT_IMAGES)
        times.append(time.perf_counter() - started)

    _, _, side = diffusion.compare(diffusion.DEFAULT_STEPS, 0, diffusion.DEFAULT_IMAGES)
    out = {
        "diffusion.ddim_default_p50_s": round(float(np.percentile(times, 50)), 2),
        "diffusion.ddim_default_p95_s": measured(round(float(np.percentile(times, 95)), 2), "<= 5"),
        "diffusion.ddpm_seconds_25": side["ddpm_seconds"],
        "diffusion.ddim_seconds_25": side["ddim_seconds"],
        "diffusion.ddpm_over_ddim_same_steps": round(side["ddpm_seconds"] / side["ddim_seconds"], 2),
    }
    if full_ddpm:
        full = diffusion.sample("DDPM", diffusion.TRAIN_TIMESTEPS, 0, diffusion.DEFAULT_IMAGES)
        out["diffusion.ddpm_1000_steps_s"] = full.metrics["seconds"]
        out["diffusion.ddim_speedup_vs_ddpm_1000"] = round(full.metrics["seconds"] / side["ddim_seconds"], 1)
        out["diffusion.ddpm_1000_digit_likeness_16"] = full.metrics["digit_likeness"]

    unet, _ = diffusion.bundled_unet()
    classifier, _ = dcgan.bundled_classifier()
    real = dcgan.score(classifier, dcgan.digits()[2])
    ddim = diffusion.judge(unet, "DDIM", diffusion.DEFAULT_STEPS, 64, 777)
    ddpm = diffusion.judge(unet, "DDPM", diffusion.DEFAULT_STEPS, 64, 777)
    out.update({
        "diffusion.real_digit_likeness": real["digit_likeness"],
        "diffusion.ddim_25_digit_likeness_64_samples": ddim["digit_likeness"],
        "diffusion.ddpm_25_digit_likeness_64_samples": ddpm["digit_likeness"],
        "diffusion.real_class_entropy_bits": real["class_entropy_bits"],
        "diffusion.ddim_25_class_entropy_bits": ddim["class_entropy_bits"],
    })
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
