"""Training the captioning/VQA model from scratch with transformers' own classes.

- Tokenizer: word level, built with ``tokenizers`` over the scene generator's vocabulary plus the
  task tokens ``[CAP]`` and ``[VQA]`` (``scene_text.train_tokenizer``).
- Model: ``VisionEncoderDecoderModel`` from a ``ViTConfig`` (64-px images, 8-px patches) and a
  ``GPT2Config`` decoder with cross-attention, both small, randomly initialised.
- Data: ``N_SCENES`` training scenes (held-out colour–shape pairs never drawn); each scene gives
  one caption sequence (its description or a paraphrase, a different one each epoch) and its
  question–answer sequences, with the loss on the answer only (``caption_vqa.sequence``).
- Trainer: ``Seq2SeqTrainer`` on one CPU thread, AdamW with warm-up and linear decay.

Then scored on ``N_TEST`` held-out ``val`` scenes: BLEU-4 and CIDEr of greedy and beam captions
(pycocoevalcap), VQA accuracy per question type against the blind question-only baseline.

    python -m showcase.language.caption_vqa_training              # ~35 min on one shared CPU thread
    python -m showcase.language.caption_vqa_training --dry-run    # a few steps, to a temp folder
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from showcase.core import scene_text
from showcase.language import caption_vqa as cv

N_SCENES, N_TEST = 4_000, 300
EPOCHS, BATCH, LR = 2, 64, 1e-3


class SceneSequences:
    """A torch-style dataset: per item the pixels, the decoder input and the labels."""

    def __init__(self, scenes, tokenizer, pixel_values, epoch_seed: int = 0):
        self.items, self.pixels = [], pixel_values
        rng = np.random.default_rng(epoch_seed)
        for i, s in enumerate(scenes):
            texts = [s.description, *s.paraphrases]
            self.items.append((i, *cv.sequence(tokenizer, "[CAP]", texts[int(rng.integers(len(texts)))])))
            for _, question, answer in s.qa:
                self.items.append((i, *cv.sequence(tokenizer, "[VQA]", question, answer)))
        self.pad = tokenizer.pad_token_id

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        import torch

        i, ids, given = self.items[k]
        ids = ids[:cv.CONTEXT + 1]
        inputs = torch.full((cv.CONTEXT,), self.pad)
        labels = torch.full((cv.CONTEXT,), -100)
        inputs[:len(ids) - 1] = torch.tensor(ids[:-1])
        labels[:len(ids) - 1] = torch.tensor(ids[1:])
        labels[:given - 1] = -100                                  # no loss on the prefix / question
        return {"pixel_values": self.pixels[i], "decoder_input_ids": inputs, "labels": labels}


def build_model(tokenizer, seed: int = 0):
    import torch
    from transformers import GPT2Config, ViTConfig, VisionEncoderDecoderConfig, VisionEncoderDecoderModel

    torch.manual_seed(seed)
    encoder = ViTConfig(image_size=cv.IMAGE_SIZE, patch_size=8, hidden_size=96, num_hidden_layers=3,
                        num_attention_heads=3, intermediate_size=192)
    decoder = GPT2Config(vocab_size=len(tokenizer), n_positions=cv.CONTEXT, n_embd=96, n_layer=2, n_head=3,
                         add_cross_attention=True, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = tokenizer.bos_token_id
    config.pad_token_id, config.eos_token_id = tokenizer.pad_token_id, tokenizer.eos_token_id
    return VisionEncoderDecoderModel(config=config)


def train(out: Path = cv.MODEL_DIR, n_scenes: int = N_SCENES, n_test: int = N_TEST, epochs: int = EPOCHS,
          batch: int = BATCH, lr: float = LR, seed: int = 0, max_steps: int = -1,
          log=functools.partial(print, flush=True)) -> dict:
    import torch
    from PIL import Image
    from torch.utils.data import ConcatDataset
    from transformers import AutoTokenizer, Seq2SeqTrainer, Seq2SeqTrainingArguments, ViTImageProcessor

    torch.set_num_threads(1)  # the machine is shared: one core for training
    start = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scene_text.train_tokenizer(out, context_length=cv.CONTEXT, extra=cv.TASKS)
    tokenizer = AutoTokenizer.from_pretrained(out)
    processor = ViTImageProcessor(size={"height": cv.IMAGE_SIZE, "width": cv.IMAGE_SIZE},
                                  image_mean=[0.5] * 3, image_std=[0.5] * 3)
    processor.save_pretrained(out)
    scenes = scene_text.dataset(n_scenes, cv.IMAGE_SIZE, split="train")
    pixel_values = processor(images=[Image.fromarray(s.image) for s in scenes], return_tensors="pt")["pixel_values"]
    # a different paraphrase per epoch: one dataset per epoch, concatenated
    data = ConcatDataset([SceneSequences(scenes, tokenizer, pixel_values, seed + e) for e in range(epochs)])
    model = build_model(tokenizer, seed)
    log(f"{sum(p.numel() for p in model.parameters()):,} parameters, {len(data):,} sequences, "
        f"data ready in {time.time() - start:.0f} s")
    with tempfile.TemporaryDirectory() as work:
        args = Seq2SeqTrainingArguments(
            output_dir=work, per_device_train_batch_size=batch, num_train_epochs=1, max_steps=max_steps,
            learning_rate=lr, warmup_steps=100 if max_steps < 0 or max_steps > 200 else 0, weight_decay=0.01,
            lr_scheduler_type="linear", logging_steps=50, save_strategy="no", report_to=[], seed=seed,
            use_cpu=True, dataloader_num_workers=0, disable_tqdm=True)
        trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=data)
        trainer.add_callback(_LogCallback(log, start))
        trainer.train()
    model.eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    minutes = (time.time() - start) / 60
    loaded = cv.Loaded(model, processor, tokenizer, "bundled")
    test = scene_text.dataset(n_test, cv.IMAGE_SIZE, split="val")
    metrics = cv.evaluate(loaded, test, cv.blind_baseline(scenes))
    log(json.dumps(metrics, indent=1))
    card = {
        "model": "VisionEncoderDecoderModel (ViT encoder + GPT-2 decoder with cross-attention), from configs",
        "parameters": sum(p.numel() for p in model.parameters()),
        "data": (f"{n_scenes:,} generated scenes (showcase.core.scene_text, split 'train', seeds 0–{n_scenes - 1}, "
                 f"64 px, 1–3 shapes): one caption and 2–4 question–answer pairs each, {epochs} epochs; "
                 f"colour–shape pairs {['%s %s' % p for p in scene_text.HELD_OUT]} never drawn in training"),
        "held_out": f"{n_test} 'val' scenes (training pairs, unseen seeds); references: description + 3 paraphrases",
        "seed": seed, "epochs": epochs, "batch": batch, "lr": lr, "trainer": "transformers.Seq2SeqTrainer",
        "metric_library": "pycocoevalcap Bleu(4) and Cider (no PTB tokenizer: it needs Java)",
        "command": "python -m showcase.language.caption_vqa_training",
        "training_minutes": round(minutes, 1), "threads": 1,
        "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()},
        "compare": cv.COMPARE,
    }
    cv.CARD.parent.mkdir(parents=True, exist_ok=True)
    card_path = out.parent / "model_card.json" if out == cv.MODEL_DIR else out / "model_card.json"
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    log(f"wrote {out} and {card_path.name} in {minutes:.1f} min")
    return card


try:
    from transformers import TrainerCallback
except ImportError:  # pragma: no cover - transformers is a pinned dependency
    TrainerCallback = object


class _LogCallback(TrainerCallback):
    def __init__(self, log, start):
        self.log, self.start = log, start

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.log(f"step {state.global_step:5d}/{state.max_steps}  loss {logs['loss']:.3f}  "
                     f"{time.time() - self.start:.0f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-scenes", type=int, default=N_SCENES)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=cv.MODEL_DIR)
    parser.add_argument("--dry-run", action="store_true", help="5 steps on 200 scenes, to a temp folder")
    args = parser.parse_args(argv)
    if args.dry_run:
        out = Path(tempfile.mkdtemp(prefix="caption-dry-"))
        train(out, n_scenes=200, n_test=20, epochs=1, batch=16, max_steps=5)
        shutil.rmtree(out, ignore_errors=True)
        return
    train(args.out, args.n_scenes, epochs=args.epochs, seed=args.seed)


if __name__ == "__main__":
    main()
