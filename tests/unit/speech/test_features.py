"""speech/features: the features are where theory puts them, and bad input gets a message."""

import numpy as np
import pytest
import soundfile as sf

from showcase.core.errors import InputError
from showcase.speech import features


def sine(freq, seconds=1.0, rate=16_000, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return rate, (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("n_mels", [40, 64, 128])
def test_a_440_hz_sine_peaks_in_a_mel_band_whose_filter_covers_440_hz(n_mels):
    import librosa

    r = features.audio_features(sine(440.0), n_mels=n_mels)
    band = r.metrics["loudest_mel_band"]
    # band k's triangle rises from edge k, peaks at edge k+1 and falls to zero at edge k+2
    edges = librosa.mel_frequencies(n_mels=n_mels + 2, fmax=8_000)
    assert edges[band] < 440 < edges[band + 2], (band, edges[band:band + 3])
    assert r.metrics["loudest_mel_band_hz"] == pytest.approx(edges[band + 1], abs=0.1)
    # and the band is loudest in every frame, not just on average
    assert (r.mel_db.argmax(axis=0) == band).mean() > 0.95


def test_a_higher_tone_peaks_in_a_higher_band():
    low = features.audio_features(sine(440.0)).metrics["loudest_mel_band"]
    high = features.audio_features(sine(2_000.0)).metrics["loudest_mel_band"]
    assert high > low + 10


def test_shapes_follow_the_parameters():
    r = features.audio_features(sine(300.0, seconds=2.0), n_mfcc=20, n_mels=80, hop_ms=20, window_ms=50)
    m = r.metrics
    assert r.mfcc.shape == (20, m["frames"]) and r.mel_db.shape == (80, m["frames"])
    assert m["frames"] == 1 + 32_000 // 320 and m["hop_length"] == 320 and m["win_length"] == 800
    assert m["n_fft"] == 1024 and m["seconds"] == 2.0 and m["sample_rate"] == 16_000
    assert set(r.pictures) == {"spectrogram", "mel", "mfcc"}
    assert r.waveform["amplitude"].abs().max() == pytest.approx(0.5, abs=0.01)


def test_a_full_scale_sine_is_near_0_db_and_silence_stays_dark():
    full = features.audio_features(sine(1_000.0, amplitude=1.0))
    assert -3 < features.compute(sine(1_000.0, amplitude=1.0)[1], 16_000)["spec_db"].max() < 3
    assert full.metrics["rms_dbfs"] == pytest.approx(-3.01, abs=0.05)
    quiet = features.audio_features((16_000, np.zeros(16_000, np.float32)))
    assert quiet.metrics["rms_dbfs"] == "-inf" and quiet.metrics["frames"] == 101
    assert np.asarray(quiet.pictures["spectrogram"]).mean() < 10  # black: silence drawn as silence


def test_short_windows_report_their_empty_mel_bands():
    m = features.audio_features(sine(440.0), n_mels=64, window_ms=5).metrics
    assert m["n_fft"] == 128 and m["empty_mel_bands"] > 0
    assert features.audio_features(sine(440.0), n_mels=64, window_ms=25).metrics["empty_mel_bands"] == 0


def test_a_clip_shorter_than_the_delta_window_still_works():
    m = features.audio_features(sine(440.0, seconds=0.02)).metrics
    assert m["frames"] == 3


def test_bad_parameters_and_audio(tmp_path):
    with pytest.raises(InputError, match="n_mfcc"):
        features.audio_features(sine(440.0), n_mfcc=0)
    with pytest.raises(InputError, match="cannot exceed n_mels"):
        features.audio_features(sine(440.0), n_mfcc=30, n_mels=20)
    with pytest.raises(InputError, match="Hop"):
        features.audio_features(sine(440.0), hop_ms=0)
    text = tmp_path / "notes.wav"
    text.write_text("not audio " * 100)
    with pytest.raises(InputError, match="not audio"):
        features.audio_features(str(text))
    long = tmp_path / "long.wav"
    sf.write(long, np.zeros(16_000 * 61, np.int16), 16_000)
    with pytest.raises(InputError, match="limit here is 60 s"):
        features.audio_features(str(long))
    assert features.audio_features(sine(440.0)).metrics["frames"] == 101
