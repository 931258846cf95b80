"""Distributed data parallel: ``torchrun`` launches 1 and then N processes on the same global batches.

Data parallelism copies the whole model to every process and splits each batch between them;
after every backward pass the processes average their gradients (an all-reduce), so every copy
takes the same optimiser step. PyTorch's ``DistributedDataParallel`` (DDP) does the averaging,
overlapped with the backward pass; ``torchrun`` starts the processes and tells each its rank.

This module is the launcher and the judge. It runs the training script
``showcase.frameworks.ddp_worker`` twice with real ``torchrun``, as a subprocess whose log it
streams line by line:

1. with one process, which sees each global batch of B images whole: the reference;
2. with N processes (gloo on CPU cores; nccl where there is a GPU for each), each seeing B/N
   images of the very same global batches, from the same seed.

Then it compares the two final sets of weights (saved by rank 0 as safetensors): with the
gradient averaged over equal shards, N processes make exactly the update one process makes,
so the weights agree to rounding (~1e-15 in float64; in float32 the rounding differences grow
through training, see the worker's docstring), and reports each run's throughput, loss curve
and held-out accuracy.

On a CPU, ``torchrun`` is started with ``--run-path --start-method fork``: the workers are
forked from the launcher, which has already imported torch, instead of each importing it again
(~7 s each on a busy 2-core machine). On GPUs, and in the commands the tab shows, it is the
plain form ``torchrun --nproc-per-node=8 train.py``.

Throughput is measured, not promised: on a 2-core CPU shared with other work, N processes
compete for the same cores and pay for an all-reduce every step, so anything from slower to
less than 2× faster is normal (on a busy machine two processes may simply get a larger share
of it). DDP scales when each process has a device (or cores) of its own and enough work per step.

References: PyTorch, "Getting started with distributed data parallel" and the torchrun
(elastic launch) documentation; Li et al., "PyTorch Distributed: Experiences on Accelerating
Data Parallel Training" (VLDB 2020); Goyal et al., "Accurate, Large Minibatch SGD" (2017), for
the linear learning-rate scaling rule when the global batch grows with the GPUs.

    python -m showcase.frameworks.ddp --world-size 2 --steps 40 --global-batch 64
    python -m showcase.frameworks.ddp --precision float32        # watch the rounding grow
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import torch

from showcase.core import children
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import ROOT
from showcase.frameworks import ddp_worker

WORKER = Path(ddp_worker.__file__).resolve()
MIN_WORLD, MAX_WORLD = 2, 4
MAX_STEPS = 300
MIN_BATCH, MAX_BATCH = 8, 512
MIN_LR, MAX_LR = 1e-3, 0.5
PRECISIONS = ("float64", "float32")
DEFAULTS = dict(world_size=2, steps=40, global_batch=64, lr=0.05, precision="float64")
TOLERANCE = 1e-5            # float64 weights must equal the single process's within this
EVAL_IMAGES = 2000          # held-out Fashion-MNIST test images each final model is scored on
RUN_TIMEOUT = 300.0         # s per torchrun: start-up is ~5–20 s here, training a few seconds
STEP_LINE = re.compile(r"^\[rank 0\] step (\d+)/(\d+) loss (\S+)")


class LaunchFailed(RuntimeError):
    """``torchrun`` exited with an error or ran out of time; the message holds its last log lines."""


@dataclass
class Update:
    """One streamed state of the comparison: the log so far, the curves, the metrics."""
    log: str
    curves: pd.DataFrame                                    # step, loss, run
    throughput: pd.DataFrame                                # run, samples_per_s
    metrics: dict
    fraction: float                                         # of the whole job, for a progress bar
    done: bool = False
    runs: dict = field(default_factory=dict)                # world size -> the worker's result.json


# --- the launch -------------------------------------------------------------------------------

def device_for(world_size: int) -> str:
    """One GPU per process (nccl needs it), or CPU cores with gloo for both runs alike."""
    return "cuda" if torch.cuda.is_available() and torch.cuda.device_count() >= world_size else "cpu"


def torchrun_command(world_size: int, steps: int, global_batch: int, lr: float, precision: str,
                     out: Path, device: str = "cpu", log_every: int = 5) -> list[str]:
    """The exact command line: ``python -m torch.distributed.run`` is ``torchrun``."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",   # a free port, one node
                f"--nproc-per-node={world_size}"]
    if device == "cpu":     # fork the workers from the launcher, which has torch imported already
        script = ["--run-path", "--start-method=fork", str(WORKER)]
    else:
        script = ["-m", "showcase.frameworks.ddp_worker"]
    args = [f"--steps={steps}", f"--global-batch={global_batch}", f"--lr={lr}", f"--dtype={precision}",
            f"--device={device}", f"--log-every={log_every}", f"--out={out}"]
    return launcher + script + args


