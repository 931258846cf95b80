"""Scores for captions and answers, apart from any model: exact names beside BLEU-4/CIDEr, VQA accuracy per
question type, and the blind (question-only) baseline. Used by ``caption_vqa`` (its card and tab) and its tests.

Why exact names: BLEU-4 counts shared 4-grams with the references, and most words of a description are
the same for every scene, so a caption with the wrong shapes keeps most of its n-grams (see
``caption_vqa.WHY_BLEU``). ``names_right`` counts a caption right only when it names exactly the scene's
colour–shape pairs.
"""

from __future__ import annotations

import numpy as np

from showcase.core import scene_text


def clean(text: str) -> str:
    """Decoded words joined back the way the generator writes them ("a, b" not "a , b")."""
    return " ".join(text.split()).replace(" ,", ",").replace(" :", ":").replace(" ?", "?")


def named_shapes(caption: str) -> list[tuple[str | None, str]]:
    """The (colour, kind) pairs a caption names, in order; colour None when no colour word precedes."""
    plural = {scene_text.plural(k): k for k in scene_text.CLASSES}
    found, previous = [], None
    for word in clean(caption).replace(",", " ").replace(":", " ").split():
        kind = word if word in scene_text.CLASSES else plural.get(word)
        if kind:
            found.append((previous if previous in scene_text.COLOURS else None, kind))
        previous = word
    return found


def names_right(caption: str, truth: list[tuple[str, str]]) -> bool:
    """Whether the caption names exactly the scene's colour–shape pairs (as a multiset)."""
    return sorted(named_shapes(caption), key=str) == sorted(truth, key=str)


def invents(caption: str, truth: list[tuple[str, str]]) -> bool:
    """Whether the caption names a colour–shape pair more often than the scene holds it."""
    named = named_shapes(caption)
    return any(named.count(p) > truth.count(p) for p in set(named))


def caption_scores(candidates: list[str], references: list[list[str]]) -> dict:
    """BLEU-4 and CIDEr from pycocoevalcap's own scorers (corpus level, several references each).
    Its PTB tokenizer needs Java, so texts are split the way our tokenizer splits them."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider

    def split(text: str) -> str:
        return " ".join(text.replace(",", " ,").replace(":", " :").split())

    res = {i: [split(c)] for i, c in enumerate(candidates)}
    gts = {i: [split(r) for r in refs] for i, refs in enumerate(references)}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    cider, _ = Cider().compute_score(gts, res)
    return {"bleu4": float(bleu[3]), "cider": float(cider)}


def blind_baseline(train_scenes) -> dict:
    """Answers from the question alone: the commonest training answer to that exact question,
    else to its question type."""
    from collections import Counter, defaultdict

    by_question, by_type = defaultdict(Counter), defaultdict(Counter)
    for scene in train_scenes:
        for kind, question, answer in scene.qa:
            by_question[question][answer] += 1
            by_type[kind][answer] += 1
    table = {q: c.most_common(1)[0][0] for q, c in by_question.items()}
    fallback = {k: c.most_common(1)[0][0] for k, c in by_type.items()}
    return {"by_question": table, "by_type": fallback}


def vqa_accuracy(answers: list[str], scenes, blind: dict | None = None) -> dict:
    """Accuracy per question type of ``answers`` (in the order of the scenes' questions), and of the
    blind baseline on the same questions."""
    rows = [(kind, q, a) for s in scenes for kind, q, a in s.qa]
    out = {}
    for kind in scene_text.QUESTION_TYPES:
        idx = [i for i, r in enumerate(rows) if r[0] == kind]
        out[f"vqa_{kind}"] = float(np.mean([answers[i] == rows[i][2] for i in idx])) if idx else None
        out[f"n_{kind}"] = len(idx)
        if blind is not None and idx:
            guess = [blind["by_question"].get(rows[i][1], blind["by_type"][kind]) for i in idx]
            out[f"blind_{kind}"] = float(np.mean([g == rows[i][2] for g, i in zip(guess, idx)]))
    out["vqa_overall"] = float(np.mean([a == r[2] for a, r in zip(answers, rows)]))
    if blind is not None:
        guess = [blind["by_question"].get(q, blind["by_type"][k]) for k, q, _ in rows]
        out["blind_overall"] = float(np.mean([g == r[2] for g, r in zip(guess, rows)]))
    out["n_questions"] = len(rows)
    return out


def caption_exactness(captions: list[str], truths: list[list[tuple[str, str]]], suffix: str) -> dict:
    """Share of captions naming every shape right, per number of shapes, and of inventing ones."""
    out = {}
    for n in (1, 2, 3):
        rows = [(c, t) for c, t in zip(captions, truths) if len(t) == n]
        if rows:
            out[f"names_exact_{n}_{suffix}"] = float(np.mean([names_right(c, t) for c, t in rows]))
            out[f"n_{n}_shape_scenes"] = len(rows)
    out[f"names_exact_{suffix}"] = float(np.mean([names_right(c, t) for c, t in zip(captions, truths)]))
    out[f"invented_{suffix}"] = float(np.mean([invents(c, t) for c, t in zip(captions, truths)]))
    return out
