"""The CLIP tab through the API: one image against texts, the heatmap, generated scenes, bad inputs."""

import pytest
from gradio_client import handle_file

from showcase.language import clip

pytestmark = pytest.mark.slow
needs_weights = pytest.mark.skipif(not clip.WEIGHTS.is_file(), reason="bundled tiny CLIP not trained yet")


@needs_weights
def test_clip_match_first_example(client):
    from pages.language.clip import EXAMPLES

    label, note, metrics = client.predict(handle_file(EXAMPLES[0][0]), *EXAMPLES[0][1:], api_name="/clip_match")
    texts = EXAMPLES[0][1].splitlines()
    assert metrics["source"] == "bundled" and metrics["n_texts"] == len(texts) == 10
    assert abs(sum(metrics["probabilities"].values()) - 1) < 1e-3 and metrics["best_text"] in texts
    assert label["label"] == metrics["best_text"] and "CLIP README" in note and "最佳文本" in note


@needs_weights
def test_heatmap_and_generated_scene(client):
    from pages.language.clip import HEAT_EXAMPLES

    files, texts, model = HEAT_EXAMPLES[0]
    plot, note, metrics = client.predict([handle_file(f) for f in files], texts, model, api_name="/clip_heatmap")
    assert metrics["n_images"] == metrics["n_texts"] == 4 and plot is not None
    assert f"{metrics['diagonal_accuracy']:.0%}" in note
    image, generated_texts = client.predict(5, api_name="/clip_generate")
    *_, metrics = client.predict(handle_file(image), generated_texts, "bundled", api_name="/clip_match")
    assert metrics["n_texts"] == len(generated_texts.splitlines()) >= 4


@needs_weights
def test_clip_bad_inputs_then_recovers(client, fails_clearly, tmp_path):
    from pages.language.clip import EXAMPLES

    image = handle_file(EXAMPLES[0][0])
    not_image = tmp_path / "notes.png"
    not_image.write_text("this is text, not a picture")
    fails_clearly("/clip_match", image, "", "bundled", match="at least one text")
    fails_clearly("/clip_match", image, "\n".join(f"text {i}" for i in range(1000)), "bundled", match="limit is 64")
    fails_clearly("/clip_match", image, "a" * 10_000, "bundled", match="10,000 characters")
    fails_clearly("/clip_match", handle_file(str(not_image)), "a red circle", "bundled", match="Could not read")
    fails_clearly("/clip_heatmap", [], "a red circle", "bundled", match="at least one image")
    from pages.language.clip import HEAT_EXAMPLES

    two = [handle_file(f) for f in HEAT_EXAMPLES[0][0][:2]]
    *_, metrics = client.predict(two, "a red circle\na blue square", "bundled", api_name="/clip_heatmap")
    assert metrics["n_images"] == metrics["n_texts"] == 2
    label, note, metrics = client.predict(image, "一个红色的圆 🙂\na red circle", "bundled", api_name="/clip_match")
    assert "[UNK]" in metrics["note"] and metrics["n_texts"] == 2 and "[UNK]" in note


@needs_weights
def test_word_order_first_example_shows_both_models_side_by_side(client, fails_clearly):
    from pages.language.clip import ORDER_EXAMPLES

    image, texts = ORDER_EXAMPLES[0]
    fails_clearly("/clip_word_order", handle_file(image), "a red circle", match="at least two texts")
    plain, neg, note, metrics = client.predict(handle_file(image), texts, api_name="/clip_word_order")
    true = texts.splitlines()[0]
    # the first example shows the method working: the hard-negative model picks the true text
    assert metrics["negclip"]["best_text"] == true and neg["label"] == true
    assert metrics["plain"]["source"] == metrics["negclip"]["source"] == "bundled"
    assert "59%" in note and "81%" in note and "NegCLIP" in note
