"""Tab: maximum-likelihood fits of Gaussian and Poisson data. Run alone: ``python -m pages.math.distributions``."""

from __future__ import annotations

import gradio as gr

from pages.common import code_accordion, guard, header, launch_kwargs, lazy_demo, metrics_json, standalone, strings, tc
from showcase.math import distributions

t = strings("dist", {
    "title": ("## Fitting Gaussian and Poisson distributions", "## 高斯分布与泊松分布的参数估计"),
    "body": (
        "Maximum likelihood picks the parameters under which the data are most probable: for a Gaussian "
        "the sample mean and standard deviation, for a Poisson the mean count. The bootstrap resamples the "
        "data a thousand times to give a 95% interval for each parameter, and a goodness-of-fit test "
        "(Kolmogorov–Smirnov, or χ² for counts) asks whether the family fits at all. Paste your own "
        "numbers, or leave the box empty to draw a sample and see how well it recovers the true parameters.",
        "最大似然估计选择使数据出现概率最大的参数:高斯分布是样本均值和标准差,泊松分布是平均计数。"
        "自助法(bootstrap)对数据重采样一千次,给出每个参数的 95% 置信区间;拟合优度检验(KS 检验,计数数据用 χ² 检验)"
        "判断该分布族是否合适。可以粘贴自己的数据,或留空以随机抽样,看看估计值离真实参数有多近。",
    ),
    "reference": (
        "**Compare:** with n points the standard error of the mean is σ/√n: for n=200, σ=2 that is 0.14, so the 95% interval is about ±0.28.",
        "**对照:** n 个样本的均值标准误为 σ/√n:n=200、σ=2 时为 0.14,95% 区间约 ±0.28。",
    ),
    "family": ("Family", "分布族"),
    "data": ("Your numbers (optional: spaces, commas or new lines)", "你的数据(可选:空格、逗号或换行分隔)"),
    "n": ("Sample size n (when drawing)", "样本量 n(抽样时)"),
    "mean": ("Mean μ, or rate λ for Poisson", "均值 μ,泊松分布时为 λ"),
    "std": ("Standard deviation σ (Gaussian)", "标准差 σ(高斯)"),
    "seed": ("Seed", "随机种子"),
    "plot": ("Histogram and fitted distribution", "直方图与拟合分布"),
})

EXAMPLES = [
    ["gaussian", "", 200, 5.0, 2.0, 0],
    ["poisson", "", 300, 4.0, 1.0, 1],
    ["gaussian", "", 20, 0.0, 1.0, 7],
    ["poisson", "0 1 0 2 1 0 0 3 1 0 1 2 0 0 1 4 0 1 1 0", 200, 4.0, 1.0, 0],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"fit_distribution": EXAMPLES[0]}


@guard
def run(family="gaussian", data="", n=200, mean=5.0, std=2.0, seed=0):
    result = distributions.fit_distribution(family, data, n, mean, std, seed)
    return result.curves, result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            family = gr.Radio(list(distributions.FAMILIES), value="gaussian", label=t("family"))
            data = gr.Textbox(label=t("data"), lines=3, max_lines=8)
            n = gr.Slider(5, 5000, value=200, step=1, label=t("n"))
            mean = gr.Number(5.0, label=t("mean"))
            std = gr.Number(2.0, label=t("std"))
            seed = gr.Number(0, precision=0, label=t("seed"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            plot = gr.LinePlot(x="value", y="density", color="series", label=t("plot"), height=300)
            metrics = metrics_json()
    inputs = [family, data, n, mean, std, seed]
    gr.Examples(EXAMPLES, inputs, [plot, metrics], fn=run, cache_examples=True, cache_mode="lazy")
    button.click(run, inputs, [plot, metrics], api_name="fit_distribution")
    code_accordion(distributions.fit, distributions.bootstrap_ci, distributions.fit_distribution)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
