"""Tab: rank-k SVD image compression beside JPEG. Run alone: ``python -m pages.math.svd``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.inputs import ImageInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.scratch import lossless_webp, scratch_file
from pages.translation import say, strings, tc
from showcase.core.settings import asset
from showcase.math import svd

t = strings("svd", {
    "title": ("## SVD image compression", "## SVD 图像压缩"),
    "body": (
        "Each colour channel is a matrix A = UΣVᵀ. Keeping only the k largest singular values gives "
        "the best rank-k approximation (Eckart–Young): k·(H+W+1) numbers instead of H·W. Move the rank "
        "and watch the error fall; the energy curve shows how much of Σσ² the first k values hold. "
        "JPEG gets exactly the same number of bytes, and wins: that is why photos are not stored as SVDs.",
        "每个颜色通道都是矩阵 A = UΣVᵀ。只保留最大的 k 个奇异值就得到最优的秩 k 近似(Eckart–Young 定理):"
        "存 k·(H+W+1) 个数而不是 H·W 个像素。拖动秩,观察误差下降;能量曲线显示前 k 个奇异值占 Σσ² 的比例。"
        "JPEG 用完全相同的字节数,效果却好得多——这就是照片不用 SVD 存储的原因。",
    ),
    "reference": (
        "**Compare:** Eckart–Young: no rank-k matrix is closer to A than the truncated SVD. "
        "Randomized SVD (Halko et al. 2011) gets within about 1% of that error, much faster.",
        "**对照:** Eckart–Young 定理:没有任何秩 k 矩阵比截断 SVD 更接近 A。随机化 SVD(Halko 等,2011)误差只多约 1%,但快得多。",
    ),
    "rank": ("Rank k", "秩 k"),
    "method": ("SVD method", "SVD 方法"),
    "compressed": ("Rank-k reconstruction", "秩 k 重建"),
    "jpeg": ("JPEG with the same bytes", "相同字节数的 JPEG"),
    "spectrum": ("Singular values (log10)", "奇异值(log10)"),
    "energy": ("Energy kept", "保留能量"),
    "examples_note": ("Four photos at ranks 32, 16, 64 and 8: the lower the rank, the blurrier, and JPEG always wins.",
                      "四张照片,秩分别为 32、16、64 和 8:秩越低越模糊,而 JPEG 始终更好。"),
})

EXAMPLES = [[str(asset("math", "svd", name)), rank, "randomized"]
            for name, rank in (("astronaut.png", 32), ("chelsea.png", 16), ("camera.png", 64), ("coffee.png", 8))]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"svd_compress": EXAMPLES[0]}


def summary(m: dict) -> str:
    return say(
        f"Rank {m['rank']} keeps **{m['energy_kept']:.1%}** of the energy: PSNR **{m['psnr_db']:.1f} dB** at "
        f"{m['compression_ratio']:.1f}× fewer bytes. JPEG with the same bytes: **{m['jpeg_psnr_db_same_bytes']:.1f} dB**.",
        f"秩 {m['rank']} 保留 **{m['energy_kept']:.1%}** 的能量:字节数减少到 1/{m['compression_ratio']:.1f},"
        f"PSNR **{m['psnr_db']:.1f} dB**。相同字节数的 JPEG:**{m['jpeg_psnr_db_same_bytes']:.1f} dB**。")


@guard
def run(image=EXAMPLES[0][0], rank=32, method="randomized"):
    """Compress a photo with a rank-k SVD of each colour channel and compare it with a JPEG of the same size.

    Args:
        image: the photo, a PNG, JPEG or WebP file (8 to 4096 px a side).
        rank: k, the singular values kept per colour channel, an integer from 1 to 512.
        method: "randomized" (Halko et al. 2011, fast) or "full" (exact LAPACK SVD).

    Returns:
        the rank-k reconstruction (WebP image); the JPEG with the same number of bytes (image);
        the singular values (log10) and the energy kept for k = 1..rank (plots); the result in a sentence (English and Chinese);
        metrics: rank, psnr_db and ssim of the reconstruction, compression_ratio (x fewer numbers), energy_kept (0-1), jpeg_psnr_db_same_bytes.
    """
    result = svd.svd_compress(image, rank, method)
    # the JPEG is shown as the very file that was measured, not re-encoded
    jpeg = scratch_file(result.jpeg_data, ".jpg")
    return (lossless_webp(result.image), jpeg, result.spectrum, result.spectrum, summary(result.metrics),
            result.metrics)


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            image = ImageInput(value=EXAMPLES[0][0], height=280)
            rank = gr.Slider(1, 512, value=32, step=1, label=t("rank"))
            method = gr.Radio(list(svd.METHODS), value="randomized", label=t("method"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                compressed = gr.Image(label=t("compressed"), format="webp", height=280)
                jpeg = gr.Image(label=t("jpeg"), format="jpeg", height=280)
            with gr.Row():
                spectrum = gr.LinePlot(x="k", y="log10_sigma", color="channel", label=t("spectrum"), height=220)
                energy = gr.LinePlot(x="k", y="energy", color="channel", label=t("energy"), y_lim=[0, 1], height=220)
            note = result_note()
            metrics = metrics_json()
    outputs = [compressed, jpeg, spectrum, energy, note, metrics]
    examples(EXAMPLES, [image, rank, method], outputs, run, t("examples_note"))
    button.click(run, [image, rank, method], outputs, api_name="svd_compress")
    code_accordion(svd.rank_k, svd.channel_svd, svd.svd_compress)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
