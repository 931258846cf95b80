"""Tab: speech recognition, the project's CTC model beside Whisper. Run alone: ``python -m pages.speech.asr``."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from pages.common import (AudioInput, code_accordion, examples, guard, header, launch_kwargs, lazy_demo, metrics_json,
                          result_note, say, standalone, strings, tc)
from showcase.core import synth
from showcase.core.settings import asset
from showcase.speech import asr, ctc

FOLDER = asset("speech", "asr")


def card() -> dict:
    path = FOLDER / "model_card.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def heldout_examples(n: int = 2) -> list[tuple[str, str]]:
    path = FOLDER / "heldout.json"
    items = json.loads(path.read_text()) if path.is_file() else []
    return [(str(FOLDER / "heldout" / i["file"]), i["text"]) for i in items[:n]]


def _card_line() -> tuple[str, str]:
    held = card().get("heldout_piper", {})
    if not held:
        return "The held-out numbers appear here once the model card has them.", "模型卡写入留出集结果后显示在这里。"
    c, w, g = held.get("ctc_beam", {}), held.get("whisper", {}), held.get("ctc_greedy", {})
    n = len(heldout_examples(1000))
    en = (f"On {n} held-out Piper sentences: CTC greedy CER "
          f"{g.get('cer', 0):.1%} / WER {g.get('wer', 0):.1%}, beam CER {c.get('cer', 0):.1%} / WER "
          f"{c.get('wer', 0):.1%}; Whisper tiny.en CER {w.get('cer', 0):.1%} / WER {w.get('wer', 0):.1%}.")
    zh = (f"在 {n} 句留出的 Piper 句子上:CTC 贪心 CER {g.get('cer', 0):.1%} / WER {g.get('wer', 0):.1%},束搜索 CER "
          f"{c.get('cer', 0):.1%} / WER {c.get('wer', 0):.1%};Whisper tiny.en CER {w.get('cer', 0):.1%} / "
          f"WER {w.get('wer', 0):.1%}。")
    return en, zh


_EN_CARD, _ZH_CARD = _card_line()

t = strings("asr", {
    "title": ("## Speech recognition: CTC beside Whisper", "## 语音识别:CTC 与 Whisper 对照"),
    "body": (
        "Two recognisers hear the same audio. The **CTC model** is written and trained here, on speech that two "
        "synthesisers, espeak-ng and CMU Flite, made with many voices, speeds and pitches, plus sox reverberation "
        "and noise: log-mel "
        "frames go through convolutions and a bidirectional GRU to one character distribution per 30 ms frame. "
        "CTC needs no alignment: it adds a *blank* symbol, and decoding merges repeats and drops blanks. The "
        "picture shows that many frames are blank (the picture's title gives the share) and each character is a short spike. Beam search keeps several "
        "prefixes instead of the best symbol per frame. **Whisper tiny.en** (39 M parameters, 680,000 hours of "
        "real speech) runs offline through faster-whisper. Type the true text to get CER and WER.",
        "两个识别器听同一段音频。**CTC 模型**由本项目编写并训练,训练数据是 espeak-ng 和 CMU Flite 两种合成器用多种声音、语速和音高合成的语音,"
        "再加上 sox 的混响与噪声:对数梅尔帧经过卷积与双向 GRU,每 30 毫秒输出一个字符分布。CTC 不需要对齐:"
        "它增加一个*空白*符号,解码时合并重复并删去空白。图中可见许多帧是空白(图的标题给出比例),每个字符只是一个短尖峰。"
        "束搜索保留多个前缀,而不是每帧只取最优符号。**Whisper tiny.en**(3900 万参数,68 万小时真实语音)"
        "通过 faster-whisper 离线运行。输入真实文本即可得到 CER 与 WER。",
    ),
    "reference": (
        "**Compare:** the Whisper paper reports tiny.en at **5.6% WER on LibriSpeech test-clean** (real read "
        f"speech). {_EN_CARD} Synthetic speech is easier and narrower than real recordings: these numbers do "
        "not transfer to microphones, accents or noise.",
        f"**对照:** Whisper 论文报告 tiny.en 在 **LibriSpeech test-clean(真实朗读语音)上 WER 5.6%**。{_ZH_CARD}"
        "合成语音比真实录音更容易、更单一:这些数字不能推广到麦克风、口音或噪声环境。",
    ),
    "audio": ("Audio: upload or record (up to 30 s)", "音频:上传或录音(最长 30 秒)"),
    "engine": ("Engines", "识别引擎"),
    "decoder": ("CTC decoding", "CTC 解码方式"),
    "beam": ("Beam size", "束宽"),
    "truth": ("True text (optional, for CER/WER)", "真实文本(可选,用于计算 CER/WER)"),
    "ctc": ("CTC model (this project)", "CTC 模型(本项目)"),
    "whisper": ("Whisper tiny.en", "Whisper tiny.en 识别结果"),
    "greedy": ("CTC greedy", "CTC 贪心解码"),
    "beam_text": ("CTC beam search", "CTC 束搜索"),
    "examples_note": (
        "Examples: an espeak-ng sentence (the kind of voice the CTC model was trained on), two Piper sentences the "
        "CTC model never heard (voice and text both new; the second with beam search). **Hard:** speech at "
        "0 dB SNR in pink noise, and espeak-ng at 300 words a minute. Whisper gets most of them right; the CTC "
        "model, 1 M parameters trained here for three hours on one core, spells many words wrong.",
        "示例:一句 espeak-ng(CTC 模型训练时的那类声音)、两句 CTC 模型从未听过的 Piper 句子"
        "(声音和文本都是新的;第二句用束搜索)。**难**:粉红噪声中信噪比 0 dB 的语音,以及每分钟 300 词的 espeak-ng。"
        "Whisper 大多能识别正确;CTC 模型只有 100 万参数,在一个 CPU 核上训练了三小时,很多词拼写错误。",
    ),
    "probs": ("CTC per-frame character probabilities (dark = likely)", "CTC 每帧字符概率(越黑越可能)"),
})


CLIPS = {  # made by the project's own code (ensure_assets); (text, espeak voice, speed, noise SNR dB)
    "espeak_en.flac": ("The compiler turns source code into machine instructions.", "en-us", 160, None),
    "espeak_noisy.flac": ("Every object has an identity, a type and a value.", "en-gb-x-rp+f3", 170, 0.0),
    "espeak_fast.flac": ("Names refer to objects and are introduced by binding operations.", "en-us+m3", 300, None),
}


def example_rows() -> list[list]:
    held = heldout_examples(2)
    # first the kind of voice the CTC model was trained on, where Whisper gets every word right
    rows = [[str(FOLDER / "espeak_en.flac"), "both", "greedy", 16, CLIPS["espeak_en.flac"][0]]]
    rows += [[path, "both", "greedy", 16, text] for path, text in held[:1]]
    rows += [[path, "both", "beam", 16, text] for path, text in held[1:2]]
    # hard cases: speech at 0 dB SNR in pink noise; espeak at 300 words a minute
    rows.append([str(FOLDER / "espeak_noisy.flac"), "both", "beam", 16, CLIPS["espeak_noisy.flac"][0]])
    rows.append([str(FOLDER / "espeak_fast.flac"), "both", "greedy", 16, CLIPS["espeak_fast.flac"][0]])
    return rows


EXAMPLES = example_rows()
# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"transcribe": EXAMPLES[0]}
# The examples table leaves out the true text (a column of English sentences on the Chinese page):
# clicking a row fills it in from here, by the clip's file name.
TRUTHS = {Path(row[0]).name: row[4] for row in EXAMPLES}


def ensure_assets() -> None:
    import numpy as np
    import soundfile as sf

    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, (text, voice, speed, snr) in CLIPS.items():
        path = FOLDER / name
        if path.is_file():
            continue
        audio, rate = synth.espeak(text, voice=voice, speed=speed)
        if snr is not None:
            noise = synth.sox_noise(len(audio), rate, "pinknoise", seed=1)
            audio = audio + noise * float(np.sqrt(np.mean(audio**2))) / 10 ** (snr / 20)
            audio = 0.9 * audio / np.abs(audio).max()
        sf.write(path, audio.astype(np.float32), rate, subtype="PCM_16")


def _score(m: dict, engine: str) -> tuple[str, str]:
    if f"{engine}_cer" not in m:
        return "", ""
    cer, wer = m[f"{engine}_cer"], m[f"{engine}_wer"]
    return f" CER **{cer:.1%}**, WER **{wer:.1%}** on this clip", f"在这段音频上 CER **{cer:.1%}**、WER **{wer:.1%}**"


def summary(m: dict) -> str:
    """Whisper's result first, the CTC model's as it is, the held-out numbers and the paper's beside them."""
    held = card().get("heldout_piper", {})
    g, w = held.get("ctc_greedy", {}), held.get("whisper", {})
    en, zh = [], []
    if "whisper_text" in m:
        s_en, s_zh = _score(m, "whisper")
        en.append(f"**Whisper tiny.en**:{s_en or ' see its text above'}.")
        zh.append(f"**Whisper tiny.en**:{s_zh or '识别结果见上方'}。")
    if "ctc_text" in m:
        s_en, s_zh = _score(m, "ctc")
        held_en, held_zh = ".", "。"
        if g and w:
            held_en = (f" (held-out Piper sentences: CER {g['cer']:.0%}, against Whisper's "
                       f"CER {w['cer']:.1%} / WER {w['wer']:.1%}).")
            held_zh = f"(留出的 Piper 句子上 CER {g['cer']:.0%},Whisper 为 CER {w['cer']:.1%} / WER {w['wer']:.1%})。"
        en.append(f"**The CTC model trained here**:{s_en or ' see its text above'}; it is still weak{held_en}")
        zh.append(f"**本项目训练的 CTC 模型**:{s_zh or '识别结果见上方'};它仍然很弱{held_zh}")
    if "whisper_cer" not in m and "ctc_cer" not in m:
        en.append("Type the true text for CER and WER.")
        zh.append("输入真实文本即可得到 CER 与 WER。")
    en.append("The Whisper paper: tiny.en **WER 5.6%** on LibriSpeech test-clean (real read speech).")
    zh.append("Whisper 论文:tiny.en 在 LibriSpeech test-clean(真实朗读语音)上 **WER 5.6%**。")
    return say(" ".join(en), "".join(zh))


