"""Tab: DCGAN on handwritten digits, sampling and live training. Run alone: ``python -m pages.vision.dcgan``."""

from __future__ import annotations


import gradio as gr

from pages.guard import guard, json_safe
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings
from pages.gradio_fixes import not_a_tool
from showcase.core.errors import InputError
from showcase.vision import dcgan

t = strings("dcgan", {
    "title": ("## DCGAN: two networks playing a game", "## DCGAN:两个网络的博弈"),
    "body": (
        "The generator G turns random vectors into images; the discriminator D says how likely an image is to be real. "
        "D learns to tell the 5,000 real MNIST digits from G's fakes while G learns to fool D, with the architecture "
        "of Radford et al.: strided (transposed) convolutions instead of pooling, batch norm, ReLU in G and LeakyReLU "
        "in D, Adam with learning rate 2e-4 and β1 = 0.5. A generator trained here is bundled: draw a grid by seed, "
        "or walk the latent space from one seed to another. A small classifier, also trained here, judges the samples: "
        "how digit-like they are (its mean confidence) and how varied (entropy of the predicted digits, 3.32 bits when "
        "all ten are equally common). Then train your own for N steps and watch the game: D(x) on real digits and "
        "D(G(z)) on fakes pull apart when D wins and meet near 0.5 when G keeps up.",
        "生成器 G 把随机向量变成图像;判别器 D 判断图像有多大可能是真的。D 学习区分 5,000 张真实 MNIST 手写数字与 G 的伪造,"
        "G 学习骗过 D。结构依照 Radford 等:用带步长的(转置)卷积代替池化,批归一化,G 用 ReLU、D 用 LeakyReLU,"
        "Adam 学习率 2e-4、β1 = 0.5。本项目训练好的生成器已内置:按随机种子生成网格,或在两个种子之间的潜空间中插值。"
        "一个同样由本项目训练的小分类器为样本打分:像不像数字(平均置信度)和多样性(预测类别分布的熵,十类均匀时为 3.32 比特)。"
        "然后自己训练 N 步,观察这场博弈:D 占上风时真实数字上的 D(x) 与伪造上的 D(G(z)) 分开,G 跟上时两者在 0.5 附近相遇。",
    ),
    "reference": (
        "**Compare:** Radford et al. (2016) trained on 60,000 MNIST digits at 64×64 with 128–1024 channels; ours "
        "trains on 4,500 digits at 32×32 with 16–64 channels on one CPU core (its training time is in the model card). The model card holds "
        "the classifier's scores for real held-out digits beside those for the bundled generator's samples.",
        "**对照:** Radford 等(2016)在 60,000 张 64×64 的 MNIST 上训练,通道数 128–1024;我们在 4,500 张 32×32 的数字上、"
        "用 16–64 个通道,在一个 CPU 核上训练(训练时长见模型卡)。模型卡给出分类器对真实留出数字与内置生成器样本的打分,可相互对照。",
    ),
    "samples": ("Samples", "采样"),
    "interpolation": ("Latent interpolation", "潜空间插值"),
    "training": ("Live training", "实时训练"),
    "seed": ("Seed", "随机种子"),
    "n_images": ("Number of images", "图像数量"),
    "grid": ("Generated digits", "生成的数字"),
    "sample": ("Sample", "采样"),
    "seed_a": ("Seed A", "种子 A"),
    "seed_b": ("Seed B", "种子 B"),
    "steps_interp": ("Steps along the path", "路径上的步数"),
    "interpolate": ("Interpolate", "插值"),
    "path": ("From A to B", "从 A 到 B"),
    "steps": ("Training steps (batches of 64)", "训练步数(每批 64)"),
    "start": ("Start from", "起点"),
    "train": ("Train", "训练"),
    "losses": ("Losses", "损失"),
    "game": ("D(x) on real vs D(G(z)) on fakes", "真实样本 D(x) 与伪造样本 D(G(z))"),
    "progress": ("Samples from a fixed z", "固定 z 的样本"),
    "examples_note": ("Grids of 64, 16 and 128 digits from different seeds.", "不同种子生成的 64、16 和 128 个数字的网格。"),
    "interp_note": ("Walks between two seeds: the digit morphs through its neighbours in the latent space.",
                    "在两个种子之间行走:数字会经过潜空间中相邻的数字逐渐变形。"),
})

EXAMPLES = [[0, 64], [1, 16], [2026, 128]]
INTERP_EXAMPLES = [[0, 1, 10], [3, 42, 12]]
TRAIN_DEFAULTS = [100, "scratch", 0]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"dcgan_sample": EXAMPLES[0], "dcgan_interpolate": INTERP_EXAMPLES[0], "dcgan_train": [20, "bundled", 0]}


def real_digit_likeness() -> float:
    """The classifier's score for real held-out digits, from the model card: what a perfect G would get."""
    return dcgan.real_digit_likeness()


def summary(m: dict, what_en: str, what_zh: str) -> str:
    real = real_digit_likeness()
    return say(f"{what_en}: digit-likeness **{m['digit_likeness']:.2f}** (real held-out digits: {real:.2f}), "
               f"variety {m['class_entropy_bits']:.2f} bits of 3.32.",
               f"{what_zh}:像数字的程度 **{m['digit_likeness']:.2f}**(真实留出数字:{real:.2f}),"
               f"多样性 {m['class_entropy_bits']:.2f} 比特(最多 3.32)。")


