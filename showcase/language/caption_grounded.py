"""Captions grounded in what the encoder found: the decoder may name a colour–shape pair only as often
as the encoder's own object guesses hold it.

The caption decoder attends to the encoder's cells and writes freely, and after four training stages
its last inventions were of one kind: a shape the encoder had read right, named twice ("a small blue
star, a large orange triangle and a large orange triangle" for a two-shape scene). The encoder's
auxiliary head already says, per cell, whether a shape is centred there and which colour and kind it
is (``caption_vqa_net.Encoder``); the VQA head reads those guesses as object slots. Here they bound the
caption too, a constrained decoding in the spirit of Anderson et al. (2017, "Guided Open Vocabulary
Image Captioning with Constrained Beam Search"), who force a caption to use words a detector found;
this bounds it the other way, to no more than what was found:

- the objects are the cells whose centre probability is over 0.5; a cell next to a likelier one of
  the same colour is the same shape, read by its likelier cell (one shape's centre can light two
  cells, and they may disagree on its kind: star or cross);
- a colour word may follow only while some pair of that colour is left, a kind word after a colour only
  while that pair is left;
- the sentence takes the scene generator's form for the count found (``scene_text.describe``): one
  name; two names with a relation between them; three as "X, Y and Z from left to right"; a name
  is an article, a size, a colour and a kind, and it may only be a colour–kind pair still left.

Each cell's colour and kind are averaged over the picture's eight turns and mirror images, mapped back
onto the grid (``turned_guesses``; the centres stay the upright view's): one view read a fat star drawn
by other code as a cross, most views do not. A shape the encoder still misreads is misnamed, and one
it misses is left out: grounding removes what the decoder adds, not what the encoder gets wrong.
With no object found, decoding is left free.

    from showcase.language import caption_grounded
    found = caption_grounded.objects(caption_grounded.turned_guesses(net.encoder, images))   # images: (B, 3, 64, 64)
    ids = caption_vqa_net.decode(net, memory, bos, eos, beams=4,
                                 allowed=caption_grounded.rule(found, tokenizer, beams=4))
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from showcase.core import scene_text

CENTRE_P = 0.5      # the auxiliary head's centre guess is a sigmoid trained on 0/1 targets


def turned_guesses(encoder, images: torch.Tensor) -> torch.Tensor:
    """The encoder's per-cell guesses, with each cell's colour and kind averaged over the picture's eight
    turns and mirror images mapped back onto the original grid: a shape keeps its kind when turned, and a
    fat star that one view reads as a cross is a star in most (test-time augmentation). Where the centres
    are stays the upright view's: a centre on a cell's edge falls in a different cell in each view, and
    their average lit none."""
    views = []
    for mirrored in (False, True):
        x = images.flip(-1) if mirrored else images
        for k in range(4):
            guess = torch.rot90(encoder(torch.rot90(x, k, (-2, -1)))[1], -k, (-2, -1))
            views.append(guess.flip(-1) if mirrored else guess)
    return torch.cat([views[0][:, :1], torch.stack(views).mean(0)[:, 1:]], 1)


def objects(aux: torch.Tensor, threshold: float = CENTRE_P) -> list[Counter]:
    """Per image, the (colour, kind) pairs the encoder found, with how many of each; a cell beside a likelier
    one of the same colour is read as that shape."""
    colours, kinds = list(scene_text.COLOURS), list(scene_text.CLASSES)
    centre = torch.sigmoid(aux[:, 0])                                          # (B, 8, 8)
    colour = aux[:, 1:1 + len(colours)].argmax(1)
    kind = aux[:, 1 + len(colours):1 + len(colours) + len(kinds)].argmax(1)
    found = []
    for b in range(aux.shape[0]):
        ys, xs = torch.nonzero(centre[b] > threshold, as_tuple=True)
        cells = sorted(zip(ys.tolist(), xs.tolist()), key=lambda c: -float(centre[b, c[0], c[1]]))
        kept: list[tuple[int, int, tuple[str, str]]] = []
        for y, x in cells:
            pair = (colours[int(colour[b, y, x])], kinds[int(kind[b, y, x])])
            if not any(max(abs(y - ky), abs(x - kx)) <= 1 and pair[0] == kp[0] for ky, kx, kp in kept):
                kept.append((y, x, pair))
        found.append(Counter(pair for _, _, pair in kept))
    return found


# The generator's sentences (``scene_text.describe``) by how many shapes they name: a name is an article,
# a size, a colour and a kind; two names take a relation between them, three a list read left to right.
NAME = ("article", "size", "colour", "kind")
FORMS = {1: NAME + ("end",), 2: NAME + ("relation",) + NAME + ("end",),
         3: NAME + (",",) + NAME + ("and",) + NAME + ("from", "left", "to", "right", "end")}
RELATIONS = (("to", "the", "left", "of"), ("to", "the", "right", "of"), ("above",), ("below",))


@dataclass(frozen=True)
class Words:
    """The decoder's vocabulary as this rule reads it: token id <-> word."""

    ids: dict[str, int]
    words: dict[int, str]
    eos: int

    @classmethod
    def of(cls, tokenizer) -> Words:
        vocab = tokenizer.get_vocab()
        return cls(vocab, {i: w for w, i in vocab.items()}, tokenizer.eos_token_id)


def allowed_next(seq: list[int], budget: Counter, words: Words) -> torch.Tensor:
    """Which tokens may follow ``seq`` (the ids after [SOS]) given the objects in ``budget``."""
    ok = torch.zeros(len(words.ids), dtype=torch.bool)
    if not budget:
        return ~ok
    form = FORMS[min(sum(budget.values()), 3)]
    at, relation, colour, used = 0, (), None, Counter()
    for word in (words.words[t] for t in seq):   # walk the form along what was written
        slot = form[min(at, len(form) - 1)]
        if slot == "relation":
            relation += (word,)
            at += relation in RELATIONS
            continue
        if slot == "colour":
            colour = word
        elif slot == "kind":
            used[(colour, word)] += 1
        at += 1
    left, slot = budget - used, form[min(at, len(form) - 1)]
    if slot == "end":
        nexts = []
    elif slot == "article":
        nexts = ["a", "an"]
    elif slot == "size":
        nexts = list(scene_text.SIZES)
    elif slot == "colour":
        nexts = [c for c in scene_text.COLOURS if any(left[(c, k)] > 0 for k in scene_text.CLASSES)]
    elif slot == "kind":
        nexts = [k for k in scene_text.CLASSES if left[(colour, k)] > 0]
    elif slot == "relation":
        nexts = sorted({r[len(relation)] for r in RELATIONS if r[:len(relation)] == relation})
    else:
        nexts = [slot]
    for word in nexts:
        ok[words.ids[word]] = True
    ok[words.eos] = not ok.any()                 # the form is done, or nothing found fits it: stop
    return ok


def rule(found: list[Counter], tokenizer, beams: int = 1):
    """``decode``'s ``allowed``: rows are image-major (``beams`` rows per image), as ``decode`` lays them."""
    words = Words.of(tokenizer)

    def allowed(seqs: torch.Tensor) -> torch.Tensor:
        return torch.stack([allowed_next(row[1:], found[r // beams], words)
                            for r, row in enumerate(seqs.tolist())])

    return allowed
