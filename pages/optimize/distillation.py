"""Tab: knowledge distillation, ResNet teacher → MobileNet student. Run alone: ``python -m pages.optimize.distillation``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from pages.gradio_fixes import not_a_tool
from showcase.optimize import distillation

t = strings("distillation", {
    "title": ("## Knowledge distillation: a small student taught by a big teacher",
              "## 知识蒸馏:大教师模型教出小学生模型"),
    "body": (
        "A ResNet-style teacher (590k parameters) and a MobileNet-style student (68k parameters, depthwise-separable "
        "convolutions) learn to sort Fashion-MNIST clothes. Distillation trains the student on the teacher's "
        "probabilities softened by a temperature T, which carry more than the labels (a shirt looks more like a "
        "pullover than like a boot): loss = α·T²·KL(teacher_T ‖ student_T) + (1 − α)·cross-entropy. "
        "**Run** trains the student twice from the same seed on the same batches, alone and distilled, for the steps "
        "you choose on 3,000 training images, and scores both on 2,000 test images (give it 100+ steps: in shorter runs "
        "the distilled student has not caught up yet). The bars put the full runs "
        "(whole training set, 10,000 test images, from the model cards) beside Hinton et al.'s MNIST errors.",
        "ResNet 风格的教师模型(59 万参数)和 MobileNet 风格的学生模型(6.8 万参数,深度可分离卷积)学习给 Fashion-MNIST "
        "服装图片分类。蒸馏让学生学习教师经温度 T 软化后的概率分布,它比标签包含更多信息(衬衫更像套头衫而不像靴子):"
        "损失 = α·T²·KL(教师_T ‖ 学生_T) + (1 − α)·交叉熵。**运行** 会以相同随机种子、相同批次把学生训练两次:单独训练与蒸馏,"
        "在 3,000 张训练图像上训练你选择的步数,并在 2,000 张测试图像上评分(请给 100 步以上:步数太少时蒸馏的学生还没追上)。柱状图把完整训练(全部训练集、10,000 张测试图像,"
        "取自模型卡)与 Hinton 等人在 MNIST 上的错误数放在一起。",
    ),
    "reference": (
        "**Compare:** Hinton, Vinyals & Dean (2015), MNIST test errors: 67 for the large net, 146 for the small net "
        "trained alone, 74 distilled (T = 20). Fashion-MNIST is harder, so expect hundreds of errors per 10,000.",
        "**对照:** Hinton、Vinyals 与 Dean(2015)在 MNIST 上的测试错误数:大网络 67,小网络单独训练 146,蒸馏后 74(T = 20)。"
        "Fashion-MNIST 更难,每 10,000 张的错误数会是几百。",
    ),
    "temperature": ("Temperature T", "温度 T"),
    "alpha": ("α: weight of the teacher's soft targets", "α:教师软目标的权重"),
    "steps": ("Training steps per student (batch 64)", "每个学生的训练步数(批大小 64)"),
    "curves": ("Training loss", "训练损失"),
    "errors": ("Test errors per 10,000 images", "每 10,000 张测试图像的错误数"),
    "examples_note": ("Temperatures 2, 4, 8 and Hinton's 20 at 120–200 steps; the last row has only 30 steps, too few "
                      "for the distilled student to catch up.",
                      "温度 2、4、8 以及 Hinton 用的 20,训练 120–200 步;最后一行只有 30 步,太少,蒸馏的学生还追不上。"),
})

EXAMPLES = [
    [2.0, 0.5, 120],
    [4.0, 0.9, 120],
    [8.0, 0.7, 200],
    [20.0, 0.5, 120],
    [2.0, 0.5, 30],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"distill": EXAMPLES[0]}

# The tab opens without training (pages/fill.py): its first example trains the student twice
# (alone and distilled), 10–25 s of both cores, too much to start because a learner looked at the tab.
FILL_ON_OPEN = False


@not_a_tool
@guard
def run(temperature=distillation.TEMPERATURE, alpha=distillation.ALPHA, steps=distillation.LIVE_STEPS,
        progress=gr.Progress()):
    """Distil the MNIST teacher into a small student (Hinton et al. 2015) and compare with the same student trained
    alone.

    Training: not an MCP tool.

    Args:
        temperature: the softmax temperature T of the soft targets, from 1 to 20 in steps of 0.5.
        alpha: the weight of the teacher's soft targets against the true labels, from 0 to 1.
        steps: training steps per student (batch 64), an integer from 5 to 400 in steps of 5.

    Returns:
        the training loss (line plot); test errors per 10,000 images (bar plot); the result in a sentence (English and Chinese);
        metrics: teacher_accuracy, student_accuracy, distilled_accuracy, temperature.
    """
    result = distillation.distill(temperature, alpha, steps, progress=lambda f, text: progress(f, desc=text))
    return result.curves, result.errors, summary(result.metrics), result.metrics


def summary(m: dict) -> str:
    return say(
        f"After {m['steps']} steps on {m['train_images']:,} images: the student alone gets **{m['student_accuracy']:.1%}**, "
        f"distilled at T = {m['temperature']:g} **{m['distilled_accuracy']:.1%}** ({m['distillation_gain_points']:+.1f} "
        f"points); the teacher {m['teacher_accuracy']:.1%}, on {m['test_images']:,} test images. "
        "Hinton et al. on MNIST: 146 errors alone, 74 distilled, 67 for the teacher.",
        f"在 {m['train_images']:,} 张图像上训练 {m['steps']} 步后:单独训练的学生 **{m['student_accuracy']:.1%}**,"
        f"T = {m['temperature']:g} 蒸馏后 **{m['distilled_accuracy']:.1%}**({m['distillation_gain_points']:+.1f} 个百分点);"
        f"教师 {m['teacher_accuracy']:.1%}(测试图像 {m['test_images']:,} 张)。Hinton 等在 MNIST 上:单独 146 个错误,"
        "蒸馏后 74 个,教师 67 个。")


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            temperature = gr.Slider(1, 20, value=distillation.TEMPERATURE, step=0.5, label=t("temperature"))
            alpha = gr.Slider(0, 1, value=distillation.ALPHA, step=0.05, label=t("alpha"))
            steps = gr.Slider(5, distillation.MAX_STEPS, value=distillation.LIVE_STEPS, step=5, label=t("steps"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            curves = gr.LinePlot(x="step", y="loss", color="run", label=t("curves"), height=260)
            errors = gr.BarPlot(x="bar", y="errors_per_10k", color="source", label=t("errors"), height=300,
                                x_title=" ", y_title=" ", x_label_angle=-30, y_lim=[0, None])
            note = result_note()
            metrics = metrics_json()
    inputs = [temperature, alpha, steps]
    outputs = [curves, errors, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="distill", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(distillation.hinton_loss, distillation.distill_loss, distillation.distill)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
