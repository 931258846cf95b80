"""Tab: export a pretrained classifier to ONNX and race it against PyTorch. Run alone: ``python -m pages.frameworks.onnx_export``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.inputs import ImageInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.frameworks import onnx_export as ox

t = strings("onnx_export", {
    "title": ("## Export to ONNX and run it in ONNX Runtime", "## 导出 ONNX 并用 ONNX Runtime 运行"),
    "body": (
        "A pretrained ImageNet classifier (EfficientNet-Lite0, whose weights ship with its pip package; or torchvision's "
        "ResNet-18 of the roadmap's snippet, pretrained when the weights are in the torch hub cache or the hub answers, "
        "random and labelled so otherwise) is exported with `torch.onnx.export` with a **dynamic batch axis**, checked "
        "with `onnx.checker`, and run in ONNX Runtime beside PyTorch on the same real photos (scikit-image's samples plus "
        "yours): top-1 agreement, largest logit difference, and median latency at batch 1 and 8, the two runtimes timed "
        "alternately. `dynamo` (torch.export, torch's default) writes opset 18 or newer; `torchscript` (the legacy "
        "tracer) any opset from 11 and exports much faster. Each (model, exporter, opset) is exported once per process; "
        "download the `.onnx` file below. Timings on this shared 2-core CPU are noisy: medians are shown.",
        "一个预训练的 ImageNet 分类模型(EfficientNet-Lite0,权重随 pip 包提供;或路线图示例中的 torchvision ResNet-18:"
        "torch hub 缓存里有权重或能连上 hub 时用预训练权重,否则用随机权重并明确标注)用 `torch.onnx.export` 导出,"
        "**批次维度为动态**,经 `onnx.checker` 检查后,在 ONNX Runtime 与 PyTorch 中对同一批真实照片(scikit-image 示例图加上你的图片)"
        "分别推理:比较 top-1 一致率、logits 最大差异,以及批大小 1 和 8 时的延迟中位数(两个运行时交替计时)。"
        "`dynamo`(基于 torch.export,torch 的默认导出器)只能写出 opset 18 及以上;`torchscript`(旧的追踪导出器)支持 "
        "opset 11 起的任意版本,且导出快得多。每个(模型、导出器、opset)组合每个进程只导出一次;可在下方下载 `.onnx` 文件。"
        "这台共享的双核 CPU 上计时波动较大,因此显示中位数。",
    ),
    "reference": (
        "**Compare:** Ultralytics' Raspberry Pi 5 benchmarks: YOLO11n runs about 2× faster in ONNX than in PyTorch. "
        "Parity: float32 logits should agree to ~1e-5 and the top-1 class always.",
        "**对照:** Ultralytics 的树莓派 5 基准:YOLO11n 用 ONNX 运行比 PyTorch 快约 2 倍。一致性:float32 logits 应相差约 1e-5,"
        "top-1 类别应始终相同。",
    ),
    "model": ("Model", "模型"),
    "exporter": ("Exporter", "导出器"),
    "opset": ("ONNX opset", "ONNX opset 版本"),
    "repeats": ("Timed runs per runtime and batch size", "每个运行时和批大小的计时次数"),
    "predictions": ("Top-5 for your image (ONNX Runtime)", "你的图片的前 5 类(ONNX Runtime)"),
    "latency": ("Median latency (ms)", "延迟中位数(毫秒)"),
    "photos": ("PyTorch vs ONNX Runtime on every photo", "每张照片上 PyTorch 与 ONNX Runtime 的对比"),
    "file": ("The exported .onnx file", "导出的 .onnx 文件"),
    "examples_note": ("EfficientNet-Lite0 with the fast legacy exporter, then with dynamo at opsets 18 and 23; the last row "
                      "is ResNet-18, which is random (and says so) unless its weights are in the torch hub cache.",
                      "EfficientNet-Lite0 先用快速的旧导出器,再用 dynamo 导出 opset 18 和 23;最后一行是 ResNet-18,"
                      "除非 torch hub 缓存里有它的权重,否则是随机权重(并会注明)。"),
})

PHOTO = {name: str(ox.photo_path(name)) for name in ox.PHOTOS}
EXAMPLES = [
    [PHOTO["chelsea"], "efficientnet_lite0", "torchscript", 17, 5],   # first: the fast exporter
    [PHOTO["coffee"], "efficientnet_lite0", "dynamo", 18, 5],
    [PHOTO["rocket"], "efficientnet_lite0", "dynamo", 23, 5],
    [PHOTO["astronaut"], "resnet18", "torchscript", 17, 5],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"onnx_export": EXAMPLES[0]}


def summary(m: dict) -> str:
    return say(
        f"ONNX Runtime: **{m['ort_ms']:.0f} ms** against PyTorch {m['torch_ms']:.0f} ms at batch 1 (**{m['speedup']:.1f}×**), "
        f"{m['speedup_batch8']:.1f}× at batch 8; top-1 agrees on {m['top1_agreement']:.0%} of {m['n_photos']} photos, "
        f"logits within {m['max_abs_diff']:.0e}. Your image: **{m['top1']}** ({m['top1_probability']:.0%}). "
        "Ultralytics: YOLO11n about 2× faster in ONNX.",
        f"ONNX Runtime 批大小 1 时 **{m['ort_ms']:.0f} 毫秒**,PyTorch {m['torch_ms']:.0f} 毫秒(**{m['speedup']:.1f} 倍**),"
        f"批大小 8 时 {m['speedup_batch8']:.1f} 倍;{m['n_photos']} 张照片的 top-1 一致率 {m['top1_agreement']:.0%},"
        f"logits 差异不超过 {m['max_abs_diff']:.0e}。你的图片:**{m['top1']}**({m['top1_probability']:.0%})。"
        "Ultralytics:YOLO11n 用 ONNX 约快 2 倍。")


@guard
def run(image=EXAMPLES[0][0], model="efficientnet_lite0", exporter="torchscript", opset=17, repeats=5,
        progress=gr.Progress()):
    """Export an ImageNet classifier to ONNX, check ONNX Runtime against PyTorch on your photo, and time both.

    Args:
        image: the photo to classify, a PNG, JPEG or WebP file.
        model: "efficientnet_lite0" or "resnet18".
        exporter: "dynamo" (torch.export) or "torchscript" (the older tracer).
        opset: the ONNX opset version: 11, 13, 17, 18, 20 or 23.
        repeats: timed runs per runtime and batch size, an integer from 3 to 50.

    Returns:
        the top-5 ImageNet classes for the photo from ONNX Runtime (bar plot); median latency in ms (bar plot);
        PyTorch against ONNX Runtime on every sample photo (table); the exported .onnx file;
        the result in a sentence (English and Chinese);
        metrics: opset, file_mb, max_abs_diff (logits), top1_agreement (0-1), torch_ms, ort_ms, speedup.
    """
    result = ox.onnx_export(image, model, opset, exporter, repeats,
                            progress=lambda fraction, text: progress(fraction, desc=text))
    return result.predictions, result.latency, result.photos, str(result.onnx_path), summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            image = ImageInput(value=EXAMPLES[0][0], height=260)
            model = gr.Radio(list(ox.MODELS), value="efficientnet_lite0", label=t("model"))
            exporter = gr.Radio(list(ox.EXPORTERS), value="torchscript", label=t("exporter"))
            opset = gr.Radio(list(ox.OPSETS), value=17, label=t("opset"))
            repeats = gr.Slider(3, 50, value=5, step=1, label=t("repeats"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                predictions = gr.BarPlot(x="class", y="probability", label=t("predictions"), y_lim=[0, 1],
                                         sort="-y", height=240)
                latency = gr.BarPlot(x="setting", y="ms", color="runtime", label=t("latency"), height=240,
                                     x_label_angle=-20, y_lim=[0, None],
                                     sort=[f"{r} · batch {b}" for b in ox.BATCHES for r in ("PyTorch", "ONNX Runtime")])
            note = result_note()
            onnx_file = gr.File(label=t("file"), interactive=False)
            photos = gr.Dataframe(label=t("photos"), interactive=False, wrap=True, render=False)
            metrics = metrics_json(photos)
    inputs = [image, model, exporter, opset, repeats]
    outputs = [predictions, latency, photos, onnx_file, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="onnx_export", concurrency_id="cpu_training",
                 concurrency_limit=1)  # timings mean nothing while another job trains
    code_accordion(ox.export_onnx, ox.median_latency_ms, ox.onnx_export)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
