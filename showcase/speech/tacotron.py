"""A small Tacotron 2: phonemes in, mel spectrogram out, Griffin-Lim to a waveform.

The recipe of Shen et al. (2018), shrunk to train on one CPU core in about an hour:

* **Text.** espeak-ng turns the sentence into IPA phonemes (``showcase.core.synth.phonemes``), so
  the network never has to learn English spelling; each symbol is one embedding.
* **Encoder.** Three 1-D convolutions (kernel 5) and a bidirectional LSTM: one vector per phoneme.
* **Location-sensitive attention** (Chorowski et al., 2015). Each decoder step scores every phoneme
  from the decoder state, the phoneme's vector, and a convolution over the previous and the
  cumulative attention weights, so the focus learns to move forward one phoneme at a time.
* **Autoregressive decoder.** A pre-net (dropout stays on at inference, as in the paper), an
  attention LSTM, a decoder LSTM, and a linear layer that writes ``R`` mel frames per step (the
  reduction factor: four frames per step is four times fewer steps) and a stop logit.
* **Post-net.** Five convolutions add a residual that sharpens the whole spectrogram.
* **Vocoder.** Griffin-Lim (``librosa.griffinlim``) finds a phase for the predicted magnitudes.
  A neural vocoder (WaveNet in the paper) is what makes Tacotron 2 sound human; Griffin-Lim is why
  this one sounds buzzy. Piper in the same tab is a VITS model with its vocoder built in.

Training adds the guided-attention loss of Tachibana et al. (2018): attention far from the diagonal
costs extra, which makes the alignment appear in hundreds of steps instead of tens of thousands.

    model = load(asset("speech", "tts", "tacotron.safetensors"))
    audio, sr, mel, alignment = synthesise(model, "The cat sat on the mat.")

Training: ``python -m showcase.speech.tts_training``; the tab: ``showcase.speech.tts``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 22_050
N_FFT = 1024
HOP = 256          # 11.6 ms per frame
N_MELS = 80
FMAX = 8000
R = 4              # mel frames per decoder step
PAD, EOS = "_", "~"


def mel_basis() -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmax=FMAX)


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(frames, 80) natural-log mel magnitudes of 22,050 Hz samples."""
    import librosa

    spectrum = np.abs(librosa.stft(audio.astype(np.float32), n_fft=N_FFT, hop_length=HOP))
    return np.log(np.maximum(mel_basis() @ spectrum, 1e-5)).T.astype(np.float32)


