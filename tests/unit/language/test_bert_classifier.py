"""The BERT tab's backend: the tweets and their split, the bundled adapter against its card, text
edge cases, attributions, the live fine-tune, and the hub path on a tiny random BERT."""

import json

import numpy as np
import pytest

from showcase.core.datasets import TWEET_LABELS, labelled_tweets
from showcase.core.errors import InputError
from showcase.language import bert_classifier as bert


def test_tweets_split_is_seeded_stratified_and_disjoint():
    split = labelled_tweets()
    assert split.rows_read == 38_158
    parts = (split.train, split.validation, split.test)
    assert [len(p) for p in parts] == [29_793, 3_725, 3_725]
    texts = [set(p["text"]) for p in parts]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    shares = [np.bincount(p["label"], minlength=3) / len(p) for p in parts]
    assert np.abs(shares[0] - shares[2]).max() < 0.005  # stratified: the same label shares
    assert labelled_tweets.__wrapped__().test["text"].tolist() == split.test["text"].tolist()  # seeded
    assert set(split.train["sentiment"]) == set(TWEET_LABELS)


def test_tfidf_baseline_beats_the_majority_class():
    split = labelled_tweets()
    predicted = bert.tfidf_baseline(None).predict(split.test["text"])
    majority = np.bincount(split.train["label"]).argmax()
    assert bert.scores(split.test["label"], predicted)["accuracy"] > (split.test["label"] == majority).mean() + 0.2


def test_bundle_is_only_the_adapter_and_head():
    files = {f.name: f.stat().st_size for f in bert.ADAPTER_DIR.iterdir()}
    assert set(files) == {"adapter_config.json", "adapter_model.safetensors"}
    assert files["adapter_model.safetensors"] < 5_000_000  # the base alone is ~90 MB
    from safetensors import safe_open

    with safe_open(bert.ADAPTER_DIR / "adapter_model.safetensors", "pt") as f:
        keys = list(f.keys())
    assert all("lora_" in k or "classifier" in k or "pooler" in k for k in keys), keys[:5]
    assert not any("word_embeddings" in k for k in keys)


@pytest.mark.slow
def test_bundled_adapter_reaches_its_card_on_the_test_split():
    card = json.loads(bert.CARD.read_text())
    test = labelled_tweets(card["seed"]).test
    model, tokenizer, found = bert.bundled_classifier()
    assert found.source == "bundled"
    predicted = bert.predict_proba(model, tokenizer, list(test["text"])).argmax(1)
    measured = bert.scores(test["label"], predicted)
    assert measured["accuracy"] == pytest.approx(card["held_out"]["test"]["accuracy"], abs=0.002)
    assert measured["macro_f1"] == pytest.approx(card["held_out"]["test"]["macro_f1"], abs=0.002)
    assert measured["accuracy"] > 0.6  # well above the 43% majority class
    # fine-tuning earns its cost: it beats TF-IDF + logistic regression fitted on the same tweets
    same = bert.tfidf_baseline(card["held_out"]["test"]["train_tweets"]).predict(test["text"])
    baseline = bert.scores(test["label"], same)
    assert baseline == pytest.approx(card["held_out"]["test"]["baseline_same_tweets"], abs=0.002)
    assert measured["accuracy"] > baseline["accuracy"] + 0.01 and measured["macro_f1"] > baseline["macro_f1"] + 0.01


def test_classify_returns_a_distribution_and_the_label_is_its_argmax():
    result = bert.classify_text("Thanks @united, the crew was lovely and we landed early!")
    probs = result.probabilities
    assert set(probs) == set(TWEET_LABELS) and sum(probs.values()) == pytest.approx(1, abs=1e-3)
    assert result.label == max(probs, key=probs.get) == result.metrics["label"]
    assert result.metrics["source"] == "bundled" and not result.metrics["truncated"]


def test_clear_praise_and_complaint():
    assert bert.classify_text("Thank you so much, best flight ever, lovely crew!").label == "positive"
    assert bert.classify_text("Worst airline ever, lost my bag and nobody helps. Terrible.").label == "negative"


LONG = ("delayed again " * 800)[:bert.MAX_CHARS]   # 10,000 characters, ~1,600 word pieces


@pytest.mark.parametrize("text", ["🙂🙂🙂 ✈️", "这家航空公司的服务很好", LONG, "a" * bert.MAX_CHARS, "ok\x00\t\n"])
def test_tokenisation_edge_cases_classify(text):
    result = bert.classify_text(text)
    assert 3 <= result.metrics["tokens"] <= bert.MAX_TOKENS
    assert result.metrics["truncated"] == (text is LONG)  # one 10,000-letter "word" is a single [UNK]


def test_bytes_are_decoded_when_utf8():
    assert bert.classify_text("great flight 🙂".encode()).metrics["tokens"] > 2


