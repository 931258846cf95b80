"""speech/asr: CTC decoding, the bundled model against its card, Whisper offline and from a hub cache,
and bad audio."""

import json
import math
import shutil

import numpy as np
import pytest
import soundfile as sf

from showcase.core import models
from showcase.core.errors import InputError
from showcase.speech import asr, asr_data, asr_training, ctc



def card() -> dict:
    return json.loads((asr_data.OUT / "model_card.json").read_text())


def frames(*symbols_probs):
    """(T, vocab) log-probabilities from per-frame {symbol: probability} dicts (the rest share what is left)."""
    out = []
    for probs in symbols_probs:
        row = np.full(len(ctc.VOCAB), (1 - sum(probs.values())) / (len(ctc.VOCAB) - len(probs)))
        for symbol, p in probs.items():
            row[ctc.INDEX[symbol]] = p
        out.append(np.log(row))
    return np.array(out, dtype=np.float32)


def test_greedy_merges_repeats_then_drops_blanks():
    b = ctc.BLANK
    path = ["h", "h", b, "e", "l", "l", b, "l", "o", "o", " ", " ", "w", b]
    log_probs = frames(*({s: 0.9} for s in path))
    assert ctc.greedy_decode(log_probs) == "hello w"
    assert asr.beam_decode(log_probs) == "hello w"  # a peaked output: beam search agrees


def test_beam_search_sums_the_paths_greedy_cannot_see():
    # each frame: blank 0.4, "a" 0.35. Greedy takes blank, blank → "" (p 0.16); the paths to "a"
    # (a a, a ·, · a) add up to 0.1225 + 0.14 + 0.14 = 0.40, so the prefix beam search says "a".
    log_probs = frames({ctc.BLANK: 0.4, "a": 0.35}, {ctc.BLANK: 0.4, "a": 0.35})
    assert ctc.greedy_decode(log_probs) == ""
    assert asr.beam_decode(log_probs, beam_size=8) == "a"


def test_text_normalisation_and_targets():
    assert ctc.normalise_text("Don't PANIC -- it's 42!") == "don't panic it's"
    assert ctc.encode("ab c") == [ctc.INDEX["a"], ctc.INDEX["b"], ctc.INDEX[" "], ctc.INDEX["c"]]
    model = ctc.CTCModel()
    import torch

    assert model(torch.zeros(1, ctc.N_MELS, 300)).shape == (1, 100, len(ctc.VOCAB))
    assert int(model.out_lengths(torch.tensor(300))) == 100


def test_heldout_sentences_were_never_training_text():
    train, heldout = asr_data.corpus()
    items = json.loads((asr_data.OUT / "heldout.json").read_text())
    assert [i["text"] for i in items] == heldout and len(heldout) >= 40
    spoken = set(train)
    assert not any(ctc.normalise_text(h) in spoken for h in heldout)
    # no training run of words comes from a held-out sentence: whole sentences were set aside
    assert not any(ctc.normalise_text(h).startswith(t) and len(t.split()) >= 6 for h in heldout[:10] for t in train)


def test_everyday_heldout_sentences_were_never_training_text():
    """WordNet's example sentences: the held-out and development ones are never training text, and the
    clips say the card's sentences."""
    train, heldout = asr_data.everyday()
    dev = asr_data.everyday_dev()
    assert len(heldout) == asr_data.EVERYDAY_HELDOUT == 57 and len(dev) == 60 and len(train) > 20_000
    assert not (set(heldout) | set(dev)) & set(train) and not set(heldout) & set(dev)
    assert not set(heldout) & set(asr_data.language_model_text())
    for which in ("everyday_piper", "everyday_family"):
        assert [text for _, _, text in asr_data.load_heldout(which)] == heldout
    assert all(s == ctc.normalise_text(s) and 5 <= len(s.split()) <= 16 for s in heldout)


