"""Train the small Tacotron on one espeak-ng voice, and measure it by listening with Whisper.

1. Text: the plain-word runs of 3–8 words that the speech-recognition training cuts from Python's
   documentation (``asr_data.corpus``); its held-out sentences are never spoken in training.
2. Audio: espeak-ng's ``en-us`` voice at 160 words a minute (espeak-ng's output is free to use),
   silence trimmed, as 80-band log-mel frames; the phonemes come from the same espeak-ng.
3. Loss: mean squared error of the mel frames before and after the post-net, binary cross-entropy
   of the stop token, and the guided-attention loss; Adam, cosine decay to a time limit, one thread.
4. Measure: every ``--eval-minutes`` the model speaks short held-out sentences, Whisper tiny.en
   (the speech-recognition tab's engine) writes down what it hears, and ``jiwer`` gives the CER.
   That curve of CER against training time goes into the card, with the final CER, and the same
   sentences spoken by espeak-ng itself (the data's ceiling) and by Piper.

    python -m showcase.speech.tts_training                  # ~60 min on one core
    python -m showcase.speech.tts_training --smoke          # under a minute: tiny data, a few steps
    python -m showcase.speech.tts_training --resume --max-minutes 30   # train on from the bundle
    python -m showcase.speech.tts_training --evaluate-only  # re-measure the bundled model

Writes ``assets/speech/tts/tacotron.safetensors`` and ``model_card.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from showcase.core import synth
from showcase.core.cards import read_card
from showcase.core.schedule import budget_progress, budgeted_lr
from showcase.core.settings import asset
from showcase.speech import tacotron

OUT = asset("speech", "tts")
SEED = 0
VOICE = dict(voice="en-us", speed=160)


def texts() -> tuple[list[str], list[str]]:
    """(training word runs of 3–8 words, held-out sentences of at most 10 words)."""
    from showcase.speech import asr_data

    train, heldout = asr_data.corpus()
    return ([t for t in train if 3 <= len(t.split()) <= 8],
            [h for h in heldout if len(h.split()) <= 10])


def utterance(text: str) -> tuple[str, np.ndarray]:
    """(IPA, log-mel frames) of one sentence in the training voice, silence trimmed."""
    import librosa

    audio, sr = synth.espeak(text, **VOICE)
    assert sr == tacotron.SAMPLE_RATE, sr
    audio, _ = librosa.effects.trim(audio, top_db=40)
    return synth.phonemes(text, VOICE["voice"]), tacotron.log_mel(audio)


def build_data(train_texts: list[str], log) -> list[tuple[str, np.ndarray]]:
    data, started = [], time.time()
    for i, text in enumerate(train_texts):
        data.append(utterance(text))
        if (i + 1) % 1000 == 0:
            log(f"voiced {i + 1}/{len(train_texts)} sentences in {time.time() - started:.0f} s")
    return data


def symbols_of(data) -> list[str]:
    return [tacotron.PAD, tacotron.EOS] + sorted({c for ipa, _ in data for c in ipa})


def batches(data, model, batch_size: int, rng: random.Random):
    """Length-sorted batches in random order: (ids, id_lengths, mels, step_lengths)."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][1]))
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    mean, std = model.mel_mean.numpy(), model.mel_std.numpy()
    for group in groups:
        ids = [model.encode_text(data[i][0]) for i in group]
        frames = [(data[i][1] - mean) / std for i in group]
        steps = [math.ceil(len(f) / tacotron.R) for f in frames]
        max_steps, max_ids = max(steps), max(len(x) for x in ids)
        id_tensor = torch.zeros(len(group), max_ids, dtype=torch.long)
        mel_tensor = torch.zeros(len(group), max_steps * tacotron.R, tacotron.N_MELS)
        # Padding frames hold silence (the lowest level), so the model learns to end in silence.
        silence = torch.from_numpy((np.log(1e-5) - mean) / std).float()
        mel_tensor[:] = silence
        for b, (x, f) in enumerate(zip(ids, frames)):
            id_tensor[b, :len(x)] = torch.tensor(x)
            mel_tensor[b, :len(f)] = torch.from_numpy(f)
        yield id_tensor, torch.tensor([len(x) for x in ids]), mel_tensor, torch.tensor(steps)


