"""Federated averaging with the Flower framework, each client training with Opacus' DP-SGD.

Federated learning (McMahan et al. 2017) keeps the data where it is: in each round the server
sends the global model to a fraction of the clients, each trains it on its own digits for one
local epoch, and the server averages the returned weights, weighted by the clients' example
counts (FedAvg). Here the 4,000 training digits of ``showcase.trust.digits`` are dealt to the
clients either IID (shuffled, equal shares) or non-IID (sorted by label and cut into two shards
per client, so a client sees about two digits, McMahan et al.'s "pathological" split).

Each client trains with DP-SGD (Abadi et al. 2016) through Opacus' ``PrivacyEngine``: every
example's gradient is clipped to norm C, Gaussian noise of standard deviation σ·C is added to the
batch's sum, and batches are Poisson-sampled with rate q = 1 / (batches per local epoch) =
1 / ⌈client size / batch⌉ (``sample_rate``; what Opacus takes from a DataLoader: batch / client
size when the batch divides the client's data, a little more when it does not), one local epoch
being that many steps. Opacus' RDP accountant turns (σ, q, steps) into the ε of an (ε, δ)-DP
guarantee for each client's records;
the client keeps its step count in Flower's per-node ``context.state``, so its ε accumulates
over the rounds it takes part in. The tab shows the largest ε of any client after each round.
A non-private FedAvg run (same clients, rounds and seeds, plain SGD) is the baseline.

Flower's simulation engine runs the clients as Ray actors. Ray never enters the app process:
``dp_federated`` starts ``python -m showcase.trust.dp_federated_worker`` for each run, which
imports Flower, runs ``flwr.simulation.run_simulation`` and streams one JSON line per round.

References: McMahan et al., "Communication-Efficient Learning of Deep Networks from
Decentralized Data" (AISTATS 2017); Abadi et al., "Deep Learning with Differential Privacy"
(CCS 2016): MNIST 90 / 95 / 97% accuracy at ε = 0.5 / 2 / 8 (δ = 1e-5); Flower's and Opacus'
documentation.

    python -m showcase.trust.dp_federated --clients 10 --rounds 5 --noise 1.0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from showcase.core import children
from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import ROOT, asset

ASSETS = asset("trust", "dp_federated")
SPLITS = ("iid", "non_iid")
BATCH = 32
LR = 0.05
MIN_PER_CLIENT = 2 * BATCH          # a client needs a couple of batches to take a DP-SGD step
TIMEOUT_S = 600
ABADI = {0.5: 90.0, 2.0: 95.0, 8.0: 97.0}      # MNIST accuracy (%) at ε, δ = 1e-5


@dataclass
class Config:
    clients: int = 10
    rounds: int = 5
    fraction: float = 0.5
    noise: float = 1.0
    clip: float = 1.0
    delta: float = 1e-5
    split: str = "iid"
    seed: int = 0
    baseline: bool = True


def check(clients=10, rounds=5, fraction=0.5, noise=1.0, clip=1.0, delta=1e-5, split="iid", seed=0,
          baseline=True) -> Config:
    """The settings, checked, or ``InputError`` saying what to change."""
    from showcase.trust import digits

    n_train = len(digits.split()[1])
    clients = number(clients, "Clients", low=1, high=10**6, integer=True)
    if clients * MIN_PER_CLIENT > n_train:
        raise InputError(f"{clients} clients are more than the data allow: {n_train} training digits give at most "
                         f"{n_train // MIN_PER_CLIENT} clients of {MIN_PER_CLIENT} digits each. Use fewer clients.")
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}, not {split!r}.")
    return Config(clients, number(rounds, "Rounds", low=1, high=50, integer=True),
                  number(fraction, "Fraction of clients per round", low=0.01, high=1.0),
                  number(noise, "Noise multiplier σ", low=0.3, high=20.0), number(clip, "Clipping norm C", low=0.01, high=100.0),
                  number(delta, "δ", low=1e-10, high=0.1), split, number(seed, "Seed", low=0, high=2**31 - 1, integer=True),
                  bool(baseline))


def partitions(clients: int, split: str, seed: int = 0) -> list[np.ndarray]:
    """Indices into the training digits for each client: IID equal shares, or two label shards each."""
    from showcase.trust import digits

    labels = digits.split()[1]
    rng = np.random.default_rng(seed)
    if split == "iid":
        return [np.sort(part) for part in np.array_split(rng.permutation(len(labels)), clients)]
    order = np.argsort(labels, kind="stable")
    shards = np.array_split(order, 2 * clients)
    pick = rng.permutation(2 * clients)
    return [np.sort(np.concatenate([shards[pick[2 * i]], shards[pick[2 * i + 1]]])) for i in range(clients)]


def sample_rate(n: int, batch: int = BATCH) -> float:
    """Poisson sampling rate q of a client with ``n`` records: 1 / batches per epoch, as Opacus sets it."""
    return 1 / math.ceil(n / batch)


def local_train(state: dict, x, y, *, private: bool, noise: float, clip: float, delta: float, prior_steps: int,
                seed: int) -> dict:
    """One local epoch of (DP-)SGD from ``state``; the new weights, the steps taken and Opacus' ε."""
    import torch
    from torch.nn import functional as F

    from showcase.trust import digits

    torch.manual_seed(seed)
    model = digits.DigitsCNN()
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.5)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    epsilon, engine = 0.0, None
    if private:
        from opacus import PrivacyEngine

        engine = PrivacyEngine(accountant="rdp")
        # the client's earlier rounds: the same mechanism, composed (RDP adds up)
        q = sample_rate(len(x))        # = 1 / len(loader): the rate make_private gives the loader
        if prior_steps:
            engine.accountant.history.append((noise, q, prior_steps))
        model, optimizer, loader = engine.make_private(module=model, optimizer=optimizer, data_loader=loader,
                                                       noise_multiplier=noise, max_grad_norm=clip)
    model.train()
    for xb, yb in loader:       # Poisson batches: sizes vary, and an empty one still counts as a step
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    if private:
        epsilon = engine.get_epsilon(delta)
        model = model._module
    return {"state": {k: v.detach() for k, v in model.state_dict().items()}, "steps": len(loader),
            "epsilon": float(epsilon)}


