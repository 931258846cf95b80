"""The captioning/VQA network: a convolutional encoder that keeps where things are, a FiLM answer head
and a small transformer caption decoder, in plain PyTorch.

- **Encoder** (CoordConv, Liu et al. 2018): four 3×3 convolutions take the 64-px picture to an 8×8
  grid of 96-d cells; every layer also sees two channels holding its x and y coordinates, so a cell
  knows where it is. An auxiliary head asks each cell "is a shape's centre here, and which colour
  and kind is it?" (the scene generator knows) — the object-level supervision that Sort-of-CLEVR's
  state descriptions give a Relation Network, and what makes counting a sum over cells.
- **VQA** as classification over the 12 answers (Antol et al. 2015): the question, read by a GRU,
  scales and shifts the cell features of two residual blocks (FiLM, Perez et al. 2018), then a sum
  (counts) and a max (what is where) over the cells feed a small MLP. Relation questions work
  because the coordinates travel in the features: "is the circle left of the square?" compares
  the x the circle's cells carry with the square's.
- **Captions**: a 2-layer transformer decoder writes the description word by word, attending to
  the 64 cells (cross-attention); ``decode`` does greedy search or beam search.

Reference anchors: Relation Networks reach 94% on Sort-of-CLEVR's relational questions where a
CNN+MLP reaches 63% (Santoro et al., NeurIPS 2017); FiLM reaches 97.7% on CLEVR.

    python -m showcase.language.caption_vqa_training --help
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from showcase.core import scene_text

GRID, WIDTH, IMAGE_SIZE, CONTEXT = 8, 96, 64, 32
ANSWERS = scene_text.NUMBERS + ("yes", "no") + tuple(scene_text.COLOURS)


def coords(x: torch.Tensor) -> torch.Tensor:
    """``x`` with two more channels: x and y of each position, from -1 to 1."""
    b, _, h, w = x.shape
    ys = torch.linspace(-1, 1, h, device=x.device).view(1, 1, h, 1).expand(b, 1, h, w)
    xs = torch.linspace(-1, 1, w, device=x.device).view(1, 1, 1, w).expand(b, 1, h, w)
    return torch.cat([x, xs, ys], 1)


class CoordConv(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in + 2, c_out, 3, stride, 1, bias=False)
        self.norm = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return F.relu(self.norm(self.conv(coords(x))))


class Encoder(nn.Module):
    """(B, 3, 64, 64) → (B, WIDTH, 8, 8) cells, and the auxiliary per-cell guesses."""

    def __init__(self, width: int = WIDTH):
        super().__init__()
        self.body = nn.Sequential(CoordConv(3, 24, 2), CoordConv(24, 48, 2), CoordConv(48, width, 2),
                                  CoordConv(width, width))
        # per cell: a centre here? (1), its colour (6), its kind (5)
        self.aux = nn.Conv2d(width, 1 + len(scene_text.COLOURS) + len(scene_text.CLASSES), 1)

    def forward(self, images):
        cells = self.body(images)
        return cells, self.aux(cells)


class FiLMBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv = nn.Conv2d(width + 2, width, 3, 1, 1, bias=False)
        self.norm = nn.BatchNorm2d(width, affine=False)

    def forward(self, x, gamma, beta):
        y = self.norm(self.conv(coords(x)))
        return x + F.relu(gamma[..., None, None] * y + beta[..., None, None])


SLOTS = 4          # the cells likeliest to hold a shape's centre (this world has at most three shapes)
SLOT_DIM = 1 + len(scene_text.COLOURS) + len(scene_text.CLASSES) + 2


def slots(aux, k: int = SLOTS):
    """The encoder's own guesses as objects: the ``k`` cells likeliest to hold a centre, each as
    (p centre, colour probabilities, kind probabilities, x, y) — (B, k, SLOT_DIM)."""
    b = aux.shape[0]
    n_colours = len(scene_text.COLOURS)
    centre = torch.sigmoid(aux[:, 0]).flatten(1)                               # (B, 64)
    colour = torch.softmax(aux[:, 1:1 + n_colours], 1).flatten(2)              # (B, 6, 64)
    kind = torch.softmax(aux[:, 1 + n_colours:], 1).flatten(2)                 # (B, 5, 64)
    grid = torch.linspace(-1, 1, GRID, device=aux.device)
    ys, xs = grid.repeat_interleave(GRID), grid.repeat(GRID)                     # cell order: row by row
    cells = torch.cat([centre[:, None], colour, kind, xs.expand(b, 1, -1), ys.expand(b, 1, -1)], 1)  # (B, D, 64)
    top = centre.topk(k, -1).indices                                            # (B, k)
    return cells.gather(2, top[:, None].expand(-1, cells.shape[1], -1)).transpose(1, 2)


class RelationHead(nn.Module):
    """Relation Network (Santoro et al. 2017) over the object slots: a = f(Σ_ij g(o_i, o_j, q))."""

    def __init__(self, width: int = WIDTH, hidden: int = 128):
        super().__init__()
        self.g = nn.Sequential(nn.Linear(2 * SLOT_DIM + width, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                               nn.Linear(hidden, hidden), nn.ReLU())
        self.f = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, len(ANSWERS)))

    def forward(self, objects, question):
        b, k, d = objects.shape
        pairs = torch.cat([objects[:, :, None].expand(b, k, k, d), objects[:, None].expand(b, k, k, d),
                           question[:, None, None].expand(b, k, k, question.shape[-1])], -1)
        return self.f(self.g(pairs).sum((1, 2)))


class SceneNet(nn.Module):
    def __init__(self, vocab_size: int, width: int = WIDTH, pad_id: int = 0, relation_head: bool = False):
        super().__init__()
        self.relation = RelationHead(width) if relation_head else None
        self.encoder = Encoder(width)
        self.words = nn.Embedding(vocab_size, width, padding_idx=pad_id)
        self.question = nn.GRU(width, width, batch_first=True)
        self.film = nn.Linear(width, 2 * 2 * width)
        self.blocks = nn.ModuleList([FiLMBlock(width), FiLMBlock(width)])
        self.project = nn.Conv2d(width, width, 1)
        self.answer = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(), nn.Linear(width, len(ANSWERS)))
        self.cell_position = nn.Parameter(torch.randn(GRID * GRID, width) * 0.02)
        self.text_position = nn.Parameter(torch.randn(CONTEXT, width) * 0.02)
        layer = nn.TransformerDecoderLayer(width, 4, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, 2)
        self.out_norm = nn.LayerNorm(width)
        self.pad_id = pad_id

    # --- VQA ---------------------------------------------------------------------------------
    def read_question(self, question_ids):
        lengths = (question_ids != self.pad_id).sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.words(question_ids), lengths, batch_first=True,
                                                   enforce_sorted=False)
        return self.question(packed)[1][-1]                                   # (Bq, W)

    def answer_logits(self, cells, question_ids, aux=None):
        """(Bq, WIDTH, 8, 8) cells (one per question) and (Bq, L) ids → (Bq, 12) logits; with the
        relation head (and the encoder's ``aux`` guesses), a Relation Network over object slots."""
        if self.relation is not None and aux is not None:
            return self.relation(slots(aux), self.read_question(question_ids))
        film = self.film(self.read_question(question_ids)).chunk(4, dim=-1)
        x = cells
        for i, block in enumerate(self.blocks):
            x = block(x, 1 + film[2 * i], film[2 * i + 1])
        x = F.relu(self.project(x)).flatten(2)                               # (Bq, W, 64)
        pooled = torch.cat([x.sum(-1) / 4, x.amax(-1)], -1)                  # counts and presence
        return self.answer(pooled)

    # --- captions ----------------------------------------------------------------------------
    def memory(self, cells):
        return cells.flatten(2).transpose(1, 2) + self.cell_position             # (B, 64, W)

    def caption_logits(self, memory, ids):
        """Next-word logits (B, T, vocab) for decoder input ``ids`` (B, T), causal."""
        t = ids.shape[1]
        x = self.words(ids) + self.text_position[:t]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool, device=ids.device), 1)      # True: may not look
        x = self.decoder(x, memory, tgt_mask=mask, tgt_key_padding_mask=ids == self.pad_id)
        # tied embeddings (N(0, 1) entries): scaled so the first logits are about N(0, 1), not N(0, width)
        return self.out_norm(x) @ self.words.weight.T / self.words.weight.shape[1] ** 0.5


