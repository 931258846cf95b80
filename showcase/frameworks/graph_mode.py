"""Eager vs graph mode on the same small CNN and input: TorchScript, ``torch.compile``, ``tf.function``.

Eager execution runs a model op by op from Python, which is easy to debug but pays Python's and
the dispatcher's overhead on every op. Graph mode captures the whole computation once, optimises
it (fusing ops, folding constants, planning memory) and then replays it:

- ``torchscript``: ``torch.jit.trace`` records the ops on an example input, ``torch.jit.freeze``
  inlines the weights and folds constants. Deprecated since torch 2.9 in favour of
  ``torch.compile``/``torch.export``, but still the quickest to build.
- ``torch_compile``: TorchDynamo captures the graph from Python bytecode and TorchInductor
  generates C++/OpenMP kernels for the CPU, compiled with gcc. The first call at a new input
  shape compiles (``compile_s`` in the metrics; cached per process and in Inductor's on-disk cache), later calls
  run the kernels. If no C++ compiler works, the error is reported, not a crash.
- ``tf_function``: an equivalent Keras model with the same weights, eager vs ``tf.function``, in
  its own worker process (``showcase.frameworks.tf_worker``): TensorFlow imported next to torch's
  triton crashes torch, and it costs over a gigabyte.

Each mode reports the first-call (compile or trace) time, the median steady-state latency of
eager and graph over many calls made alternately on the same input (so both share the noise of
a busy machine), and the largest absolute difference of their outputs.

The model, ``SmallCNN``: two 3×3 conv + ReLU + 2×2 max-pool blocks (16 and 32 channels) and two
linear layers (64, 10) on 28×28 grey images, the Fashion-MNIST shape; weights from seed 0.

References: PyTorch's "Introduction to torch.compile" and TorchScript docs; Ansel et al.,
"PyTorch 2" (ASPLOS 2024); TensorFlow's "Better performance with tf.function" guide.

    python -m showcase.frameworks.graph_mode --mode torchscript --batch 32
"""

from __future__ import annotations

import argparse
import functools
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from showcase.core import workers
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.timing import samples_ms
from showcase.core.workers import tensorflow_installed  # noqa: F401 - the page and benchmark ask here

MODES = ("torchscript", "torch_compile", "tf_function")
MODE_NAMES = {"torchscript": "TorchScript (trace + freeze)", "torch_compile": "torch.compile (Inductor)",
              "tf_function": "tf.function (TensorFlow)"}
MAX_BATCH = 512
MAX_CALLS = 500
SEED = 0


class GraphModeUnavailable(InputError):
    """A graph mode that cannot run here (no C++ compiler, no TensorFlow); the message says why."""


@dataclass
class GraphResult:
    latency: pd.DataFrame    # mode ("eager" / "graph"), ms: the two medians
    calls: pd.DataFrame      # call, ms, mode: every steady-state call
    metrics: dict


