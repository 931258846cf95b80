"""Tab: waveform, spectrogram, mel spectrogram and MFCC. Run alone: ``python -m pages.speech.features``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.inputs import AudioInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.scratch import lossless_webp, scratch_file
from pages.translation import say, strings, tc
from showcase.core import synth
from showcase.core.settings import asset
from showcase.speech import features

t = strings("features", {
    "title": ("## MFCC and spectrograms", "## MFCC 与频谱图"),
    "body": (
        "A speech model never sees the waveform as it is. The short-time Fourier transform cuts it into short "
        "overlapping windows and takes each one's spectrum (the spectrogram); a mel filter bank pools the "
        "frequencies into bands spaced like human pitch perception (the mel spectrogram); the cosine transform of "
        "the log-mel bands keeps the spectral envelope, the shape of the vocal tract, in a dozen numbers per frame: "
        "the MFCCs, with their slopes over time (Δ, ΔΔ). Upload or record a sound, or type a sentence for espeak-ng "
        f"to say. Audio is analysed at 16 kHz (the speech band up to 8 kHz), up to {features.MAX_SECONDS} s long.",
        "语音模型从不直接看波形。短时傅里叶变换把波形切成相互重叠的短窗,求每个窗的频谱(频谱图);"
        "梅尔滤波器组按人耳对音高的感知把频率汇成若干频带(梅尔频谱图);对对数梅尔能量做余弦变换,"
        "每帧只用十几个数就保留了频谱包络,也就是声道的形状:这就是 MFCC,以及它们随时间的斜率(Δ、ΔΔ)。"
        f"上传或录制一段声音,或输入一句话让 espeak-ng 朗读。音频以 16 kHz 分析(语音频带到 8 kHz),最长 {features.MAX_SECONDS} 秒。",
    ),
    "reference": (
        "**Compare:** Davis & Mermelstein (1980) found MFCCs the best of the parametric representations they "
        "tested for word recognition; 13 coefficients with Δ and ΔΔ (39 numbers per 10 ms) became the classic "
        "front end of speech recognisers.",
        "**对照:** Davis 与 Mermelstein(1980)在单词识别中发现 MFCC 是所测参数表示中最好的;"
        "13 个系数加 Δ 与 ΔΔ(每 10 毫秒 39 个数)成为语音识别器的经典前端。",
    ),
    "audio": ("Audio: upload or record", "音频:上传或录音"),
    "n_mfcc": ("n_mfcc", "n_mfcc(MFCC 个数)"),
    "n_mfcc_info": ("How many cepstral coefficients to keep: more = finer spectral detail; 13 is the classic.",
                    "保留多少个倒谱系数:越多频谱细节越细;13 是经典取值。"),
    "n_mels": ("n_mels", "n_mels(梅尔频带数)"),
    "n_mels_info": ("How many mel bands: fewer = coarser frequency resolution, a smoother picture.",
                    "梅尔频带的数量:越少频率分辨率越粗,图越平滑。"),
    "hop": ("Hop (ms)", "帧移(毫秒)"),
    "hop_info": ("Time between frames: smaller = more frames per second, finer time detail.",
                 "相邻帧的时间间隔:越小每秒帧数越多,时间细节越细。"),
    "window": ("Window (ms)", "窗长(毫秒)"),
    "window_info": ("Length of each analysis window: longer = sharper in frequency, blurrier in time.",
                    "每个分析窗的长度:越长频率越清晰,时间越模糊。"),
    "say": ("Sentence for espeak-ng", "让 espeak-ng 朗读的句子"),
    "voice": ("Voice", "声音"),
    "speak": ("Say it (espeak-ng)", "朗读(espeak-ng)"),
    "waveform": ("Waveform", "波形"),
    "spectrogram": ("Spectrogram (0–8 kHz bottom to top, dB)", "频谱图(自下而上 0–8 kHz,dB)"),
    "mel": ("Mel spectrogram (low bands at the bottom, dB)", "梅尔频谱图(低频带在下,dB)"),
    "examples_note": (
        "Examples: English speech (the classic 13 MFCCs); two pure tones with a 100 ms window (two sharp lines); "
        "Piper's neural voice with 20 MFCCs; Mandarin with a 5 ms hop (watch the harmonics bend with the tones). "
        "**Hard:** a 5 ms window has too few frequency bins, so the harmonics blur and some mel bands stay empty; "
        "silence has no spectrum and stays black.",
        "示例:英语语音(经典的 13 个 MFCC);100 毫秒窗下的两个纯音(两条清晰的线);20 个 MFCC 的 Piper 神经网络语音;"
        "帧移 5 毫秒的普通话(谐波随声调弯曲)。**难**:5 毫秒的窗频率点太少,谐波模糊,部分梅尔频带为空;"
        "静音没有频谱,保持全黑。",
    ),
    "mfcc": ("MFCC (bottom), Δ (middle), ΔΔ (top); blue negative, red positive",
             "MFCC(下)、Δ(中)、ΔΔ(上);蓝为负,红为正"),
})

VOICES = ("en-us", "en-gb-x-rp", "en-us+f3", "en-us+klatt", "cmn", "fr-fr", "de", "es")
SENTENCE = "Machine learning turns data into decisions."
FOLDER = asset("speech", "features")
CLIPS = {  # file: how it is made, by the project's own code (ensure_assets)
    "espeak_en.flac": ("espeak", "Speech recognition turns sound into text.", "en-us"),
    "tone_440_880.flac": ("tones", (440.0, 880.0), None),
    "piper_en.flac": ("piper", "The quick brown fox jumps over the lazy dog.", None),
    "espeak_zh.flac": ("espeak", "你好,欢迎学习语音识别。", "cmn"),
    "silence.flac": ("silence", 1.5, None),
}
EXAMPLES = [
    [str(FOLDER / "espeak_en.flac"), 13, 64, 10, 25],
    [str(FOLDER / "tone_440_880.flac"), 13, 128, 10, 100],   # a long window: two sharp lines
    [str(FOLDER / "piper_en.flac"), 20, 80, 10, 25],         # a neural voice
    [str(FOLDER / "espeak_zh.flac"), 13, 64, 5, 25],         # Mandarin tones: watch the harmonics bend
    [str(FOLDER / "espeak_en.flac"), 13, 64, 10, 5],         # hard case: a 5 ms window blurs the harmonics
    [str(FOLDER / "silence.flac"), 13, 64, 10, 25],          # hard case: silence is drawn as silence
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"audio_features": EXAMPLES[0]}


def ensure_assets() -> None:
    """The example clips are made by the project's own code; write any that are missing."""
    import numpy as np
    import soundfile as sf

    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, (kind, what, voice) in CLIPS.items():
        path = FOLDER / name
        if path.is_file():
            continue
        if kind == "espeak":
            audio, rate = synth.espeak(what, voice=voice)
        elif kind == "piper":
            audio, rate = synth.piper(what)
        elif kind == "tones":
            rate = 16_000
            t = np.arange(2 * rate) / rate
            audio = sum(0.3 * np.sin(2 * np.pi * f * t) for f in what)
        else:
            rate = 16_000
            audio = np.zeros(int(what * rate))
        sf.write(path, np.asarray(audio, dtype=np.float32), rate, subtype="PCM_16")


