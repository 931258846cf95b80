"""The breast cancer table and the XGBoost model on it, shared by the ensembles and SHAP tabs.

scikit-learn's Wisconsin breast cancer set plus two columns of pure noise (``random_num``,
``random_cat``), split 70/30 stratified; and the gradient-boosted trees both tabs explain, fitted
once per process on one thread.

    table = breast_cancer_table()            # x_train, x_test, y_train, y_test, features
    fitted = fit_xgboost()                   # Fitted(model, seconds)
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np

TABLE_SEED = 42
NOISE = "random_num"       # continuous noise: the column scikit-learn's finding is about
NOISE_CAT = "random_cat"   # three-level noise, for contrast


@dataclass(frozen=True)
class Fitted:
    model: object
    seconds: float         # wall-clock fit time, one thread


@dataclass(frozen=True)
class Table:
    x_train: np.ndarray    # (n_train, F) float64
    x_test: np.ndarray     # (n_test, F)
    y_train: np.ndarray    # (n_train,) 0/1, 1 = benign (scikit-learn's coding)
    y_test: np.ndarray     # (n_test,)
    features: tuple[str, ...]


@functools.cache
def breast_cancer_table(seed: int = TABLE_SEED) -> Table:
    """Breast cancer plus ``random_num`` and ``random_cat``; a stratified 70/30 split."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    rng = np.random.default_rng(seed)
    n = len(data.target)
    x = np.column_stack([data.data, rng.normal(size=n), rng.integers(0, 3, size=n).astype(float)])
    features = (*data.feature_names, NOISE, NOISE_CAT)
    x_train, x_test, y_train, y_test = train_test_split(
        x, data.target, test_size=0.3, stratify=data.target, random_state=seed)
    return Table(x_train, x_test, y_train, y_test, tuple(str(f) for f in features))


@functools.lru_cache(maxsize=8)
def fit_xgboost(n_estimators: int = 100, max_depth: int = 4, learning_rate: float = 0.1,
                seed: int = TABLE_SEED) -> Fitted:
    import xgboost  # imported on first use: it adds about half a second to the app's start

    table = breast_cancer_table(seed)
    model = xgboost.XGBClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                  learning_rate=learning_rate, random_state=seed, n_jobs=1,
                                  tree_method="hist", eval_metric="logloss")
    started = time.perf_counter()
    model.fit(table.x_train, table.y_train)
    return Fitted(model, time.perf_counter() - started)
