"""Training the captioning/VQA network (``caption_vqa_net.SceneNet``) from scratch on generated scenes.

- Data: ``N_SCENES`` scenes of ``showcase.core.scene_text`` (split ``train_all``: every colour–shape
  pair, seeds apart from every held-out split), half drawn tidy and half ``varied`` (other
  backgrounds, hues, sizes, spacing), so the model also reads pictures drawn by other code.
- Each step, for a batch of scenes: the caption loss (next word of the exact description, teacher
  forcing), one of the scene's questions (cross-entropy over the 12 answers), and the encoder's
  auxiliary loss (which cells hold a shape's centre, and its colour and kind).
- AdamW, warm-up then cosine decay, one CPU thread. Every ``EVAL_EVERY`` steps the curve gets a
  point: VQA accuracy per question type and the share of captions naming every shape right, on
  ``N_CURVE`` held-out ``test`` scenes, against minutes.

Then scored on ``N_TEST`` held-out ``test`` scenes (``caption_vqa.evaluate``) and written with the
command, seed, sample sizes and curve to ``model_card.json``.

    python -m showcase.language.caption_vqa_training              # ~35 min on one shared CPU thread
    python -m showcase.language.caption_vqa_training --dry-run    # a few steps, to a temp folder
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from showcase.core import scene_text
from showcase.core.cards import read_card
from showcase.language import caption_vqa as cv
from showcase.language import caption_vqa_net as nets

N_SCENES, N_TEST, N_CURVE = 10_000, 400, 120
STEPS, BATCH, LR, EVAL_EVERY = 2_000, 48, 2e-3, 150


def aux_targets(scenes) -> np.ndarray:
    """(N, 3, 8, 8): per cell the colour and kind index of the shape centred there, else -1
    (channel 0: 1 where a centre is, 0 elsewhere)."""
    out = np.full((len(scenes), 3, nets.GRID, nets.GRID), -1, dtype=np.int64)
    out[:, 0] = 0
    colours, kinds = list(scene_text.COLOURS), list(scene_text.CLASSES)
    for i, s in enumerate(scenes):
        for shape in s.shapes:
            gx, gy = (min(int(v * nets.GRID), nets.GRID - 1) for v in (shape.x, shape.y))
            out[i, :, gy, gx] = (1, colours.index(shape.colour), kinds.index(shape.kind))
    return out


def prepare(scenes, tok):
    """Tensors for training: images, aux targets, caption ids, and every question per scene."""
    import torch

    images = torch.from_numpy(np.stack([s.image for s in scenes]))
    captions = torch.full((len(scenes), nets.CONTEXT), tok.pad_token_id)
    for i, ids in enumerate(tok([s.description for s in scenes])["input_ids"]):
        captions[i, :len(ids)] = torch.tensor(ids[:nets.CONTEXT])
    questions = [[(cv.question_ids(tok, q), nets.ANSWERS.index(a)) for _, q, a in s.qa] for s in scenes]
    return images, torch.from_numpy(aux_targets(scenes)), captions, questions


def aux_loss(guess, aux):
    """The encoder's per-cell loss: is a shape centred here, and if so its colour and kind (what
    the Relation Network's object slots read)."""
    import torch.nn.functional as F

    centre = aux[:, 0].float()
    loss = F.binary_cross_entropy_with_logits(guess[:, 0], centre, pos_weight=guess.new_tensor(8.0))
    n_colours = len(scene_text.COLOURS)
    return loss + F.cross_entropy(guess[:, 1:1 + n_colours], aux[:, 1], ignore_index=-1) \
        + F.cross_entropy(guess[:, 1 + n_colours:], aux[:, 2], ignore_index=-1)


def losses(net, images, aux, captions, question_ids, answers, pad_id: int) -> dict:
    import torch.nn.functional as F

    cells, guess = net.encoder(cv.normalise(images))
    logits = net.caption_logits(net.memory(cells), captions[:, :-1])
    caption_loss = F.cross_entropy(logits.flatten(0, 1), captions[:, 1:].flatten(), ignore_index=pad_id)
    vqa_loss = F.cross_entropy(net.answer_logits(cells, question_ids), answers)
    return {"caption": caption_loss, "vqa": vqa_loss, "aux": aux_loss(guess, aux)}


def curve_point(loaded, scenes, start: float, step: int) -> dict:
    loaded.net.eval()
    m = cv.evaluate(loaded, scenes, beams=False)
    loaded.net.train()
    keep = [f"vqa_{k}" for k in scene_text.QUESTION_TYPES] + ["names_exact_greedy"]
    return {"step": step, "minutes": round((time.time() - start) / 60, 2), **{k: round(m[k], 3) for k in keep}}


