"""Tab: federated averaging with differential privacy (Flower + Opacus). Run alone: ``python -m pages.trust.dp_federated``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from pages.gradio_fixes import not_a_tool
from showcase.trust import dp_federated as dp

t = strings("dp_federated", {
    "title": ("## Federated learning with differential privacy", "## 差分隐私联邦学习"),
    "body": (
        "The digits never leave their clients: each round the server (Flower's FedAvg) sends the model to a fraction "
        "of the clients, each trains one epoch on its own digits and sends back weights, and the server averages them. "
        "Each client trains with DP-SGD (Opacus): every example's gradient is clipped to norm C and Gaussian noise σ·C "
        "is added, so no single digit can change the model much. Opacus' accountant turns σ, the sampling rate and the "
        "steps into ε (smaller is more private, at probability δ of failing); ε grows with every round a client takes "
        "part in. The non-private run (same clients, no clipping or noise) shows what privacy costs. Flower simulates "
        "the clients with Ray in a separate process; a run takes a minute or more.",
        "数字从不离开各自的客户端:每一轮,服务器(Flower 的 FedAvg)把模型发给一部分客户端,每个客户端在自己的数字上训练一轮"
        "后把权重发回,服务器取平均。每个客户端用 DP-SGD(Opacus)训练:每个样本的梯度被裁剪到范数 C,再加上标准差 σ·C 的"
        "高斯噪声,因此任何一个数字都无法大幅改变模型。Opacus 的记账器把 σ、采样率和步数换算成 ε(越小越私密,失败概率为 δ);"
        "客户端每参加一轮,ε 就增长一些。非隐私运行(相同客户端,不裁剪不加噪)显示隐私的代价。Flower 在独立进程中用 Ray "
        "模拟客户端;一次运行需要一分钟或更久。",
    ),
    "reference": (
        "**Compare:** Abadi et al. (2016), DP-SGD on MNIST (60,000 digits, one party): 90 / 95 / 97% accuracy at "
        "ε = 0.5 / 2 / 8 with δ = 1e-5. This tab splits 4,000 digits across clients and trains for a handful of rounds.",
        "**对照:** Abadi 等(2016),MNIST 上的 DP-SGD(60,000 个数字,单方训练):δ = 1e-5 时,ε = 0.5 / 2 / 8 对应准确率 "
        "90 / 95 / 97%。本页把 4,000 个数字分给多个客户端,只训练少数几轮。",
    ),
    "clients": ("Clients", "客户端数"),
    "rounds": ("Rounds", "轮数"),
    "fraction": ("Fraction of clients per round", "每轮参与的客户端比例"),
    "noise": ("Noise multiplier σ", "噪声乘数 σ"),
    "clip": ("Clipping norm C", "裁剪范数 C"),
    "delta": ("δ", "δ"),
    "split": ("How the digits are dealt (iid: shuffled; non_iid: about two digits per client)",
              "数字如何分配(iid:随机打乱;non_iid:每个客户端约两种数字)"),
    "progress": ("Held-out accuracy (%) after each round (DP-SGD: private clients; SGD: the non-private baseline)",
                 "每轮之后的留出准确率(%)(DP-SGD:差分隐私客户端;SGD:非隐私基线)"),
    "tradeoff": ("Accuracy (%) against ε: the bundled sweep (DP-FedAvg), the non-private baseline (FedAvg), "
                 "Abadi et al. 2016 on MNIST",
                 "准确率(%)与 ε:内置扫描(DP-FedAvg)、非隐私基线(FedAvg)、Abadi 等 2016 年在 MNIST 上的结果"),
    "hard": ("Hard cases: non-IID clients (each sees about two digits) learn slower; σ = 3 buys a small ε at a large "
             "cost in accuracy.", "困难情形:非独立同分布的客户端(每个只见到约两种数字)学得更慢;σ = 3 换来很小的 ε,但准确率损失很大。"),
    "n.result": ("After the last round, DP FedAvg accuracy / ε / non-private accuracy:",
                 "最后一轮之后,差分隐私 FedAvg 准确率 / ε / 非隐私准确率:"),
})

DEFAULTS = [10, 5, 0.5, 1.0, 1.0, 1e-5, "iid"]
EXAMPLES = [DEFAULTS, [10, 5, 0.5, 0.6, 1.0, 1e-5, "iid"]]
HARD = [[10, 5, 0.5, 1.0, 1.0, 1e-5, "non_iid"], [10, 5, 0.5, 3.0, 1.0, 1e-5, "iid"]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"dp_federated": EXAMPLES[0]}

# The tab opens without training (pages/fill.py): its first example trains ten clients with DP-SGD
# for five federated rounds, too much to start because a learner looked at the tab.
FILL_ON_OPEN = False


def summary(m: dict) -> str:
    """The result in a sentence, with Abadi et al.'s numbers (``dp.ABADI``) beside ours."""
    eps = " / ".join(f"{e:g}" for e in dp.ABADI)
    acc = " / ".join(f"{a:g}" for a in dp.ABADI.values())
    base_en = f"; without privacy **{m['baseline_accuracy']:.1f}%**" if m["baseline_accuracy"] is not None else ""
    base_zh = f";不加隐私 **{m['baseline_accuracy']:.1f}%**" if m["baseline_accuracy"] is not None else ""
    return say(
        f"After {m['rounds']} rounds: accuracy **{m['accuracy']:.1f}%** at **ε = {m['epsilon']:.2f}** "
        f"(δ = {m['delta']:g}){base_en}. Abadi et al.: {acc}% at ε = {eps} on all 60,000 MNIST digits.",
        f"{m['rounds']} 轮之后:准确率 **{m['accuracy']:.1f}%**,**ε = {m['epsilon']:.2f}**(δ = {m['delta']:g}){base_zh}。"
        f"Abadi 等:在全部 60,000 个 MNIST 数字上,ε = {eps} 时准确率 {acc}%。")


