"""Tab: the detector's edge trade-off, size × format × threads. Run alone: ``python -m pages.deploy.edge``."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import md_table, say, strings, tc
from showcase.deploy import edge

t = strings("edge", {
    "title": ("## Edge inference: input size × format × threads against accuracy",
              "## 边缘推理:输入尺寸 × 格式 × 线程数与精度的权衡"),
    "body": (
        "On a Jetson or a Raspberry Pi the budget is milliseconds, and the knobs are the input size, the format and "
        "the threads. Each point is this machine measuring the bundled shapes detector: eager **PyTorch** (rebuilt "
        "from the ONNX weights), **ONNX fp32** (exported at each size), and **ONNX int8** (static quantisation "
        "calibrated on training scenes). Latency is the whole pipeline on one scene; mAP50 is computed on held-out "
        "scenes (the metrics say how many). The Pareto front is the set of points that nothing beats on both. "
        "TensorRT, the Jetson's format, is built only where a CUDA device exists.",
        "在 Jetson 或树莓派上,预算以毫秒计,可调的是输入尺寸、格式和线程数。每个点都是本机对内置形状检测器的实测:"
        "即时执行的 **PyTorch**(由 ONNX 权重重建)、**ONNX fp32**(按各尺寸导出)和 **ONNX int8**(用训练场景校准的静态量化)。"
        "延迟是单个场景的完整流程;mAP50 在留出场景上计算(指标里写明场景数)。帕累托前沿是两项指标都没有被其他点同时超过的点。"
        "TensorRT 是 Jetson 的格式,只在有 CUDA 设备时构建。",
    ),
    "reference": (
        "**Compare:** Ultralytics' YOLO11n at 640 px: Raspberry Pi 5 ONNX 168 ms, NCNN 88 ms; Jetson Orin Nano Super "
        "ONNX 7.9 ms, TensorRT FP16 4.9 ms, TensorRT INT8 3.9 ms with mAP50-95 falling from 0.61 to 0.32 (their whole table is under \"All the numbers\").",
        "**对照:** Ultralytics 的 YOLO11n(640 像素):树莓派 5 上 ONNX 168 毫秒、NCNN 88 毫秒;Jetson Orin Nano Super 上 "
        "ONNX 7.9 毫秒、TensorRT FP16 4.9 毫秒、TensorRT INT8 3.9 毫秒,而 mAP50-95 从 0.61 降到 0.32(完整表格见“全部数值”)。",
    ),
    "sizes": ("Input sizes (px)", "输入尺寸(像素)"),
    "formats": ("Formats", "格式"),
    "threads": ("Threads", "线程数"),
    "scenes": ("Held-out scenes for mAP50", "计算 mAP50 的留出场景数"),
    "repeats": ("Timed calls per point", "每个点计时的调用次数"),
    "pareto": ("Latency (ms) against held-out mAP50", "延迟(毫秒)与留出集 mAP50"),
    "table": ("Every configuration", "所有配置"),
    "theirs": ("Ultralytics' published YOLO11n figures (640 px, COCO8)", "Ultralytics 公布的 YOLO11n 数据(640 像素,COCO8)"),
    "examples_note": (
        "First three sizes in every format on one thread: the Pareto front runs from the smallest, fastest input to "
        "the most accurate one. Then one size on one and two threads: on this shared 2-core machine a second thread "
        "gains little. Last, fp32 against int8 at three sizes: what quantisation saves in time and costs in mAP50.",
        "第一个示例在单线程上比较三种尺寸和所有格式:帕累托前沿从最小、最快的输入一直延伸到最准确的输入。"
        "第二个示例在一个尺寸上比较一个和两个线程:在这台共用的双核机器上,第二个线程收益很小。"
        "最后一个在三种尺寸上比较 fp32 与 int8:量化节省了多少时间,又损失了多少 mAP50。",
    ),
})

EXAMPLES = [
    [[160, 256, 320], list(edge.FORMATS), [1], 16, 10],
    [[256], list(edge.FORMATS), [1, 2], 16, 10],
    [[192, 224, 288], ["onnx_fp32", "onnx_int8"], [1], 24, 10],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"edge_benchmark": EXAMPLES[0]}


def summary(m: dict) -> str:
    fast, best = m["fastest"], m["most_accurate"]
    front = [r for r in m["rows"] if r["pareto"]]
    rows = [[r["format"], r["size"], r["threads"], f"{r['latency_ms']:.1f}", f"{r['map50']:.3f}"]
            for r in sorted(front, key=lambda r: r["latency_ms"])]
    en = (f"Fastest: **{fast['config']}**, {fast['latency_ms']:.1f} ms at mAP50 {fast['map50']:.3f}; most accurate: "
          f"**{best['config']}**, mAP50 {best['map50']:.3f} at {best['latency_ms']:.1f} ms "
          f"({m['held_out_scenes']} held-out scenes). {len(front)} of {len(m['rows'])} configurations are on the "
          f"Pareto front. Ultralytics' YOLO11n at 640 px: 168 ms with ONNX on a Raspberry Pi 5.\n\n"
          + md_table(rows, ["Format", "Size (px)", "Threads", "ms", "mAP50"]))
    zh = (f"最快:**{fast['config']}**,{fast['latency_ms']:.1f} 毫秒,mAP50 {fast['map50']:.3f};最准确:"
          f"**{best['config']}**,mAP50 {best['map50']:.3f},{best['latency_ms']:.1f} 毫秒"
          f"({m['held_out_scenes']} 个留出场景)。{len(m['rows'])} 个配置中有 {len(front)} 个在帕累托前沿上。"
          f"Ultralytics 的 YOLO11n(640 像素)在树莓派 5 上用 ONNX 需 168 毫秒。\n\n"
          + md_table(rows, ["格式", "尺寸(像素)", "线程数", "毫秒", "mAP50"]))
    return say(en, zh)


@guard
def run(sizes=(160, 256, 320), formats=edge.FORMATS, threads=(1,), n_scenes=16, repeats=10, progress=gr.Progress()):
    """Benchmark the shapes detector for the edge: input size x format x threads against held-out mAP50.

    Args:
        sizes: input sizes in px, a list from 160, 192, 224, 256, 288, 320.
        formats: a list from "pytorch", "onnx_fp32", "onnx_int8".
        threads: CPU threads, a list from 1, 2, 4.
        n_scenes: held-out generated scenes for mAP50, an integer from 4 to 200 in steps of 4.
        repeats: timed calls per configuration, an integer from 3 to 50.

    Returns:
        latency in ms against mAP50, one point per configuration (scatter plot); every configuration (table);
        Ultralytics' published YOLO11n figures (table); the result in a sentence (English and Chinese);
        metrics: rows (size, format, threads, latency_ms, map50 per configuration).
    """
    table, metrics = edge.edge_benchmark(sizes, formats, threads, n_scenes, repeats,
                                         progress=lambda f, text: progress(f, desc=text))
    chart = table.assign(point=table["pareto"].map({True: "Pareto front", False: "dominated"}))
    table = table[["format", "size", "threads", "latency_ms", "map50", "file_mb", "pareto"]]
    return chart, table, pd.DataFrame(edge.ULTRALYTICS), summary(metrics), metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            sizes = gr.CheckboxGroup(list(edge.SIZES), value=[160, 256, 320], label=t("sizes"))
            formats = gr.CheckboxGroup(list(edge.FORMATS), value=list(edge.FORMATS), label=t("formats"))
            threads = gr.CheckboxGroup([1, 2, 4], value=[1], label=t("threads"))
            scenes = gr.Slider(4, 200, value=16, step=4, label=t("scenes"))
            repeats = gr.Slider(3, 50, value=10, step=1, label=t("repeats"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            chart = gr.ScatterPlot(x="latency_ms", y="map50", color="point", label=t("pareto"), height=300)
            note = result_note()
            # the full tables, ours and Ultralytics': the result above gives the front and the numbers to compare
            table = gr.Dataframe(label=t("table"), interactive=False, max_height=300, render=False)
            theirs = gr.Dataframe(label=t("theirs"), interactive=False, render=False)
            metrics = metrics_json(table, theirs)
    inputs = [sizes, formats, threads, scenes, repeats]
    outputs = [chart, table, theirs, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    # the app's one heavy pool: a benchmark timed beside a training run would time the training
    button.click(run, inputs, outputs, api_name="edge_benchmark", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(edge.pytorch_model, edge.onnx_int8, edge.map50, edge.pareto, edge.edge_benchmark)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
