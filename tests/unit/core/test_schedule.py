"""``showcase.core.schedule``: the clock-budgeted learning rate and the ``--until`` time."""

import datetime as dt
import time

import pytest

from showcase.core.schedule import budget_progress, budgeted_lr, cosine_factor, utc_today


def test_until_is_today_at_that_utc_time(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")   # a machine not on UTC: the time is still UTC
    time.tzset()
    try:
        stamp = utc_today("15:07")
    finally:
        monkeypatch.undo()
        time.tzset()
    when = dt.datetime.fromtimestamp(stamp, dt.timezone.utc)
    assert (when.hour, when.minute, when.second) == (15, 7, 0)
    assert when.date() == dt.datetime.now(dt.timezone.utc).date()
    assert utc_today(None) is None and utc_today("") is None


def test_progress_is_steps_or_time_whichever_is_further():
    now = time.time()
    assert budget_progress(50, 100, now, None) == pytest.approx(0.5)
    assert budget_progress(10, 100, now - 90, 100) == pytest.approx(0.9, abs=0.05)   # the clock is further
    assert budget_progress(500, 100, now, 100) == 1.0


def test_the_rate_warms_up_then_anneals_to_its_floor():
    assert budgeted_lr(1.0, 30, 0.0, warmup_steps=300) == pytest.approx(0.1)
    assert budgeted_lr(2.0, 300, 0.5, warmup_steps=300) == pytest.approx(1.0)
    assert budgeted_lr(1.0, 1000, 1.0) == pytest.approx(0.0)
    assert cosine_factor(1.0, floor=0.05) == pytest.approx(0.05) and cosine_factor(0.0, floor=0.05) == 1.0


def test_the_training_command_line_reads_size_deadline_and_dry_run(tmp_path, capsys):
    from showcase.core.schedule import budgeted_cli, dry_run

    assert budgeted_cli("doc", "n-train", 4800, "smoke", []) == (4800, None, False)
    n, deadline, dry = budgeted_cli("doc", "steps", 10, "smoke", ["--steps", "3", "--until", "23:59", "--dry-run"])
    assert (n, dry) == (3, True) and deadline == utc_today("23:59")
    card = dry_run(lambda folder, steps: {"folder": str(folder), "steps": steps, "x": 1}, ("steps",), steps=2)
    assert capsys.readouterr().out.strip() == "{'steps': 2}" and card["x"] == 1
