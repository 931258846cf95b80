"""Tab: SHAP for a decision tree and for XGBoost. Run alone: ``python -m pages.trust.shap``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.core.tabular import breast_cancer_table
from showcase.trust import shap as explain_shap

t = strings("shap", {
    "title": ("## SHAP: who moved this prediction, and by how much", "## SHAP:是谁推动了这个预测,推动了多少"),
    "body": (
        "A SHAP value is a feature's fair share (its Shapley value) of one prediction, so the shares always add up: "
        "E[f(X)] + Σ SHAP = f(x), in the model's own output space: a probability for the decision tree, log-odds for "
        "XGBoost. The metrics check this on every test row (`additivity_error`). The waterfall walks one row from the "
        "average output to its prediction; the beeswarm shows every test row for the top features, coloured by the "
        "feature's value; the dependence plot shows one feature's effect against its value. TreeExplainer is exact "
        "and fast because it follows the trees, in O(T·L·D²) for T trees of L leaves and depth D, instead of visiting "
        "all 2^32 feature subsets; KernelExplainer, which samples subsets and works for any model, is timed on the "
        "same row for comparison.",
        "SHAP 值是某个特征在一次预测中应得的公平份额(Shapley 值),所以各份额总能加回去:E[f(X)] + Σ SHAP = f(x),"
        "且在模型自身的输出空间中成立:决策树是概率,XGBoost 是对数几率。指标在每个测试样本上检验这一点(`additivity_error`)。"
        "瀑布图展示一个样本如何从平均输出走到它的预测值;蜂群图展示所有测试样本在重要特征上的 SHAP 值,颜色表示特征取值;"
        "依赖图展示一个特征的影响随其取值的变化。TreeExplainer 沿着树结构计算,精确且快速,复杂度为 O(T·L·D²)"
        "(T 棵树、每棵至多 L 个叶子、深度 D),而不必遍历全部 2^32 个特征子集;适用于任何模型、靠采样子集的 "
        "KernelExplainer 在同一样本上计时作对比。",
    ),
    "reference": (
        "**Compare:** Lundberg et al. (2020) prove TreeSHAP exact in polynomial time; additivity should hold to rounding "
        "error (~1e-16 in float64 for the tree, ~1e-6 for XGBoost, which predicts in float32). Kernel SHAP's estimate "
        "approaches the exact values as it samples more subsets, at a cost that grows with the model's prediction time.",
        "**对照:** Lundberg 等(2020)证明 TreeSHAP 可在多项式时间内精确计算;可加性应在舍入误差内成立(决策树 float64 约 1e-16,"
        "XGBoost 以 float32 预测,约 1e-6)。Kernel SHAP 采样的子集越多越接近精确值,代价随模型预测时间增长。",
    ),
    "model": ("Model", "模型"),
    "row": ("Test row to explain", "要解释的测试样本"),
    "feature": ("Feature for the dependence plot", "依赖图的特征"),
    "waterfall": ("Waterfall: this row", "瀑布图:当前样本"),
    "beeswarm": ("Beeswarm: all test rows", "蜂群图:全部测试样本"),
    "dependence": ("Dependence: SHAP value against the feature's value", "依赖图:SHAP 值与特征取值"),
    "examples_note": ("The same row explained for the decision tree (probability) and XGBoost (log-odds); other rows and "
                      "features; the last row's dependence plot is the noise column, whose SHAP values stay near 0.",
                      "同一个样本分别用决策树(概率)和 XGBoost(对数几率)解释;其他样本与特征;最后一行的依赖图是噪声列,"
                      "其 SHAP 值始终接近 0。"),
})

EXAMPLES = [
    ["decision_tree", 0, "worst concave points"],
    ["xgboost", 0, "worst concave points"],
    ["xgboost", 5, "worst texture"],
    ["decision_tree", 12, "worst radius"],
    ["xgboost", 20, "random_num"],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"explain_shap": EXAMPLES[0]}


def summary(m: dict) -> str:
    space_zh = {"decision_tree": "良性的概率", "xgboost": "良性的对数几率"}[m["model"]]
    label_zh = {"benign": "良性", "malignant": "恶性"}[m["true_label"]]
    top = ", ".join(f"`{f}`" for f in m["top_features"][:3])
    return say(
        f"Row {m['row']} (truly {m['true_label']}): average {m['expected_value']:.3f} + SHAP {m['shap_sum']:+.3f} = "
        f"**{m['prediction']:.3f}** ({m['output_space']}); additivity holds to **{m['additivity_error']:.0e}**. "
        f"Pushed most by {top}. Kernel SHAP took {m['kernel_over_tree_time']:g}× TreeSHAP's time on this row.",
        f"第 {m['row']} 个样本(真实为{label_zh}):平均值 {m['expected_value']:.3f} + SHAP {m['shap_sum']:+.3f} = "
        f"**{m['prediction']:.3f}**({space_zh});可加性误差仅 **{m['additivity_error']:.0e}**。推动最大的是 {top}。"
        f"在这个样本上 Kernel SHAP 用时是 TreeSHAP 的 {m['kernel_over_tree_time']:g} 倍。")


@guard
def run(model="decision_tree", row=0, feature="worst concave points"):
    """Explain a breast-cancer classifier's prediction with SHAP values (TreeExplainer): one row, all rows, and one
    feature's dependence.

    Args:
        model: "decision_tree" or "xgboost".
        row: the held-out row to explain, an integer from 0 to 170.
        feature: one of the table's 30 features for the dependence plot, e.g. "worst concave points" or "mean radius".

    Returns:
        the waterfall of this row's SHAP values (image); the beeswarm over all held-out rows (image);
        SHAP value against the feature's value (scatter plot); the result in a sentence (English and Chinese);
        metrics: expected_value, prediction, shap_sum, additivity_error, top_features.
    """
    result = explain_shap.explain(model, row, feature)
    return result.waterfall, result.beeswarm, result.dependence, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    n_rows = len(breast_cancer_table().y_test)  # the table is made on first use; cheap (~20 ms)
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Radio(list(explain_shap.MODELS), value="decision_tree", label=t("model"))
            row = gr.Slider(0, n_rows - 1, value=0, step=1, label=t("row"))
            feature = gr.Dropdown(list(breast_cancer_table().features), value=explain_shap.DEFAULT_FEATURE, label=t("feature"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            with gr.Row():
                waterfall = gr.Image(label=t("waterfall"), format="png", type="pil")
                beeswarm = gr.Image(label=t("beeswarm"), format="png", type="pil")
            dependence = gr.ScatterPlot(x="value", y="shap", color="points", label=t("dependence"), height=260,
                                        x_title=" ", y_title="SHAP",  # the label says which is which
                                        color_map={"test rows": "#8c8c8c", "this row": "#ff0051"})
            note = result_note()
    metrics = metrics_json()
    inputs = [model, row, feature]
    outputs = [waterfall, beeswarm, dependence, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="explain_shap")
    code_accordion(explain_shap.explain_test_set, explain_shap.kernel_vs_tree, explain_shap.explain)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
