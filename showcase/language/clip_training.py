"""Training the CLIP tab's tiny CLIP from scratch on generated scenes, with open_clip's own parts.

Data: ``N_SCENES`` training scenes of ``showcase.core.scene_text`` (64 px, one to three shapes;
the held-out colour–shape pairs never appear). Each step draws a batch of scenes and, for each,
its exact description or one of its paraphrases. The model is ``TinyScenes-RN``
(``assets/language/clip/TinyScenes-RN.json``, registered with ``open_clip.add_model_config``),
built by ``open_clip.create_model_and_transforms``; the loss is ``open_clip.ClipLoss``, the
symmetric InfoNCE over the batch; AdamW with a warm-up and a cosine decay, as open_clip's own
training script does. No flips or crops: "left of" must stay true.

Two captions in one batch can be the same words for different scenes ("a red circle"); the loss
then calls one of them wrong. At 30 colour–shape pairs and batches of 256 this happens for the
short paraphrases; keeping the full description most of the time (``P_DESCRIPTION``) keeps it rare.

The weights go to ``tiny_scenes_clip.safetensors`` and the held-out scores (``clip_eval.evaluate``)
to ``model_card.json``, beside the CLIP README's example for comparison.

``--hard-negatives`` fine-tunes those weights the NegCLIP way (Yuksekgonul et al., ICLR 2023):
each image's row of the similarity matrix also holds false texts made of its own caption's words
(``scene_text.negatives``: colours swapped, relation flipped, names swapped; one colour or kind
changed for a single shape), so a bag of words can no longer win; the text-to-image direction
stays the batch's images. A second term asks each image to prefer its true text over each of
its own rearranged twins (a two-way logistic loss): in a softmax over hundreds of texts the few
hard ones weigh little, and at first the plain model barely moved on relations (62% after 150
steps). Half the scenes are drawn ``varied`` (other backgrounds, hues, sizes),
so the model also reads pictures drawn by other code. Weights to ``tiny_scenes_negclip.safetensors``,
card (with the curve: word-order accuracy against minutes) to ``negclip_model_card.json``.

That run alone read word order but lost retrieval (image-to-text 0.95 -> 0.87 on 500 scenes): its
batches held only the fine-tuning pool (mostly two-shape, half varied) at the from-scratch rate.
Later stages (``--ordinary N --lr 1e-4 --start-from tiny_scenes_negclip.safetensors``) add N scenes
of the plain model's own kind to every batch, with no hard negatives of their own, so the ordinary
in-batch task is trained again beside the hard one; each stage's card keeps the earlier ones.

    python -m showcase.language.clip_training              # ~55 min on one shared CPU thread
    python -m showcase.language.clip_training --hard-negatives   # ~25 min, after the plain model
    # then the stages in negclip_model_card.json's "earlier_stages" and "command" (~10 min each)
    python -m showcase.language.clip_training --dry-run    # a few steps, to a temp folder
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from showcase.core import scene_text
from showcase.language import clip, clip_eval, scene_redraw

N_SCENES = 10_000
STEPS = 900
BATCH = 128
LR, WARMUP, WEIGHT_DECAY = 1e-3, 50, 0.1
P_DESCRIPTION = 0.5


def _images_tensor(scenes, preprocess):
    import torch
    from PIL import Image

    return torch.stack([preprocess(Image.fromarray(s.image)) for s in scenes])


def train(out: Path = clip.ASSET_DIR, steps: int = STEPS, batch: int = BATCH, n_scenes: int = N_SCENES,
          lr: float = LR, seed: int = 0, n_eval: int = 500, log=functools.partial(print, flush=True)) -> dict:
    import open_clip
    import torch
    from safetensors.torch import save_file

    torch.set_num_threads(1)  # the machine is shared: one core for training
    start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scene_text.train_tokenizer(out / "tokenizer", context_length=24)
    model, preprocess = clip.build(seed)
    tok = clip.tokenizer(out / "tokenizer")
    log(f"{sum(p.numel() for p in model.parameters()):,} parameters; drawing {n_scenes:,} scenes")
    scenes = scene_text.dataset(n_scenes, 64, split="train")
    images = _images_tensor(scenes, preprocess)                         # (N, 3, 64, 64)
    texts = [[s.description] + s.paraphrases for s in scenes]
    tokens = [tok(t) for t in texts]                                    # per scene (4, context)
    log(f"scenes ready in {time.time() - start:.0f} s")

    loss_fn = open_clip.ClipLoss()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "logit_scale" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "logit_scale" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0}],
                            lr=lr, betas=(0.9, 0.98), eps=1e-6)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    rng = np.random.default_rng(seed)
    model.train()
    for step in range(steps):
        idx = rng.choice(n_scenes, batch, replace=False)
        pick = np.where(rng.random(batch) < P_DESCRIPTION, 0, rng.integers(1, 4, batch))
        text = torch.stack([tokens[i][j] for i, j in zip(idx, pick)])
        image_features, text_features, scale = model(images[torch.as_tensor(idx)], text)
        loss = loss_fn(image_features, text_features, scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        with torch.no_grad():  # CLIP clamps the temperature at 100
            model.logit_scale.clamp_(0, math.log(100))
        if step % 50 == 0 or step == steps - 1:
            log(f"step {step:5d}  loss {loss.item():.3f}  logit_scale {model.logit_scale.exp().item():.1f}  "
                f"{time.time() - start:.0f} s")
        if step % 250 == 249:  # a long run on a shared machine may be stopped: keep the latest weights
            save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()},
                      str(out / "checkpoint.safetensors"))

    model.eval()
    weights = out / clip.WEIGHTS.name
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    (out / "checkpoint.safetensors").unlink(missing_ok=True)
    minutes = (time.time() - start) / 60
    loaded = clip.Clip(model, preprocess, tok, tok.context_length, tok.tokenizer.unk_token_id)
    metrics = clip_eval.evaluate(loaded, n=n_eval)
    log(json.dumps(metrics, indent=1))
    card = {
        "model": clip.MODEL_NAME,
        "architecture": json.loads(clip.CONFIG.read_text()),
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": (f"{n_scenes:,} generated scenes (showcase.core.scene_text, split 'train', seeds 0–{n_scenes - 1}, "
                 f"64 px, 1–3 shapes), each with its description and 3 paraphrases; colour–shape pairs "
                 f"{['%s %s' % p for p in scene_text.HELD_OUT]} never drawn in training"),
        "held_out": (f"retrieval and word order on {n_eval} 'val' scenes (training pairs, unseen seeds); "
                     f"zero-shot on {n_eval // 2} single-shape scenes of the held-out pairs, 30-way"),
        "seed": seed, "steps": steps, "batch": batch, "lr": lr, "loss": "open_clip.ClipLoss",
        "command": "python -m showcase.language.clip_training",
        "training_minutes": round(minutes, 1), "threads": 1,
        "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
        "compare": {"clip_readme": clip.README_EXAMPLE,
                    "note": "The README's probabilities are ViT-B-32 on a real diagram against three "
                            "everyday captions; ours is a toy world of coloured shapes with a 47-word vocabulary."},
    }
    (out / "model_card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and model_card.json in {minutes:.1f} min")
    return card


NEG_STEPS, NEG_BATCH, NEG_LR, NEG_SCENES = 900, 64, 1e-3, 4_000
P_TWO_SHAPES = 0.6     # relations live in two-shape scenes: most of the fine-tuning pool has two shapes


def _scene_texts(scene, tok, rng, either_first: bool = False):
    """Tokens of the scene's texts: (positives, plain positive, sized negatives, plain negatives), one
    tuple per order of naming. The generator names the left shape first, so its true texts say "to the
    left of" and never "to the right of", and a model can learn that "right" means false: with
    ``either_first``, a two-shape scene's texts also come naming the right shape first."""
    sized = [scene.description] + scene.paraphrases[:1] + scene.paraphrases[2:]
    plain = [scene.paraphrases[1]]
    out = [(tok(sized), tok(plain), scene_text.negatives(scene, rng, True), scene_text.negatives(scene, rng, False))]
    if either_first and len(scene.shapes) == 2:
        turned = dataclasses.replace(scene, shapes=scene.shapes[::-1])
        out.append((tok([scene_text.describe(turned.shapes), scene.paraphrases[2]]),
                    tok([scene_text.describe(turned.shapes, sizes=False)]),
                    scene_text.negatives(turned, rng, True), scene_text.negatives(turned, rng, False)))
    return out


