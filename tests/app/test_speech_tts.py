"""The speech-synthesis tab through the API: each voice, text edge cases, and one listener's ratings."""

import pytest

from pages.speech.tts import API, EXAMPLES
from showcase.speech import listening

pytestmark = pytest.mark.slow


def test_synthesize_first_example_is_intelligible(client):
    audio, heard, picture, note, metrics = client.predict(*API["synthesize"], api_name="/synthesize")
    assert metrics["engine"] == "piper" and metrics["round_trip_cer"] <= 0.05 and heard
    assert metrics["sample_rate"] == 22_050 and audio and picture
    assert f"**{metrics['round_trip_cer']:.0%}**" in note and "4.53" in note and 'lang="zh"' in note


def test_tacotron_and_espeak_and_chinese(client):
    *_, metrics = client.predict(*EXAMPLES[1], api_name="/synthesize")
    assert metrics["engine"] == "tacotron" and metrics["source"] == "bundled" and metrics["round_trip_cer"] is not None
    *_, metrics = client.predict("你好,世界", "espeak", True, api_name="/synthesize")
    assert metrics["language"] == "zh" and metrics["round_trip_cer"] is None


def test_synthesize_bad_text_then_recovers(client, fails_clearly):
    fails_clearly("/synthesize", "", "piper", True, match="empty")
    fails_clearly("/synthesize", "word " * 1000, "piper", True, match="limit is 1,000")
    fails_clearly("/synthesize", "🎉🎉", "espeak", True, match="no letters")
    fails_clearly("/synthesize", "你好", "tacotron", True, match="English only")
    fails_clearly("/synthesize", "Hello.", "festival", True, match="not in the list of choices")
    fails_clearly("/synthesize", "Hello there, hub.", "hub", True, match="hub")
    *_, metrics = client.predict("A fresh sentence after the errors.", "espeak", False, api_name="/synthesize")
    assert metrics["engine"] == "espeak" and metrics["round_trip_cer"] is None


def test_a_listener_rates_samples_and_sees_the_summary(client, fails_clearly):
    path, sample_id, note, metrics = client.predict(api_name="/mos_next")
    assert sample_id in listening.pool() and metrics["sample_id"] == sample_id and path
    path, next_id, score, reveal, table, chart, mos_note, metrics = client.predict(sample_id, "5", api_name="/mos_rate")
    assert metrics["rated"]["score"] == 5 and metrics["n_ratings"] >= 1 and next_id != sample_id
    assert listening.LABELS[metrics["rated"]["engine"]] in reveal and "4.53" in mos_note
    fails_clearly("/mos_rate", sample_id, "5", match="already rated")
    fails_clearly("/mos_rate", next_id, "7", match="not in the list of choices")
    fails_clearly("/mos_rate", "../../etc/passwd", "3", match="Next sample")
    *_, metrics = client.predict(next_id, "2", api_name="/mos_rate")
    assert metrics["rated"] == {"sample_id": next_id, "score": 2, "engine": metrics["rated"]["engine"]}
    table, chart, mos_note, metrics = client.predict(api_name="/mos_summary")
    assert metrics["n_ratings"] >= 2 and set(metrics["mos"]) <= set(listening.ENGINES)
