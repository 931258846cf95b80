"""Speech recognition: real-time factors (processing time ÷ audio length) of both engines.

On the Piper held-out clips (the model card's set), one at a time as the tab runs them:
``ctc_greedy_rtf`` and ``ctc_beam_rtf`` (log-mel, the network on one thread, decoding) and
``whisper_rtf`` (faster-whisper tiny.en, int8, one thread, greedy). The target is each at least
3× faster than real time: a factor ≤ 0.33. Also the CER/WER of all three on the same clips.

    python -m benchmarks.speech.asr
"""

from __future__ import annotations

import time

from benchmarks.verdict import measured


def claims(n_clips: int = 20) -> dict:
    from showcase.speech import asr, asr_data, asr_training

    heldout = asr_data.load_heldout()[:n_clips]
    audio_seconds = sum(len(a) / sr for a, sr, _ in heldout)
    refs = [text for _, _, text in heldout]
    out = {}
    for name, engine, decoder in (("ctc_greedy", "ctc", "greedy"), ("ctc_beam", "ctc", "beam"),
                                  ("whisper", "whisper", "greedy")):
        a, sr, _ = heldout[0]
        asr.recognise(a, sr, engine, decoder)  # load the model and compile librosa first
        started = time.perf_counter()
        hyps = [asr.recognise(a, sr, engine, decoder).text for a, sr, _ in heldout]
        rtf = (time.perf_counter() - started) / audio_seconds
        scores = asr_training.score(refs, hyps)
        out.update({f"asr.{name}_rtf": round(rtf, 4), f"asr.{name}_times_faster_than_real_time": measured(round(1 / rtf, 1), ">= 3"),
                    f"asr.{name}_cer": scores["cer"], f"asr.{name}_wer": scores["wer"]})
    out["asr.clips"] = len(heldout)
    out["asr.audio_seconds"] = round(audio_seconds, 1)
    return out


if __name__ == "__main__":
    print(claims())
