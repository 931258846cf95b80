import numpy as np
import pytest
from sklearn import svm
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score

from showcase.core.errors import InputError
from showcase.classic.decision_boundaries import FEATURES, GRID, MODELS, decision_boundaries, regions


def test_linear_svc_reproduces_the_user_guide():
    """scikit-learn's cross-validation guide: 0.98 accuracy with a standard deviation of 0.02."""
    m = decision_boundaries(models=["linear_svm"]).metrics
    assert round(m["cv_accuracy"]["linear_svm"], 2) == 0.98
    assert round(m["cv_std"]["linear_svm"], 2) == 0.02
    X, y = load_iris(return_X_y=True)
    scores = cross_val_score(svm.SVC(kernel="linear", C=1, random_state=42), X, y, cv=5)
    assert m["cv_folds"]["linear_svm"] == pytest.approx(scores.tolist(), abs=1e-4)


def test_defaults_score_every_model_on_all_four_features():
    result = decision_boundaries()
    m = result.metrics
    assert m["features"] == ["sepal length (cm)", "sepal width (cm)"] and m["models"] == list(MODELS)
    for name in MODELS:
        assert 0.9 < m["cv_accuracy"][name] <= 1.0 and 0 <= m["cv_std"][name] < 0.1, name
        # two sepal features separate the species far less well than all four
        assert 0.6 < m["train_accuracy_2d"][name] < m["cv_accuracy"][name] + 0.05, name
    assert len(result.table) == len(MODELS) and result.image.width > 4 * result.image.height  # five panels in a row


def test_regions_cover_the_mesh_and_follow_the_data():
    z, extent, accuracy = regions("decision_tree", 2, 3, 1.0, 0.7, 4, 15)  # petal length, petal width
    assert z.shape == (GRID, GRID) and set(np.unique(z)) == {0, 1, 2}
    assert accuracy > 0.95
    assert z[0, 0] == 0  # small petals: setosa


def test_hyper_parameters_change_the_fit():
    deep = decision_boundaries(models=["decision_tree"], max_depth=20).metrics["train_accuracy_2d"]["decision_tree"]
    stump = decision_boundaries(models=["decision_tree"], max_depth=1).metrics["train_accuracy_2d"]["decision_tree"]
    assert deep > stump
    one = decision_boundaries(models=["knn"], k=1).metrics["train_accuracy_2d"]["knn"]
    assert one > 0.9  # 1-NN nearly memorises the training points (duplicates aside)


@pytest.mark.parametrize("kwargs, message", [
    (dict(feature_x="petal area"), "must be one of"),
    (dict(feature_y="sepal length (cm)"), "two different features"),
    (dict(models=[]), "at least one model"),
    (dict(models=["random_forest"]), "Unknown model"),
    (dict(C=0), "C must be between"),
    (dict(gamma=-1), "Gamma"),
    (dict(max_depth=2.5), "whole number"),
    (dict(k=0), "k \\(neighbours\\)"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        decision_boundaries(**kwargs)


def test_features_are_irises_own():
    assert FEATURES == tuple(load_iris().feature_names)
