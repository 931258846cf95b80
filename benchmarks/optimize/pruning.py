"""Pruning: what gets faster, measured side by side in one run.

``structured_50_speedup_<model>``: the dense zoo model over the same model with 50% of the
channels of each coupled group physically removed by torch-pruning (target ≥ 1.4×);
``zeroed_50_speedup_<model>``: the dense model over the one whose smallest 50% of weights
(global L1) are zeros in dense tensors (expect ~1.0×: dense kernels multiply zeros too). Batch of
32 Fashion-MNIST test images, median of interleaved rounds, torch's default threads.
``cold_call_s``: the tab's first example (global 20%, 10 fine-tune steps) in a fresh process.

    python -m benchmarks.optimize.pruning
"""

from __future__ import annotations

import copy
import time

from benchmarks.verdict import measured


def claims() -> dict:
    from showcase.core import zoo
    from showcase.optimize import pruning

    out = {}
    for name in zoo.MODELS:
        dense = zoo.load_model(name)
        zeroed = pruning.make_permanent(pruning.apply_pruning(copy.deepcopy(dense), "global_l1", 0.5))
        small = pruning.remove_channels(dense, 0.5)
        times = pruning.side_by_side_latency({"dense": dense, "zeroed": zeroed, "small": small}, rounds=5)
        # the tab: removing channels makes the model really faster; zeroed weights alone run no faster
        out[f"pruning.structured_50_speedup_{name}"] = measured(round(times["dense"] / times["small"], 2), ">= 1.4")
        out[f"pruning.zeroed_50_speedup_{name}"] = measured(round(times["dense"] / times["zeroed"], 2), "< 1.2")
        out[f"pruning.dense_ms_{name}"] = times["dense"]
        out[f"pruning.structured_50_params_{name}"] = f"{zoo.count_params(small)} of {zoo.count_params(dense)}"
    pruning.curve_point.cache_clear()
    started = time.perf_counter()
    pruning.prune("global_l1", 0.2, 10, "student")
    out["pruning.cold_call_s"] = round(time.perf_counter() - started, 2)
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
