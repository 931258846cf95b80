"""What a speech model sees: waveform → spectrogram → mel spectrogram → MFCC (and its deltas).

1. The short-time Fourier transform cuts the waveform into overlapping windows (``window_ms``
   long, one every ``hop_ms``) and takes each window's spectrum: the spectrogram, in dB.
2. A mel filter bank pools those frequencies into ``n_mels`` bands spaced like human pitch
   perception (dense below 1 kHz, sparse above): the mel spectrogram.
3. The discrete cosine transform of the log-mel bands, keeping the first ``n_mfcc`` coefficients,
   gives MFCCs: a compact, decorrelated description of the spectral envelope (the vocal tract),
   without the fine harmonics (the pitch). Deltas are their slopes over time.

Everything is computed by ``librosa`` (``stft``, ``feature.melspectrogram``, ``feature.mfcc``,
``feature.delta``); the first call compiles some of its code with numba (~20 s once per process),
so librosa is imported on first use, never at start-up.

References: Davis & Mermelstein (1980), the MFCC paper; librosa's feature documentation.

    python -m showcase.speech.features speech.wav --n-mfcc 13 --n-mels 64
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from showcase.core.audio import load_audio
from showcase.core.checks import number

MAX_SECONDS = 60
RATE = 16_000  # analysis rate: the speech band up to 8 kHz; the tab says so

# One line each, for the tab: what moving the knob changes.
PARAMETERS = {
    "n_mfcc": "how many cepstral coefficients to keep: more = finer spectral detail, 13 is the speech classic",
    "n_mels": "how many mel bands: fewer = coarser frequency resolution, smoother picture",
    "hop_ms": "time between frames: smaller = more frames per second, finer time detail",
    "window_ms": "length of each analysis window: longer = sharper frequency, blurrier time",
}


@dataclass
class FeaturesResult:
    waveform: object          # pandas DataFrame (seconds, amplitude) for a line plot
    pictures: dict            # "spectrogram", "mel", "mfcc" (MFCC | Δ | ΔΔ stacked) → PIL image
    mfcc: np.ndarray          # (n_mfcc, frames)
    mel_db: np.ndarray        # (n_mels, frames)
    metrics: dict


def _delta(mfcc: np.ndarray, order: int) -> np.ndarray:
    """librosa's delta with the widest odd window (≤ 9) that the clip is long enough for."""
    import librosa

    width = min(9, mfcc.shape[1] if mfcc.shape[1] % 2 else mfcc.shape[1] - 1)
    if width < 3:  # a clip of one or two frames has no slope to speak of
        return np.zeros_like(mfcc)
    return librosa.feature.delta(mfcc, width=width, order=order)


def compute(samples: np.ndarray, rate: int, n_mfcc: int = 13, n_mels: int = 64, hop_ms: float = 10.0,
            window_ms: float = 25.0) -> dict:
    """Every feature of ``samples`` as arrays: spectrogram (dB), mel (dB), MFCC and its deltas."""
    import librosa

    hop = max(1, int(round(rate * hop_ms / 1000)))
    win = max(16, int(round(rate * window_ms / 1000)))
    n_fft = 1 << (win - 1).bit_length()           # the FFT size: the next power of two ≥ the window
    spectrum = np.abs(librosa.stft(samples, n_fft=n_fft, hop_length=hop, win_length=win)) ** 2
    with warnings.catch_warnings():  # too few FFT bins for the bands: counted and reported instead
        warnings.simplefilter("ignore", UserWarning)
        basis = librosa.filters.mel(sr=rate, n_fft=n_fft, n_mels=n_mels, fmax=rate / 2)
    mel = basis @ spectrum
    # dB against a fixed reference, not the clip's maximum, so silence stays silent: 0 dB is a
    # full-scale sine's peak bin (a Hann window's sum is about win/2, so the peak power (win/4)²).
    full_scale = (win / 4) ** 2
    spec_db = librosa.power_to_db(spectrum, ref=full_scale, amin=1e-10 * full_scale, top_db=None)
    mel_db = librosa.power_to_db(mel, ref=full_scale, amin=1e-10 * full_scale, top_db=None)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)
    return dict(spec_db=spec_db, mel_db=mel_db, mfcc=mfcc, delta=_delta(mfcc, 1), delta2=_delta(mfcc, 2),
                hop=hop, win=win, n_fft=n_fft, empty_bands=int((basis.max(axis=1) == 0).sum()),
                # the centre of each triangular mel filter: its two neighbours' edges are the band's edges
                mel_hz=librosa.mel_frequencies(n_mels=n_mels + 2, fmax=rate / 2)[1:-1])


