"""Character and word language models inside CTC's prefix beam search: spelling that follows the sounds
*and* the language.

A CTC model scores every frame on its own, so it happily writes "compilarterns" when the sounds
fit. A character n-gram model knows which letters follow which in English text; the decoder adds
``alpha`` × log P(character | the previous ``order - 1`` characters) each time a prefix grows by a
character, plus a bonus ``beta`` per character (without it the language model would prefer short
outputs). The n-gram model uses interpolated absolute discounting (Ney et al., 1994): each order
gives away ``DISCOUNT`` of every count to the next shorter context, down to a uniform distribution,
so a character never seen after a context still gets a small probability. A word bigram model
(``WordLM``, the same discounting over words) adds ``gamma`` × log P(word | previous word) each
time a word ends: a word the training text never had gets only the uniform floor's share, so the
search pays for inventing one unless the sounds insist.

The model is counted from the CTC model's own training text (word runs from Python's documentation
and everyday sentences from WordNet's examples, every held-out and development sentence set aside),
so it knows those two domains' words: part of its gain on a held-out set is domain knowledge, which
is what a language model brings to a recogniser in any domain.

References: Hannun et al., "First-Pass Large Vocabulary Continuous Speech Recognition using
Bi-Directional Recurrent DNNs" (2014) for the prefix beam search with a language model;
Ney, Essen and Kneser, "On structuring probabilistic dependencies in stochastic language
modelling" (1994) for absolute discounting.

    python -m showcase.speech.ctc_lm "the compiler turns source code"   # per-character log-probs
"""

from __future__ import annotations

import argparse
import functools
import math
from collections import defaultdict

import numpy as np

from showcase.speech import ctc

ORDER = 6          # five characters of context: about one English syllable and its neighbours
DISCOUNT = 0.75
ALPHA = 0.6        # character-LM weight: chosen on a development set (see asr_training.tune_lm)
BETA = 2.0         # bonus per emitted character
GAMMA = 0.3        # word-bigram weight (all three chosen by --tune-lm: mean CER 0.277 on 2 × 170 dev clips of the
                   # documentation and everyday sentences, stage 8's weights, the LMs counted from both texts)
SYMBOLS = ctc.VOCAB[1:]   # every symbol but the blank


class CharLM:
    """Interpolated absolute-discounting character n-gram model over ``SYMBOLS``."""

    def __init__(self, texts: list[str], order: int = ORDER, discount: float = DISCOUNT):
        self.order, self.discount = order, discount
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for text in texts:
            line = " " * (order - 1) + ctc.normalise_text(text) + " "   # spaces stand for the edges
            for i in range(order - 1, len(line)):
                for n in range(order):              # every context length 0 … order-1
                    self.counts[line[i - n:i]][line[i]] += 1
        self.totals = {h: sum(c.values()) for h, c in self.counts.items()}
        self._cache: dict[tuple[str, str], float] = {}

    def prob(self, history: str, char: str) -> float:
        """P(char | the last order-1 characters of ``history``)."""
        history = (" " * (self.order - 1) + history)[-(self.order - 1):]
        key = (history, char)
        if key not in self._cache:
            p = 1.0 / len(SYMBOLS)
            for n in range(self.order):            # from the empty context up to the longest
                h = history[len(history) - n:] if n else ""
                counts = self.counts.get(h)
                if not counts:
                    continue
                total = self.totals[h]
                p = (max(counts.get(char, 0) - self.discount, 0) + self.discount * len(counts) * p) / total
            self._cache[key] = p
        return self._cache[key]

    def log_prob(self, history: str, char: str) -> float:
        return math.log(self.prob(history, char))


class WordLM:
    """Interpolated absolute-discounting word bigram over the training words; a word never seen
    gets the uniform floor's share only, so the decoder pays for spelling a word the text never had."""

    def __init__(self, texts: list[str], discount: float = DISCOUNT):
        self.discount = discount
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for text in texts:
            words = ["<s>"] + ctc.normalise_text(text).split()
            for prev, word in zip(words, words[1:]):
                self.counts[prev][word] += 1
                self.counts[""][word] += 1
        self.totals = {h: sum(c.values()) for h, c in self.counts.items()}
        self.floor = 1.0 / (len(self.counts[""]) + 1)    # the known words and one "unknown"
        self._cache: dict[tuple[str, str], float] = {}

    def log_prob(self, prev: str, word: str) -> float:
        """log P(word | the word before it, or "<s>" at the start)."""
        key = (prev, word)
        if key not in self._cache:
            p = self.floor
            for h in ("", prev):                          # unigram, then bigram
                counts = self.counts.get(h)
                if not counts:
                    continue
                p = (max(counts.get(word, 0) - self.discount, 0) + self.discount * len(counts) * p) / self.totals[h]
            self._cache[key] = math.log(p)
        return self._cache[key]

    def score_last(self, prefix: str) -> float:
        """log P of the last word of ``prefix`` given the one before it."""
        words = prefix.split()
        return self.log_prob(words[-2] if len(words) > 1 else "<s>", words[-1]) if words else 0.0


