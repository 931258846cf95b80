import json

import pytest

from showcase.vision import detection
from showcase.core import shapes
from showcase.vision.detection_training import TEST_SEEDS, train

needs_weights = pytest.mark.skipif(not (detection.ONNX_PATH.is_file() and detection.CARD.is_file()),
                                   reason="bundled shapes detector not trained yet")


@pytest.mark.slow
@needs_weights
def test_bundled_weights_reach_their_model_card():
    card = json.loads(detection.CARD.read_text())
    assert detection.ONNX_PATH.stat().st_size < 10 * 2**20
    ours = detection.average_precision_50(detection._load_onnx(detection.ONNX_PATH), TEST_SEEDS[:card["held_out_ours"]["scenes"]])
    assert ours["map50"] == pytest.approx(card["held_out_ours"]["map50"], abs=0.01)


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    card = train(tmp_path / "out", epochs=1, stage1_epochs=1, batch=4, imgsz=64, n_train=4, n_stage1=3,
                 n_val=2, n_test=2, workdir=tmp_path / "work", log=lambda *_: None)
    assert (tmp_path / "out" / detection.ONNX_PATH.name).is_file() and (tmp_path / "out" / "model_card.json").is_file()
    assert {"map50", "map50_95"} <= set(card["held_out"]) and card["imgsz"] == 64
    assert card["stage1_checkpoint"] == "trained by this run"    # both stages ran, from the yaml
    assert card["training_seconds"]["stage1"] > 0 and card["training_seconds"]["stage2"] > 0
    session = detection._load_onnx(tmp_path / "out" / detection.ONNX_PATH.name)
    assert session[2] == 64 and session[1] == shapes.CLASSES
    assert not list((tmp_path / "out").glob("*.pt"))   # no pickle next to the ONNX
