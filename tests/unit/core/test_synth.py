"""showcase.core.synth's flite and Festival: every voice speaks at a sensible length and pitch, bad
input and a missing program get a message, and the ASR training's Augmenter really voices with them.
Festival makes training data only, so the tests that run it skip where it is not installed."""

import shutil
import subprocess

import librosa
import numpy as np
import pytest

from showcase.core import synth
from showcase.core.errors import InputError

SENTENCE = "the quick brown fox jumps over the lazy dog near the river bank"


def seconds(audio_sr):
    audio, sr = audio_sr
    return len(audio) / sr


def test_flite_voices_are_the_ones_this_flite_has():
    listed = subprocess.run(["flite", "-lv"], capture_output=True, text=True, check=True).stdout.split()
    assert set(synth.FLITE_VOICES) <= set(listed)


@pytest.mark.parametrize("voice", sorted(synth.FLITE_VOICES))
def test_every_flite_voice_speaks_a_sentence_about_as_long_as_espeak(voice):
    audio, sr = synth.flite(SENTENCE, voice=voice)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert sr == (8_000 if voice == "kal" else 16_000)
    espeak_s = seconds(synth.espeak(SENTENCE))
    assert 0.6 < (len(audio) / sr) / espeak_s < 1.6, (len(audio) / sr, espeak_s)
    assert float(np.sqrt(np.mean(audio**2))) > 0.02  # speech, not near-silence
    assert np.mean(np.abs(audio) > 0.05) > 0.1        # and spread over the utterance, not one click


def test_flite_speed_and_pitch_change_the_speech():
    slow, fast = seconds(synth.flite(SENTENCE, speed=0.8)), seconds(synth.flite(SENTENCE, speed=1.25))
    assert 1.3 < slow / fast < 1.8
    f0 = {}
    for hz in (120, 220):
        audio, sr = synth.flite(SENTENCE, voice="slt", pitch=hz)
        f0[hz] = float(np.median(librosa.yin(audio, fmin=60, fmax=400, sr=sr)))
    assert f0[220] > 1.4 * f0[120]


def test_text_starting_with_a_dash_is_spoken_not_read_as_an_option():
    assert seconds(synth.flite("-voice awb please")) > 0.8


@pytest.mark.parametrize("kwargs, match", [
    (dict(text="   "), "Nothing to say"),
    (dict(text="hello", voice="nosuch"), "no voice 'nosuch'.*slt"),
    (dict(text="hello", voice="awb_time"), "no voice"),  # exists, but can only tell the time
    (dict(text="hello", speed=5), "speed"),
    (dict(text="hello", pitch=10), "pitch"),
])
def test_flite_refuses_bad_input_clearly(kwargs, match):
    with pytest.raises(InputError, match=match):
        synth.flite(**kwargs)


def test_missing_flite_names_the_package(monkeypatch):
    monkeypatch.setattr(synth.shutil, "which", lambda program: None)
    with pytest.raises(synth.SynthUnavailable, match="Debian package 'flite'"):
        synth.flite("hello")


def test_augmenter_voices_with_flite_when_asked():
    from showcase.speech import asr_data

    augment = asr_data.Augmenter(seed=3, flite_share=1.0)
    for _ in range(3):
        audio, sr, how = augment("return the value of the attribute")
        assert how["synth"] == "flite" and how["voice"] in synth.FLITE_VOICES and sr in (8_000, 16_000)
        assert 0.8 <= 1 / how["speed"] <= 1.3 and np.abs(audio).max() > 0.1
    audio, sr, how = asr_data.Augmenter(seed=3, flite_share=0.0)("return the value of the attribute")
    assert how["synth"] == "espeak" and sr == 22_050


@pytest.mark.parametrize("kwargs, match", [
    (dict(text="  "), "Nothing to say"),
    (dict(text="hello", voice="(quit)"), "no voice '\\(quit\\)'.*kal_diphone"),  # never reaches Scheme
    (dict(text="hello", speed=0.2), "speed"),
])
def test_festival_refuses_bad_input_clearly(kwargs, match):
    with pytest.raises(InputError, match=match):
        synth.festival(**kwargs)


def test_missing_festival_names_the_package(monkeypatch):
    monkeypatch.setattr(synth.shutil, "which", lambda program: None)
    with pytest.raises(synth.SynthUnavailable, match="Debian package 'festival'"):
        synth.festival("hello")


needs_festival = pytest.mark.skipif(shutil.which(synth.FESTIVAL) is None,
                                    reason="Festival makes ASR training data only; not installed here")


@needs_festival
@pytest.mark.parametrize("voice", sorted(synth.FESTIVAL_VOICES))
def test_every_festival_voice_speaks_a_sentence_about_as_long_as_espeak(voice):
    audio, sr = synth.festival(SENTENCE, voice=voice)
    assert audio.dtype == np.float32 and audio.ndim == 1 and sr == (32_000 if voice.endswith("_hts") else 16_000)
    espeak_s = seconds(synth.espeak(SENTENCE))
    assert 0.6 < (len(audio) / sr) / espeak_s < 1.6, (len(audio) / sr, espeak_s)
    assert np.mean(np.abs(audio) > 0.05) > 0.1
    if not voice.endswith("_hts"):  # the diphone voices follow Duration_Stretch
        assert 1.3 < seconds(synth.festival(SENTENCE, voice, speed=0.8)) / seconds(
            synth.festival(SENTENCE, voice, speed=1.25)) < 1.8
    assert seconds(synth.festival("-eval (quit) please", voice)) > 0.8  # spoken, not run


def test_augmenter_voices_with_festival_when_asked(monkeypatch):
    """Festival's three voices get a speed, a sox pitch shift on every utterance and, for the HTS voice
    that ignores Duration_Stretch, a sox tempo change; a stand-in voice (one second of 200 Hz) shows it."""
    from showcase.speech import asr_data

    said, applied = [], []
    tone = (0.5 * np.sin(2 * np.pi * 200 * np.arange(16_000) / 16_000)).astype(np.float32)
    monkeypatch.setattr(synth, "festival", lambda text, voice, speed: said.append((voice, speed)) or (tone, 16_000))
    real_sox = synth.sox_effects
    monkeypatch.setattr(synth, "sox_effects", lambda a, sr, fx: applied.append(fx) or real_sox(a, sr, fx))
    augment = asr_data.Augmenter(seed=5, festival_share=1.0)
    voices = set()
    for _ in range(12):
        applied.clear()
        audio, sr, how = augment("return the value of the attribute")
        assert how["synth"] == "festival" and said[-1] == (how["voice"], how["speed"]) and sr == 16_000
        assert 0.8 <= 1 / how["speed"] <= 1.3 and -400 <= how["cents"] <= 400
        assert applied[0][:2] == ["pitch", str(how["cents"])]
        hts = how["voice"].endswith("_hts")
        assert len(audio) / sr == pytest.approx(1 / how["speed"] if hts else 1.0, rel=0.03)
        voices.add(how["voice"])
    assert voices == set(synth.FESTIVAL_VOICES)
    augment = asr_data.Augmenter(seed=5, festival_share=0.0)
    assert all(augment.voice()["synth"] != "festival" for _ in range(50))