def conditions() -> dict:
    """The card's held-out conditions and their clips: Piper's unseen voice, the training family clean,
    the training family at 10 dB SNR white noise (the same seeds as the card); then everyday sentences
    (WordNet's examples) by the training family and by Piper."""
    family = asr_data.load_heldout("family")
    return {"heldout_piper": asr_data.load_heldout(), "heldout_family_clean": family,
            "heldout_family_white_10db": [(asr_data.white_noise(a, 10.0, i), sr, t)
                                          for i, (a, sr, t) in enumerate(family)],
            "heldout_everyday_family": asr_data.load_heldout("everyday_family"),
            "heldout_everyday_piper": asr_data.load_heldout("everyday_piper")}


# The targets with the language model (CER, WER; None: no WER target); measured after 343 training
# minutes: family clean 0.056 / 0.156, 10 dB 0.189, Piper 0.244 (57 sentences each)
TARGETS = {"heldout_family_clean": (0.10, 0.30), "heldout_family_white_10db": (0.30, None),
           "heldout_piper": (0.25, None)}


@pytest.mark.slow
def test_bundled_ctc_reaches_its_card_in_every_held_out_condition():
    """Every CTC number the tab shows (five conditions × three decoders, 57 clips each) re-measured, and
    the issue's targets checked on what was measured (the documentation's sentences: everyday ones are
    reported, not yet at the targets)."""
    for key, clips in conditions().items():
        refs = [text for _, _, text in clips]
        for decoder in ("greedy", "beam", "lm"):
            hyps = [asr.recognise(a, sr, "ctc", decoder).text for a, sr, _ in clips]
            got = asr_training.score(refs, hyps)
            promised = card()[key][f"ctc_{decoder}"]
            assert len(clips) == promised["n"] == 57
            assert got["cer"] == pytest.approx(promised["cer"], abs=0.005), (key, decoder, got, promised)
            assert got["wer"] == pytest.approx(promised["wer"], abs=0.01), (key, decoder, got, promised)
        if key in TARGETS:
            cer, wer = TARGETS[key]
            assert got["cer"] <= cer and (wer is None or got["wer"] <= wer), (key, got, TARGETS[key])


@pytest.mark.slow
def test_whisper_reaches_its_card_on_the_first_ten_clips_of_each_condition():
    """Whisper's held-out numbers on the card cover 57 clips per condition; its first 10 clips (a
    minute of Whisper on one core) are re-measured here against the card's score for those 10."""
    n = asr_training.SUBSET
    model, source = asr.whisper()
    assert source == "package"
    sampled = []   # clips whose transcription fell back to sampling
    for key, clips in conditions().items():
        clips, hyps = clips[:n], []
        for a, sr, _ in clips:
            hyps.append(asr.recognise(a, sr, "whisper").text)
            if model.model.sampled:
                sampled.append((a, sr, hyps[-1]))
        got = asr_training.score([t for _, _, t in clips], hyps)
        promised = card()[key]["whisper"][f"first_{n}"]
        # faster-whisper falls back to sampling at higher temperatures when a greedy pass looks unsure
        # (robotic voices, noise): seeded afresh, it repeats itself on one machine; another CPU's
        # rounding can still send a clip down the fallback
        assert got["cer"] == pytest.approx(promised["cer"], abs=0.03), (key, got, promised, hyps)
    # a sampled clip's transcript does not depend on what the process transcribed before (CTranslate2
    # seeds a thread's sampler once: a noisy example read "Thank you." once, then "Thanks for watching…")
    assert sampled, "no clip fell back to sampling: this check checks nothing"
    for a, sr, text in sampled[:3]:
        assert asr.recognise(a, sr, "whisper").text == text


def test_whispers_transcript_does_not_depend_on_the_processs_blas_threads():
    """The tab's first clip read "a common cause…" with numpy's OpenBLAS on two threads (the test
    workers' setting) and "common cause…" on one (the app's): faster-whisper's log-mel features are
    numpy products. A transcription runs on one BLAS thread whatever the process set."""
    import threadpoolctl

    a, sr, _ = asr_data.load_heldout("family")[0]
    texts = set()
    for threads in (2, 1):
        with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
            texts.add(asr.recognise(a, sr, "whisper", "lm").text)
    assert len(texts) == 1, texts


