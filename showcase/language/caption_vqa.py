"""Image captioning and visual question answering on generated scenes, with a network that keeps
where things are.

The bundled model (``caption_vqa_net.SceneNet``, trained here by
``python -m showcase.language.caption_vqa_training``) has one encoder and two heads:

- a CoordConv encoder turns the 64-px picture into an 8×8 grid of cells that know their position;
- **VQA is classification over the 12 answers** of this world (zero–three, yes/no, six colours), the
  standard since Antol et al. (2015): the encoder guesses per cell whether a shape is centred there,
  and its colour and kind; the likeliest cells become object slots, and a Relation Network (Santoro
  et al. 2017) reads every pair of slots with the question (read by a GRU). The first head, FiLM
  (Perez et al. 2018: the question modulates the cells before a sum and a max), is kept as the
  card's comparison (``stage1_film_metrics``). A generative decoder conditioned on the
  question (the previous version of this tab) answered "one" to every count and "yes" to every
  position question: nothing in its patches told it where a shape was or how many there were;
- **captions** come from a small transformer decoder attending to the cells, by greedy or beam search;
  a third stage (``python -m showcase.language.caption_stage``) trained the decoder alone again on
  busier and redrawn scenes, and a fourth (``--encoder``) the encoder with it on scenes redrawn in
  broad star and cross proportions (then the VQA head again): captions naming a shape that is not
  there fell from 3.75% to 2.5% to 0.5% of 400 held-out scenes (greedy) and from 12.5% to 9.6% to
  1.7% of 240 scenes drawn by the tests' code. The rest were a shape the encoder had read right, named
  twice, and a star or cross misread: captions are now **grounded** (``caption_grounded``): they may
  name only the objects the encoder's own per-cell guesses found (read over the picture's eight turns
  and mirror images), as often as found, in the sentence form their count asks for. No caption of the
  400 held-out scenes or of the 240 drawn ones names a shape that is not there.

Why exact names and not only BLEU: BLEU-4 counts shared 4-grams with the references, and most of a
description's words ("a small ... to the left of a large ...") are the same for any scene, so a
caption with the wrong shapes still shares most of its n-grams — the previous model scored BLEU-4
0.40 while naming the right shape in 20% of scenes. The card therefore reports, per number of
shapes, the share of captions that name exactly the scene's colour–shape pairs (``names_exact``),
and how often a caption names a shape that is not there (``invented``), beside BLEU-4 and CIDEr.

To prove that the model looks at the image, every VQA number stands beside a blind baseline that
answers from the question alone (the commonest training answer to that exact question).
Anchors: Relation Networks 94% vs CNN+MLP 63% on Sort-of-CLEVR's relational questions (Santoro et
al. 2017); FiLM 97.7% on CLEVR. BLIP (Li et al., 2022) from the hub when reachable: captioning
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
from showcase.core.cards import read_card
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset
from showcase.core.threads import one_thread
from showcase.language.caption_metrics import (blind_baseline, caption_exactness, caption_scores, clean,  # noqa: F401
                                               invents, named_shapes, names_right, vqa_accuracy)

ASSET_DIR = asset("language", "caption_vqa")
MODEL_DIR = ASSET_DIR / "model"              # config.json, model.safetensors, tokenizer
CARD = ASSET_DIR / "model_card.json"
IMAGE_SIZE, CONTEXT = 64, 32
MAX_QUESTION_CHARS = 200
BEAMS = 4
ANCHORS = {"relation_network_sort_of_clevr_relational": 0.94, "cnn_mlp_sort_of_clevr_relational": 0.63,
           "film_clevr": 0.977, "source": "Santoro et al., NeurIPS 2017 (Sort-of-CLEVR); Perez et al., AAAI 2018 (CLEVR)"}
WHY_BLEU = ("BLEU-4 rewards shared 4-grams, and most words of a description are the same for every scene "
            "(\"a small ... to the left of a large ...\"), so a caption naming the wrong shapes keeps most of its "
            "n-grams: the previous model scored BLEU-4 0.40 while naming the right shape in 20% of scenes. "
            "names_exact counts a caption right only when it names exactly the scene's colour-shape pairs.")
COMPARE = {  # Li et al., BLIP (ICML 2022): ViT-B, 129M images with CapFilt-L; COCO Karpathy test, VQAv2 test-dev
    "blip_coco_bleu4": 39.7, "blip_coco_cider": 133.3, "blip_vqav2_test_dev": 78.25,
    "note": "BLIP captions real photos (COCO) and answers open questions (VQAv2); ours is a toy world of "
            "coloured shapes with a 47-word vocabulary, so its numbers are not comparable, only side by side.",
}

BUNDLED = ModelSpec(name="CoordConv + Relation Network + caption decoder (bundled, toy scenes)", bundled=MODEL_DIR)
HUB_CAPTION = ModelSpec(name="BLIP base captioning (COCO)", hub_repo="Salesforce/blip-image-captioning-base")
HUB_VQA = ModelSpec(name="BLIP base VQA (VQAv2)", hub_repo="Salesforce/blip-vqa-base")


@dataclass
class Loaded:
    net: object                # SceneNet (bundled) or a BLIP model (hub)
    tokenizer: object
    processor: object = None   # BlipProcessor (hub)
    kind: str = "bundled"      # "bundled" | "blip"
    lock: threading.Lock = field(default_factory=threading.Lock)


def _load_bundled(path: Path) -> Loaded:
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    from showcase.language.caption_vqa_net import SceneNet

    config = json.loads((path / "config.json").read_text())
    net = SceneNet(config["vocab_size"], config["width"], config["pad_id"], config.get("relation_head", False))
    net.load_state_dict(load_file(str(path / "model.safetensors")))
    return Loaded(net.eval(), AutoTokenizer.from_pretrained(path))


def _blip_loader(model_class: str):
    def loader(path: Path) -> Loaded:
        import transformers

        processor = transformers.BlipProcessor.from_pretrained(path)
        model = getattr(transformers, model_class).from_pretrained(path).eval()
        return Loaded(model, processor.tokenizer, processor, "blip")
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


def question_ids(tokenizer, question: str) -> list[int]:
    return words(tokenizer, question)[:CONTEXT]


def normalise(images):
    """(B, H, W, 3) uint8 → (B, 3, H, W) float in [-1, 1]."""
    return images.permute(0, 3, 1, 2).float() / 127.5 - 1


def to_tensor(images):
    """PIL images or arrays → (B, 64, 64, 3) uint8, shrunk the way the scenes were (Lanczos)."""
    import torch
    from PIL import Image

    out = []
    for im in images:
        im = im if isinstance(im, Image.Image) else Image.fromarray(np.asarray(im))
        im = im.convert("RGB")
        out.append(np.asarray(im if im.size == (IMAGE_SIZE, IMAGE_SIZE) else im.resize((IMAGE_SIZE,) * 2, Image.LANCZOS)))
    return torch.from_numpy(np.stack(out))


def generate_captions(loaded: Loaded, images, num_beams: int = 1, grounded: bool = True) -> list[str]:
    """Greedy (one beam) or beam-search captions, one per image; ``grounded``: naming only the objects
    the encoder found (``caption_grounded``), else free."""
    import torch

    from showcase.language import caption_grounded
    from showcase.language.caption_vqa_net import decode

    tok = loaded.tokenizer
    with loaded.lock, one_thread(), torch.inference_mode():
        x = normalise(to_tensor(images))
        cells, _ = loaded.net.encoder(x)
        found = caption_grounded.objects(caption_grounded.turned_guesses(loaded.net.encoder, x)) if grounded else None
        rule = caption_grounded.rule(found, tok, num_beams) if grounded else None
        ids = decode(loaded.net, loaded.net.memory(cells), tok.bos_token_id, tok.eos_token_id, beams=num_beams,
                     allowed=rule)
    return [clean(tok.decode(seq, skip_special_tokens=True)) for seq in ids]


def found_objects(loaded: Loaded, images) -> list:
    """The (colour, kind) pairs the encoder found in each image, with their counts (``caption_grounded``)."""
    import torch

    from showcase.language import caption_grounded

    with loaded.lock, one_thread(), torch.inference_mode():
        return caption_grounded.objects(caption_grounded.turned_guesses(loaded.net.encoder, normalise(to_tensor(images))))


def answer_questions(loaded: Loaded, images, questions: list[str]) -> list[tuple[str, float]]:
    """The likeliest of the 12 answers to each (image, question), and its probability."""
    import torch

    from showcase.language.caption_vqa_net import ANSWERS

    tok = loaded.tokenizer
    ids = [question_ids(tok, q) or [tok.unk_token_id] for q in questions]
    batch = torch.full((len(ids), max(map(len, ids))), tok.pad_token_id)
    for i, q in enumerate(ids):
        batch[i, :len(q)] = torch.tensor(q)
    with loaded.lock, one_thread(), torch.inference_mode():
        cells, aux = loaded.net.encoder(normalise(to_tensor(images)))
        probs = torch.softmax(loaded.net.answer_logits(cells, batch, aux), -1)
    best = probs.argmax(-1)
    return [(ANSWERS[int(b)], float(probs[i, b])) for i, b in enumerate(best)]


# ---------------------------------------------------------------------------------------------
# Held-out evaluation (the card's numbers; the tests recompute them)
# ---------------------------------------------------------------------------------------------

def evaluate(loaded: Loaded, scenes, blind: dict | None = None, batch: int = 100, beams: bool = True,
             captions: bool = True) -> dict:
    """The card's held-out numbers on ``scenes``: exact names, BLEU-4/CIDEr (greedy and beam) and
    VQA accuracy per question type beside the blind baseline's (``captions=False``: VQA only)."""
    images = [s.image for s in scenes]
    greedy, beam, answers = [], [], []
    for i in range(0, len(images), batch):
        part = images[i:i + batch]
        if not captions:
            qs = [(im, q) for im, s in zip(part, scenes[i:i + batch]) for _, q, _ in s.qa]
            answers += [a for a, _ in answer_questions(loaded, [im for im, _ in qs], [q for _, q in qs])]
            continue
        greedy += generate_captions(loaded, part)
        if beams:
            beam += generate_captions(loaded, part, num_beams=BEAMS)
        qs = [(im, q) for im, s in zip(part, scenes[i:i + batch]) for _, q, _ in s.qa]
        answers += [a for a, _ in answer_questions(loaded, [im for im, _ in qs], [q for _, q in qs])]
    if not captions:
        return vqa_accuracy(answers, scenes, blind)
    truths = [[(sh.colour, sh.kind) for sh in s.shapes] for s in scenes]
    refs = [[s.description, *s.paraphrases] for s in scenes]
    out = {"n_scenes": len(scenes), **caption_exactness(greedy, truths, "greedy")}
    out.update({f"{k}_greedy": v for k, v in caption_scores(greedy, refs).items()})
    if beams:
        out.update(caption_exactness(beam, truths, "beam"))
        out.update({f"{k}_beam": v for k, v in caption_scores(beam, refs).items()})
    out["exact_caption_greedy"] = float(np.mean([g == s.description for g, s in zip(greedy, scenes)]))
    return {**out, **vqa_accuracy(answers, scenes, blind)}


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
    found = None
    if loaded.kind == "bundled":
        greedy = generate_captions(loaded, [picture])[0]
        beam = generate_captions(loaded, [picture], num_beams=num_beams)[0]
        found = found_objects(loaded, [picture])[0]
    else:
        import torch

        inputs = loaded.processor(images=picture, return_tensors="pt")
        with loaded.lock, one_thread(), torch.inference_mode():
            greedy_ids = loaded.net.generate(**inputs, max_new_tokens=30)
            beam_ids = loaded.net.generate(**inputs, max_new_tokens=30, num_beams=num_beams)
        greedy, beam = (loaded.processor.decode(x[0], skip_special_tokens=True) for x in (greedy_ids, beam_ids))
    metrics = {"caption": greedy, "caption_beam": beam, "num_beams": num_beams,
               "latency_ms": round(1000 * (time.perf_counter() - started), 1), "model": name, "source": source}
    if found is not None:   # what the captions may name (caption_grounded)
        metrics["encoder_objects"] = [f"{c} {k}" for (c, k), n in sorted(found.items()) for _ in range(n)]
    truth = _truth(image) if isinstance(image, (str, Path)) else None
    if truth is not None:
        pairs = [(sh.colour, sh.kind) for sh in truth.shapes]
        metrics["truth"] = truth.description
        metrics["names_right_greedy"], metrics["names_right_beam"] = names_right(greedy, pairs), names_right(beam, pairs)
        metrics.update({f"{k}_vs_truth": round(v, 4) for k, v in
                        caption_scores([greedy], [[truth.description, *truth.paraphrases]]).items()})
    return metrics


def card_metrics() -> dict:
    """The bundled model's held-out numbers (its model card), or {} before it is trained."""
    return read_card(CARD, missing={}).get("metrics", {})


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
            out = loaded.net.generate(**inputs, max_new_tokens=10, output_scores=True, return_dict_in_generate=True)
        answer = loaded.processor.decode(out.sequences[0], skip_special_tokens=True)
        scores = loaded.net.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        probability = float(scores[0].sum().exp())
    metrics = {"answer": answer, "probability": round(probability, 4), "question": question,
               "latency_ms": round(1000 * (time.perf_counter() - started), 1), "model": name, "source": source}
    if note:
        metrics["note"] = note
    if loaded.kind == "bundled":   # how far to trust this answer: its type's held-out score beside a blind guess's
        kind = question_type(question)
        metrics.update({"question_type": kind, **held_out_for(kind),
                        **{f"anchor_{k}": v for k, v in ANCHORS.items() if k != "source"}})
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
    metrics = read_card(CARD)["metrics"]
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
