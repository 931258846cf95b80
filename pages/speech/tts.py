"""Tab: text to speech (Tacotron, Piper, espeak-ng, hub) and a blind listening test. Run alone: ``python -m pages.speech.tts``."""

from __future__ import annotations

import html

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import NOT_IN_CARD_YET, md_table, say, strings
from pages.gradio_fixes import not_a_tool
from showcase.core.errors import InputError
from showcase.core.settings import asset
from showcase.speech import listening, mos, tacotron, tts

FOLDER = asset("speech", "tts")


card = tts.model_card


def card_line() -> tuple[str, str]:
    c = card()
    if "heldout_round_trip_cer" not in c:
        return NOT_IN_CARD_YET
    ref = c.get("reference_round_trip_cer", {})
    piper, espeak = ref.get("piper (joe-us)"), ref.get("espeak-ng (the training voice)")
    en = (f"On {len(c.get('heldout_examples', []))} held-out sentences Whisper mis-hears **{c['heldout_round_trip_cer']:.0%}** "
          f"of the characters the Tacotron model says (espeak-ng, its teacher: {espeak:.0%}; Piper: {piper:.0%}), "
          f"after {c.get('training_minutes', 0):.0f} minutes of training on one core.")
    zh = (f"在 {len(c.get('heldout_examples', []))} 句留出句子上,Whisper 听错 Tacotron 模型所说字符的 "
          f"**{c['heldout_round_trip_cer']:.0%}**(它的老师 espeak-ng:{espeak:.0%};Piper:{piper:.0%}),"
          f"该模型在单核上训练了 {c.get('training_minutes', 0):.0f} 分钟。")
    if "target_round_trip_cer" in c:
        target = c["target_round_trip_cer"]
        en += (f" The project's target, CER ≤ {target:.0%}, is " + ("met." if c.get("target_met") else "not met yet."))
        zh += f"本项目的目标 CER ≤ {target:.0%}" + ("已达到。" if c.get("target_met") else "尚未达到。")
    return en, zh


_EN_CARD, _ZH_CARD = card_line()

