"""Pruning the zoo's CNNs: unstructured and structured masks, fine-tuning, and what really gets faster.

``torch.nn.utils.prune`` zeroes weights through a mask (``weight = weight_orig * weight_mask``):

- ``global_l1``: L1 unstructured over all convolution and linear weights at once
  (``prune.global_unstructured``): the smallest |w| of the whole network go, so layers end up
  with different sparsities (see the bars);
- ``layer_l1``: L1 unstructured, the same fraction in every layer (``prune.l1_unstructured``);
- ``ln_structured``: whole output channels of every convolution, those with the smallest L2 norm
  (``prune.ln_structured(n=2, dim=0)``); the final linear layer is kept (its rows are the classes).

The requested fraction is exact: global 20% L1 zeroes round(0.2·N) of the N prunable weights,
20.00% (Zhu & Gupta; the PyTorch pruning tutorial). Accuracy is measured on a slice of the test
set right after pruning and after a short fine-tune (a few dozen Adam steps with the masks kept).

Zeroed weights alone do not make a dense kernel faster: the convolution still multiplies every
zero. Speed comes from removing channels physically: ``torch-pruning`` (Fang et al., "DepGraph:
Towards Any Structural Pruning", CVPR 2023) follows the dependencies between layers (residual
additions, batch norms, depthwise groups) and rebuilds smaller dense layers. The tab times all
three: the dense model, the masked one, and the physically smaller one, on the same batch.

    python -m showcase.optimize.pruning --method global_l1 --sparsity 0.2
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core import datasets, zoo
from showcase.core.timing import median_ms

METHODS = ("global_l1", "layer_l1", "ln_structured")
CURVE = (0.3, 0.5, 0.7, 0.9)     # sparsities of the accuracy curve
N_EVAL = 1000                        # test images for the requested sparsity
N_CURVE = 500                        # test images per point of the curve
FINETUNE_BATCH = 32
FINETUNE_LR = 1e-3
LATENCY_BATCH = 32
MAX_FINETUNE = 200
MAX_SPARSITY = 0.95


@dataclass
class PruneResult:
    curve: pd.DataFrame      # sparsity, accuracy, run ("pruned" / "pruned + fine-tune")
    layers: pd.DataFrame     # layer, sparsity (%), for the bars
    latency: pd.DataFrame    # model, latency_ms
    metrics: dict


def prunable(model: nn.Module, method: str) -> list[tuple[str, nn.Module]]:
    """(name, module) of the layers a method prunes: every conv and linear; convs only for structured."""
    kinds = (nn.Conv2d,) if method == "ln_structured" else (nn.Conv2d, nn.Linear)
    return [(name, m) for name, m in model.named_modules() if isinstance(m, kinds)]


def apply_pruning(model: nn.Module, method: str, sparsity: float) -> nn.Module:
    """Add ``torch.nn.utils.prune`` masks to ``model`` in place and return it."""
    layers = prunable(model, method)
    if method == "global_l1":
        torch_prune.global_unstructured([(m, "weight") for _, m in layers],
                                        pruning_method=torch_prune.L1Unstructured, amount=sparsity)
    elif method == "layer_l1":
        for _, m in layers:
            torch_prune.l1_unstructured(m, "weight", amount=sparsity)
    elif method == "ln_structured":
        for _, m in layers:
            torch_prune.ln_structured(m, "weight", amount=sparsity, n=2, dim=0)
    else:
        raise InputError(f"method must be one of {METHODS}, not {method!r}.")
    return model


def make_permanent(model: nn.Module) -> nn.Module:
    """Fold the masks into the weights (``prune.remove``): plain dense tensors that hold zeros."""
    for _, m in model.named_modules():
        if torch_prune.is_pruned(m) and hasattr(m, "weight_orig"):
            torch_prune.remove(m, "weight")
    return model


def layer_sparsity(model: nn.Module, method: str) -> pd.DataFrame:
    rows = []
    for i, (name, m) in enumerate(prunable(model, method)):
        w = m.weight
        rows.append({"layer": f"{i:02d} {name}", "sparsity": round(100 * float((w == 0).sum()) / w.numel(), 2),
                     "weights": w.numel()})
    return pd.DataFrame(rows)


def overall_sparsity(model: nn.Module, method: str) -> tuple[float, int, int]:
    """(fraction of zeros, zeros, total) over the weights ``method`` prunes."""
    zeros = total = 0
    for _, m in prunable(model, method):
        zeros += int((m.weight == 0).sum())
        total += m.weight.numel()
    return zeros / total, zeros, total


def nonzero_params(model: nn.Module) -> int:
    """Parameters that are not zero (after ``make_permanent``, pruned weights are plain zeros)."""
    return int(sum(int((p != 0).sum()) for p in model.parameters()))


def finetune(model: nn.Module, steps: int, seed: int = zoo.SEED) -> nn.Module:
    """A short fine-tune on the training set; the masks stay on, so pruned weights stay zero."""
    if steps > 0:
        data = datasets.load_fashion_mnist()
        zoo.fit(model, data.x_train, data.y_train, epochs=steps * FINETUNE_BATCH / len(data.y_train),
                batch_size=FINETUNE_BATCH, lr=FINETUNE_LR, seed=seed, max_steps=steps)
    return model.eval()


def pruned_copy(name: str, method: str, sparsity: float) -> nn.Module:
    return apply_pruning(copy.deepcopy(zoo.load_model(name)), method, sparsity)


@functools.lru_cache(maxsize=4)
def dense_accuracy(name: str, n: int) -> float:
    """The unpruned model's accuracy on the first ``n`` test images: the same for every setting."""
    return zoo.evaluate(zoo.load_model(name), n)["accuracy"]


