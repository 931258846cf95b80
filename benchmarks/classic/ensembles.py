"""Random Forest vs XGBoost: fit times, batched permutation importance, cached calls, in one run.

``rf_over_xgb_fit_time``: the forest's fit time over XGBoost's at the tab's defaults (100 trees
each, one thread). ``batched_permutation_speedup``: ``sklearn.inspection.permutation_importance``
(F·R small ``predict_proba`` calls, ROC AUC scoring, the same number of shuffles) over the tab's
``permutation_importance`` (one call on every shuffled copy at once). ``cold_call_s`` /
``warm_call_s``: the first ``compare_ensembles()`` in a process and a repeated (cached) one.

    python -m benchmarks.classic.ensembles
"""

from __future__ import annotations

import time

from benchmarks.timing import best_of


def claims() -> dict:
    from sklearn.inspection import permutation_importance as sklearn_permutation

    from showcase.classic import ensembles as ens
    from showcase.core import tabular

    for cached in (ens.fit_random_forest, ens.fit_xgboost, ens.importances, ens.compare_models):
        cached.cache_clear()
    started = time.perf_counter()
    ens.compare_ensembles()
    cold = time.perf_counter() - started
    warm = best_of(ens.compare_ensembles)

    table = tabular.breast_cancer_table()
    rf, xgb = ens.fit_random_forest().model, ens.fit_xgboost().model
    rf_fit = best_of(lambda: ens.RandomForestClassifier(n_estimators=100, min_samples_leaf=1, random_state=ens.SEED,
                                                         n_jobs=1).fit(table.x_train, table.y_train))
    xgb_fit = best_of(lambda: type(xgb)(**xgb.get_params()).fit(table.x_train, table.y_train))
    batched = best_of(lambda: ens.permutation_importance(rf, table.x_test, table.y_test))
    plain = best_of(lambda: sklearn_permutation(rf, table.x_test, table.y_test, scoring="roc_auc",
                                                 n_repeats=ens.N_REPEATS, random_state=0, n_jobs=1), repeat=1)
    return {
        "ensembles.rf_fit_s": round(rf_fit, 3),
        "ensembles.xgb_fit_s": round(xgb_fit, 3),
        "ensembles.rf_over_xgb_fit_time": round(rf_fit / xgb_fit, 2),
        "ensembles.batched_permutation_s": round(batched, 3),
        "ensembles.sklearn_permutation_s": round(plain, 3),
        "ensembles.batched_permutation_speedup": round(plain / batched, 2),
        "ensembles.cold_call_s": round(cold, 3),
        "ensembles.warm_call_s": round(warm, 5),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
