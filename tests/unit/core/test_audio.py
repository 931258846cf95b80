"""showcase.core.audio: every format and shape that is audio loads; everything else gets a message."""

import io
import subprocess

import numpy as np
import pytest
import soundfile as sf

from showcase.core.audio import MAX_CHANNELS, load_audio
from showcase.core.errors import InputError


def tone(seconds=1.0, rate=44_100, freq=440.0, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


@pytest.mark.parametrize("fmt, subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", "PCM_24"),
                                          ("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_formats_load_resampled_to_mono(tmp_path, fmt, subtype):
    path = tmp_path / f"tone.{fmt.lower()}"
    sf.write(path, tone(channels=2), 44_100, format=fmt, subtype=subtype)
    audio = load_audio(str(path), target_rate=16_000)
    assert audio.rate == 16_000 and audio.original_rate == 44_100 and audio.channels == 2
    assert audio.samples.ndim == 1 and abs(audio.seconds - 1.0) < 0.06
    assert 0.4 < np.abs(audio.samples).max() <= 0.55


def test_compressed_formats_that_libsndfile_lacks_go_through_pyav(tmp_path):
    import av

    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48_000)
        x = tone(rate=48_000).astype(np.float32)
        for i in range(0, len(x), 1024):
            frame = av.AudioFrame.from_ndarray(x[None, i:i + 1024], format="flt", layout="mono")
            frame.sample_rate = 48_000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = load_audio(str(path))
    assert audio.original_rate == 48_000 and abs(audio.seconds - 1.0) < 0.1 and np.abs(audio.samples).max() > 0.2


def test_gradio_numpy_tuple_and_bytes():
    pcm = (tone(rate=16_000) * 32767).astype(np.int16)
    audio = load_audio((16_000, pcm))
    assert audio.rate == 16_000 and np.abs(audio.samples).max() == pytest.approx(0.5, abs=0.01)
    buffer = io.BytesIO()
    sf.write(buffer, tone(), 44_100, format="WAV")
    assert load_audio(buffer.getvalue()).channels == 1


def test_silence_is_audio(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(16_000), 16_000)
    audio = load_audio(str(path))
    assert audio.seconds == 1.0 and not audio.samples.any()


def bad_files(tmp_path):
    cases = {}
    (tmp_path / "empty.wav").write_bytes(b"")
    cases["empty"] = (tmp_path / "empty.wav", "empty")
    (tmp_path / "notes.wav").write_text("this is a text file, not a sound\n" * 20)
    cases["text named .wav"] = (tmp_path / "notes.wav", "not audio")
    good = io.BytesIO()
    sf.write(good, tone(), 44_100, format="WAV", subtype="PCM_16")
    (tmp_path / "cut.wav").write_bytes(good.getvalue()[:44])   # header promises samples, none follow
    cases["corrupt (cut after the header)"] = (tmp_path / "cut.wav", "no samples|damaged")
    (tmp_path / "garbage.wav").write_bytes(b"RIFF" + np.random.default_rng(0).bytes(4000))
    cases["corrupt (garbage)"] = (tmp_path / "garbage.wav", "not audio")
    sf.write(tmp_path / "zero.wav", np.zeros((0, 1)), 16_000)
    cases["zero-length"] = (tmp_path / "zero.wav", "no samples")
    sf.write(tmp_path / "eight.wav", np.zeros((16_000, 8)), 16_000)
    cases["8 channels"] = (tmp_path / "eight.wav", f"8 channels; the limit is {MAX_CHANNELS}")
    sf.write(tmp_path / "hires.wav", np.zeros(9_600), 96_000)
    cases["96 kHz"] = (tmp_path / "hires.wav", "96,000 Hz")
    # an hour of FLAC; refused from its header, before any decoding
    subprocess.run(["sox", "-n", "-r", "8000", str(tmp_path / "hour.flac"), "synth", "3600", "sine", "300"],
                   check=True)
    cases["an hour long"] = (tmp_path / "hour.flac", "60:00.0 min long; the limit here is 60 s")
    return cases


def test_bad_audio_gets_a_message_and_the_next_call_works(tmp_path):
    for name, (path, message) in bad_files(tmp_path).items():
        with pytest.raises(InputError, match=message):
            load_audio(str(path))
        assert load_audio((16_000, tone(0.1, 16_000))).seconds == pytest.approx(0.1), name


def test_arrays_are_checked():
    with pytest.raises(InputError, match="NaN"):
        load_audio((16_000, np.array([0.0, np.nan] * 100)))
    with pytest.raises(InputError, match="no samples"):
        load_audio((16_000, np.zeros(0)))
    with pytest.raises(InputError, match="No audio"):
        load_audio(None)
    with pytest.raises(InputError, match="limit here is 2 s"):
        load_audio((16_000, np.zeros(48_000)), max_seconds=2)
