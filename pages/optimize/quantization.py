"""Tab: int8 post-training quantisation four ways. Run alone: ``python -m pages.optimize.quantization``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import md_table, say, strings, tc
from showcase.optimize import quantization

t = strings("quantization", {
    "title": ("## Quantisation: int8 after training, in PyTorch, ONNX Runtime and TensorFlow Lite",
              "## 量化:训练后 int8 量化,PyTorch、ONNX Runtime 与 TensorFlow Lite"),
    "body": (
        "Post-training quantisation stores weights (and, for the static methods, activations) as 8-bit integers "
        "with a scale and zero point; a few **calibration** images run through the float model to find the ranges. "
        "**PyTorch dynamic** quantises only `nn.Linear` weights (made for transformers and LSTMs: on a CNN it barely "
        "shrinks). **PyTorch static** (FX graph mode, x86 back end) and **ONNX Runtime static** (QDQ, per-channel) "
        "quantise every convolution. **TFLite full-integer** is the roadmap's route: a representative dataset and "
        "int8 input and output; TensorFlow runs in its own process, on a Keras copy of the same weights. Each method "
        "is compared with fp32 in its own runtime: file size, latency (batch 1, one thread, median) and accuracy on "
        "held-out data: 1,000 Fashion-MNIST test images for the zoo CNNs; for EfficientNet-Lite0 (no ImageNet labels "
        "offline) the top-1 agreement with PyTorch fp32 on 24 views of six real photos. The first run of a model and "
        "method takes seconds (TFLite: about a minute, TensorFlow starts); later runs come from the cache.",
        "训练后量化把权重(静态方法还包括激活)存成带缩放因子和零点的 8 位整数;让少量**校准**图像流过浮点模型以确定数值范围。"
        "**PyTorch 动态量化**只量化 `nn.Linear` 的权重(为 Transformer 和 LSTM 设计:对 CNN 几乎不减小体积)。"
        "**PyTorch 静态量化**(FX 图模式,x86 后端)与 **ONNX Runtime 静态量化**(QDQ,逐通道)会量化所有卷积。"
        "**TFLite 全整数量化**是路线图给出的做法:代表性数据集,int8 输入与输出;TensorFlow 在独立进程中运行,"
        "使用同一组权重的 Keras 副本。每种方法都与同一运行时中的 fp32 模型比较:文件大小、延迟(批大小 1、单线程、中位数)"
        "和留出数据上的精度:模型库 CNN 用 1,000 张 Fashion-MNIST 测试图像;EfficientNet-Lite0(离线没有 ImageNet 标签)"
        "用 6 张真实照片的 24 个视图上与 PyTorch fp32 的 top-1 一致率。某个模型和方法第一次运行需要几秒"
        "(TFLite 约一分钟,要启动 TensorFlow);之后直接取缓存。",
    ),
    "reference": (
        "**Compare:** TensorFlow Lite's hosted MobileNetV2 (1.0, 224): 14 → 3.6 MB and 71.9 → 63.7% top-1 with "
        "post-training quantisation. Target here: static int8 on a zoo CNN ≥ 3.5× smaller, ≥ 1.5× faster, ≤ 1.5 points "
        "less accurate; the teacher meets it. The small student stays at 2.78× smaller: its 68,000 weights take "
        "68 kB in int8, and what int8 does not shrink (biases, a scale and zero point per output channel, layer "
        "names) adds about 40 kB, a share the teacher's nine-times-larger weights hide.",
        "**对照:** TensorFlow Lite 官方托管的 MobileNetV2(1.0,224):训练后量化使体积 14 → 3.6 MB,top-1 71.9 → 63.7%。"
        "本页目标:模型库 CNN 的静态 int8 体积缩小 ≥ 3.5 倍、速度提升 ≥ 1.5 倍、精度下降 ≤ 1.5 个百分点;教师模型达到该目标。"
        "小型学生模型只缩小 2.78 倍:它的 68,000 个权重在 int8 下占 68 kB,而 int8 不缩小的部分(偏置、每个输出通道的"
        "缩放因子与零点、层名)还要约 40 kB;教师模型的权重多九倍,这部分开销占比小得多。",
    ),
    "model": ("Model", "模型"),
    "methods": ("Methods", "方法"),
    "calibration": ("Calibration images", "校准图像数"),
    # choices stay plain names: Gradio shows a translated choice label raw in the examples table
    "legend": (
        "**Models:** `student` the zoo's MobileNet-style student (Fashion-MNIST) · `teacher` its ResNet-style "
        "teacher · `efficientnet_lite0` EfficientNet-Lite0 (ImageNet, real photos). **Methods:** `pytorch_dynamic` "
        "PyTorch dynamic (Linear only) · `pytorch_static` PyTorch static (FX graph mode, x86) · `ort_static` ONNX "
        "Runtime static (QDQ, per-channel) · `tflite_int8` TensorFlow Lite full-integer (in its own process). "
        "In the charts PT is PyTorch and ORT is ONNX Runtime.",
        "**模型:** `student` 模型库的 MobileNet 风格学生模型(Fashion-MNIST)· `teacher` 其 ResNet 风格教师模型 · "
        "`efficientnet_lite0` EfficientNet-Lite0(ImageNet,真实照片)。**方法:** `pytorch_dynamic` PyTorch 动态量化"
        "(仅 Linear)· `pytorch_static` PyTorch 静态量化(FX 图模式,x86)· `ort_static` ONNX Runtime 静态量化"
        "(QDQ,逐通道)· `tflite_int8` TensorFlow Lite 全整数量化(独立进程)。图中 PT 指 PyTorch,ORT 指 ONNX Runtime。",
    ),
    "table": ("fp32 against int8, per method", "各方法的 fp32 与 int8 对比"),
    "size": ("Size (MB, serialized)", "体积(MB,序列化后)"),
    "latency": ("Latency (ms, batch 1, one thread)", "延迟(毫秒,批大小 1,单线程)"),
    "accuracy": ("Accuracy on held-out data (EfficientNet: agreement with fp32)",
                 "留出数据上的精度(EfficientNet:与 fp32 的一致率)"),
    "examples_note": ("The teacher with the three quick methods; the 68k-parameter student, too small for int8 to pay "
                      "off in PyTorch (the quantise and dequantise steps cost more than they save); the student with all "
                      "four (TFLite starts TensorFlow: about a minute); EfficientNet-Lite0 on real photos; and 16 "
                      "calibration images, too few to find the ranges well.",
                      "教师模型用三种快速方法;只有 6.8 万参数的学生模型太小,在 PyTorch 中 int8 得不偿失(量化与反量化的开销"
                      "超过节省);学生模型用全部四种(TFLite 要启动 TensorFlow,约一分钟);真实照片上的 EfficientNet-Lite0;"
                      "以及只有 16 张校准图像,太少,找不准数值范围。"),
})

EXAMPLES = [
    ["teacher", ["pytorch_dynamic", "pytorch_static", "ort_static"], 128],   # first: static int8 meets the target
    ["student", ["pytorch_dynamic", "pytorch_static", "ort_static"], 128],
    ["student", list(quantization.METHODS), 128],
    ["efficientnet_lite0", ["pytorch_static", "ort_static"], 64],
    ["student", ["pytorch_static"], 16],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"quantize": EXAMPLES[0]}


def summary(table) -> str:
    """The fastest int8 route first, then every method as a small table (the full numbers are in the metrics)."""
    best = table.loc[table["faster"].idxmax()]
    rows = [(r["method"], f"{r['fp32_mb']:.2f} → {r['int8_mb']:.2f} ({r['smaller']:.1f}×)",
             f"{r['fp32_ms']:.2f} → {r['int8_ms']:.2f} ({r['faster']:.1f}×)",
             f"{r['fp32_accuracy']:.1%} → {r['int8_accuracy']:.1%}") for r in table.to_dict("records")]
    drop = 100 * (best["fp32_accuracy"] - best["int8_accuracy"])
    head = (f"{best['method']}: **{best['smaller']:.1f}× smaller**, **{best['faster']:.1f}× faster**, "
            f"{drop:.1f} points of accuracy lost. Target: ≥ 3.5×, ≥ 1.5×, ≤ 1.5 points; "
            "TFLite's MobileNetV2: 14 → 3.6 MB, 71.9 → 63.7% top-1.")
    head_zh = (f"{best['method']}:体积缩小 **{best['smaller']:.1f} 倍**,速度提升 **{best['faster']:.1f} 倍**,精度下降 "
               f"{drop:.1f} 个百分点。目标:≥ 3.5 倍、≥ 1.5 倍、≤ 1.5 个百分点;"
               "TFLite 的 MobileNetV2:14 → 3.6 MB,top-1 71.9 → 63.7%。")
    return say(head + "\n\n" + md_table(rows, ["Method", "MB fp32 → int8", "ms fp32 → int8", "Accuracy"]),
               head_zh + "\n\n" + md_table(rows, ["方法", "MB fp32 → int8", "毫秒 fp32 → int8", "精度"]))


@guard
def run(model="teacher", methods=tuple(EXAMPLES[0][1]), calibration=128, progress=gr.Progress()):
    """Quantise a model to int8 several ways and compare size, latency and accuracy with fp32.

    Args:
        model: "student" (small CNN), "teacher" (larger CNN), both on MNIST, or "efficientnet_lite0" (ImageNet).
        methods: a list of one or more of "pytorch_dynamic", "pytorch_static", "ort_static" (ONNX Runtime), "tflite_int8".
        calibration: images used to calibrate static quantisation, an integer from 8 to 512 in steps of 8.

    Returns:
        fp32 against int8 per method (table); size in MB, latency in ms (batch 1, one thread), accuracy (three bar plots);
        the result in a sentence (English and Chinese);
        metrics: fp32_mb, int8_mb, fp32_ms, int8_ms, fp32_accuracy, int8_accuracy (per method).
    """
    result = quantization.quantize(model, methods, calibration, progress=lambda f, text: progress(f, desc=text))
    warn_low_agreement(result.table)
    return (result.table, result.bars, result.bars, result.bars, summary(result.table),
            result.metrics)


LOW_AGREEMENT = 0.9   # below this, int8 changes the answer on more than one view in ten


def warn_low_agreement(table) -> list[str]:
    """A warning toast for each method whose int8 model gives another top-1 than fp32 too often
    (EfficientNet-Lite0 with PyTorch static int8: 42% agreement measured), so that a table row
    that looks like a 3.6× smaller model is not read as a usable one."""
    shown = []
    for row in table.itertuples():
        if row.top1_agreement < LOW_AGREEMENT:
            shown.append(f"{row.method}: int8 agrees with fp32 on only {row.top1_agreement:.0%} of the images; this "
                         f"int8 model is not usable as it is. / {row.method}:int8 与 fp32 的 top-1 仅在 "
                         f"{row.top1_agreement:.0%} 的图像上一致,此 int8 模型不可直接使用。")
            gr.Warning(shown[-1], title="Accuracy lost in int8 / int8 精度损失")
    return shown


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Radio(list(quantization.MODELS), value=EXAMPLES[0][0], label=t("model"))
            methods = gr.CheckboxGroup(list(quantization.METHODS), value=EXAMPLES[0][1],
                                       label=t("methods"))
            gr.Markdown(t("legend"))
            calibration = gr.Slider(quantization.MIN_CALIBRATION, quantization.MAX_CALIBRATION, value=128, step=8,
                                    label=t("calibration"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            note = result_note()
            table = gr.Dataframe(label=t("table"), interactive=False, wrap=True, render=False)
            with gr.Row():
                bar = dict(x="bar", color="precision", height=300, x_label_angle=-45, x_title=" ", sort=quantization.BARS)
                size = gr.BarPlot(y="size_mb", label=t("size"), y_lim=[0, None], **bar)
                latency = gr.BarPlot(y="latency_ms", label=t("latency"), y_lim=[0, None], **bar)
                accuracy = gr.BarPlot(y="accuracy", label=t("accuracy"), y_lim=[0, 1], **bar)
            metrics = metrics_json(table)
    inputs = [model, methods, calibration]
    outputs = [table, size, latency, accuracy, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="quantize", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(quantization.pytorch_static, quantization.ort_static, quantization.tflite_worker.convert,
                   quantization.quantize)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
