import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from showcase.core.errors import InputError
from showcase.core.settings import asset
from showcase.classic.regularization import MODELS, diabetes_fits, regularization

SAMPLE = asset("classic", "regularization", "sample.csv")


def test_diabetes_by_default():
    result = regularization()
    m = result.metrics
    assert m["data"].startswith("diabetes") and m["n_rows"] == 442 and m["n_features"] == 10
    assert set(m["best_alpha"]) == set(MODELS) and set(m["test_r2"]) == set(MODELS)
    for name in MODELS:
        assert m["test_r2"][name] == pytest.approx(0.487, abs=0.01), name      # about what OLS gets here
        assert 2500 < m["cv_mse"][name] < 3500, name
    assert m["ols_test_r2"] == pytest.approx(0.485, abs=0.01)
    assert "note" not in m  # no chosen alpha sits at the edge of its grid
    # the chosen-alpha marker sits at the chosen alpha
    marks = result.cv[result.cv["model"] == "lasso alpha*"]
    assert np.allclose(marks["log10_alpha"], np.log10(m["best_alpha"]["lasso"]), atol=1e-3)


def test_l1_zeroes_the_noise_at_the_chosen_alpha_and_l2_zeroes_nothing():
    result = regularization(SAMPLE, "y")
    m = result.metrics
    assert m["n_zero_coefs"]["lasso"] >= 5 and m["n_zero_coefs"]["ridge"] == 0
    # only noise columns are dropped; the three real features (x1, x2, x3) stay
    assert set(m["zeroed_features"]["lasso"]) <= {f"x{i}" for i in range(4, 11)}
    assert (result.coefs["lasso"] == 0).sum() == m["n_zero_coefs"]["lasso"]
    assert m["test_r2"]["lasso"] > m["ols_test_r2"]


def test_noise_columns_on_diabetes_are_dropped_by_lasso_only():
    m = regularization(noise_features=14).metrics
    assert m["n_features"] == 24
    assert m["n_zero_coefs"]["lasso"] > 0 and m["n_zero_coefs"]["ridge"] == 0
    assert m["noise_zeroed"]["lasso"] > 0


def test_paths_pass_through_the_chosen_fits():
    fits, _, _, _ = diabetes_fits("target", 0.5, 0)
    for name, fit in fits.items():
        i = int(np.argmin(np.abs(fit.alphas - fit.best_alpha)))
        assert np.allclose(fit.path[i], fit.coef, atol=5e-3), name
    ridge = fits["ridge"]
    # the SVD formula is sklearn's Ridge at every alpha
    from showcase.classic import regularization as reg
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    frame = reg.diabetes()
    X, y = frame.drop(columns="target").to_numpy(), frame["target"].to_numpy()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=reg.TEST_SIZE, random_state=reg.SPLIT_SEED)
    X_train = StandardScaler().fit_transform(X_train)
    for j in (0, 20, 49):
        assert np.allclose(ridge.path[j], Ridge(alpha=ridge.alphas[j]).fit(X_train, y_train).coef_, atol=1e-6)


def test_bytes_and_paths_give_the_same_answer():
    a = regularization(SAMPLE, "y").metrics
    b = regularization(SAMPLE.read_bytes(), "y").metrics
    assert a["best_alpha"] == b["best_alpha"] and a["test_r2"] == b["test_r2"]


def _csv(tmp_path, text: str | bytes, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _table(rows=30, **columns):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows), "y": rng.normal(size=rows)})
    for key, value in columns.items():
        frame[key] = value
    return frame.to_csv(index=False)


@pytest.mark.parametrize("content, target, message", [
    ("", "y", "empty"),
    ("\n\n  \n", "y", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "y", "not a CSV"),
    (b"\xff\xfe\xfa\xfb not utf8", "y", "not a CSV text file"),
    ("a,b,y\n1,2,3\n", "y", "1 data row"),
    (_table(), "price", "No column named 'price'"),
    (_table(), "", "Type the name of the target column"),
    (_table(city=["Paris"] * 30), "y", "Column 'city' is not numeric"),
    (_table(c=[1.0] * 5 + [np.nan] + [1.0] * 24), "y", "Column 'c' has 1 missing value.*line 7"),
    (_table(c=[np.inf] * 30), "y", "infinite"),
    (_table(y=[5.0] * 30), "y", "constant"),
    ("a;b;y\n" + "1;2;3\n" * 30, "y", "separated by ';'"),
    ('a,b,y\n1,2,3\n4,"5,6\n', "y", "Could not read the file as CSV"),
])
def test_bad_csvs(tmp_path, content, target, message):
    with pytest.raises(InputError, match=message):
        regularization(_csv(tmp_path, content), target)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="ols"), "model must be one of"),
    (dict(l1_ratio=0), "l1_ratio"),
    (dict(noise_features=-1), "Noise columns"),
    (dict(target="bmi_typo"), "No column named"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(InputError, match=message):
        regularization(**kwargs)
