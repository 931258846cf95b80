"""The SHAP tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest

from tests.unit.trust.test_shap import timings_agree

pytestmark = pytest.mark.slow


def test_explain_shap_no_arguments_is_the_first_example(client):
    waterfall, beeswarm, dependence, note, metrics = client.predict(api_name="/explain_shap")
    assert (metrics["model"], metrics["row"], metrics["feature"]) == ("decision_tree", 0, "worst concave points")
    assert metrics["additivity_error"] < 1e-6
    assert metrics["expected_value"] + metrics["shap_sum"] == pytest.approx(metrics["prediction"], abs=1e-6)
    assert timings_agree(metrics) and len(metrics["top_features"]) == 5
    assert metrics["kernel_max_abs_diff"] < 0.05       # Kernel SHAP's estimate is close to the exact values
    assert waterfall and beeswarm and dependence


def test_explain_shap_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/explain_shap", "decision_tree", 500, "worst area", match="greater than maximum")
    fails_clearly("/explain_shap", "decision_tree", 2.5, "worst area", match="Row must be a whole number")
    fails_clearly("/explain_shap", "lightgbm", 0, "worst area", match="not in the list of choices")
    fails_clearly("/explain_shap", "xgboost", 0, "tumour size", match="not in the list of choices")
    *_, metrics = client.predict("xgboost", 4, "worst texture", api_name="/explain_shap")
    assert metrics["model"] == "xgboost" and metrics["output_space"] == "log-odds of benign"
    assert metrics["additivity_error"] < 1e-4
