"""L1 and L2 regularisation: Lasso, Ridge and ElasticNet on the diabetes data (or your CSV).

All three fit a linear model ŷ = Xw + b and add a penalty on the weights, scaled by alpha:
Ridge (L2) minimises ‖y − Xw‖² + α‖w‖₂², which shrinks every weight but zeroes none; Lasso (L1)
minimises (1/2n)‖y − Xw‖² + α‖w‖₁, whose corners drive weights to exactly zero; ElasticNet mixes
the two with ``l1_ratio``. The coefficient paths show each weight as alpha grows; the CV curve
shows the cross-validated mean squared error against alpha, and the chosen alpha is its minimum.

Procedure: a fixed 75/25 train/test split (``random_state=42``); features standardised on the
training part; alpha chosen on the training part by ``LassoCV`` and ``ElasticNetCV`` (5-fold
``KFold(shuffle=True, random_state=0)``, 50 alphas over four decades below alpha_max) and by ``RidgeCV`` (its
exact, efficient leave-one-out over 50 alphas in 10⁻²…10⁵: about 100× faster here than 5-fold
through a grid search, and it picks the same kind of answer); then R² on the held-out 25%.
On the plain diabetes data the chosen alphas are small and Lasso keeps all ten features; add
random noise columns (as scikit-learn's "Lasso model selection" example does) and Lasso drops
most of them while Ridge keeps every one.

An uploaded CSV is read from its bytes with pandas (nothing is unpickled, no other file is
opened); every column must be numeric with no missing values, and the target is chosen by name.

References: Tibshirani (1996), "Regression shrinkage and selection via the lasso"; Hoerl &
Kennard (1970); Zou & Hastie (2005); Efron et al. (2004), whose diabetes data this is;
scikit-learn's linear-model guide.

    python -m showcase.classic.regularization --noise 14
    python -m showcase.classic.regularization --csv assets/classic/regularization/sample.csv --target y
"""

from __future__ import annotations

import argparse
import functools
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNetCV, LassoCV, LinearRegression, RidgeCV, enet_path, lasso_path
from sklearn.model_selection import KFold, train_test_split
from sklearn.preprocessing import StandardScaler

from showcase.core.checks import number
from showcase.core.errors import InputError

MODELS = ("lasso", "ridge", "elasticnet")
N_ALPHAS = 50
EPS = 1e-4  # the Lasso/ElasticNet grids span alpha_max·[1e-4, 1]: on diabetes the best alpha is small
RIDGE_ALPHAS = np.logspace(-2, 5, N_ALPHAS)
TEST_SIZE, SPLIT_SEED, CV_SEED, NOISE_SEED = 0.25, 42, 0, 42
MIN_ROWS, MAX_ROWS, MAX_COLUMNS = 20, 20_000, 200
MAX_CSV_BYTES = 5 * 1024 * 1024
CV_SCHEME = "Lasso, ElasticNet: 5-fold KFold(shuffle, seed 0); Ridge: exact leave-one-out (RidgeCV)"


@dataclass
class Fit:
    alphas: np.ndarray       # (A,) the alpha grid, as the CV estimator searched it
    path: np.ndarray         # (A, F) coefficients along the grid, fitted on the training part
    cv_mse: np.ndarray       # (A,) cross-validated MSE at each alpha
    best_alpha: float
    coef: np.ndarray         # (F,) at the chosen alpha
    test_r2: float


@dataclass
class RegularizationResult:
    paths: pd.DataFrame      # log10_alpha, coef, feature: the chosen model's coefficient paths
    cv: pd.DataFrame         # log10_alpha, cv_mse, model: CV error against alpha, chosen alphas marked
    coefs: pd.DataFrame      # feature, then one column per model (and OLS) at the chosen alpha
    metrics: dict


# --- the data --------------------------------------------------------------------------------

@functools.cache
def diabetes() -> pd.DataFrame:
    """The 442 patients: ten baseline variables and ``target``, disease progression after a year."""
    return load_diabetes(as_frame=True, scaled=False).frame


