"""Graph mode vs eager on the graph-mode tab's SmallCNN, measured side by side in one run.

For each mode and batch size (1 and 32): ``speedup`` is eager's median latency over the graph's
(calls alternating between the two, 200 each), ``compile_s`` the first call at that batch size in
this process (TorchScript: trace + freeze; torch.compile: Dynamo + Inductor's C++ build, faster
when Inductor's on-disk cache is warm; tf.function: the trace, in the TensorFlow worker process,
whose start-up, mostly ``import tensorflow``, is ``tf_worker_import_s``). Medians on a shared
2-core CPU where other jobs may run: expect noise.

    python -m benchmarks.frameworks.graph_mode
"""

from __future__ import annotations

CALLS = 200


def claims() -> dict:
    from showcase.frameworks import graph_mode as gm

    out = {}
    modes = [m for m in gm.MODES if m != "tf_function" or gm.tensorflow_installed()]
    for mode in modes:
        for batch in (1, 32):
            try:
                m = gm.compare(mode, batch, CALLS).metrics
            except gm.GraphModeUnavailable as exc:
                out[f"graph_mode.{mode}_error"] = str(exc)
                break
            key = f"graph_mode.{mode}_batch{batch}"
            out[f"{key}_eager_ms"] = m["eager_ms"]
            out[f"{key}_graph_ms"] = m["graph_ms"]
            out[f"{key}_speedup"] = m["speedup"]
            out[f"{key}_compile_s"] = m["compile_s"]
            out[f"{key}_max_abs_diff"] = m["max_abs_diff"]
            if mode == "tf_function":
                out["graph_mode.tf_worker_import_s"] = m["worker_import_s"]
    gm.stop_tf_worker()
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
