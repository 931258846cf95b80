"""A short class (issue #30, item 4): 10 Locust students for 40 s against a served app, each opening
the page, tabs, their first examples, setting changes and a guided step (``benchmarks/classroom.py``).
No errors, no torn result file in the server's log, and every call was told its place in the queue.
The full run, 60 students for 10 minutes with p50/p95 and RSS, is ``python -m benchmarks --classroom 60``.

    python -m pytest tests/app/test_classroom.py -q
"""

import pytest

pytestmark = pytest.mark.slow

# quick tabs with guided steps and sliders, and one that trains (its pool holds one job at a time) and opens
# on a note, not a computed example: a student's Run starts at once, not after a cold cache's first fill
TABS = {"math.svd", "math.pca", "classic.ensembles", "vision.dcgan", "optimize.distillation"}


def test_a_short_class_gets_no_errors_and_sees_its_queue_position(served_app, tmp_path):
    from benchmarks import classroom

    tabs = classroom.plan(TABS)
    assert {t["key"] for t in tabs} == TABS
    # calls in flight at the end get 10 s, then are recorded as unfinished (a queued training run, on a slow box)
    result = classroom.drive(served_app.url, tabs, students=10, seconds=40, pid=served_app.pid, work=tmp_path, after=0,
                             drain=10)
    log_text = (served_app.temp.parent / "app.log").read_text(errors="replace")
    summary = classroom.summarize(result, quick=set(), log_text=log_text)
    print({k: v for k, v in summary.items() if k != "per_api"})
    assert summary["errors"] == [], summary["errors"][:5]
    assert summary["torn_downloads_logged"] == 0
    records = result["records"]
    assert len({r["student"] for r in records}) == 10                 # every student opened the page
    clicks = {r["click"] for r in records}
    assert {"open /", "first example", "setting change", "run"} <= clicks, clicks    # a run may be unfinished
    assert all(r["click"] == "run" for r in records if r["unfinished"]), [r for r in records if r["unfinished"]]
    # a tab's first example is what opening it shows (its select event, from the examples cache), as
    # in a browser: the fill's two steps were found for every tab, and a training tab is then Run once
    # (read from the students' own output: importing benchmarks.students here would let Locust patch
    # this process's standard library for gevent, and the in-process app of the next tests hang)
    assert all(result["opens"].get(t["key"]) == [False, True] for t in tabs), result["opens"]
    heavy = {t["api"] for t in tabs if t["heavy"]}
    assert {r["api"] for r in records if r["click"] == "run"} <= heavy
    # a browser opens pages, never the whole app's /config; an area's page before its tabs
    assert any(c.startswith("open /") and c != "open /" for c in clicks), clicks
    # the queue told every call its place (Gradio's estimation message), queued or not
    assert summary["calls"] > 0 and summary["told_position"] == summary["calls"], summary
