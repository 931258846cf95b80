import itertools
import json

import numpy as np
import pytest
from PIL import Image

from showcase.core import models
from showcase.core.errors import InputError
from showcase.core.models import ModelUnavailable
from showcase.vision import detection, detection_video
from showcase.core import shapes



@pytest.fixture(scope="module")
def scene_png(tmp_path_factory):
    return shapes.save_png(shapes.generate(2026, 320), tmp_path_factory.mktemp("det") / "scene.png")


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    return detection.astronaut_png(tmp_path_factory.mktemp("det") / "astronaut.png")


def test_box_iou_by_hand():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]])
    assert detection.box_iou(a, b)[0] == pytest.approx([50 / 150, 0.0, 1.0])


def test_nms_suppresses_overlaps_within_a_class_only():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [30, 30, 40, 40]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    classes = np.array([0, 0, 1, 0])
    assert detection.nms(boxes, scores, classes, iou=0.5).tolist() == [0, 2, 3]
    assert detection.nms(boxes, scores, classes, iou=0.95).tolist() == [0, 1, 2, 3]


def test_letterbox_and_decode_map_boxes_back_to_the_image():
    rgb = np.zeros((100, 200, 3), np.uint8)
    x, scale, pad = detection.letterbox(rgb, 320)
    assert x.shape == (1, 3, 320, 320) and scale == pytest.approx(1.6) and pad == (0, 80)
    assert x[0, :, 0, 0] == pytest.approx([114 / 255] * 3)       # gray padding, as Ultralytics pads
    # one anchor predicting the box (20, 10)–(60, 50) of the original image, class 2 at 0.9
    output = np.zeros((1, 4 + 5, 3), np.float32)
    output[0, :4, 0] = [40 * 1.6, 30 * 1.6 + 80, 40 * 1.6, 40 * 1.6]
    output[0, 4 + 2, 0] = 0.9
    output[0, 4 + 1, 1] = 0.1                                        # under the threshold
    boxes, scores, classes = detection.decode(output, 0.25, 0.45, scale, pad, rgb.shape[:2])
    assert boxes.tolist() == [pytest.approx([20, 10, 60, 50])] and classes.tolist() == [2]
    assert scores == pytest.approx([0.9])


def test_haar_finds_the_astronauts_face(astronaut):
    result = detection.detect(str(astronaut), "faces", 0.25, 0.45)
    m = result.metrics
    assert m["n_detections"] == 1 and m["counts"] == {"face": 1} and m["source"] == "package"
    face = detection.detector("faces")[1](detection.detector("faces")[0], np.asarray(Image.open(astronaut)), 0.25, 0.45).boxes
    assert detection.box_iou(face, [[175, 65, 272, 162]])[0, 0] > 0.7      # Eileen Collins' face
    assert result.image.size == (512, 512)


def test_haar_finds_no_face_on_a_cat():
    from skimage import data

    assert detection.detect(data.chelsea(), "faces").metrics["n_detections"] == 0


def test_hub_detector_offline_says_it_needs_the_hub(monkeypatch):
    monkeypatch.setattr(models, "_snapshot", lambda *a, **k: None)
    monkeypatch.setattr(models, "hub_reachable", lambda *a, **k: False)
    monkeypatch.setattr(models, "_instances", {})
    with pytest.raises(ModelUnavailable, match="hub"):
        detection.detect(np.zeros((64, 64, 3), np.uint8), "yolo11n")


@pytest.mark.slow
def test_hub_detector_code_path_with_a_tiny_random_yolo11n(monkeypatch, tmp_path):
    """The YOLO11n path, with a randomly initialised YOLO11n built from its yaml standing in for
    the hub's weights (same class, same files, no download)."""
    detection.ultralytics_offline()
    from ultralytics import YOLO

    YOLO("yolo11n.yaml", task="detect").save(str(tmp_path / "yolo11n.pt"))
    monkeypatch.setattr(models, "_snapshot", lambda spec, cache_dir, local_only: tmp_path)
    monkeypatch.setattr(models, "_instances", {})
    m = detection.detect(shapes.generate(1, 160).image, "yolo11n", 0.25, 0.45).metrics
    assert m["source"] == "hub" and m["imgsz"] == 640 and m["model"].startswith("YOLO11n")
    assert m["n_detections"] == sum(m["counts"].values())


