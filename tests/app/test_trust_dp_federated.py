"""The federated-learning tab through the API: bad settings refused at once, then a real run."""

import math

import numpy as np
import pytest

from showcase.trust import digits
from showcase.trust import dp_federated as dp
from tests.app.test_every_endpoint import keeps_its_contract
from tests.app.values import records

pytestmark = pytest.mark.slow


def test_dp_federated_bad_settings_then_a_run(client, fails_clearly):
    fails_clearly("/dp_federated", 0, 5, 0.5, 1.0, 1.0, 1e-5, "iid", match="less than minimum")
    fails_clearly("/dp_federated", 80, 5, 0.5, 1.0, 1.0, 1e-5, "iid", match="more than the data allow")
    fails_clearly("/dp_federated", 10, 5, 0.5, 1.0, 1.0, 0.5, "iid", match="greater than maximum")
    fails_clearly("/dp_federated", 10, 5, 0.5, 1.0, 1.0, 1e-5, "by_writer", match="not in the list of choices")
    progress, tradeoff, note, result, metrics = client.predict(3, 2, 1.0, 1.0, 1.0, 1e-5, "iid", api_name="/dp_federated")
    keeps_its_contract("dp_federated", metrics)
    assert (metrics["clients"], metrics["rounds"], metrics["delta"]) == (3, 2, 1e-5)
    # ε is Opacus' RDP accountant's for these settings: with fraction 1 each client trains every round, one
    # local epoch of ⌈n / batch⌉ steps at q = 1 / ⌈n / batch⌉; the tab shows the largest ε of any client
    rows = {(r["run"], r["round"]): r for r in records(progress)}
    sizes = [len(part) for part in np.array_split(np.arange(len(digits.split()[1])), 3)]
    for rounds in (1, 2):
        expected = max(rdp_epsilon(1.0, 1 / math.ceil(n / dp.BATCH), rounds * math.ceil(n / dp.BATCH), 1e-5)
                       for n in sizes)
        assert rows[("DP-SGD", rounds)]["epsilon"] == pytest.approx(expected, abs=6e-5), rounds
    assert metrics["epsilon"] == rows[("DP-SGD", 2)]["epsilon"] and len(rows) == 4
    # the accuracies are the last round's of the plotted runs, and the sentences say them
    assert (metrics["accuracy"], metrics["baseline_accuracy"]) == (rows[("DP-SGD", 2)]["accuracy"],
                                                                   rows[("SGD", 2)]["accuracy"])
    assert tradeoff["data"] and f"{metrics['accuracy']:.1f}% / ε = {metrics['epsilon']:.2f}" in note
    assert f"{metrics['accuracy']:.1f}%" in result and f"{metrics['baseline_accuracy']:.1f}%" in result
    assert "60,000" in result and 'lang="zh"' in result


def rdp_epsilon(noise: float, q: float, steps: int, delta: float) -> float:
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    accountant.history.append((noise, q, steps))
    return accountant.get_epsilon(delta)
