"""Tab: speech recognition, the project's CTC model beside Whisper. Run alone: ``python -m pages.speech.asr``."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from pages.guard import guard
from pages.inputs import AudioInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import NOT_IN_CARD_YET, say, strings, tc
from showcase.core import synth
from showcase.core.settings import asset
from showcase.speech import asr, asr_data, ctc, ctc_lm

FOLDER = asset("speech", "asr")


card = asr.model_card


def heldout_examples(n: int = 2, which: str = "piper") -> list[tuple[str, str]]:
    """(file, text) of the first ``n`` clips of a held-out set of ``asr_data.SETS``: "piper", "family",
    "everyday_family" or "everyday_piper"."""
    folder, listing = asr_data.SETS[which]
    path = FOLDER / listing
    items = json.loads(path.read_text()) if path.is_file() else []
    return [(str(folder / i["file"]), i["text"]) for i in items[:n]]


CONDITIONS = {  # card key → (English, Chinese) name of the held-out condition
    "heldout_family_clean": ("training-family voices, clean", "训练所用的声音家族,无噪声"),
    "heldout_piper": ("Piper, a voice it never heard", "从未听过的 Piper 声音"),
    "heldout_family_white_10db": ("training-family voices at 10 dB SNR white noise", "训练声音家族,10 dB 信噪比白噪声"),
    "heldout_everyday_family": ("everyday sentences, training-family voices", "日常句子,训练声音家族"),
    "heldout_everyday_piper": ("everyday sentences, Piper", "日常句子,Piper 声音"),
}


def held_out_numbers() -> list[tuple[str, str, dict, dict]]:
    """(English name, Chinese name, CTC with the language model, Whisper) per held-out condition on the card."""
    c = card()
    return [(en, zh, c[key].get("ctc_lm", {}), c[key].get("whisper", {}))
            for key, (en, zh) in CONDITIONS.items() if key in c]


def card_line() -> tuple[str, str]:
    rows = held_out_numbers()
    if not rows:
        return NOT_IN_CARD_YET
    en = "; ".join(f"{name}: CTC CER {m.get('cer', 0):.1%} / WER {m.get('wer', 0):.1%}, Whisper CER "
                   f"{w.get('cer', 0):.1%}" for name, _, m, w in rows)
    zh = ";".join(f"{name}:CTC CER {m.get('cer', 0):.1%} / WER {m.get('wer', 0):.1%},Whisper CER "
                  f"{w.get('cer', 0):.1%}" for _, name, m, w in rows)
    n = rows[0][2].get("n", 0)
    return (f"Held-out sentences ({n} per condition, never in training; CTC with the language model): {en}.",
            f"留出句子(每种条件 {n} 句,训练中从未出现;CTC 使用语言模型):{zh}。")


_EN_CARD, _ZH_CARD = card_line()


def _examples_note() -> tuple[str, str]:
    """What the example rows are, each hard case labelled with its held-out condition's number."""
    c = card()

    def cer(key: str) -> str:
        value = c.get(key, {}).get("ctc_lm", {}).get("cer")
        return f"{value:.0%}" if value is not None else "?"

    return (
        f"First: a held-out sentence (new text) in a voice of the CTC model's training family (held-out CER "
        f"{cer('heldout_family_clean')}). **Hard cases**, in order: an unseen voice, Piper (held-out CER "
        f"{cer('heldout_piper')}); an everyday sentence, not from Python's documentation, in a training voice "
        f"(held-out CER {cer('heldout_everyday_family')}); the first sentence at 10 dB SNR white noise (held-out CER "
        f"{cer('heldout_family_white_10db')}); espeak-ng at 300 words a minute; speech at 0 dB SNR in pink noise "
        "(as loud as the voice). Every clip's own CER and WER appear with its result.",
        f"第一个:训练声音家族中的一个声音读一句留出句子(新文本;留出集 CER {cer('heldout_family_clean')})。"
        f"**难例**依次为:从未听过的 Piper 声音(留出集 CER {cer('heldout_piper')});训练声音读一句不出自 Python 文档的日常句子"
        f"(留出集 CER {cer('heldout_everyday_family')});第一句加 10 dB 信噪比白噪声"
        f"(留出集 CER {cer('heldout_family_white_10db')});每分钟 300 词的 espeak-ng;粉红噪声中信噪比 0 dB 的语音"
        "(噪声和人声一样响)。每段音频自己的 CER 与 WER 随结果显示。",
    )

