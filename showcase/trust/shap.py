"""SHAP values for a decision tree and for XGBoost: waterfall, beeswarm, dependence, and checks.

A SHAP value φ_i is feature i's share of one prediction: the Shapley value of the game whose
players are the features and whose payout is the model's output, so that (additivity)

    f(x) = E[f(X)] + Σ_i φ_i(x)

holds exactly, in the model's own output space: the probability of "benign" for the decision
tree (scikit-learn trees store class frequencies in their leaves), the log-odds margin for
XGBoost. ``shap.TreeExplainer`` computes the values exactly from the tree structure in
O(T·L·D²) time (T trees, L leaves per tree at most, D maximum depth) rather than averaging over
all 2^M feature subsets (M = 32 features here: 4·10⁹ subsets). The tab checks the additivity on
every test row and compares with ``shap.KernelExplainer``, the model-agnostic estimate that
samples subsets and fits a weighted linear model: both explain the same row against the same 50
background rows (TreeSHAP in its "interventional" mode), so the gap between them is Kernel SHAP's
sampling error and the time ratio is what knowing the trees buys.

The table and the XGBoost model are those of ``showcase.classic.ensembles`` (breast cancer plus
two noise columns, a stratified 70/30 split, the same seed), so the two tabs agree.

Pictures: the waterfall walks from E[f(X)] to f(x) for one row; the beeswarm shows every test
row's value for the top features, coloured by the feature's value; the dependence plot shows one
feature's SHAP value against its value. They are drawn here in the style of ``shap.plots``
(whose own functions take ~0.5 s each on two cores) and cached per model and row.

References: Lundberg & Lee, "A Unified Approach to Interpreting Model Predictions" (NeurIPS
2017); Lundberg et al., "From local explanations to global understanding with explainable AI for
trees" (Nature Machine Intelligence 2020); shap's documentation (shap.readthedocs.io).

    python -m showcase.trust.shap --model xgboost --row 3 --feature "worst area"
"""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.tree import DecisionTreeClassifier

from showcase.core.tabular import TABLE_SEED, Fitted, breast_cancer_table, fit_xgboost
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.plots import new_figure, to_image

MODELS = ("decision_tree", "xgboost")
SPACES = {"decision_tree": "probability of benign", "xgboost": "log-odds of benign"}
TREE_DEPTH = 4             # a tree small enough to read; TreeSHAP is exact at any depth
TOP = 10                   # features drawn in the waterfall and the beeswarm
BACKGROUND = 50            # background rows for the Kernel vs Tree comparison
KERNEL_SAMPLES = 1000      # coalitions Kernel SHAP evaluates (of 2^32)
DEFAULT_FEATURE = "worst concave points"
RED, BLUE = "#ff0051", "#008bfb"  # shap's colours for pushing the output up / down


@dataclass(frozen=True)
class Explained:
    values: np.ndarray       # (n_test, F) SHAP values, in the model's output space
    expected: float          # E[f(X)] over the training data, same space
    output: np.ndarray       # (n_test,) the model's own output f(x), same space
    tree_seconds: float      # TreeSHAP on the whole test set


@dataclass
class ShapResult:
    waterfall: Image.Image       # one row: from E[f(X)] to f(x)
    beeswarm: Image.Image        # every test row, top features
    dependence: pd.DataFrame     # value, shap, points ("test rows" / "this row") for one feature
    metrics: dict


# --- the models -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def fit_tree(max_depth: int = TREE_DEPTH, seed: int = TABLE_SEED) -> Fitted:
    table = breast_cancer_table(seed)
    model = DecisionTreeClassifier(max_depth=max_depth, random_state=seed)
    started = time.perf_counter()
    model.fit(table.x_train, table.y_train)
    return Fitted(model, time.perf_counter() - started)


def fitted(name: str):
    """The model behind ``name``: the tree of this tab or the default XGBoost of the ensembles tab."""
    if name not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {name!r}.")
    return fit_tree().model if name == "decision_tree" else fit_xgboost().model


def model_output(name: str, x: np.ndarray) -> np.ndarray:
    """f(x) in the space TreeSHAP explains: P(benign) for the tree, the log-odds margin for XGBoost."""
    model = fitted(name)
    if name == "decision_tree":
        return model.predict_proba(x)[:, 1]
    return model.predict(x, output_margin=True).astype(np.float64)


def tree_complexity(name: str) -> dict:
    """T, L and D of TreeSHAP's O(T·L·D²), read off the fitted trees."""
    model = fitted(name)
    if name == "decision_tree":
        return {"trees": 1, "max_leaves": int(model.get_n_leaves()), "max_depth": int(model.get_depth())}
    frame = model.get_booster().trees_to_dataframe()
    leaves = frame[frame["Feature"] == "Leaf"].groupby("Tree").size()
    return {"trees": int(frame["Tree"].nunique()), "max_leaves": int(leaves.max()),
            "max_depth": int(model.get_params()["max_depth"])}


