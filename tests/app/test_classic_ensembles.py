"""The ensembles tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_ensembles_no_arguments_is_the_first_example(client):
    chart, ranks, note, metrics = client.predict(api_name="/ensembles")
    assert metrics["n_estimators"] == 100 and metrics["min_samples_leaf"] == 1 and metrics["seed"] == 42
    assert metrics["rf_auc"] > 0.98 and metrics["xgb_auc"] > 0.98
    assert metrics["noise_rank"] >= metrics["n_features"] - 4 and 0.2 < metrics["kendall_tau"] < 0.9
    assert len(ranks["data"]) == metrics["n_features"]


def test_ensembles_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/ensembles", 5, 1, 42, match="less than minimum value 10")  # the slider's own check
    fails_clearly("/ensembles", 100, 2.5, 42, match="Min samples per leaf.*whole number")
    fails_clearly("/ensembles", 100, 1, 2**40, match="Seed must be between")
    *_, metrics = client.predict(100, 10, 42, api_name="/ensembles")
    assert metrics["min_samples_leaf"] == 10 and metrics["rf_accuracy"] > 0.9
