"""The speech-recognition tab through the API: both engines, bad audio and recovery."""

import numpy as np
import pytest
import soundfile as sf
from gradio_client import handle_file

from pages.speech.asr import API

pytestmark = pytest.mark.slow
PATH, ENGINE, DECODER, BEAM, TRUTH = API["transcribe"]


def test_transcribe_first_example_with_both_engines(client):
    ctc_text, whisper_text, picture, greedy, beam, note, metrics = client.predict(
        handle_file(PATH), ENGINE, DECODER, BEAM, TRUTH, api_name="/transcribe")
    assert metrics["engine"] == "both" and metrics["text"] == whisper_text
    # the first example is readable (the try-this step says at most three words in ten wrong)
    assert metrics["whisper_wer"] <= 0.1 and metrics["ctc_wer"] <= 0.3
    assert metrics["ctc_text"] == ctc_text == metrics["ctc_lm_text"] and metrics["ctc_greedy_text"] == greedy
    assert metrics["ctc_beam_text"] == beam != ""  # beam search runs beside greedy on the same output
    assert metrics["ctc_source"] == "bundled" and metrics["whisper_source"] == "package"
    assert metrics["ctc_real_time_factor"] > 0
    # the result says both engines' scores, the held-out numbers and the paper's, in both languages
    assert f"WER **{metrics['whisper_wer']:.1%}**" in note and "WER 5.6%" in note and 'lang="zh"' in note


def test_transcribe_beam_on_ctc_only(client):
    *_, beam, note, metrics = client.predict(handle_file(PATH), "ctc", "beam", 8, "", api_name="/transcribe")
    assert metrics["engine"] == "ctc" and "whisper_text" not in metrics and metrics["ctc_beam_text"] == beam
    assert "Whisper tiny.en**" not in note and "Type the true text" in note


def test_transcribe_bad_audio_then_recovers(client, fails_clearly, tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("a text file, not a sound\n" * 40)
    fails_clearly("/transcribe", handle_file(str(text)), "both", "greedy", 16, "", match="not audio")
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros((0, 1)), 16_000)
    fails_clearly("/transcribe", handle_file(str(zero)), "both", "greedy", 16, "", match="no samples")
    long = tmp_path / "long.flac"
    sf.write(long, np.zeros(8_000 * 31, np.int16), 8_000)
    fails_clearly("/transcribe", handle_file(str(long)), "ctc", "greedy", 16, "", match="limit here is 30 s")
    fails_clearly("/transcribe", handle_file(PATH), "sphinx", "greedy", 16, "", match="not in the list of choices")
    *_, metrics = client.predict(handle_file(PATH), "ctc", "greedy", 16, "", api_name="/transcribe")
    assert metrics["engine"] == "ctc"


def test_examples_start_readable_then_label_each_hard_case_with_its_number():
    from pages.speech import asr as page

    card = page.card()
    first, *hard = page.EXAMPLES
    assert "heldout_family" in first[0] and first[2] == "lm"
    assert [row[0].rsplit("/", 2)[-2:] for row in hard] == [
        ["heldout", "piper_000.ogg"], ["heldout_everyday", "everyday_family_000.ogg"], ["asr", page.NOISY_FAMILY],
        ["asr", "espeak_fast.flac"], ["asr", "espeak_noisy.flac"]]
    assert len(page.TRUTHS) == len(page.EXAMPLES)   # each clip's name is its own: a click fills its true text by it
    en, zh = page._examples_note()
    for key in ("heldout_family_clean", "heldout_piper", "heldout_everyday_family", "heldout_family_white_10db"):
        number = f"CER {card[key]['ctc_lm']['cer']:.0%}"
        assert number in en and number in zh, (key, number)
