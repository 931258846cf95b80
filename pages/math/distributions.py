"""Tab: maximum-likelihood fits of Gaussian and Poisson data. Run alone: ``python -m pages.math.distributions``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
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
    "examples_note": ("200 Gaussian and 300 Poisson draws recover their parameters; 20 draws give wide intervals; "
                      "the last row is pasted counts.",
                      "200 个高斯样本和 300 个泊松样本都能找回真实参数;只有 20 个样本时区间很宽;最后一行是粘贴的计数数据。"),
})

EXAMPLES = [
    ["gaussian", "", 200, 5.0, 2.0, 0],
    ["poisson", "", 300, 4.0, 1.0, 1],
    ["gaussian", "", 20, 0.0, 1.0, 7],
    ["poisson", "0 1 0 2 1 0 0 3 1 0 1 2 0 0 1 4 0 1 1 0", 200, 4.0, 1.0, 0],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"fit_distribution": EXAMPLES[0]}


def summary(m: dict) -> str:
    ci, params, true = m["ci95"], m["params"], m.get("true_params", {})
    parts_en, parts_zh = [], []
    for name, symbol in (("mean", "μ"), ("std", "σ"), ("lambda", "λ")):
        if name in params:
            low, high = ci[name]
            truth_en = f", true {true[name]:g}" if name in true else ""
            truth_zh = f",真实值 {true[name]:g}" if name in true else ""
            parts_en.append(f"{symbol} = **{params[name]:.3f}** (95% CI {low:.2f}–{high:.2f}{truth_en})")
            parts_zh.append(f"{symbol} = **{params[name]:.3f}**(95% 区间 {low:.2f}–{high:.2f}{truth_zh})")
    p = m.get("p_value")
    test = "Kolmogorov–Smirnov" if m["family"] == "gaussian" else "χ²"
    fit_en = "no test (too few bins)" if p is None else (
        f"{test} p = {p:.2f}: " + ("the family fits." if p >= 0.05 else "the family does not fit (p < 0.05)."))
    fit_zh = "无法检验(分箱太少)" if p is None else (
        f"{test} 检验 p = {p:.2f}:" + ("该分布族拟合良好。" if p >= 0.05 else "该分布族不合适(p < 0.05)。"))
    return say(f"{m['n']} points: " + "; ".join(parts_en) + f". {fit_en}",
               f"{m['n']} 个数据:" + ";".join(parts_zh) + f"。{fit_zh}")


@guard
def run(family="gaussian", data="", n=200, mean=5.0, std=2.0, seed=0):
    """Fit a Gaussian or a Poisson distribution by maximum likelihood to your numbers or to a drawn sample, with a
    goodness-of-fit test.

    Args:
        family: "gaussian" (real numbers) or "poisson" (non-negative integer counts).
        data: your numbers separated by spaces, commas or new lines; empty to draw a sample with n, mean, std and seed.
        n: the size of the drawn sample, an integer from 5 to 5000 (used when data is empty).
        mean: the true mean of the drawn Gaussian, or the rate lambda (> 0) of the drawn Poisson.
        std: the true standard deviation (> 0) of the drawn Gaussian; ignored for Poisson.
        seed: an integer seed for the drawn sample.

    Returns:
        the histogram with the fitted density (line plot); the result in a sentence (English and Chinese);
        metrics: family, params (fitted mean/std or lambda), ci95 (95% intervals), log_likelihood, ks_stat (Gaussian) or chi2_stat (Poisson), p_value.
    """
    result = distributions.fit_distribution(family, data, n, mean, std, seed)
    return result.curves, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            family = gr.Radio(list(distributions.FAMILIES), value="gaussian", label=t("family"))
            data = gr.Textbox("", label=t("data"), lines=3, max_lines=8)
            n = gr.Slider(5, 5000, value=200, step=1, label=t("n"))
            mean = gr.Number(5.0, label=t("mean"))
            std = gr.Number(2.0, label=t("std"))
            seed = gr.Number(0, precision=0, label=t("seed"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            plot = gr.LinePlot(x="value", y="density", color="series", label=t("plot"), height=300)
            note = result_note()
            metrics = metrics_json()
    inputs, outputs = [family, data, n, mean, std, seed], [plot, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="fit_distribution")
    code_accordion(distributions.fit, distributions.bootstrap_ci, distributions.fit_distribution)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