def train(out: Path = cv.MODEL_DIR, n_scenes: int = N_SCENES, n_test: int = N_TEST, steps: int = STEPS,
          batch: int = BATCH, lr: float = LR, seed: int = 0, n_curve: int = N_CURVE, eval_every: int = EVAL_EVERY,
          max_minutes: float | None = None, log=functools.partial(print, flush=True)) -> dict:
    """Train, score and write the card; ``max_minutes`` ends training early on a busy machine (the
    card's command then names the steps done)."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    torch.set_num_threads(1)  # the machine is shared: one core for training
    torch.manual_seed(seed)
    start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scene_text.train_tokenizer(out, context_length=nets.CONTEXT)
    tok = AutoTokenizer.from_pretrained(out)
    scenes = [scene_text.generate(i, nets.IMAGE_SIZE, split="train_all", varied=bool(i % 2)) for i in range(n_scenes)]
    images, aux, captions, questions = prepare(scenes, tok)
    net = nets.SceneNet(len(tok), pad_id=tok.pad_token_id)
    loaded = cv.Loaded(net, tok)
    held = scene_text.dataset(n_curve, nets.IMAGE_SIZE, split="test")
    log(f"{sum(p.numel() for p in net.parameters()):,} parameters; {n_scenes:,} scenes ready in "
        f"{time.time() - start:.0f} s")
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    rng = np.random.default_rng(seed)
    curve = []
    net.train()
    for step in range(steps):
        idx = rng.choice(n_scenes, batch, replace=False)
        picked = [questions[i][int(rng.integers(len(questions[i])))] for i in idx]
        q_ids = torch.full((batch, max(len(q) for q, _ in picked)), tok.pad_token_id)
        for row, (q, _) in enumerate(picked):
            q_ids[row, :len(q)] = torch.tensor(q)
        answers = torch.tensor([a for _, a in picked])
        parts = losses(net, images[idx], aux[idx], captions[idx], q_ids, answers, tok.pad_token_id)
        loss = sum(parts.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        if step % 50 == 0:
            log(f"step {step:5d}/{steps}  " + "  ".join(f"{k} {v.item():.3f}" for k, v in parts.items())
                + f"  {time.time() - start:.0f} s")
        out_of_time = max_minutes is not None and time.time() - start > 60 * max_minutes
        if (step + 1) % eval_every == 0 or step == steps - 1 or out_of_time:
            curve.append(curve_point(loaded, held, start, step + 1))
            log(json.dumps(curve[-1]))
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "model.safetensors"))
        if out_of_time:
            log(f"stopping after {step + 1} steps: {max_minutes} minutes are up")
            steps = step + 1
            break
    net.eval()
    minutes = (time.time() - start) / 60
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps({"vocab_size": len(tok), "width": nets.WIDTH,
                                                 "pad_id": tok.pad_token_id, "answers": list(nets.ANSWERS)}) + "\n")
    blind = cv.blind_baseline(scene_text.dataset(4000, 16, split="train_all"))
    test = scene_text.dataset(n_test, nets.IMAGE_SIZE, split="test")
    metrics = cv.evaluate(loaded, test, blind)
    log(json.dumps(metrics, indent=1))
    card = {
        "model": "SceneNet: CoordConv encoder (8×8 cells) + FiLM VQA head over 12 answers + 2-layer transformer "
                 "caption decoder (caption_vqa_net.py)",
        "parameters": sum(p.numel() for p in net.parameters()),
        "data": (f"{n_scenes:,} generated scenes (showcase.core.scene_text, split 'train_all', seeds 0–{n_scenes - 1}, "
                 f"odd seeds drawn varied, 64 px, 1–3 shapes); per step {batch} scenes: description, one question, "
                 f"centre/colour/kind of each shape's cell"),
        "held_out": (f"{n_test} 'test' scenes (seeds disjoint from training, tidy drawing); BLEU/CIDEr references: "
                     f"description + 3 paraphrases; blind baseline from the questions of 4,000 training scenes"),
        "seed": seed, "steps": steps, "batch": batch, "lr": lr,
        "command": f"python -m showcase.language.caption_vqa_training --steps {steps} --seed {seed}",
        "training_minutes": round(minutes, 1), "threads": 1,
        "curve": curve, "curve_note": f"held-out accuracy on {n_curve} 'test' scenes against minutes of training",
        "metric_library": "pycocoevalcap Bleu(4) and Cider (no PTB tokenizer: it needs Java)",
        "why_bleu_hid_it": cv.WHY_BLEU,
        "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
        "compare": cv.COMPARE,
    }
    card_path = out.parent / "model_card.json" if out == cv.MODEL_DIR else out / "model_card.json"
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {out} and {card_path.name} in {minutes:.1f} min")
    return card


RN_SCENES, RN_STEPS, RN_BATCH, RN_LR = 3_000, 1_200, 128, 2e-3


def all_questions(scene, rng) -> list[tuple[str, str, str]]:
    """Every question the generator's templates can ask of ``scene`` (counts of all five kinds,
    colour of each kind drawn once, position of each ordered pair of those, existence of each
    present pair and of two absent ones): ~12 per scene instead of ~3."""
    kinds = [s.kind for s in scene.shapes]
    qa = [("counting", f"how many {scene_text.plural(k)} are there?", scene_text.NUMBERS[kinds.count(k)])
          for k in scene_text.CLASSES]
    once = [s for s in scene.shapes if kinds.count(s.kind) == 1]
    qa += [("colour", f"what colour is the {s.kind}?", s.colour) for s in once]
    qa += [scene_text.position_qa(a, b) for a in once for b in once if a is not b]
    present = sorted({(s.colour, s.kind) for s in scene.shapes})
    absent = [p for p in scene_text.ALL_PAIRS if p not in present]
    for i in rng.choice(len(absent), 2, replace=False):
        present.append(absent[int(i)])
    qa += [("existence", f"is there {scene_text.article(f'{c} {k}')}?",
            "yes" if any((s.colour, s.kind) == (c, k) for s in scene.shapes) else "no") for c, k in present]
    return qa


def train_relation_head(out: Path = cv.MODEL_DIR, n_scenes: int = RN_SCENES, steps: int = RN_STEPS,
                        batch: int = RN_BATCH, lr: float = RN_LR, seed: int = 0, n_test: int = N_TEST,
                        n_curve: int = N_CURVE, write_card: bool = True,
                        log=functools.partial(print, flush=True)) -> dict:
    """Stage 2: a Relation Network over the trained encoder's object slots answers the questions.
    The encoder, decoder and word embeddings stay as stage 1 left them (captions do not change);
    the question GRU and the relation head learn, on fresh ``train_all`` scenes. ``write_card=False``
    (a later stage re-running this one on its new encoder): return the stage's own numbers instead."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    start = time.time()
    out = Path(out)
    tok = AutoTokenizer.from_pretrained(out)
    config = json.loads((out / "config.json").read_text())
    net = nets.SceneNet(config["vocab_size"], config["width"], config["pad_id"], relation_head=True)
    net.load_state_dict(load_file(str(out / "model.safetensors")), strict=False)
    net.eval()
    rng = np.random.default_rng(seed + 2)
    first = 1_000_000   # seeds apart from stage 1's
    scenes = [scene_text.generate(first + i, nets.IMAGE_SIZE, split="train_all", varied=bool(i % 2))
              for i in range(n_scenes)]
    with torch.no_grad():
        objects = torch.cat([nets.slots(net.encoder(cv.normalise(torch.from_numpy(np.stack([s.image for s in
                             scenes[i:i + 200]]))))[1]) for i in range(0, n_scenes, 200)])
    rows = [(i, cv.question_ids(tok, q), nets.ANSWERS.index(a)) for i, s in enumerate(scenes)
            for _, q, a in all_questions(s, rng)]
    log(f"stage 2: {n_scenes:,} scenes, {len(rows):,} questions, slots ready in {time.time() - start:.0f} s")
    for p in net.parameters():
        p.requires_grad_(False)
    trainable = list(net.question.parameters()) + list(net.relation.parameters())
    for p in trainable:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    loaded = cv.Loaded(net, tok)
    held = scene_text.dataset(n_curve, nets.IMAGE_SIZE, split="test")
    curve = []
    for step in range(steps):
        pick = rng.choice(len(rows), batch, replace=False)
        ids = torch.full((batch, max(len(rows[k][1]) for k in pick)), tok.pad_token_id)
        for r, k in enumerate(pick):
            ids[r, :len(rows[k][1])] = torch.tensor(rows[k][1])
        scene_idx = torch.tensor([rows[k][0] for k in pick])
        answers = torch.tensor([rows[k][2] for k in pick])
        logits = net.relation(objects[scene_idx], net.read_question(ids))
        loss = F.cross_entropy(logits, answers)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        if step % 100 == 0:
            log(f"stage 2 step {step:5d}/{steps}  vqa {loss.item():.3f}  {time.time() - start:.0f} s")
        if (step + 1) % 250 == 0 or step == steps - 1:
            m = cv.evaluate(loaded, held, captions=False)
            curve.append({"step": step + 1, "minutes": round((time.time() - start) / 60, 2),
                          **{f"vqa_{k}": round(m[f"vqa_{k}"], 3) for k in scene_text.QUESTION_TYPES}})
            log(json.dumps(curve[-1]))
    for p in net.parameters():
        p.requires_grad_(True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "model.safetensors"))
    config["relation_head"] = True
    (out / "config.json").write_text(json.dumps(config) + "\n")
    blind = cv.blind_baseline(scene_text.dataset(4000, 16, split="train_all"))
    metrics = cv.evaluate(loaded, scene_text.dataset(n_test, nets.IMAGE_SIZE, split="test"), blind)
    if not write_card:
        return {"metrics": metrics, "questions": len(rows), "minutes": round((time.time() - start) / 60, 1),
                "curve": curve}
    card_path = out.parent / "model_card.json" if out == cv.MODEL_DIR else out / "model_card.json"
    card = read_card(card_path)
    card["stage1_film_metrics"] = {k: v for k, v in card["metrics"].items() if k.startswith(("vqa_", "blind_"))}
    card["metrics"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
    card["model"] += "; VQA answered by a Relation Network over the encoder's 4 likeliest object cells (stage 2)"
    card["parameters"] = sum(p.numel() for p in net.parameters())
    card["stage2"] = {"command": f"python -m showcase.language.caption_vqa_training --relation-stage --seed {seed}",
                      "scenes": n_scenes, "questions": len(rows), "steps": steps, "batch": batch, "lr": lr,
                      "minutes": round((time.time() - start) / 60, 1), "curve": curve,
                      "why": "the FiLM head, trained jointly, stayed near the blind baseline on counting and position "
                             "(stage1_film_metrics); a Relation Network over object slots is the Sort-of-CLEVR recipe"}
    card["command"] = card["command"] + " && " + card["stage2"]["command"]
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    log(json.dumps(metrics, indent=1))
    return card


def refresh_card(out: Path = cv.MODEL_DIR, n_test: int = N_TEST) -> dict:
    """Re-measure the bundled weights on the card's held-out set and rewrite its metrics."""
    from showcase.core import models

    models.forget_loaded()
    loaded, _, _ = cv.get("bundled", "caption")
    card_path = out.parent / "model_card.json"
    card = read_card(card_path)
    blind = cv.blind_baseline(scene_text.dataset(4000, 16, split="train_all"))
    metrics = cv.evaluate(loaded, scene_text.dataset(n_test, nets.IMAGE_SIZE, split="test"), blind)
    card["metrics"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-scenes", type=int, default=N_SCENES)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=cv.MODEL_DIR)
    parser.add_argument("--max-minutes", type=float, help="stop training early (busy machine); the card says when")
    parser.add_argument("--dry-run", action="store_true", help="5 steps on 200 scenes, to a temp folder")
    parser.add_argument("--refresh-card", action="store_true", help="re-measure the bundled weights' card")
    parser.add_argument("--relation-stage", action="store_true",
                        help="stage 2: train the Relation Network VQA head on the trained encoder's object slots")
    args = parser.parse_args(argv)
    if args.relation_stage:
        if args.dry_run:
            out = Path(tempfile.mkdtemp(prefix="caption-dry-"))
            train(out, n_scenes=200, n_test=20, steps=5, batch=16, n_curve=10, eval_every=5)
            train_relation_head(out, n_scenes=50, steps=5, batch=16, n_test=20, n_curve=10)
            shutil.rmtree(out, ignore_errors=True)
            return
        train_relation_head(args.out, seed=args.seed)
        return
    if args.refresh_card:
        print(json.dumps(refresh_card(args.out)["metrics"], indent=1))
        return
    if args.dry_run:
        out = Path(tempfile.mkdtemp(prefix="caption-dry-"))
        train(out, n_scenes=200, n_test=20, steps=5, batch=16, n_curve=10, eval_every=5)
        shutil.rmtree(out, ignore_errors=True)
        return
    train(args.out, args.n_scenes, steps=args.steps, seed=args.seed, max_minutes=args.max_minutes)


if __name__ == "__main__":
    main()
