"""Decision boundaries: cold against cached calls, and the render, measured in one run.

``cached_vs_cold_call``: a repeated call at the defaults (CV scores, meshes and the rendered
panels cached with ``functools``) against the first one in a process; ``render_s`` is what
drawing the five panels costs for a setting not seen before.

    python -m benchmarks.classic.decision_boundaries
"""

from __future__ import annotations

import io
import time

from benchmarks.timing import best_of


def claims() -> dict:
    from showcase.classic import decision_boundaries as db

    for cached in (db.cv_scores, db.regions, db.picture):
        cached.cache_clear()
    started = time.perf_counter()
    db.decision_boundaries()
    cold = time.perf_counter() - started
    warm = best_of(db.decision_boundaries)
    maps = {name: db.regions(name, 0, 1, 1.0, 0.7, 4, 15) for name in db.MODELS}
    render = best_of(lambda: db.draw(maps, 0, 1).savefig(io.BytesIO(), format="png"))  # a new setting's cost
    return {
        "decision_boundaries.cached_vs_cold_call": round(cold / warm, 2),
        "decision_boundaries.cold_call_s": round(cold, 3),
        "decision_boundaries.warm_call_s": round(warm, 3),
        "decision_boundaries.render_s": round(render, 3),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
