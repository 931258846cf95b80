"""Training on a shared machine by the clock: when to stop, and a learning rate that ends annealed.

On a busy two-core machine the number of steps that fit in the time there is is unknown, so a run
is given a time budget (``--until 15:00``, UTC) and decays its learning rate over steps done or
time used, whichever is further: Li, Yumer & Ramanan's budgeted training (ICLR 2020).

    lr = budgeted_lr(3e-3, step, budget_progress(step, 4000, started, seconds=45 * 60), warmup_steps=300)
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import tempfile
import time
from pathlib import Path
from typing import Callable


def utc_today(hhmm: str | None) -> float | None:
    """'15:00' (UTC, today) as a ``time.time()``; None stays None."""
    if not hhmm:
        return None
    hour, minute = (int(v) for v in hhmm.split(":"))
    now = dt.datetime.now(dt.timezone.utc)
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()


def budget_progress(step: int, steps: int, started: float, seconds: float | None) -> float:
    """How far through a run, 0 to 1: ``step`` of ``steps``, or the ``seconds`` since ``started``
    (a ``time.time()``) when the time budget comes first; ``seconds`` None: steps alone."""
    by_steps = step / steps if steps else 0.0
    by_clock = 0.0 if seconds is None else (time.time() - started) / max(seconds, 1e-9)
    return min(1.0, max(by_steps, by_clock))


def cosine_factor(progress: float, floor: float = 0.0) -> float:
    """A cosine from 1 at ``progress`` 0 down to ``floor`` at 1."""
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def budgeted_lr(peak: float, step: int, progress: float, warmup_steps: int = 0, floor: float = 0.0) -> float:
    """Linear warm-up over ``warmup_steps``, then the cosine over ``progress`` (``budget_progress``):
    short runs need the large early steps and the calm end."""
    warm = min(1.0, step / warmup_steps) if warmup_steps else 1.0
    return peak * warm * cosine_factor(progress, floor)


def budgeted_cli(doc: str, size_flag: str, default: int, dry_help: str, argv=None) -> tuple[int, float | None, bool]:
    """The command line of a training run with a time budget: ``--<size_flag> N``, ``--until HH:MM``
    (UTC) and ``--dry-run``; returns (N, the deadline as a ``time.time()`` or None, dry run or not)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(f"--{size_flag}", type=int, default=default)
    parser.add_argument("--until", help="HH:MM UTC: stop training then (the card says how many steps ran)")
    parser.add_argument("--dry-run", action="store_true", help=dry_help)
    args = parser.parse_args(argv)
    return getattr(args, size_flag.replace("-", "_")), utc_today(args.until), args.dry_run


def dry_run(train: Callable[..., dict], shown: tuple[str, ...], **kwargs) -> dict:
    """``train(folder, **kwargs)`` into a temporary folder, printing the card's ``shown`` fields."""
    with tempfile.TemporaryDirectory() as tmp:
        card = train(Path(tmp), **kwargs)
        print({k: card[k] for k in shown})
    return card
