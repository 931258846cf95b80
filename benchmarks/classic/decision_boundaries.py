"""Decision boundaries: cold against cached calls, and the render, measured in one run.

``cached_vs_cold_call``: a repeated call at the defaults (CV scores and meshes cached with
``functools.cache``) against the first one in a process.

    python -m benchmarks.classic.decision_boundaries
"""

from __future__ import annotations

import io
import time


def _best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def claims() -> dict:
    from showcase.classic import decision_boundaries as db

    for cached in (db.cv_scores, db.regions):
        cached.cache_clear()
    started = time.perf_counter()
    db.decision_boundaries()
    cold = time.perf_counter() - started
    warm = _best_of(db.decision_boundaries)
    figure = db.decision_boundaries().figure
    render = _best_of(lambda: figure.savefig(io.BytesIO(), format="png"))  # what gr.Plot does per request
    return {
        "decision_boundaries.cached_vs_cold_call": round(cold / warm, 2),
        "decision_boundaries.cold_call_s": round(cold, 3),
        "decision_boundaries.warm_call_s": round(warm, 3),
        "decision_boundaries.render_s": round(render, 3),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