def read_csv(source) -> pd.DataFrame:
    """A table from an uploaded CSV (a path to that one file, or its bytes); InputError if unusable."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"The CSV is {len(data) / 2**20:.1f} MB; the limit is {MAX_CSV_BYTES // 2**20} MB.")
    if not data.strip():
        raise InputError("The CSV file is empty.")
    if b"\x00" in data[:8192]:
        raise InputError("This is not a CSV file (it holds binary data). Upload comma-separated text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("This is not a CSV text file (not UTF-8). Save it as CSV (UTF-8) and upload again.") from None
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"Could not read the file as CSV: {str(exc).strip()[:200]}") from None
    return frame


def check_table(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """X (n, F) and y (n,) from a table whose columns are all numbers; the target chosen by name."""
    columns = [str(c) for c in frame.columns]
    if frame.shape[1] < 2:
        hint = " Is it separated by ';' or tabs? Use commas." if columns and (";" in columns[0] or "\t" in columns[0]) else ""
        raise InputError(f"The CSV has {frame.shape[1]} column; it needs a target and at least one feature.{hint}")
    if frame.shape[1] > MAX_COLUMNS:
        raise InputError(f"The CSV has {frame.shape[1]} columns; the limit is {MAX_COLUMNS}.")
    target = str(target or "").strip()
    if not target:
        raise InputError(f"Type the name of the target column; the columns are: {', '.join(columns)[:300]}.")
    if target not in columns:
        raise InputError(f"No column named {target!r}; the columns are: {', '.join(columns)[:300]}.")
    if len(frame) < MIN_ROWS:
        raise InputError(f"The CSV has {len(frame)} data row(s); at least {MIN_ROWS} are needed for a "
                         "train/test split and 5-fold cross-validation.")
    if len(frame) > MAX_ROWS:
        raise InputError(f"The CSV has {len(frame):,} rows; the limit is {MAX_ROWS:,}.")
    for name, column in zip(columns, frame.columns):
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            example = values.dropna().astype(str).head(1).tolist()
            shown = f" (e.g. {example[0][:30]!r})" if example else ""
            raise InputError(f"Column {name!r} is not numeric{shown}. Drop it or encode it as numbers.")
        missing = values.isna().to_numpy()
        if missing.any():
            line = int(np.flatnonzero(missing)[0]) + 2  # the header is line 1
            raise InputError(f"Column {name!r} has {int(missing.sum())} missing value(s), the first on line "
                             f"{line} of the file. Fill or drop them.")
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise InputError(f"Column {name!r} has infinite values.")
    y = frame[frame.columns[columns.index(target)]].to_numpy(dtype=float)
    if np.ptp(y) == 0:
        raise InputError(f"The target {target!r} is constant; there is nothing to predict.")
    features = [c for c in columns if c != target]
    X = frame[[frame.columns[columns.index(c)] for c in features]].to_numpy(dtype=float)
    return X, y, features


def add_noise(X: np.ndarray, features: list[str], n: int) -> tuple[np.ndarray, list[str]]:
    """Append ``n`` standard-normal columns named random_00…, as in scikit-learn's example."""
    if n == 0:
        return X, features
    names = [f"random_{i:02d}" for i in range(n)]
    clash = set(names) & set(features)
    if clash:
        raise InputError(f"The data already has a column named {sorted(clash)[0]!r}; rename it to add noise columns.")
    noise = np.random.RandomState(NOISE_SEED).randn(X.shape[0], n)
    return np.hstack([X, noise]), features + names


# --- the three models ------------------------------------------------------------------------