@torch.inference_mode()
def decode(net: SceneNet, memory, bos: int, eos: int, beams: int = 1, max_len: int = CONTEXT - 1,
           allowed=None) -> list[list[int]]:
    """Greedy (``beams=1``) or beam search; per image the best sequence's ids, without [SOS]/[EOS].
    Beams are ranked by the sum of log-probabilities divided by length (HF's length_penalty=1).
    ``allowed(seqs)``: a (rows, vocab) mask of the tokens each row may take next (``caption_grounded``)."""
    n = memory.shape[0]
    memory = memory.repeat_interleave(beams, 0)
    seqs = torch.full((n * beams, 1), bos, dtype=torch.long)
    scores = torch.zeros(n, beams)
    scores[:, 1:] = float("-inf")                        # all beams start as the same [SOS]
    done = torch.zeros(n * beams, dtype=torch.bool)
    for _ in range(max_len):
        logp = F.log_softmax(net.caption_logits(memory, seqs)[:, -1], -1)      # (n*beams, V)
        if allowed is not None:
            logp = logp.masked_fill(~allowed(seqs), float("-inf"))
        vocab = logp.shape[-1]
        logp[done] = float("-inf")
        logp[done, eos] = 0.0                           # a finished beam stays as it is
        total = (scores.view(-1, 1) + logp).view(n, beams * vocab)
        scores, flat = total.topk(beams, -1)
        origin = (flat // vocab) + torch.arange(n).view(-1, 1) * beams
        word = (flat % vocab).view(-1, 1)
        seqs = torch.cat([seqs[origin.view(-1)], word], 1)
        done = done[origin.view(-1)] | (word.view(-1) == eos)
        if done.all():
            break
    out = []
    for i in range(n):
        best, best_score = None, float("-inf")
        for b in range(beams):
            ids = seqs[i * beams + b, 1:].tolist()
            ids = ids[:ids.index(eos)] if eos in ids else ids
            score = float(scores[i, b]) / (len(ids) + 1)
            if score > best_score:
                best, best_score = ids, score
        out.append(best)
    return out
