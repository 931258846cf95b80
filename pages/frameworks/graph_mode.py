"""Tab: eager vs graph mode (TorchScript, torch.compile, tf.function). Run alone: ``python -m pages.frameworks.graph_mode``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.frameworks import graph_mode as gm

t = strings("graph_mode", {
    "title": ("## Eager vs graph mode", "## 动态图与静态图"),
    "body": (
        "The same small CNN (two conv blocks, two linear layers, 28×28 input) runs eagerly, op by op from Python, and as "
        "a captured graph: TorchScript (trace + freeze, deprecated but quick to build), `torch.compile` (Dynamo captures "
        "the graph, Inductor generates C++ kernels: the first call at a new batch size compiles (its time is `compile_s` in the metrics), then it "
        "is cached for the process) and TensorFlow's `tf.function` on an equivalent Keras model with the very same "
        "weights, run in its own worker process (TensorFlow must never share a process with torch). Eager and graph are "
        "timed alternately on the same input over many calls; the medians, the first-call (compile) time and the largest "
        "output difference are reported. Small models gain most, because Python overhead is a larger share of their time. "
        "Timings on this shared 2-core CPU are noisy: medians are shown.",
        "同一个小型 CNN(两个卷积块、两个全连接层,输入 28×28)分别以动态图(由 Python 逐个算子执行)和捕获后的静态图运行:"
        "TorchScript(trace + freeze,已弃用但构建快)、`torch.compile`(Dynamo 捕获计算图,Inductor 生成 C++ 内核:"
        "每个新的批大小第一次调用时编译,耗时见指标中的 `compile_s`,之后在进程内缓存),以及 TensorFlow 的 `tf.function`:"
        "用完全相同权重的等价 Keras 模型,在独立的工作进程中运行(TensorFlow 绝不能与 torch 共用一个进程)。"
        "动态图与静态图在同一输入上交替调用多次计时;报告中位数、首次调用(编译)耗时和输出的最大差异。"
        "模型越小收益越大,因为 Python 开销在其耗时中占比更高。这台共享的双核 CPU 上计时波动较大,因此显示中位数。",
    ),
    "reference": (
        "**Compare:** PyTorch 2 paper (Ansel et al., 2024): torch.compile 1.4–2× faster than eager on average for "
        "training on GPUs; the TensorFlow guide shows tf.function helping most for many small ops. Outputs should "
        "agree to float32 rounding (~1e-6).",
        "**对照:** PyTorch 2 论文(Ansel 等,2024):GPU 训练中 torch.compile 平均比动态图快 1.4–2 倍;TensorFlow 指南指出 "
        "tf.function 对大量小算子帮助最大。输出应在 float32 舍入误差内一致(约 1e-6)。",
    ),
    "mode": ("Graph mode", "静态图方式"),
    "batch": ("Batch size", "批大小"),
    "calls": ("Timed calls (each mode)", "计时调用次数(每种方式)"),
    "latency": ("Median latency per call (ms)", "每次调用的延迟中位数(毫秒)"),
    "series": ("Every timed call (ms)", "每次计时调用(毫秒)"),
    "tf_yes": ("TensorFlow is installed: `tf_function` runs in its own worker process (its first call imports "
               "TensorFlow; that time is `worker_import_s` in the metrics).",
               "已安装 TensorFlow:`tf_function` 在独立工作进程中运行(首次调用需导入 TensorFlow,耗时见指标中的 `worker_import_s`)。"),
    "examples_note": ("Batch 1 first, where Python's overhead is the largest share and graphs gain most; then batch 32, "
                      "where the convolutions dominate and the gain shrinks. torch.compile's first call compiles (its time is "
                      "`compile_s`); tf_function starts TensorFlow in a worker.",
                      "先是批大小 1:Python 开销占比最大,静态图收益最大;然后是批大小 32:卷积占主导,收益变小。"
                      "torch.compile 首次调用需要编译(耗时见 `compile_s`);tf_function 要在工作进程中启动 TensorFlow。"),
    "tf_no": ("TensorFlow is unavailable here (not installed), so `tf_function` reports that; the PyTorch modes work.",
              "此处没有 TensorFlow(未安装),`tf_function` 会给出说明;PyTorch 的两种方式照常可用。"),
})

EXAMPLES = [
    ["torchscript", 1, 200],      # first: builds in seconds, and at batch 1 the graph's gain shows best
    ["torch_compile", 1, 200],
    ["torchscript", 32, 100],
    ["torch_compile", 32, 100],
    ["tf_function", 32, 100],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"graph_mode": EXAMPLES[0]}


def summary(m: dict) -> str:
    if "graph_ms" not in m:    # tf_function without TensorFlow: the metrics say why
        return say("No timing: see the metrics.", "没有计时结果:见指标。")
    name = gm.MODE_NAMES.get(m["mode"], m["mode"])
    return say(
        f"{name}: **{m['graph_ms']:.1f} ms** a call against eager {m['eager_ms']:.1f} ms at batch {m['batch_size']} "
        f"(**{m['speedup']:.2f}×**), after {m['compile_s']:.1f} s to build; outputs differ by at most {m['max_abs_diff']:.1g}. "
        "The PyTorch 2 paper: torch.compile 1.4–2× on GPU training.",
        f"{name}:每次调用 **{m['graph_ms']:.1f} 毫秒**,动态图 {m['eager_ms']:.1f} 毫秒(批大小 {m['batch_size']},"
        f"**{m['speedup']:.2f} 倍**),构建用时 {m['compile_s']:.1f} 秒;输出最大差异 {m['max_abs_diff']:.1g}。"
        "PyTorch 2 论文:GPU 训练中 torch.compile 快 1.4–2 倍。")


@guard
def run(mode="torchscript", batch_size=1, calls=200, progress=gr.Progress()):
    """Time one small network in eager mode and in a graph mode (TorchScript, torch.compile or TensorFlow's
    tf.function).

    Args:
        mode: "torchscript", "torch_compile" or "tf_function".
        batch_size: inputs per call, an integer from 1 to 512.
        calls: timed calls per mode, an integer from 5 to 500.

    Returns:
        median latency per call in ms, eager and graph (bar plot); every timed call in ms (line plot);
        the result in a sentence (English and Chinese);
        metrics: eager_ms, graph_ms (medians), speedup (eager/graph), compile_s, max_abs_diff (outputs agree).
    """
    result = gm.compare(mode, batch_size, calls, progress=lambda fraction, text: progress(fraction, desc=text))
    return result.latency, result.calls, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    gr.Markdown(t("tf_yes") if gm.tensorflow_installed() else t("tf_no"))
    with gr.Row():
        with gr.Column(scale=1):
            mode = gr.Radio(list(gm.MODES), value="torchscript", label=t("mode"))
            batch = gr.Slider(1, gm.MAX_BATCH, value=EXAMPLES[0][1], step=1, label=t("batch"))
            calls = gr.Slider(5, gm.MAX_CALLS, value=EXAMPLES[0][2], step=1, label=t("calls"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                latency = gr.BarPlot(x="mode", y="ms", label=t("latency"), height=240, y_lim=[0, None],
                                     sort=["eager"] + [gm.MODE_NAMES[m] for m in gm.MODES])
                series = gr.LinePlot(x="call", y="ms", color="mode", label=t("series"), height=240)
            note = result_note()
            metrics = metrics_json()
    inputs = [mode, batch, calls]
    outputs = [latency, series, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="graph_mode", concurrency_id="cpu_training",
                 concurrency_limit=1)  # timings mean nothing while another job trains
    code_accordion(gm.graph_module, gm.time_alternating, gm.compare)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
