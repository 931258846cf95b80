"""Tab: U-Net nuclei segmentation beside Otsu. Run alone: ``python -m pages.vision.segmentation``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from pages.guard import guard
from pages.inputs import ImageInput
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.core.checks import number
from showcase.core.settings import asset
from showcase.vision import nuclei
from showcase.vision import segmentation as seg

t = strings("segmentation", {
    "title": ("## U-Net segmentation of cell nuclei", "## U-Net 细胞核分割"),
    "body": (
        "A U-Net (encoder, decoder and skip connections, as in Ronneberger et al. 2015), written and trained here "
        "on generated microscopy-like images whose exact masks are known: nuclei of many sizes, touching neighbours, "
        "uneven illumination, blur and noise. It outputs a probability per pixel; the slider sets where it says "
        "\"nucleus\". Otsu's global threshold is the baseline, drawn the same way: one cut of the histogram cannot "
        "follow the uneven light. Green or orange is the prediction, the magenta outline the true mask. "
        "For generated images Dice and IoU are measured against the exact mask; scikit-image's real "
        "immunohistochemistry image (or your upload) has no ground truth, so Dice and IoU are None there and only "
        "the nuclei count (connected components; touching nuclei count as one) is reported.",
        "U-Net(编码器、解码器与跳跃连接,依照 Ronneberger 等 2015)由本项目实现,并在生成的类显微图像上训练,"
        "这些图像的精确掩膜已知:大小不一、彼此相接的细胞核,不均匀光照,模糊与噪声。模型为每个像素输出概率;"
        "滑块决定从多大概率起判为\"细胞核\"。基线是 Otsu 全局阈值,以同样方式绘制:直方图上的一刀切无法适应不均匀的光照。"
        "绿色或橙色是预测,洋红色轮廓是真实掩膜。对生成图像,Dice 与 IoU 相对精确掩膜计算;scikit-image 的真实免疫组化图像"
        "(或你上传的图像)没有真值,因此 Dice 与 IoU 为 None,只报告细胞核数量(连通域;相接的细胞核算作一个)。",
    ),
    "reference": (
        "**Compare:** the paper's U-Net reached **92.0% IoU** on the ISBI 2015 PhC-U373 cell-tracking set "
        "(second best: 83%). Ours is an 8-times-narrower U-Net (8 channels at the top, the paper's 64) on generated fluorescence-like images; its held-out "
        "Dice and IoU are in the model card and beside each result.",
        "**对照:** 论文中的 U-Net 在 ISBI 2015 PhC-U373 细胞追踪数据集上达到 **92.0% IoU**(第二名 83%)。"
        "我们的 U-Net 窄 8 倍(顶层 8 个通道,论文为 64 个),在生成的类荧光图像上训练;其留出集 Dice 与 IoU 写在模型卡中,并显示在每个结果旁。",
    ),
    "threshold": ("Probability threshold", "概率阈值"),
    "channel": ("Channel fed to the model", "输入模型的通道"),
    "seed": ("Seed for a new generated image", "新生成图像的随机种子"),
    "generate": ("Generate an image", "生成图像"),
    "unet": ("U-Net", "U-Net"),
    "otsu": ("Otsu threshold (baseline)", "Otsu 阈值(基线)"),
    "probability": ("U-Net probability", "U-Net 概率图"),
    "compare": ("IoU: ours and the paper's", "IoU:我们的与论文的"),
    "curve": ("Dice against threshold", "Dice 随阈值变化"),
    "examples_note": (
        "A generated image with its exact mask; scikit-image's real stained tissue, which has no mask (only counts); "
        "then thresholds 0.3 and 0.7, and the grey channel instead of the automatic one.",
        "一张有精确掩膜的生成图像;scikit-image 的真实染色组织图像,没有掩膜(只报告数量);然后是阈值 0.3 和 0.7,"
        "以及用灰度通道代替自动选择的通道。",
    ),
})

EXAMPLE_SEEDS = (2026, 7, 123)
IHC = asset("vision", "segmentation", "immunohistochemistry.png")


def example_path(seed: int) -> Path:
    return asset("vision", "segmentation", f"nuclei_seed{seed}.png")


EXAMPLES = [[str(example_path(EXAMPLE_SEEDS[0])), 0.5, "auto"],
            [str(IHC), 0.5, "auto"],
            [str(example_path(EXAMPLE_SEEDS[1])), 0.3, "auto"],
            [str(example_path(EXAMPLE_SEEDS[2])), 0.7, "gray"]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"segment": EXAMPLES[0]}


def summary(m: dict) -> str:
    if m["dice"] is None:
        return say(f"**No ground truth** for this image, so no Dice or IoU: U-Net finds **{m['n_nuclei']}** nuclei, "
                   f"Otsu {m['baseline_n_nuclei']} (channel: {m['channel']}).",
                   f"**此图没有真值**,因此没有 Dice 和 IoU:U-Net 找到 **{m['n_nuclei']}** 个细胞核,"
                   f"Otsu {m['baseline_n_nuclei']} 个(通道:{m['channel']})。")
    return say(f"Against the exact mask: U-Net Dice **{m['dice']:.3f}**, IoU **{m['iou']:.3f}**; Otsu Dice "
               f"{m['baseline_dice']:.3f}, IoU {m['baseline_iou']:.3f}. The paper's U-Net: 92.0% IoU on PhC-U373.",
               f"与精确掩膜比较:U-Net Dice **{m['dice']:.3f}**,IoU **{m['iou']:.3f}**;Otsu Dice {m['baseline_dice']:.3f},"
               f"IoU {m['baseline_iou']:.3f}。论文中的 U-Net 在 PhC-U373 上 IoU 为 92.0%。")


@guard
def run(image=EXAMPLES[0][0], threshold=0.5, channel="auto"):
    """Segment cell nuclei with the project's U-Net and compare with Otsu thresholding; Dice and IoU against the mask
    when the image is a generated one.

    Args:
        image: a microscopy-like image, a PNG, JPEG or WebP file (new_image makes one with a known mask).
        threshold: the probability above which a pixel is nucleus, from 0.05 to 0.95.
        channel: the channel fed to the model: "auto", "gray", "gray_inverted" or "hematoxylin" (stain separation).

    Returns:
        the U-Net mask over the image, the Otsu mask, the U-Net probability map (three images);
        IoU beside the paper's (bar plot); Dice against threshold (line plot); the result in a sentence (English and Chinese);
        metrics: dice, iou, baseline_dice, baseline_iou (Otsu), latency_ms, model, source.
    """
    r = seg.segment(image, threshold, channel)
    return r.overlay, r.baseline, r.probability, r.comparison, r.curve, summary(r.metrics), r.metrics


@guard
def new_image(seed=0):
    """Generate a new image of nuclei (the same generator as the U-Net's training data, a new seed), whose true mask
    the tab knows.

    Args:
        seed: a non-negative integer; the same seed gives the same image.

    Returns:
        the image (PNG).
    """
    seed = number(seed, "Seed", low=0, high=2**31 - 1, integer=True)
    folder = Path(tempfile.gettempdir()) / "showcase-nuclei"
    folder.mkdir(exist_ok=True)
    return str(nuclei.save_png(nuclei.generate(seed, 256), folder / f"nuclei_seed{seed}.png"))


def ensure_assets() -> None:
    """The example images are made by the project's own code; write any that are missing."""
    for seed in EXAMPLE_SEEDS:
        if not example_path(seed).is_file():
            nuclei.save_png(nuclei.generate(seed, 256), example_path(seed))
    if not IHC.is_file():
        seg.immunohistochemistry_png(IHC)


def build() -> None:
    ensure_assets()
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            image = ImageInput(value=EXAMPLES[0][0], height=260)
            threshold = gr.Slider(0.05, 0.95, value=0.5, step=0.05, label=t("threshold"))
            channel = gr.Radio(list(seg.CHANNELS), value="auto", label=t("channel"))
            button = gr.Button(tc("run"), variant="primary")
            with gr.Row():
                seed = gr.Number(value=1, precision=0, label=t("seed"), minimum=0)
                generate = gr.Button(t("generate"))
        with gr.Column(scale=2):
            with gr.Row():
                unet = gr.Image(label=t("unet"), format="png", height=260)
                otsu = gr.Image(label=t("otsu"), format="png", height=260)
                probability = gr.Image(label=t("probability"), format="png", height=260)
            with gr.Row():
                compare = gr.BarPlot(x="method", y="iou", label=t("compare"), y_lim=[0, 1], height=220, sort="-y")
                curve = gr.LinePlot(x="threshold", y="dice", color="method", label=t("curve"), y_lim=[0, 1],
                                    height=220)
            note = result_note()
            metrics = metrics_json()
    inputs = [image, threshold, channel]
    outputs = [unet, otsu, probability, compare, curve, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="segment")
    generate.click(new_image, [seed], [image], api_name="segment_generate").then(
        run, inputs, outputs, api_visibility="private")
    code_accordion(seg.UNet, seg.dice_bce_loss, seg.dice_iou, seg.segment)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
