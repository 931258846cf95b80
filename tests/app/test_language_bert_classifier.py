"""The BERT tab through the API: classify, explain and a short live fine-tune, good and bad inputs."""

import json

import pytest

from showcase.language.bert_classifier import CARD

pytestmark = pytest.mark.slow


def test_classify_text_good_then_bad_then_recovers(client, fails_clearly):
    label, note, metrics = client.predict("Thanks @united, the crew was lovely and we landed early!",
                                          api_name="/classify_text")
    assert label["label"] == metrics["label"] == "positive" and len(label["confidences"]) == 3
    test = json.loads(CARD.read_text())["held_out"]["test"]   # the held-out table shows the card's scores
    assert f"**{metrics['label']}**" in note and f"| {test['accuracy']:.2f} | {test['macro_f1']:.2f} |" in note
    assert f"| {test['baseline_same_tweets']['accuracy']:.2f} |" in note
    assert "负面" not in note and "**正面**" in note and "92–93.5%" in note
    assert metrics["source"] == "bundled" and abs(sum(metrics["probabilities"].values()) - 1) < 1e-3
    fails_clearly("/classify_text", "   ", match="empty")
    fails_clearly("/classify_text", "x " * 5_001, match="limit")
    assert client.predict("这家航空公司的服务很好 🙂", api_name="/classify_text")[-1]["tokens"] >= 3


def test_explain_text_highlights_word_pieces(client, fails_clearly):
    fails_clearly("/explain_text", "", match="empty")
    tokens, metrics = client.predict("Worst airline ever, lost my bag.", api_name="/explain_text")
    pieces = [t["token"] for t in tokens]
    assert "worst" in pieces and metrics["method"].startswith("Integrated Gradients")


def test_finetune_bert_bad_settings_then_a_short_run(client, fails_clearly):
    fails_clearly("/finetune_bert", 5, 2, 2e-3, "minilm", match="less than minimum")
    fails_clearly("/finetune_bert", 10, 2, 2e-3, "gpt2", match="not in the list of choices")
    loss, accuracy, note, metrics = client.predict(10, 2, 2e-3, "minilm", api_name="/finetune_bert")
    assert f"{metrics['baseline_accuracy']:.1%}" in note and f"{metrics['eval_accuracy']:.1%}" in note
    assert metrics["steps"] == 10 and {"eval_accuracy", "eval_f1", "baseline_accuracy"} <= set(metrics)
    assert loss["data"] and len(accuracy["data"]) == 2
