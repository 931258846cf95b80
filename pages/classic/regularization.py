"""Tab: Lasso, Ridge and ElasticNet, paths and CV error. Run alone: ``python -m pages.classic.regularization``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.classic import regularization as reg
from showcase.core.settings import asset

t = strings("regularization", {
    "title": ("## L1 / L2 regularisation: Lasso, Ridge, ElasticNet", "## L1/L2 正则化:Lasso、Ridge 与 ElasticNet"),
    "body": (
        "A penalty on the weights, scaled by alpha, trades a little bias for less variance. Ridge (L2) shrinks every "
        "coefficient smoothly; Lasso (L1) pushes them to exactly zero one by one, so it also selects features; "
        "ElasticNet mixes both. The paths show each coefficient as alpha grows; the second plot shows the "
        "cross-validated error against alpha, and the vertical marks are the alphas chosen by LassoCV, RidgeCV "
        "and ElasticNetCV. On plain diabetes the best alphas are small and no coefficient is dropped: add random "
        "noise columns and watch Lasso drop them while Ridge keeps every one. R² is measured on a held-out 25%.",
        "对权重加一个按 alpha 缩放的惩罚,用一点偏差换取更小的方差。Ridge(L2)平滑地收缩所有系数;Lasso(L1)"
        "把系数逐个压到恰好为零,因此还能做特征选择;ElasticNet 兼具两者。系数路径显示每个系数随 alpha 增大的变化;"
        "第二张图是交叉验证误差随 alpha 的变化,竖线是 LassoCV、RidgeCV 和 ElasticNetCV 选出的 alpha。"
        "在原始糖尿病数据上最优 alpha 很小,没有系数被置零;加入随机噪声列,可以看到 Lasso 去掉它们而 Ridge 全部保留。"
        "R² 在预留的 25% 测试集上计算。",
    ),
    "reference": (
        "**Compare:** with no penalty (OLS) the held-out R² is in the metrics as `ols_test_r2`. Upload your own CSV "
        "(numbers only, no missing values) and type the target column's name; the example file has 3 real "
        "features and 7 noise columns.",
        "**对照:** 不加惩罚(普通最小二乘)的测试集 R² 见指标中的 `ols_test_r2`。可以上传自己的 CSV(只含数字、"
        "无缺失值)并填写目标列名;示例文件有 3 个真实特征和 7 个噪声列。",
    ),
    "csv": ("Your CSV (empty: the diabetes data)", "你的 CSV(留空:使用糖尿病数据)"),
    "target": ("Target column", "目标列"),
    "model": ("Coefficient paths of", "显示系数路径的模型"),
    "l1_ratio": ("ElasticNet l1_ratio (1 = Lasso)", "ElasticNet 的 l1_ratio(1 即 Lasso)"),
    "noise": ("Random noise columns to add", "添加的随机噪声列数"),
    "paths": ("Coefficient paths (x: log10 alpha; standardised features)", "系数路径(x:log10 alpha;特征已标准化)"),
    "cv": ("Cross-validated MSE against log10 alpha; vertical: chosen alpha", "交叉验证 MSE 与 log10 alpha;竖线:选中的 alpha"),
    "coefs": ("Coefficients at the chosen alphas (0 = dropped by L1)", "选中 alpha 处的系数(0 即被 L1 去掉)"),
    "examples_note": ("Diabetes with 30 noise columns: Lasso drops most of them, Ridge keeps every column; the example "
                      "CSV (3 real features, 7 noise); plain diabetes, where the best alphas are small and little is dropped.",
                      "加入 30 个噪声列的糖尿病数据:Lasso 去掉其中大部分,Ridge 保留所有列;示例 CSV(3 个真实特征、7 个噪声列);"
                      "原始糖尿病数据,最优 alpha 很小,几乎没有系数被去掉。"),
})

SAMPLE = str(asset("classic", "regularization", "sample.csv"))
EXAMPLES = [
    [None, "target", "lasso", 0.5, 30],      # first: L1 drops most noise columns and beats OLS on held-out R²
    [None, "target", "ridge", 0.5, 30],
    [SAMPLE, "y", "lasso", 0.5, 0],
    [None, "target", "elasticnet", 0.2, 0],
]
COLOURS = {"lasso": "#1f77b4", "ridge": "#d62728", "elasticnet": "#2ca02c"}

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"regularization": EXAMPLES[0]}


def summary(m: dict) -> str:
    r2 = m["test_r2"]
    line_en = (f"Held-out R²: Lasso **{r2['lasso']:.3f}**, Ridge {r2['ridge']:.3f}, ElasticNet {r2['elasticnet']:.3f}; "
               f"no penalty (OLS) {m['ols_test_r2']:.3f}.")
    line_zh = (f"测试集 R²:Lasso **{r2['lasso']:.3f}**,Ridge {r2['ridge']:.3f},ElasticNet {r2['elasticnet']:.3f};"
               f"不加惩罚(OLS){m['ols_test_r2']:.3f}。")
    zero = m["n_zero_coefs"]
    if m["noise_features"]:
        noise = m["noise_zeroed"]
        line_en += (f" Lasso set **{noise['lasso']} of {m['noise_features']}** noise columns to 0, "
                    f"Ridge {noise['ridge']}.")
        line_zh += f" Lasso 把 {m['noise_features']} 个噪声列中的 **{noise['lasso']}** 个置零,Ridge 为 {noise['ridge']} 个。"
    else:
        line_en += f" Coefficients at 0: Lasso {zero['lasso']}, Ridge {zero['ridge']} of {m['n_features']}."
        line_zh += f" 系数为 0 的个数:Lasso {zero['lasso']},Ridge {zero['ridge']}(共 {m['n_features']} 个)。"
    return say(line_en, line_zh)


@guard
def run(csv=None, target="target", model="lasso", l1_ratio=0.5, noise_features=30):
    """Lasso, Ridge and ElasticNet on a regression table: coefficient paths, cross-validated alpha, and which features
    L1 drops.

    Args:
        csv: a CSV file of numeric columns; empty for scikit-learn's diabetes data (442 rows, 10 features).
        target: the name of the column to predict ("target" for the diabetes data).
        model: the coefficient paths to draw: "lasso", "ridge" or "elasticnet".
        l1_ratio: ElasticNet's mix of L1 and L2, from 0.01 to 1 (1 = Lasso).
        noise_features: random noise columns added to show L1 dropping them, an integer from 0 to 50.

    Returns:
        coefficient paths against log10 alpha (line plot); cross-validated MSE against log10 alpha (line plot);
        coefficients at the chosen alphas (table); the result in a sentence (English and Chinese);
        metrics: best_alpha, cv_mse, test_r2, n_zero_coefs per model.
    """
    result = reg.regularization(csv, target, model, l1_ratio, noise_features)
    return result.paths, result.cv, result.coefs, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            csv = gr.File(label=t("csv"), file_types=[".csv"], type="filepath", height=120)
            target = gr.Textbox("target", label=t("target"), max_lines=1)
            model = gr.Radio(list(reg.MODELS), value="lasso", label=t("model"))
            l1_ratio = gr.Slider(0.01, 1.0, value=0.5, step=0.01, label=t("l1_ratio"))
            noise = gr.Slider(0, 50, value=EXAMPLES[0][4], step=1, label=t("noise"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            paths = gr.LinePlot(x="log10_alpha", y="coef", color="feature", label=t("paths"), height=280)
            cv = gr.LinePlot(x="log10_alpha", y="cv_mse", color="model", label=t("cv"), height=260,
                             color_map={**COLOURS, **{f"{m} alpha*": c for m, c in COLOURS.items()}})
    note = result_note()
    coefs = gr.Dataframe(label=t("coefs"), interactive=False, wrap=True, max_height=320, render=False)
    metrics = metrics_json(coefs)
    inputs = [csv, target, model, l1_ratio, noise]
    outputs = [paths, cv, coefs, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="regularization")
    code_accordion(reg.fit_models, reg.read_csv)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