def fit_models(X: np.ndarray, y: np.ndarray, l1_ratio: float) -> tuple[dict[str, Fit], float, np.ndarray]:
    """Split, standardise, choose each model's alpha by CV on the training part, score on the test part.

    Returns the three fits, OLS's test R² and OLS's coefficients, for comparison.
    """
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    y_centred = y_train - y_train.mean()   # the paths are fitted without intercept: centre y (X already is)
    folds = KFold(5, shuffle=True, random_state=CV_SEED)
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the tiniest alphas of the grid, on some CSVs
        lasso = LassoCV(alphas=N_ALPHAS, eps=EPS, cv=folds).fit(X_train, y_train)
        _, path, _ = lasso_path(X_train, y_centred, alphas=lasso.alphas_)            # path: (F, A)
        fits["lasso"] = Fit(lasso.alphas_, path.T, lasso.mse_path_.mean(axis=1), float(lasso.alpha_),
                            lasso.coef_, float(lasso.score(X_test, y_test)))

        ridge = RidgeCV(alphas=RIDGE_ALPHAS, store_cv_results=True).fit(X_train, y_train)
        # Ridge's weights for every alpha at once from one SVD of the (centred) training data.
        u, s, vt = np.linalg.svd(X_train, full_matrices=False)
        shrink = s / (s**2 + RIDGE_ALPHAS[:, None])                                  # (A, F)
        path = (shrink * (u.T @ y_centred)) @ vt                                      # (A, F)
        fits["ridge"] = Fit(RIDGE_ALPHAS, path, ridge.cv_results_.mean(axis=0), float(ridge.alpha_),
                            ridge.coef_, float(ridge.score(X_test, y_test)))

        enet = ElasticNetCV(l1_ratio=l1_ratio, alphas=N_ALPHAS, eps=EPS, cv=folds).fit(X_train, y_train)
        _, path, _ = enet_path(X_train, y_centred, l1_ratio=l1_ratio, alphas=enet.alphas_)
        fits["elasticnet"] = Fit(enet.alphas_, path.T, enet.mse_path_.mean(axis=1), float(enet.alpha_),
                                 enet.coef_, float(enet.score(X_test, y_test)))
    ols = LinearRegression().fit(X_train, y_train)
    return fits, float(ols.score(X_test, y_test)), ols.coef_


@functools.lru_cache(maxsize=32)
def diabetes_fits(target: str, l1_ratio: float, noise: int):
    """The built-in data's fits, computed once per setting (uploads are never cached)."""
    X, y, features = check_table(diabetes(), target)
    X, features = add_noise(X, features, noise)
    return (*fit_models(X, y, l1_ratio), features)


# --- tables for the plots --------------------------------------------------------------------

def _marker(x: float, low: float, high: float, name: str, key: str) -> pd.DataFrame:
    """A vertical segment at log10(alpha*) drawn as its own series: LinePlot has no rule mark."""
    return pd.DataFrame({"log10_alpha": [x, x], key: [low, high], "series": [name, name]})


def path_table(fit: Fit, features: list[str], model: str) -> pd.DataFrame:
    x = np.log10(fit.alphas)
    frames = [pd.DataFrame({"log10_alpha": x, "coef": fit.path[:, j], "series": name}) for j, name in enumerate(features)]
    frames.append(_marker(float(np.log10(fit.best_alpha)), float(fit.path.min()), float(fit.path.max()),
                          f"chosen alpha ({model})", "coef"))
    return pd.concat(frames, ignore_index=True).rename(columns={"series": "feature"})


def cv_table(fits: dict[str, Fit]) -> pd.DataFrame:
    frames = []
    low = min(float(f.cv_mse.min()) for f in fits.values())
    high = max(float(f.cv_mse.max()) for f in fits.values())
    for name, fit in fits.items():
        frames.append(pd.DataFrame({"log10_alpha": np.log10(fit.alphas), "cv_mse": fit.cv_mse, "series": name}))
        frames.append(_marker(float(np.log10(fit.best_alpha)), low, high, f"{name} alpha*", "cv_mse"))
    return pd.concat(frames, ignore_index=True).rename(columns={"series": "model"})


# --- the public function ---------------------------------------------------------------------

