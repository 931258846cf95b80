"""Text to speech: text edge cases, each engine, the round trip through Whisper, the bundled model's card."""

import json
import re

import jiwer
import numpy as np
import pytest

from showcase.core import models
from showcase.core.errors import InputError
from showcase.speech import tts

@pytest.mark.parametrize("text, match", [
    ("", "empty"), ("   ", "empty"), ("x" * 5000, "5,000 characters"), ("😀🎉", "no letters"),
    ("\ud800 hello", "surrogates"), (b"\xff\xfe", "UTF-8"),
])
def test_bad_text_is_refused_clearly(text, match):
    with pytest.raises(InputError, match=match):
        tts.prepare_text(text, "piper")


def test_emoji_are_skipped_with_a_note_and_chinese_goes_to_the_mandarin_voice():
    spoken, language, notes = tts.prepare_text("Good 😀 morning", "piper")
    assert spoken == "Good morning" and language == "en" and "emoji" in notes[0]
    spoken, language, notes = tts.prepare_text("你好,世界", "espeak")
    assert language == "zh" and "Mandarin" in notes[0]
    for engine in ("piper", "tacotron", "hub"):
        with pytest.raises(InputError, match="English only"):
            tts.prepare_text("你好", engine)


def test_phrases_keep_at_most_ten_words_and_split_at_punctuation():
    text = "One two three four five six seven eight nine ten eleven twelve, and a clause. Short."
    pieces = tts.phrases(text)
    assert all(len(p.split()) <= tts.PHRASE_WORDS for p in pieces) and pieces[-1] == "Short."
    assert " ".join(pieces) == text


@pytest.mark.slow
def test_piper_is_intelligible_and_espeak_speaks_chinese():
    r = tts.synthesize("The cat sat on the mat and looked at the door.", "piper")
    m = r.metrics
    assert m["round_trip_cer"] <= 0.05 and m["engine"] == "piper" and r.audio[0] == 22_050
    assert r.audio[1].dtype == np.int16 and m["audio_seconds"] > 1 and r.picture.size[0] > 300
    r = tts.synthesize("你好,世界", "espeak")
    assert r.metrics["round_trip_cer"] is None and r.metrics["language"] == "zh" and "cmn" in r.metrics["model"]


@pytest.mark.slow
def test_the_bundled_tacotron_model_speaks_a_held_out_sentence_with_its_alignment():
    r = tts.synthesize("Allow giving an explicit line number.", "tacotron")
    m = r.metrics
    # its speed (faster than real time) is the benchmark's to judge: a test on a busy machine is no clock
    assert m["source"] == "bundled" and m["phrases"] == 1 and m["real_time_factor"] > 0
    # the CER shown is jiwer's, recounted here from the text spoken and Whisper's transcript the tab shows
    truth, heard = (" ".join(re.sub(r"[^a-z' ]+", " ", t.lower().replace("-", " ")).split())
                    for t in (m["scored_text"], r.heard))
    assert r.heard == m["heard"] and m["scored_text"] == "Allow giving an explicit line number." and m["phonemes"]
    assert m["round_trip_cer"] == pytest.approx(jiwer.cer(truth, heard or "-"), abs=5e-5)
    assert r.picture.size[1] > 300, "three panels: waveform, mel, alignment"


@pytest.mark.slow
def test_the_bundled_tacotron_model_reaches_its_card():
    """The card's held-out round-trip CER, measured again on the same sentences."""
    from showcase.speech import tts_training

    import torch

    card = json.loads((tts.TACOTRON.bundled.parent / "model_card.json").read_text())
    model = tts.tacotron.load(tts.TACOTRON.bundled)
    sentences = [e["text"] for e in card["heldout_examples"]]
    threads = torch.get_num_threads()
    torch.set_num_threads(card["threads"])   # as the card measured: summation order depends on threads,
    try:                                     # and an autoregressive decoder amplifies the difference
        cer, _ = tts_training.round_trip_cer(tts_training.tacotron_speaker(model), sentences)
    finally:
        torch.set_num_threads(threads)
    # Whisper falls back to sampling on the clips it is unsure of, and Tacotron's are: two runs of
    # this test on one machine measured 0.285 and 0.320 (card 0.285), so 0.04 either side
    assert cer == pytest.approx(card["heldout_round_trip_cer"], abs=0.04)
    # the card (and the tab, which reads it) says whether the target is met: that claim must be true
    assert card["target_met"] == (card["heldout_round_trip_cer"] <= card["target_round_trip_cer"])
    assert card[f"first_{tts_training.SUBSET}_round_trip_cer"]["tacotron"] == pytest.approx(
        tts_training.subset_cer(card["heldout_examples"]))


def card_cer(rows: list[dict]) -> float:
    """jiwer's CER over a card's examples (text, heard), normalised as the tab does."""
    from showcase.speech import ctc

    return jiwer.cer([ctc.normalise_text(r["text"]) for r in rows], [ctc.normalise_text(r["heard"]) or "-" for r in rows])


def test_the_cards_held_out_cer_is_what_its_own_examples_give():
    card = json.loads((tts.TACOTRON.bundled.parent / "model_card.json").read_text())
    assert len(card["heldout_examples"]) == 25
    assert card["heldout_round_trip_cer"] == pytest.approx(card_cer(card["heldout_examples"]), abs=1e-9)


