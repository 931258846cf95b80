"""The CTC recogniser's data: text, training voices and the held-out sets. Training and its card:
``showcase.speech.asr_training``, whose docstring tells the whole recipe (steps 1–3 are here).

- ``corpus``: Python's documentation split into training word runs and held-out sentences (a fixed
  hash puts about one sentence in eight aside); ``dev_sentences`` and ``docstring_sentences``: a
  development set beside both.
- ``Augmenter``: one training utterance, espeak-ng, flite or Festival with a random voice, speed and
  pitch, sox tempo/pitch warps, reverberation, coloured noise at 5–35 dB SNR and a random gain.
- ``everyday``: everyday English beside the documentation, the example sentences of WordNet's
  glosses ("he told us only the bare bones of the story"), split the same way.
- ``voice_heldout`` / ``voice_family``: the held-out sentences spoken by Piper (a voice never heard
  in training) and by four training-family voices, saved beside the model; ``load_heldout`` reads
  them back and ``white_noise`` makes the 10 dB condition.

    python -c "from showcase.speech import asr_data; print(asr_data.corpus()[1][:3])"
"""

from __future__ import annotations

import functools
import json
import random
import re
import subprocess
import time
import zlib
from pathlib import Path

import numpy as np

from showcase.core import synth
from showcase.core.settings import asset
from showcase.speech import ctc

OUT = asset("speech", "asr")
HELDOUT = OUT / "heldout"
SEED = 0
# Debian's wordnet-base (packages.txt): Princeton WordNet 3.0, whose glosses quote example sentences
WORDNET = Path("/usr/share/wordnet")
EVERYDAY_HELDOUT = 57   # as many as the documentation's held-out set, so the conditions compare


def dev_sentences(n: int = 30, heldout_every: int = 8) -> list[str]:
    """Sentences set aside from training that are not in the held-out set either (they hold code,
    digits or odd punctuation), reduced to their words: a development set for choices such as the
    language model's weight, so that the held-out set is never used to choose anything."""
    import pydoc_data.topics

    _, heldout = corpus(heldout_every)
    text = "\n".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    out = set()
    for s in re.split(r"(?<=[.!?:;])\s+|\n\s*\n", text):
        s = " ".join(s.split())
        if s and zlib.crc32(s.encode()) % heldout_every == 0 and s not in heldout:
            words = ctc.normalise_text(s)
            if 6 <= len(words.split()) <= 16:
                out.add(words)
    return sorted(out, key=lambda w: zlib.crc32(w.encode()))[:n]


DOC_MODULES = ("collections json os re argparse functools itertools pathlib typing logging unittest subprocess "
               "threading shutil tempfile csv random statistics datetime calendar textwrap string email http.client "
               "urllib.request socket selectors queue heapq bisect copy pickle zipfile tarfile gzip sqlite3 decimal "
               "fractions").split()


def docstring_sentences(n: int = 50) -> list[str]:
    """Plain sentences from standard-library docstrings (another text than ``pydoc_data.topics``),
    none among the training runs or the held-out sentences: the development set's second half, with
    the words a new text brings."""
    import importlib
    import inspect

    train, heldout = corpus()
    spoken, held = " | ".join(train), {ctc.normalise_text(h) for h in heldout}
    out = set()
    for name in DOC_MODULES:
        module = importlib.import_module(name)
        for _, obj in [(name, module)] + inspect.getmembers(module):
            if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
                continue
            for s in re.split(r"(?<=[.!?:;])\s+|\n\s*\n", inspect.getdoc(obj) or ""):
                s = " ".join(s.split())
                if re.fullmatch(r"[A-Z][A-Za-z ,'-]+\.", s) and 5 <= len(s.split()) <= 18:
                    words = ctc.normalise_text(s)
                    if words not in held and words not in spoken:
                        out.add(s)
    return sorted(out, key=lambda s: zlib.crc32(s.encode()))[:n]


