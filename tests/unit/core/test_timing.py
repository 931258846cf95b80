import time

from showcase.core import timing


def test_calls_alternate_and_warm_up_first():
    calls = []
    times = timing.samples_ms([lambda: calls.append("a"), lambda: calls.append("b")], repeats=3, warmup=1)
    assert calls == ["a", "b"] * 4
    assert [len(t) for t in times] == [3, 3]


def test_median_sees_the_slower_function():
    fast, slow = timing.interleaved_ms([lambda: None, lambda: time.sleep(0.005)], repeats=5)
    assert slow >= 5 > fast


def test_progress_hook_runs_once_a_round():
    rounds = []
    timing.samples_ms([lambda: None], repeats=4, every=rounds.append)
    assert rounds == [0, 1, 2, 3]