@functools.lru_cache(maxsize=32)
def curve_point(name: str, method: str, sparsity: float, steps: int) -> tuple[float, float]:
    """Accuracy on N_CURVE test images after pruning to ``sparsity``, and after ``steps`` of fine-tune."""
    model = pruned_copy(name, method, sparsity)
    before = zoo.evaluate(model, N_CURVE)["accuracy"]
    after = zoo.evaluate(finetune(model, steps), N_CURVE)["accuracy"] if steps else before
    return before, after


def remove_channels(model: nn.Module, ratio: float) -> nn.Module:
    """A physically smaller copy: ``ratio`` of the channels of each coupled group removed by
    torch-pruning (L2 magnitude importance), the classifier's outputs kept."""
    import torch_pruning as tp

    small = copy.deepcopy(model).eval()
    if ratio > 0:
        pruner = tp.pruner.MagnitudePruner(small, torch.zeros(1, 1, 28, 28),
                                           importance=tp.importance.MagnitudeImportance(p=2),
                                           pruning_ratio=ratio, ignored_layers=[small.head])
        pruner.step()
    return small


@torch.inference_mode()
def latency_ms(model: nn.Module, batch: int = LATENCY_BATCH, repeats: int = 15) -> float:
    """Median milliseconds of one forward pass on a (batch, 1, 28, 28) input, after two warm-ups."""
    model.eval()
    x = datasets.fashion_tensor(datasets.load_fashion_mnist().x_test[:batch])
    return median_ms(lambda: model(x), repeats=repeats, warmup=2)


def side_by_side_latency(models: dict[str, nn.Module], batch: int = LATENCY_BATCH, rounds: int = 3) -> dict:
    """Latency of several models measured in interleaved rounds (fair when the CPU is shared)."""
    samples = {k: [] for k in models}
    for _ in range(rounds):
        for k, m in models.items():
            samples[k].append(latency_ms(m, batch, repeats=7))
    return {k: round(float(np.median(v)), 3) for k, v in samples.items()}


