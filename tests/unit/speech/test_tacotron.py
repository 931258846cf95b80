"""The small Tacotron: shapes, the guided-attention loss, saving without pickle, and the training script."""

import json

import numpy as np
import pytest
import torch

from showcase.speech import tacotron

SYMBOLS = [tacotron.PAD, tacotron.EOS, " ", "a", "b", "k", "t", "ˈ"]


def test_teacher_forced_shapes_and_free_running_inference():
    torch.manual_seed(0)
    model = tacotron.Tacotron(SYMBOLS, dim=32, rnn=48, prenet=32)
    ids = torch.tensor([[3, 4, 2, 5, 1], [3, 6, 1, 0, 0]])
    mels = torch.randn(2, 3 * tacotron.R, tacotron.N_MELS)
    before, after, stops, align = model(ids, torch.tensor([5, 3]), mels)
    assert before.shape == after.shape == mels.shape and stops.shape == (2, 3) and align.shape == (2, 3, 5)
    assert torch.allclose(align.sum(-1), torch.ones(2, 3), atol=1e-5)
    assert float(align[1, :, 3:].abs().max()) < 1e-6, "padding phonemes get no attention"
    frames, alignment = model.eval().infer(model.encode_text("bat ka"), max_steps=7)
    steps = alignment.shape[0]   # an untrained stop token may end it early
    assert 1 <= steps <= 7 and frames.shape == (steps * tacotron.R, tacotron.N_MELS) and alignment.shape[1] == 7


def test_unknown_symbols_are_dropped_and_the_end_symbol_added():
    model = tacotron.Tacotron(SYMBOLS, dim=16, rnn=16, prenet=16)
    assert model.encode_text("ta?z") == [model.index["t"], model.index["a"], model.index[tacotron.EOS]]


def test_guided_attention_loss_prefers_the_diagonal():
    steps, n = 8, 8
    diagonal = torch.eye(n)[None]
    anti = torch.flip(torch.eye(n), dims=[1])[None]
    lengths = torch.tensor([n])
    on = tacotron.guided_attention_loss(diagonal, lengths, torch.tensor([steps]))
    off = tacotron.guided_attention_loss(anti, lengths, torch.tensor([steps]))
    assert float(on) < 0.01 and float(off) > 0.05   # both averaged over all 64 cells


def test_save_and_load_round_trip_without_pickle(tmp_path):
    model = tacotron.Tacotron(SYMBOLS, dim=16, rnn=24, prenet=16)
    model.mel_mean.fill_(-3.0)
    tacotron.save(model, tmp_path / "t.safetensors")
    loaded = tacotron.load(tmp_path / "t.safetensors")
    assert loaded.config == model.config and float(loaded.mel_mean[0]) == -3.0
    for name, value in model.state_dict().items():   # stored as float16, widened on load
        expected = value.half().float() if value.is_floating_point() else value
        assert torch.equal(loaded.state_dict()[name], expected), name
    tacotron.save(loaded, tmp_path / "again.safetensors")
    again = tacotron.load(tmp_path / "again.safetensors")
    a, _ = loaded.infer(loaded.encode_text("bat"), max_steps=3, seed=1)
    b, _ = again.infer(again.encode_text("bat"), max_steps=3, seed=1)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_log_mel_and_griffin_lim_invert_each_other_roughly():
    sr = tacotron.SAMPLE_RATE
    t = np.arange(sr // 2) / sr
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frames = tacotron.log_mel(tone)
    assert frames.shape[1] == tacotron.N_MELS
    audio = tacotron.griffin_lim(frames, n_iter=16)
    spectrum = np.abs(np.fft.rfft(audio[2000:-2000]))
    assert abs(np.argmax(spectrum) * sr / len(audio[2000:-2000]) - 440) < 30   # the tone comes back at 440 Hz


@pytest.mark.slow
def test_training_smoke_run_writes_weights_and_card(tmp_path):
    import jiwer

    from showcase.speech import ctc, tts_training

    tts_training.main(["--smoke", "--out", str(tmp_path)])
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert (tmp_path / "tacotron.safetensors").is_file() and card["steps"] == 2
    # the card's CER is jiwer's over the examples it lists (what each sentence was heard as)
    rows = card["heldout_examples"]
    truth, heard = ([ctc.normalise_text(r[k]) or "-" for r in rows] for k in ("text", "heard"))
    assert card["heldout_round_trip_cer"] == pytest.approx(jiwer.cer(truth, heard), abs=1e-9)
    assert card["cer_curve"][0]["step"] == 2 and card["heldout_examples"]
    assert set(card["reference_round_trip_cer"]) == {"espeak-ng (the training voice)", "piper (joe-us)"}
    assert set(card[f"first_{tts_training.SUBSET}_round_trip_cer"]) == {"tacotron", *card["reference_round_trip_cer"]}
    assert card["target_met"] == (card["heldout_round_trip_cer"] <= card["target_round_trip_cer"])
    assert card["stages"][-1]["steps"] == 2 and "--smoke" in card["stages"][-1]["command"]
    assert tacotron.load(tmp_path / "tacotron.safetensors").config["symbols"][:2] == [tacotron.PAD, tacotron.EOS]
