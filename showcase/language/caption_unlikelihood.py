"""Unlikelihood targets for the captioner: the words that would name a shape the scene has no more of.

Stage 4 left captions that name one shape twice in a three-shape scene ("... a large orange
triangle and a large orange triangle") although the scene holds one orange triangle. The usual
next-word cross-entropy only pulls the right word up; it never says which wrong word is worst.
Token-level unlikelihood training (Welleck et al. 2019, "Neural text generation with unlikelihood
training") adds, at chosen positions, -log(1 - p(w)) for named negative words w. Here the
negatives follow the caption's grammar ("a SIZE COLOUR KIND", shapes in turn), walking the true
caption word by word and counting what its prefix has already named:

- at a kind word after colour c: every kind k such that the prefix has named (c, k) already as
  many times as the scene holds it (saying k would name one more than there is);
- at a colour word: every colour c the prefix has named already, once every shape of colour c
  in the scene has been named (no shape of that colour is left to start a name).

Stage 4's wrong captions go wrong on their own words, not the true caption's: a shape misread
early, then the true one named again, or a third name after two shapes. On the true caption's
prefix those words are rarely likely (the token-level loss above is tiny), so, as in the paper's
sequence-level fine-tuning, the same negatives are also found on the model's own greedy caption
of each training image (``own``) and pushed down there, where the repeat happens.

A pair the scene truly holds twice is never a negative until both are named, so the generator's
genuine pairs keep being said twice; nothing at decoding time forbids a repeat.

    python -m showcase.language.caption_stage --stage 6 --unlikelihood 1 ...   # see caption_stage
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def negatives(ids, pairs, colour_ids: dict[int, str], kind_ids: dict[int, str]) -> list[tuple[int, int]]:
    """(position, word id) pairs to push down in one caption: ``ids`` is the tokenised caption
    ([SOS] ... [EOS], padding allowed), position t predicts ``ids[t + 1]``; ``pairs`` are the
    scene's (colour, kind) pairs, one per shape; the two maps give the colour and kind words' ids."""
    held, by_colour = Counter(pairs), Counter(c for c, _ in pairs)
    named, named_colour = Counter(), Counter()
    kind_of = {kind: i for i, kind in kind_ids.items()}
    colour_of = {colour: i for i, colour in colour_ids.items()}
    out = []
    for t in range(len(ids) - 1):
        word, before = int(ids[t + 1]), int(ids[t])
        if word in colour_ids:
            out += [(t, colour_of[c]) for c in named_colour if named_colour[c] >= by_colour[c]]
        elif word in kind_ids and before in colour_ids:
            colour = colour_ids[before]
            out += [(t, kind_of[k]) for (c, k) in named if c == colour and named[(c, k)] >= held[(c, k)]]
            named[(colour, kind_ids[word])] += 1
            named_colour[colour] += 1
    return out


def mask(captions, scenes, tokenizer, colours, kinds) -> np.ndarray:
    """A (scenes, positions, vocabulary) boolean array: True where ``negatives`` names a word."""
    colour_ids = dict(zip(tokenizer.convert_tokens_to_ids(list(colours)), colours))
    kind_ids = dict(zip(tokenizer.convert_tokens_to_ids(list(kinds)), kinds))
    out = np.zeros((len(scenes), np.shape(captions)[1] - 1, len(tokenizer)), dtype=bool)
    for i, (ids, scene) in enumerate(zip(np.asarray(captions), scenes)):
        for t, w in negatives(ids, [(s.colour, s.kind) for s in scene.shapes], colour_ids, kind_ids):
            out[i, t, w] = True
    return out


def own(net, memory, scenes, tokenizer, colours, kinds, context: int):
    """The model's own greedy captions of ``memory`` ([SOS] ... [EOS], padded to ``context``) and
    their negatives' mask, for the sequence-level loss."""
    import torch

    from showcase.language.caption_vqa_net import decode

    with torch.no_grad():
        seqs = decode(net, memory, tokenizer.bos_token_id, tokenizer.eos_token_id)
    ids = torch.full((len(seqs), context), tokenizer.pad_token_id)
    for i, seq in enumerate(seqs):
        row = [tokenizer.bos_token_id] + seq[:context - 2] + [tokenizer.eos_token_id]
        ids[i, :len(row)] = torch.tensor(row)
    return ids, torch.from_numpy(mask(ids.numpy(), scenes, tokenizer, colours, kinds))


def loss(logits, negative, n_words):
    """Sum of -log(1 - p(w)) over the negative words, per caption word (``n_words``: the words the
    cross-entropy averages over, so the two losses have one scale)."""
    import torch

    p = torch.softmax(logits, dim=-1)
    return -(torch.log1p(-p.clamp(max=1 - 1e-6)) * negative).sum() / max(int(n_words), 1)