@pytest.mark.parametrize("bad, match", [
    ("", "empty"), ("   \n", "empty"), ("x" * (bert.MAX_CHARS + 1), "limit"),
    (b"caf\xe9 \xff", "not valid UTF-8"), ("lone \ud800 surrogate", "surrogates"), (None, "empty"),
])
def test_bad_text_is_refused_clearly(bad, match):
    with pytest.raises(InputError, match=match):
        bert.classify_text(bad)


def test_attributions_cover_the_word_pieces_and_converge():
    result = bert.attribute_text("Thank you so much, best flight ever!", n_steps=16)
    pieces = [p for p, _ in result.tokens]
    assert "best" in pieces and "[CLS]" not in pieces
    assert max(abs(s) for _, s in result.tokens) == pytest.approx(1.0)
    assert result.metrics["convergence_delta"] < 0.1  # Integrated Gradients' completeness, to the path's accuracy


def test_live_finetune_smoke_reports_the_contract():
    result = bert.finetune_bert(steps=10, batch=2, n_val=50)
    m = result.metrics
    assert m["steps"] == 10 and m["train_tweets"] == 20 and m["validation_tweets"] == 50
    assert result.curve and all(np.isfinite(p["loss"]) for p in result.curve)
    assert m["final_loss"] == result.curve[-1]["loss"]
    # the steps moved the adapter: LoRA's B matrices start at zero
    lora_b = {n: p for n, p in result.model.named_parameters() if "lora_B" in n}
    assert lora_b and all(float(p.abs().max()) > 0 for p in lora_b.values()), sorted(lora_b)[:3]
    # the numbers the tab shows, re-measured here: the fine-tuned model and TF-IDF + LR fitted on
    # the same 20 tweets, each on the first 50 validation tweets
    val = labelled_tweets().validation.iloc[:50]
    with bert.one_thread():   # as the tab measured it
        probs = bert.predict_proba(result.model, result.tokenizer, list(val["text"]))
    ours = bert.scores(val["label"], probs.argmax(1))
    assert (m["eval_accuracy"], m["eval_f1"]) == pytest.approx((ours["accuracy"], ours["macro_f1"]), abs=1e-9)
    theirs = bert.scores(val["label"], bert.tfidf_baseline(20, 0).predict(val["text"]))
    assert (m["baseline_accuracy"], m["baseline_f1"]) == pytest.approx((theirs["accuracy"], theirs["macro_f1"]), abs=1e-9)
    assert m["trainable_parameters"] < 400_000  # LoRA on two layers, pooler and head only


@pytest.mark.parametrize("kwargs, match", [
    (dict(steps=0), "Steps"), (dict(batch=0), "Batch"), (dict(lr=1.0), "Learning rate"), (dict(base="gpt2"), "Base model"),
])
def test_live_finetune_bad_settings(kwargs, match):
    with pytest.raises(InputError, match=match):
        bert.finetune_bert(**kwargs)


def test_hub_base_without_the_hub_says_so(monkeypatch, tmp_path):
    from showcase.core import models

    monkeypatch.setenv("SHOWCASE_OFFLINE", "1")
    monkeypatch.setattr(bert, "HUB_CACHE", tmp_path)
    models.reset_probe()
    with pytest.raises(models.ModelUnavailable, match="bert-base-uncased"):
        bert.base_model("bert-base-uncased")
    models.reset_probe()


def test_hub_code_path_with_a_tiny_random_bert(monkeypatch, tmp_path):
    """bert-base-uncased's path, through showcase.core.models, on a tiny random BERT laid out as a hub cache."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from showcase.core import models

    snapshot = tmp_path / "models--google-bert--bert-base-uncased" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("a" * 40)
    BertModel(BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)).save_pretrained(snapshot)
    AutoTokenizer.from_pretrained(bert.minilm_dir()).save_pretrained(snapshot)
    monkeypatch.setenv("SHOWCASE_OFFLINE", "1")
    monkeypatch.setattr(bert, "HUB_CACHE", tmp_path)
    models.reset_probe()
    try:
        result = bert.finetune_bert(steps=10, batch=2, n_val=50, base="bert-base-uncased")
    finally:
        models.reset_probe()
    assert result.metrics["source"] == "hub" and result.metrics["model"].startswith("bert-base-uncased")
    assert result.model.base_model.model.config.hidden_size == 16


def test_training_dry_run_writes_an_adapter_and_card(tmp_path):
    from showcase.language.bert_classifier_training import train

    card = train(tmp_path, n_train=2 * 4, batch=4, n_eval=20, log=lambda *a: None)
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((tmp_path / "model_card.json").read_text())["held_out"] == card["held_out"]
    assert card["held_out"]["test"]["n"] == 20 and "baseline_all_training" in card["held_out"]["test"]
