"""Image captioning and visual question answering with one small encoder–decoder.

The model is transformers' ``VisionEncoderDecoderModel``: a ViT encoder (64-px image, 8-px
patches) and a GPT-2 decoder with cross-attention to the patches, both built from small configs
and trained from scratch on the scenes of ``showcase.core.scene_text`` by
``python -m showcase.language.caption_vqa_training``.

VQA is the *same decoder conditioned on the question*, not a second head. A sequence is either
``[SOS] [CAP] caption [EOS]`` or ``[SOS] [VQA] question ? answer [EOS]``; the task token says what
to write, and for VQA the question tokens are given (no loss on them) and the answer is generated
after the "?". Why one decoder: both tasks need the same thing — words grounded in image regions
through cross-attention — and answers here are words a caption also uses (colours, numbers,
shapes), so each task's data helps the other. A classification head would need a fixed answer
list and a second set of weights; generation keeps the answer open and is how BLIP answers
(its VQA decoder generates the answer from the question's encoding). The answer's probability is
the decoder's softmax at the answer position (every answer in this world is one word).

To prove that the model looks at the image, the card compares VQA accuracy per question type
with a blind baseline that answers from the question alone (the commonest training answer to
that exact question). BLIP (Li et al., 2022) from the hub when reachable: captioning
(``BlipForConditionalGeneration``) and VQA (``BlipForQuestionAnswering``).

    python -m showcase.language.caption_vqa --image scene.png --question "how many circles are there?"
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from showcase.core import scene_text
from showcase.core import checks
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset
from showcase.core.threads import one_thread

ASSET_DIR = asset("language", "caption_vqa")
MODEL_DIR = ASSET_DIR / "model"              # config.json, model.safetensors, tokenizer, image processor
CARD = ASSET_DIR / "model_card.json"
IMAGE_SIZE, CONTEXT = 64, 32
TASKS = ("[CAP]", "[VQA]")
MAX_QUESTION_CHARS = 200
BEAMS = 4
COMPARE = {  # Li et al., BLIP (ICML 2022): ViT-B, 129M images with CapFilt-L; COCO Karpathy test, VQAv2 test-dev
    "blip_coco_bleu4": 39.7, "blip_coco_cider": 133.3, "blip_vqav2_test_dev": 78.25,
    "note": "BLIP captions real photos (COCO) and answers open questions (VQAv2); ours is a toy world of "
            "coloured shapes with a 47-word vocabulary, so its numbers are not comparable, only side by side.",
}

BUNDLED = ModelSpec(name="ViT+GPT-2 tiny (bundled, toy scenes)", bundled=MODEL_DIR)
HUB_CAPTION = ModelSpec(name="BLIP base captioning (COCO)", hub_repo="Salesforce/blip-image-captioning-base")
HUB_VQA = ModelSpec(name="BLIP base VQA (VQAv2)", hub_repo="Salesforce/blip-vqa-base")


@dataclass
class Loaded:
    model: object
    processor: object          # image processor (bundled) or BlipProcessor (hub)
    tokenizer: object
    kind: str                  # "bundled" | "blip"
    lock: threading.Lock = field(default_factory=threading.Lock)


def _load_bundled(path: Path) -> Loaded:
    from transformers import AutoTokenizer, ViTImageProcessor, VisionEncoderDecoderModel

    model = VisionEncoderDecoderModel.from_pretrained(path).eval()
    return Loaded(model, ViTImageProcessor.from_pretrained(path), AutoTokenizer.from_pretrained(path), "bundled")


def _blip_loader(model_class: str):
    def loader(path: Path) -> Loaded:
        import transformers

        processor = transformers.BlipProcessor.from_pretrained(path)
        model = getattr(transformers, model_class).from_pretrained(path).eval()
        return Loaded(model, processor, processor.tokenizer, "blip")
    loader.__name__ = f"load_{model_class}"
    return loader


_BLIP_CAPTION, _BLIP_VQA = _blip_loader("BlipForConditionalGeneration"), _blip_loader("BlipForQuestionAnswering")


def get(model: str, task: str) -> tuple[Loaded, str, str]:
    if model == "bundled":
        loaded, found = load(BUNDLED, _load_bundled)
    elif model == "hub":
        spec, loader = (HUB_CAPTION, _BLIP_CAPTION) if task == "caption" else (HUB_VQA, _BLIP_VQA)
        loaded, found = load(spec, loader, prefer="hub")
    else:
        raise InputError(f"Model must be 'bundled' or 'hub', not {model!r}.")
    return loaded, found.name, found.source


# ---------------------------------------------------------------------------------------------
# The bundled model: sequences, encoding, decoding
# ---------------------------------------------------------------------------------------------

def words(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def sequence(tokenizer, task: str, text: str, answer: str | None = None) -> tuple[list[int], int]:
    """Token ids of one training sequence and how many leading tokens are given (no loss)."""
    prefix = [tokenizer.bos_token_id, tokenizer.convert_tokens_to_ids(task)]
    if answer is None:
        return prefix + words(tokenizer, text) + [tokenizer.eos_token_id], len(prefix)
    question = prefix + words(tokenizer, text)
    return question + words(tokenizer, answer) + [tokenizer.eos_token_id], len(question)


def pixels(loaded: Loaded, images):
    return loaded.processor(images=images, return_tensors="pt")["pixel_values"]


def clean(text: str) -> str:
    """Decoded words joined back the way the generator writes them ("a, b" not "a , b")."""
    return " ".join(text.split()).replace(" ,", ",").replace(" :", ":").replace(" ?", "?")


def generate_captions(loaded: Loaded, images, num_beams: int = 1) -> list[str]:
    import torch

    tok = loaded.tokenizer
    prefix = torch.tensor([[tok.bos_token_id, tok.convert_tokens_to_ids("[CAP]")]] * len(images))
    with loaded.lock, one_thread(), torch.inference_mode():
        out = loaded.model.generate(pixel_values=pixels(loaded, images), decoder_input_ids=prefix,
                                    max_new_tokens=CONTEXT - 2, num_beams=num_beams, do_sample=False,
                                    eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return [clean(tok.decode(seq[2:], skip_special_tokens=True)) for seq in out]


def answer_questions(loaded: Loaded, images, questions: list[str]) -> list[tuple[str, float]]:
    """The likeliest next word after each question, and its probability (one forward pass)."""
    import torch

    tok = loaded.tokenizer
    prompts = [sequence(tok, "[VQA]", q, "")[0][:-1] for q in questions]   # drop the [EOS]
    width = max(map(len, prompts))
    ids = torch.full((len(prompts), width), tok.pad_token_id)
    for i, p in enumerate(prompts):
        ids[i, :len(p)] = torch.tensor(p)
    last = torch.tensor([len(p) - 1 for p in prompts])
    with loaded.lock, one_thread(), torch.inference_mode():
        logits = loaded.model(pixel_values=pixels(loaded, images), decoder_input_ids=ids).logits
    probs = torch.softmax(logits[torch.arange(len(prompts)), last], dim=-1)
    best = probs.argmax(-1)
    return [(tok.convert_ids_to_tokens(int(b)), float(probs[i, b])) for i, b in enumerate(best)]


# ---------------------------------------------------------------------------------------------
# Held-out evaluation (the card's numbers; the tests recompute them)
# ---------------------------------------------------------------------------------------------

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
        if blind is not None and idx:
            guess = [blind["by_question"].get(rows[i][1], blind["by_type"][kind]) for i in idx]
            out[f"blind_{kind}"] = float(np.mean([g == rows[i][2] for g, i in zip(guess, idx)]))
    out["vqa_overall"] = float(np.mean([a == r[2] for a, r in zip(answers, rows)]))
    if blind is not None:
        guess = [blind["by_question"].get(q, blind["by_type"][k]) for k, q, _ in rows]
        out["blind_overall"] = float(np.mean([g == r[2] for g, r in zip(guess, rows)]))
    out["n_questions"] = len(rows)
    return out


def evaluate(loaded: Loaded, scenes, blind: dict | None = None, batch: int = 100) -> dict:
    from PIL import Image

    images = [Image.fromarray(s.image) for s in scenes]
    greedy, beam, answers = [], [], []
    for i in range(0, len(images), batch):
        part = images[i:i + batch]
        greedy += generate_captions(loaded, part)
        beam += generate_captions(loaded, part, num_beams=BEAMS)
        qs = [(im, q) for im, s in zip(part, scenes[i:i + batch]) for _, q, _ in s.qa]
        answers += [a for a, _ in answer_questions(loaded, [im for im, _ in qs], [q for _, q in qs])]
    refs = [[s.description, *s.paraphrases] for s in scenes]
    greedy_scores, beam_scores = caption_scores(greedy, refs), caption_scores(beam, refs)
    return {"bleu4_greedy": greedy_scores["bleu4"], "cider_greedy": greedy_scores["cider"],
            "bleu4_beam": beam_scores["bleu4"], "cider_beam": beam_scores["cider"],
            "exact_caption_greedy": float(np.mean([g == s.description for g, s in zip(greedy, scenes)])),
            "n_scenes": len(scenes), **vqa_accuracy(answers, scenes, blind)}


# ---------------------------------------------------------------------------------------------
# What the tab calls
# ---------------------------------------------------------------------------------------------

def _truth(image) -> scene_text.TextScene | None:
    """The generated scene behind an uploaded PNG, when its tag and every pixel say so."""
    from PIL import Image

    try:
        with Image.open(image) as im:
            return scene_text.truth_for(np.asarray(im.convert("RGB")), im.info)
    except Exception:  # not a path to a tagged PNG: no ground truth, nothing wrong
        return None


def check_question(question) -> str:
    if question is None or not str(question).strip():
        raise InputError("The question is empty: ask about the picture, e.g. \"how many circles are there?\"")
    question = " ".join(checks.unicode_text(question, "The question").split())
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"The question has {len(question):,} characters; the limit is {MAX_QUESTION_CHARS}.")
    return question if question.endswith("?") else question + "?"


def caption(image, model: str = "bundled", num_beams: int = BEAMS) -> dict:
    """Greedy and beam-search captions; the exact description beside them for a generated scene."""
    picture = load_image(image)
    loaded, name, source = get(model, "caption")
    started = time.perf_counter()
    if loaded.kind == "bundled":
        greedy = generate_captions(loaded, [picture])[0]
        beam = generate_captions(loaded, [picture], num_beams=num_beams)[0]
    else:
        import torch

        inputs = loaded.processor(images=picture, return_tensors="pt")
        with loaded.lock, one_thread(), torch.inference_mode():
            greedy_ids = loaded.model.generate(**inputs, max_new_tokens=30)
            beam_ids = loaded.model.generate(**inputs, max_new_tokens=30, num_beams=num_beams)
        greedy, beam = (loaded.processor.decode(x[0], skip_special_tokens=True) for x in (greedy_ids, beam_ids))
    metrics = {"caption": greedy, "caption_beam": beam, "num_beams": num_beams,
               "latency_ms": round(1000 * (time.perf_counter() - started), 1), "model": name, "source": source}
    truth = _truth(image) if isinstance(image, (str, Path)) else None
    if truth is not None:
        metrics["truth"] = truth.description
        metrics.update({f"{k}_vs_truth": round(v, 4) for k, v in
                        caption_scores([greedy], [[truth.description, *truth.paraphrases]]).items()})
    return metrics


def vqa(image, question, model: str = "bundled") -> dict:
    """The answer to ``question`` with its probability; the exact answer for a generated scene."""
    question = check_question(question)
    picture = load_image(image)
    loaded, name, source = get(model, "vqa")
    started = time.perf_counter()
    note = None
    if loaded.kind == "bundled":
        ids = words(loaded.tokenizer, question)
        unknown = ids.count(loaded.tokenizer.unk_token_id)
        if len(ids) + 4 > CONTEXT:
            raise InputError(f"The question is {len(ids)} words; this model reads at most {CONTEXT - 4}.")
        if unknown:
            note = f"{unknown} word(s) outside the model's 47-word vocabulary read as [UNK]"
        answer, probability = answer_questions(loaded, [picture], [question])[0]
    else:
        import torch

        inputs = loaded.processor(images=picture, text=question, return_tensors="pt")
        with loaded.lock, one_thread(), torch.inference_mode():
            out = loaded.model.generate(**inputs, max_new_tokens=10, output_scores=True, return_dict_in_generate=True)
        answer = loaded.processor.decode(out.sequences[0], skip_special_tokens=True)
        scores = loaded.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        probability = float(scores[0].sum().exp())
    metrics = {"answer": answer, "probability": round(probability, 4), "question": question,
               "latency_ms": round(1000 * (time.perf_counter() - started), 1), "model": name, "source": source}
    if note:
        metrics["note"] = note
    if loaded.kind == "bundled":   # how far to trust this answer: its type's held-out score beside a blind guess's
        kind = question_type(question)
        metrics.update({"question_type": kind, **held_out_for(kind)})
    truth = _truth(image) if isinstance(image, (str, Path)) else None
    if truth is not None:
        exact = {q.lower(): a for _, q, a in truth.qa}
        metrics["truth"] = exact.get(question.lower(), _answer_from_shapes(truth, question))
    return metrics


def question_type(question: str) -> str | None:
    """Which of the generator's four question types ``question`` is, by its form; None if none."""
    q = question.lower().rstrip("?").split()
    if q[:2] == ["how", "many"]:
        return "counting"
    if q[:2] == ["what", "colour"]:
        return "colour"
    if q[:2] == ["is", "there"]:
        return "existence"
    if q[:2] == ["is", "the"] and ("left" in q or "above" in q):
        return "position"
    return None


