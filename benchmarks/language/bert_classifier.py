"""BERT tab: per-sentence classification time, the default live fine-tune, and the card's accuracy.

``classify_p95_ms``: ``classify_text`` in process on 100 test tweets one at a time (after a warm-up);
the API's own p50/p95 (this plus Gradio's ~60 ms floor) is in the endpoint table of RESULTS.md.
Target: ≤ 100 ms p95 through the API. ``explain_median_ms``: Integrated Gradients, 24 steps.
``live_finetune_default_s``: the tab's default run (100 steps of 4, 200 validation tweets), target < 60 s.

    python -m benchmarks.language.bert_classifier
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.verdict import measured, read
from showcase.core.cards import read_card


def claims() -> dict:
    from showcase.core.datasets import labelled_tweets
    from showcase.language import bert_classifier as bert

    texts = list(labelled_tweets().test["text"][:100])
    bert.classify_text(texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        bert.classify_text(text)
        times.append(1000 * (time.perf_counter() - started))
    explain = []
    for text in texts[:5]:
        started = time.perf_counter()
        bert.attribute_text(text)
        explain.append(1000 * (time.perf_counter() - started))
    started = time.perf_counter()
    live = bert.finetune_bert()
    live_s = time.perf_counter() - started
    card = read_card(bert.CARD)["held_out"]["test"]
    return {
        "bert.classify_p50_ms": round(float(np.percentile(times, 50)), 1),
        "bert.classify_p95_ms": measured(round(float(np.percentile(times, 95)), 1), "<= 100"),
        "bert.explain_median_ms": round(float(np.median(explain)), 1),
        "bert.live_finetune_default_s": measured(round(live_s, 1), "<= 60"),
        "bert.live_finetune_eval_accuracy": live.metrics["eval_accuracy"],
        "bert.live_finetune_baseline_accuracy": live.metrics["baseline_accuracy"],
        "bert.card_test_accuracy": read(card["accuracy"], "model card"),
        "bert.card_test_macro_f1": read(card["macro_f1"], "model card"),
        "bert.card_tfidf_same_tweets_accuracy": read(card["baseline_same_tweets"]["accuracy"], "model card"),
        "bert.card_tfidf_all_training_accuracy": read(card["baseline_all_training"]["accuracy"], "model card"),
    }


if __name__ == "__main__":
    for key, value in claims().items():
        print(f"{key}: {value}")
