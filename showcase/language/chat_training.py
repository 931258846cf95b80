"""Training the chat tab's offline model: a small GPT-2 on Python's own documentation.

The text is ``pydoc_data.topics`` (the 79 topics ``help("if")`` shows; ~465,000 characters of the
Python reference manual), shipped with every CPython. Each topic's last 10% (cut at a line break)
is held out for validation. The tokenizer is a byte-level BPE (as GPT-2's) trained with
``tokenizers`` on the training part; the model is ``transformers``' own ``GPT2LMHeadModel`` from a
small ``GPT2Config`` (4 layers, 160 wide, 256-token context, ~1.4 M parameters), trained from
scratch by ``Trainer`` on one CPU thread. It writes plausible Python-doc prose; it does not
answer questions. The card holds the validation loss, its perplexity and a few samples.

References: Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2, 2019);
Sennrich et al., "Neural Machine Translation of Rare Words with Subword Units" (BPE, 2016).

    python -m showcase.language.chat_training              # 3,000 steps on one thread
    python -m showcase.language.chat_training --until 21:45  # stop at 21:45 UTC (the card says how many steps ran)
    python -m showcase.language.chat_training --dry-run    # 3 steps, to a temp folder
"""

from __future__ import annotations

import functools
import json
import math
import tempfile
import time
from pathlib import Path

from showcase.core.schedule import budgeted_cli, dry_run
from showcase.core.settings import asset
from showcase.language.bert_classifier_training import stop_at, wall_clock_schedule

ASSET_DIR = asset("language", "chat")
EOS = "<|endoftext|>"
# A 1,024-token vocabulary: with 4,096 on a 465,000-character manual most tokens were seen a handful
# of times (the first bundled model, 413 steps: 2.26 bits per character, samples barely words).
VOCAB, CONTEXT, WIDTH, LAYERS, HEADS = 1024, 256, 160, 4, 4
STEPS, BATCH, LR, SEED = 3000, 4, 3e-3, 0   # 3000 × 4 blocks: about 20 passes over the ~150,000 training tokens
SAMPLE_PROMPTS = ("The \"for\" statement", "A class definition", "Exceptions are")


def pydoc_texts(held_out: float = 0.1) -> tuple[list[str], list[str]]:
    """(training texts, validation texts): each topic split at the line break nearest its last 10%."""
    from pydoc_data.topics import topics

    train, val = [], []
    for name in sorted(topics):
        text = topics[name]
        cut = text.rfind("\n", 0, int(len(text) * (1 - held_out)))
        cut = cut if cut > 0 else int(len(text) * (1 - held_out))
        train.append(text[:cut])
        val.append(text[cut:])
    return train, val


def train_tokenizer(texts: list[str], vocab: int = VOCAB):
    """A byte-level BPE trained on ``texts``, wrapped as a ``transformers`` fast tokenizer."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(texts, vocab_size=vocab, min_frequency=2, special_tokens=[EOS], show_progress=False)
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token=EOS, bos_token=EOS,
                                   pad_token=EOS, unk_token=EOS, model_max_length=CONTEXT)


def blocks(tokenizer, texts: list[str], context: int = CONTEXT) -> list[dict]:
    """All texts joined by the end-of-text token, cut into full ``context``-token rows."""
    ids: list[int] = []
    for text in texts:
        ids += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    return [{"input_ids": ids[i:i + context], "labels": ids[i:i + context]}
            for i in range(0, len(ids) - context + 1, context)]


def validation_loss(model, rows: list[dict]) -> float:
    """Mean next-token cross-entropy (nats) over the rows. Not ``Trainer.evaluate``: it divides each
    batch's summed loss by all 256 labels of a row, though only 255 are predicted (×255/256)."""
    import torch

    model.eval()
    with torch.inference_mode():
        losses = [model(input_ids=torch.tensor([r["input_ids"]]), labels=torch.tensor([r["labels"]])).loss.item()
                  for r in rows]
    return sum(losses) / len(losses)


def gpt_config(tokenizer):
    from transformers import GPT2Config

    return GPT2Config(vocab_size=len(tokenizer), n_positions=CONTEXT, n_embd=WIDTH, n_layer=LAYERS, n_head=HEADS,
                      bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                      pad_token_id=tokenizer.eos_token_id)


