import json
import time

import pytest

from showcase.vision import diffusion
from showcase.vision.diffusion_training import STAGES, Stage, train


def test_each_stage_restarts_lower_and_averages_longer():
    assert [s.lr for s in STAGES] == sorted((s.lr for s in STAGES), reverse=True)
    assert [s.ema_decay for s in STAGES] == sorted(s.ema_decay for s in STAGES)


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    stages = (Stage(2, 1e-3, 1, 0.9), Stage(2, 5e-4, 1, 0.9))
    quick = dict(batch_size=4, eval_images=2, eval_steps=2, log=lambda *_: None)
    card = train(tmp_path / "full", stages, **quick)
    assert (tmp_path / "full" / "diffusion_pytorch_model.safetensors").is_file() and (tmp_path / "full" / "config.json").is_file()
    assert {"held_out_noise_mse", "ddim_samples", "ddpm_samples", "training_seconds", "seed", "command"} <= set(card)
    assert [s["stage"] for s in card["stages"]] == [1, 2]
    reloaded = diffusion.load_unet(tmp_path / "full" / "diffusion_pytorch_model.safetensors")
    assert sum(p.numel() for p in reloaded.parameters()) == card["parameters"]
    # stage 1 alone, then stage 2 warm-started from it: stage 1's record comes from its card
    first = train(tmp_path / "stage1", stages[:1], **quick)
    again = train(tmp_path / "resumed", stages, resume=tmp_path / "stage1", **quick)
    assert again["stages"][0]["training_seconds"] == first["stages"][0]["training_seconds"] and len(again["stages"]) == 2
    with pytest.raises(ValueError, match="nothing left"):
        train(tmp_path / "again", stages, resume=tmp_path / "resumed", **quick)


@pytest.mark.slow
def test_until_ends_the_stage_and_the_card_says_so(tmp_path):
    quick = dict(batch_size=4, eval_images=2, eval_steps=2, log=lambda *_: None)
    card = train(tmp_path, (Stage(10_000, 1e-3, 1, 0.9),), until=time.time() + 3, curve_every=10_000,
                 curve_images=2, **quick)
    stage = card["stages"][0]
    assert 1 <= stage["steps_done"] < 10_000 and "until_utc" in stage
    points = stage["curve"]["points"]
    assert [p["step"] for p in points] == [0, stage["steps_done"]]    # the start, and where the clock stopped it
    assert 0 < points[-1]["digit_likeness"] <= 1
    assert json.loads((tmp_path / "model_card.json").read_text()) == card