def train_hard_negatives(out: Path = clip.ASSET_DIR, steps: int = NEG_STEPS, batch: int = NEG_BATCH,
                         n_scenes: int = NEG_SCENES, lr: float = NEG_LR, seed: int = 0, n_eval: int = 500,
                         start_from: Path = clip.WEIGHTS, max_minutes: float | None = None, ordinary: int = 0,
                         redrawn: float = 0.0, either_first: bool = False, log=functools.partial(print, flush=True)) -> dict:
    """Fine-tune the plain tiny CLIP with hard negatives; write weights and card to ``out``.
    ``max_minutes`` ends training early on a busy machine; the card then records the steps done.
    ``ordinary`` more scenes per batch come from the plain model's own distribution (tidy, 1-3
    shapes) with no hard negatives: they keep the in-batch contrastive task, i.e. retrieval.
    ``redrawn``: the share of the hard pool's pictures drawn afresh each step by ``scene_redraw``
    (same content and texts, another hand), so the words, not the drawer's habits, are learnt."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file, save_file

    torch.set_num_threads(1)  # the machine is shared: one core for training
    start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model, preprocess = clip.build(seed)
    model.load_state_dict(load_file(str(start_from)))
    tok = clip.tokenizer()
    rng = np.random.default_rng(seed)
    two = np.random.default_rng(seed + 1).random(n_scenes) < P_TWO_SHAPES
    scenes = [scene_text.generate(i, 64, split="train", varied=bool(i % 2), n_shapes=2 if two[i] else None)
              for i in range(n_scenes)]
    images = _images_tensor(scenes, preprocess)
    texts = [_scene_texts(s, tok, rng, either_first) for s in scenes]
    negatives = [[(tok(n1) if n1 else None, tok(n2) if n2 else None) for *_, n1, n2 in t] for t in texts]
    if ordinary:  # seeds after the hard pool's, so these are other scenes
        pool = scene_text.dataset(n_scenes, 64, split="train", start=n_scenes)
        pool_images = _images_tensor(pool, preprocess)
        pool_tokens = [tok([s.description] + s.paraphrases) for s in pool]
    log(f"{n_scenes:,} scenes and their hard negatives ready in {time.time() - start:.0f} s")
    probe = clip_eval.two_shape_pairs(100, 64, split="val")
    probe_val = scene_text.dataset(200, 64, split="val")
    probe_redrawn = (scene_redraw.two_shape_pairs(100),) if redrawn else ()
    loaded = clip.Clip(model, preprocess, tok, tok.context_length, tok.tokenizer.unk_token_id)

    def measure():
        model.eval()
        m = clip_eval.hard_negative_accuracy(loaded, *probe)
        r = clip_eval.retrieval_top1(loaded, probe_val)["image_to_text_top1"]
        again = clip_eval.hard_negative_accuracy(loaded, *probe_redrawn[0]) if probe_redrawn else {}
        model.train()
        return {"minutes": round((time.time() - start) / 60, 2), **{k: round(m[k], 3) for k in clip.HARD_TESTS},
                "image_to_text_top1": round(r, 3), **{f"redrawn_{k}": round(again[k], 3) for k in clip.HARD_TESTS
                                                       if k in again}}

    curve = [{"step": 0, **measure()}]
    log(json.dumps(curve[-1]))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 30) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    model.train()
    for step in range(steps):
        idx = rng.choice(n_scenes, batch, replace=False)
        use_plain = rng.random(batch) < 0.5
        chosen, negs, owner = [], [], []
        for row, (i, plain) in enumerate(zip(idx, use_plain)):
            order = int(rng.integers(len(texts[i])))
            sized_tokens, plain_tokens, _, _ = texts[i][order]
            chosen.append(plain_tokens[0] if plain else sized_tokens[int(rng.integers(len(sized_tokens)))])
            neg = negatives[i][order][1 if plain else 0]
            if neg is not None:
                negs.append(neg)
                owner += [row] * len(neg)
        pixels = images[torch.as_tensor(idx)]
        for row in np.flatnonzero(rng.random(batch) < redrawn):
            pixels[row] = preprocess(scene_redraw.redraw(scenes[idx[row]], rng))
        if ordinary:
            extra = rng.choice(n_scenes, ordinary, replace=False)
            pick = np.where(rng.random(ordinary) < P_DESCRIPTION, 0, rng.integers(1, 4, ordinary))
            chosen += [pool_tokens[i][j] for i, j in zip(extra, pick)]
            pixels = torch.cat([pixels, pool_images[torch.as_tensor(extra)]])
        rows = len(chosen)                                              # images = true texts
        text = torch.cat([torch.stack(chosen)] + negs)                  # (rows + hard negatives, context)
        owner = torch.tensor(owner, dtype=torch.long)
        image_features = F.normalize(model.encode_image(pixels), dim=-1)
        text_features = F.normalize(model.encode_text(text), dim=-1)
        scale = model.logit_scale.exp()
        target = torch.arange(rows)
        image_to_text = scale * image_features @ text_features.T          # every text, negatives too
        text_to_image = scale * text_features[:rows] @ image_features.T   # a false text has no image
        loss = (F.cross_entropy(image_to_text, target) + F.cross_entropy(text_to_image, target)) / 2
        if len(owner):  # and each image's own choice between its true text and its rearranged twins
            own = image_to_text[owner, rows + torch.arange(len(owner))]
            true = image_to_text[owner, owner]
            loss = loss + F.softplus(own - true).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 25 == 0:
            log(f"step {step:5d}  loss {loss.item():.3f}  texts {len(text)}  {time.time() - start:.0f} s")
        out_of_time = max_minutes is not None and time.time() - start > 60 * max_minutes
        if step % 50 == 49 or step == steps - 1 or out_of_time:
            curve.append({"step": step + 1, **measure()})
            log(json.dumps(curve[-1]))
            save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()},
                      str(out / clip.NEG_WEIGHTS.name))
        if out_of_time:
            log(f"stopping after {step + 1} steps: {max_minutes} minutes are up")
            steps = step + 1
            break

    model.eval()
    weights = out / clip.NEG_WEIGHTS.name
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    minutes = (time.time() - start) / 60
    metrics = clip_eval.evaluate(loaded, n=n_eval)
    varied = clip_eval.hard_negative_accuracy(loaded, *clip_eval.two_shape_pairs(n_eval // 2, 64, "val", varied=True))
    metrics.update({f"varied_{k}": v for k, v in varied.items()})
    again = clip_eval.hard_negative_accuracy(loaded, *scene_redraw.two_shape_pairs(n_eval // 2))
    metrics.update({f"redrawn_{k}": v for k, v in again.items()})
    log(json.dumps(metrics, indent=1))
    card = {
        "model": f"{clip.MODEL_NAME} + hard negatives",
        "parameters": sum(p.numel() for p in model.parameters()),
        "start_from": f"{start_from.name} (the plain model, its own card)",
        "data": (f"{n_scenes:,} generated 'train' scenes (seeds 0–{n_scenes - 1}, odd seeds drawn varied), "
                 f"each with its description or a paraphrase and its hard negatives (scene_text.negatives)"
                 + (f"; and {ordinary} more per batch from {n_scenes:,} tidy 'train' scenes of 1–3 shapes (seeds "
                    f"{n_scenes}–{2 * n_scenes - 1}), with no hard negatives" if ordinary else "")),
        "held_out": (f"retrieval on {n_eval} 'val' scenes; the three word-order tests on {n_eval // 2} two-shape "
                     f"'val' scenes of two colours and two kinds, tidy, varied (varied_*) and redrawn by scene_redraw (redrawn_*)"),
        "seed": seed, "steps": steps, "batch": batch, "ordinary_per_batch": ordinary, "lr": lr, "redrawn": redrawn,
        "either_first": either_first,
        "loss": "NegCLIP: image-to-text cross-entropy over the batch's texts plus its hard negatives, "
                "text-to-image over the batch's images; plus, per hard negative, softplus(its logit - the true "
                "text's logit), the image's own two-way choice",
        "two_shape_share": P_TWO_SHAPES,
        "command": (f"python -m showcase.language.clip_training --hard-negatives --steps {steps} --seed {seed}"
                    f" --lr {lr:g} --ordinary {ordinary} --redrawn {redrawn:g} --start-from {start_from.name}"
                    + (" --either-first" if either_first else "")),
        "training_minutes": round(minutes, 1), "threads": 1,
        "curve": curve, "curve_note": ("word-order accuracy on 100 two-shape 'val' scenes, and image-to-text top-1 "
                                       "among 200 'val' scenes (fewer candidates than the card's 500), against minutes"),
        "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
        "compare": {"aro": clip.ARO},
    }
    previous = start_from.parent / clip.NEG_CARD.name
    if start_from.name == clip.NEG_WEIGHTS.name and previous.is_file():   # a later stage: keep how the start was made
        before = json.loads(previous.read_text())
        card["earlier_stages"] = before.get("earlier_stages", []) + [
            {k: before[k] for k in ("command", "steps", "lr", "training_minutes", "curve", "metrics") if k in before}]
    (out / clip.NEG_CARD.name).write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and {clip.NEG_CARD.name} in {minutes:.1f} min")
    return card


def refresh_plain_card(n_eval: int = 500, path: Path = clip.CARD) -> dict:
    """Re-measure the plain model's card with today's tests (the word-order ones included)."""
    plain, _, _ = clip.get("bundled")
    card = json.loads(path.read_text())
    metrics = clip_eval.evaluate(plain, n=n_eval)
    varied = clip_eval.hard_negative_accuracy(plain, *clip_eval.two_shape_pairs(n_eval // 2, 64, "val", varied=True))
    metrics.update({f"varied_{k}": v for k, v in varied.items()})
    card["metrics"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
    card["compare"]["aro"] = clip.ARO
    path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--n-scenes", type=int, default=N_SCENES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=clip.ASSET_DIR)
    parser.add_argument("--hard-negatives", action="store_true",
                        help="fine-tune the plain model with hard negatives (NegCLIP) instead")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: each mode's own)")
    parser.add_argument("--ordinary", type=int, default=0,
                        help="--hard-negatives: plain scenes added to each batch, to keep retrieval")
    parser.add_argument("--redrawn", type=float, default=0.0,
                        help="--hard-negatives: share of the hard pool redrawn each step by scene_redraw")
    parser.add_argument("--either-first", action="store_true",
                        help="--hard-negatives: two-shape texts name either shape first (not always the left one)")
    parser.add_argument("--start-from", type=Path, default=clip.WEIGHTS,
                        help="--hard-negatives: the weights to fine-tune (a name in the CLIP folder, or a path)")
    parser.add_argument("--max-minutes", type=float, help="stop training early (busy machine); the card says when")
    parser.add_argument("--refresh-plain-card", action="store_true", help="re-measure the plain model's card")
    parser.add_argument("--dry-run", action="store_true", help="5 steps on 300 scenes, to a temp folder")
    args = parser.parse_args(argv)
    if args.refresh_plain_card:
        print(json.dumps(refresh_plain_card()["metrics"], indent=1))
        return
    if args.hard_negatives:
        if args.dry_run:
            train_hard_negatives(Path(tempfile.mkdtemp(prefix="negclip-dry-")), steps=3, batch=16, n_scenes=64, n_eval=40)
            return
        start_from = args.start_from if args.start_from.exists() else clip.ASSET_DIR / args.start_from
        train_hard_negatives(args.out, NEG_STEPS if args.steps == STEPS else args.steps, seed=args.seed,
                             lr=args.lr or NEG_LR, max_minutes=args.max_minutes, ordinary=args.ordinary,
                             redrawn=args.redrawn, either_first=args.either_first,
                             start_from=start_from)
        return
    if args.dry_run:
        train(Path(tempfile.mkdtemp(prefix="clip-dry-")), steps=5, batch=32, n_scenes=300, n_eval=40)
        return
    train(args.out, args.steps, args.batch, args.n_scenes, seed=args.seed)


if __name__ == "__main__":
    main()