def griffin_lim(log_mel_frames: np.ndarray, n_iter: int = 32, sharpen: float = 1.2) -> np.ndarray:
    """Waveform from (frames, 80) log-mel magnitudes: a least-squares linear spectrum, then phase."""
    import librosa

    mel = np.exp(log_mel_frames.T.astype(np.float64))
    # The pseudo-inverse is instant where librosa's NNLS mel_to_stft takes seconds on a long clip.
    linear = np.maximum(np.linalg.pinv(mel_basis()) @ mel, 0.0) ** sharpen
    audio = librosa.griffinlim(linear.astype(np.float32), n_iter=n_iter, hop_length=HOP, n_fft=N_FFT,
                               random_state=0)
    return (0.9 * audio / (np.abs(audio).max() + 1e-6)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------

class Encoder(nn.Module):
    def __init__(self, n_symbols: int, dim: int):
        super().__init__()
        self.embed = nn.Embedding(n_symbols, dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Sequential(nn.Conv1d(dim, dim, 5, padding=2), nn.BatchNorm1d(dim), nn.ReLU(),
                                                 nn.Dropout(0.3)) for _ in range(3))
        self.lstm = nn.LSTM(dim, dim // 2, batch_first=True, bidirectional=True)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids).transpose(1, 2)
        for conv in self.convs:
            x = conv(x)
        return self.lstm(x.transpose(1, 2))[0]


class LocationAttention(nn.Module):
    def __init__(self, query_dim: int, memory_dim: int, dim: int = 128, filters: int = 16, kernel: int = 15):
        super().__init__()
        self.query = nn.Linear(query_dim, dim, bias=False)
        self.memory = nn.Linear(memory_dim, dim, bias=False)
        self.location = nn.Sequential(nn.Conv1d(2, filters, kernel, padding=kernel // 2, bias=False),
                                      nn.Conv1d(filters, dim, 1, bias=False))
        self.v = nn.Linear(dim, 1, bias=True)

    def forward(self, query, memory, keys, previous, cumulative, mask, window=None):
        location = self.location(torch.stack([previous, cumulative], dim=1)).transpose(1, 2)
        energy = self.v(torch.tanh(self.query(query).unsqueeze(1) + keys + location)).squeeze(-1)
        energy = energy.masked_fill(~mask, -1e9)
        if window is not None:  # inference only: stay near the last focus, never jump back
            energy = energy.masked_fill(~window, -1e9)
        weights = torch.softmax(energy, dim=-1)
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights


class Tacotron(nn.Module):
    def __init__(self, symbols: list[str], dim: int = 128, rnn: int = 256, prenet: int = 128):
        super().__init__()
        self.config = {"symbols": list(symbols), "dim": dim, "rnn": rnn, "prenet": prenet}
        self.index = {s: i for i, s in enumerate(symbols)}
        self.encoder = Encoder(len(symbols), dim)
        self.prenet = nn.ModuleList([nn.Linear(N_MELS, prenet), nn.Linear(prenet, prenet)])
        self.attention_rnn = nn.LSTMCell(prenet + dim, rnn)
        self.attention = LocationAttention(rnn, dim)
        self.decoder_rnn = nn.LSTMCell(rnn + dim, rnn)
        self.frames = nn.Linear(rnn + dim, N_MELS * R)
        self.stop = nn.Linear(rnn + dim, 1)
        self.postnet = nn.Sequential(*[layer for i in range(5) for layer in (
            nn.Conv1d(N_MELS if i == 0 else 256, N_MELS if i == 4 else 256, 5, padding=2),
            nn.BatchNorm1d(N_MELS if i == 4 else 256), nn.Tanh() if i < 4 else nn.Identity(), nn.Dropout(0.3))])
        # Mel statistics of the training data: the network works on standardised frames.
        self.register_buffer("mel_mean", torch.zeros(N_MELS))
        self.register_buffer("mel_std", torch.ones(N_MELS))

    def encode_text(self, phoneme_string: str) -> list[int]:
        """Symbol ids for an IPA string; symbols the model never saw are dropped (the tab says so)."""
        return [self.index[c] for c in phoneme_string if c in self.index and c not in (PAD, EOS)] + [self.index[EOS]]

    def _prenet(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.prenet:
            x = F.dropout(F.relu(layer(x)), p=0.5, training=True)  # always on: the paper's trick against copying
        return x

    def forward(self, ids, id_lengths, mels):
        """Teacher-forced pass. ids (B, N); mels (B, T, 80) standardised, T a multiple of R.
        Returns mel before and after the post-net (B, T, 80), stop logits (B, T/R), attention (B, T/R, N)."""
        batch, steps = ids.shape[0], mels.shape[1] // R
        memory = self.encoder(ids)
        mask = torch.arange(ids.shape[1])[None, :] < id_lengths[:, None]
        keys = self.attention.memory(memory)
        # The frame that feeds each step is the last frame of the previous step (zeros at the start).
        inputs = torch.cat([mels.new_zeros(batch, 1, N_MELS), mels[:, R - 1:-1:R]], dim=1)
        inputs = self._prenet(inputs)
        state = self._initial_state(memory)
        outputs, stops, alignments = [], [], []
        for t in range(steps):
            frame, stop, weights, state = self._step(inputs[:, t], memory, keys, mask, state)
            outputs.append(frame)
            stops.append(stop)
            alignments.append(weights)
        before = torch.stack(outputs, 1).reshape(batch, steps * R, N_MELS)
        after = before + self.postnet(before.transpose(1, 2)).transpose(1, 2)
        return before, after, torch.stack(stops, 1), torch.stack(alignments, 1)

    def _initial_state(self, memory):
        batch, n, dim = memory.shape
        zeros = memory.new_zeros
        rnn = self.config["rnn"]
        return dict(h1=zeros(batch, rnn), c1=zeros(batch, rnn), h2=zeros(batch, rnn), c2=zeros(batch, rnn),
                    context=zeros(batch, dim), previous=zeros(batch, n), cumulative=zeros(batch, n))

    def _step(self, x, memory, keys, mask, s, window=None):
        h1, c1 = self.attention_rnn(torch.cat([x, s["context"]], -1), (s["h1"], s["c1"]))
        context, weights = self.attention(h1, memory, keys, s["previous"], s["cumulative"], mask, window)
        h2, c2 = self.decoder_rnn(torch.cat([h1, context], -1), (s["h2"], s["c2"]))
        out = torch.cat([h2, context], -1)
        state = dict(h1=h1, c1=c1, h2=h2, c2=c2, context=context, previous=weights,
                     cumulative=s["cumulative"] + weights)
        return self.frames(out), self.stop(out).squeeze(-1), weights, state

    @torch.no_grad()
    def infer(self, ids: list[int], max_steps: int | None = None, seed: int = 0):
        """Free-running synthesis of one utterance: (log-mel frames (T, 80), attention (steps, N)).

        Attention may move only from its current peak to at most three phonemes ahead, which keeps a
        small model from skipping or repeating words; generation ends when the stop logit says so,
        once attention has reached the last phoneme, or at ``max_steps``.
        """
        torch.manual_seed(seed)  # the pre-net's dropout makes every run differ otherwise
        tokens = torch.tensor([ids])
        n = len(ids)
        memory = self.encoder(tokens)
        keys = self.attention.memory(memory)
        mask = torch.ones(1, n, dtype=torch.bool)
        state = self._initial_state(memory)
        frame = memory.new_zeros(1, N_MELS)
        max_steps = max_steps or 8 * n + 20
        frames, alignments, peak = [], [], 0
        positions = torch.arange(n)[None, :]
        for _ in range(max_steps):
            window = (positions >= peak) & (positions <= peak + 3)
            out, stop, weights, state = self._step(self._prenet(frame), memory, keys, mask, state, window)
            out = out.view(1, R, N_MELS)
            frames.append(out[0])
            alignments.append(weights[0])
            frame = out[:, -1]
            peak = int(weights.argmax())
            if torch.sigmoid(stop).item() > 0.5 and peak >= n - 3:
                break
        before = torch.cat(frames)[None]
        after = before + self.postnet(before.transpose(1, 2)).transpose(1, 2)
        log_mel_frames = after[0] * self.mel_std + self.mel_mean
        return log_mel_frames.numpy(), torch.stack(alignments).numpy()


def guided_attention_loss(alignments: torch.Tensor, id_lengths: torch.Tensor, step_lengths: torch.Tensor,
                          g: float = 0.2) -> torch.Tensor:
    """Tachibana et al.'s penalty: weight on phoneme n at step t costs 1 - exp(-(n/N - t/T)² / 2g²)."""
    batch, steps, n = alignments.shape
    t = torch.arange(steps)[None, :, None] / step_lengths[:, None, None].float()
    k = torch.arange(n)[None, None, :] / id_lengths[:, None, None].float()
    penalty = 1.0 - torch.exp(-((k - t) ** 2) / (2 * g * g))
    valid = (torch.arange(steps)[None, :, None] < step_lengths[:, None, None]) & \
            (torch.arange(n)[None, None, :] < id_lengths[:, None, None])
    return (alignments * penalty * valid).sum() / valid.sum()


def synthesise(model: Tacotron, phoneme_string: str, n_iter: int = 32):
    """(waveform, rate, log-mel (T, 80), attention (steps, N)) for an IPA string."""
    model.eval()
    log_mel_frames, alignment = model.infer(model.encode_text(phoneme_string))
    return griffin_lim(log_mel_frames, n_iter=n_iter), SAMPLE_RATE, log_mel_frames, alignment


def save(model: Tacotron, path: Path, metadata: dict | None = None) -> None:
    """Weights as safetensors in float16 (half the bytes; ``load`` widens them to float32), the
    architecture and symbols in its metadata (no pickle anywhere)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v).detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"config": json.dumps(model.config), **(metadata or {})})


def load(path: Path) -> Tacotron:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as f:
        config = json.loads(f.metadata()["config"])
    model = Tacotron(**config)
    model.load_state_dict(load_file(str(path)))
    return model.eval()
