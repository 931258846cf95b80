"""The listening test: a blind pool, least-rated first, the engine revealed after the rating."""

import pytest

from showcase.core.errors import InputError
from showcase.speech import listening


@pytest.fixture()
def small_pool(monkeypatch, tmp_path):
    """Two espeak-ng samples in a fresh folder, ratings in a fresh database."""
    monkeypatch.setattr(listening, "FOLDER", tmp_path / "pool")
    monkeypatch.setattr(listening, "ENGINES", ("espeak",))
    monkeypatch.setattr(listening, "SENTENCES", ("One sentence.", "Another one."))
    monkeypatch.setenv("SHOWCASE_DATA", str(tmp_path / "data"))
    return listening.make()


def test_ids_and_files_do_not_give_the_engine_away(small_pool):
    assert len(small_pool) == 2
    for sid, item in small_pool.items():
        assert "espeak" not in sid and item["file"] == f"{sid}.ogg"
        assert (listening.FOLDER / item["file"]).stat().st_size > 1000


def test_a_listener_gets_each_sample_once_then_none(small_pool):
    first = listening.next_sample("me")
    assert listening.rate(first.id, 4, "me") == "espeak"
    second = listening.next_sample("me")
    assert second.id != first.id
    listening.rate(second.id, "2", "me")
    assert listening.next_sample("me") is None
    assert listening.next_sample("you").id in small_pool


def test_the_least_rated_sample_comes_next(small_pool):
    rated = listening.next_sample("a")
    listening.rate(rated.id, 3, "a")
    assert listening.next_sample("b").id != rated.id


@pytest.mark.parametrize("sid", ["", "../../etc/passwd", "nope", None, 3])
def test_an_unknown_sample_is_refused(small_pool, sid):
    with pytest.raises(InputError, match="Next sample"):
        listening.rate(sid, 4, "me")


def test_summary_gives_mos_and_interval_per_engine_and_the_paper(small_pool):
    for session, score in (("a", 4), ("b", 5), ("c", 3)):
        listening.rate(listening.next_sample(session).id, score, session)
    table, chart, metrics = listening.summary()
    assert metrics["n_ratings"] == 3 and metrics["mos"] == {"espeak": 4.0}
    assert metrics["ci95"]["espeak"] == pytest.approx(2.484, abs=1e-3)
    assert metrics["paper_tacotron2"] == {"mos": 4.53, "ci95": 0.07} and chart.size[0] > 300
    assert list(table["voice"]) == [listening.LABELS["espeak"]]


def test_the_bundled_pool_has_every_engine_and_sentence():
    pool = listening.pool()
    assert len(pool) == len(listening.ENGINES) * len(listening.SENTENCES)
    assert {p["engine"] for p in pool.values()} == set(listening.ENGINES)
    assert all((listening.FOLDER / p["file"]).is_file() for p in pool.values())
