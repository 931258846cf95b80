"""Tab: Random Forest vs XGBoost, and feature importance three ways. Run alone: ``python -m pages.classic.ensembles``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.classic import ensembles

t = strings("ensembles", {
    "title": ("## Random Forest vs XGBoost, and what “important” means", "## 随机森林与 XGBoost,以及“重要性”的含义"),
    "body": (
        "Both ensembles learn the breast-cancer table (30 real measurements) plus two columns of pure noise: "
        "`random_num` (a different random number on every row) and `random_cat` (0, 1 or 2 at random). "
        "Importance is then measured three ways: impurity decrease (forest) or split gain (XGBoost), read off "
        "the trees and so measured on the training data; permutation importance, the drop in test ROC AUC when a "
        "column is shuffled; and mean |SHAP| on the test rows. Kendall's τ says how far the rankings agree, and the "
        "metrics say where the noise column lands (rank 1 = most important).",
        "两种集成模型都在乳腺癌数据(30 个真实特征)上训练,另外加了两列纯噪声:`random_num`(每行一个不同的随机数)"
        "和 `random_cat`(随机取 0、1、2)。然后用三种方法衡量特征重要性:不纯度下降(随机森林)或分裂增益(XGBoost),"
        "直接从树中读出,因而是在训练数据上度量的;置换重要性,即打乱某一列后测试集 ROC AUC 的下降;以及测试样本上的平均 |SHAP|。"
        "Kendall τ 表示排名的一致程度,指标中给出噪声列的名次(第 1 名最重要)。",
    ),
    "reference": (
        "**Compare:** scikit-learn's example *Permutation Importance vs Random Forest Feature Importance (MDI)*: "
        "on Titanic, impurity importance ranks a random numeric column among the top features, because a "
        "high-cardinality column offers deep trees many splits to memorise noise; permutation importance on held-out "
        "data puts it at about 0. `verdict` in the metrics says whether this table shows the same.",
        "**对照:** scikit-learn 示例《置换重要性与随机森林特征重要性(MDI)的对比》:在泰坦尼克数据上,"
        "基于不纯度的重要性把一个随机数值列排在前列,因为高基数的列给深树提供了大量可用来记忆噪声的分裂点;"
        "而在留出数据上的置换重要性约为 0。指标中的 `verdict` 说明本数据是否出现同样的现象。",
    ),
    "n_estimators": ("Trees (both models)", "树的数量(两个模型)"),
    "min_samples_leaf": ("Min samples per leaf (forest; 1 = fully grown trees)", "叶子最少样本数(随机森林;1 = 完全生长)"),
    "seed": ("Seed (noise columns, split, models)", "随机种子(噪声列、划分、模型)"),
    "chart": ("Importance three ways (noise in red)", "三种重要性(噪声列为红色)"),
    "ranks": ("Ranks (1 = most important)", "名次(1 = 最重要)"),
    "examples_note": ("Fully grown forests: 100 trees (seed 42), 300 (seed 7) and 50 (seed 0); the second row grows "
                      "shallower trees (10 samples a leaf), which leave noise even fewer splits.",
                      "完全生长的森林:100 棵树(种子 42)、300 棵(种子 7)和 50 棵(种子 0);第二行的树更浅"
                      "(每个叶子至少 10 个样本),留给噪声的分裂点更少。"),
})

EXAMPLES = [
    [100, 1, 42],
    [100, 10, 42],
    [300, 1, 7],
    [50, 1, 0],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"ensembles": EXAMPLES[0]}


def summary(m: dict) -> str:
    ranks, n = m["noise_ranks"], m["n_features"]
    return say(
        f"Test accuracy: XGBoost **{m['xgb_accuracy']:.3f}** (AUC {m['xgb_auc']:.3f}), Random Forest "
        f"**{m['rf_accuracy']:.3f}** (AUC {m['rf_auc']:.3f}). The noise column `random_num` ranks "
        f"{ranks['random_forest/impurity']}/{n} by the forest's impurity, {ranks['random_forest/permutation']}/{n} "
        f"by permutation, {ranks['random_forest/shap']}/{n} by SHAP; rankings agree with Kendall τ = {m['kendall_tau']:.2f}. "
        "On Titanic, scikit-learn's example finds impurity ranking such a column near the top.",
        f"测试集准确率:XGBoost **{m['xgb_accuracy']:.3f}**(AUC {m['xgb_auc']:.3f}),随机森林 **{m['rf_accuracy']:.3f}**"
        f"(AUC {m['rf_auc']:.3f})。噪声列 `random_num` 的名次:随机森林不纯度 {ranks['random_forest/impurity']}/{n},"
        f"置换 {ranks['random_forest/permutation']}/{n},SHAP {ranks['random_forest/shap']}/{n};排名一致度 Kendall τ = "
        f"{m['kendall_tau']:.2f}。scikit-learn 的泰坦尼克示例中,不纯度重要性把这样的列排在前列。")


@guard
def run(n_estimators=100, min_samples_leaf=1, seed=42):
    """Random Forest against XGBoost on the breast-cancer data with added noise columns, and their feature importances
    three ways.

    Args:
        n_estimators: trees in both models, an integer from 10 to 500 in steps of 10.
        min_samples_leaf: the forest's minimum samples per leaf, an integer from 1 to 50 (1 = fully grown trees).
        seed: an integer seed for the noise columns, the train/test split and both models.

    Returns:
        importances by impurity, permutation and SHAP, noise columns in red (image); importance ranks (table);
        the result in a sentence (English and Chinese);
        metrics: rf_accuracy, xgb_accuracy, rf_auc, xgb_auc (held-out), kendall_tau (rank agreement), noise_rank.
    """
    result = ensembles.compare_ensembles(n_estimators, min_samples_leaf, seed)
    return result.chart, result.ranks, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            n_estimators = gr.Slider(10, 500, value=100, step=10, label=t("n_estimators"))
            min_samples_leaf = gr.Slider(1, 50, value=1, step=1, label=t("min_samples_leaf"))
            seed = gr.Number(42, label=t("seed"), precision=0, minimum=0)
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            chart = gr.Image(label=t("chart"), format="png", type="pil")
            note = result_note()
    ranks = gr.Dataframe(label=t("ranks"), interactive=False, max_height=320, wrap=True, render=False)
    metrics = metrics_json(ranks)
    inputs = [n_estimators, min_samples_leaf, seed]
    outputs = [chart, ranks, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="ensembles")
    code_accordion(ensembles.fit_random_forest, ensembles.fit_xgboost, ensembles.impurity_importance,
                   ensembles.permutation_importance, ensembles.mean_abs_shap)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
