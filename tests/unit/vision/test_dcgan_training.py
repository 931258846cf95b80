import json

import pytest
import torch

from showcase.vision import dcgan
from showcase.vision.dcgan_training import CARD_SEED, CURVE_SEED, _follow, resume, train

needs_weights = pytest.mark.skipif(not dcgan.CARD.is_file(), reason="bundled DCGAN not trained yet")


def test_the_curve_is_judged_on_other_latents_than_the_card():
    assert CURVE_SEED != CARD_SEED


def test_ema_follows_weights_and_batch_norm_statistics():
    g, ema = dcgan.Generator(), dcgan.Generator()
    for p in g.parameters():
        torch.nn.init.constant_(p, 1.0)
    bn = g.net[1]
    bn.running_mean.fill_(2.0)
    bn.num_batches_tracked.fill_(7)
    before = ema.net[0].weight.clone()
    _follow(ema, g, decay=0.75)
    assert torch.allclose(ema.net[0].weight, 0.75 * before + 0.25)
    assert torch.allclose(ema.net[1].running_mean, torch.full_like(bn.running_mean, 0.5))
    assert int(ema.net[1].num_batches_tracked) == 7


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    card = train(tmp_path, steps=2, classifier_epochs=1, log=lambda *_: None)
    for name in ("generator", "discriminator", "classifier"):
        assert (tmp_path / f"{name}.safetensors").is_file()
    assert set(card["final"]) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0 <= card["classifier"]["held_out_accuracy"] <= 1
    assert card["command"].startswith("python -m showcase.vision.dcgan_training")


@pytest.mark.slow
@needs_weights
def test_resume_keeps_the_best_checkpoint_and_extends_the_card(tmp_path):
    old = json.loads(dcgan.CARD.read_text())
    card = resume(tmp_path, steps=4, every=2, log=lambda *_: None)
    stage = card["stages"][-1]
    assert [p["step"] for p in stage["curve"]["points"]] == [0, 2, 4]
    chosen = stage["chosen"]
    best = max((p[w] for p in stage["curve"]["points"] for w in ("generator", "ema")
                if p[w]["class_entropy_bits"] >= 3.0), key=lambda s: s["digit_likeness"])
    point = next(p for p in stage["curve"]["points"] if p["step"] == chosen["step"])
    assert point["ema" if chosen["weights"].startswith("EMA") else "generator"]["digit_likeness"] == best["digit_likeness"]
    assert card["classifier"] == old["classifier"]              # the judge is not retrained
    assert card["training_seconds"]["gan"] > old["training_seconds"]["gan"] - 1e-9
    # the saved generator is the chosen one: its samples score what the card says
    g = dcgan._load_generator(tmp_path / "generator.safetensors")
    with torch.inference_mode():
        again = dcgan.score(dcgan.bundled_classifier()[0], g(dcgan.latents(CARD_SEED, card["samples"]["n"])))
    assert again["digit_likeness"] == pytest.approx(card["samples"]["digit_likeness"], abs=1e-4)
