import pytest

from showcase.core.errors import InputError
from showcase.math.gradient_descent import gradient_descent


def test_roadmap_example_by_default():
    m = gradient_descent().metrics
    assert m["dataset"] == "roadmap" and m["method"] == "batch"
    assert (m["closed_form_slope"], m["closed_form_intercept"]) == pytest.approx((0.8, 1.8))
    # the roadmap's lr=0.01, 1000 epochs gets close but has not converged yet
    assert m["slope"] == pytest.approx(0.8, abs=0.03) and m["intercept"] == pytest.approx(1.8, abs=0.1)
    assert not m["diverged"]


def test_geron_closed_form():
    m = gradient_descent("geron", lr=0.1, epochs=500).metrics
    assert m["closed_form_intercept"] == pytest.approx(4.215, abs=1e-3)
    assert m["closed_form_slope"] == pytest.approx(2.770, abs=1e-3)
    assert m["slope"] == pytest.approx(2.770, abs=1e-3) and m["epochs_to_tolerance"] is not None


def test_methods_all_head_for_the_closed_form():
    by = gradient_descent("geron", lr=0.02, epochs=300).metrics["by_method"]
    for name in ("batch", "sgd", "minibatch"):
        assert by[name]["slope"] == pytest.approx(2.77, abs=0.35), name


def test_too_large_a_rate_diverges_and_says_so():
    m = gradient_descent(lr=0.09, epochs=200).metrics
    assert m["diverged"] and "lower the learning rate" in m["message"]
    assert not gradient_descent(lr=0.08, epochs=200).metrics["diverged"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=0), "Learning rate"), (dict(epochs=0), "Epochs"), (dict(method="adam"), "method"),
    (dict(dataset="mnist"), "dataset"), (dict(batch_size=0), "Batch size"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        gradient_descent(**kwargs)