def test_loading_whisper_leaves_torchs_thread_count_in_the_loading_thread_as_it_was():
    """CTranslate2 sets OpenMP's count in the thread that loads it; a server thread that loaded
    Whisper must not run every later request's torch work on one thread."""
    import threading

    import torch

    seen = {}

    def load():
        torch.get_num_threads()   # a server thread that ran torch work before: its threads are set up
        torch.set_num_threads(2)
        asr.load_whisper(asr._package_whisper())
        seen["after"] = torch.get_num_threads()

    worker = threading.Thread(target=load)
    worker.start()
    worker.join()
    assert seen["after"] == 2


@pytest.mark.slow
def test_transcribe_both_engines_on_the_tabs_first_example():
    """The first example is a transcript a person can read: the CTC model with its language model
    gets at most three words in ten wrong (the issue's WER target for the training family)."""
    from pages.speech.asr import API

    path, engine, decoder, beam, text = API["transcribe"]
    assert (engine, decoder) == ("both", "lm") and "heldout_family" in path
    r = asr.transcribe(path, engine, decoder, 8, reference=text)
    m = r.metrics
    assert set(r.texts) == {"ctc", "whisper"} and m["text"] == r.texts["whisper"]
    assert m["ctc_source"] == "bundled" and m["whisper_source"] == "package"
    assert m["whisper_wer"] <= 0.1 and m["ctc_wer"] <= 0.3 and m["ctc_text"] == m["ctc_lm_text"]
    assert m["ctc_real_time_factor"] > 0 and m["whisper_real_time_factor"] > 0
    # the share the picture's title gives, counted here from the CTC model's frames: best symbol blank
    clip = asr.load_audio(path, target_rate=ctc.SAMPLE_RATE, max_seconds=asr.MAX_SECONDS)
    best = asr.ctc_log_probs(clip.samples, clip.rate).argmax(axis=1)
    assert m["ctc_blank_share"] == round(float(np.mean(best == ctc.VOCAB.index(ctc.BLANK))), 3)
    kept = [ctc.VOCAB[b] for i, b in enumerate(best) if b and (i == 0 or b != best[i - 1])]
    assert m["ctc_greedy_text"] == " ".join("".join(kept).split()) and m["ctc_beam_text"] is not None
    assert r.probabilities.size[0] > 300


