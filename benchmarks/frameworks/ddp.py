"""DDP: 1 vs 2 torchrun processes on the same global batches, measured side by side in one run.

The tab's default run (2 processes, 40 steps, global batch 64, lr 0.05, float64, also its first
example): ``samples_per_s_1`` and ``samples_per_s_2`` are the training throughputs (start-up
excluded) of the single process and of DDP over 2 processes, ``speedup_2`` their ratio (below 1
on a shared 2-core CPU: two processes compete for the cores and all-reduce every step),
``startup_s_*`` the time from launching ``torchrun`` to the worker's first line, ``default_run_s``
the whole comparison; ``max_param_diff_float64`` and ``max_param_diff_float32`` the largest
weight difference between the two runs in each precision (the tab's bar: ≤ 1e-5 in float64).

    python -m benchmarks.frameworks.ddp
"""

from __future__ import annotations

import time


from benchmarks.verdict import measured


def claims() -> dict:
    from showcase.frameworks import ddp

    out = {}
    for precision in ("float64", "float32"):
        started = time.perf_counter()
        m = ddp.train(**dict(ddp.DEFAULTS, precision=precision)).metrics
        # the tab: 1 and 2 processes on the same global batch give the same weights (float64)
        out[f"ddp.max_param_diff_{precision}"] = measured(
            m["max_param_diff_vs_single"], f"<= {ddp.TOLERANCE}" if precision == "float64" else None)
        if precision == "float64":
            out["ddp.default_run_s"] = round(time.perf_counter() - started, 2)
            out["ddp.samples_per_s_1"] = m["single_samples_per_s"]
            out["ddp.samples_per_s_2"] = m["samples_per_s"]
            out["ddp.speedup_2"] = m["speedup_vs_single"]
            out["ddp.startup_s_1"] = m["single_startup_s"]
            out["ddp.startup_s_2"] = m["startup_s"]
            out["ddp.backend"] = m["backend"]
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
