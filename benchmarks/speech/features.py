"""Features: the whole ``audio_features`` call on 10 s of speech-like audio, 20 warm calls.

``features_10s_p50_ms`` / ``features_10s_p95_ms``: loading and checking the file, resampling to
16 kHz, STFT, mel, MFCC with Δ and ΔΔ (librosa) and the three pictures and waveform table; the
target is p95 ≤ 300 ms. ``features_compute_10s_ms``: librosa's part alone (median).

    python -m benchmarks.speech.features
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks.timing import warm_times_ms
from benchmarks.verdict import measured



def ten_seconds() -> str:
    """10 s of the example sentence, repeated, as a 22,050 Hz WAV like espeak-ng writes."""
    import soundfile as sf

    from pages.speech import features as page

    page.ensure_assets()
    audio, rate = sf.read(page.FOLDER / "espeak_en.flac", dtype="float32")
    audio = np.resize(audio, 10 * rate)
    path = Path(tempfile.mkdtemp()) / "ten_seconds.wav"
    sf.write(path, audio, rate)
    return str(path)


def claims() -> dict:
    from showcase.core.audio import load_audio
    from showcase.speech import features

    path = ten_seconds()
    whole = warm_times_ms(lambda: features.audio_features(path), 20)
    clip = load_audio(path, target_rate=features.RATE)
    compute = warm_times_ms(lambda: features.compute(clip.samples, clip.rate), 20)
    return {
        "features.features_10s_p50_ms": round(float(np.percentile(whole, 50)), 1),
        "features.features_10s_p95_ms": measured(round(float(np.percentile(whole, 95)), 1), "<= 300"),
        "features.features_compute_10s_ms": round(float(np.median(compute)), 1),
    }


if __name__ == "__main__":
    print(claims())