def summary(m: dict) -> str:
    per_frame = 3 * m["n_mfcc"]  # the coefficients with their Δ and ΔΔ
    samples = round(m["seconds"] * m["sample_rate"])
    hop_ms = 1000 * m["hop_length"] / m["sample_rate"]
    empty_en = f" {m['empty_mel_bands']} mel bands are empty: the window is too short for them." \
        if m["empty_mel_bands"] else ""
    empty_zh = f"有 {m['empty_mel_bands']} 个梅尔频带为空:窗太短,分不出它们。" if m["empty_mel_bands"] else ""
    silent = not isinstance(m["rms_dbfs"], (int, float))  # "-inf": every sample is zero
    loudest_en = "it is silence: no band is louder than another." if silent else \
        f"the loudest mel band is near **{m['loudest_mel_band_hz']:.0f} Hz**."
    loudest_zh = "这是静音:没有哪个频带更响。" if silent else f"最响的梅尔频带约在 **{m['loudest_mel_band_hz']:.0f} Hz**。"
    return say(
        f"{m['seconds']:.2f} s ({samples:,} samples at {m['sample_rate']:,} Hz) become **{m['frames']} frames × "
        f"{per_frame} numbers** ({m['n_mfcc']} MFCCs with Δ and ΔΔ, one frame every {hop_ms:g} ms); "
        f"{loudest_en}{empty_en} The classic front end (Davis & Mermelstein 1980): 39 numbers every 10 ms.",
        f"{m['seconds']:.2f} 秒({m['sample_rate']:,} Hz 下 {samples:,} 个采样点)变成 **{m['frames']} 帧 × {per_frame} 个数**"
        f"({m['n_mfcc']} 个 MFCC 加 Δ 与 ΔΔ,每 {hop_ms:g} 毫秒一帧);{loudest_zh}{empty_zh}"
        "经典前端(Davis 与 Mermelstein,1980):每 10 毫秒 39 个数。")


