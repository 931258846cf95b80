"""Tab: decision boundaries of five classifiers on iris. Run alone: ``python -m pages.classic.decision_boundaries``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import md_table, say, strings, tc
from showcase.classic import decision_boundaries as db

t = strings("boundaries", {
    "title": ("## Decision boundaries on iris", "## 鸢尾花数据上的决策边界"),
    "body": (
        "Pick two of the four iris measurements: each model is fitted on just those two and colours the plane by "
        "the species it would predict, so you see its decision boundary. Logistic regression and the linear SVM "
        "can only draw straight lines; the RBF SVM bends them (raise gamma to over-fit); a decision tree cuts "
        "parallel to the axes (deeper, more boxes); k-NN follows the points (small k, ragged islands). "
        "The table scores every model honestly: 5-fold cross-validated accuracy on all four features, with its spread.",
        "任选鸢尾花四个测量值中的两个:每个模型只用这两个特征训练,并按它预测的类别给平面着色,这就是它的决策边界。"
        "逻辑回归和线性 SVM 只能画直线;RBF SVM 能弯曲边界(调大 gamma 会过拟合);决策树只能平行于坐标轴切分"
        "(越深方块越多);k-NN 跟随样本点(k 越小,孤岛越碎)。表格给出每个模型在全部四个特征上的 5 折交叉验证准确率及其标准差。",
    ),
    "reference": (
        "**Compare:** scikit-learn's user guide: `cross_val_score(svm.SVC(kernel='linear', C=1, random_state=42), X, y, cv=5)` "
        "gives 0.98 accuracy with a standard deviation of 0.02. The linear SVM row reproduces it with C = 1.",
        "**对照:** scikit-learn 用户指南:`cross_val_score(svm.SVC(kernel='linear', C=1, random_state=42), X, y, cv=5)` "
        "的准确率为 0.98,标准差 0.02。C = 1 时表格中的线性 SVM 一行复现了这个结果。",
    ),
    "feature_x": ("Feature on the x axis", "x 轴特征"),
    "feature_y": ("Feature on the y axis", "y 轴特征"),
    "models": ("Models", "模型"),
    "C": ("C (logistic regression, both SVMs): smaller = stronger regularisation", "C(逻辑回归与两种 SVM):越小正则化越强"),
    "gamma": ("gamma (RBF SVM)", "gamma(RBF 核支持向量机)"),
    "max_depth": ("max_depth (decision tree)", "max_depth(决策树)"),
    "k": ("k neighbours (k-NN)", "近邻数 k(k-NN)"),
    "boundaries": ("Decision regions over the two features", "两个特征上的决策区域"),
    "table": ("5-fold CV accuracy on all four features", "全部四个特征上的 5 折交叉验证准确率"),
    "examples_note": ("All five models on petal measurements, where the species separate, and on sepal ones, where "
                      "versicolor and virginica overlap; then over-fitting on purpose: an RBF SVM "
                      "with gamma 50 and 1-NN draw islands around single points; a depth-12 tree and a linear SVM with C = 0.01.",
                      "五个模型先用花瓣的测量值(三个品种分得很开),再用花萼的测量值(杂色鸢尾与维吉尼亚鸢尾相互重叠);"
                      "然后故意过拟合:gamma 为 50 的 RBF SVM 和 1-NN 会围着单个点画出孤岛;"
                      "最后是深度 12 的决策树和 C = 0.01 的线性 SVM。"),
})

ALL = list(db.MODELS)
EXAMPLES = [
    ["petal length (cm)", "petal width (cm)", ALL, 1.0, 0.7, 4, 15],   # first: the species separate cleanly
    ["sepal length (cm)", "sepal width (cm)", ALL, 1.0, 0.7, 4, 15],
    ["sepal length (cm)", "sepal width (cm)", ["rbf_svm", "knn"], 1.0, 50.0, 4, 1],
    ["petal length (cm)", "sepal width (cm)", ["linear_svm", "decision_tree"], 0.01, 0.7, 12, 15],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"decision_boundaries": EXAMPLES[0]}


def summary(m: dict) -> str:
    best = m["best_model"]
    acc, std = m["cv_accuracy"][best], m["cv_std"][best]
    rows = [(db.LABELS[x], f"{m['cv_accuracy'][x]:.3f} ± {m['cv_std'][x]:.3f}", f"{m['train_accuracy_2d'][x]:.3f}")
            for x in m["models"]]
    return say(
        f"Best: **{db.LABELS[best]}**, {acc:.3f} ± {std:.3f} (5-fold CV on all four features). "
        f"scikit-learn's user guide: linear SVM with C = 1, **0.98 ± 0.02**.\n\n"
        + md_table(rows, ["Model", "CV accuracy, 4 features", "Training accuracy, these 2"]),
        f"最好的是 **{db.LABELS[best]}**:{acc:.3f} ± {std:.3f}(全部四个特征上的 5 折交叉验证)。"
        f"scikit-learn 用户指南:C = 1 的线性 SVM 为 **0.98 ± 0.02**。\n\n"
        + md_table(rows, ["模型", "交叉验证准确率(4 个特征)", "训练准确率(这 2 个特征)"]))


@guard
def run(feature_x="petal length (cm)", feature_y="petal width (cm)", models=ALL, C=1.0, gamma=0.7, max_depth=4, k=15):
    """Train classifiers on two features of the iris data, draw their decision regions, and score each by 5-fold cross-
    validation on all four features.

    Args:
        feature_x: the feature on the x axis: "sepal length (cm)", "sepal width (cm)", "petal length (cm)" or "petal width (cm)".
        feature_y: the feature on the y axis, one of the same four (different from feature_x).
        models: a list of one or more of "logistic_regression", "linear_svm", "rbf_svm", "decision_tree", "knn".
        C: inverse regularisation strength of logistic regression and both SVMs, from 0.0001 to 10000 (smaller = stronger).
        gamma: the RBF SVM's kernel width parameter, from 0.0001 to 1000 (larger = wigglier boundary).
        max_depth: the decision tree's maximum depth, an integer from 1 to 20.
        k: neighbours of k-NN, an integer from 1 to 100.

    Returns:
        the decision regions of each model over the two features (image); 5-fold CV accuracy per model (table);
        the result in a sentence (English and Chinese); metrics: cv_accuracy and cv_std per model (fractions 0-1).
    """
    result = db.decision_boundaries(feature_x, feature_y, models, C, gamma, max_depth, k)
    return result.image, result.table, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            feature_x = gr.Radio(list(db.FEATURES), value=EXAMPLES[0][0], label=t("feature_x"))
            feature_y = gr.Radio(list(db.FEATURES), value=EXAMPLES[0][1], label=t("feature_y"))
            models = gr.CheckboxGroup([(db.LABELS[m], m) for m in db.MODELS], value=ALL, label=t("models"))
            C = gr.Number(1.0, label=t("C"), minimum=1e-4, maximum=1e4)
            gamma = gr.Number(0.7, label=t("gamma"), minimum=1e-4, maximum=1e3)
            max_depth = gr.Slider(1, 20, value=4, step=1, label=t("max_depth"))
            k = gr.Slider(1, 100, value=15, step=1, label=t("k"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=3):
            boundaries = gr.Image(label=t("boundaries"), type="pil", format="png", interactive=False)
            note = result_note()
            table = gr.Dataframe(label=t("table"), interactive=False, wrap=True, render=False)
            metrics = metrics_json(table)
    inputs = [feature_x, feature_y, models, C, gamma, max_depth, k]
    outputs = [boundaries, table, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="decision_boundaries")
    code_accordion(db.make_model, db.cv_scores, db.regions)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
