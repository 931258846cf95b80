"""Regularisation: the choice of RidgeCV's leave-one-out, and the cache, measured in one run.

- ``ridge_loo_vs_5fold_speedup``: ``RidgeCV`` over the tab's 50 alphas with its exact
  leave-one-out shortcut (what the backend uses) against ``RidgeCV(cv=5-fold)``, which refits
  through a grid search, on the same diabetes training split;
- ``cached_vs_cold_call``: a repeated call at the defaults against the first in a process.

    python -m benchmarks.classic.regularization
"""

from __future__ import annotations

import time

from benchmarks.timing import best_of


def claims() -> dict:
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, train_test_split
    from sklearn.preprocessing import StandardScaler

    from showcase.classic import regularization as reg

    frame = reg.diabetes()
    X, y = frame.drop(columns="target").to_numpy(), frame["target"].to_numpy()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=reg.TEST_SIZE, random_state=reg.SPLIT_SEED)
    X_train = StandardScaler().fit_transform(X_train)
    folds = KFold(5, shuffle=True, random_state=reg.CV_SEED)
    loo = best_of(lambda: RidgeCV(alphas=reg.RIDGE_ALPHAS, store_cv_results=True).fit(X_train, y_train))
    kfold = best_of(lambda: RidgeCV(alphas=reg.RIDGE_ALPHAS, cv=folds, scoring="neg_mean_squared_error")
                     .fit(X_train, y_train), repeat=1)

    reg.diabetes_fits.cache_clear()
    started = time.perf_counter()
    reg.regularization()
    cold = time.perf_counter() - started
    warm = best_of(reg.regularization)
    sample = best_of(lambda: reg.regularization(reg.Path(__file__).resolve().parents[2] / "assets" / "classic"
                                                 / "regularization" / "sample.csv", "y"), repeat=2)
    return {
        "regularization.ridge_loo_vs_5fold_speedup": round(kfold / loo, 1),
        "regularization.cached_vs_cold_call": round(cold / warm, 1),
        "regularization.cold_call_s": round(cold, 3),
        "regularization.warm_call_s": round(warm, 4),
        "regularization.sample_csv_call_s": round(sample, 3),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