@guard
def sample(seed=0, n_images=64):
    """Draw handwritten-like digits from the project's DCGAN generator (trained on MNIST).

    Args:
        seed: a non-negative integer seed for the latent vectors z.
        n_images: how many digits, an integer from 1 to 256 (shown in a square grid).

    Returns:
        the grid of generated 28x28 digits (image); the result in a sentence (English and Chinese); metrics: seed, n_images, model, source.
    """
    result = dcgan.sample(seed, n_images)
    m = result.metrics
    return result.image, summary(m, f"{m['n_images']} samples", f"{m['n_images']} 个样本"), m


@guard
def interpolate(seed_a=0, seed_b=1, steps=10):
    """Walk the DCGAN's latent space in a straight line from seed A's z to seed B's and draw the digit at each step.

    Args:
        seed_a: a non-negative integer, the start's latent vector.
        seed_b: a non-negative integer, the end's latent vector.
        steps: images along the path, an integer from 2 to 32.

    Returns:
        the row of digits from A to B (image); the result in a sentence (English and Chinese); metrics: the seeds, steps, model, source.
    """
    result = dcgan.interpolate(seed_a, seed_b, steps)
    digits = " → ".join(str(d) for d in result.metrics["predicted_digits"])
    return result.image, say(f"The classifier reads the path as {digits}.", f"分类器把这条路径读作 {digits}。"), result.metrics


@not_a_tool
def train(steps=100, start="scratch", seed=0, progress=gr.Progress()):
    """Train the DCGAN live for a few steps, from scratch or from the bundled weights, streaming its losses and
    samples.

    A generator: Gradio streams every yield to the page (curves, samples, metrics). Training: not an MCP tool.

    Args:
        steps: training steps (batches of 64), an integer from 10 to 2000 in steps of 10.
        start: "scratch" or "bundled" (continue from the project's trained weights).
        seed: a non-negative integer seed.

    Returns:
        the losses (line plot); D(x) on real digits against D(G(z)) on fakes (line plot); samples from a fixed z (image);
        the result in a sentence (English and Chinese); metrics: steps, d_loss, g_loss, d_real, d_fake.
    """
    updates = guard(dcgan.train_steps)(steps, start, seed, every=10)  # bad settings fail here, clearly
    total = int(steps)
    progress(0, desc="loading data")
    try:
        for update in updates:
            progress((update.step, total), desc="training")
            history = update.history
            losses = history[history.series.isin(["d_loss", "g_loss"])]
            game = history[history.series.isin(["d_real", "d_fake"])]
            image = update.image if update.image is not None else gr.skip()
            m = update.metrics
            note = (summary(m, f"After {m['steps']} steps", f"训练 {m['steps']} 步后") if "digit_likeness" in m
                    else gr.skip())
            yield losses, game, image, note, json_safe(m)
    except InputError as exc:
        raise gr.Error(str(exc)) from exc


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Tab(t("samples")):
        with gr.Row():
            with gr.Column(scale=1):
                seed = gr.Number(value=0, precision=0, minimum=0, label=t("seed"))
                n_images = gr.Slider(1, dcgan.MAX_IMAGES, value=64, step=1, label=t("n_images"))
                button = gr.Button(t("sample"), variant="primary")
            with gr.Column(scale=2):
                grid = gr.Image(label=t("grid"), format="png", height=420)
                note = result_note()
                metrics = metrics_json()
        examples(EXAMPLES, [seed, n_images], [grid, note, metrics], sample, t("examples_note"))
        button.click(sample, [seed, n_images], [grid, note, metrics], api_name="dcgan_sample")
    with gr.Tab(t("interpolation")):
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, minimum=0, label=t("seed_a"))
            seed_b = gr.Number(value=1, precision=0, minimum=0, label=t("seed_b"))
            steps_interp = gr.Slider(2, 32, value=10, step=1, label=t("steps_interp"))
            go = gr.Button(t("interpolate"), variant="primary")
        path = gr.Image(label=t("path"), format="png")
        interp_note = result_note(path)
        interp_metrics = metrics_json()
        interp_outputs = [path, interp_note, interp_metrics]
        examples(INTERP_EXAMPLES, [seed_a, seed_b, steps_interp], interp_outputs, interpolate, t("interp_note"))
        go.click(interpolate, [seed_a, seed_b, steps_interp], interp_outputs, api_name="dcgan_interpolate")
    with gr.Tab(t("training")):
        with gr.Row():
            steps = gr.Slider(10, dcgan.MAX_STEPS, value=TRAIN_DEFAULTS[0], step=10, label=t("steps"))
            start = gr.Radio(list(dcgan.STARTS), value=TRAIN_DEFAULTS[1], label=t("start"))
            train_seed = gr.Number(value=TRAIN_DEFAULTS[2], precision=0, minimum=0, label=t("seed"))
            train_button = gr.Button(t("train"), variant="primary")
        with gr.Row():
            losses = gr.LinePlot(x="step", y="value", color="series", label=t("losses"), height=240)
            game = gr.LinePlot(x="step", y="value", color="series", label=t("game"), y_lim=[0, 1], height=240)
        with gr.Row():
            progress_image = gr.Image(label=t("progress"), format="png", height=260)
            with gr.Column():
                train_note = result_note(progress_image)
                train_metrics = metrics_json()
        train_button.click(train, [steps, start, train_seed], [losses, game, progress_image, train_note, train_metrics],
                           api_name="dcgan_train", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(dcgan.Generator, dcgan.Discriminator, dcgan.play)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