@not_a_tool
@guard
def run(clients=10, rounds=5, fraction=0.5, noise=1.0, clip=1.0, delta=1e-5, split="iid", progress=gr.Progress()):
    """Train a digit classifier by federated averaging over simulated clients with differential privacy (DP-SGD), and
    report epsilon.

    Training: not an MCP tool.

    Args:
        clients: simulated clients, an integer from 1 to 100.
        rounds: federated rounds, an integer from 1 to 20.
        fraction: the fraction of clients per round, from 0.1 to 1.
        noise: the noise multiplier sigma of DP-SGD, from 0.3 to 10.
        clip: the per-example clipping norm C, from 0.1 to 10.
        delta: the privacy parameter delta, from 1e-10 to 0.1.
        split: "iid" (shuffled) or "non_iid" (about two digits per client).

    Returns:
        held-out accuracy (%) after each round, private and not (line plot); accuracy against epsilon (line plot);
        a short note and the result in a sentence (English and Chinese);
        metrics: rounds, clients, epsilon, delta, accuracy, baseline_accuracy (%).
    """
    r = dp.dp_federated(clients, rounds, fraction, noise, clip, delta, split,
                        say=lambda f, text: progress(f, desc=text))
    m = r.metrics
    baseline = f"{m['baseline_accuracy']:.1f}%" if m["baseline_accuracy"] is not None else "–"
    note = str(t("n.result")) + f" **{m['accuracy']:.1f}% / ε = {m['epsilon']:.2f} (δ = {m['delta']:g}) / {baseline}**"
    return r.progress, r.tradeoff, note, summary(m), m


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            clients = gr.Slider(1, 100, value=10, step=1, label=t("clients"))
            rounds = gr.Slider(1, 20, value=5, step=1, label=t("rounds"))
            fraction = gr.Slider(0.1, 1.0, value=0.5, step=0.05, label=t("fraction"))
            noise = gr.Slider(0.3, 10.0, value=1.0, step=0.1, label=t("noise"))
            clip = gr.Slider(0.1, 10.0, value=1.0, step=0.1, label=t("clip"))
            delta = gr.Number(value=1e-5, minimum=1e-10, maximum=0.1, label=t("delta"))
            split = gr.Radio(list(dp.SPLITS), value="iid", label=t("split"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            progress = gr.LinePlot(x="round", y="accuracy", color="run", label=t("progress"), height=260,
                                   y_lim=[0, 100], x_title="round", y_title="accuracy %")
            tradeoff = gr.LinePlot(x="epsilon", y="accuracy", color="series", label=t("tradeoff"), height=280,
                                   y_lim=[0, 100], x_title="ε", y_title="accuracy %")
            note = gr.Markdown()
            result = result_note()
            metrics = metrics_json()
    inputs = [clients, rounds, fraction, noise, clip, delta, split]
    outputs = [progress, tradeoff, note, result, metrics]
    examples(EXAMPLES, inputs, outputs, run)
    examples(HARD, inputs, outputs, run, label=t("hard"))
    button.click(run, inputs, outputs, api_name="dp_federated", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(dp.local_train, dp.dp_federated)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