# --- the app's side: one worker process per run ---------------------------------------------------

@dataclass
class FederatedResult:
    progress: pd.DataFrame       # round, accuracy (%), epsilon, run
    tradeoff: pd.DataFrame       # epsilon, accuracy (%), series: the card's sweep, the baseline, Abadi et al.
    metrics: dict


def run_worker(config: Config, say: Callable[[float, str], None] = lambda f, t: None) -> dict:
    """Run one simulation in ``python -m showcase.trust.dp_federated_worker``; return its result."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", RAY_DEDUP_LOGS="0", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    # its own process group (children.Child): Ray's raylet and workers end with it, and with the app
    process = children.Child([sys.executable, "-m", "showcase.trust.dp_federated_worker"], cwd=ROOT, env=env,
                             text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(TIMEOUT_S, lambda: children.stop(process, grace=0))
    timer.start()
    errors: list[str] = []
    drain = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    drain.start()
    try:
        process.stdin.write(json.dumps(config.__dict__) + "\n")
        process.stdin.close()
        for line in process.stdout:
            message = json.loads(line)
            if "progress" in message:
                say(message["progress"], message["text"])
            elif "error" in message:
                raise InputError(f"The Flower simulation failed: {message['error']}")
            elif "result" in message:
                return message["result"]
    finally:
        timer.cancel()
        children.stop(process, grace=0)
    tail = "".join(errors)[-600:].strip()
    raise InputError(f"The Flower worker stopped without a result (exit {process.returncode}). {tail}")


def model_card() -> dict:
    return read_card(ASSETS / "model_card.json", train_with="python -m showcase.trust.dp_federated_training")


def tradeoff_table() -> pd.DataFrame:
    """Accuracy against final ε: the card's sweep, its non-private baseline, and Abadi et al.'s MNIST.
    Series are named by method alone (the page's label says which is which in its language)."""
    card = model_card()
    rows = [(r["epsilon"], r["accuracy"], "DP-FedAvg") for r in card["sweep"]]
    top = max(r["epsilon"] for r in card["sweep"])
    rows += [(e, card["baseline_accuracy"], "FedAvg") for e in (0.0, top)]
    rows += [(e, a, "Abadi 2016") for e, a in ABADI.items()]
    return pd.DataFrame(rows, columns=["epsilon", "accuracy", "series"])


def dp_federated(clients=10, rounds=5, fraction=0.5, noise=1.0, clip=1.0, delta=1e-5, split="iid", seed=0,
                 baseline=True, say: Callable[[float, str], None] = lambda f, t: None) -> FederatedResult:
    """One DP FedAvg run (and its non-private baseline) in a Flower simulation, round by round."""
    config = check(clients, rounds, fraction, noise, clip, delta, split, seed, baseline)
    result = run_worker(config, say)
    progress = pd.DataFrame(result.pop("history"))
    progress["run"] = progress["run"].map({"DP": "DP-SGD", "non-private": "SGD"})
    return FederatedResult(progress, tradeoff_table(), result)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, value in Config().__dict__.items():
        parser.add_argument(f"--{name}", type=type(value) if not isinstance(value, bool) else int, default=value)
    args = parser.parse_args(argv)
    result = dp_federated(**vars(args), say=lambda f, t: print(f"{f:.0%} {t}", flush=True))
    print(result.progress.to_string())
    print(json.dumps(result.metrics, indent=2))


if __name__ == "__main__":
    main()
