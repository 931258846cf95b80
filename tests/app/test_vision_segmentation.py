"""The segmentation tab through the API: defaults, bad inputs with clear errors, and recovery."""

import pytest
from gradio_client import handle_file

pytestmark = pytest.mark.slow


def test_segment_first_example_scores_against_the_exact_mask(client):
    from pages.vision.segmentation import EXAMPLES

    *images, note, metrics = client.predict(*[handle_file(EXAMPLES[0][0]), *EXAMPLES[0][1:]], api_name="/segment")
    assert metrics["dice"] >= 0.85 and metrics["dice"] > metrics["baseline_dice"]
    assert metrics["source"] == "bundled" and metrics["latency_ms"] > 0 and "Against the exact mask" in note


def test_segment_real_image_has_no_dice(client):
    from pages.vision.segmentation import IHC

    *_, note, metrics = client.predict(handle_file(str(IHC)), 0.5, "auto", api_name="/segment")
    assert metrics["dice"] is None and metrics["iou"] is None and metrics["n_nuclei"] > 0
    assert "No ground truth" in note


def test_segment_bad_inputs_then_recovers(client, fails_clearly, bad_files, tmp_path):
    from PIL import Image

    from pages.vision.segmentation import EXAMPLES

    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    tiny = tmp_path / "tiny.png"
    Image.new("L", (12, 12)).save(tiny)
    good = handle_file(EXAMPLES[0][0])
    fails_clearly("/segment", handle_file(str(corrupt)), 0.5, "auto", match="Could not read")
    fails_clearly("/segment", handle_file(str(tiny)), 0.5, "auto", match="at least 32 px")
    fails_clearly("/segment", handle_file(bad_files["png_1x1"]), 0.5, "auto", match="at least 32 px", by="backend")
    fails_clearly("/segment", handle_file(bad_files["png_20000x20"]), 0.5, "auto", match="20000×20; the limit", by="backend")
    fails_clearly("/segment", good, 1.5, "auto", match="greater than maximum|between")
    fails_clearly("/segment", good, 0.5, "red", match="not in the list of choices")
    *_, metrics = client.predict(good, 0.3, "gray", api_name="/segment")
    assert metrics["threshold"] == 0.3 and metrics["dice"] is not None


def test_generate_then_segment_keeps_the_ground_truth(client):
    path = client.predict(99, api_name="/segment_generate")
    *_, metrics = client.predict(handle_file(path), 0.5, "auto", api_name="/segment")
    assert "seed 99" in metrics["ground_truth"] and metrics["dice"] is not None
