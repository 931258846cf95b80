"""The pruning tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_prune_defaults(client):
    curve, layers, latency, note, metrics = client.predict(api_name="/prune")
    assert (metrics["method"], metrics["requested_sparsity"], metrics["finetune_steps"]) == ("global_l1", 0.2, 10)
    assert metrics["sparsity_percent"] == "20.00%"
    assert metrics["finetuned_accuracy"] >= metrics["accuracy"] - 0.02
    assert metrics["channels_removed_params"] < metrics["dense_params"]
    assert curve and layers and latency


def test_prune_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/prune", "random", 0.5, 10, "student", match="not in the list of choices")
    fails_clearly("/prune", "global_l1", 1.2, 10, "student", match="greater than maximum")
    fails_clearly("/prune", "global_l1", 0.5, 7.5, "student", match="Fine-tune steps must be a whole number")
    *_, metrics = client.predict("global_l1", 0.2, 5, "student", api_name="/prune")
    assert metrics["sparsity_percent"] == "20.00%"