@guard
def run(audio=EXAMPLES[0][0], engine="both", decoder="greedy", beam_size=16, reference=EXAMPLES[0][4]):
    """Transcribe English speech with the project's CTC model (greedy or beam search) and with Whisper tiny.en, and
    score both against the true text.

    Args:
        audio: a recording of English speech (WAV, FLAC, MP3 or OGG file, at most 30 s).
        engine: "both", "ctc" (the project's model) or "whisper" (tiny.en, via faster-whisper).
        decoder: the CTC model's decoding: "greedy" or "beam".
        beam_size: beams for CTC beam search, an integer from 1 to 64.
        reference: the true text, optional; when given, CER and WER are reported.

    Returns:
        the CTC transcript and Whisper's (texts); the CTC per-frame character probabilities (image);
        the greedy and beam-search transcripts (texts); the result in a sentence (English and Chinese);
        metrics: text, engine, seconds, and cer/wer per engine when reference is given.
    """
    r = asr.transcribe(audio, engine, decoder, beam_size, reference)
    m = r.metrics
    return (r.texts.get("ctc", ""), r.texts.get("whisper", ""), r.probabilities,
            m.get("ctc_greedy_text") or "", m.get("ctc_beam_text") or "", summary(m), m)


@guard
def run_example(audio=EXAMPLES[0][0], engine="both", decoder="greedy", beam_size=16):
    reference = TRUTHS.get(Path(audio).name, "")
    return (reference, *run(audio, engine, decoder, beam_size, reference))


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            audio = AudioInput(label=t("audio"), value=EXAMPLES[0][0])
            engine = gr.Radio(list(asr.ENGINES), value="both", label=t("engine"))
            decoder = gr.Radio(list(asr.DECODERS), value="greedy", label=t("decoder"))
            beam = gr.Slider(1, 64, value=16, step=1, label=t("beam"))
            truth = gr.Textbox(value=EXAMPLES[0][4], label=t("truth"), lines=2)
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                ctc_text = gr.Textbox(label=t("ctc"), lines=2)
                whisper_text = gr.Textbox(label=t("whisper"), lines=2)
            note = result_note()
            probs = gr.Image(label=t("probs"), format="png")
            with gr.Row():
                greedy = gr.Textbox(label=t("greedy"), lines=2)
                beam_text = gr.Textbox(label=t("beam_text"), lines=2)
            metrics = metrics_json()
    inputs = [audio, engine, decoder, beam, truth]
    outputs = [ctc_text, whisper_text, probs, greedy, beam_text, note, metrics]
    examples([row[:4] for row in EXAMPLES], inputs[:4], [truth, *outputs], run_example, t("examples_note"))
    button.click(run, inputs, outputs, api_name="transcribe", concurrency_id="speech")
    code_accordion(ctc.CTCModel.forward, ctc.greedy_decode, asr.beam_decode, asr.recognise)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