def held_out_for(kind: str | None) -> dict:
    """The card's held-out accuracy of the bundled model on ``kind`` and the blind baseline's."""
    if kind is None or not CARD.is_file():
        return {}
    metrics = json.loads(CARD.read_text())["metrics"]
    return {"held_out_accuracy": metrics.get(f"vqa_{kind}"), "blind_accuracy": metrics.get(f"blind_{kind}")}


def _answer_from_shapes(scene, question: str) -> str | None:
    """The exact answer to a question the generator did not ask, when its form is one it knows."""
    q = question.lower().rstrip("?").split()
    kinds = [s.kind for s in scene.shapes]
    for kind in scene_text.CLASSES:
        if q[:2] == ["how", "many"] and len(q) > 2 and q[2] in (kind + "s", kind + "es"):
            return scene_text.NUMBERS[kinds.count(kind)] if kinds.count(kind) < 4 else str(kinds.count(kind))
        if q[:3] == ["what", "colour", "is"] and q[-1] == kind and kinds.count(kind) == 1:
            return next(s.colour for s in scene.shapes if s.kind == kind)
    if q[:2] == ["is", "there"] and len(q) >= 4 and q[-1] in scene_text.CLASSES:
        if q[-2] in scene_text.COLOURS:
            return "yes" if any((s.colour, s.kind) == (q[-2], q[-1]) for s in scene.shapes) else "no"
        return "yes" if q[-1] in kinds else "no"        # "is there a square?": any colour
    return None


def scene(seed: int, size: int = 224):
    return scene_text.generate(int(seed), size, split="test")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--question")
    parser.add_argument("--model", default="bundled", choices=("bundled", "hub"))
    args = parser.parse_args(argv)
    print(json.dumps(caption(args.image, args.model), ensure_ascii=False))
    if args.question:
        print(json.dumps(vqa(args.image, args.question, args.model), ensure_ascii=False))


if __name__ == "__main__":
    main()
