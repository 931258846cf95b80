import numpy as np
import pytest
from scipy import stats

from showcase.core.errors import InputError
from showcase.math.distributions import fit_distribution


def test_gaussian_mle_matches_closed_form_and_covers_truth():
    result = fit_distribution("gaussian", n=2000, mean=5, std=2, seed=1)
    x, m = result.sample, result.metrics
    assert m["params"]["mean"] == pytest.approx(x.mean(), abs=1e-6)
    assert m["params"]["std"] == pytest.approx(x.std(ddof=0), abs=1e-6)
    lo, hi = m["ci95"]["mean"]
    assert lo < 5 < hi and lo < m["params"]["mean"] < hi
    assert m["p_value"] > 0.01 and 0 <= m["ks_stat"] < 0.05
    assert m["log_likelihood"] == pytest.approx(np.sum(stats.norm.logpdf(x, x.mean(), x.std())), rel=1e-6)


def test_poisson_mle_is_the_mean_as_scipy_fit_finds():
    result = fit_distribution("poisson", n=500, mean=3.0, seed=2)
    lam = result.metrics["params"]["lambda"]
    numeric = stats.fit(stats.poisson, result.sample.astype(int), bounds={"mu": (0, 20)}).params.mu
    assert lam == pytest.approx(numeric, abs=1e-3)
    assert result.metrics["p_value"] > 0.01 and result.metrics["chi2_bins"] >= 3


def test_a_gaussian_fit_to_skewed_data_is_rejected():
    data = " ".join(str(v) for v in np.random.default_rng(0).exponential(1.0, 500))
    assert fit_distribution("gaussian", data).metrics["p_value"] < 0.01


def test_pasted_numbers():
    m = fit_distribution("poisson", "0 1 0 2 1 0 0 3 1 0").metrics
    assert m["data"] == "given" and m["n"] == 10 and m["params"]["lambda"] == pytest.approx(0.8)


@pytest.mark.parametrize("family, data, message", [
    ("gaussian", "1 2 x 4 5", "not a number"), ("gaussian", "1 2", "at least"),
    ("poisson", "1 -2 3 4 5", "whole numbers"), ("gaussian", "3 3 3 3 3", "equal"),
    ("cauchy", "", "family"),
])
def test_bad_inputs(family, data, message):
    with pytest.raises(InputError, match=message):
        fit_distribution(family, data)


@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_curves_outline_the_histogram_and_the_fit(family):
    result = fit_distribution(family, n=500, mean=4, std=1.5, seed=3)
    curves = result.curves
    assert set(curves.series) == {"data", curves.series.iloc[-1]} and curves.series.iloc[-1] != "data"
    data = curves[curves.series == "data"]
    assert data.value.is_monotonic_increasing and data.value.is_unique  # draws as an outline
    assert data.density.iloc[0] == 0 == data.density.iloc[-1]
    # the outline encloses the whole histogram: area 1 (density) or total frequency 1 (counts)
    widths, heights = np.diff(data.value.to_numpy())[1::2], data.density.to_numpy()[1:-1:2]
    assert np.sum(widths * heights) == pytest.approx(1.0, rel=1e-6)
