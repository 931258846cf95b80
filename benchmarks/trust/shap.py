"""SHAP: KernelExplainer against TreeExplainer on the same row, measured side by side in one run.

``kernel_over_tree_time_<model>``: Kernel SHAP (1000 coalitions, 50 background rows, no L1
selection) over interventional TreeSHAP (same background, best of three) on test row 0, for the
decision tree and for XGBoost; ``kernel_max_abs_diff_<model>`` says how close Kernel SHAP's
estimate came. ``cold_call_s`` / ``warm_call_s``: the first ``explain()`` in a process (fits the
tree, imports shap, runs both explainers, draws) and a repeated, cached one.

    python -m benchmarks.trust.shap
"""

from __future__ import annotations

import time


def claims() -> dict:
    from showcase.trust import shap as explain_shap

    for cached in (explain_shap.explain_test_set, explain_shap.kernel_vs_tree, explain_shap.waterfall,
                   explain_shap.beeswarm):
        cached.cache_clear()
    started = time.perf_counter()
    explain_shap.explain()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    explain_shap.explain()
    warm = time.perf_counter() - started

    out = {}
    for model in explain_shap.MODELS:
        m = explain_shap.kernel_vs_tree.__wrapped__(model, 0)  # measured afresh, not the cached first run
        out[f"shap.kernel_over_tree_time_{model}"] = m["kernel_over_tree_time"]
        out[f"shap.kernel_seconds_{model}"] = m["kernel_seconds"]
        out[f"shap.tree_seconds_{model}"] = m["tree_interventional_seconds"]
        out[f"shap.kernel_max_abs_diff_{model}"] = round(m["kernel_max_abs_diff"], 5)
        out[f"shap.additivity_error_max_{model}"] = explain_shap.explain(model).metrics["additivity_error_max_test"]
    out["shap.cold_call_s"] = round(cold, 3)
    out["shap.warm_call_s"] = round(warm, 5)
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
