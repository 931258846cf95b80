"""Tab: DistributedDataParallel launched with torchrun, 1 vs N processes. Run alone: ``python -m pages.frameworks.ddp``."""

from __future__ import annotations

import time

import gradio as gr
import pandas as pd

from pages.guard import guard, json_safe
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from pages.gradio_fixes import not_a_tool
from showcase.core.errors import InputError
from showcase.frameworks import ddp, ddp_worker

t = strings("ddp", {
    "title": ("## Distributed data parallel: 1 vs N processes, the same weights",
              "## 分布式数据并行:1 个与 N 个进程,得到相同的权重"),
    "body": (
        "Data parallelism gives every process a full copy of the model and a slice of each batch; after every backward "
        "pass the processes average their gradients (an all-reduce), so all copies take the same step. **Run** launches "
        "real `torchrun` twice: first one process that sees each global batch of B Fashion-MNIST images whole, then N "
        "processes wrapped in `DistributedDataParallel` (gloo on CPU cores, nccl when there is a GPU per process) that "
        "see B/N images each of the very same batches, from the same seed (`DistributedSampler`). The workers' logs stream "
        "below as they print. At the end the two final sets of weights are compared: the mean of N equal shards' gradients "
        "*is* the whole batch's gradient, so they agree up to rounding (and the two loss curves lie on top of each other). "
        "In float64 that is ~1e-15; choose float32 to watch "
        "training amplify a 1e-7 rounding difference (sums in another order) into ~1e-2, though the arithmetic is the same. "
        "The model has no batch norm or dropout, which would differ per shard. Throughput is measured, not promised: the N "
        "processes share this machine's two cores (and whatever else runs on it) and pay an all-reduce every step, so "
        "expect anything from slower to less than 2× faster; DDP scales when each process has a GPU (or cores) of its "
        "own and enough work per step. Start-up (importing torch: `startup_s` in the metrics) is timed apart; "
        "to save it on CPU the workers are forked from the launcher (`--run-path --start-method=fork`).",
        "数据并行让每个进程都持有完整的模型副本,并处理每个批次的一部分;每次反向传播后,各进程对梯度求平均(all-reduce),"
        "于是所有副本走出相同的一步。**运行** 会两次启动真正的 `torchrun`:先用 1 个进程,完整地看到每个含 B 张 Fashion-MNIST "
        "图像的全局批次;再用 N 个包装在 `DistributedDataParallel` 中的进程(CPU 上用 gloo,每个进程有一块 GPU 时用 nccl),"
        "以相同随机种子、各自看到同一批次中的 B/N 张图像(`DistributedSampler`)。工作进程的日志在下方实时显示。"
        "最后比较两次训练的最终权重:N 个等大分片梯度的平均 *就是* 整个批次的梯度,所以两者只差舍入误差(两条损失曲线完全重合)。float64 下约为 1e-15;"
        "选择 float32 可以看到训练把 1e-7 的舍入差异(求和顺序不同)放大到约 1e-2,尽管算术完全相同。模型没有批归一化和 dropout,"
        "它们在每个分片上会不同。吞吐量是实测的,而非承诺:N 个进程共用这台机器的两个核心(以及其上运行的其他任务),"
        "每步还要做一次 all-reduce,所以结果可能更慢,也可能快一些但不到 2 倍;每个进程拥有自己的 GPU(或核心)且每步计算量足够时,"
        "DDP 才能线性扩展。启动时间(导入 torch,见指标中的 `startup_s`)单独计时;"
        "为了在 CPU 上省下它,工作进程由启动器 fork 出来(`--run-path --start-method=fork`)。",
    ),
    "reference": (
        "**Compare:** Li et al. (VLDB 2020), PyTorch's DDP paper: near-linear scaling to 256 GPUs. Goyal et al. (2017): "
        "ResNet-50 on ImageNet in one hour on 256 GPUs with a global batch of 8,192, the learning rate scaled linearly "
        "with the batch, ~90% scaling efficiency. Here the check is exactness: max weight difference ≤ 1e-5 (float64).",
        "**对照:** Li 等(VLDB 2020)PyTorch DDP 论文:扩展到 256 块 GPU 时接近线性加速。Goyal 等(2017):用 256 块 GPU、"
        "全局批大小 8,192、学习率随批大小线性放大,一小时在 ImageNet 上训练完 ResNet-50,扩展效率约 90%。"
        "这里检验的是精确性:权重最大差异 ≤ 1e-5(float64)。",
    ),
    "world_size": ("Processes N (compared with 1)", "进程数 N(与 1 个进程对比)"),
    "steps": ("Training steps", "训练步数"),
    "global_batch": ("Global batch B (split over the N processes)", "全局批大小 B(分给 N 个进程)"),
    "lr": ("Learning rate (SGD, momentum 0.9)", "学习率(SGD,动量 0.9)"),
    "precision": ("Precision", "精度"),
    "log": ("The workers' log (torchrun's output, live)", "工作进程日志(torchrun 的实时输出)"),
    "curves": ("Training loss of the global batch", "全局批次的训练损失"),
    "throughput": ("Throughput (training images per second)", "吞吐量(每秒训练图像数)"),
    "commands": ("The same training on 8 GPUs and on several nodes", "在 8 块 GPU 和多台机器上做同样的训练"),
    "examples_note": ("2 processes in float64 agree with 1 to rounding; in float32 training amplifies a 1e-7 rounding "
                      "difference into about 1e-2; 4 and 3 processes; a bigger batch with more steps.",
                      "float64 下 2 个进程与 1 个进程只差舍入误差;float32 下训练把 1e-7 的舍入差异放大到约 1e-2;"
                      "4 个和 3 个进程;更大的批次和更多步数。"),
    "commands_note": (
        "`torchrun` starts N processes per node and gives each `RANK`, `LOCAL_RANK` and `WORLD_SIZE`; the training "
        "script is the same for 1 process, 8 GPUs or many nodes. Across nodes, every node runs the same command and "
        "the rendezvous (`--rdzv-backend=c10d` at a host all can reach) assigns the ranks.",
        "`torchrun` 在每台机器上启动 N 个进程,并告诉每个进程 `RANK`、`LOCAL_RANK` 和 `WORLD_SIZE`;"
        "无论 1 个进程、8 块 GPU 还是多台机器,训练脚本都相同。多机时每台机器运行同一条命令,由会合服务"
        "(`--rdzv-backend=c10d`,放在各机器都能访问的主机上)分配各进程的 rank。",
    ),
})

