"""A small CTC speech recogniser: log-mel frames in, one character distribution per frame out.

The network reads 80-band log-mel frames (25 ms windows every 10 ms, from ``librosa``), two 1-D
convolutions (the second with stride 3, so one output frame covers 30 ms), then a two-layer
bidirectional GRU and a linear layer onto 29 symbols: the CTC blank, space, apostrophe and a–z.
Connectionist Temporal Classification (Graves et al., 2006) trains it without any alignment: the
loss sums over every way of spreading the transcript over the frames with blanks and repeats,
and decoding collapses repeats, then drops blanks. Most frames end up "blank": the model speaks
in short spikes, one per character.

References: Graves et al., "Connectionist Temporal Classification" (ICML 2006);
Amodei et al., "Deep Speech 2" (2016) for the conv + bidirectional RNN recipe.

Training: ``python -m showcase.speech.asr_training``; serving: ``showcase.speech.asr``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch
from torch import nn

SAMPLE_RATE = 16_000
N_MELS = 80
N_FFT = 400        # 25 ms at 16 kHz
HOP = 160          # 10 ms
STRIDE = 3         # the network's time subsampling: one output frame per 30 ms
BLANK = "·"        # index 0, CTC's "no new character here"
VOCAB = (BLANK, " ", "'") + tuple("abcdefghijklmnopqrstuvwxyz")
INDEX = {c: i for i, c in enumerate(VOCAB)}


def normalise_text(text: str) -> str:
    """What the model can write: lower-case letters, apostrophes and single spaces."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z' ]+", " ", text)
    return " ".join(text.split())


def encode(text: str) -> list[int]:
    return [INDEX[c] for c in normalise_text(text)]


def log_mel(audio: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """(N_MELS, frames) float32: log-mel energies, each band standardised over the utterance.

    Per-utterance mean/variance normalisation removes the loudness and channel colour that differ
    between synthesisers and microphones; the model sees only how the spectrum moves.
    """
    import librosa

    if sr != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=sr, target_sr=SAMPLE_RATE)
    mel = librosa.feature.melspectrogram(y=audio.astype(np.float32), sr=SAMPLE_RATE, n_fft=N_FFT,
                                         hop_length=HOP, n_mels=N_MELS, fmin=20, fmax=7600)
    logmel = np.log(mel + 1e-6)
    logmel = (logmel - logmel.mean(axis=1, keepdims=True)) / (logmel.std(axis=1, keepdims=True) + 1e-3)
    return logmel.astype(np.float32)


class CTCModel(nn.Module):
    """Conv front end (stride 3 in time) → 2-layer BiGRU → per-frame logits over ``VOCAB``."""

    def __init__(self, n_mels: int = N_MELS, channels: int = 192, hidden: int = 160, layers: int = 2,
                 dropout: float = 0.15):
        super().__init__()
        self.config = dict(n_mels=n_mels, channels=channels, hidden=hidden, layers=layers, dropout=dropout)
        self.front = nn.Sequential(
            nn.Conv1d(n_mels, channels, kernel_size=5, padding=2), nn.BatchNorm1d(channels), nn.GELU(),
            nn.Conv1d(channels, channels, kernel_size=5, stride=STRIDE, padding=2), nn.BatchNorm1d(channels),
            nn.GELU(), nn.Dropout(dropout),
        )
        self.rnn = nn.GRU(channels, hidden, num_layers=layers, bidirectional=True, batch_first=True,
                          dropout=dropout)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden, len(VOCAB)))

    @staticmethod
    def out_lengths(lengths: torch.Tensor) -> torch.Tensor:
        """Output frames for ``lengths`` input frames (the strided convolution's arithmetic)."""
        return (lengths + 2 * 2 - 5) // STRIDE + 1

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(B, n_mels, T) → log-probabilities (B, T', vocab)."""
        h = self.front(x).transpose(1, 2)             # (B, T', C)
        if lengths is not None:  # padded batches: the GRU must not read the padding backwards
            total = h.shape[1]
            packed = nn.utils.rnn.pack_padded_sequence(h, self.out_lengths(lengths).cpu(), batch_first=True,
                                                       enforce_sorted=False)
            h, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=total)
        else:
            h, _ = self.rnn(h)
        return self.out(h).log_softmax(-1)          # (B, T', vocab)


def greedy_decode(log_probs: np.ndarray) -> str:
    """Best symbol per frame, repeats collapsed, blanks dropped. ``log_probs`` is (T, vocab)."""
    best = log_probs.argmax(axis=-1)
    keep = np.r_[True, best[1:] != best[:-1]] & (best != 0)
    return " ".join("".join(VOCAB[i] for i in best[keep]).split())


def save(model: CTCModel, path: Path, extra: dict | None = None) -> None:
    """Weights as safetensors, with the architecture in its metadata (no pickle anywhere)."""
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"config": json.dumps(model.config), "vocab": json.dumps(VOCAB),
                                          **{k: json.dumps(v) for k, v in (extra or {}).items()}})


def load(path: Path) -> CTCModel:
    """The model saved by ``save``, in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    if json.loads(meta["vocab"]) != list(VOCAB):
        raise RuntimeError(f"{path} was trained with another alphabet")
    model = CTCModel(**json.loads(meta["config"]))
    model.load_state_dict(load_file(str(path)))
    return model.eval()
