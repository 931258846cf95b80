"""The distillation tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest

from tests.app.test_every_endpoint import keeps_its_contract

pytestmark = pytest.mark.slow


def test_distill_defaults_run_a_live_comparison(client):
    curves, errors, note, metrics = client.predict(api_name="/distill")
    keeps_its_contract("distill", metrics)
    assert (metrics["temperature"], metrics["alpha"], metrics["steps"]) == (2.0, 0.5, 120)
    assert metrics["teacher_accuracy"] > metrics["student_accuracy"] > 0.3
    assert metrics["full_distilled_errors"] < metrics["full_student_errors"]
    assert metrics["hinton_mnist_errors"] == "67 / 146 / 74"
    assert metrics["distilled_accuracy"] > metrics["student_accuracy"]      # +2.5 points measured here
    assert curves and errors


def test_distill_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/distill", 0.5, 0.9, 20, match="less than minimum")
    fails_clearly("/distill", 4.0, 1.5, 20, match="greater than maximum")
    fails_clearly("/distill", 4.0, 0.9, 12.5, match="Steps must be a whole number")
    *_, metrics = client.predict(8.0, 0.5, 10, api_name="/distill")
    assert (metrics["temperature"], metrics["alpha"], metrics["steps"]) == (8.0, 0.5, 10)
    assert metrics["distilled_accuracy"] > 0.2                          # ten classes: chance is 0.1
