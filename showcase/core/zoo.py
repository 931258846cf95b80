"""The model zoo: a ResNet-style teacher and a MobileNet-style student for Fashion-MNIST.

Shared by every area that needs a trained image classifier (quantisation, pruning, distillation,
DDP's data, the adversarial tabs): the data come from ``showcase.core.datasets``.

Models, both trained here from scratch by ``python -m showcase.core.zoo train --model NAME``:

- **teacher**: a small ResNet (He et al. 2016): a 3×3 stem and four basic residual blocks
  (two 3×3 convolutions with batch norm and an identity or 1×1 shortcut), 28→14→7→4 pixels.
- **student**: a small MobileNet (Howard et al. 2017): a 3×3 stem and depthwise-separable blocks
  (a 3×3 depthwise convolution, one filter per channel, then a 1×1 pointwise one), about a
  tenth of the teacher's parameters and compute.

The API the tabs build on is small:

    model = load_model("student")            # cached, eval mode, bundled weights
    evaluate(model, n=2000)                  # {"accuracy": ..., "errors": ..., "n": 2000} on the test set
    card = model_card("teacher")             # what training recorded
    net = build("student")                   # a fresh, untrained network of the same shape
    fit(net, data.x_train, data.y_train, epochs=1)   # the training loop (it takes any loss)
    recalibrate_batchnorm(net, data.x_train[:2048])  # fresh batch-norm statistics after a short run

Training runs on one CPU thread (``torch.set_num_threads(1)``: the project's machines have two
cores shared by several people), with a fixed seed, Adam and a one-cycle learning rate, for one
epoch; the model cards record the time each run took. Weights are saved as safetensors with a
``<name>.model_card.json`` beside them in ``assets/optimize/zoo/``.

    python -m showcase.core.zoo train --model teacher      # 7–17 min on one core (busy machine: slower)
    python -m showcase.core.zoo train --model student      # 4–9 min on one core
    python -m showcase.core.zoo evaluate --model student   # accuracy on the 10k test images
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import platform
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showcase.core import datasets
from showcase.core.cards import read_card
from showcase.core.errors import InputError
from showcase.core.settings import asset

ZOO = asset("optimize", "zoo")
MODELS = ("teacher", "student")
SEED = 0
# What `train` uses for each model: epochs, batch size, peak learning rate (one-cycle Adam).
RECIPES = {
    "teacher": dict(epochs=1, batch_size=128, lr=3e-3),
    "student": dict(epochs=1, batch_size=128, lr=5e-3),
}


# --- models -----------------------------------------------------------------------------------

class BasicBlock(nn.Module):
    """ResNet's basic block: conv3×3-BN-ReLU-conv3×3-BN, plus the shortcut, then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNetTeacher(nn.Module):
    """Stem 1→w, then blocks w→2w (/2), 2w→4w (/2), 4w→4w, 4w→8w (/2); global average pool; linear."""

    def __init__(self, width: int = 20, num_classes: int = 10):
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(1, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        self.layers = nn.Sequential(
            BasicBlock(w, 2 * w, 2),          # (B, 2w, 14, 14)
            BasicBlock(2 * w, 4 * w, 2),      # (B, 4w, 7, 7)
            BasicBlock(4 * w, 4 * w, 1),      # (B, 4w, 7, 7)
            BasicBlock(4 * w, 8 * w, 2),      # (B, 8w, 4, 4)
        )
        self.head = nn.Linear(8 * w, num_classes)

    def forward(self, x):                      # (B, 1, 28, 28)
        x = self.layers(self.stem(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))   # (B, 10) logits


class DepthwiseSeparable(nn.Module):
    """MobileNet's block: depthwise 3×3 (groups = channels) -BN-ReLU, pointwise 1×1 -BN-ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False)
        self.bn1 = nn.BatchNorm2d(c_in)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = F.relu(self.bn1(self.depthwise(x)))
        return F.relu(self.bn2(self.pointwise(x)))


class MobileNetStudent(nn.Module):
    """Stem 1→w, then depthwise-separable blocks w→2w (/2)→4w→8w (/2)→8w→16w (/2); pool; linear."""

    def __init__(self, width: int = 16, num_classes: int = 10):
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(1, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        self.layers = nn.Sequential(
            DepthwiseSeparable(w, 2 * w, 2),        # (B, 2w, 14, 14)
            DepthwiseSeparable(2 * w, 4 * w, 1),    # (B, 4w, 14, 14)
            DepthwiseSeparable(4 * w, 8 * w, 2),    # (B, 8w, 7, 7)
            DepthwiseSeparable(8 * w, 8 * w, 1),    # (B, 8w, 7, 7)
            DepthwiseSeparable(8 * w, 16 * w, 2),   # (B, 16w, 4, 4)
        )
        self.head = nn.Linear(16 * w, num_classes)

    def forward(self, x):                      # (B, 1, 28, 28)
        x = self.layers(self.stem(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))   # (B, 10) logits


def build(name: str, seed: int = SEED) -> nn.Module:
    """A fresh, untrained network: ``"teacher"`` (ResNet-style) or ``"student"`` (MobileNet-style).

    Its initial weights depend on ``seed`` alone (torch's global generator is left untouched), so
    the student alone and the distilled student start from the same weights."""
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ResNetTeacher() if name == "teacher" else MobileNetStudent()


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def weights_path(name: str, folder: Path = ZOO) -> Path:
    return Path(folder) / f"{name}.safetensors"


def card_path(name: str, folder: Path = ZOO) -> Path:
    return Path(folder) / f"{name}.model_card.json"


def card_fields(model: nn.Module, name: str, recipe: dict, losses: list[float], seconds: float, held_out: dict,
                command: str) -> dict:
    """What every zoo model's card says (a distilled student's adds its teacher and loss): what was
    trained, on what, with which recipe and command, how long it took and its held-out scores."""
    return {
        "model": name,
        "architecture": type(model).__name__,
        "params": count_params(model),
        "data": "Fashion-MNIST (Debian dataset-fashion-mnist): 60,000 training images; metrics on the 10,000 test images",
        "seed": SEED,
        "recipe": {**recipe, "optimizer": "Adam, one-cycle learning rate", "steps": len(losses)},
        "command": command,
        "threads": 1,
        "training_seconds": round(seconds, 1),
        "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
        "final_loss": round(float(np.mean(losses[-20:])), 4),
        "test_accuracy": held_out["accuracy"],
        "test_errors": held_out["errors"],
        "test_n": held_out["n"],
    }


def save(model: nn.Module, name: str, card: dict, folder: Path = ZOO) -> Path:
    """Weights as safetensors and the card as JSON, both named after ``name`` in ``folder``."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights_path(name, folder)))
    card_path(name, folder).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return weights_path(name, folder)


def load_weights(model: nn.Module, path: Path) -> nn.Module:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(path)))
    return model.eval()