@pytest.mark.slow
def test_the_reference_voices_reach_their_card_on_a_fixed_subset():
    """The tab shows espeak-ng's and Piper's round-trip CER from the card: re-measured here on the card's
    first SUBSET held-out sentences (8: a few seconds of Whisper each; the full 25 is the training's job)."""
    from showcase.core import synth
    from showcase.speech import tts_training

    card = json.loads((tts.TACOTRON.bundled.parent / "model_card.json").read_text())
    sentences = [e["text"] for e in card["heldout_examples"]][:tts_training.SUBSET]
    promised = card[f"first_{tts_training.SUBSET}_round_trip_cer"]
    espeak, _ = tts_training.round_trip_cer(lambda s: synth.espeak(s, **tts_training.VOICE), sentences)
    # espeak-ng speaks the same samples every time, but Whisper falls back to sampling on clips it is
    # unsure of (robotic ones): the fresh-clone run measured 0.159 against the card's 0.169 on these 8
    assert espeak == pytest.approx(promised["espeak-ng (the training voice)"], abs=0.03)
    piper, _ = tts_training.round_trip_cer(synth.piper, sentences)
    # Piper draws fresh noise on every call and Whisper may sample when unsure: two runs on these 8
    # sentences gave 0.044 and 0.013, so the check is one-sided: Piper is at least as clear as the card says
    assert piper <= promised["piper (joe-us)"] + 0.03


def test_an_unknown_engine_and_the_hub_offline_are_refused_clearly(monkeypatch):
    with pytest.raises(InputError, match="engine must be one of"):
        tts.synthesize("Hello.", "festival")
    monkeypatch.setattr(models, "_instances", {})
    with pytest.raises(models.ModelUnavailable, match="hub"):
        tts.synthesize("Hello there.", "hub", check=False)


@pytest.mark.slow
def test_hub_code_path_with_a_tiny_random_vits(monkeypatch, tmp_path):
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    letters = ["k", " "] + list("abcdefghilmnorstuwy")
    (tmp_path / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate(letters)}))
    VitsTokenizer(str(tmp_path / "vocab.json"), add_blank=True, phonemize=False).save_pretrained(tmp_path)
    config = VitsConfig(vocab_size=len(letters), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32,
                        flow_size=16, spectrogram_bins=33, upsample_initial_channel=16, upsample_rates=[4, 4],
                        upsample_kernel_sizes=[8, 8], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
                        prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
                        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1,
                        duration_predictor_filter_channels=16, depth_separable_num_layers=1, sampling_rate=16_000)
    VitsModel(config).save_pretrained(tmp_path)
    monkeypatch.setattr(models, "_snapshot", lambda spec, cache_dir, local_only: tmp_path)
    monkeypatch.setattr(models, "_instances", {})
    r = tts.synthesize("hello world", "hub", check=False)
    assert r.metrics["source"] == "hub" and r.metrics["model"].startswith("MMS-TTS") and r.audio[0] == 16_000
    assert len(r.audio[1]) > 0


def test_a_long_text_is_checked_on_the_leading_sentences_within_whispers_window(monkeypatch):
    """Issue #25 item 8: the round trip heard 65-74 s of audio, past the 30 s cap transcribe applies."""
    from showcase.speech import asr

    heard_seconds = []

    def fake_whisper(samples, rate, engine="ctc", **kwargs):
        heard_seconds.append(len(samples) / rate)
        return asr.Recognition(scored["text"], engine, 0.1, len(samples) / rate, "fake", "test")

    scored = {}
    real_scored_part = tts.scored_part

    def remember(speech, *args):
        end, text, pieces = real_scored_part(speech, *args)
        scored["text"] = text
        return end, text, pieces

    monkeypatch.setattr(asr, "recognise", fake_whisper)
    monkeypatch.setattr(tts, "scored_part", remember)
    sentence = "The interpreter reads each statement and runs it before the next one."
    text = " ".join(f"{sentence[:-1]} number {n}." for n in range(1, 13))   # about 55 s of espeak-ng
    m = tts.synthesize(text, "espeak").metrics
    assert m["audio_seconds"] > 45 and heard_seconds and max(heard_seconds) <= tts.LISTEN_SECONDS
    assert 0 < m["scored_seconds"] <= tts.LISTEN_SECONDS and text.startswith(m["scored_text"])
    done, total = map(int, m["scored_pieces"].split(" of "))
    assert 0 < done < total == 12 and m["round_trip_cer"] == 0.0
    assert m["scored_text"].endswith(f"number {done}.")
    from pages.speech.tts import summary   # and the tab's sentence says which part was scored

    sentence = summary(m)
    assert f"Only the first {done} of 12 sentences" in sentence and f"只检查了前 {done} 句(共 12 句" in sentence
    m.update(scored_pieces="12 of 12")
    assert "Only the first" not in summary(m)


def test_sentences_and_their_spans():
    assert tts.sentences("One. Two three! Four? ... Five") == ["One.", "Two three!", "Four?", "Five"]
    audio, spans = tts._joined([(np.ones(100, np.float32), "a"), (np.ones(50, np.float32), "b")], 1000)
    pause = int(tts.PAUSE_SECONDS * 1000)
    assert len(audio) == 150 + pause and spans == [(100, "a"), (150 + pause, "b")]
    speech = tts.Speech(audio, 1000, spans=spans)
    assert tts.scored_part(speech, max_seconds=0.12) == (100, "a", 1)
    assert tts.scored_part(speech, max_seconds=0.05) == (0, "", 0)