# --- SHAP values ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def explain_test_set(name: str) -> Explained:
    """TreeSHAP ("tree_path_dependent", shap's default for trees) on every test row."""
    import shap  # imported on first use: it adds over a second to the app's start

    table = breast_cancer_table()
    explainer = shap.TreeExplainer(fitted(name))
    started = time.perf_counter()
    values = np.asarray(explainer.shap_values(table.x_test), dtype=np.float64)
    seconds = time.perf_counter() - started
    expected = np.atleast_1d(explainer.expected_value)
    if values.ndim == 3:      # scikit-learn classifiers: (n, F, classes); class 1 is "benign"
        values, expected = values[..., 1], expected[1]
    return Explained(values, float(np.ravel(expected)[-1]), model_output(name, table.x_test), seconds)


@functools.lru_cache(maxsize=64)
def kernel_vs_tree(name: str, row: int, seed: int = TABLE_SEED) -> dict:
    """Kernel SHAP and interventional TreeSHAP on one row, against the same background rows."""
    import shap

    table = breast_cancer_table()
    rng = np.random.default_rng(seed)
    background = table.x_train[rng.choice(len(table.x_train), BACKGROUND, replace=False)]
    x = table.x_test[row:row + 1]

    tree = shap.TreeExplainer(fitted(name), data=background, feature_perturbation="interventional")
    tree_times = []
    for _ in range(3):  # best of three: one call takes about a millisecond
        started = time.perf_counter()
        exact = np.asarray(tree.shap_values(x), dtype=np.float64)
        tree_times.append(time.perf_counter() - started)
    exact = (exact[..., 1] if exact.ndim == 3 else exact).ravel()

    kernel = shap.KernelExplainer(lambda a: model_output(name, a), background)
    state = np.random.get_state()
    np.random.seed(seed)  # Kernel SHAP samples coalitions with numpy's global generator
    try:
        started = time.perf_counter()
        estimate = np.asarray(kernel.shap_values(x, nsamples=KERNEL_SAMPLES, l1_reg=False, silent=True)).ravel()
        kernel_seconds = time.perf_counter() - started
    finally:
        np.random.set_state(state)
    tree_seconds = min(tree_times)
    return {
        "kernel_seconds": round(kernel_seconds, 4),
        "tree_interventional_seconds": round(tree_seconds, 5),
        "kernel_over_tree_time": round(kernel_seconds / tree_seconds, 1),
        "kernel_max_abs_diff": float(np.max(np.abs(estimate - exact))),
        "kernel_relative_diff": float(np.linalg.norm(estimate - exact) / max(np.linalg.norm(exact), 1e-12)),
        "kernel_background_rows": BACKGROUND,
        "kernel_nsamples": KERNEL_SAMPLES,
    }