def train(out: Path = ASSET_DIR, steps: int = STEPS, batch: int = BATCH, lr: float = LR, seed: int = SEED,
          deadline: float | None = None, log=functools.partial(print, flush=True)) -> dict:
    """Train tokenizer and model, evaluate on the held-out text, save both and ``model_card.json``."""
    import torch
    from transformers import GPT2LMHeadModel, Trainer, TrainingArguments, default_data_collator, set_seed

    torch.set_num_threads(1)  # the machine is shared: one core for training
    set_seed(seed)
    train_texts, val_texts = pydoc_texts()
    tokenizer = train_tokenizer(train_texts)
    train_rows, val_rows = blocks(tokenizer, train_texts), blocks(tokenizer, val_texts)
    model = GPT2LMHeadModel(gpt_config(tokenizer))
    params = sum(p.numel() for p in model.parameters())
    log(f"{len(train_rows)} training and {len(val_rows)} validation blocks of {CONTEXT}; {params:,} parameters")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpt-train-") as work:
        args = TrainingArguments(
            output_dir=work, max_steps=steps, per_device_train_batch_size=batch,
            learning_rate=lr, warmup_steps=0.05, lr_scheduler_type="cosine", weight_decay=0.1,
            logging_steps=10, save_strategy="no", eval_strategy="no", report_to="none", use_cpu=True, seed=seed,
            data_seed=seed, disable_tqdm=True, dataloader_num_workers=0)
        trainer = Trainer(model=model, args=args, train_dataset=train_rows,
                          data_collator=default_data_collator, callbacks=[stop_at(deadline)],
                          optimizers=wall_clock_schedule(model, lr, deadline, weight_decay=0.1) if deadline else (None, None))
        history = trainer.train()
        seconds = time.perf_counter() - started
        done = trainer.state.global_step
        losses = [{"step": h["step"], "loss": round(h["loss"], 4)} for h in trainer.state.log_history if "loss" in h]
    loss = validation_loss(model, val_rows)
    log(f"trained {done} steps in {seconds:.0f} s; validation loss {loss:.4f}")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)          # config.json, generation_config.json, model.safetensors
    tokenizer.save_pretrained(out)      # tokenizer.json, tokenizer_config.json
    model.eval()
    samples = []
    for i, prompt in enumerate(SAMPLE_PROMPTS):
        torch.manual_seed(seed + i)
        with torch.inference_mode():
            ids = model.generate(**tokenizer(prompt, return_tensors="pt"), max_new_tokens=60, do_sample=True,
                                 temperature=0.8, top_p=0.95, pad_token_id=tokenizer.eos_token_id)
        samples.append({"prompt": prompt, "temperature": 0.8, "top_p": 0.95, "seed": seed + i,
                        "text": tokenizer.decode(ids[0], skip_special_tokens=True)})
    val_tokens = len(val_rows) * CONTEXT
    card = {
        "model": f"GPT2LMHeadModel from GPT2Config: {LAYERS} layers, width {WIDTH}, {HEADS} heads, context {CONTEXT}",
        "name": "pydoc-gpt",
        "parameters": params,
        "tokenizer": f"byte-level BPE (tokenizers), vocabulary {len(tokenizer)}, trained on the training text",
        "data": "pydoc_data.topics of the CPython that trained it: 79 topics of the Python reference; "
                "each topic's last 10% (from a line break) held out",
        "train_tokens": len(train_rows) * CONTEXT, "validation_tokens": val_tokens,
        "validation_characters": sum(map(len, val_texts)),
        "optimiser": f"Trainer: AdamW, learning rate {lr}, weight decay 0.1, batch {batch} × {CONTEXT} tokens, "
                     f"{done} steps; 5% warm-up then cosine to 0 over "
                     + ("the wall-clock time to --until" if deadline else f"{steps} steps"),
        "seed": seed,
        "command": "python -m showcase.language.chat_training"
                   + (f" --until {time.strftime('%H:%M', time.gmtime(deadline))}" if deadline else ""),
        "threads": 1,
        "training_seconds": round(seconds, 1),
        "final_train_loss": round(history.training_loss, 4),
        "loss_curve": losses,
        "held_out": {"validation_loss": round(loss, 4), "perplexity": round(math.exp(loss), 2),
                     "uniform_perplexity": len(tokenizer),
                     # per character, so that tokenizers with other vocabularies compare
                     "bits_per_character": round(loss * val_tokens / sum(map(len, val_texts)) / math.log(2), 4)},
        "samples": samples,
        "note": "A toy trained on one manual: it writes plausible Python-doc prose, not answers.",
    }
    (out / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def main(argv=None) -> None:
    steps, deadline, dry = budgeted_cli(__doc__, "steps", STEPS, "3 steps, to a temp folder", argv)
    if dry:
        dry_run(train, ("training_seconds", "held_out", "samples"), steps=3, batch=2)
    else:
        train(steps=steps, deadline=deadline)


if __name__ == "__main__":
    main()