def _logsumexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def beam_decode_lm(log_probs: np.ndarray, lm: CharLM, beam_size: int = 16, alpha: float = ALPHA,
                   beta: float = BETA, prune: float = -8.0, words: WordLM | None = None,
                   gamma: float = GAMMA) -> str:
    """CTC prefix beam search over (T, vocab) ``log_probs`` with ``lm`` scored per character.

    Each prefix keeps two acoustic log-probabilities (paths ending in a blank, paths ending in its
    last character) so that "aa" through a blank and "a" repeated stay apart; the language model's
    share is kept apart too and added only for ranking. Symbols below ``prune`` (log) in a frame
    are skipped: they cannot change the best prefixes. With ``words``, each finished word (at its
    space, and at the end) also adds ``gamma`` × log P(word | previous word).
    """
    NEG = -math.inf
    beams = {"": (0.0, NEG, 0.0)}     # prefix → (log p ending in blank, log p ending in char, LM score)
    for frame in log_probs:
        candidates = [i for i in np.flatnonzero(frame > prune)]
        nxt: dict[str, list[float]] = defaultdict(lambda: [NEG, NEG, 0.0])
        for prefix, (pb, pnb, lm_score) in beams.items():
            total = _logsumexp(pb, pnb)
            for i in candidates:
                p = float(frame[i])
                if i == 0:                               # blank: the prefix stays as it is
                    entry = nxt[prefix]
                    entry[0], entry[2] = _logsumexp(entry[0], total + p), lm_score
                    continue
                char = ctc.VOCAB[i]
                last = prefix[-1] if prefix else None
                if char == " " and (not prefix or last == " "):   # no leading or double spaces
                    entry = nxt[prefix]
                    entry[1], entry[2] = _logsumexp(entry[1], total + p), lm_score
                    continue
                grown = prefix + char
                entry = nxt[grown]
                entry[2] = lm_score + alpha * lm.log_prob(prefix, char) + beta
                if char == " " and words is not None:     # a word just ended
                    entry[2] += gamma * words.score_last(prefix)
                if char == last:   # a repeat only grows the prefix after a blank; otherwise it merges
                    entry[1] = _logsumexp(entry[1], pb + p)
                    same = nxt[prefix]
                    same[1], same[2] = _logsumexp(same[1], pnb + p), lm_score
                else:
                    entry[1] = _logsumexp(entry[1], total + p)
        ranked = sorted(nxt.items(), key=lambda kv: _logsumexp(kv[1][0], kv[1][1]) + kv[1][2], reverse=True)
        beams = {k: tuple(v) for k, v in ranked[:beam_size]}
    # the end of the text is a word end: the language model scores a final space too
    def final(prefix: str) -> float:
        end = alpha * lm.log_prob(prefix, " ")
        if words is not None and prefix and prefix[-1] != " ":
            end += gamma * words.score_last(prefix)
        return end

    best = max(beams.items(), key=lambda kv: _logsumexp(kv[1][0], kv[1][1]) + kv[1][2] + final(kv[0]))
    return " ".join(best[0].split())


@functools.cache
def default_lm() -> CharLM:
    """The language model of the CTC model's own training text, counted once per process (~6 s here)."""
    from showcase.speech import asr_data

    return CharLM(asr_data.language_model_text())


@functools.cache
def default_word_lm() -> WordLM:
    """The word bigram of the same training text."""
    from showcase.speech import asr_data

    return WordLM(asr_data.language_model_text())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("text")
    args = parser.parse_args(argv)
    lm, text = default_lm(), ctc.normalise_text(args.text)
    for i, c in enumerate(text):
        print(f"{c!r}: {lm.log_prob(text[:i], c):.2f}")


if __name__ == "__main__":
    main()
