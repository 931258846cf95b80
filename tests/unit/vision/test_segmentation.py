import json

import numpy as np
import pytest
import torch
from PIL import Image

from showcase.core.errors import InputError
from showcase.vision import nuclei
from showcase.vision import segmentation as seg



@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return nuclei.save_png(nuclei.generate(2026, 256), tmp_path_factory.mktemp("seg") / "n.png")


def test_unet_keeps_the_input_size_and_has_skip_connections():
    model = seg.UNet(base=4, depth=3).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 1, 64, 48))
    assert out.shape == (2, 1, 64, 48)
    # each decoder level sees its encoder level's channels concatenated to the upsampled ones
    assert [m[0].in_channels for m in model.merge] == [32, 16, 8]
    assert [u.in_channels for u in model.up] == [32, 16, 8]


def test_predict_proba_pads_any_size():
    model = seg.UNet(base=4).eval()
    prob = seg.predict_proba(model, np.random.default_rng(0).random((50, 70)).astype(np.float32))
    assert prob.shape == (50, 70) and 0 <= prob.min() and prob.max() <= 1


def test_dice_and_iou_by_hand():
    pred = np.zeros((4, 4), bool)
    truth = np.zeros((4, 4), bool)
    pred[:2, :2] = True      # 4 pixels
    truth[:2, :3] = True     # 6 pixels, 4 shared
    dice, iou = seg.dice_iou(pred, truth)
    assert dice == pytest.approx(2 * 4 / 10) and iou == pytest.approx(4 / 6)
    assert seg.dice_iou(np.zeros((3, 3)), np.zeros((3, 3))) == (1.0, 1.0)
    assert seg.dice_iou(pred, ~pred)[0] == 0.0


def test_dice_bce_loss_is_low_when_right_and_high_when_wrong():
    target = (torch.rand(2, 1, 16, 16) > 0.5).float()
    right = seg.dice_bce_loss((target * 2 - 1) * 20, target)
    wrong = seg.dice_bce_loss((1 - 2 * target) * 20, target)
    assert right < 0.01 and wrong > 10


def test_count_nuclei_ignores_specks():
    mask = np.zeros((40, 40), bool)
    mask[2:8, 2:8] = mask[20:30, 20:30] = True
    mask[35, 35] = True
    assert seg.count_nuclei(mask) == 2


def test_dice_and_iou_agree_with_scikit_learn():
    from sklearn.metrics import f1_score, jaccard_score

    rng = np.random.default_rng(0)
    pred, truth = rng.random((2, 30, 40)) > 0.6
    dice, iou = seg.dice_iou(pred, truth)
    assert dice == pytest.approx(f1_score(truth.ravel(), pred.ravel()))
    assert iou == pytest.approx(jaccard_score(truth.ravel(), pred.ravel()))


def test_channel_choice():
    rgb = Image.fromarray(np.full((40, 40, 3), 230, np.uint8))
    gray, used = seg.to_channel(rgb, "auto")
    assert used == "gray_inverted" and gray.max() < 0.2
    ihc = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8))
    assert seg.to_channel(ihc, "auto")[1] == "hematoxylin"


def test_generated_image_is_scored_against_its_exact_mask(generated):
    result = seg.segment(str(generated))
    m = result.metrics
    assert {"dice", "iou", "baseline_dice", "baseline_iou", "latency_ms", "model", "source"} <= set(m)
    assert m["source"] == "bundled" and m["channel"] == "gray" and "seed 2026" in m["ground_truth"]
    assert m["dice"] >= 0.85 and m["dice"] > m["baseline_dice"] and m["iou"] > m["baseline_iou"]
    assert result.overlay.size == (256, 256) and len(result.curve) == 2 * 19 and len(result.comparison) == 3
    assert result.curve.notna().all().all()
    strict = seg.segment(str(generated), threshold=0.95).metrics
    assert strict["dice"] != m["dice"]


def test_real_immunohistochemistry_image_has_no_ground_truth(tmp_path):
    path = seg.immunohistochemistry_png(tmp_path / "ihc.png")
    m = seg.segment(str(path)).metrics
    assert m["dice"] is None and m["iou"] is None and m["baseline_dice"] is None
    assert m["channel"] == "hematoxylin" and "none" in m["ground_truth"]
    assert m["n_nuclei"] > 20


def test_edited_generated_image_loses_its_ground_truth(generated):
    image = np.asarray(Image.open(generated)).copy()
    image[10, 10] = 255 - image[10, 10]
    m = seg.segment(image).metrics
    assert m["dice"] is None
    # grayscale and RGBA arrays are converted, not refused
    rgba = np.dstack([image] * 3 + [np.full_like(image, 255)])
    assert seg.segment(rgba).metrics["input_mode"] == "RGBA"


@pytest.mark.parametrize("kwargs, message", [
    (dict(threshold=0), "between"), (dict(threshold=1.5), "between"), (dict(threshold="x"), "number"),
    (dict(threshold=None), "missing"), (dict(channel="red"), "channel"),
])
def test_bad_settings(generated, kwargs, message):
    with pytest.raises(InputError, match=message):
        seg.segment(str(generated), **kwargs)


@pytest.mark.parametrize("image, message", [
    (np.zeros((10, 10), np.uint8), "at least 32"),
    (np.zeros((1100, 64), np.uint8), "limit is 1024"),
    (b"not an image at all", "Could not read"),
    (None, "No image"),
])
def test_bad_images(image, message):
    with pytest.raises(InputError, match=message):
        seg.segment(image)


def test_truncated_png_is_refused(generated):
    data = generated.read_bytes()
    with pytest.raises(InputError, match="Could not read"):
        seg.segment(data[: len(data) // 2])


@pytest.mark.slow
def test_bundled_weights_reach_their_model_card():
    card = json.loads(seg.CARD.read_text())
    model = seg.load_unet(seg.WEIGHTS)
    held_out = seg.evaluate(model, seg.EVAL_SEEDS)
    assert held_out["dice"] >= 0.85                          # the tab's target, measured now
    for key, value in card["held_out"].items():
        assert held_out[key] == pytest.approx(value, abs=0.005), key
