import numpy as np
import pytest

from showcase.core import tabular
from showcase.core.errors import InputError
from showcase.trust import shap as explain_shap
from tests.rounding import ratio_of_rounded


@pytest.fixture(scope="module")
def tree():
    return explain_shap.explain()


def test_defaults_are_the_decision_tree_row_0(tree):
    m = tree.metrics
    assert (m["model"], m["row"], m["feature"]) == ("decision_tree", 0, "worst concave points")
    assert m["output_space"] == "probability of benign"
    # the prediction shown is the model's own probability for the row (scikit-learn, not SHAP's copy)
    proba = explain_shap.fitted("decision_tree").predict_proba(tabular.breast_cancer_table().x_test[:1])
    assert m["prediction"] == pytest.approx(proba[0, 1], abs=1e-6) and 0.3 < m["expected_value"] < 0.9
    assert len(m["top_features"]) == 5 and m["top_features"][0] in tabular.breast_cancer_table().features
    assert tree.waterfall.size[0] > 300 and tree.beeswarm.size[0] > 300
    assert list(tree.dependence.columns) == ["value", "shap", "points"]
    assert (tree.dependence["points"] == "this row").sum() == 1 and len(tree.dependence) == 171


def test_additivity_holds_to_1e_6_for_the_tree(tree):
    m = tree.metrics
    assert m["additivity_error"] < 1e-6 and m["additivity_error_max_test"] < 1e-6
    assert m["expected_value"] + m["shap_sum"] == pytest.approx(m["prediction"], abs=1e-6)
    ex = explain_shap.explain_test_set("decision_tree")
    model = explain_shap.fit_tree().model
    proba = model.predict_proba(tabular.breast_cancer_table().x_test)[:, 1]
    np.testing.assert_allclose(ex.values.sum(axis=1) + ex.expected, proba, atol=1e-6)


def test_additivity_for_xgboost_is_in_log_odds():
    m = explain_shap.explain("xgboost", 3).metrics
    assert m["output_space"] == "log-odds of benign"
    assert m["additivity_error_max_test"] < 1e-4  # XGBoost predicts in float32
    assert m["prediction_probability"] == pytest.approx(1 / (1 + np.exp(-m["prediction"])), abs=1e-6)
    assert m["tree_trees"] == 100 and m["treeshap_cost_T_L_D2"] == 100 * m["tree_max_leaves"] * 16


def test_the_tree_ignores_features_it_never_splits_on():
    model = explain_shap.fit_tree().model
    used = set(model.tree_.feature[model.tree_.feature >= 0])
    ex = explain_shap.explain_test_set("decision_tree")
    unused = [j for j in range(ex.values.shape[1]) if j not in used]
    assert unused and np.all(ex.values[:, unused] == 0)


def timings_agree(m: dict) -> bool:
    """The ratio the tab shows is the two times it shows, divided (kernel rounded to 0.1 ms, tree to
    0.01 ms, the ratio to 0.1). How much faster TreeSHAP is, is the benchmark's to say."""
    return ratio_of_rounded(m["kernel_over_tree_time"], m["kernel_seconds"], m["tree_interventional_seconds"], (4, 5, 1))


def test_kernel_shap_is_close_to_tree_shap(tree):
    m = tree.metrics
    assert m["kernel_max_abs_diff"] < 0.05 and m["kernel_relative_diff"] < 0.25
    assert timings_agree(m), m
    again = explain_shap.kernel_vs_tree.__wrapped__("decision_tree", 0)
    assert again["kernel_max_abs_diff"] == pytest.approx(m["kernel_max_abs_diff"], abs=1e-12)  # seeded


def test_shares_the_xgboost_model_of_the_ensembles_tab():
    assert explain_shap.fitted("xgboost") is tabular.fit_xgboost().model


@pytest.mark.parametrize("kwargs, message", [
    (dict(row=171), "Row must be between"), (dict(row=-1), "Row must be between"),
    (dict(row=2.5), "whole number"), (dict(row="first"), "must be a number"),
    (dict(feature="tumour size"), "Unknown feature"), (dict(feature="concave"), "Did you mean"),
    (dict(model="lightgbm"), "model must be one of"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        explain_shap.explain(**kwargs)
