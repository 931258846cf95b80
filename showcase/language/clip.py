"""CLIP: match images and texts by the cosine of their embeddings (Radford et al., 2021).

Two encoders map an image and a text into one space; training pulls each image towards its own
caption and away from the other captions in the batch (a symmetric cross-entropy over the batch's
similarity matrix, open_clip's ``ClipLoss``). To match one image against several texts, the
cosines are scaled by the learned temperature ``logit_scale`` and a softmax turns them into
probabilities that sum to 1 — which is why CLIP always picks *some* text, right or not.

Models, through ``showcase.core.models``:
- ``TinyScenes-RN`` (bundled): a tiny CLIP registered with ``open_clip.add_model_config`` from
  ``assets/language/clip/TinyScenes-RN.json`` — a small ModifiedResNet image tower (64 px) and a
  2-layer text transformer over a 47-word vocabulary — trained from scratch on the scenes of
  ``showcase.core.scene_text`` by ``python -m showcase.language.clip_training``. It knows only
  that toy world: colours, five shapes, two sizes, left/right/above/below. Words outside it become
  ``[UNK]``, and the result says how many.
- ``ViT-B-32`` (LAION-2B weights) from the hub when it is reachable: the model of the CLIP
  README's example, which gives "a diagram / a dog / a cat" [0.9928, 0.0042, 0.0030].

- ``TinyScenes-RN + hard negatives`` (bundled, ``negclip``): the same model fine-tuned the NegCLIP
  way (``python -m showcase.language.clip_training --hard-negatives``): each image's softmax also
  holds false texts made of its own caption's words (colours swapped, relation flipped, the two
  names swapped), so reading word order is the only way to lower the loss.

The word-order tests (``clip_eval.hard_negative_accuracy``): for a two-shape scene, "a red circle to the
left of a blue square" against the same words rearranged — colours swapped ("a blue circle to the
left of a red square"), the relation flipped ("... to the right of ..."), the names swapped ("a
blue square to the left of a red circle"). A model that only detects which words fit scores each
pair alike (chance is 50%); contrastive models are known to be weak here: on ARO's VG-Relation,
CLIP scores 59% and NegCLIP 81% (Yuksekgonul et al., ICLR 2023, "When and why vision-language
models behave like bags-of-words"). The plain model shows the weakness, the fine-tuned one the fix
on the generator's scenes (tidy and varied); on two-shape pictures drawn by other code (the tests'
drawer) it reaches colours 88%, relation 71%, names 74% — better than the plain model, short of the
generator's numbers. The cause is the texts more than the drawing: the generator names the left shape
first, so no true training text says "to the right of", and on the drawer's scenes whose true text
does, the relation flip scores 4% (53 scenes; 100% where it says "to the left of").
``clip_training --either-first`` trains on texts naming either shape first: a run from these weights
reached 99.5% / 96.5% / 96% there, but lost 1-2 points on the generator's own word-order tests and
zero-shot fell 28% -> 20%, so it is not bundled. Retrieval stays at the plain model's level (95.6%
image-to-text on 500 scenes) because later fine-tuning stages mix ordinary scenes back into each batch (``negclip_model_card.json``).

Reference: Radford et al., "Learning Transferable Visual Models From Natural Language
Supervision", ICML 2021; open_clip (Ilharco et al.), github.com/mlfoundations/open_clip.

    python -m showcase.language.clip --image scene.png --texts "a red circle" "a blue square"
"""

from __future__ import annotations

import argparse
import functools
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from showcase.core import scene_text
from showcase.core import checks
from showcase.core.cards import read_card
from showcase.core.errors import InputError
from showcase.core.images import load_image
from showcase.core.models import ModelSpec, load
from showcase.core.settings import asset
from showcase.core.threads import one_thread

ASSET_DIR = asset("language", "clip")
MODEL_NAME = "TinyScenes-RN"
CONFIG = ASSET_DIR / f"{MODEL_NAME}.json"
WEIGHTS = ASSET_DIR / "tiny_scenes_clip.safetensors"
NEG_WEIGHTS = ASSET_DIR / "tiny_scenes_negclip.safetensors"
NEG_CARD = ASSET_DIR / "negclip_model_card.json"
ARO = {"vg_relation_clip": 0.59, "vg_relation_negclip": 0.81, "vg_attribution_clip": 0.62,
       "vg_attribution_negclip": 0.71, "source": "Yuksekgonul et al., ICLR 2023, Table 6 (ViT-B/32)"}
