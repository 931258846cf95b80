"""DCGAN: sampling latency, live-training speed, and the judge's view of real vs generated digits.

``sample_p50_ms`` / ``sample_p95_ms``: ``sample()`` at the tab's defaults (64 digits: G, the grid
picture and the classifier's score), 20 warm calls; the target is ≤ 200 ms.
``train_steps_per_s`` and ``default_live_run_s``: the tab's default live run (100 steps from
scratch, batches of 64), timed whole; the target is under a minute. ``real_digit_likeness`` vs
``sample_digit_likeness`` (and class entropy): the classifier on 500 real held-out digits and on
500 samples of the bundled generator, measured side by side.

    python -m benchmarks.vision.dcgan
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.verdict import measured


def claims() -> dict:
    import torch

    from showcase.vision import dcgan

    dcgan.sample()  # warm: models loaded
    times = []
    for seed in range(20):
        started = time.perf_counter()
        dcgan.sample(seed, 64)
        times.append(1000 * (time.perf_counter() - started))

    started = time.perf_counter()
    for update in dcgan.train_steps(100, "scratch", 0, every=10):
        pass
    live = time.perf_counter() - started

    generator, _ = dcgan.bundled_generator()
    classifier, _ = dcgan.bundled_classifier()
    real = dcgan.score(classifier, dcgan.digits()[2])
    with torch.inference_mode():
        fake = dcgan.score(classifier, generator(dcgan.latents(777, 500)))
    return {
        "dcgan.sample_p50_ms": round(float(np.percentile(times, 50)), 1),
        "dcgan.sample_p95_ms": measured(round(float(np.percentile(times, 95)), 1), "<= 200"),
        "dcgan.default_live_run_s": measured(round(live, 2), "< 60"),
        "dcgan.train_steps_per_s": round(100 / live, 2),
        "dcgan.live_run_final_d_real": update.metrics["d_real"],
        "dcgan.live_run_final_d_fake": update.metrics["d_fake"],
        "dcgan.real_digit_likeness": real["digit_likeness"],
        "dcgan.sample_digit_likeness": fake["digit_likeness"],
        "dcgan.real_class_entropy_bits": real["class_entropy_bits"],
        "dcgan.sample_class_entropy_bits": fake["class_entropy_bits"],
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
