"""Tab: pruning with ``torch.nn.utils.prune`` and ``torch-pruning``. Run alone: ``python -m pages.optimize.pruning``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.core import zoo
from showcase.optimize import pruning

t = strings("pruning", {
    "title": ("## Pruning: zeroed weights, lost accuracy, and where the speed really comes from",
              "## 剪枝:被置零的权重、损失的精度,以及真正的加速从何而来"),
    "body": (
        "`torch.nn.utils.prune` hides weights behind a mask. **global_l1** removes the smallest |w| of the whole "
        "network, so layers end up unequally sparse (see the bars); **layer_l1** removes the same fraction in every "
        "layer; **ln_structured** removes whole output channels with the smallest L2 norm. Accuracy is measured on "
        "1,000 Fashion-MNIST test images right after pruning and after a short fine-tune with the masks kept; the "
        "curve repeats this at several sparsities. The timing shows the honest point: a dense kernel multiplies the "
        "zeros too, so zeroed weights alone run no faster. Physically removing channels with `torch-pruning` "
        "(which follows residual and depthwise dependencies) makes the layers smaller and the model really faster.",
        "`torch.nn.utils.prune` 用掩码屏蔽权重。**global_l1** 在整个网络中去掉 |w| 最小的权重,因此各层稀疏度不同(见柱状图);"
        "**layer_l1** 在每一层去掉相同比例;**ln_structured** 去掉 L2 范数最小的整个输出通道。精度在 1,000 张 Fashion-MNIST "
        "测试图像上测量:剪枝后立即测一次,保留掩码短暂微调后再测一次;曲线在多个稀疏度上重复这一过程。计时揭示了一个事实:"
        "稠密卷积核照样要乘这些零,所以只把权重置零并不会变快。用 `torch-pruning`(能处理残差与深度卷积的依赖关系)"
        "真正删除通道,层变小了,模型才真正变快。",
    ),
    "reference": (
        "**Compare:** global 20% L1 pruning zeroes exactly 20.00% of the prunable weights (PyTorch's pruning tutorial). "
        "Han et al. (2015) pruned 9–13× of AlexNet/VGG-16's weights with no accuracy loss after retraining.",
        "**对照:** 全局 20% L1 剪枝恰好把 20.00% 的可剪枝权重置零(PyTorch 剪枝教程)。Han 等(2015)在重新训练后把 AlexNet/VGG-16 "
        "的权重剪掉 9–13 倍而精度不降。",
    ),
    "method": ("Method", "方法"),
    "sparsity": ("Sparsity (fraction of weights or channels removed)", "稀疏度(去掉的权重或通道比例)"),
    "steps": ("Fine-tune steps (batch 32)", "微调步数(批大小 32)"),
    "model": ("Zoo model", "模型库中的模型"),
    "curve": ("Accuracy against sparsity", "精度与稀疏度"),
    "layers": ("Sparsity of each layer (%)", "每层的稀疏度(%)"),
    "latency": ("Latency of one batch of 32 (ms)", "一批 32 张的延迟(毫秒)"),
    "examples_note": ("PyTorch's tutorial setting (global 20%, exactly 20.00% zeroed); half the weights globally and per "
                      "layer; half the channels, which costs far more accuracy; and 80% of the teacher's weights.",
                      "PyTorch 教程的设置(全局 20%,恰好 20.00% 被置零);全局与逐层剪掉一半权重;剪掉一半通道,精度损失大得多;"
                      "以及剪掉教师模型 80% 的权重。"),
})

EXAMPLES = [
    ["global_l1", 0.2, 10, "student"],
    ["global_l1", 0.5, 20, "student"],
    ["layer_l1", 0.5, 20, "student"],
    ["ln_structured", 0.5, 40, "student"],
    ["global_l1", 0.8, 20, "teacher"],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"prune": EXAMPLES[0]}


def summary(m: dict) -> str:
    return say(
        f"{m['sparsity_percent']} of the weights are zero: accuracy {m['dense_accuracy']:.1%} → **{m['accuracy']:.1%}**, "
        f"**{m['finetuned_accuracy']:.1%}** after {m['finetune_steps']} fine-tune steps. Zeroed weights run "
        f"{m['zeroed_speedup']:.2f}× as fast as dense; removing the channels, **{m['channels_removed_speedup']:.2f}×**. "
        "PyTorch's tutorial: global 20% gives exactly 20.00%.",
        f"{m['sparsity_percent']} 的权重为零:精度 {m['dense_accuracy']:.1%} → **{m['accuracy']:.1%}**,微调 "
        f"{m['finetune_steps']} 步后 **{m['finetuned_accuracy']:.1%}**。置零的权重运行速度是稠密模型的 {m['zeroed_speedup']:.2f} 倍;"
        f"真正删除通道后为 **{m['channels_removed_speedup']:.2f} 倍**。PyTorch 教程:全局 20% 恰好得到 20.00%。")


@guard
def run(method="global_l1", sparsity=0.2, finetune_steps=10, model="student", progress=gr.Progress()):
    """Prune a trained MNIST CNN (unstructured L1 globally or per layer, or structured channels), optionally fine-tune,
    and measure accuracy and speed.

    Args:
        method: "global_l1", "layer_l1" or "ln_structured" (whole channels removed, the one that speeds up).
        sparsity: the fraction of weights or channels removed, from 0 to 0.95 in steps of 0.05.
        finetune_steps: fine-tuning steps after pruning (batch 32), an integer from 0 to 200 in steps of 5.
        model: "teacher" or "student", the CNNs of the model zoo.

    Returns:
        accuracy against sparsity (line plot); sparsity of each layer in % (bar plot); latency of a batch of 32 in ms (bar plot);
        the result in a sentence (English and Chinese);
        metrics: sparsity, accuracy, finetuned_accuracy, params, latency_ms.
    """
    result = pruning.prune(method, sparsity, finetune_steps, model, progress=lambda f, text: progress(f, desc=text))
    return result.curve, result.layers, result.latency, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            method = gr.Radio(list(pruning.METHODS), value="global_l1", label=t("method"))
            sparsity = gr.Slider(0, pruning.MAX_SPARSITY, value=EXAMPLES[0][1], step=0.05, label=t("sparsity"))
            steps = gr.Slider(0, pruning.MAX_FINETUNE, value=EXAMPLES[0][2], step=5, label=t("steps"))
            model = gr.Radio(list(zoo.MODELS), value="student", label=t("model"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            curve = gr.LinePlot(x="sparsity", y="accuracy", color="run", label=t("curve"), y_lim=[0, 1], height=260)
            with gr.Row():
                layers = gr.BarPlot(x="layer", y="sparsity", label=t("layers"), y_lim=[0, 100], height=260,
                                    x_label_angle=-45)
                latency = gr.BarPlot(x="model", y="latency_ms", label=t("latency"), height=260, y_lim=[0, None])
            note = result_note()
            metrics = metrics_json()
    inputs = [method, sparsity, steps, model]
    outputs = [curve, layers, latency, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="prune", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(pruning.apply_pruning, pruning.remove_channels, pruning.prune)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