HARD_TESTS = ("colour_swap", "relation_flip", "swapped_names")
TOKENIZER_DIR = ASSET_DIR / "tokenizer"
CARD = ASSET_DIR / "model_card.json"
MAX_TEXTS = 64              # texts per request: the softmax over more is no longer readable
MAX_CHARS = 300             # per text; longer texts are refused (CLIP reads 77 tokens at most)
MAX_IMAGES = 16
README_EXAMPLE = {"texts": ["a diagram", "a dog", "a cat"], "probabilities": [0.9928, 0.0042, 0.0030],
                  "model": "ViT-B-32 (OpenAI)", "image": "CLIP.png, the CLIP README's diagram"}

BUNDLED = ModelSpec(name=f"{MODEL_NAME} (bundled, toy scenes)", bundled=WEIGHTS)
HUB = ModelSpec(name="ViT-B-32 (LAION-2B)", hub_repo="laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
                hub_files=("open_clip_config.json", "open_clip_model.safetensors"))
NEGCLIP = ModelSpec(name=f"{MODEL_NAME} + hard negatives (bundled, NegCLIP-style)", bundled=NEG_WEIGHTS)
MODELS = {"bundled": BUNDLED, "negclip": NEGCLIP, "hub": HUB}


@dataclass
class Clip:
    """A loaded CLIP: model, preprocessing, tokenizer, and how much of a text the tokenizer keeps."""
    model: object
    preprocess: object
    tokenizer: object
    context_length: int
    unk_id: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


# ---------------------------------------------------------------------------------------------
# Building and loading
# ---------------------------------------------------------------------------------------------

@functools.cache
def register_config() -> None:
    """Make ``TinyScenes-RN`` known to ``open_clip.create_model`` (once per process)."""
    import open_clip

    open_clip.add_model_config(CONFIG)


def tokenizer(directory: Path = TOKENIZER_DIR):
    """open_clip's wrapper around our word-level tokenizer (``scene_text.train_tokenizer``)."""
    from open_clip.tokenizer import HFTokenizer

    context = json.loads(CONFIG.read_text())["text_cfg"]["context_length"]
    return HFTokenizer(str(directory), context_length=context)


def build(seed: int = 0):
    """A randomly initialised tiny CLIP and its eval preprocessing."""
    import open_clip
    import torch

    register_config()
    torch.manual_seed(seed)
    model, _, preprocess = open_clip.create_model_and_transforms(MODEL_NAME, pretrained=None)
    return model, preprocess


def _load_bundled(path: Path) -> Clip:
    import open_clip

    register_config()
    # weights through ``pretrained=``: built empty first, open_clip would log "initialized randomly"
    model, _, preprocess = open_clip.create_model_and_transforms(MODEL_NAME, pretrained=str(path))
    tok = tokenizer()
    return Clip(model.eval(), preprocess, tok, tok.context_length, tok.tokenizer.unk_token_id)


def _load_open_clip_dir(path: Path) -> Clip:
    """A model saved the open_clip way (``open_clip_config.json`` + weights): the hub's ViT-B-32,
    or, in the tests, a tiny random model saved to a temp dir."""
    import open_clip

    name = f"local-dir:{path}"
    model, _, preprocess = open_clip.create_model_and_transforms(name)
    tok = open_clip.get_tokenizer(name)
    unk = getattr(getattr(tok, "tokenizer", None), "unk_token_id", None)
    return Clip(model.eval(), preprocess, tok, int(tok.context_length), unk)


def get(model: str = "bundled") -> tuple[Clip, str, str]:
    """(loaded model, its name, its source) for ``"bundled"`` or ``"hub"``, one per process."""
    if model not in MODELS:
        raise InputError(f"Model must be one of {sorted(MODELS)}, not {model!r}.")
    loader = _load_open_clip_dir if model == "hub" else _load_bundled
    clip, found = load(MODELS[model], loader, prefer="hub" if model == "hub" else "bundled")
    return clip, found.name, found.source


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------