@functools.cache
def load_model(name: str, folder: Path = ZOO) -> nn.Module:
    """The bundled network ``name`` in eval mode, once per process. Do not modify it in place:
    ``copy.deepcopy`` it first (pruning and quantisation do)."""
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    path = weights_path(name, folder)
    if not path.is_file():
        raise InputError(f"{path} is missing: train it with `python -m showcase.core.zoo train --model {name}`.")
    return load_weights(build(name), path)


def model_card(name: str, folder: Path = ZOO) -> dict:
    return read_card(card_path(name, folder), train_with=f"python -m showcase.core.zoo train --model {name}")


# --- evaluation and training -----------------------------------------------------------------

@torch.inference_mode()
def logits_of(model: nn.Module, images: np.ndarray, batch_size: int = 1000) -> torch.Tensor:
    """The model's logits (N, 10) for uint8 images (N, 28, 28), in eval mode."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(datasets.fashion_tensor(images[i:i + batch_size])) for i in range(0, len(images), batch_size)])
    model.train(was_training)
    return out


def evaluate(model: nn.Module, n: int | None = None) -> dict:
    """Accuracy and error count on the first ``n`` test images (all 10,000 when ``n`` is None)."""
    data = datasets.load_fashion_mnist()
    n = len(data.y_test) if n is None else int(n)
    if not 1 <= n <= len(data.y_test):
        raise InputError(f"n must be between 1 and {len(data.y_test)}; got {n}.")
    predicted = logits_of(model, data.x_test[:n]).argmax(1).numpy()
    errors = int((predicted != data.y_test[:n]).sum())
    return {"accuracy": round(1 - errors / n, 4), "errors": errors, "n": n}


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """The default loss of ``fit``; ``index`` (positions in the training set) is for losses that need it."""
    return F.cross_entropy(logits, labels)


def fit(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: float = 1,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = SEED,
    loss: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor] = cross_entropy,
    max_steps: int | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` in place with Adam and a one-cycle schedule; return the loss of every step.

    The batch order depends on ``seed`` alone, so two runs with the same seed see the same
    batches in the same order whatever the loss (this is what makes "student alone" and
    "distilled" comparable). ``epochs`` may be fractional; ``max_steps`` stops early (smoke runs).
    ``on_step(step, total, loss)`` is called after every step.
    """
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    per_epoch = math.ceil(len(x) / batch_size)
    total = max(1, round(epochs * per_epoch))
    if max_steps is not None:
        total = min(total, max_steps)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if total > 2:   # warm up for 20% of the steps (at least two), then anneal
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total,
                                                       pct_start=max(0.2, 2 / total))
    else:           # too short for a schedule
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    losses: list[float] = []
    model.train()
    order = np.empty(0, dtype=np.int64)
    for step in range(total):
        if step % per_epoch == 0:
            order = generator.permutation(len(x))
        index = torch.from_numpy(order[(step % per_epoch) * batch_size:(step % per_epoch + 1) * batch_size])
        logits = model(datasets.fashion_tensor(x[index.numpy()]))
        value = loss(logits, torch.from_numpy(y[index.numpy()]), index)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        schedule.step()
        losses.append(float(value.detach()))
        if on_step is not None:
            on_step(step + 1, total, losses[-1])
    model.eval()
    return losses


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, images: np.ndarray, batches: int = 8, batch_size: int = 256) -> nn.Module:
    """Re-estimate every batch norm's running mean and variance from ``images`` (uint8, (N, 28, 28)).

    After a short run (a few dozen steps) or after pruning, the running averages still remember
    the old weights; a few forward passes in train mode with a cumulative average fix them."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None                  # cumulative moving average over the passes below
    model.train()
    for i in range(min(batches, math.ceil(len(images) / batch_size))):
        model(datasets.fashion_tensor(images[i * batch_size:(i + 1) * batch_size]))
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    return model.eval()


def train(name: str, *, max_steps: int | None = None, eval_images: int | None = None, folder: Path = ZOO,
          log=print) -> dict:
    """Train zoo model ``name`` from scratch with its recipe, save weights and card; return the card.

    ``max_steps`` and ``eval_images`` (test on the first n) shorten smoke runs."""
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    torch.set_num_threads(1)   # one core: the machine is shared (see the module docstring)
    data = datasets.load_fashion_mnist()
    model = build(name)
    recipe = RECIPES[name]
    started = time.perf_counter()

    def report(step, total, value):
        if step % 50 == 0 or step == total:
            log(f"{name}: step {step}/{total} loss {value:.4f} ({time.perf_counter() - started:.0f} s)")

    losses = fit(model, data.x_train, data.y_train, seed=SEED, max_steps=max_steps, on_step=report, **recipe)
    seconds = time.perf_counter() - started
    held_out = evaluate(model, eval_images)
    card = card_fields(model, name, recipe, losses, seconds, held_out, f"python -m showcase.core.zoo train --model {name}")
    save(model, name, card, folder)
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("train", "evaluate"))
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--max-steps", type=int, help="stop after this many steps (a smoke run)")
    parser.add_argument("--out", type=Path, default=ZOO, help="folder for the weights and card")
    args = parser.parse_args(argv)
    if args.command == "train":
        card = train(args.model, max_steps=args.max_steps, folder=args.out)
        print(json.dumps(card, indent=2))
    else:
        print(evaluate(load_model(args.model, args.out)))


if __name__ == "__main__":
    main()