EXAMPLES = [
    [2, 40, 64, 0.05, "float64"],
    [2, 40, 64, 0.05, "float32"],
    [4, 40, 64, 0.05, "float64"],
    [3, 60, 96, 0.05, "float64"],
    [2, 100, 256, 0.1, "float64"],
]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"ddp_train": EXAMPLES[0]}

# The tab opens without training (pages/fill.py): its first example spawns two worker processes and
# trains for ~25 s on both cores, too much to start because a learner looked at the tab.
FILL_ON_OPEN = False
STREAM_EVERY = 0.25     # s between streamed updates: the log can print faster than a browser redraws


def summary(m: dict) -> str:
    equal_en = "equal within 1e-5" if m["equal_within_1e-5"] else "**not** equal within 1e-5"
    equal_zh = "在 1e-5 内相等" if m["equal_within_1e-5"] else "**不**在 1e-5 内相等"
    return say(
        f"{m['world_size']} processes against 1: weights differ by at most **{m['max_param_diff_vs_single']:.1e}** "
        f"({equal_en}, {m['precision']}); test accuracy {m['test_accuracy']:.1%} vs {m['single_test_accuracy']:.1%}. "
        f"Throughput {m['samples_per_s']:.0f} vs {m['single_samples_per_s']:.0f} images/s "
        f"({m['speedup_vs_single']:.2f}×, sharing {m['cpu_cores']} cores). Goyal et al.: ~90% scaling efficiency on 256 GPUs.",
        f"{m['world_size']} 个进程与 1 个进程相比:权重最大差异 **{m['max_param_diff_vs_single']:.1e}**"
        f"({equal_zh},{m['precision']});测试准确率 {m['test_accuracy']:.1%} 对 {m['single_test_accuracy']:.1%}。"
        f"吞吐量每秒 {m['samples_per_s']:.0f} 对 {m['single_samples_per_s']:.0f} 张图像({m['speedup_vs_single']:.2f} 倍,"
        f"共用 {m['cpu_cores']} 个核心)。Goyal 等:256 块 GPU 上扩展效率约 90%。")


