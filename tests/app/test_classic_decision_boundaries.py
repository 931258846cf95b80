"""The decision-boundaries tab through the API: defaults, bad inputs with clear errors, recovery."""

import pytest

pytestmark = pytest.mark.slow
API = "/decision_boundaries"


def test_defaults_are_the_first_example_and_match_the_user_guide(client):
    *_, metrics = client.predict(api_name=API)
    assert metrics["features"] == ["petal length (cm)", "petal width (cm)"]
    assert len(metrics["models"]) == 5
    assert round(metrics["cv_accuracy"]["linear_svm"], 2) == 0.98 and round(metrics["cv_std"]["linear_svm"], 2) == 0.02


def test_bad_inputs_fail_clearly_then_a_good_call_works(client, fails_clearly):
    fails_clearly(API, "petal length (cm)", "petal length (cm)", match="two different features")
    fails_clearly(API, "sepal length (cm)", "sepal width (cm)", [], match="at least one model")
    fails_clearly(API, "sepal length (cm)", "sepal width (cm)", ["knn"], -1.0, match="less than minimum")
    fails_clearly(API, "petal area", "sepal width (cm)", match="not in the list of choices")
    *_, metrics = client.predict("petal length (cm)", "petal width (cm)", ["knn"], 1.0, 0.7, 4, 5, api_name=API)
    assert metrics["models"] == ["knn"] and metrics["train_accuracy_2d"]["knn"] > 0.9