t = strings("tts", {
    "title": ("## Speech synthesis and a listening test", "## 语音合成与听音测试"),
    "body": (
        "Four ways to turn text into speech. **Tacotron** is a small Tacotron 2 written and trained here on one "
        "espeak-ng voice: espeak-ng turns the text into phonemes, an encoder reads them, *location-sensitive "
        "attention* decides which phoneme to say next, and an autoregressive decoder writes four mel frames per "
        "step; Griffin-Lim guesses the phase to make a waveform. The bottom picture is the attention: a clean "
        "diagonal means each phoneme is read once, in order. **Piper** is a VITS voice, a neural model with its "
        "vocoder built in. **espeak-ng** is a formant synthesiser: rules, no training. **hub** is MMS-TTS "
        "(Meta) when the hub is reachable. Each result is checked by ear: Whisper tiny.en writes down what it "
        "hears, and the character error rate (CER) says how intelligible the voice is.",
        "四种把文字变成语音的方法。**Tacotron** 是本项目编写、用一个 espeak-ng 声音训练的小型 Tacotron 2:"
        "espeak-ng 把文字转为音素,编码器读入音素,*位置敏感注意力*决定下一个读哪个音素,自回归解码器每步写出四帧梅尔频谱;"
        "Griffin-Lim 估计相位得到波形。最下面的图是注意力:干净的对角线表示每个音素按顺序读一次。"
        "**Piper** 是 VITS 声音,自带声码器的神经网络模型。**espeak-ng** 是共振峰合成器:只有规则,没有训练。"
        "**hub** 是可访问模型库时的 MMS-TTS(Meta)。每个结果都用耳朵检查:Whisper tiny.en 写下它听到的内容,"
        "字符错误率(CER)说明声音有多清晰。",
    ),
    "reference": (
        f"**Compare:** Tacotron 2 with a WaveNet vocoder: **MOS 4.53 ± 0.07**, real recordings 4.58 ± 0.05 "
        f"(Shen et al., 2018). {_EN_CARD} Rate the voices yourself below.",
        f"**对照:** 使用 WaveNet 声码器的 Tacotron 2:**MOS 4.53 ± 0.07**,真实录音 4.58 ± 0.05"
        f"(Shen 等,2018)。{_ZH_CARD}请在下方亲自为这些声音打分。",
    ),
    "text": ("Text (English; Chinese with espeak-ng)", "文本(英语;中文请选 espeak-ng)"),
    "engine": ("Voice", "声音"),
    "check": ("Check by ear: transcribe it back with Whisper", "用耳朵检查:用 Whisper 转写回文字"),
    "speak": ("Speak", "朗读"),
    "audio": ("Speech", "语音"),
    "heard": ("What Whisper heard", "Whisper 听到的内容"),
    "picture": ("Waveform, mel spectrogram, attention", "波形、梅尔频谱、注意力"),
    "examples_note": (
        "Examples: Piper on a plain sentence (Whisper hears every word); the Tacotron model on a sentence it never "
        "heard in training; espeak-ng, its teacher. **Hard:** a long sentence for the Tacotron model (read phrase "
        "by phrase; listen for slurred words), Chinese through espeak-ng's Mandarin voice (Whisper tiny.en cannot "
        "check it), and emoji (skipped, with a note).",
        "示例:Piper 读一句普通句子(Whisper 听清每个词);Tacotron 模型读一句训练中从未听过的句子;它的老师 espeak-ng。"
        "**难**:Tacotron 模型读长句(按短语逐段朗读,注意含糊的词);espeak-ng 的普通话声音读中文"
        "(Whisper tiny.en 无法检查);以及表情符号(跳过,并给出说明)。",
    ),
    "mos_title": ("### Listening test: rate naturalness 1–5", "### 听音测试:为自然度打 1–5 分"),
    "mos_body": (
        "Press **Next sample**, listen, and rate how natural the voice sounds: **1** bad, **2** poor, **3** fair, "
        "**4** good, **5** excellent. The voice's name stays hidden until you rate, so it cannot sway you. "
        "Ratings from everyone using this app are pooled; the mean opinion score (MOS) comes with a 95% "
        "confidence interval from Student's t.",
        "按 **下一个样本**,听完后为声音的自然程度打分:**1** 很差,**2** 较差,**3** 一般,**4** 好,**5** 非常好。"
        "打分之前不显示是哪个声音,以免影响判断。所有使用本应用的人的评分汇总在一起;平均意见分(MOS)"
        "附带基于学生 t 分布的 95% 置信区间。",
    ),
    "next": ("Next sample", "下一个样本"),
    "sample": ("Sample (voice hidden)", "样本(声音已隐藏)"),
    "score": ("Your rating", "你的评分"),
    "rate": ("Rate", "提交评分"),
    "results": ("Show results", "查看结果"),
    "mos_table": ("MOS per voice", "各声音的 MOS"),
    "mos_chart": ("MOS with 95% intervals; grey: the paper", "MOS 与 95% 区间;灰色:论文"),
})

EXAMPLES = [
    ["The cat sat on the mat and looked at the door.", "piper", True],
    [listening.SENTENCES[1], "tacotron", True],
    [listening.SENTENCES[1], "espeak", True],
    ["Attribute lookup speed can be significantly improved as well, and the program will run faster "
     "when the same names are used again and again.", "tacotron", True],
    ["你好,欢迎来到路线图展示。", "espeak", True],
    ["Good morning 😀 everyone 🎉", "piper", True],
]
FIRST_SAMPLE = listening.sample_id("tacotron", 0)
VOICES_ZH = {"tacotron": "Tacotron(本项目)", "piper": "Piper(VITS)", "espeak": "espeak-ng"}
# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"synthesize": EXAMPLES[0], "mos_summary": [], "mos_rate": [FIRST_SAMPLE, "4"], "mos_next": []}
# A session rates a sample once: a caller repeating mos_rate (the benchmark) opens a new session each time.
API_ONCE_PER_SESSION = {"mos_rate"}


def summary(m: dict) -> str:
    cer = m["round_trip_cer"]
    if cer is None:
        en = f"**{m['model']}** spoke {m['audio_seconds']:.1f} s of audio in **{m['seconds']:.2f} s**; not checked by ear."
        zh = f"**{m['model']}** 用 **{m['seconds']:.2f} 秒**合成了 {m['audio_seconds']:.1f} 秒音频;未用耳朵检查。"
    else:
        en = (f"**{m['model']}** spoke {m['audio_seconds']:.1f} s of audio in **{m['seconds']:.2f} s**; Whisper "
              f"mis-heard **{cer:.0%}** of the characters (round-trip CER).")
        zh = (f"**{m['model']}** 用 **{m['seconds']:.2f} 秒**合成了 {m['audio_seconds']:.1f} 秒音频;Whisper "
              f"听错了 **{cer:.0%}** 的字符(往返 CER)。")
        done, _, total = m.get("scored_pieces", "").partition(" of ")
        if done != total:   # Whisper hears one window: a long text is scored on its leading sentences
            en += (f" Only the first {done} of {total} sentences ({m['scored_seconds']:.0f} s) were checked: Whisper "
                   f"hears {tts.LISTEN_SECONDS} s at a time.")
            zh += f"只检查了前 {done} 句(共 {total} 句,{m['scored_seconds']:.0f} 秒):Whisper 一次只听 {tts.LISTEN_SECONDS} 秒。"
    en += " Tacotron 2 with WaveNet: MOS 4.53 ± 0.07 (the paper); rate these voices below."
    zh += "使用 WaveNet 的 Tacotron 2:MOS 4.53 ± 0.07(论文);请在下方为这些声音打分。"
    return say(en, zh)