t = strings("asr", {
    "title": ("## Speech recognition: CTC beside Whisper", "## 语音识别:CTC 与 Whisper 对照"),
    "body": (
        "Two recognisers hear the same audio. The **CTC model** is written and trained here, on speech that three "
        "synthesisers, espeak-ng, CMU Flite and Festival, made with many voices, speeds and pitches, plus sox reverberation "
        "and noise: log-mel "
        "frames go through convolutions and a bidirectional GRU to one character distribution per 30 ms frame. "
        "CTC needs no alignment: it adds a *blank* symbol, and decoding merges repeats and drops blanks. The "
        "picture shows that many frames are blank (the picture's title gives the share) and each character is a short spike. Beam search keeps several "
        "prefixes instead of the best symbol per frame; the *lm* decoder also asks a character language model "
        "how likely each next letter is, and a word language model how likely each finished word is after the one "
        "before it (both counted from the training text). **Whisper tiny.en** (39 M parameters, 680,000 hours of "
        "real speech) runs offline through faster-whisper. Type the true text to get CER and WER.",
        "两个识别器听同一段音频。**CTC 模型**由本项目编写并训练,训练数据是 espeak-ng、CMU Flite 和 Festival 三种合成器用多种声音、语速和音高合成的语音,"
        "再加上 sox 的混响与噪声:对数梅尔帧经过卷积与双向 GRU,每 30 毫秒输出一个字符分布。CTC 不需要对齐:"
        "它增加一个*空白*符号,解码时合并重复并删去空白。图中可见许多帧是空白(图的标题给出比例),每个字符只是一个短尖峰。"
        "束搜索保留多个前缀,而不是每帧只取最优符号;*lm* 解码还会询问一个字符语言模型下一个字母有多大可能,并询问一个词语言模型每个写完的词跟在前一个词之后有多大可能(两者都由训练文本统计而来)。**Whisper tiny.en**(3900 万参数,68 万小时真实语音)"
        "通过 faster-whisper 离线运行。输入真实文本即可得到 CER 与 WER。",
    ),
    "reference": (
        "**Compare:** the Whisper paper reports tiny.en at **5.6% WER on LibriSpeech test-clean** (real read "
        f"speech). {_EN_CARD} The CTC model learned from Python's documentation and, in its last stage, everyday sentences "
        "(WordNet's examples), and its language models are counted from both; its everyday held-out sentences "
        "still come out much worse than the documentation's. Synthetic speech is easier and narrower than real recordings: these numbers do "
        "not transfer to microphones, accents or noise.",
        f"**对照:** Whisper 论文报告 tiny.en 在 **LibriSpeech test-clean(真实朗读语音)上 WER 5.6%**。{_ZH_CARD}"
        "CTC 模型的训练文本来自 Python 文档,最后一个阶段又加入了日常句子(WordNet 的例句),语言模型由两者统计而来;日常句子的留出集结果仍比文档句子差得多。"
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
    "lm_text": ("CTC beam search + character and word language models", "CTC 束搜索 + 字符与词语言模型"),
    "examples_note": _examples_note(),
    "probs": ("CTC per-frame character probabilities (dark = likely)", "CTC 每帧字符概率(越黑越可能)"),
})


CLIPS = {  # made by the project's own code (ensure_assets); (text, espeak voice, speed, noise SNR dB)
    "espeak_noisy.flac": ("Every object has an identity, a type and a value.", "en-gb-x-rp+f3", 170, 0.0),
    "espeak_fast.flac": ("Names refer to objects and are introduced by binding operations.", "en-us+m3", 300, None),
}
NOISY_FAMILY = "family_white_10db.flac"   # the first family clip at 10 dB SNR white noise, as the card measures


def example_rows() -> list[list]:
    family, piper = heldout_examples(1, "family"), heldout_examples(1)
    # first: a held-out sentence (new text) in a voice of the training family, the condition the model is for
    rows = [[path, "both", "lm", 16, text] for path, text in family]
    # then the hard cases: a voice it never heard, an everyday sentence, white noise at 10 dB SNR, 300 words a
    # minute, 0 dB pink noise
    rows += [[path, "both", "lm", 16, text] for path, text in piper]
    rows += [[path, "both", "lm", 16, text] for path, text in heldout_examples(1, "everyday_family")]
    rows += [[str(FOLDER / NOISY_FAMILY), "both", "lm", 16, text] for _, text in family]
    rows.append([str(FOLDER / "espeak_fast.flac"), "both", "lm", 16, CLIPS["espeak_fast.flac"][0]])
    rows.append([str(FOLDER / "espeak_noisy.flac"), "both", "lm", 16, CLIPS["espeak_noisy.flac"][0]])
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
            audio = synth.mix_at_snr(audio, synth.sox_noise(len(audio), rate, "pinknoise", seed=1), snr)
            audio = 0.9 * audio / np.abs(audio).max()
        sf.write(path, audio.astype(np.float32), rate, subtype="PCM_16")
    family = heldout_examples(1, "family")
    if family and not (FOLDER / NOISY_FAMILY).is_file():
        from showcase.speech.asr_data import white_noise

        audio, rate = sf.read(family[0][0], dtype="float32")
        noisy = white_noise(audio, 10.0, seed=0)
        sf.write(FOLDER / NOISY_FAMILY, noisy / max(1.0, float(np.abs(noisy).max())), rate, subtype="PCM_16")


def _score(m: dict, engine: str) -> tuple[str, str]:
    if f"{engine}_cer" not in m:
        return "", ""
    cer, wer = m[f"{engine}_cer"], m[f"{engine}_wer"]
    return f" CER **{cer:.1%}**, WER **{wer:.1%}** on this clip", f"在这段音频上 CER **{cer:.1%}**、WER **{wer:.1%}**"


def summary(m: dict) -> str:
    """Each engine's score on this clip, the held-out numbers and the paper's beside them."""
    family = card().get("heldout_family_clean", {})
    g, w = family.get("ctc_lm", {}), family.get("whisper", {})
    en, zh = [], []
    if "whisper_text" in m:
        s_en, s_zh = _score(m, "whisper")
        en.append(f"**Whisper tiny.en**:{s_en or ' see its text above'}.")
        zh.append(f"**Whisper tiny.en**:{s_zh or '识别结果见上方'}。")
    if "ctc_text" in m:
        s_en, s_zh = _score(m, "ctc")
        held_en, held_zh = ".", "。"
        if g and w:
            held_en = (f" (held-out sentences in its training voices, with the language model: CER {g['cer']:.1%} / "
                       f"WER {g['wer']:.1%}; Whisper CER {w['cer']:.1%} / WER {w['wer']:.1%}).")
            held_zh = (f"(训练声音读留出句子,使用语言模型:CER {g['cer']:.1%} / WER {g['wer']:.1%};"
                       f"Whisper CER {w['cer']:.1%} / WER {w['wer']:.1%})。")
        en.append(f"**The CTC model trained here** ({m.get('decoder')}):{s_en or ' see its text above'}{held_en}")
        zh.append(f"**本项目训练的 CTC 模型**({m.get('decoder')}):{s_zh or '识别结果见上方'}{held_zh}")
    if "whisper_cer" not in m and "ctc_cer" not in m:
        en.append("Type the true text for CER and WER.")
        zh.append("输入真实文本即可得到 CER 与 WER。")
    en.append("The Whisper paper: tiny.en **WER 5.6%** on LibriSpeech test-clean (real read speech).")
    zh.append("Whisper 论文:tiny.en 在 LibriSpeech test-clean(真实朗读语音)上 **WER 5.6%**。")
    return say(" ".join(en), "".join(zh))


@guard
def run(audio=EXAMPLES[0][0], engine="both", decoder="lm", beam_size=16, reference=EXAMPLES[0][4]):
    """Transcribe English speech with the project's CTC model (greedy or beam search) and with Whisper tiny.en, and
    score both against the true text.

    Args:
        audio: a recording of English speech (WAV, FLAC, MP3 or OGG file, at most 30 s).
        engine: "both", "ctc" (the project's model) or "whisper" (tiny.en, via faster-whisper).
        decoder: the CTC model's decoding: "greedy", "beam", or "lm" (beam search with a character 6-gram and a word bigram model).
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
def run_example(audio=EXAMPLES[0][0], engine="both", decoder="lm", beam_size=16):
    reference = TRUTHS.get(Path(audio).name, "")
    return (reference, *run(audio, engine, decoder, beam_size, reference))


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            audio = AudioInput(label=t("audio"), value=EXAMPLES[0][0])
            engine = gr.Radio(list(asr.ENGINES), value="both", label=t("engine"))
            decoder = gr.Radio(list(asr.DECODERS), value="lm", label=t("decoder"))
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
    code_accordion(ctc.CTCModel.forward, ctc.greedy_decode, asr.beam_decode, ctc_lm.beam_decode_lm, asr.recognise)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
