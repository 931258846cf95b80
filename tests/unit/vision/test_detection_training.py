import pytest

from showcase.vision import detection
from showcase.core import shapes
from showcase.vision.detection_training import train


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    card = train(tmp_path / "out", epochs=1, stage1_epochs=1, batch=4, imgsz=64, n_train=4, n_stage1=3,
                 n_val=2, n_test=2, workdir=tmp_path / "work", log=lambda *_: None)
    assert (tmp_path / "out" / detection.ONNX_PATH.name).is_file() and (tmp_path / "out" / "model_card.json").is_file()
    assert {"map50", "map50_95"} <= set(card["held_out"]) and card["imgsz"] == 64
    assert card["stage1_checkpoint"] == "trained by this run"    # both stages ran, from the yaml
    assert card["training_seconds"]["stage1"] > 0 and card["training_seconds"]["stage2"] > 0
    session = detection.load_onnx(tmp_path / "out" / detection.ONNX_PATH.name)
    assert session[2] == 64 and session[1] == shapes.CLASSES
    assert not list((tmp_path / "out").glob("*.pt"))   # no pickle next to the ONNX