@guard
def run(text=EXAMPLES[0][0], engine=EXAMPLES[0][1], check=EXAMPLES[0][2]):
    """Synthesise speech from text with one of four voices, and check it by ear: Whisper transcribes it back.

    Args:
        text: the text to read, English (Chinese only with "espeak"); at most a few sentences.
        engine: "tacotron" (the project's small Tacotron 2), "piper" (a VITS voice), "espeak" (espeak-ng) or "hub" (MMS-TTS, when reachable).
        check: true to transcribe the speech back with Whisper and report the character error rate.

    Returns:
        the speech (audio); what Whisper heard (text); waveform, mel spectrogram and attention (image);
        the result in a sentence (English and Chinese); metrics: engine, seconds, round_trip_cer (0-1, when check).
    """
    r = tts.synthesize(text, engine, bool(check))
    return r.audio, r.heard, r.picture, summary(r.metrics), r.metrics


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


def _mos_note(metrics: dict) -> str:
    rows = metrics["per_engine"]
    # ratings from one listener are not independent: no interval until mos.MIN_LISTENERS have rated
    numbers = [(r["n_ratings"], r["listeners"], f"{r['mos']:.2f}", "–" if r["ci95"] is None else f"± {r['ci95']:.2f}")
               for r in rows] + [("–", "–", "4.53", "± 0.07")]
    engines = [r["engine"] for r in rows]
    en_names = [listening.LABELS.get(e, e) for e in engines] + ["Tacotron 2 + WaveNet (paper)"]
    zh_names = [VOICES_ZH.get(e, e) for e in engines] + ["Tacotron 2 + WaveNet(论文)"]
    en = md_table([(name, *n) for name, n in zip(en_names, numbers)], ["Voice", "Ratings", "Listeners", "MOS", "95% CI"])
    zh = md_table([(name, *n) for name, n in zip(zh_names, numbers)], ["声音", "评分数", "听者", "MOS", "95% 区间"])
    if any(r["n_ratings"] > 1 and r["listeners"] < mos.MIN_LISTENERS for r in rows):
        en += (f"\n\nThe interval assumes independent listeners; ratings from one person are not independent, "
               f"so a voice shows – instead of an interval until {mos.MIN_LISTENERS} people have rated it.")
        zh += (f"\n\n该区间假设听者相互独立;同一个人的多次评分并不独立,所以要等 {mos.MIN_LISTENERS} 个人"
               f"为某个声音打过分,才给出它的区间(此前显示 –)。")
    if not rows:
        en, zh = "No ratings yet: press **Next sample** and rate a few.", "还没有评分:按 **下一个样本** 并打几个分。"
    return say(en, zh)


@guard
def mos_summary():
    """The listening test's results so far: the mean opinion score (1-5) of each voice with its 95% interval, beside
    the papers' MOS.

    Returns:
        MOS per voice (table); MOS with 95% intervals, grey: the papers' (image); the result in a sentence (English and Chinese);
        metrics: n_ratings, mos and ci95 per voice.
    """
    table, chart, metrics = listening.summary()
    return table, chart, _mos_note(metrics), metrics


def _spoken(sample) -> str:
    """The sentence beside the audio, so a listener who cannot hear it still knows what it says. Marked as
    the model's text (English, as spoken), not prose the Chinese page should have translated."""
    text = listening.pool().get(sample.id, {}).get("text", "")
    return f'<span class="model-text" lang="en">{html.escape(text)}</span>' if text else ""


