"""The ratings store: interval arithmetic, refusals, and many listeners at once."""

import threading

import pytest

from showcase.core.errors import InputError
from showcase.speech import mos


def test_t_interval_by_hand():
    # 3, 4, 5: mean 4, sample sd 1, standard error 1/√3; t(0.975, 2 df) = 4.302653 → 4.3027/√3 = 2.4841
    mean, half = mos.t_interval([3, 4, 5])
    assert mean == 4 and half == pytest.approx(2.4841, abs=1e-4)
    # 4, 4, 5, 5: mean 4.5, sd 0.57735, se 0.288675; t(0.975, 3) = 3.182446 → 0.9187
    mean, half = mos.t_interval([4, 4, 5, 5])
    assert mean == 4.5 and half == pytest.approx(0.9187, abs=1e-4)
    assert mos.t_interval([2]) == (2, None)
    with pytest.raises(ValueError):
        mos.t_interval([])


def test_ratings_are_stored_and_summarised(tmp_path):
    store = mos.RatingStore(tmp_path / "r.sqlite3")
    for i, s in enumerate((3, 4, 5)):
        store.rate(f"a{i}", "piper", s, session=f"s{i + 1}")     # three listeners
    store.rate("b0", "espeak", "2", session="s1")
    table = store.summary().set_index("engine")
    assert table.loc["piper", "n_ratings"] == 3 and table.loc["piper", "mos"] == 4
    assert table.loc["piper", "ci95"] == pytest.approx(2.484, abs=1e-3) and table.loc["piper", "listeners"] == 3
    assert table.loc["espeak", "n_ratings"] == 1 and table.loc["espeak", "ci95"] is None
    assert store.rated_by("s1") == {"a0", "b0"} and store.counts()["a0"] == 1


@pytest.mark.parametrize("score", [0, 6, 3.5, "x", "", None, True, [4]])
def test_a_score_outside_1_to_5_is_refused(tmp_path, score):
    store = mos.RatingStore(tmp_path / "r.sqlite3")
    with pytest.raises(InputError, match="1 to 5|1 \\(bad\\)"):
        store.rate("a", "piper", score, session="s")
    assert store.summary().empty


def test_the_same_sample_twice_no_session_and_a_flood_are_refused(tmp_path):
    store = mos.RatingStore(tmp_path / "r.sqlite3")
    store.rate("a", "piper", 4, session="s")
    with pytest.raises(InputError, match="already rated"):
        store.rate("a", "piper", 5, session="s")
    with pytest.raises(InputError, match="session"):
        store.rate("b", "piper", 5, session="")
    for i in range(1, mos.MAX_PER_MINUTE):
        store.rate(f"x{i}", "piper", 3, session="s")
    with pytest.raises(InputError, match="in a minute"):
        store.rate("y", "piper", 3, session="s")
    store.rate("y", "piper", 3, session="someone else")   # other listeners are not held back
    assert store.summary()["n_ratings"].sum() == mos.MAX_PER_MINUTE + 1


def test_eight_listeners_at_once_all_land(tmp_path):
    store = mos.RatingStore(tmp_path / "r.sqlite3")
    errors = []

    def listener(k):
        try:
            for i in range(12):
                mos.RatingStore(tmp_path / "r.sqlite3").rate(f"sample{i}", "piper" if i % 2 else "espeak",
                                                              1 + (i + k) % 5, session=f"listener{k}")
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=listener, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors and store.summary()["n_ratings"].sum() == 96
    assert set(store.summary()["listeners"]) == {8}


def test_one_listeners_ratings_get_no_interval_and_the_page_says_why(tmp_path):
    # issue #25: six identical ratings from one listener showed "± 0.00", as if the voice's MOS were
    # known exactly; the t-interval assumes independent ratings, and one person's are not
    from pages.speech.tts import _mos_note

    store = mos.RatingStore(tmp_path / "r.sqlite3")
    for i in range(6):
        store.rate(f"a{i}", "piper", 4, session="one")
    row = store.summary().set_index("engine").loc["piper"]
    assert row["n_ratings"] == 6 and row["listeners"] == 1 and row["ci95"] is None and row["low"] is None
    note = _mos_note({"per_engine": store.summary().to_dict("records")})
    assert "± 0.00" not in note and "independent listeners" in note and "听者相互独立" in note
    store.rate("a0", "piper", 5, session="two")                  # a second person: an interval
    row = store.summary().set_index("engine").loc["piper"]
    assert row["listeners"] == 2 and row["ci95"] == round(mos.t_interval([4] * 6 + [5])[1], 3)
    assert "independent listeners" not in _mos_note({"per_engine": store.summary().to_dict("records")})