def corpus(heldout_every: int = 8) -> tuple[list[str], list[str]]:
    """(training word runs, held-out sentences) from Python's documentation, split by sentence."""
    import pydoc_data.topics

    text = "\n".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    sentences = [" ".join(s.split()) for s in re.split(r"(?<=[.!?:;])\s+|\n\s*\n", text)]
    rng = random.Random(SEED)
    train, heldout = [], []
    for s in sentences:
        if not s:
            continue
        if zlib.crc32(s.encode()) % heldout_every == 0:  # this sentence is never spoken in training
            if re.fullmatch(r"[A-Z][A-Za-z ,'-]+\.", s) and 5 <= len(s.split()) <= 18:
                heldout.append(s)
            continue
        run = []
        for word in s.split() + ["<end>"]:
            bare = word.strip(",.;:!?")
            if re.fullmatch(r"[A-Za-z]+('[a-z]+)?", bare) and word.rstrip(",.;:!?") == bare:
                run.append(bare.lower())
                continue
            while len(run) >= 3:  # cut the run of plain words into pieces of 4–12
                n = rng.randint(4, 12)
                train.append(" ".join(run[:n]))
                run = run[n:]
            run = []
    train = sorted(set(train) - {ctc.normalise_text(h) for h in heldout})
    return train, sorted(set(heldout))


def everyday(heldout_every: int = 8) -> tuple[list[str], list[str]]:
    """(training sentences, held-out sentences) of everyday English: the example sentences quoted in
    WordNet's glosses, plain words only, 5–16 of them, normalised. The same kind of fixed hash as
    ``corpus`` sets about one in eight aside; the held-out set is the first ``EVERYDAY_HELDOUT`` of
    those in hash order (a sample across the whole dictionary, not one part of it)."""
    train, aside = _everyday_split(heldout_every)
    return train, aside[:EVERYDAY_HELDOUT]


def language_model_text() -> list[str]:
    """The language models' text: the recogniser's training text, the documentation's word runs and
    the everyday sentences, never a held-out or development sentence."""
    return corpus()[0] + everyday()[0]


def everyday_dev(n: int = 60) -> list[str]:
    """Everyday sentences set aside from training and not in the held-out set: a development set."""
    return _everyday_split()[1][EVERYDAY_HELDOUT:EVERYDAY_HELDOUT + n]


@functools.cache
def _everyday_split(heldout_every: int = 8) -> tuple[list[str], list[str]]:
    if not (WORDNET / "data.noun").is_file():
        raise FileNotFoundError(f"WordNet is not at {WORDNET}: install Debian's wordnet-base (packages.txt)")
    sentences = set()
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "|" not in line:  # the licence at the top of each file
                continue
            for quoted in re.findall(r'"([^"]+)"', line.split("|", 1)[1]):
                quoted = quoted.strip()
                if re.fullmatch(r"[A-Za-z][A-Za-z ,'-]*[A-Za-z][.!?]?", quoted) and 5 <= len(quoted.split()) <= 16:
                    sentences.add(ctc.normalise_text(quoted))
    key = lambda s: zlib.crc32(s.encode())  # noqa: E731
    train = sorted(s for s in sentences if key(s) % heldout_every)
    return train, sorted((s for s in sentences if key(s) % heldout_every == 0), key=key)


