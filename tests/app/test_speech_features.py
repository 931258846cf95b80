"""The features tab through the API: the first example, espeak-ng synthesis, bad audio and recovery."""

import numpy as np
import pytest
import soundfile as sf
from gradio_client import handle_file

from pages.speech.features import EXAMPLES

pytestmark = pytest.mark.slow
SPEECH = EXAMPLES[0][0]


def test_features_first_example(client):
    *_, note, metrics = client.predict(handle_file(SPEECH), 13, 64, 10, 25, api_name="/audio_features")
    assert metrics["sample_rate"] == 16_000 and metrics["n_mfcc"] == 13
    assert f"{metrics['frames']} frames × 39 numbers" in note and f"{metrics['frames']} 帧 × 39 个数" in note
    assert metrics["frames"] == 1 + int(metrics["seconds"] * 16_000) // 160


def test_features_synthesise_a_sentence(client):
    path = client.predict("Hello from the test suite.", "en-gb-x-rp", api_name="/features_speak")
    *_, metrics = client.predict(handle_file(path), 20, 80, 10, 25, api_name="/audio_features")
    assert metrics["n_mfcc"] == 20 and 1.0 < metrics["seconds"] < 4.0


def test_features_bad_audio_then_recovers(client, fails_clearly, tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("a text file, not a sound\n" * 40)
    fails_clearly("/audio_features", handle_file(str(text)), 13, 64, 10, 25, match="not audio")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    fails_clearly("/audio_features", handle_file(str(empty)), 13, 64, 10, 25, match="empty")
    eight = tmp_path / "eight.wav"
    sf.write(eight, np.zeros((8_000, 8)), 16_000)
    fails_clearly("/audio_features", handle_file(str(eight)), 13, 64, 10, 25, match="8 channels")
    hires = tmp_path / "hires.wav"
    sf.write(hires, np.zeros(9_600), 96_000)
    fails_clearly("/audio_features", handle_file(str(hires)), 13, 64, 10, 25, match="96,000 Hz")
    fails_clearly("/audio_features", handle_file(SPEECH), 30, 20, 10, 25, match="cannot exceed n_mels")
    fails_clearly("/features_speak", "", "en-us", match="Nothing to say")
    assert client.predict("Back again.", "en-us", api_name="/features_speak").endswith(".wav")
    *_, metrics = client.predict(handle_file(SPEECH), 13, 64, 10, 25, api_name="/audio_features")
    assert metrics["n_mfcc"] == 13
