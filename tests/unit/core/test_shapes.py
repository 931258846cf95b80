import numpy as np
import pytest
from PIL import Image

from showcase.core import shapes


def test_same_seed_same_scene_other_seed_other_scene():
    a, b, c = shapes.generate(5, 96), shapes.generate(5, 96), shapes.generate(6, 96)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.boxes, b.boxes) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.image, c.image)
    assert a.image.shape == (96, 96, 3) and a.image.dtype == np.uint8


@pytest.mark.parametrize("kind", shapes.CLASSES)
def test_box_is_the_tight_box_of_the_shape(kind, monkeypatch):
    """With one shape on the scene, its box is exactly where the drawn mask is."""
    index = shapes.CLASSES.index(kind)
    drawn = []
    real = shapes._shape_mask

    def spy(*args):
        mask = real(*args)
        drawn.append((args[0], mask))
        return mask

    monkeypatch.setattr(shapes, "_shape_mask", spy)
    for seed in range(200):
        drawn.clear()
        scene = shapes.generate(seed, 128, n_shapes=1)
        if len(scene.labels) == 1 and scene.labels[0] == index:
            break
    else:
        pytest.fail(f"no single-{kind} scene in 200 seeds")
    mask = drawn[-1][1]
    ys, xs = np.nonzero(mask)
    assert tuple(scene.boxes[0]) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert drawn[-1][0] == kind


def test_occlusion_is_limited_and_boxes_are_inside_the_image():
    for seed in range(15):
        scene = shapes.generate(seed, 160)
        assert len(scene.boxes) == len(scene.labels) >= 1
        x0, y0, x1, y1 = scene.boxes.T
        assert (x0 >= 0).all() and (y0 >= 0).all() and (x1 <= 160).all() and (y1 <= 160).all()
        assert (x1 > x0).all() and (y1 > y0).all()
        assert set(scene.labels.tolist()) <= set(range(len(shapes.CLASSES)))


def test_sizes_vary_and_every_class_appears():
    sides, labels = [], []
    for seed in range(40):
        scene = shapes.generate(seed, 320)
        sides += list(np.maximum(scene.boxes[:, 2] - scene.boxes[:, 0], scene.boxes[:, 3] - scene.boxes[:, 1]))
        labels += scene.labels.tolist()
    assert max(sides) / min(sides) > 5
    assert set(labels) == set(range(len(shapes.CLASSES)))


def test_yolo_labels_are_normalised_centres():
    scene = shapes.generate(3, 200)
    rows = [list(map(float, line.split())) for line in shapes.yolo_labels(scene).splitlines()]
    assert len(rows) == len(scene.boxes)
    for (cls, cx, cy, w, h), box, label in zip(rows, scene.boxes, scene.labels):
        assert cls == label
        assert cx == pytest.approx((box[0] + box[2]) / 400, abs=1e-6) and w == pytest.approx((box[2] - box[0]) / 200, abs=1e-6)


def test_yolo_dataset_layout(tmp_path):
    yaml = shapes.write_yolo_dataset(tmp_path, {"train": range(3), "val": range(10, 12)}, 64)
    text = yaml.read_text()
    assert "train: images/train" in text and "val: images/val" in text and "4: cross" in text
    assert len(list((tmp_path / "images" / "train").glob("*.png"))) == 3
    assert len(list((tmp_path / "labels" / "val").glob("*.txt"))) == 2
    held_out = shapes.write_yolo_dataset(tmp_path / "test", {"test": range(2)}, 64).read_text()
    assert "train: images/test" in held_out and "val: images/test" in held_out


def test_tagged_png_round_trip_and_edits_lose_the_ground_truth(tmp_path):
    scene = shapes.generate(42, 96)
    path = shapes.save_png(scene, tmp_path / "s.png")
    image = Image.open(path)
    rgb = np.asarray(image.convert("RGB"))
    found = shapes.ground_truth_for(rgb, image.info)
    assert found is not None and np.array_equal(found.boxes, scene.boxes)
    edited = rgb.copy()
    edited[0, 0] = 255 - edited[0, 0]
    assert shapes.ground_truth_for(edited, image.info) is None
    assert shapes.ground_truth_for(rgb, {}) is None
    assert shapes.read_tag({shapes.PNG_KEY: "nonsense"}) is None
