"""Audio in: one loader that every speech tab uses, with limits stated and messages a user can act on.

``load_audio`` takes a file path (WAV, FLAC, OGG, MP3 through libsndfile; M4A, WebM, AAC and the
rest through FFmpeg's libraries in PyAV), raw bytes, or Gradio's ``(rate, samples)`` tuple, and
returns mono float32 samples at the rate asked for. It refuses, before decoding where the header
allows: an empty file, a file that is not audio (a text file named ``.wav``), audio with no
samples, more than ``MAX_CHANNELS`` channels, a sample rate outside ``MIN_RATE``–``MAX_RATE``, and
anything longer than the caller's limit (``SHOWCASE_MAX_AUDIO_S``, 60 s by default). Silence is
audio: it loads like any other sound.

    audio = load_audio("speech.flac", target_rate=16_000, max_seconds=30)
    audio.samples, audio.rate, audio.seconds, audio.channels, audio.original_rate
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from showcase.core.errors import InputError

MAX_CHANNELS = 6        # mono, stereo … 5.1; more is a multitrack session, not a recording to analyse
MIN_RATE = 8_000        # telephone speech; below it there is no speech band left
MAX_RATE = 48_000       # studio rates above 48 kHz carry nothing a speech model hears


def max_seconds_default() -> float:
    return float(os.environ.get("SHOWCASE_MAX_AUDIO_S", "") or 60)


@dataclass
class Audio:
    samples: np.ndarray   # (n,) float32 mono in [-1, 1]
    rate: int             # samples per second of ``samples``
    original_rate: int
    channels: int         # channels in the input, before the mix-down to mono
    source: str           # "wav file", "mp3 file", "microphone/array", …

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def _fmt_seconds(s: float) -> str:
    return f"{int(s // 60)}:{s % 60:04.1f} min" if s >= 60 else f"{s:.1f} s"


def _check_header(rate: int, channels: int, frames: int, name: str, max_seconds: float) -> None:
    if channels < 1 or frames <= 0:
        raise InputError(f"{name} contains no samples (zero-length audio). Record or upload some sound.")
    if channels > MAX_CHANNELS:
        raise InputError(f"{name} has {channels} channels; the limit is {MAX_CHANNELS} (mono, stereo or 5.1). "
                         f"Mix it down first, e.g. `sox in.wav -c 1 out.wav`.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InputError(f"{name} is sampled at {rate:,} Hz; accepted rates are {MIN_RATE:,}–{MAX_RATE:,} Hz. "
                         f"Resample it, e.g. `sox in.wav -r 16000 out.wav`.")
    seconds = frames / rate
    if seconds > max_seconds:
        raise InputError(f"{name} is {_fmt_seconds(seconds)} long; the limit here is {max_seconds:g} s. "
                         f"Trim it, e.g. `sox in.wav out.wav trim 0 {max_seconds:g}`.")


def _not_audio(name: str) -> InputError:
    return InputError(f"{name} is not audio that can be read (is it a renamed text or image file?). "
                      "Upload WAV, FLAC, OGG, MP3, M4A or WebM.")


def _read_soundfile(data: bytes, name: str, max_seconds: float) -> tuple[np.ndarray, int] | None:
    """libsndfile: header first (so an hour-long file is refused unread), then the samples."""
    import soundfile as sf

    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None  # not a format libsndfile knows: PyAV gets a try
    _check_header(info.samplerate, info.channels, info.frames, name, max_seconds)
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise InputError(f"{name} is damaged: its header reads as audio but the samples do not ({exc}).") from None
    if len(samples) == 0:
        raise InputError(f"{name} is damaged or cut short: its header promises {info.frames:,} samples "
                         "and none follow. Export or record it again.")
    return samples, rate


def _read_av(data: bytes, name: str, max_seconds: float) -> tuple[np.ndarray, int]:
    """FFmpeg (through PyAV) for the compressed formats libsndfile lacks (M4A, WebM, AAC …)."""
    import av

    try:
        container = av.open(io.BytesIO(data))
    except (av.error.FFmpegError, ValueError, OSError):
        raise _not_audio(name) from None
    with container:
        if not container.streams.audio:
            raise _not_audio(name)
        stream = container.streams.audio[0]
        rate, channels = stream.rate or 0, stream.channels or 0
        duration = float(container.duration or 0) / 1e6
        _check_header(rate, channels, max(1, int(duration * rate)) if duration else 1, name, max_seconds)
        chunks = []
        try:
            for frame in container.decode(stream):
                chunk = frame.to_ndarray()
                if chunk.dtype.kind == "i":
                    chunk = chunk.astype(np.float32) / float(np.iinfo(chunk.dtype).max)
                # planar (channels, n) or packed (1, n·channels) → (n, channels)
                chunk = chunk.T if frame.format.is_planar else chunk.reshape(-1, channels)
                chunks.append(chunk.astype(np.float32))
                if sum(len(c) for c in chunks) > max_seconds * rate:
                    _check_header(rate, channels, int(max_seconds * rate) + rate, name, max_seconds)
        except av.error.FFmpegError as exc:
            raise InputError(f"{name} is damaged: decoding stopped ({exc}).") from None
    samples = np.concatenate(chunks) if chunks else np.zeros((0, max(channels, 1)), np.float32)
    _check_header(rate, channels, len(samples), name, max_seconds)
    return samples, rate


def _from_array(value: tuple, max_seconds: float) -> tuple[np.ndarray, int]:
    rate, samples = value
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2:
        raise InputError(f"Audio samples must be (n,) or (n, channels), not shape {samples.shape}.")
    if samples.shape[0] < samples.shape[1] and samples.shape[0] <= MAX_CHANNELS:
        samples = samples.T  # (channels, n) as librosa writes it
    _check_header(int(rate), samples.shape[1], samples.shape[0], "The audio", max_seconds)
    if samples.dtype.kind == "i":
        samples = samples.astype(np.float32) / float(np.iinfo(samples.dtype).max)
    elif samples.dtype.kind == "u":
        info = np.iinfo(samples.dtype)
        samples = (samples.astype(np.float32) - (info.max + 1) / 2) / ((info.max + 1) / 2)
    samples = samples.astype(np.float32)
    if not np.isfinite(samples).all():
        raise InputError("The audio holds NaN or infinite samples.")
    return samples, int(rate)


def load_audio(value, *, target_rate: int | None = 16_000, max_seconds: float | None = None) -> Audio:
    """Read, check and convert ``value`` (path, bytes or ``(rate, samples)``) to mono float32."""
    max_seconds = max_seconds or max_seconds_default()
    if value is None:
        raise InputError("No audio given: record or upload a sound first.")
    if isinstance(value, dict) and value.get("path"):  # a Gradio FileData dict
        value = value["path"]
    if isinstance(value, tuple) and len(value) == 2:
        samples, rate = _from_array(value, max_seconds)
        source = "array"
    else:
        if isinstance(value, (bytes, bytearray)):
            data, name, suffix = bytes(value), "The audio", ""
        else:
            path = Path(value)
            if not path.is_file():
                raise InputError(f"No audio file at {path.name!r}: upload it again.")
            if path.stat().st_size > 200 * 2**20:
                raise InputError(f"{path.name} is {path.stat().st_size / 2**20:.0f} MB; the limit is 200 MB.")
            data, name, suffix = path.read_bytes(), path.name, path.suffix.lower().lstrip(".")
        if not data:
            raise InputError(f"{name} is empty (0 bytes): record or upload the sound again.")
        read = _read_soundfile(data, name, max_seconds)
        samples, rate = read if read is not None else _read_av(data, name, max_seconds)
        source = f"{suffix or 'audio'} file"
    channels = samples.shape[1]
    mono = samples.mean(axis=1) if channels > 1 else samples[:, 0]
    mono = np.clip(np.nan_to_num(mono), -1.0, 1.0).astype(np.float32)
    out_rate = rate
    if target_rate and rate != target_rate:
        import soxr  # librosa's own resampler; imported alone it costs nothing at start-up

        mono = soxr.resample(mono, rate, target_rate).astype(np.float32)
        out_rate = target_rate
    return Audio(mono, int(out_rate), int(rate), int(channels), source)