@not_a_tool
@guard
def mos_next(request: gr.Request = None):
    """The listening test: the next sample to rate, its voice hidden. Rating: not an MCP tool.

    Returns:
        the sample (audio); its id (text); the sentence it reads (Markdown); metrics: the sample's id and how many are left.
    """
    sample = listening.next_sample(_session(request))
    if sample is None:
        return None, "", say("You have rated every sample. Thank you!", "你已为全部样本打分,谢谢!"), {"sample_id": None}
    text = _spoken(sample)
    return (str(sample.path), sample.id, say(f"Listen, then rate. It reads: “{text}”", f"请先听,再打分。朗读的句子:“{text}”"),
            {"sample_id": sample.id})


@not_a_tool
@guard
def mos_rate(sample_id=FIRST_SAMPLE, score="4", request: gr.Request = None):
    """The listening test: record a rating of a sample from 1 (bad) to 5 (excellent), then serve the next one. Rating:
    not an MCP tool.

    Args:
        sample_id: the sample's id, from mos_next.
        score: the rating, "1" to "5".

    Returns:
        the next sample (audio), its id, the rating cleared; the MOS per voice (table and image);
        the result in a sentence (English and Chinese); metrics: n_ratings, mos and ci95 per voice.
    """
    if score in (None, ""):
        raise InputError("Choose a rating from 1 (bad) to 5 (excellent) first.")
    session = _session(request)
    engine = listening.rate(sample_id, score, session)
    sample = listening.next_sample(session)
    table, chart, metrics = listening.summary()
    text = _spoken(sample) if sample else ""   # beside the next sample's audio
    reveal = say(f"Thank you: that was **{listening.LABELS[engine]}**, rated {score}. The next sample is ready"
                 + (f": “{text}”" if text else "."),
                 f"谢谢:刚才是 **{VOICES_ZH[engine]}**,你打了 {score} 分。下一个样本已就绪" + (f":“{text}”" if text else "。"))
    metrics = {**metrics, "rated": {"sample_id": sample_id, "score": int(float(score)), "engine": engine},
               "next_sample_id": sample.id if sample else None}
    return (str(sample.path) if sample else None, sample.id if sample else "", None, reveal, table, chart,
            _mos_note(metrics), metrics)


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            text = gr.Textbox(value=EXAMPLES[0][0], label=t("text"), lines=3, max_length=tts.MAX_CHARS)
            engine = gr.Radio(list(tts.ENGINES), value=EXAMPLES[0][1], label=t("engine"))
            check = gr.Checkbox(value=EXAMPLES[0][2], label=t("check"))
            button = gr.Button(t("speak"), variant="primary")
        with gr.Column(scale=2):
            audio = gr.Audio(label=t("audio"), type="numpy", interactive=False)
            heard = gr.Textbox(label=t("heard"), lines=1, elem_classes="model-text", elem_id="model-text-tts-heard")
            note = result_note()
            picture = gr.Image(label=t("picture"), format="png")
            metrics = metrics_json()
    inputs, outputs = [text, engine, check], [audio, heard, picture, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"), elem_id="model-text-tts-examples")
    button.click(run, inputs, outputs, api_name="synthesize", concurrency_id="speech")

    gr.Markdown(t("mos_title"))
    gr.Markdown(t("mos_body"))
    with gr.Row():
        with gr.Column(scale=1):
            next_button = gr.Button(t("next"))
            sample = gr.Audio(label=t("sample"), type="filepath", interactive=False, autoplay=True)
            sample_id = gr.Textbox(value=FIRST_SAMPLE, visible=False)
            score = gr.Radio(["1", "2", "3", "4", "5"], value="4", label=t("score"))
            rate_button = gr.Button(t("rate"), variant="primary")
            rate_note = result_note()
        with gr.Column(scale=2):
            results_button = gr.Button(t("results"))
            chart = gr.Image(label=t("mos_chart"), format="png", render=False)
            mos_note = result_note(chart)
            chart.render()
            # the table's voice names are English; the note above gives it in the page's language
            table = gr.Dataframe(label=t("mos_table"), interactive=False, render=False)
            mos_metrics = metrics_json(table)
    next_button.click(mos_next, None, [sample, sample_id, rate_note, mos_metrics], api_name="mos_next")
    rate_button.click(mos_rate, [sample_id, score], [sample, sample_id, score, rate_note, table, chart, mos_note,
                                                     mos_metrics], api_name="mos_rate")
    results_button.click(mos_summary, None, [table, chart, mos_note, mos_metrics], api_name="mos_summary")
    code_accordion(tacotron.Tacotron.infer, tts.synthesize, mos.t_interval, mos.RatingStore.rate)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
