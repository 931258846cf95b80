"""Federated learning with DP: how long the tab's default run takes, and the card's trade-off.

``default_run_s``: one call of the tab's first example (10 clients, 5 rounds, half per round,
σ = 1, with the non-private baseline) from the app's side: the worker process, Ray's start,
the Flower simulation and its clients; ``simulation_s`` the part inside ``run_simulation``.
From the card: accuracy and ε for every σ of the sweep and the non-private baseline, beside
Abadi et al.'s MNIST 90 / 95 / 97% at ε = 0.5 / 2 / 8.

    python -m benchmarks.trust.dp_federated
"""

from __future__ import annotations

import time

from benchmarks.verdict import measured, read


def claims() -> dict:
    from showcase.trust import dp_federated as dp

    started = time.perf_counter()
    result = dp.dp_federated()
    out = {"dp_federated.default_run_s": measured(round(time.perf_counter() - started, 1), "<= 60"),
           "dp_federated.simulation_s": result.metrics["simulation_seconds"],
           "dp_federated.default_accuracy": result.metrics["accuracy"],
           "dp_federated.default_epsilon": result.metrics["epsilon"],
           "dp_federated.default_baseline_accuracy": result.metrics["baseline_accuracy"]}
    card = dp.model_card()
    for row in card["sweep"]:
        out[f"dp_federated.card_sigma_{row['noise_multiplier']}"] = read(f"{row['accuracy']}% at ε = {row['epsilon']}", "model card")
    out["dp_federated.card_baseline_accuracy"] = read(card["baseline_accuracy"], "model card")
    out["dp_federated.abadi_mnist"] = read("90 / 95 / 97% at ε = 0.5 / 2 / 8", "Abadi et al. 2016")
    return out


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