def check_texts(texts, *, max_texts: int = MAX_TEXTS) -> list[str]:
    """Lines of text, stripped; blank lines dropped. Refuse none, too many, or too long."""
    if isinstance(texts, str):
        texts = texts.splitlines()
    texts = [t.strip() for t in (checks.unicode_text(t, "A text") for t in (texts or [])) if t.strip()]
    if not texts:
        raise InputError("Enter at least one text (one per line) to match the image against.")
    if len(texts) > max_texts:
        raise InputError(f"{len(texts)} texts given; the limit is {max_texts}. Keep the likeliest candidates.")
    for i, t in enumerate(texts, 1):
        if len(t) > MAX_CHARS:
            raise InputError(f"Text {i} has {len(t):,} characters; the limit is {MAX_CHARS} "
                             f"(CLIP reads at most a sentence or two). Shorten it.")
    return texts


def tokenize(clip: Clip, texts: list[str]):
    """Token ids (N, context) and the facts a reader should know, as metrics: ``texts_cut`` (the
    1-based numbers of texts cut at the context length), ``unknown_words`` (words read as [UNK]);
    each only when it happened, with ``note`` saying it in English for the API."""
    tokens = clip.tokenizer(texts)
    facts, notes = {}, []
    lengths = (tokens != 0).sum(dim=1)
    cut = [i + 1 for i, n in enumerate(lengths.tolist()) if n >= clip.context_length]
    if cut:
        facts["texts_cut"] = cut
        notes.append(f"text {', '.join(map(str, cut))} cut to {clip.context_length} tokens")
    if clip.unk_id is not None:
        unknown = int((tokens == clip.unk_id).sum())
        if unknown:
            facts["unknown_words"] = unknown
            notes.append(f"{unknown} word(s) outside the model's vocabulary read as [UNK]")
    if notes:
        facts["note"] = "; ".join(notes)
    return tokens, facts


def encode_images(clip: Clip, images: list[Image.Image]):
    import torch

    batch = torch.stack([clip.preprocess(im) for im in images])
    with clip.lock, one_thread(), torch.inference_mode():  # one thread: 13 ms, two: 400 ms here
        return torch.nn.functional.normalize(clip.model.encode_image(batch), dim=-1)


def encode_texts(clip: Clip, tokens):
    import torch

    with clip.lock, one_thread(), torch.inference_mode():  # one thread: 13 ms, two: 400 ms here
        return torch.nn.functional.normalize(clip.model.encode_text(tokens), dim=-1)


def logit_scale(clip: Clip) -> float:
    return float(clip.model.logit_scale.detach().exp())


# ---------------------------------------------------------------------------------------------
# What the tab calls
# ---------------------------------------------------------------------------------------------

@dataclass
class Match:
    table: list[dict]       # one row per text: text, probability, cosine
    metrics: dict


@dataclass
class Heatmap:
    figure: object          # matplotlib Figure: images × texts cosine similarities
    similarity: np.ndarray  # (n_images, n_texts)
    metrics: dict


def card_metrics(model: str = "bundled") -> dict:
    path = NEG_CARD if model == "negclip" else CARD
    return read_card(path, missing={}).get("metrics", {})


def clip_match(image, texts, model: str = "bundled") -> Match:
    """One image against several texts: softmax(logit_scale · cosine) over the texts."""
    import time

    import torch

    texts = check_texts(texts)
    picture = load_image(image)
    clip, name, source = get(model)
    started = time.perf_counter()  # after loading: the first call's load is a cold start, timed apart
    tokens, facts = tokenize(clip, texts)
    image_emb = encode_images(clip, [picture])
    text_emb = encode_texts(clip, tokens)
    cosine = (image_emb @ text_emb.T)[0]                          # (n_texts,)
    scale = logit_scale(clip)
    probs = torch.softmax(scale * cosine, dim=0).numpy().astype(float)
    best = int(np.argmax(probs))
    table = [{"text": t, "probability": float(p), "cosine": float(c)}
             for t, p, c in zip(texts, probs, cosine.numpy())]
    metrics = {"probabilities": {t: round(float(p), 4) for t, p in zip(texts, probs)},
               "best_text": texts[best], "best_probability": round(float(probs[best]), 4),
               "logit_scale": round(scale, 2), "n_texts": len(texts),
               "latency_ms": round(1000 * (time.perf_counter() - started), 1),
               "model": name, "weights": model, "source": source, **facts}
    return Match(table, metrics)


