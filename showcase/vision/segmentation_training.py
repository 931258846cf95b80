"""Training the segmentation tab's U-Net (``showcase.vision.segmentation``) and writing its model card.

The U-Net learns from 600 generated microscopy-like images 128×128 with exact masks
(``showcase.vision.nuclei``), randomly flipped, turned by 90° and gamma-shifted, with the sum of
binary cross-entropy and soft Dice loss (``segmentation.dice_bce_loss``), Adam with a one-cycle
learning rate (Smith & Topin 2019), on one CPU thread. It is then scored on 60 held-out images
256×256 against Otsu's threshold (``segmentation.evaluate``); the card keeps both.

    python -m showcase.vision.segmentation_training             # 1,000 steps: ~25 min on the busy 2-core box
    python -m showcase.vision.segmentation_training --dry-run   # a few steps on a few images, to a temp folder
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from showcase.vision import nuclei
from showcase.vision.segmentation import (ASSET_DIR, CARD, EVAL_SEEDS, PAPER_IOU, WEIGHTS, UNet, dice_bce_loss,
                                          evaluate, normalise)

TRAIN_SEEDS = range(0, 600)            # 128×128 training images


def augment(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random flips, 90° turns and gamma: the labels move with the pixels."""
    k = int(torch.randint(0, 4, (1,), generator=gen))
    x, y = torch.rot90(x, k, (2, 3)), torch.rot90(y, k, (2, 3))
    if torch.rand(1, generator=gen) < 0.5:
        x, y = x.flip(3), y.flip(3)
    gamma = torch.exp(torch.empty(x.shape[0], 1, 1, 1).uniform_(-0.4, 0.4, generator=gen))
    return x.clamp_min(0) ** gamma, y


def train(out: Path = ASSET_DIR, steps: int = 1000, batch_size: int = 8, lr: float = 3e-3, seed: int = 0,
          n_train: int = len(TRAIN_SEEDS), n_eval: int = len(EVAL_SEEDS), log=print) -> dict:
    """Train the U-Net from scratch on one CPU thread; write weights and model card to ``out``."""
    torch.set_num_threads(1)  # the machine is shared: one core for training, measured times assume it
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    x_np, y_np = nuclei.batch(list(TRAIN_SEEDS)[:n_train], size=128)
    x_all, y_all = torch.from_numpy(np.stack([normalise(im[0]) for im in x_np])[:, None]), torch.from_numpy(y_np)
    log(f"generated {len(x_all)} training images in {time.perf_counter() - started:.1f} s")

    architecture = {"in_channels": 1, "base": 8, "depth": 3}
    model = UNet(**architecture)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=max(steps, 2), pct_start=0.1)
    losses = []
    for step in range(steps):
        model.train()
        index = torch.randint(0, len(x_all), (batch_size,), generator=gen)
        x, y = augment(x_all[index], y_all[index], gen)
        loss = dice_bce_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if step % 100 == 0 or step == steps - 1:
            log(f"step {step:5d}  loss {np.mean(losses[-100:]):.4f}  {time.perf_counter() - started:.0f} s")
    seconds = time.perf_counter() - started
    held_out = evaluate(model, list(EVAL_SEEDS)[:n_eval])
    log(f"held-out: {held_out}")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / WEIGHTS.name))
    card = {
        "model": "U-Net (Ronneberger et al. 2015), 8 base channels, 3 poolings, same padding, batch norm",
        "architecture": architecture,
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": (f"{n_train} generated nuclei images 128×128 (showcase.vision.nuclei, seeds "
                 f"{TRAIN_SEEDS.start}–{TRAIN_SEEDS.start + n_train - 1}), random flips, 90° turns and gamma"),
        "held_out_data": (f"{n_eval} generated images 256×256, seeds {EVAL_SEEDS.start}–{EVAL_SEEDS.start + n_eval - 1}"),
        "loss": "binary cross-entropy + soft Dice",
        "optimiser": f"Adam, one-cycle learning rate up to {lr}, batch {batch_size}, {steps} steps",
        "seed": seed,
        "command": "python -m showcase.vision.segmentation_training",
        "threads": 1,
        "training_seconds": round(seconds, 1),
        "final_train_loss": round(float(np.mean(losses[-50:])), 4),
        "held_out_threshold": 0.5,
        "held_out": held_out,
        "compare": {"paper_iou_phc_u373": PAPER_IOU},
    }
    (out / CARD.name).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--out", default=str(ASSET_DIR))
    parser.add_argument("--dry-run", action="store_true", help="a few steps on a few images, to a temp folder")
    args = parser.parse_args(argv)
    if args.dry_run:
        card = train(Path(tempfile.mkdtemp(prefix="unet-dry-")), steps=3, n_train=8, n_eval=2)
    else:
        card = train(Path(args.out), steps=args.steps)
    print(json.dumps(card["held_out"]))


if __name__ == "__main__":
    main()
