import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from showcase.classic import ensembles
from showcase.core import tabular
from showcase.core.errors import InputError


@pytest.fixture(scope="module")
def default():
    return ensembles.compare_ensembles()


def test_both_models_score_well_on_held_out_rows(default):
    m = default.metrics
    assert m["rf_accuracy"] > 0.92 and m["xgb_accuracy"] > 0.92
    assert m["rf_auc"] > 0.98 and m["xgb_auc"] > 0.98
    assert m["rf_fit_seconds"] > 0 and m["xgb_fit_seconds"] > 0
    assert ensembles.fit_random_forest() is ensembles.fit_random_forest()


def test_rankings_agree_partly_and_noise_ranks_low(default):
    m = default.metrics
    assert 0.2 < m["kendall_tau"] < 0.9
    taus = m["kendall_tau_pairs"]            # measured: 0.32 (xgboost impurity vs permutation) to 0.90
    assert min(taus.values()) > 0.2                                   # every two rankings agree, partly
    assert max(taus, key=taus.get) == "random_forest: impurity vs shap"  # the two in-tree views agree most
    # on this table MDI puts the random column near the bottom (scikit-learn's Titanic effect does not show)
    assert m["noise_rank"] >= m["n_features"] - 4 and not m["mdi_ranks_noise_in_top_half"]
    assert m["noise_permutation_auc_drop"] == pytest.approx(0, abs=0.005)
    assert set(m["noise_ranks"]) == {f"{a}/{b}" for a in ensembles.MODELS for b in ensembles.METHODS}
    ranks = default.ranks
    assert list(ranks.columns) == ["feature", *m["noise_ranks"]] and len(ranks) == 32
    assert ranks["random_forest/impurity"].is_monotonic_increasing
    assert default.chart.size[0] > 500


def test_vectorised_auc_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    scores = np.round(rng.random((3, 200)) + 0.3 * y, 2)  # rounded: ties too
    got = ensembles.roc_auc(y, scores)
    assert got == pytest.approx([roc_auc_score(y, s) for s in scores], abs=1e-12)


def test_permutation_importance_matches_a_plain_loop():
    table = tabular.breast_cancer_table()
    model = tabular.fit_xgboost().model
    fast = ensembles.permutation_importance(model, table.x_test, table.y_test, n_repeats=2, seed=3)
    rng = np.random.default_rng(3)
    base = roc_auc_score(table.y_test, model.predict_proba(table.x_test)[:, 1])
    slow = np.zeros(32)
    for j in range(32):
        for _ in range(2):
            x = table.x_test.copy()
            x[:, j] = table.x_test[rng.permutation(len(x)), j]
            slow[j] += (base - roc_auc_score(table.y_test, model.predict_proba(x)[:, 1])) / 2
    assert fast == pytest.approx(slow, abs=1e-9)


def test_results_are_cached_and_not_shared_mutably(default):
    again = ensembles.compare_ensembles()
    again.metrics["rf_accuracy"] = -1
    assert ensembles.compare_ensembles().metrics["rf_accuracy"] == default.metrics["rf_accuracy"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_estimators=0), "Number of trees"), (dict(n_estimators=10_000), "Number of trees"),
    (dict(min_samples_leaf=0), "Min samples"), (dict(min_samples_leaf=2.5), "whole number"),
    (dict(seed=-1), "Seed"), (dict(n_estimators="many"), "must be a number"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        ensembles.compare_ensembles(**kwargs)