def test_bad_audio_then_the_next_call_works(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("not a sound at all\n" * 50)
    (tmp_path / "garbage.wav").write_bytes(b"RIFF" + np.random.default_rng(1).bytes(3000))
    sf.write(tmp_path / "zero.wav", np.zeros((0, 1)), 16_000)
    sf.write(tmp_path / "eight.wav", np.zeros((8_000, 8)), 16_000)
    sf.write(tmp_path / "hires.wav", np.zeros(9_600), 96_000)
    sf.write(tmp_path / "hour.flac", np.zeros(8_000 * 3_600, np.int16), 8_000)
    cases = {"empty.wav": "empty", "notes.wav": "not audio", "garbage.wav": "not audio", "zero.wav": "no samples",
             "eight.wav": "8 channels", "hires.wav": "96,000 Hz", "hour.flac": "limit here is 30 s"}
    good = (16_000, np.zeros(8_000, np.float32))
    for name, message in cases.items():
        with pytest.raises(InputError, match=message):
            asr.transcribe(str(tmp_path / name), "ctc")
        assert asr.transcribe(good, "ctc").metrics["engine"] == "ctc"
    with pytest.raises(InputError, match="engine"):
        asr.transcribe(good, "sphinx")
    with pytest.raises(InputError, match="Beam size"):
        asr.transcribe(good, "ctc", "beam", 0)
    silent = asr.transcribe(good, "ctc").metrics
    assert silent["ctc_text"] == "" and silent["ctc_blank_share"] > 0.9  # silence: nothing but blanks


@pytest.fixture()
def tiny_whisper_hub(tmp_path):
    """A random two-layer Whisper in CTranslate2 format, laid out in a hub cache as the hub repo."""
    import torch
    from ctranslate2.converters import TransformersConverter
    from transformers import PreTrainedTokenizerFast, WhisperConfig, WhisperForConditionalGeneration

    package = asr._package_whisper()
    torch.manual_seed(0)
    config = WhisperConfig(vocab_size=51864, d_model=32, encoder_layers=1, decoder_layers=1,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                           decoder_ffn_dim=64, num_mel_bins=80, decoder_start_token_id=50257, eos_token_id=50256,
                           pad_token_id=50256, bos_token_id=50256)
    WhisperForConditionalGeneration(config).save_pretrained(tmp_path / "hf")
    PreTrainedTokenizerFast(tokenizer_file=str(package / "tokenizer.json")).save_pretrained(tmp_path / "hf")
    repo = tmp_path / "cache" / f"models--{asr.WHISPER_HUB.replace('/', '--')}"
    snapshot = repo / "snapshots" / ("b" * 40)
    TransformersConverter(str(tmp_path / "hf")).convert(str(snapshot), quantization="int8")
    shutil.copy(package / "tokenizer.json", snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("b" * 40)
    return tmp_path / "cache"


def test_whisper_hub_path_with_a_tiny_random_model(tiny_whisper_hub, monkeypatch):
    monkeypatch.setattr(asr, "HUB_CACHE", tiny_whisper_hub)
    monkeypatch.setattr(models, "_instances", {})
    found = models.resolve(asr.whisper_spec(), prefer="hub", cache_dir=tiny_whisper_hub)
    assert found.source == "hub" and found.detail["from"] == "cache"
    r = asr.recognise(np.zeros(16_000, np.float32), 16_000, "whisper", prefer="hub")
    assert r.source == "hub" and isinstance(r.text, str)


def test_whisper_unavailable_offline_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(asr, "_package_whisper", lambda: None)
    monkeypatch.setattr(asr, "HUB_CACHE", tmp_path)
    monkeypatch.setattr(models, "_instances", {})
    monkeypatch.setattr(models, "hub_reachable", lambda *a, **k: False)
    with pytest.raises(models.ModelUnavailable, match="Whisper tiny.en.*hub"):
        asr.transcribe((16_000, np.zeros(8_000, np.float32)), "whisper")


@pytest.mark.parametrize("flag", ["--festival-share", "--flite-share", "--everyday-share"])
def test_training_refuses_a_share_that_is_not_a_fraction(flag, capsys, tmp_path):
    with pytest.raises(SystemExit):  # --out: were the check missing, the smoke run would not touch the bundled model
        asr_training.main([flag, "1.5", "--smoke", "--out", str(tmp_path / "ctc.safetensors")])
    assert f"{flag} 1.5 is not a fraction" in capsys.readouterr().err


@pytest.mark.slow
def test_training_smoke_run(tmp_path):
    asr_training.main(["--smoke", "--everyday-share", "0.5", "--out", str(tmp_path / "ctc.safetensors")])
    model = ctc.load(tmp_path / "ctc.safetensors")
    assert sum(p.numel() for p in model.parameters()) == card()["parameters"]


def test_the_first_calls_loading_time_is_reported_apart_from_its_real_time_factor(monkeypatch):
    """Issue #25 item 9: the first transcription's RTF included loading Whisper (0.94 against 0.005)."""
    clock = {"now": 0.0}
    monkeypatch.setattr(asr.time, "perf_counter", lambda: clock["now"])

    class FakeWhisper:
        class model:                                     # CTranslate2's model: its sampler is never used
            fresh = staticmethod(lambda: None)

        def transcribe(self, samples, **kwargs):
            clock["now"] += 0.5                         # recognising takes 0.5 s of the fake clock

            class Segment:
                text = " hello world"
            return [Segment()], None

    loaded = {}

    def fake_load(prefer="bundled"):
        if not loaded:
            clock["now"] += 20.0                         # loading takes 20 s, once
            loaded["model"] = FakeWhisper()
        return loaded["model"], "package"

    monkeypatch.setattr(asr, "whisper", fake_load)
    clip = (16_000, np.zeros(16_000 * 5, np.float32))
    first = asr.transcribe(clip, "whisper").metrics
    second = asr.transcribe(clip, "whisper").metrics
    assert first["whisper_load_seconds"] == 20.0 and second["whisper_load_seconds"] == 0.0
    assert first["whisper_seconds"] == second["whisper_seconds"] == 0.5
    assert first["whisper_real_time_factor"] == second["whisper_real_time_factor"] == 0.1
    assert first["load_seconds"] == 20.0 and first["seconds"] == 0.5


def test_the_character_language_model_prefers_english_spelling():
    from showcase.speech import ctc_lm

    lm = ctc_lm.CharLM(["the compiler turns source code into machine code", "the code runs"], order=4)
    # the counts are what a plain loop over every character and context counts (ctc_lm counts with numpy)
    texts = ["the compiler turns source code into machine code", "The code runs!", "a", "it's done"]
    plain: dict = {}
    for text in texts:
        line = "   " + ctc.normalise_text(text) + " "
        for i in range(3, len(line)):
            for n in range(4):
                plain.setdefault(line[i - n:i], {}).setdefault(line[i], 0)
                plain[line[i - n:i]][line[i]] += 1
    assert {h: dict(c) for h, c in ctc_lm.CharLM(texts, order=4).counts.items()} == plain
    assert sum(lm.prob("th", c) for c in ctc_lm.SYMBOLS) == pytest.approx(1.0)   # a distribution
    assert lm.prob("th", "e") > 10 * lm.prob("th", "q") > 0                      # unseen: small, not zero
    # frames that hesitate between "code" and "cade": the acoustics slightly prefer the wrong vowel
    b = ctc.BLANK
    log_probs = frames({"c": 0.9}, {b: 0.9}, {"a": 0.5, "o": 0.4}, {b: 0.9}, {"d": 0.9}, {"e": 0.9})
    assert asr.beam_decode(log_probs) == "cade"
    assert ctc_lm.beam_decode_lm(log_probs, lm, alpha=1.0, beta=0.0) == "code"
    # a peaked output is left as the acoustics say, whatever the language model thinks
    sure = frames({"x": 0.99}, {b: 0.99}, {"q": 0.99})
    assert ctc_lm.beam_decode_lm(sure, lm, alpha=0.5, beta=1.0) == "xq"


def test_the_word_bigram_prefers_words_the_text_has():
    from showcase.speech import ctc_lm

    words = ctc_lm.WordLM(["the code runs", "the code runs fast", "a cat sat"])
    known = {w for c in words.counts.values() for w in c}
    # the known words and one unseen word share all the probability after any context
    for prev in ("<s>", "the", "cat", "never"):
        total = sum(math.exp(words.log_prob(prev, w)) for w in known) + math.exp(words.log_prob(prev, "zzz"))
        assert total == pytest.approx(1.0)
    assert words.log_prob("the", "code") > words.log_prob("a", "code") > words.log_prob("the", "cade")
    assert words.score_last("the code") == words.log_prob("the", "code") and words.score_last("") == 0.0
    # "cade" or "code": the acoustics prefer "cade"; without a character model, the word bigram decides
    b = ctc.BLANK
    log_probs = frames({"c": 0.9}, {b: 0.9}, {"a": 0.5, "o": 0.4}, {b: 0.9}, {"d": 0.9}, {"e": 0.9})
    chars = ctc_lm.CharLM(["zzz"], order=2)
    assert ctc_lm.beam_decode_lm(log_probs, chars, alpha=0.0, beta=0.0) == "cade"
    assert ctc_lm.beam_decode_lm(log_probs, chars, alpha=0.0, beta=0.0, words=words, gamma=1.0) == "code"
