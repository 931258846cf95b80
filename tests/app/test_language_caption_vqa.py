"""The captioning/VQA tab through the API: caption, answer, a generated scene's truth, bad inputs."""

import pytest
from gradio_client import handle_file

from showcase.language import caption_vqa as cv

pytestmark = pytest.mark.slow


def test_caption_and_vqa_first_examples(client):
    from pages.language.caption_vqa import EXAMPLE_SEEDS, EXAMPLES, VQA_EXAMPLES

    note, metrics = client.predict(handle_file(EXAMPLES[0][0]), *EXAMPLES[0][1:], api_name="/caption")
    assert metrics["caption"] and metrics["caption_beam"] and metrics["source"] == "bundled"
    truth = cv.scene(EXAMPLE_SEEDS[0])
    assert metrics["truth"] == truth.description and "Exact description" in note and len(truth.shapes) >= 2
    # the first example shows the model working on two or three shapes: greedy and beam name every shape
    assert metrics["names_right_greedy"] and metrics["names_right_beam"] and "✅" in note and "❌" not in note
    note, metrics = client.predict(handle_file(VQA_EXAMPLES[0][0]), *VQA_EXAMPLES[0][1:], api_name="/vqa")
    assert metrics["answer"] and 0 < metrics["probability"] <= 1 and metrics["truth"] == metrics["answer"]
    assert "Relation Network 94%" in note and "blind guess" in note


def test_generated_scene_keeps_its_truth(client):
    path = client.predict(77, api_name="/caption_generate")
    _, metrics = client.predict(handle_file(path), "is there a red circle?", "bundled", api_name="/vqa")
    truth = "yes" if any((s.colour, s.kind) == ("red", "circle") for s in cv.scene(77).shapes) else "no"
    assert metrics["truth"] == truth


def test_caption_vqa_bad_inputs_then_recovers(client, fails_clearly, tmp_path):
    from pages.language.caption_vqa import EXAMPLES

    image = handle_file(EXAMPLES[0][0])
    not_image = tmp_path / "notes.png"
    not_image.write_text("this is text, not a picture")
    fails_clearly("/vqa", image, "", "bundled", match="question is empty")
    fails_clearly("/vqa", image, "why " * 100, "bundled", match="limit is 200")
    fails_clearly("/vqa", handle_file(str(not_image)), "how many circles?", "bundled", match="Could not read")
    fails_clearly("/caption", handle_file(str(not_image)), "bundled", 4, match="Could not read")
    fails_clearly("/caption", image, "bundled", 40, match="greater than maximum|between|Beams")
    _, metrics = client.predict(image, "这是什么? 🙂", "bundled", api_name="/vqa")
    assert "[UNK]" in metrics["note"]
    note, metrics = client.predict(image, "bundled", 2, api_name="/caption")       # two beams: no other call uses it
    assert metrics["num_beams"] == 2 and metrics["caption_beam"] and "Exact description" in note