@not_a_tool
def run(world_size=2, steps=40, global_batch=64, lr=0.05, precision="float64", progress=gr.Progress()):
    """Train one small network with DistributedDataParallel on N worker processes (torchrun, gloo) and against 1
    process, streaming the workers' log.

    A generator: Gradio streams every yield (log, curves, throughput, commands, result, metrics). Training: not an
    MCP tool.

    Args:
        world_size: worker processes N, an integer from 2 to 4 (compared with 1).
        steps: training steps, an integer from 1 to 300.
        global_batch: the global batch, split over the N processes, an integer from 8 to 512.
        lr: SGD's learning rate (momentum 0.9), from 0.001 to 0.5.
        precision: "float64" (N processes match 1 to rounding) or "float32".

    Returns:
        the workers' log; the loss of the global batch (line plot); training images per second (bar plot); the commands to run it (code);
        the result in a sentence (English and Chinese); metrics: world_size, samples_per_s, final_loss, max_param_diff_vs_single.
    """
    updates = guard(ddp.train_stream)(world_size, steps, global_batch, lr, precision)  # bad settings fail here
    script = ddp.commands(int(steps), int(global_batch), float(lr))
    shown = 0.0
    try:
        for update in updates:
            if not update.done:
                progress(update.fraction, desc=update.metrics["status"])
                if time.monotonic() - shown < STREAM_EVERY:
                    continue
                shown = time.monotonic()
            note = summary(update.metrics) if update.done else ""
            yield update.log, with_both_runs(update.curves), update.throughput, script, note, json_safe(update.metrics)
    except InputError as exc:
        raise gr.Error(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a failed launch is reported, the app keeps running
        raise gr.Error(f"{type(exc).__name__}: {exc}") from exc


def with_both_runs(curves: pd.DataFrame) -> pd.DataFrame:
    """The curves with an empty (NaN) point for each run that has none yet: a streamed plot takes
    its colours from the first data it gets, so both runs must be in it from the start."""
    missing = [name for name in ddp.RUN_NAMES if name not in set(curves["run"])]
    seed = pd.DataFrame({"step": [1] * len(missing), "loss": [float("nan")] * len(missing), "run": missing})
    return pd.concat([seed, curves], ignore_index=True) if missing else curves


# The log box follows the newest line (Gradio's own autoscroll loses it when lines come in bursts).
FOLLOW_LOG = "() => setTimeout(() => { const t = document.querySelector('#ddp-log textarea'); if (t) t.scrollTop = t.scrollHeight; }, 0)"


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            world_size = gr.Slider(ddp.MIN_WORLD, ddp.MAX_WORLD, value=2, step=1, label=t("world_size"))
            steps = gr.Slider(1, ddp.MAX_STEPS, value=40, step=1, label=t("steps"))
            global_batch = gr.Slider(ddp.MIN_BATCH, ddp.MAX_BATCH, value=64, step=1, label=t("global_batch"))
            lr = gr.Slider(ddp.MIN_LR, ddp.MAX_LR, value=0.05, step=0.001, label=t("lr"))
            precision = gr.Radio(list(ddp.PRECISIONS), value="float64", label=t("precision"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            log = gr.Textbox(label=t("log"), lines=14, max_lines=14, interactive=False, elem_id="ddp-log")
            with gr.Row():
                curves = gr.LinePlot(x="step", y="loss", color="run", label=t("curves"), height=280)
                throughput = gr.BarPlot(x="run", y="samples_per_s", label=t("throughput"), height=280,
                                        y_lim=[0, None], x_title=" ")
            note = result_note()
            metrics = metrics_json()
    with gr.Accordion(t("commands"), open=True):
        gr.Markdown(t("commands_note"))
        commands = gr.Code(ddp.commands(), language="shell", interactive=False, show_label=False)
    inputs = [world_size, steps, global_batch, lr, precision]
    outputs = [log, curves, throughput, commands, note, metrics]      # metrics last, like every tab
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="ddp_train", concurrency_id="cpu_training", concurrency_limit=1)
    log.change(None, js=FOLLOW_LOG)
    code_accordion(ddp_worker.train, ddp.torchrun_command, ddp.launch, ddp.max_param_diff)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