def prune(method: str = "global_l1", sparsity: float = 0.5, finetune_steps: int = 20,
          model: str = "student", progress=None) -> PruneResult:
    """Prune a zoo model; accuracy before/after a short fine-tune, the curve, layers and latency."""
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, not {method!r}.")
    if model not in zoo.MODELS:
        raise InputError(f"model must be one of {zoo.MODELS}, not {model!r}.")
    sparsity = number(sparsity, "Sparsity", low=0, high=MAX_SPARSITY)
    finetune_steps = number(finetune_steps, "Fine-tune steps", low=0, high=MAX_FINETUNE, integer=True)
    say = progress or (lambda fraction, text: None)
    started = time.perf_counter()

    dense = zoo.load_model(model)
    say(0.0, "pruning")
    pruned = pruned_copy(model, method, sparsity)
    actual, zeros, total = overall_sparsity(pruned, method)
    layers = layer_sparsity(pruned, method)
    dense_at_eval = dense_accuracy(model, N_EVAL)
    accuracy = zoo.evaluate(pruned, N_EVAL)["accuracy"]
    say(0.1, f"fine-tuning {finetune_steps} steps")
    tuned = finetune(copy.deepcopy(pruned), finetune_steps)
    tuned_accuracy = zoo.evaluate(tuned, N_EVAL)["accuracy"]
    still_sparse, _, _ = overall_sparsity(tuned, method)

    dense_curve = dense_accuracy(model, N_CURVE)
    rows = [{"sparsity": 0.0, "accuracy": dense_curve, "run": run} for run in ("pruned", "pruned + fine-tune")]
    points = sorted(set(CURVE) | {round(sparsity, 4)} - {0.0})
    for i, s in enumerate(points):
        say(0.25 + 0.5 * i / len(points), f"accuracy curve: sparsity {s:.0%}")
        before, after = curve_point(model, method, s, finetune_steps)
        rows += [{"sparsity": s, "accuracy": before, "run": "pruned"},
                 {"sparsity": s, "accuracy": after, "run": "pruned + fine-tune"}]
    curve = pd.DataFrame(rows)

    say(0.8, "timing: dense, zeroed weights, channels removed")
    small = remove_channels(dense, sparsity)
    small_accuracy = zoo.evaluate(small, N_EVAL)["accuracy"]
    small_tuned_accuracy = zoo.evaluate(finetune(copy.deepcopy(small), finetune_steps), N_EVAL)["accuracy"]
    times = side_by_side_latency({"dense": dense, "zeroed weights": make_permanent(copy.deepcopy(tuned)),
                                  "channels removed": small})
    latency = pd.DataFrame({"model": list(times), "latency_ms": list(times.values())})
    say(1.0, "done")

    metrics = {
        "sparsity": round(actual, 6),
        "sparsity_percent": f"{100 * actual:.2f}%",
        "accuracy": accuracy,
        "finetuned_accuracy": tuned_accuracy,
        "params": nonzero_params(make_permanent(copy.deepcopy(tuned))),
        "latency_ms": times["zeroed weights"],
        "method": method,
        "requested_sparsity": sparsity,
        "zeroed_weights": zeros,
        "prunable_weights": total,
        "sparsity_after_finetune": round(still_sparse, 6),
        "dense_accuracy": dense_at_eval,
        "dense_params": zoo.count_params(dense),
        "dense_latency_ms": times["dense"],
        "zeroed_speedup": round(times["dense"] / times["zeroed weights"], 3),
        "channels_removed_params": zoo.count_params(small),
        "channels_removed_latency_ms": times["channels removed"],
        "channels_removed_speedup": round(times["dense"] / times["channels removed"], 3),
        "channels_removed_accuracy": small_accuracy,
        "channels_removed_finetuned_accuracy": small_tuned_accuracy,
        "finetune_steps": finetune_steps,
        "test_images": N_EVAL,
        "curve_test_images": N_CURVE,
        "latency_batch": LATENCY_BATCH,
        "seconds": round(time.perf_counter() - started, 2),
        "model": f"zoo {model} ({type(dense).__name__})",
        "source": "bundled",
    }
    return PruneResult(curve, layers, latency, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--method", choices=METHODS, default="global_l1")
    parser.add_argument("--sparsity", type=float, default=0.5)
    parser.add_argument("--finetune-steps", type=int, default=20)
    parser.add_argument("--model", choices=zoo.MODELS, default="student")
    args = parser.parse_args(argv)
    result = prune(args.method, args.sparsity, args.finetune_steps, args.model)
    print(json.dumps(result.metrics, indent=2))
    print(result.layers.to_string(index=False))


if __name__ == "__main__":
    main()