def loss_of(model, ids, id_lengths, mels, step_lengths, guide_weight: float):
    before, after, stops, alignments = model(ids, id_lengths, mels)
    frame_mask = (torch.arange(mels.shape[1])[None, :] < (step_lengths * tacotron.R)[:, None]).unsqueeze(-1)
    n = frame_mask.sum() * tacotron.N_MELS
    mel_loss = (((before - mels) ** 2 + (after - mels) ** 2) * frame_mask).sum() / n
    stop_target = (torch.arange(stops.shape[1])[None, :] >= (step_lengths - 1)[:, None]).float()
    stop_loss = F.binary_cross_entropy_with_logits(stops, stop_target, pos_weight=torch.tensor(5.0))
    guide = tacotron.guided_attention_loss(alignments, id_lengths, step_lengths)
    return mel_loss + stop_loss + guide_weight * guide, {"mel": mel_loss.item(), "stop": stop_loss.item(),
                                                          "guide": guide.item()}


def round_trip_cer(speak, sentences: list[str]) -> tuple[float, list[dict]]:
    """Speak each sentence, let Whisper tiny.en transcribe it, CER over all of them (jiwer)."""
    import jiwer

    from showcase.speech import ctc, tts

    rows = []
    for sentence in sentences:
        audio, sr = speak(sentence)
        rows.append({"text": sentence, "heard": tts.listen_back(audio, sr)})
    truth = [ctc.normalise_text(r["text"]) for r in rows]
    heard = [ctc.normalise_text(r["heard"]) or "-" for r in rows]
    return float(jiwer.cer(truth, heard)), rows


SUBSET = 8          # the held-out sentences a test re-measures (each voice, a few minutes in all)
TARGET_CER = 0.20   # the round-trip CER the project aims for (issue #28)


def subset_cer(rows: list[dict], n: int = SUBSET) -> float:
    """The CER of the first ``n`` rows of a ``round_trip_cer`` result, without speaking again."""
    import jiwer

    from showcase.speech import ctc

    return float(jiwer.cer([ctc.normalise_text(r["text"]) for r in rows[:n]],
                           [ctc.normalise_text(r["heard"]) or "-" for r in rows[:n]]))


def measure(model, heldout: list[str]) -> dict:
    """The card's held-out numbers: the model's round-trip CER and its examples, the same sentences by
    espeak-ng (the teacher) and Piper, each also on the first ``SUBSET`` sentences for the tests."""
    cer, rows = round_trip_cer(tacotron_speaker(model), heldout)
    references = {"espeak-ng (the training voice)": round_trip_cer(lambda s: synth.espeak(s, **VOICE), heldout),
                  "piper (joe-us)": round_trip_cer(synth.piper, heldout)}
    return {"heldout_round_trip_cer": cer, "heldout_examples": rows,
            "reference_round_trip_cer": {name: c for name, (c, _) in references.items()},
            f"first_{SUBSET}_round_trip_cer": {"tacotron": subset_cer(rows),
                                               **{name: subset_cer(r) for name, (_, r) in references.items()}},
            "target_round_trip_cer": TARGET_CER, "target_met": cer <= TARGET_CER}


def tacotron_speaker(model):
    def speak(sentence):
        audio, sr, _, _ = tacotron.synthesise(model, synth.phonemes(sentence, VOICE["voice"]))
        return audio, sr
    return speak