def regularization(csv=None, target: str = "target", model: str = "lasso", l1_ratio: float = 0.5,
                   noise_features: int = 0) -> RegularizationResult:
    """Lasso, Ridge and ElasticNet on diabetes (``csv=None``) or an uploaded CSV; ``model`` picks the
    coefficient paths shown. Every metric is given per model."""
    if model not in MODELS:
        raise InputError(f"model must be one of {MODELS}, not {model!r}.")
    l1_ratio = float(number(l1_ratio, "l1_ratio", low=0.01, high=1.0))
    noise = number(noise_features, "Noise columns", low=0, high=50, integer=True)
    target = str(target or "").strip()
    if csv is None:
        fits, ols_r2, ols_coef, features = diabetes_fits(target, l1_ratio, noise)
        source = "diabetes (scikit-learn, 442 patients)"
        n_rows = len(diabetes())
    else:
        frame = read_csv(csv)
        X, y, features = check_table(frame, target)
        X, features = add_noise(X, features, noise)
        fits, ols_r2, ols_coef = fit_models(X, y, l1_ratio)
        source = f"upload: {Path(str(csv)).name}" if not isinstance(csv, bytes) else "upload"
        n_rows = len(frame)

    coefs = pd.DataFrame({"feature": features, **{m: np.round(f.coef, 4) + 0.0 for m, f in fits.items()},  # + 0.0: no "-0.0"
                          "ols": np.round(ols_coef, 4) + 0.0})
    zero = {m: int(np.sum(f.coef == 0)) for m, f in fits.items()}
    metrics = {
        "data": source,
        "target": target,
        "n_rows": n_rows,
        "n_features": len(features),
        "noise_features": noise,
        "model_shown": model,
        "l1_ratio": l1_ratio,
        "best_alpha": {m: float(f"{f.best_alpha:.4g}") for m, f in fits.items()},
        "cv_mse": {m: round(float(f.cv_mse[np.argmin(np.abs(f.alphas - f.best_alpha))]), 2) for m, f in fits.items()},
        "test_r2": {m: round(f.test_r2, 4) for m, f in fits.items()},
        "n_zero_coefs": zero,
        "zeroed_features": {m: [name for name, c in zip(features, f.coef) if c == 0] for m, f in fits.items() if zero[m]},
        "ols_test_r2": round(ols_r2, 4),
        "cv": CV_SCHEME,
        "split": f"{1 - TEST_SIZE:.0%}/{TEST_SIZE:.0%} train/test, random_state={SPLIT_SEED}; standardised on train",
    }
    if noise:
        metrics["noise_zeroed"] = {m: sum(name.startswith("random_") for name in metrics["zeroed_features"].get(m, []))
                                   for m in fits}
    edge = [m for m, f in fits.items() if f.best_alpha in (f.alphas.min(), f.alphas.max())]
    if edge:
        metrics["note"] = f"The chosen alpha is at the edge of the grid for {', '.join(edge)}."
    return RegularizationResult(path_table(fits[model], features, model), cv_table(fits), coefs, metrics)


def make_sample(path, rows: int = 120, seed: int = 1) -> None:
    """Write the example CSV: y depends on x1, x2, x3 only; x4…x10 are noise Lasso should drop.

    With this draw Lasso drops six of the seven noise columns. Other draws drop fewer: the CV
    alpha is chosen to predict well, not to select variables, and it often keeps a little noise.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 10))
    y = 3.0 * X[:, 0] - 2.0 * X[:, 1] + 1.5 * X[:, 2] + rng.normal(scale=1.0, size=rows)
    frame = pd.DataFrame(np.round(X, 4), columns=[f"x{i}" for i in range(1, 11)])
    frame["y"] = np.round(y, 4)
    frame.to_csv(path, index=False)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", help="a CSV of numbers (default: the diabetes data)")
    parser.add_argument("--target", default="target")
    parser.add_argument("--model", choices=MODELS, default="lasso")
    parser.add_argument("--l1-ratio", type=float, default=0.5)
    parser.add_argument("--noise", type=int, default=0, help="random columns to add")
    parser.add_argument("--write-sample", metavar="PATH", help="write the example CSV here and stop")
    args = parser.parse_args(argv)
    if args.write_sample:
        make_sample(args.write_sample)
        return
    result = regularization(args.csv, args.target, args.model, args.l1_ratio, args.noise)
    print(result.coefs.to_string(index=False))
    for key in ("best_alpha", "cv_mse", "test_r2", "n_zero_coefs", "ols_test_r2"):
        print(f"{key}: {result.metrics[key]}")


if __name__ == "__main__":
    main()