# --- pictures -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def waterfall(name: str, row: int) -> Image.Image:
    """From E[f(X)] (bottom) to f(x) (top): the top features of this row, the rest summed."""
    table, ex = breast_cancer_table(), explain_test_set(name)
    values, x = ex.values[row], table.x_test[row]
    order = np.argsort(-np.abs(values))
    shown, rest = order[:TOP - 1], order[TOP - 1:]
    labels = [f"{table.features[j]} = {x[j]:.4g}" for j in shown] + [f"{len(rest)} other features"]
    steps = np.append(values[shown], values[rest].sum())
    fig, ax = new_figure(6.4, 4.4)
    fig.subplots_adjust(left=0.4, right=0.96, bottom=0.12, top=0.9)
    start = ex.expected + np.cumsum(steps[::-1])[::-1] - steps   # where each bar starts, bottom up
    y = np.arange(len(steps))[::-1]
    ax.barh(y, steps, left=start, color=[RED if s > 0 else BLUE for s in steps], height=0.7)
    span = max(float(np.ptp(np.append(start, start + steps))), 1e-9)
    for yi, s, left in zip(y, steps, start):
        ax.text(max(left, left + s) + 0.01 * span, yi, f"{s:+.3f}", va="center", fontsize=7)
    ax.axvline(ex.expected, color="grey", ls=":", lw=1)
    ax.axvline(ex.output[row], color="black", ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(f"{SPACES[name]}: E[f(X)] = {ex.expected:.3f} (dotted) → f(x) = {ex.output[row]:.3f} (dashed)",
                  fontsize=8)
    ax.set_xlim(min(start.min(), (start + steps).min()) - 0.05 * span,
                max(start.max(), (start + steps).max()) + 0.15 * span)
    ax.set_title(f"{name}, test row {row}", fontsize=9)
    return to_image(fig)


def _swarm_offsets(v: np.ndarray, width: float = 0.38, bins: int = 60) -> np.ndarray:
    """Vertical offsets that spread points sharing an x bin: 0, +d, −d, +2d, … (a rough swarm)."""
    edges = np.linspace(v.min(), v.max() + 1e-12, bins + 1)
    which = np.digitize(v, edges)
    offsets = np.zeros_like(v)
    for b in np.unique(which):
        idx = np.flatnonzero(which == b)
        k = np.arange(len(idx))
        offsets[idx] = np.where(k % 2, -1, 1) * ((k + 1) // 2)
    return offsets * width / max(np.abs(offsets).max(), 1)


@functools.lru_cache(maxsize=4)
def beeswarm(name: str) -> Image.Image:
    """Every test row's SHAP value for the top features (by mean |SHAP|), coloured by feature value."""
    table, ex = breast_cancer_table(), explain_test_set(name)
    top = np.argsort(-np.abs(ex.values).mean(axis=0))[:TOP]
    fig, ax = new_figure(6.4, 4.4)
    fig.subplots_adjust(left=0.3, right=0.92, bottom=0.12, top=0.92)
    for pos, j in enumerate(top):
        v, x = ex.values[:, j], table.x_test[:, j]
        lo, hi = np.percentile(x, [5, 95])
        colour = np.clip((x - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        points = ax.scatter(v, TOP - 1 - pos + _swarm_offsets(v), c=colour, cmap="coolwarm", s=7,
                            vmin=0, vmax=1, linewidths=0)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(np.arange(TOP)[::-1])
    ax.set_yticklabels([table.features[j] for j in top], fontsize=8)
    ax.set_xlabel(f"SHAP value ({SPACES[name]})", fontsize=8)
    ax.set_title(f"{name}: {len(ex.values)} test rows", fontsize=9)
    bar = fig.colorbar(points, ax=ax, ticks=[0, 1], fraction=0.04, pad=0.02)
    bar.ax.set_yticklabels(["low", "high"], fontsize=7)
    bar.set_label("feature value", fontsize=8)
    return to_image(fig)


def dependence(name: str, row: int, feature: int) -> pd.DataFrame:
    """One feature's SHAP value against its value over the test rows; the chosen row marked."""
    table, ex = breast_cancer_table(), explain_test_set(name)
    points = np.where(np.arange(len(ex.values)) == row, "this row", "test rows")
    return pd.DataFrame({"value": table.x_test[:, feature], "shap": ex.values[:, feature], "points": points})


# --- the public function --------------------------------------------------------------------

def explain(model: str = "decision_tree", row: int = 0, feature: str = DEFAULT_FEATURE) -> ShapResult:
    """Explain test row ``row`` of ``model``; the dependence plot is for ``feature``."""
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    table = breast_cancer_table()
    row = number(row, "Row", low=0, high=len(table.y_test) - 1, integer=True)
    if feature not in table.features:
        close = [f for f in table.features if str(feature).strip().lower() in f][:3]
        hint = f" Did you mean {', '.join(close)}?" if close else f" Choose one of the {len(table.features)} columns, e.g. {DEFAULT_FEATURE!r}."
        raise InputError(f"Unknown feature {feature!r}.{hint}")
    j = table.features.index(feature)

    ex = explain_test_set(model)
    values = ex.values[row]
    shap_sum = float(values.sum())
    prediction = float(ex.output[row])
    errors = np.abs(ex.values.sum(axis=1) + ex.expected - ex.output)
    cost = tree_complexity(model)
    order = np.argsort(-np.abs(values))
    metrics = {
        "model": model,
        "row": row,
        "output_space": SPACES[model],
        "true_label": "benign" if table.y_test[row] == 1 else "malignant",
        "expected_value": round(ex.expected, 6),
        "prediction": round(prediction, 6),
        "shap_sum": round(shap_sum, 6),
        "additivity_error": float(abs(ex.expected + shap_sum - prediction)),
        "additivity_error_max_test": float(errors.max()),
        "top_features": [table.features[k] for k in order[:5]],
        "top_features_test_set": [table.features[k] for k in np.argsort(-np.abs(ex.values).mean(axis=0))[:5]],
        "feature": feature,
        "feature_value": round(float(table.x_test[row, j]), 6),
        "feature_shap": round(float(values[j]), 6),
        "tree_shap_seconds_test_set": round(ex.tree_seconds, 5),
        **{f"tree_{k}": v for k, v in cost.items()},
        "treeshap_cost_T_L_D2": cost["trees"] * cost["max_leaves"] * cost["max_depth"] ** 2,
        "brute_force_subsets": 2 ** len(table.features),
        **kernel_vs_tree(model, row),
    }
    if model == "xgboost":
        metrics["prediction_probability"] = round(float(1 / (1 + np.exp(-prediction))), 6)
    return ShapResult(waterfall(model, row), beeswarm(model), dependence(model, row, j), metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, default="decision_tree")
    parser.add_argument("--row", type=int, default=0)
    parser.add_argument("--feature", default=DEFAULT_FEATURE)
    parser.add_argument("--out", help="save the waterfall here")
    args = parser.parse_args(argv)
    result = explain(args.model, args.row, args.feature)
    for key, value in result.metrics.items():
        print(f"{key}: {value}")
    if args.out:
        result.waterfall.save(args.out)


if __name__ == "__main__":
    main()