@functools.cache
def _colour_table(cmap: str) -> np.ndarray:
    """(256, 3) uint8 colours of a matplotlib colour map (the registry copies the map on every lookup)."""
    from matplotlib import colormaps

    return (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def heatmap(values: np.ndarray, vmin: float, vmax: float, cmap: str = "magma", size=(800, 220)) -> Image.Image:
    """(rows, frames) → a colour picture, row 0 at the bottom, through a 256-colour table.

    No matplotlib figure: on two busy cores each rendered panel cost 150–600 ms, the lookup and
    resize here a few ms. The page's labels carry the axes.
    """
    table = _colour_table(cmap)
    scaled = np.clip((values - vmin) / max(vmax - vmin, 1e-9), 0, 1)
    index = (scaled[::-1] * 255).round().astype(np.uint8)          # low rows at the bottom
    # Resize the one-channel index picture, then colour it: a third of the work of resizing RGB,
    # and blending neighbouring indices is blending values, since the colour table is ordered.
    picture = Image.fromarray(index, "L").resize(size, Image.Resampling.BILINEAR)
    picture.putpalette(table.ravel().tolist(), "RGB")  # an "L" picture with a palette becomes "P"
    return picture.convert("RGB")


def waveform_table(samples: np.ndarray, rate: int, points: int = 500):
    """(seconds, amplitude) for a line plot: each of ``points`` slots gives its min and max, so the
    envelope survives the thinning (a million samples draw the same picture as 1,000). 500 slots is
    about one per pixel of the plot's width; with 2,000 the browser's work on the 4,000 points
    (Gradio clones the page's state for every event, Vega draws them) made the next speech tab a
    learner opened take 1.5-1.9 s instead of 0.8 s (benchmarks/page_load.py, n=5 each)."""
    import pandas as pd

    n = len(samples)
    slots = max(1, min(points, n))
    edges = np.linspace(0, n, slots + 1).astype(int)
    lo = np.minimum.reduceat(samples, edges[:-1])
    hi = np.maximum.reduceat(samples, edges[:-1])
    t = edges[:-1] / rate
    return pd.DataFrame({"seconds": np.repeat(t, 2), "amplitude": np.column_stack([lo, hi]).ravel()})


RANGE_DB = 80.0     # the pictures show the loudest 80 dB …
FLOOR_DB = -100.0   # … but never brighten anything below this: silence is drawn as silence


def _db_picture(db: np.ndarray) -> Image.Image:
    top = max(float(db.max()), FLOOR_DB + RANGE_DB)
    return heatmap(db, top - RANGE_DB, top)


def _signed_picture(blocks: list[np.ndarray]) -> Image.Image:
    """MFCC, Δ and ΔΔ stacked, each block on its own symmetric colour scale (c0, the loudness,
    would otherwise swamp the rest); blue negative, red positive."""
    scaled = []
    for i, block in enumerate(blocks):
        rest = block[1:] if i == 0 and len(block) > 1 else block
        limit = float(np.percentile(np.abs(rest), 99)) + 1e-9
        scaled.append(np.clip(block / limit, -1, 1))
    return heatmap(np.vstack(scaled), -1.0, 1.0, cmap="coolwarm")


def pictures(f: dict) -> dict[str, Image.Image]:
    """The spectrogram, mel spectrogram and MFCC | Δ | ΔΔ as pictures (time left to right)."""
    return {"spectrogram": _db_picture(f["spec_db"]), "mel": _db_picture(f["mel_db"]),
            "mfcc": _signed_picture([f["mfcc"], f["delta"], f["delta2"]])}


def audio_features(audio, n_mfcc: int = 13, n_mels: int = 64, hop_ms: float = 10.0,
                   window_ms: float = 25.0) -> FeaturesResult:
    """Load ``audio`` (path, bytes or (rate, samples)), compute and draw its features."""
    n_mfcc = number(n_mfcc, "n_mfcc", low=1, high=40, integer=True)
    n_mels = number(n_mels, "n_mels", low=8, high=128, integer=True)
    hop_ms = number(hop_ms, "Hop (ms)", low=2, high=100)
    window_ms = number(window_ms, "Window (ms)", low=5, high=200)
    if n_mfcc > n_mels:
        from showcase.core.errors import InputError

        raise InputError(f"n_mfcc ({n_mfcc}) cannot exceed n_mels ({n_mels}): MFCCs are a transform of the mel bands.")
    clip = load_audio(audio, target_rate=RATE, max_seconds=MAX_SECONDS)
    started = time.perf_counter()
    f = compute(clip.samples, clip.rate, n_mfcc, n_mels, hop_ms, window_ms)
    seconds = time.perf_counter() - started
    energy = f["mel_db"].mean(axis=1)
    rms = float(np.sqrt(np.mean(clip.samples.astype(np.float64) ** 2)))
    metrics = {
        "sample_rate": clip.rate,
        "original_sample_rate": clip.original_rate,
        "channels": clip.channels,
        "seconds": round(clip.seconds, 3),
        "n_mfcc": n_mfcc,
        "n_mels": n_mels,
        "frames": int(f["mfcc"].shape[1]),
        "hop_length": f["hop"],
        "win_length": f["win"],
        "n_fft": f["n_fft"],
        # a short window has few FFT bins; more mel bands than bins leaves some bands empty
        "empty_mel_bands": f["empty_bands"],
        "loudest_mel_band": int(energy.argmax()),
        "loudest_mel_band_hz": round(float(f["mel_hz"][energy.argmax()]), 1),
        "rms_dbfs": round(float(20 * np.log10(rms)), 2) if rms > 0 else "-inf",
        "feature_ms": round(1000 * seconds, 2),
    }
    return FeaturesResult(waveform_table(clip.samples, clip.rate), pictures(f), f["mfcc"], f["mel_db"], metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("audio")
    parser.add_argument("--n-mfcc", type=int, default=13)
    parser.add_argument("--n-mels", type=int, default=64)
    parser.add_argument("--hop-ms", type=float, default=10.0)
    parser.add_argument("--window-ms", type=float, default=25.0)
    parser.add_argument("--out", help="save the pictures as OUT_spectrogram.png, OUT_mel.png, OUT_mfcc.png")
    args = parser.parse_args(argv)
    result = audio_features(args.audio, args.n_mfcc, args.n_mels, args.hop_ms, args.window_ms)
    print(result.metrics)
    for name, picture in result.pictures.items() if args.out else ():
        picture.save(f"{args.out}_{name}.png")


if __name__ == "__main__":
    main()
