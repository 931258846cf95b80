import numpy as np
import pytest

from showcase.core.errors import InputError
from showcase.math.pca import eig_pca, load, pca_project, svd_pca


def test_eig_and_svd_agree():
    x, _, _ = load("digits")
    eig_values, _ = eig_pca(x)
    svd_values, _ = svd_pca(x)
    np.testing.assert_allclose(eig_values, svd_values, atol=1e-9)
    m = pca_project(10).metrics
    assert m["eig_svd_max_abs_diff"] < 1e-8 and m["sklearn_max_abs_diff"] < 1e-8


def test_explained_variance_and_reconstruction():
    few, many = pca_project(2).metrics, pca_project(40).metrics
    assert few["explained_variance"] < many["explained_variance"] <= 1
    assert many["reconstruction_mse"] < few["reconstruction_mse"]
    assert pca_project(64).metrics["reconstruction_mse"] == pytest.approx(0, abs=1e-18)
    assert few["components_for_95pct"] == 29  # scikit-learn's digits need 29 components for 95%


def test_outputs_shape():
    result = pca_project(5)
    assert len(result.projection) == 1797 and set(result.projection["label"]) == {str(d) for d in range(10)}
    assert result.reconstructions is not None
    assert pca_project(2, "iris").reconstructions is None


@pytest.mark.parametrize("k, dataset, message", [(0, "digits", "between"), (5, "iris", "between"), (3, "mnist", "dataset")])
def test_bad_inputs(k, dataset, message):
    with pytest.raises(InputError, match=message):
        pca_project(k, dataset)
