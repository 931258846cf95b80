"""The diffusion tab's comparison of DDIM and DDPM at 25 steps, measured with a confidence
interval: the tab may state an order only when the two intervals separate, and otherwise says
the two are within noise.

One sample's digit-likeness is the DCGAN tab's classifier's top probability for it; the tab
quotes the mean over 256 samples from the model card's noise seed (the card's own draw)."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from showcase.vision import dcgan, diffusion

pytestmark = pytest.mark.slow
N, BATCH, STEPS = 256, 32, 25


def digit_likeness_per_sample(unet, scheduler: str, seed: int) -> np.ndarray:
    """As ``diffusion.judge`` draws them (one noise draw, BATCH images a step seed), one score each."""
    classifier, _ = dcgan.bundled_classifier()
    noise = diffusion.initial_noise(seed, N)
    images = torch.cat([diffusion.denoise(unet, scheduler, STEPS, noise[i:i + BATCH], seed + i)[0]
                        for i in range(0, N, BATCH)])
    with torch.inference_mode():
        return F.softmax(classifier(images), dim=1).max(dim=1).values.numpy()


def ci95(x: np.ndarray) -> tuple[float, float, float]:
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


@pytest.fixture(scope="module")
def scores():
    import json

    seed = json.loads(diffusion.CARD.read_text())["ddim_samples"]["noise_seed"]
    unet, _ = diffusion.bundled_unet()
    return {name: digit_likeness_per_sample(unet, name, seed) for name in ("DDIM", "DDPM")}


def test_the_tab_states_the_order_only_when_the_intervals_separate(scores):
    import pages.vision.diffusion  # noqa: F401 - registers the tab's strings
    from pages.translation import translations

    english, chinese = (table["diffusion.reference"] for table in translations())
    ddim, ddpm = ci95(scores["DDIM"]), ci95(scores["DDPM"])
    separate = ddim[2] < ddpm[1] or ddpm[2] < ddim[1]
    stated = re.search(r"digit-likeness (0\.\d+) ± (0\.\d+) vs (0\.\d+) ± (0\.\d+) on (\d+) samples", english)
    assert stated, "the tab quotes DDIM's and DDPM's digit-likeness with their 95% intervals"
    (quoted_ddim, half_ddim, quoted_ddpm, half_ddpm), n = map(float, stated.groups()[:4]), int(stated.group(5))
    assert n == N                                          # measured: 0.858 ± 0.022 vs 0.898 ± 0.019
    assert quoted_ddim == pytest.approx(ddim[0], abs=0.001) and quoted_ddpm == pytest.approx(ddpm[0], abs=0.001)
    assert half_ddim == pytest.approx(ddim[2] - ddim[0], abs=0.001)
    assert half_ddpm == pytest.approx(ddpm[2] - ddpm[0], abs=0.001)
    assert stated.group(1) in chinese and stated.group(3) in chinese
    if separate:
        assert "within noise" not in english and "separate" in english and "分开" in chinese
    else:
        assert "within noise" in english and "噪声范围内" in chinese, (ddim, ddpm)