class Augmenter:
    """Random espeak-ng, flite or Festival voicing plus sox reverberation and noise; one instance, one seed.
    ``festival_share``: the fraction of utterances Festival speaks (a training-only dependency, see
    ``synth.FESTIVAL_VOICES``); ``flite_share``: the fraction of the others that flite speaks (0 gives
    the espeak-only data); ``warp_share``: the fraction that sox also changes in tempo (0.8–1.3×) and
    pitch (±4 semitones)."""

    def __init__(self, seed: int, flite_share: float = 0.5, warp_share: float = 0.0, festival_share: float = 0.0):
        self.rng = random.Random(seed)
        self.flite_share, self.warp_share, self.festival_share = flite_share, warp_share, festival_share
        sr = 22_050
        # One long stretch of each sox noise colour, sliced at random, rather than sox per utterance.
        self.noise = {c: synth.sox_noise(sr * 60, sr, c, seed=i) for i, c in
                      enumerate(("whitenoise", "pinknoise", "brownnoise"))}

    def voice(self) -> dict:
        r = self.rng
        # no draw at share 0, so the earlier stages' seeds give the same voicings as before
        if self.festival_share and r.random() < self.festival_share:
            # three voices only: a pitch shift of up to ±4 semitones on every one makes more speakers of them
            return dict(synth="festival", voice=r.choice(sorted(synth.FESTIVAL_VOICES)),
                        speed=round(1 / r.uniform(0.8, 1.3), 3), cents=r.randint(-400, 400))
        if r.random() < self.flite_share:
            name = r.choice(sorted(synth.FLITE_VOICES))
            # duration_stretch 0.8–1.3 (speed is its inverse); F0 at 0.8–1.25 × the voice's own
            return dict(synth="flite", voice=name, speed=round(1 / r.uniform(0.8, 1.3), 3),
                        pitch=round(synth.FLITE_VOICES[name] * r.uniform(0.8, 1.25)))
        variant = r.choice(synth.ESPEAK_VARIANTS)
        base = r.choice(synth.ESPEAK_ENGLISH)
        return dict(synth="espeak", voice=f"{base}+{variant}" if variant else base, speed=r.randint(120, 220),
                    pitch=r.randint(20, 80), gap=r.choice((0, 0, 0, 1, 2)))

    def __call__(self, text: str) -> tuple[np.ndarray, int, dict]:
        r = self.rng
        how = self.voice()
        audio, sr = speak(text, how)
        if how["synth"] == "festival":
            effects = ["pitch", str(how["cents"])] + (["tempo", "-s", str(how["speed"])]  # slt ignores Duration_Stretch
                                                      if how["voice"].endswith("_hts") else [])
            audio = synth.sox_effects(audio, sr, effects)
        if self.warp_share and r.random() < self.warp_share:  # sox's tempo and pitch: speaking rates and voices no engine has
            how["tempo"], how["cents"] = round(r.uniform(0.8, 1.3), 2), r.randint(-400, 400)
            audio = synth.sox_effects(audio, sr, ["tempo", "-s", str(how["tempo"]), "pitch", str(how["cents"])])
        if r.random() < 0.5:
            how["reverb"] = r.randint(10, 80)
            audio = synth.sox_effects(audio, sr, ["reverb", str(how["reverb"]), "50", str(r.randint(20, 100))])
        if r.random() < 0.8:
            colour = r.choice(sorted(self.noise))
            bank = self.noise[colour]
            start = r.randrange(0, len(bank) - len(audio)) if len(bank) > len(audio) else 0
            noise = np.resize(bank[start:start + len(audio)], len(audio))
            how["snr_db"] = r.uniform(5, 35)
            audio = synth.mix_at_snr(audio, noise, how["snr_db"])
        audio = audio * r.uniform(0.2, 1.0) / (np.abs(audio).max() + 1e-6)
        return audio.astype(np.float32), sr, how


def speak(text: str, how: dict) -> tuple[np.ndarray, int]:
    """``text`` said by the synthesiser and settings ``how`` names (a ``FAMILY`` entry or ``Augmenter.voice``)."""
    engine = {"flite": synth.flite, "espeak": synth.espeak, "festival": synth.festival}[how["synth"]]
    return engine(text, **{k: v for k, v in how.items() if k not in ("synth", "cents")})


def synthesise_training(texts: list[str], voicings: float, seed: int, log, flite_share: float = 0.5,
                        warp_share: float = 0.0, festival_share: float = 0.0) -> list[tuple[np.ndarray, list[int]]]:
    """log-mel features (float16) and targets for ``voicings`` × len(texts) utterances."""
    augment = Augmenter(seed, flite_share, warp_share, festival_share)
    rng = random.Random(seed)
    n = int(round(voicings * len(texts)))
    order = [texts[i % len(texts)] for i in range(n)]
    rng.shuffle(order)
    data, started = [], time.time()
    for i, text in enumerate(order):
        try:
            audio, sr, _ = augment(text)
        except subprocess.TimeoutExpired:   # a synthesiser that hung (a stalled machine): another voice says it
            log(f"a synthesiser timed out on {text!r}; another voice says it")
            audio, sr, _ = augment(text)
        data.append((ctc.log_mel(audio, sr).astype(np.float16), ctc.encode(text)))
        if (i + 1) % 1000 == 0:
            log(f"synthesised {i + 1}/{n} utterances in {time.time() - started:.0f} s")
    return data


