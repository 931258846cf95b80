"""Linear regression by gradient descent: batch, stochastic and mini-batch, against the closed form.

The model is ŷ = m·x + b with the mean squared error L = (1/n) Σ (y − ŷ)². Its gradient is
∂L/∂m = −(2/n) Σ x (y − ŷ) and ∂L/∂b = −(2/n) Σ (y − ŷ), exactly the roadmap's code. Batch GD
takes one step per epoch on all points; SGD one step per point, in a shuffled order; mini-batch
one step per batch. The closed form (least squares, ``numpy.linalg.lstsq``) is the answer they
all head for. Too large a learning rate makes the loss grow without bound: we stop and say so. For batch GD
the limit is lr < 2/λ_max of the loss's Hessian (2/n)·[x 1]ᵀ[x 1], about 0.085 for the roadmap data.

Data: the roadmap's own X=[1..5], y=[2,4,5,4,6], or Géron's noisy line y = 4 + 3x + noise
(100 points, ``np.random.seed(42)``), whose closed form is θ = [4.215, 2.770].

Reference: Géron, "Hands-On Machine Learning", ch. 4; the roadmap's gradient_descent example.

    python -m showcase.math.gradient_descent --dataset geron --lr 0.1 --epochs 200
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.plots import new_figure

DATASETS = ("roadmap", "geron")
METHODS = ("batch", "sgd", "minibatch")
DIVERGED = 1e12  # a loss above this has left every sensible scale: the run diverged


@dataclass
class GdResult:
    losses: pd.DataFrame   # epoch, loss, method: one curve per method
    figure: object         # the loss surface with each method's path
    metrics: dict


def load(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    if dataset == "roadmap":
        return np.array([1, 2, 3, 4, 5], dtype=float), np.array([2, 4, 5, 4, 6], dtype=float)
    state = np.random.get_state()
    np.random.seed(42)  # Géron's notebook draws with the legacy global generator
    x = 2 * np.random.rand(100, 1)
    y = 4 + 3 * x + np.random.randn(100, 1)
    np.random.set_state(state)
    return x.ravel(), y.ravel()


def mse(x, y, m, b) -> float:
    return float(np.mean((y - (m * x + b)) ** 2))


def closed_form(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    design = np.column_stack([x, np.ones_like(x)])
    (m, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(m), float(b)


def descend(x, y, method: str, lr: float, epochs: int, batch_size: int, seed: int):
    """Run one method from m = b = 0; return per-epoch losses, the (m, b) path, and divergence.

    The steps use plain Python floats: a step touches one to a few points, where numpy's
    per-call overhead would cost ten times the arithmetic.
    """
    rng = np.random.default_rng(seed)
    n = len(x)
    size = {"batch": n, "sgd": 1, "minibatch": min(batch_size, n)}[method]
    xs, ys = x.tolist(), y.tolist()
    m = b = 0.0
    losses, path = [mse(x, y, m, b)], [(m, b)]
    for _ in range(epochs):
        order = range(n) if method == "batch" else rng.permutation(n).tolist()
        order = list(order)
        try:
            for start in range(0, n, size):
                idx = order[start:start + size]
                dm = db = 0.0
                for i in idx:
                    error = ys[i] - (m * xs[i] + b)
                    dm += xs[i] * error
                    db += error
                m -= lr * (-2 / len(idx)) * dm
                b -= lr * (-2 / len(idx)) * db
            loss = sum((yi - (m * xi + b)) ** 2 for xi, yi in zip(xs, ys)) / n
        except OverflowError:
            loss = float("inf")
        losses.append(loss)
        path.append((m, b))
        if not np.isfinite(loss) or loss > DIVERGED:
            return np.array(losses), np.array(path), True
    # Ending worse than the start (m = b = 0) is divergence too, just a slow one.
    return np.array(losses), np.array(path), bool(losses[-1] > losses[0])


def _surface(x, y, paths: dict, best: tuple[float, float]):
    points = np.vstack([p[np.isfinite(p).all(axis=1)] for p in paths.values()] + [np.array([best, (0, 0)])])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    lo, hi = np.maximum(lo - pad, -1e3), np.minimum(hi + pad, 1e3)
    ms, bs = np.meshgrid(np.linspace(lo[0], hi[0], 60), np.linspace(lo[1], hi[1], 60))
    loss = np.mean((y[None, None, :] - (ms[..., None] * x[None, None, :] + bs[..., None])) ** 2, axis=2)
    fig, ax = new_figure(5.5, 4)
    # an image of the surface, not contourf: half the render time, the same picture at this size
    ax.imshow(np.log10(loss + 1e-12), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
              aspect="auto", cmap="viridis")
    colours = {"batch": "white", "sgd": "orange", "minibatch": "red"}
    for method, path in paths.items():
        ok = path[np.isfinite(path).all(axis=1) & (np.abs(path) < 1e3).all(axis=1)]
        ax.plot(ok[:, 0], ok[:, 1], "-", color=colours[method], lw=1.2, label=method)
    ax.plot(*best, "k*", ms=14, label="closed form")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("slope m")
    ax.set_ylabel("intercept b")
    # text is most of a render here: four ticks a side and the title in the tab's label (−40%)
    ax.locator_params(nbins=4)
    ax.legend(loc="upper right", fontsize=8)
    return fig


def gradient_descent(dataset: str = "roadmap", method: str = "batch", lr: float = 0.01,
                     epochs: int = 1000, batch_size: int = 2, tolerance: float = 1e-4,
                     seed: int = 42) -> GdResult:
    """Fit ŷ = m·x + b on ``dataset`` with all three methods; report ``method`` in the metrics."""
    if dataset not in DATASETS:
        raise InputError(f"dataset must be one of {DATASETS}, not {dataset!r}.")
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, not {method!r}.")
    lr = number(lr, "Learning rate", low=1e-6, high=10)
    epochs = number(epochs, "Epochs", low=1, high=5000, integer=True)
    batch_size = number(batch_size, "Batch size", low=1, high=10_000, integer=True)
    tolerance = number(tolerance, "Tolerance", low=1e-12, high=1)
    seed = number(seed, "Seed", low=0, high=2**32 - 1, integer=True)

    x, y = load(dataset)
    best = closed_form(x, y)
    best_loss = mse(x, y, *best)
    runs = {name: descend(x, y, name, lr, epochs, batch_size, seed) for name in METHODS}

    frames = []
    for name, (losses, _, _) in runs.items():
        shown = np.where(np.isfinite(losses), np.minimum(losses, DIVERGED), DIVERGED)
        # at most ~300 points a curve: the plot looks the same and the response is 10× smaller
        keep = np.unique(np.r_[np.linspace(0, len(shown) - 1, min(len(shown), 300)).astype(int), len(shown) - 1])
        frames.append(pd.DataFrame({"epoch": keep, "log10_loss": np.log10(shown[keep] + 1e-12), "method": name}))

    losses, path, diverged = runs[method]
    excess = (losses - best_loss) / max(best_loss, 1e-12)
    reached = np.flatnonzero(excess < tolerance) if not diverged else []
    m, b = path[-1]
    metrics = {
        "dataset": dataset,
        "method": method,
        "learning_rate": lr,
        "epochs": epochs,
        "slope": round(float(m), 6),
        "intercept": round(float(b), 6),
        "final_loss": float(losses[-1]) if np.isfinite(losses[-1]) else "inf",
        "closed_form_slope": round(best[0], 6),
        "closed_form_intercept": round(best[1], 6),
        "closed_form_loss": round(best_loss, 6),
        "epochs_to_tolerance": int(reached[0]) if len(reached) else None,
        "diverged": bool(diverged),
        "by_method": {
            name: {"slope": round(float(p[-1][0]), 4), "intercept": round(float(p[-1][1]), 4),
                   "final_loss": float(ls[-1]) if np.isfinite(ls[-1]) else "inf", "diverged": d}
            for name, (ls, p, d) in runs.items()
        },
    }
    if diverged:
        metrics["message"] = f"Diverged after {len(losses) - 1} epochs: lower the learning rate."
    figure = _surface(x, y, {name: p for name, (_, p, _) in runs.items()}, best)
    return GdResult(pd.concat(frames, ignore_index=True), figure, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=DATASETS, default="roadmap")
    parser.add_argument("--method", choices=METHODS, default="batch")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args(argv)
    print(gradient_descent(args.dataset, args.method, args.lr, args.epochs).metrics)


if __name__ == "__main__":
    main()
