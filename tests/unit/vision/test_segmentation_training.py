import json

import numpy as np
import pytest

from showcase.vision import segmentation as seg
from showcase.vision.segmentation_training import TRAIN_SEEDS, augment, train


def test_training_never_sees_the_held_out_images():
    assert not set(TRAIN_SEEDS) & set(seg.EVAL_SEEDS)


def test_augment_moves_the_mask_with_the_pixels():
    import torch

    x = torch.rand(4, 1, 16, 16)
    y = (x > 0.5).float()
    gen = torch.Generator().manual_seed(3)
    ax, ay = augment(x, y, gen)
    # flips and turns move pixels and labels alike; gamma changes brightness but not which side of 0.5
    # relative order within an image, so the brightest pixels stay inside the mask
    assert ax.shape == x.shape and torch.equal(ay.sum(dim=(1, 2, 3)), y.sum(dim=(1, 2, 3)))
    for a, m in zip(ax, ay):
        assert a[m.bool()].min() >= a[~m.bool()].max()


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    card = train(tmp_path, steps=2, batch_size=2, n_train=4, n_eval=1, log=lambda *_: None)
    assert (tmp_path / "unet.safetensors").is_file() and (tmp_path / "model_card.json").is_file()
    assert set(card["held_out"]) == {"dice", "iou", "baseline_dice", "baseline_iou"}
    assert card["command"] == "python -m showcase.vision.segmentation_training"
    assert json.loads((tmp_path / "model_card.json").read_text()) == card
    model = seg.load_unet(tmp_path / "unet.safetensors")
    assert seg.predict_proba(model, np.zeros((32, 32), np.float32)).shape == (32, 32)