def train(model, data, heldout, args, log, checkpoint):
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-6)
    started, step, history, curve, next_eval = time.time(), 0, [], [], args.eval_minutes * 60
    done = False
    while not done:
        for batch in batches(data, model, args.batch_size, rng):
            elapsed = time.time() - started
            progress = budget_progress(0, 0, started, args.max_minutes * 60)
            for group in optimiser.param_groups:  # cosine decay that ends at the time limit
                group["lr"] = budgeted_lr(args.lr, step, progress, floor=0.05)
            model.train()
            loss, parts = loss_of(model, *batch, guide_weight=args.guide_weight)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            step += 1
            history.append(parts)
            if step % 50 == 0:
                recent = {k: round(float(np.mean([h[k] for h in history[-50:]])), 4) for k in parts}
                log(f"step {step} · {elapsed / 60:.1f} min · {recent}")
            if elapsed >= next_eval or progress >= 1.0 or step >= args.max_steps:
                cer, _ = round_trip_cer(tacotron_speaker(model), heldout[:args.eval_sentences])
                curve.append({"minutes": round(elapsed / 60, 1), "step": step, "round_trip_cer": round(cer, 4)})
                log(f"round-trip CER {cer:.3f} at {elapsed / 60:.1f} min (step {step})")
                checkpoint(model, curve, step)
                next_eval = elapsed + args.eval_minutes * 60
                if progress >= 1.0 or step >= args.max_steps:
                    done = True
                    break
    return step, curve, time.time() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--max-steps", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=24)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--guide-weight", type=float, default=2.0)
    parser.add_argument("--eval-minutes", type=float, default=10.0)
    parser.add_argument("--eval-sentences", type=int, default=12)
    parser.add_argument("--resume", action="store_true", help="start from the bundled weights")
    parser.add_argument("--evaluate-only", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="folder for weights and card")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = args.out or OUT
    weights = out / "tacotron.safetensors"

    def log(message):
        print(f"[tts {time.strftime('%H:%M:%S')}] {message}", flush=True)

    train_texts, heldout = texts()
    if args.smoke:
        train_texts, heldout = train_texts[:16], heldout[:2]
        args.max_steps, args.eval_sentences, args.batch_size = 2, 2, 8
    if args.evaluate_only:
        card = read_card(out / "model_card.json")
        card.update(measure(tacotron.load(weights), heldout))
        (out / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
        log(f"held-out round-trip CER {card['heldout_round_trip_cer']:.4f}; references {card['reference_round_trip_cer']}")
        return

    started = time.time()
    data = build_data(train_texts, log)
    voicing_s = time.time() - started
    if args.resume:
        model = tacotron.load(weights)
        model.train()
    else:
        model = tacotron.Tacotron(symbols_of(data))
        every = np.concatenate([m for _, m in data])
        model.mel_mean.copy_(torch.from_numpy(every.mean(0)))
        model.mel_std.copy_(torch.from_numpy(every.std(0) + 1e-3))
    log(f"{len(data)} utterances, {sum(len(m) for _, m in data) * tacotron.HOP / tacotron.SAMPLE_RATE / 60:.1f} "
        f"min of speech, {sum(p.numel() for p in model.parameters()):,} parameters")
    card_base = {
        "model": "Tacotron 2-style (small): phoneme encoder, location-sensitive attention, R=4 decoder, "
                 "post-net; Griffin-Lim vocoder",
        "paper": "Shen et al., 2018 (Tacotron 2, MOS 4.53 ± 0.07; ground truth 4.58); Tachibana et al., 2018 "
                 "(guided attention)",
        "data": f"{len(data)} word runs of 3–8 words from Python's documentation, voiced by espeak-ng "
                f"{VOICE['voice']} at {VOICE['speed']} wpm",
        "heldout": f"{len(heldout)} held-out sentences of at most 10 words, never spoken in training",
        "measure": "round-trip CER: Whisper tiny.en transcribes the synthesised audio; jiwer.cer after "
                   "lower-casing and dropping punctuation",
        "command": " ".join(["python -m showcase.speech.tts_training", *(sys.argv[1:] if argv is None else argv)]),
        "seed": SEED, "threads": 1, "parameters": sum(p.numel() for p in model.parameters()),
        "voicing_minutes": round(voicing_s / 60, 1), "small_model": True,
        "augmentation": "none: one clean voice, silence trimmed (a TTS model learns the voice it hears)",
    }
    previous = read_card(out / "model_card.json", missing={}) if args.resume else {}

    def checkpoint(model, curve, step):
        tacotron.save(model, weights)
        earlier = previous.get("cer_curve", [])
        offset = earlier[-1]["minutes"] if earlier else 0.0
        steps_before = previous.get("steps", 0)
        # every stage's command, so that the bundled weights can be reproduced from a clean checkout
        stages = previous.get("stages", [{"command": previous["command"]}] if "command" in previous else [])
        stage = {"command": card_base["command"], "steps": step, "training_minutes": curve[-1]["minutes"]}
        card = {**card_base, "steps": steps_before + step, "stages": stages + [stage],
                "training_minutes": round(offset + curve[-1]["minutes"], 1),
                "cer_curve": earlier + [{**c, "minutes": round(offset + c["minutes"], 1),
                                         "step": steps_before + c["step"]} for c in curve]}
        (out / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))

    steps, curve, train_s = train(model, data, heldout, args, log, checkpoint)
    log(f"trained {steps} steps in {train_s / 60:.1f} min; measuring all held-out sentences")
    card = read_card(out / "model_card.json")
    card.update(measure(model, heldout))
    (out / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False))
    log(f"held-out round-trip CER {card['heldout_round_trip_cer']:.4f}; references {card['reference_round_trip_cer']}")


if __name__ == "__main__":
    main()