def word_order_compare(image, texts) -> dict:
    """The same image and texts through the plain and the hard-negative model, side by side, with
    each model's held-out word-order scores and ARO's CLIP → NegCLIP numbers beside them."""
    texts = check_texts(texts)
    if len(texts) < 2:
        raise InputError("Give at least two texts made of the same words (e.g. the true one and its colours swapped).")
    out = {}
    for key, weights in (("plain", "bundled"), ("negclip", "negclip")):
        m = clip_match(image, texts, weights).metrics
        card = card_metrics(weights)
        out[key] = {"probabilities": m["probabilities"], "best_text": m["best_text"], "model": m["model"],
                    "source": m["source"], **{t: card.get(t) for t in HARD_TESTS}}
        if "note" in m:
            out["note"] = m["note"]
    out["agree"] = out["plain"]["best_text"] == out["negclip"]["best_text"]
    out["aro_vg_relation_clip"], out["aro_vg_relation_negclip"] = ARO["vg_relation_clip"], ARO["vg_relation_negclip"]
    return out


def similarity_heatmap(images, texts, model: str = "bundled") -> Heatmap:
    """Several images against several texts: the cosine matrix, each row's best text marked."""
    from showcase.core.plots import new_figure

    texts = check_texts(texts, max_texts=MAX_IMAGES)
    images = [im for im in (images or []) if im is not None]
    if not images:
        raise InputError("Add at least one image to compare with the texts.")
    if len(images) > MAX_IMAGES:
        raise InputError(f"{len(images)} images given; the limit is {MAX_IMAGES}.")
    pictures = [load_image(im) for im in images]
    clip, name, source = get(model)
    tokens, facts = tokenize(clip, texts)
    sim = (encode_images(clip, pictures) @ encode_texts(clip, tokens).T).numpy()
    fig, ax = new_figure(1.4 + 0.9 * len(texts), 1.2 + 0.7 * len(images))
    fig.subplots_adjust(left=0.17, right=0.98, bottom=0.4 if len(texts) > 1 else 0.3, top=0.96)
    ax.imshow(sim, cmap="viridis", aspect="auto")
    for i, j in np.ndindex(sim.shape):
        ax.text(j, i, f"{sim[i, j]:.2f}", ha="center", va="center", fontsize=8,
                color="black" if sim[i, j] > sim.mean() else "white",
                fontweight="bold" if j == sim[i].argmax() else "normal")
    ax.set_xticks(range(len(texts)), [t if len(t) < 28 else t[:26] + "…" for t in texts], rotation=35, ha="right")
    ax.set_yticks(range(len(images)), [f"#{i + 1}" for i in range(len(images))])  # no words: both languages read it
    metrics = {"n_images": len(images), "n_texts": len(texts),
               "best_text_per_image": [texts[j] for j in sim.argmax(1)],
               "diagonal_accuracy": (round(float(np.mean(sim.argmax(1) == np.arange(len(images)))), 4)
                                     if len(images) == len(texts) else None),
               "logit_scale": round(logit_scale(clip), 2), "model": name, "source": source, **facts}
    return Heatmap(fig, sim, metrics)


def scene(seed: int, size: int = 224, n_shapes: int | None = None):
    """A test-split scene (any colour–shape pair, held-out ones included) for the tab's examples."""
    return scene_text.generate(int(seed), size, split="test", n_shapes=n_shapes)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--texts", nargs="+", required=True)
    parser.add_argument("--model", default="bundled", choices=sorted(MODELS))
    args = parser.parse_args(argv)
    result = clip_match(args.image, args.texts, args.model)
    for row in sorted(result.table, key=lambda r: -r["probability"]):
        print(f"{row['probability']:.4f}  {row['text']}")
    print(json.dumps(result.metrics, ensure_ascii=False))


if __name__ == "__main__":
    main()
