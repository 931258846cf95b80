"""Speech synthesis: how fast each offline voice speaks, and how well Whisper understands it.

On the listening test's six held-out sentences, one at a time as the tab runs them, warm:
``piper_sentence_p95_ms`` (the long-lived Piper process; target ≤ 500 ms a sentence),
``tacotron_rtf`` (synthesis time ÷ audio length, the network on one thread plus Griffin-Lim;
target < 1, faster than real time), ``espeak_sentence_p95_ms``, and each voice's round-trip
CER through Whisper tiny.en (targets: Piper ≤ 0.05, Tacotron ≤ 0.3). The Tacotron model's CER on
the card's held-out set is read from its card.

    python -m benchmarks.speech.tts
"""

from __future__ import annotations

import json
import time

import numpy as np

from benchmarks.verdict import measured, read
from showcase.core.cards import read_card


def claims() -> dict:
    from showcase.speech import listening, tts

    sentences = list(listening.SENTENCES)
    out = {}
    for engine in ("piper", "tacotron", "espeak"):
        tts.speak(sentences[0], engine)          # load the model / start Piper first
        times, seconds, errors = [], 0.0, []
        for sentence in sentences:
            started = time.perf_counter()
            speech = tts.speak(sentence, engine)
            times.append(1000 * (time.perf_counter() - started))
            seconds += len(speech.audio) / speech.rate
            errors.append(tts.cer(sentence, tts.listen_back(speech.audio, speech.rate)))
        p95 = round(float(np.percentile(times, 95)), 1)
        rtf = round(sum(times) / 1000 / seconds, 4)
        cer = round(float(np.mean(errors)), 4)
        out[f"tts.{engine}_sentence_p95_ms"] = measured(p95, "<= 500") if engine == "piper" else p95
        out[f"tts.{engine}_rtf"] = measured(rtf, "< 1") if engine == "tacotron" else rtf
        target = {"piper": "<= 0.05", "tacotron": "<= 0.3"}.get(engine)
        out[f"tts.{engine}_round_trip_cer"] = measured(cer, target) if target else cer
    card = read_card(tts.TACOTRON.bundled.with_name("model_card.json"))
    out["tts.tacotron_heldout_cer_card"] = read(card.get("heldout_round_trip_cer"), "model card")
    out["tts.sentences"] = len(sentences)
    return out


if __name__ == "__main__":
    print(claims())