def test_generated_scene_is_scored_against_its_exact_boxes(scene_png):
    result = detection.detect(str(scene_png), "shapes", 0.25, 0.45)
    m = result.metrics
    assert {"n_detections", "counts", "latency_ms", "imgsz", "model", "source"} <= set(m)
    assert m["source"] == "bundled" and m["imgsz"] == detection.IMGSZ and "seed 2026" in m["ground_truth"]
    assert m["n_detections"] == sum(m["counts"].values()) == result.table["count"].sum() > 0
    assert m["true_positives"] + m["false_positives"] == m["n_detections"] and m["true_positives"] > 0
    assert m["true_positives"] + m["missed"] == sum(m["true_counts"].values())
    assert result.image.size == (320, 320)
    strict = detection.detect(str(scene_png), "shapes", 0.95, 0.45).metrics
    assert strict["n_detections"] <= m["n_detections"]


def test_odd_images_are_converted_not_refused():
    rgb = shapes.generate(3, 128).image
    gray = rgb.mean(axis=2).astype(np.uint8)
    assert detection.detect(gray).metrics["input_mode"] == "L"
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    m = detection.detect(rgba).metrics
    assert m["input_mode"] == "RGBA" and "ground_truth" not in m   # a plain array carries no tag


@pytest.mark.parametrize("kwargs, message", [
    (dict(conf=0), "between"), (dict(conf=1.5), "between"), (dict(iou="x"), "number"),
    (dict(iou=None), "missing"), (dict(detector_name="cats"), "detector"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(InputError, match=message):
        detection.detect(np.zeros((64, 64, 3), np.uint8), **kwargs)


@pytest.mark.parametrize("image, message", [
    (np.zeros((8, 8, 3), np.uint8), "at least 16"),
    (np.zeros((5000, 20), np.uint8), "limit is 4096"),
    (b"not an image at all", "Could not read"),
    (b"", "empty"),
    (None, "No image"),
])
def test_bad_images(image, message):
    with pytest.raises(InputError, match=message):
        detection.detect(image)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return detection_video.panning_video(tmp_path_factory.mktemp("video") / "pan.webm", frames=8, side=160)


def test_video_is_annotated_frame_by_frame(clip, tmp_path):
    import cv2

    path, table, m = detection_video.detect_video(str(clip), "faces", 0.25, 0.45, out_dir=tmp_path)
    assert m["frames"] == 8 and not m["truncated"] and len(table) == 8 and m["source"] == "package"
    capture = cv2.VideoCapture(path)
    n = 0
    while capture.read()[0]:
        n += 1
    assert n == 8 and path.endswith(".webm")
    _, _, cut = detection_video.detect_video(str(clip), "faces", out_dir=tmp_path, max_frames=3)
    assert cut["frames"] == 3 and cut["truncated"]
    # the same core metrics as one image (both built by detection.result_metrics)
    image = detection.detect(shapes.generate(0, 96).image, "faces").metrics
    shared = {"n_detections", "counts", "latency_ms", "imgsz", "model", "source", "detector", "conf", "iou", "size"}
    assert shared <= set(m) and shared <= set(image) and m["n_detections"] == table["detections"].sum()


def test_the_import_goes_one_way_video_to_detection():
    """detection_video imports detection; detection names detection_video nowhere, not even lazily."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(detection))
    imported = [n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
    assert not [name for name in imported if name and "detection_video" in name]
    assert "showcase.vision.detection" in {n.module for n in ast.walk(ast.parse(inspect.getsource(detection_video)))
                                           if isinstance(n, ast.ImportFrom)}


def test_our_serving_path_gives_the_boxes_ultralytics_predict_gives():
    """Our letterbox, decode and NMS around ONNX Runtime against Ultralytics' own predict() on the
    same ONNX file and 12 fixed 320-px scenes at two confidence thresholds: the same boxes (IoU ≥ 0.999), classes and scores."""
    detection.ultralytics_offline()
    from ultralytics import YOLO

    model = detection.load_onnx(detection.ONNX_PATH)
    theirs = YOLO(str(detection.ONNX_PATH), task="detect")
    total = 0
    for seed, conf in itertools.product(range(3_000_000, 3_000_012), (0.25, 0.05)):   # 0.05: NMS has work
        rgb = shapes.generate(seed, detection.SCENE).image
        ours = detection.run_onnx(model, rgb, conf, 0.45)
        found = theirs.predict(rgb[..., ::-1], imgsz=model[2], conf=conf, iou=0.45, verbose=False, device="cpu")[0].boxes
        order = np.argsort(-found.conf.numpy(), kind="stable")
        boxes, scores, classes = found.xyxy.numpy()[order], found.conf.numpy()[order], found.cls.numpy()[order]
        assert len(ours.boxes) == len(boxes), seed
        assert ours.classes.tolist() == classes.astype(int).tolist(), seed
        assert ours.scores == pytest.approx(scores, abs=1e-4), seed
        assert (detection.box_iou(ours.boxes, boxes).diagonal() >= 0.999).all(), seed
        total += len(boxes)
    assert total > 100          # the scenes hold boxes to compare


def test_bad_videos(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42 definitely not a video" * 10)
    with pytest.raises(InputError, match="empty"):
        detection_video.detect_video(str(empty))
    with pytest.raises(InputError, match="Could not read any frame"):
        detection_video.detect_video(str(corrupt))
    with pytest.raises(InputError, match="No video"):
        detection_video.detect_video(None)
    with pytest.raises(InputError, match="between"):
        detection_video.detect_video(str(corrupt), conf=2)


def test_webcam_frame_before_the_camera_starts():
    assert detection_video.detect_frame(None) == (None, {})
    frame, m = detection_video.detect_frame(shapes.generate(0, 96).image, "faces")
    assert frame.shape == (96, 96, 3) and m["detector"] == "faces"


@pytest.fixture(scope="module")
def held_out_map50():
    from showcase.vision.detection_training import TEST_SEEDS

    model = detection.load_onnx(detection.ONNX_PATH)
    return (detection.average_precision_50(model, TEST_SEEDS),
            detection.average_precision_50(model, TEST_SEEDS, multi_label=False))


@pytest.mark.slow
def test_bundled_detector_meets_the_map50_target_on_all_200_held_out_scenes(held_out_map50):
    """The tab's claim, held-out mAP50 ≥ 0.9, recomputed here by our own pipeline on the 200
    held-out scenes (0.9016), with every class ≥ 0.8 (the weakest, square: 0.860)."""
    ours, _ = held_out_map50
    assert ours["scenes"] == 200
    assert ours["map50"] >= 0.9
    assert min(ours["per_class"].values()) >= 0.8


@pytest.mark.slow
def test_our_map50_agrees_with_ultralytics_val_and_the_card(held_out_map50):
    """Same protocol as Ultralytics' val (multi-label NMS, 101-point AP), same scenes: the card's
    Ultralytics figure (0.9015) and ours (0.9016) agree per class to 0.001. One class per box
    (what the tab draws) scores lower (0.886): the multi-label boxes are where the gap was."""
    ours, one_class = held_out_map50
    card = json.loads(detection.CARD.read_text())
    assert ours["map50"] == pytest.approx(card["held_out"]["map50"], abs=0.001)
    for name, ap in card["held_out"]["map50_per_class"].items():
        assert ours["per_class"][name] == pytest.approx(ap, abs=0.001), name
    assert ours["map50"] == pytest.approx(card["held_out_ours"]["map50"], abs=1e-4)
    assert one_class["map50"] == pytest.approx(card["held_out_ours"]["map50_one_class_per_box"], abs=1e-4)
    assert one_class["map50"] < ours["map50"]
    assert detection.ONNX_PATH.stat().st_size < 10 * 2**20


def test_multi_label_decode_keeps_a_box_per_class_above_conf():
    output = np.zeros((1, 4 + 5, 1), np.float32)
    output[0, :4, 0] = [40, 30, 40, 40]
    output[0, 4 + 1, 0], output[0, 4 + 3, 0] = 0.6, 0.3
    _, scores, classes = detection.decode(output, 0.25, 0.7, 1.0, (0, 0), (100, 100), multi_label=True)
    assert sorted(classes.tolist()) == [1, 3] and sorted(scores.tolist()) == pytest.approx([0.3, 0.6])
    _, scores, classes = detection.decode(output, 0.25, 0.7, 1.0, (0, 0), (100, 100))
    assert classes.tolist() == [1]