def voice_heldout(sentences: list[str], log, keep: bool = False, which: str = "piper") -> list[dict]:
    """Piper voices each held-out sentence; files saved as 16 kHz OGG Vorbis beside the model.
    ``keep``: a resumed run keeps the files there (Piper draws fresh noise on every call, so the
    stages of one model are scored on the same audio). ``which``: "piper" or "everyday_piper"."""
    import librosa
    import soundfile as sf

    folder, listing = SETS[which]
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i, sentence in enumerate(sentences):
        name = f"{which}_{i:03d}.ogg"   # unique across the sets: the app tells an example's clip by its name
        if keep and (folder / name).is_file():
            items.append({"file": name, "text": sentence})
            continue
        audio, sr = synth.piper(sentence)
        audio = librosa.resample(audio, orig_sr=sr, target_sr=ctc.SAMPLE_RATE)
        sf.write(folder / name, audio, ctc.SAMPLE_RATE, format="OGG", subtype="VORBIS")
        items.append({"file": name, "text": sentence})
    (OUT / listing).write_text(json.dumps(items, indent=1))
    log(f"Piper voiced {len(items)} held-out sentences ({which})")
    return items


# The training family's held-out voices: engines and voices the model trained on, speaking sentences it
# never heard. Sentence i goes to voice i % 4, so each voice reads about a quarter of them, clean.
FAMILY = (dict(synth="espeak", voice="en-us", speed=160), dict(synth="flite", voice="slt"),
          dict(synth="espeak", voice="en-gb-x-rp+f3", speed=150), dict(synth="flite", voice="awb"))
FAMILY_DIR = OUT / "heldout_family"
EVERYDAY_DIR = OUT / "heldout_everyday"
# each held-out set: its folder and listing; "everyday_*" are the WordNet sentences of ``everyday``
SETS = {"piper": (HELDOUT, "heldout.json"), "family": (FAMILY_DIR, "heldout_family.json"),
        "everyday_piper": (EVERYDAY_DIR, "heldout_everyday_piper.json"),
        "everyday_family": (EVERYDAY_DIR, "heldout_everyday_family.json")}


def voice_family(sentences: list[str], log, which: str = "family") -> list[dict]:
    """The held-out sentences spoken clean by the training family (``FAMILY``), 16 kHz OGG files in
    ``heldout_family/`` with ``heldout_family.json`` (or ``which``'s); espeak-ng and flite are
    deterministic."""
    import librosa
    import soundfile as sf

    folder, listing = SETS[which]
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i, sentence in enumerate(sentences):
        how = FAMILY[i % len(FAMILY)]
        audio, sr = speak(sentence, how)
        audio = librosa.resample(audio, orig_sr=sr, target_sr=ctc.SAMPLE_RATE)
        name = f"{which}_{i:03d}.ogg"
        sf.write(folder / name, 0.9 * audio / (np.abs(audio).max() + 1e-6), ctc.SAMPLE_RATE, format="OGG",
                 subtype="VORBIS")
        items.append({"file": name, "text": sentence, "voice": f"{how['synth']} {how['voice']}"})
    (OUT / listing).write_text(json.dumps(items, indent=1))
    log(f"the training family voiced {len(items)} held-out sentences ({which})")
    return items


def white_noise(audio: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """``audio`` plus Gaussian white noise at ``snr_db`` (signal RMS over noise RMS), fixed seed."""
    return synth.mix_at_snr(audio, np.random.default_rng(seed).standard_normal(len(audio)).astype(np.float32), snr_db)


def load_heldout(which: str = "piper") -> list[tuple[np.ndarray, int, str]]:
    """(audio, rate, text) of a held-out set of ``SETS``: "piper" (the unseen voice), "family" (training
    voices), and the same two on everyday sentences, "everyday_piper" and "everyday_family"."""
    import soundfile as sf

    folder, listing = SETS[which]
    items = json.loads((OUT / listing).read_text())
    out = []
    for item in items:
        audio, sr = sf.read(folder / item["file"], dtype="float32")
        out.append((audio, sr, item["text"]))
    return out
