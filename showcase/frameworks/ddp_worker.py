"""The training script that ``torchrun`` starts once per process: DistributedDataParallel on Fashion-MNIST.

This is the program a user writes for data-parallel training; ``showcase.frameworks.ddp``
launches it with 1 and with N processes and compares the two. Every process runs this same
file. ``torchrun`` tells each one who it is through the environment (``RANK``, ``LOCAL_RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``/``MASTER_PORT``), and the script:

1. joins the process group: ``gloo`` on CPUs, ``nccl`` with one GPU per process;
2. builds the same model from the same seed on every rank, and wraps it in
   ``DistributedDataParallel``, which broadcasts rank 0's weights once and then, during every
   ``backward()``, all-reduces (averages) the gradients bucket by bucket while the rest of
   the backward pass still runs;
3. splits each *global* batch of B images over the N ranks with ``DistributedSampler``: rank r
   gets B/N images, and the N shards together are exactly the batch one process would see
   (the sampler shuffles with the same seed everywhere and deals indices r, r+N, r+2N, ...);
4. steps the same SGD optimiser on every rank. With a mean loss over each shard, the average of
   the N shard gradients *is* the gradient of the mean over the global batch, so every rank
   makes the update the single process makes, up to float rounding (sums in another order).

Precision: in float32 the N-process run's sums are rounded in another order than the single
process's (per-shard means, then the all-reduce), a difference of ~1e-7 that training
amplifies step by step: after 40 steps the weights differ by ~1e-2, though both runs did the
same arithmetic in exact terms. In float64 (the default here) the same rounding is ~1e-16 and
the weights agree to ~1e-15, which shows that the algorithm, not luck, makes them equal.

The model has no batch norm and no dropout on purpose: batch norm's statistics would be
computed per shard (B/N images) and differ from the single process's, and dropout draws other
random masks per rank; either would break the equality this demo checks (``SyncBatchNorm``
is DDP's answer for batch norm).

Rank 0 prints its progress, saves the final weights as safetensors and a ``result.json``; every
rank prints a line when it starts and one when it ends, with the largest difference between its
weights and rank 0's (zero: DDP keeps the replicas identical).

    torchrun --standalone --nproc-per-node=2 -m showcase.frameworks.ddp_worker --steps 40 --out /tmp/ddp
    python -m showcase.frameworks.ddp_worker --steps 40 --out /tmp/ddp     # one process, no torchrun

Reference: PyTorch's "Getting started with distributed data parallel" and torchrun docs;
Li et al., "PyTorch Distributed: Experiences on Accelerating Data Parallel Training" (VLDB 2020).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from showcase.frameworks.graph_mode import SmallCNN

POOL = 12_000      # training images drawn from: divisible by 1, 2, 3 and 4, so every shard is whole
SEED = 0


# The graph-mode tab's CNN (conv16-pool-conv32-pool-fc64-fc10): it has no batch norm, so every
# replica stays identical with no buffers to broadcast.
Net = SmallCNN


def dataset(pool: int = POOL) -> TensorDataset:
    """The first ``pool`` Fashion-MNIST training images, normalised, and their labels.

    Only the first ``pool`` records of the gzipped IDX files are decompressed (the header is 16
    bytes for images, 8 for labels; ``datasets.read_idx`` reads whole files): every process does
    this at start-up, so a fifth of the work saves ~1 s per run on a busy machine."""
    from showcase.core import datasets

    def first(name: str, header: int, record: int) -> np.ndarray:
        with gzip.open(datasets.FASHION_DIR / name, "rb") as f:
            f.read(header)
            return np.frombuffer(f.read(pool * record), dtype=np.uint8).copy()   # writable, for torch

    images = first("train-images-idx3-ubyte.gz", 16, 28 * 28).reshape(pool, 28, 28)
    labels = first("train-labels-idx1-ubyte.gz", 8, 1).astype(np.int64)
    return TensorDataset(datasets.fashion_tensor(images), torch.from_numpy(labels))


def train(steps: int, global_batch: int, lr: float, out: Path, device: str = "cpu", seed: int = SEED,
          log_every: int = 5, dtype: str = "float64") -> None:
    """Train ``Net`` for ``steps`` steps of ``global_batch`` images split over the processes."""
    # torchrun sets these; run alone (plain `python -m`), the script is a world of one.
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "0")
    if global_batch % world:
        raise SystemExit(f"global batch {global_batch} does not split over {world} processes")
    torch.set_num_threads(1)               # one core per process: the machine is shared
    if device == "cuda":
        torch.cuda.set_device(local_rank)
        # float32 convolutions and matmuls without TF32, so 1 and N GPUs agree to ~1e-6
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.deterministic = True
    backend = "nccl" if device == "cuda" else "gloo"
    dist.init_process_group(backend, rank=rank, world_size=world)
    dev = torch.device(f"cuda:{local_rank}" if device == "cuda" else "cpu")
    dtype_ = getattr(torch, dtype)

    data = dataset()
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True)
    loader = DataLoader(data, batch_size=global_batch // world, sampler=sampler, drop_last=True)
    torch.manual_seed(seed)                # the same initial weights on every rank (DDP broadcasts rank 0's anyway)
    model = DDP(Net().to(dev, dtype_), device_ids=[local_rank] if device == "cuda" else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    print(f"[rank {rank}/{world}] ready: pid {os.getpid()}, backend {backend}, device {dev}, {dtype}, "
          f"local batch {global_batch // world} of global {global_batch}", flush=True)

    losses: list[float] = []
    dist.barrier()                          # time training only, not start-up
    started = time.perf_counter()
    step, epoch = 0, 0
    while step < steps:
        sampler.set_epoch(epoch)            # a new shuffle each epoch, the same on every rank
        for x, y in loader:
            x, y = x.to(dev, dtype_), y.to(dev)
            loss = F.cross_entropy(model(x), y)      # mean over this rank's B/N images
            optimizer.zero_grad(set_to_none=True)
            loss.backward()                 # DDP all-reduces the gradients here
            optimizer.step()
            # the global batch's loss: the mean of the N equal shards' means
            total = loss.detach().clone()
            dist.all_reduce(total, op=dist.ReduceOp.SUM)
            losses.append(total.item() / world)
            step += 1
            if rank == 0 and (step % log_every == 0 or step == steps):
                seconds = time.perf_counter() - started
                print(f"[rank 0] step {step}/{steps} loss {losses[-1]:.6f} "
                      f"{step * global_batch / seconds:.0f} samples/s", flush=True)
            if step == steps:
                break
        epoch += 1
    if device == "cuda":
        torch.cuda.synchronize()
    dist.barrier()
    seconds = time.perf_counter() - started

    # Are the replicas still identical? Compare every rank's weights with rank 0's.
    replica_diff = torch.zeros((), device=dev)
    for p in model.module.parameters():
        reference = p.detach().clone()
        dist.broadcast(reference, src=0)
        replica_diff = torch.maximum(replica_diff, (p.detach() - reference).abs().max())
    dist.all_reduce(replica_diff, op=dist.ReduceOp.MAX)
    print(f"[rank {rank}/{world}] done: {step * global_batch // world} images in {seconds:.2f} s; "
          f"max weight difference to rank 0: {replica_diff.item():.1e}", flush=True)

    if rank == 0:
        from safetensors.torch import save_file

        out.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in model.module.state_dict().items()},
                  out / "weights.safetensors")
        (out / "result.json").write_text(json.dumps({
            "world_size": world, "backend": backend, "device": str(dev), "steps": step,
            "global_batch": global_batch, "local_batch": global_batch // world, "lr": lr, "seed": seed, "dtype": dtype,
            "seconds": seconds, "samples_per_s": step * global_batch / seconds, "losses": losses,
            "replica_max_diff": replica_diff.item(),
        }))
    dist.destroy_process_group()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--global-batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    parser.add_argument("--log-every", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    train(args.steps, args.global_batch, args.lr, args.out, args.device, args.seed, args.log_every, args.dtype)


if __name__ == "__main__":
    main()
