"""Tab: PCA by eigen-decomposition and by SVD. Run alone: ``python -m pages.math.pca``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.math import pca

t = strings("pca", {
    "title": ("## PCA: eigen-decomposition vs SVD", "## PCA:特征值分解与 SVD"),
    "body": (
        "The principal axes are the eigenvectors of the covariance matrix XᵀX/(n−1). The SVD of the "
        "centred data X = UΣVᵀ gives the same axes (rows of Vᵀ) and eigenvalues σ²/(n−1) without forming "
        "the covariance, which is how scikit-learn computes PCA. Below, the 64-pixel digits are projected "
        "to 2-D, the curve shows how much variance k components keep, and the digits are rebuilt from k components.",
        "主成分方向是协方差矩阵 XᵀX/(n−1) 的特征向量。对中心化数据做 SVD(X = UΣVᵀ)得到同样的方向(Vᵀ 的行)"
        "和特征值 σ²/(n−1),而无需构造协方差矩阵——scikit-learn 就是这样计算 PCA 的。下面把 64 像素的手写数字投影到二维,"
        "曲线显示 k 个主成分保留的方差比例,并用 k 个主成分重建数字。",
    ),
    "reference": (
        "**Compare:** both routes agree to machine precision (see eig_svd_max_abs_diff); digits need 29 components for 95% of the variance.",
        "**对照:** 两种方法在机器精度内一致(见 eig_svd_max_abs_diff);手写数字需要 29 个主成分才能保留 95% 方差。",
    ),
    "k": ("Components k", "主成分数 k"),
    "dataset": ("Dataset", "数据集"),
    "projection": ("First two components", "前两个主成分"),
    "variance": ("Cumulative explained variance", "累计解释方差"),
    "rebuilt": ("Top: original digits · bottom: rebuilt from k components", "上:原始数字 · 下:用 k 个主成分重建"),
    "examples_note": ("Digits at 10, 2 and 29 components (29 keep 95%), then iris and wine, which need far fewer.",
                      "手写数字分别取 10、2、29 个主成分(29 个保留 95%),然后是需要的主成分少得多的鸢尾花和葡萄酒数据。"),
})

EXAMPLES = [[10, "digits"], [2, "digits"], [29, "digits"], [2, "iris"], [3, "wine"]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"pca_project": EXAMPLES[0]}


def summary(m: dict) -> str:
    return say(
        f"{m['n_components']} components keep **{m['explained_variance']:.1%}** of the variance of {m['dataset']}; "
        f"95% needs {m['components_for_95pct']}. Eigen-decomposition and SVD agree to **{m['eig_svd_max_abs_diff']:.0e}**.",
        f"{m['n_components']} 个主成分保留 {m['dataset']} **{m['explained_variance']:.1%}** 的方差;保留 95% 需要 "
        f"{m['components_for_95pct']} 个。特征值分解与 SVD 的差异仅 **{m['eig_svd_max_abs_diff']:.0e}**。")


@guard
def run(n_components=10, dataset="digits"):
    """Project a scikit-learn dataset onto its first k principal components, by eigen-decomposition and by SVD.

    Args:
        n_components: k, the principal components kept, an integer from 1 to 64 (at most the dataset's features).
        dataset: "digits" (8x8 images, 64 features), "iris" (4), "wine" (13) or "breast_cancer" (30).

    Returns:
        the data on its first two components (scatter plot); the cumulative explained variance against k (line plot);
        for digits, originals above their rebuilds from k components (image); the result in a sentence (English and Chinese);
        metrics: n_components, explained_variance (fraction 0-1), reconstruction_mse, eig_svd_max_abs_diff (eigen vs SVD agreement).
    """
    result = pca.pca_project(n_components, dataset)
    return result.projection, result.variance, result.reconstructions, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            k = gr.Slider(1, 64, value=10, step=1, label=t("k"))
            dataset = gr.Radio(list(pca.DATASETS), value="digits", label=t("dataset"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                projection = gr.ScatterPlot(x="pc1", y="pc2", color="label", label=t("projection"), height=300)
                variance = gr.LinePlot(x="component", y="cumulative", label=t("variance"), y_lim=[0, 1], height=300)
            rebuilt = gr.Image(label=t("rebuilt"), format="png", height=140)
            note = result_note()
            metrics = metrics_json()
    outputs = [projection, variance, rebuilt, note, metrics]
    examples(EXAMPLES, [k, dataset], outputs, run, t("examples_note"))
    button.click(run, [k, dataset], outputs, api_name="pca_project")
    code_accordion(pca.eig_pca, pca.svd_pca, pca.pca_project)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