def launch(command: list[str], timeout: float = RUN_TIMEOUT) -> Iterator[str]:
    """Run ``command`` and yield its output (stdout and stderr) line by line as it comes.

    The launcher and its workers get a process group of their own (``children.Child``), so that a
    timeout, an error, a page closed mid-run or the app's end ends all of them, and nothing else."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    process = children.Child(command, cwd=ROOT, env=env, text=True, bufsize=1,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    expired = threading.Event()

    def stop():
        if process.poll() is None:
            expired.set()
            children.stop(process, grace=10)

    timer = threading.Timer(timeout, stop)
    timer.start()
    tail: list[str] = []
    try:
        for line in process.stdout:
            line = line.rstrip("\n")
            tail = (tail + [line])[-15:]
            yield line
        process.wait()
    finally:
        timer.cancel()
        children.stop(process, grace=10)
        process.stdout.close()
    if expired.is_set():
        raise LaunchFailed(f"torchrun did not finish within {timeout:.0f} s and was stopped.")
    if process.returncode != 0:
        raise LaunchFailed(f"torchrun exited with code {process.returncode}. Its last lines:\n" + "\n".join(tail))


# --- the comparison ---------------------------------------------------------------------------

def check(world_size, steps, global_batch, lr, precision) -> tuple[int, int, int, float, str]:
    world_size = number(world_size, "World size (processes)", low=MIN_WORLD, high=MAX_WORLD, integer=True)
    steps = number(steps, "Steps", low=1, high=MAX_STEPS, integer=True)
    global_batch = number(global_batch, "Global batch", low=MIN_BATCH, high=MAX_BATCH, integer=True)
    lr = number(lr, "Learning rate", low=MIN_LR, high=MAX_LR)
    if precision not in PRECISIONS:
        raise InputError(f"Precision must be one of {PRECISIONS}, not {precision!r}.")
    if global_batch % world_size:
        raise InputError(f"A global batch of {global_batch} does not split evenly over {world_size} processes: "
                         f"pick a multiple of {world_size}, e.g. {global_batch - global_batch % world_size or world_size}.")
    return world_size, steps, global_batch, lr, precision


def train_stream(world_size=2, steps=40, global_batch=64, lr=0.05, precision="float64") -> Iterator[Update]:
    """Check the settings now, then return the runs: an iterator of ``Update`` as the logs arrive."""
    settings = check(world_size, steps, global_batch, lr, precision)
    from showcase.core import datasets
    datasets.load_fashion_mnist()                         # a missing dataset fails here, clearly, not in the workers
    return _compare(*settings)


def _compare(world_size: int, steps: int, global_batch: int, lr: float, precision: str) -> Iterator[Update]:
    device = device_for(world_size)
    log_every = max(1, steps // 20)
    lines: list[str] = []
    points: list[tuple[int, float, str]] = []      # the losses rank 0 prints, while the runs go on
    runs: dict[int, dict] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="showcase-ddp-") as folder:
        for index, world in enumerate((1, world_size)):
            name = run_name(world)
            out = Path(folder) / f"world{world}"
            command = torchrun_command(world, steps, global_batch, lr, precision, out, device, log_every)
            if index:
                lines.append("")
            lines.append(f"$ {shlex.join(command)}")
            launched = time.perf_counter()
            ready, done_steps = None, 0
            yield _update(lines, points, runs, world_size, index / 2, f"{name}: starting torchrun")
            for line in launch(command):
                lines.append(line)
                if ready is None and "] ready:" in line:
                    ready = time.perf_counter() - launched
                step = STEP_LINE.match(line)
                if step:
                    done_steps = int(step[1])
                    points.append((done_steps, float(step[3]), name))
                # start-up is the first ~third of a run's time here, training the rest
                fraction = (index + (0.3 if ready else 0) + 0.65 * done_steps / steps) / 2
                yield _update(lines, points, runs, world_size, fraction, f"{name}: step {done_steps}/{steps}")
            result = json.loads((out / "result.json").read_text())
            result.update(startup_s=ready, wall_s=time.perf_counter() - launched,
                          weights=_load(out / "weights.safetensors"), command=shlex.join(command))
            runs[world] = result
    final = _final(lines, runs, world_size, steps, global_batch, lr, precision, device)
    m = final.metrics
    final.log += (f"\n\nlargest weight difference, {world_size} processes vs 1: {m['max_param_diff_vs_single']:.3g} "
                  f"({precision}); {m['samples_per_s']:.0f} vs {m['single_samples_per_s']:.0f} images/s; "
                  f"{time.perf_counter() - started:.1f} s in all")
    yield final


def run_name(world: int) -> str:
    """The run's name in curves and bars: the same two names whatever N is, so that a plot keeps
    its two colours from one run to the next (the world size is in the metrics)."""
    return "1 process" if world == 1 else "N processes (DDP)"


RUN_NAMES = (run_name(1), run_name(2))


def _load(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file
    return load_file(path)


def max_param_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """The largest absolute difference between two state dicts of the same model."""
    if a.keys() != b.keys():
        raise ValueError("the two runs saved different parameters")
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


def held_out_accuracy(weights: dict[str, torch.Tensor], n: int = EVAL_IMAGES) -> float:
    """Accuracy of the trained ``Net`` on the first ``n`` Fashion-MNIST test images."""
    from showcase.core.threads import one_thread
    from showcase.core import datasets

    data = datasets.load_fashion_mnist()
    net = ddp_worker.Net().to(next(iter(weights.values())).dtype)
    net.load_state_dict(weights)
    with one_thread(), torch.inference_mode():
        x = datasets.fashion_tensor(data.x_test[:n]).to(next(net.parameters()).dtype)
        predicted = net.eval()(x).argmax(1).numpy()
    return round(float((predicted == data.y_test[:n]).mean()), 4)


def _curves(points, runs) -> pd.DataFrame:
    if runs:    # the finished runs' every step, from rank 0's result.json
        rows = [(i + 1, loss, run_name(world)) for world, r in runs.items() for i, loss in enumerate(r["losses"])]
        rows += [p for p in points if not any(p[2] == run_name(w) for w in runs)]
    else:
        rows = points
    frame = pd.DataFrame(rows, columns=["step", "loss", "run"]).astype({"step": int, "loss": float})
    return frame[np.isfinite(frame["loss"])]       # a diverged run's NaN would blank the plot


def _throughput(runs) -> pd.DataFrame:
    rows = [(run_name(w), round(r["samples_per_s"], 1)) for w, r in runs.items()]
    return pd.DataFrame(rows, columns=["run", "samples_per_s"]).astype({"run": str, "samples_per_s": float})


def _update(lines, points, runs, world_size, fraction, text) -> Update:
    metrics = {"world_size": world_size, "status": text}
    for world, r in runs.items():
        metrics[f"samples_per_s_{world}"] = round(r["samples_per_s"], 1)
    return Update("\n".join(lines), _curves(points, runs), _throughput(runs), metrics, min(fraction, 0.99))


def _final(lines, runs, world_size, steps, global_batch, lr, precision, device) -> Update:
    single, multi = runs[1], runs[world_size]
    diff = max_param_diff(single["weights"], multi["weights"])
    metrics = {
        "world_size": world_size,
        "samples_per_s": round(multi["samples_per_s"], 1),
        "final_loss": round(multi["losses"][-1], 6),
        "max_param_diff_vs_single": float(f"{diff:.3g}"),
        "equal_within_1e-5": bool(diff <= TOLERANCE),
        "single_samples_per_s": round(single["samples_per_s"], 1),
        "speedup_vs_single": round(multi["samples_per_s"] / single["samples_per_s"], 3),
        "single_final_loss": round(single["losses"][-1], 6),
        "replica_max_diff": multi["replica_max_diff"],
        "test_accuracy": held_out_accuracy(multi["weights"]),
        "single_test_accuracy": held_out_accuracy(single["weights"]),
        "test_images": EVAL_IMAGES,
        "steps": steps,
        "global_batch": global_batch,
        "local_batch": global_batch // world_size,
        "lr": lr,
        "precision": precision,
        "backend": multi["backend"],
        "device": device,
        "startup_s": round(multi["startup_s"] or 0.0, 2),
        "single_startup_s": round(single["startup_s"] or 0.0, 2),
        "train_s": round(multi["seconds"], 2),
        "single_train_s": round(single["seconds"], 2),
        "cpu_cores": os.cpu_count(),
        "command": multi["command"],
        "model": "Net: conv16-conv32-fc64-fc10 (no batch norm), trained live",
        "source": "none",
    }
    return Update("\n".join(lines), _curves([], runs), _throughput(runs), metrics, 1.0, done=True, runs=runs)


def train(world_size=2, steps=40, global_batch=64, lr=0.05, precision="float64",
          progress: Callable[[float, str], None] | None = None) -> Update:
    """Run the whole comparison and return its last state (for scripts, tests and benchmarks)."""
    update = None
    for update in train_stream(world_size, steps, global_batch, lr, precision):
        if progress:
            progress(update.fraction, update.metrics.get("status", "done"))
    return update


# --- the commands for real clusters ----------------------------------------------------------

def commands(steps: int = 40, global_batch: int = 64, lr: float = 0.05) -> str:
    """The same training on one node with 8 GPUs and on two such nodes, as a shell snippet."""
    args = f"--steps={steps} --global-batch={global_batch} --lr={lr} --dtype=float32 --device=cuda --out=runs/ddp"
    module = "-m showcase.frameworks.ddp_worker"
    return f"""\