class SmallCNN(nn.Module):
    """(B, 1, 28, 28) -> (B, 10): conv16-pool-conv32-pool-fc64-fc10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)     # (B, 16, 14, 14)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)     # (B, 32, 7, 7)
        x = torch.relu(self.fc1(x.flatten(1)))                 # (B, 64)
        return self.fc2(x)                                     # (B, 10)


@functools.cache
def model() -> SmallCNN:
    torch.manual_seed(SEED)
    return SmallCNN().eval()


def example_input(batch: int, seed: int = SEED) -> torch.Tensor:
    return torch.randn(batch, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


# --- PyTorch graph modes, built once per process --------------------------------------------

_lock = threading.Lock()
_graphs: dict[str, Callable] = {}
_first_calls: dict[tuple[str, int], float] = {}   # (mode, batch) -> seconds of the first call


def _build(mode: str, x: torch.Tensor) -> Callable:
    net = model()
    if mode == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "torch.jit.trace is deprecated"
            return torch.jit.freeze(torch.jit.trace(net, x))
    return torch.compile(net)


def graph_module(mode: str, x: torch.Tensor) -> tuple[Callable, float, bool]:
    """The graph version of the model, its first-call time at this batch size, and whether it was cached.

    TorchScript's first call includes tracing and freezing (and its profiling run); torch.compile's
    includes Dynamo's capture and Inductor's C++ build for this shape.
    """
    key = (mode, int(x.shape[0]))
    with _lock:
        if key in _first_calls:
            return _graphs[mode], _first_calls[key], True
        started = time.perf_counter()
        try:
            if mode not in _graphs:
                _graphs[mode] = _build(mode, x)
            with torch.inference_mode():
                _graphs[mode](x)
                if mode == "torchscript":
                    _graphs[mode](x)  # the profiling executor optimises on the second call
        except Exception as exc:  # noqa: BLE001 - e.g. no working C++ compiler for Inductor
            _graphs.pop(mode, None)
            first_line = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            raise GraphModeUnavailable(
                f"{MODE_NAMES[mode]} failed here: {type(exc).__name__}: {first_line}. "
                "torch.compile needs a working C++ compiler (gcc or clang) on the CPU; TorchScript does not."
            ) from exc
        _first_calls[key] = time.perf_counter() - started
        return _graphs[mode], _first_calls[key], False


def time_alternating(eager: Callable, graph: Callable, x, calls: int, say) -> tuple[list[float], list[float]]:
    """ms of each of ``calls`` eager and graph calls, alternating, after one warm-up each."""
    def tick(i: int) -> None:
        if (i + 1) % max(1, calls // 10) == 0:
            say(0.5 + 0.5 * (i + 1) / calls, f"call {i + 1}/{calls}")

    with torch.inference_mode():
        eager_times, graph_times = samples_ms([lambda: eager(x), lambda: graph(x)], calls, every=tick)
    return eager_times, graph_times


def run_torch_mode(mode: str, batch: int, calls: int, say) -> dict:
    net, x = model(), example_input(batch)
    say(0.05, f"{MODE_NAMES[mode]}: building and first call at batch {batch}"
              + (" (torch.compile: the first call in a process compiles)" if mode == "torch_compile" else ""))
    graph, first_s, cached = graph_module(mode, x)
    with torch.inference_mode():
        diff = float((net(x) - graph(x)).abs().max())
    eager_times, graph_times = time_alternating(net, graph, x, calls, say)
    return {"framework": f"PyTorch {torch.__version__}", "compile_s": round(first_s, 4), "compile_cached": cached,
            "eager_times": eager_times, "graph_times": graph_times, "max_abs_diff": diff}


# --- TensorFlow, in its own process ---------------------------------------------------------

class TensorFlowWorker(workers.TensorFlowWorker):
    """``python -m showcase.frameworks.tf_worker``, once per app process, started on first use."""

    module = "showcase.frameworks.tf_worker"
    unavailable = GraphModeUnavailable
    missing = "TensorFlow is not installed in this environment, so tf.function cannot run; the PyTorch modes work."

    def run(self, batch: int, calls: int, say) -> dict:
        with self.lock:
            say(0.05, "starting the TensorFlow worker process (the first time imports TensorFlow)")
            self.start()
            weights, inputs, reference = (self.folder / name for name in ("weights.npz", "x.npy", "torch_out.npy"))
            if not weights.exists():
                np.savez(weights, **{k: v.detach().numpy() for k, v in model().state_dict().items()})
            x = example_input(batch)
            np.save(inputs, x.numpy())
            with torch.inference_mode():
                np.save(reference, model()(x).numpy())
            say(0.3, "TensorFlow: tracing tf.function and timing")
            return self.request({"weights": str(weights), "input": str(inputs), "reference": str(reference),
                                 "calls": calls}, say, span=(0.3, 1.0))


_tf_worker: TensorFlowWorker | None = None


def tf_worker() -> TensorFlowWorker:
    global _tf_worker
    if _tf_worker is None:
        _tf_worker = TensorFlowWorker()
    return _tf_worker


def stop_tf_worker() -> None:
    """End the TensorFlow worker if one was started (a benchmark frees its ~1 GB when done)."""
    if _tf_worker is not None:
        _tf_worker.stop()


def run_tf_function(batch: int, calls: int, say) -> dict:
    return tf_worker().run(batch, calls, say)


# --- the tab's function ---------------------------------------------------------------------

def compare(mode: str = "torchscript", batch_size=32, calls=100,
            progress: Callable[[float, str], None] | None = None) -> GraphResult:
    """Eager against graph mode ``mode`` on SmallCNN and a random (batch_size, 1, 28, 28) input."""
    say = progress or (lambda fraction, text: None)
    if mode not in MODES:
        raise InputError(f"mode must be one of {MODES}, not {mode!r}.")
    batch = number(batch_size, "Batch size", low=1, high=MAX_BATCH, integer=True)
    calls = number(calls, "Calls", low=5, high=MAX_CALLS, integer=True)

    run = run_tf_function if mode == "tf_function" else functools.partial(run_torch_mode, mode)
    measured = run(batch, calls, say)
    eager_ms = float(np.median(measured["eager_times"]))
    graph_ms = float(np.median(measured["graph_times"]))
    latency = pd.DataFrame({"mode": ["eager", MODE_NAMES[mode]], "ms": [round(eager_ms, 4), round(graph_ms, 4)]})
    calls_table = pd.DataFrame({
        "call": np.tile(np.arange(1, calls + 1), 2),
        "ms": np.round(np.concatenate([measured["eager_times"], measured["graph_times"]]), 4),
        "mode": ["eager"] * calls + [MODE_NAMES[mode]] * calls,
    })
    metrics = {
        "mode": mode,
        "framework": measured["framework"],
        "model": "SmallCNN (conv16-conv32-fc64-fc10, seed 0)",
        "source": "defined in showcase/frameworks/graph_mode.py",
        "batch_size": batch,
        "calls": calls,
        "eager_ms": round(eager_ms, 4),
        "graph_ms": round(graph_ms, 4),
        "speedup": round(eager_ms / graph_ms, 3),
        "compile_s": measured["compile_s"],
        "compile_cached": measured["compile_cached"],
        "max_abs_diff": float(f"{measured['max_abs_diff']:.3g}"),
        "eager_p90_ms": round(float(np.percentile(measured["eager_times"], 90)), 4),
        "graph_p90_ms": round(float(np.percentile(measured["graph_times"], 90)), 4),
        "threads": torch.get_num_threads(),
    }
    if mode == "tf_function":
        metrics["tf_vs_torch_max_abs_diff"] = float(f"{measured['tf_vs_torch_max_abs_diff']:.3g}")
        metrics["worker_import_s"] = measured["worker_import_s"]
    say(1.0, "done")
    return GraphResult(latency, calls_table, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=MODES, default="torchscript")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args(argv)
    result = compare(args.mode, args.batch, args.calls, progress=lambda f, text: print(f"[{f:4.0%}] {text}"))
    for key, value in result.metrics.items():
        print(f"{key}: {value}")
    if _tf_worker is not None:
        _tf_worker.stop()


if __name__ == "__main__":
    main()
