"""The detection tab through the API: image and video, bad inputs with clear errors, and recovery."""

import pytest
from gradio_client import handle_file

from showcase.vision import detection

pytestmark = pytest.mark.slow


def test_detect_first_example_scores_against_the_exact_boxes(client):
    from pages.vision.detection import EXAMPLES

    image, table, note, metrics = client.predict(handle_file(EXAMPLES[0][0]), *EXAMPLES[0][1:], api_name="/detect")
    assert metrics["source"] == "bundled" and metrics["n_detections"] > 0 and metrics["latency_ms"] > 0
    assert metrics["imgsz"] == detection.IMGSZ and "Against the exact boxes" in note and "与精确真值框比较" in note
    # a newcomer's first click shows the method working: every shape found, nothing else boxed
    assert metrics["true_positives"] == sum(metrics["true_counts"].values()) >= 5
    assert metrics["false_positives"] == 0 and metrics["missed"] == 0


def test_detect_faces_on_the_astronaut(client):
    from pages.vision.detection import ASTRONAUT

    *_, metrics = client.predict(handle_file(str(ASTRONAUT)), "faces", 0.25, 0.45, api_name="/detect")
    assert metrics["counts"] == {"face": 1} and metrics["source"] == "package"


def test_detect_bad_inputs_then_recovers(client, fails_clearly, bad_files, tmp_path):
    from PIL import Image

    from pages.vision.detection import ASTRONAUT

    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (8, 8)).save(tiny)
    good = handle_file(str(ASTRONAUT))
    fails_clearly("/detect", handle_file(str(corrupt)), "faces", 0.25, 0.45, match="Could not read")
    fails_clearly("/detect", handle_file(str(tiny)), "faces", 0.25, 0.45, match="at least 16 px")
    fails_clearly("/detect", handle_file(bad_files["png_1x1"]), "shapes", 0.25, 0.45, match="at least 16 px", by="backend")
    fails_clearly("/detect", handle_file(bad_files["png_20000x20"]), "shapes", 0.25, 0.45, match="the limit is 4096",
                  by="backend")
    fails_clearly("/detect", good, "faces", 1.5, 0.45, match="greater than maximum|between")
    fails_clearly("/detect", good, "faces", 0.25, -1, match="less than minimum|between")
    fails_clearly("/detect", good, "cats", 0.25, 0.45, match="not in the list of choices")
    fails_clearly("/detect", good, "yolo11n", 0.25, 0.45, match="hub")
    *_, metrics = client.predict(good, "faces", 0.5, 0.3, api_name="/detect")
    assert metrics["conf"] == 0.5 and metrics["n_detections"] == 1


def test_detect_video_and_bad_videos(client, fails_clearly, bad_files, tmp_path):
    from pages.vision.detection import VIDEO

    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42 not a video at all" * 20)
    fails_clearly("/detect_video", handle_file(str(corrupt)), "faces", 0.25, 0.45,
                  match="Could not read any frame")
    fails_clearly("/detect_video", handle_file(str(empty)), "faces", 0.25, 0.45, match="empty")
    fails_clearly("/detect_video", handle_file(bad_files["video_no_frames"]), "faces", 0.25, 0.45,
                  match="Could not read any frame", by="backend")
    video, per_frame, metrics = client.predict(handle_file(str(VIDEO)), "faces", 0.25, 0.45,
                                               api_name="/detect_video")
    assert metrics["frames"] > 10 and metrics["source"] == "package"
    assert str(video if isinstance(video, str) else video["video"]).endswith(".webm")


def test_generate_then_detect_keeps_the_ground_truth(client):
    path = client.predict(99, api_name="/detect_generate")
    *_, metrics = client.predict(handle_file(path), "shapes", 0.25, 0.45, api_name="/detect")
    assert "seed 99" in metrics["ground_truth"] and metrics["source"] == "bundled"