# This machine, CPU processes and gloo (what the tab runs, minus the fork start-up trick):
torchrun --standalone --nproc-per-node=2 {module} {args.replace('cuda', 'cpu')}

# One node, 8 GPUs: one process per GPU, nccl. --standalone finds a free port by itself.
torchrun --standalone --nproc-per-node=8 {module} {args}

# Two nodes × 8 GPUs = 16 processes. Run the same line on each node; the c10d rendezvous on
# node0 (any host both can reach) assigns the ranks. Same id on every node, a new one per job.
torchrun --nnodes=2 --nproc-per-node=8 \\
    --rdzv-id=ddp-job-1 --rdzv-backend=c10d --rdzv-endpoint=node0.example.com:29400 \\
    {module} {args}

# Or a static rendezvous: fixed node ranks, rank 0's node is the master.
torchrun --nnodes=2 --nproc-per-node=8 --node-rank=0 \\
    --master-addr=node0.example.com --master-port=29500 {module} {args}   # on node0
torchrun --nnodes=2 --nproc-per-node=8 --node-rank=1 \\
    --master-addr=node0.example.com --master-port=29500 {module} {args}   # on node1

# The global batch stays {global_batch} above (each GPU gets {global_batch}/N). To use the GPUs fully, keep
# the per-GPU batch instead and scale the learning rate with the global batch (Goyal et al. 2017).
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--world-size", type=int, default=DEFAULTS["world_size"])
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    parser.add_argument("--global-batch", type=int, default=DEFAULTS["global_batch"])
    parser.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    parser.add_argument("--precision", choices=PRECISIONS, default=DEFAULTS["precision"])
    parser.add_argument("--commands", action="store_true", help="print the multi-GPU and multi-node commands")
    args = parser.parse_args(argv)
    if args.commands:
        print(commands(args.steps, args.global_batch, args.lr))
        return
    shown = 0
    update = None
    for update in train_stream(args.world_size, args.steps, args.global_batch, args.lr, args.precision):
        new = update.log.split("\n")[shown:]
        shown += len(new)
        for line in new:
            print(line, flush=True)
    print(json.dumps(update.metrics, indent=2))


if __name__ == "__main__":
    main()
