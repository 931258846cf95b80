"""Tab: gradient descent vs SGD vs mini-batch vs the closed form. Run alone: ``python -m pages.math.gradient_descent``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.math import gradient_descent as gd

t = strings("gd", {
    "title": ("## Gradient descent for linear regression", "## 用梯度下降做线性回归"),
    "body": (
        "The roadmap's own example: fit y = m·x + b to X=[1,2,3,4,5], y=[2,4,5,4,6] by stepping against the "
        "gradient of the mean squared error. Batch GD uses all points per step, SGD one point, mini-batch a few; "
        "the closed form (least squares) is where they all head. The loss curves compare their speed, the map "
        "shows each path over the loss surface. Raise the learning rate past 0.085 (2 / the largest eigenvalue of the loss's Hessian) and watch it diverge.",
        "路线图自带的例子:用梯度下降拟合 y = m·x + b,数据 X=[1,2,3,4,5]、y=[2,4,5,4,6],每一步沿均方误差梯度的反方向走。"
        "批量梯度下降每步用全部样本,SGD 每步一个样本,小批量每步几个;最小二乘闭式解是它们共同的终点。"
        "损失曲线比较收敛速度,等高线图显示每种方法在损失曲面上的路径。把学习率调到 0.085 以上(2 / 损失函数 Hessian 的最大特征值),观察发散。",
    ),
    "reference": (
        "**Compare:** Géron's θ = [4.215, 2.770] for y = 4 + 3x + noise (seed 42): choose the *geron* data.",
        "**对照:** Géron 书中 y = 4 + 3x + 噪声(种子 42)的解 θ = [4.215, 2.770]:选择 *geron* 数据。",
    ),
    "dataset": ("Data", "数据"),
    "method": ("Method reported in the metrics", "指标中报告的方法"),
    "lr": ("Learning rate", "学习率"),
    "epochs": ("Epochs", "训练轮数"),
    "batch": ("Mini-batch size", "小批量大小"),
    "losses": ("log10 loss per epoch", "每轮 log10 损失"),
    "surface": ("Paths over the loss surface, colour = log10 MSE", "损失曲面上的路径(颜色 = log10 均方误差)"),
    "examples_note": ("Batch and SGD reach the closed form; the third row (learning rate 0.09, above 0.085) diverges "
                      "on purpose; the last two use Géron's data.",
                      "批量梯度下降和 SGD 都到达闭式解;第三行(学习率 0.09,超过 0.085)故意发散;最后两行使用 Géron 的数据。"),
})

EXAMPLES = [
    ["roadmap", "batch", 0.01, 1000, 2],
    ["roadmap", "sgd", 0.01, 1000, 2],
    ["roadmap", "batch", 0.09, 100, 2],
    ["geron", "batch", 0.1, 300, 16],
    ["geron", "minibatch", 0.05, 100, 16],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"gradient_descent": EXAMPLES[0]}


def summary(m: dict) -> str:
    name = {"batch": "Batch GD", "sgd": "SGD", "minibatch": "Mini-batch GD"}[m["method"]]
    name_zh = {"batch": "批量梯度下降", "sgd": "SGD", "minibatch": "小批量梯度下降"}[m["method"]]
    if m["diverged"]:
        return say(f"{name} **diverged** at learning rate {m['learning_rate']:g}: the steps overshoot and grow. "
                   "Stay under 2 / the largest eigenvalue of the Hessian.",
                   f"{name_zh}在学习率 {m['learning_rate']:g} 时**发散**:每一步都冲过头并越来越大。学习率应小于 2 / Hessian 的最大特征值。")
    fit = f"m = **{m['slope']:.3f}**, b = **{m['intercept']:.3f}**, MSE {m['final_loss']:.3f}"
    exact = f"m = {m['closed_form_slope']:.3f}, b = {m['closed_form_intercept']:.3f}, MSE {m['closed_form_loss']:.3f}"
    return say(f"{name} after {m['epochs']} epochs: {fit}. Closed form (least squares): {exact}.",
               f"{name_zh} {m['epochs']} 轮后:{fit}。闭式解(最小二乘):{exact}。")


@guard
def run(dataset="roadmap", method="batch", lr=0.01, epochs=1000, batch_size=2):
    """Fit a line y = slope*x + intercept by batch, stochastic and mini-batch gradient descent and compare with the
    closed form.

    Args:
        dataset: "roadmap" (the roadmap's five points) or "geron" (Geron's 100 noisy points around y = 4 + 3x).
        method: the method whose fit the metrics report: "batch", "sgd" or "minibatch" (all three are plotted).
        lr: the learning rate, from 1e-6 to 10 (too large diverges, and the result says so).
        epochs: passes over the data, an integer from 1 to 5000.
        batch_size: the mini-batch size, an integer from 1 to 100.

    Returns:
        log10 of the loss per epoch for the three methods (line plot); their paths over the loss surface (plot);
        the result in a sentence (English and Chinese);
        metrics: slope, intercept, final_loss (MSE), closed_form_slope, closed_form_intercept, epochs_to_tolerance.
    """
    result = gd.gradient_descent(dataset, method, lr, epochs, batch_size)
    return result.losses, result.figure, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            dataset = gr.Radio(list(gd.DATASETS), value="roadmap", label=t("dataset"))
            method = gr.Radio(list(gd.METHODS), value="batch", label=t("method"))
            lr = gr.Number(0.01, label=t("lr"), minimum=1e-6, maximum=10)
            epochs = gr.Slider(1, 5000, value=1000, step=1, label=t("epochs"))
            batch = gr.Slider(1, 100, value=2, step=1, label=t("batch"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            losses = gr.LinePlot(x="epoch", y="log10_loss", color="method", label=t("losses"), height=260)
            surface = gr.Plot(label=t("surface"), format="png")
            note = result_note()
            metrics = metrics_json()
    inputs = [dataset, method, lr, epochs, batch]
    outputs = [losses, surface, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="gradient_descent")
    code_accordion(gd.descend, gd.closed_form)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
