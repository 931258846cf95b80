"""The classroom benchmark's arithmetic (``benchmarks/classroom.py``) on records made up here: the
arrival's windows split each quick call's latency into the wait for a worker and the rest.

    python -m pytest tests/unit/test_benchmark_classroom.py -q
"""

from benchmarks import classroom


def record(api, t, latency, wait, error=None):
    return {"api": api, "t": t, "latency_s": latency, "wait_s": wait, "error": error}


def test_arrival_windows_split_the_wait_from_the_work():
    records = [record("page", 1, 0.1, None), record("page", 2, 0.1, None),
               record("svd", 3, 4.0, 3.0), record("svd", 5, 1.0, 0.0), record("svd", 7, 9.0, None, "boom"),
               record("train", 8, 50.0, 40.0),                      # not quick: left out
               record("svd", 20, 0.2, 0.1)]
    rows = classroom.arrival_windows(records, quick={"svd"})
    assert [r["from_s"] for r in rows] == [0, 15]
    first = rows[0]
    assert first["calls"] == 2 and first["pages"] == 2                # the error is not a latency
    assert first["p95_s"] == 4.0 and first["wait_p95_s"] == 3.0 and first["rest_p95_s"] == 1.0
    assert rows[1]["calls"] == 1 and rows[1]["pages"] == 0 and rows[1]["rest_p95_s"] == 0.1


def test_calls_still_running_at_the_end_are_counted_not_timed():
    def full(api, t, latency, wait, unfinished=False, click="setting change"):
        return {**record(api, t, latency, wait), "click": click, "rank": 0, "eta_s": None, "refused": None,
                "unfinished": unfinished}

    result = {"students": 2, "seconds": 60, "records": [
        full("svd", 100, 0.5, 0.0), full("svd", 101, 0.7, 0.1),
        full("train", 50, 70.0, None, unfinished=True, click="run")]}
    summary = classroom.summarize(result, quick={"svd", "train"})
    assert summary["unfinished"] == ["train (run): 70 s"]
    assert summary["calls"] == 2 and summary["told_position"] == 2     # its place was never read to the end
    assert summary["quick_p95_s"] == 0.7 and "train" not in summary["per_api"]
