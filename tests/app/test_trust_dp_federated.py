"""The federated-learning tab through the API: bad settings refused at once, then a real run."""

import pytest

from tests.app.test_every_endpoint import keeps_its_contract

pytestmark = pytest.mark.slow


def test_dp_federated_bad_settings_then_a_run(client, fails_clearly):
    fails_clearly("/dp_federated", 0, 5, 0.5, 1.0, 1.0, 1e-5, "iid", match="less than minimum")
    fails_clearly("/dp_federated", 80, 5, 0.5, 1.0, 1.0, 1e-5, "iid", match="more than the data allow")
    fails_clearly("/dp_federated", 10, 5, 0.5, 1.0, 1.0, 0.5, "iid", match="greater than maximum")
    fails_clearly("/dp_federated", 10, 5, 0.5, 1.0, 1.0, 1e-5, "by_writer", match="not in the list of choices")
    progress, tradeoff, note, result, metrics = client.predict(3, 2, 1.0, 1.0, 1.0, 1e-5, "iid", api_name="/dp_federated")
    keeps_its_contract("dp_federated", metrics)
    assert (metrics["clients"], metrics["rounds"], metrics["delta"]) == (3, 2, 1e-5)
    assert metrics["epsilon"] > 0 and 0 < metrics["accuracy"] <= 100 and metrics["baseline_accuracy"] > 0
    assert len(progress["data"]) == 4 and tradeoff["data"] and "ε" in note
    assert f"{metrics['accuracy']:.1f}%" in result and "60,000" in result and 'lang="zh"' in result