@guard
def run(audio=EXAMPLES[0][0], n_mfcc=13, n_mels=64, hop_ms=10, window_ms=25):
    """Compute speech features of a recording: spectrogram, mel spectrogram, MFCCs with deltas.

    Args:
        audio: a recording (WAV, FLAC, MP3 or OGG file; at most a few minutes).
        n_mfcc: MFCC coefficients, an integer from 1 to 40 (13 is the classic choice).
        n_mels: mel bands, an integer from 8 to 128.
        hop_ms: hop between frames in milliseconds, from 2 to 50.
        window_ms: analysis window in milliseconds, from 5 to 200 in steps of 5.

    Returns:
        the waveform (line plot); the spectrogram, mel spectrogram and MFCC with deltas (three images, dB);
        the result in a sentence (English and Chinese); metrics: sample_rate (Hz), seconds, n_mfcc, frames.
    """
    r = features.audio_features(audio, n_mfcc, n_mels, hop_ms, window_ms)
    # written as lossless WebP here: Gradio's PNG of the three 800×220 pictures took ~190 ms a call
    p = {name: lossless_webp(picture) for name, picture in r.pictures.items()}
    return r.waveform, p["spectrogram"], p["mel"], p["mfcc"], summary(r.metrics), r.metrics


@guard
def speak(text=SENTENCE, voice="en-us"):
    """Read a sentence aloud with espeak-ng, to have a recording for the feature tab.

    Args:
        text: the sentence to speak.
        voice: an espeak-ng voice: "en-us", "en-gb-x-rp", "en-us+f3", "en-us+klatt", "cmn" (Mandarin), "fr-fr", "de" or "es".

    Returns:
        the speech (WAV file).
    """
    if voice not in VOICES:
        from showcase.core.errors import InputError

        raise InputError(f"Voice must be one of {', '.join(VOICES)}.")
    audio, rate = synth.espeak(text, voice=voice)
    return scratch_file(synth.wav_bytes(audio, rate), ".wav")


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            audio = AudioInput(label=t("audio"), value=EXAMPLES[0][0])
            n_mfcc = gr.Slider(1, 40, value=13, step=1, label=t("n_mfcc"), info=t("n_mfcc_info"))
            n_mels = gr.Slider(8, 128, value=64, step=1, label=t("n_mels"), info=t("n_mels_info"))
            hop = gr.Slider(2, 50, value=10, step=1, label=t("hop"), info=t("hop_info"))
            window = gr.Slider(5, 200, value=25, step=5, label=t("window"), info=t("window_info"))
            button = gr.Button(tc("run"), variant="primary")
            with gr.Group():
                text = gr.Textbox(value=SENTENCE, label=t("say"), lines=2)
                voice = gr.Radio(list(VOICES), value="en-us", label=t("voice"))
                speak_button = gr.Button(t("speak"))
        with gr.Column(scale=2):
            waveform = gr.LinePlot(x="seconds", y="amplitude", label=t("waveform"), y_lim=[-1, 1], height=180)
            spectrogram = gr.Image(label=t("spectrogram"), format="webp", height=200)
            mel = gr.Image(label=t("mel"), format="webp", height=200)
            mfcc = gr.Image(label=t("mfcc"), format="webp", height=200)
            note = result_note()
            metrics = metrics_json()
    inputs = [audio, n_mfcc, n_mels, hop, window]
    outputs = [waveform, spectrogram, mel, mfcc, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="audio_features")
    speak_button.click(speak, [text, voice], [audio], api_name="features_speak").then(
        run, inputs, outputs, api_visibility="private")
    code_accordion(features.compute, features.audio_features)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
