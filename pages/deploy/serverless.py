"""Tab: a Cloud Functions entry point, cold vs warm, and its monthly cost. Run alone: ``python -m pages.deploy.serverless``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings, tc
from showcase.deploy import serverless, serverless_function

t = strings("serverless", {
    "title": ("## Serverless inference: cold starts and the monthly bill", "## 无服务器推理:冷启动与每月账单"),
    "body": (
        "The same model behind a Google Cloud Functions HTTP entry point (`@functions_framework.http`), loaded lazily "
        "on the first request. **Run** starts it afresh with the `functions-framework` command, as the cloud does for "
        "a new instance, and times the first answer (interpreter, imports, model load: the *cold start*) and the calls "
        "after it (*warm*). The cost model then bills a month of traffic at the measured warm duration: on demand "
        "(per 100 ms of each request, plus a fee per million) against always-on instances (every second of the "
        "month, cheaper per second). The break-even is where the two lines cross.",
        "同一个模型放在 Google Cloud Functions 的 HTTP 入口(`@functions_framework.http`)后面,第一次请求时才加载。"
        "点击 **运行** 会像云端启动新实例一样,用 `functions-framework` 命令重新启动它,并计时第一次应答(解释器、导入、"
        "加载模型:即*冷启动*)和之后的调用(*热调用*)。随后成本模型按测得的热调用时长计算一个月的费用:按需计费"
        "(每个请求按 100 毫秒计,另加每百万次请求费)对比常驻实例(按月内每一秒计费,单价更低)。两条线的交点就是盈亏平衡点。",
    ),
    "reference": (
        "**Compare:** default prices are Google's Tier 1 list prices (Cloud Run pricing page, read 2026-12-01): "
        "$0.000024 per vCPU-second and $0.0000025 per GiB-second on demand, $0.40 per million requests; "
        "$0.000018 and $0.000002 always on. They change: edit them below.",
        "**对照:** 默认价格为 Google 一级区域的标价(Cloud Run 定价页,2026-12-01 读取):按需每 vCPU 秒 0.000024 美元、"
        "每 GiB 秒 0.0000025 美元、每百万次请求 0.40 美元;常驻每 vCPU 秒 0.000018 美元、每 GiB 秒 0.000002 美元。"
        "价格会变,可在下方修改。",
    ),
    "model": ("Model", "模型"),
    "rate": ("Requests per month", "每月请求数"),
    "memory": ("Memory per instance (GiB)", "每个实例的内存(GiB)"),
    "vcpu": ("vCPU per instance", "每个实例的 vCPU"),
    "warm": ("Warm calls to time", "计时的热调用次数"),
    "prices": ("Prices (USD)", "价格(美元)"),
    "p_vcpu": ("On demand, per vCPU-second", "按需,每 vCPU 秒"),
    "p_gib": ("On demand, per GiB-second", "按需,每 GiB 秒"),
    "p_req": ("On demand, per million requests", "按需,每百万次请求"),
    "p_vcpu_on": ("Always on, per vCPU-second", "常驻,每 vCPU 秒"),
    "p_gib_on": ("Always on, per GiB-second", "常驻,每 GiB 秒"),
    "latency": ("Time to answer (ms)", "应答时间(毫秒)"),
    "costs": ("Monthly cost (USD) against log10 requests per month", "每月费用(美元)与 log10 每月请求数"),
    "response": ("The function's first answer", "函数的第一次应答"),
    "examples_note": (
        "First a million requests a month: on demand fits in the free tier and costs nothing, always on costs the "
        "whole month. At 30 million a month the per-request bill passes the always-on one. The detector, a "
        "heavier model with 1 GiB, starts colder and answers more slowly, and each request is billed for twice the memory.",
        "第一个示例每月一百万次请求:按需计费在免费额度内,不花钱;常驻实例要付整个月的费用。每月三千万次请求时,"
        "按请求计的账单超过了常驻实例。检测器是更重的模型(1 GiB 内存),冷启动更慢,应答也更慢,每个请求还要按两倍的内存计费。",
    ),
})

EXAMPLES = [
    ["classifier", 1_000_000, 0.5, 1.0, 20],
    ["classifier", 30_000_000, 0.5, 1.0, 20],
    ["detector", 5_000_000, 1.0, 1.0, 20],
]

P = serverless.PRICES
PRICE_KEYS = ["on_demand_vcpu_s", "on_demand_gib_s", "per_million_requests", "always_on_vcpu_s", "always_on_gib_s"]
# A good call per api_name (the first example, at the list prices): app tests and benchmarks use it.
API = {"serverless_demo": [*EXAMPLES[0], *(P[k] for k in PRICE_KEYS)]}


def summary(m: dict) -> str:
    even = m["break_even_requests_per_month"]
    cheaper_zh = "按需" if m["cheaper"] == "on demand" else "常驻"
    en = (f"Cold start **{m['cold_ms']:.0f} ms**, warm calls **{m['warm_ms']:.0f} ms** (p50): the first request "
          f"waits {m['cold_over_warm']:.0f}× longer. At {m['requests_per_month']:,.0f} requests a month, on demand "
          f"costs **${m['monthly_cost_on_demand']:.2f}** and always on **${m['monthly_cost_always_on']:.2f}**: "
          f"{m['cheaper']} is cheaper.")
    zh = (f"冷启动 **{m['cold_ms']:.0f} 毫秒**,热调用 **{m['warm_ms']:.0f} 毫秒**(p50):第一个请求多等 "
          f"{m['cold_over_warm']:.0f} 倍。每月 {m['requests_per_month']:,.0f} 次请求时,按需 **{m['monthly_cost_on_demand']:.2f} 美元**,"
          f"常驻 **{m['monthly_cost_always_on']:.2f} 美元**:{cheaper_zh}更便宜。")
    if even is not None:
        en += f" The two cost the same at about {even:,} requests a month."
        zh += f"两者在每月约 {even:,} 次请求时持平。"
    return say(en, zh)


@guard
def run(model="classifier", requests_per_month=1_000_000, memory_gib=0.5, vcpu=1.0, warm_calls=20,
        p_vcpu=P["on_demand_vcpu_s"], p_gib=P["on_demand_gib_s"], p_req=P["per_million_requests"],
        p_vcpu_on=P["always_on_vcpu_s"], p_gib_on=P["always_on_gib_s"]):
    """Call a model as a Cloud Functions-style serverless function (cold and warm), and price a month of it on demand
    and always on.

    Args:
        model: "classifier" (MNIST CNN) or "detector" (the shapes YOLO11n).
        requests_per_month: requests in a month, a non-negative integer.
        memory_gib: memory per instance in GiB, from 0.25 to 4 in steps of 0.25.
        vcpu: vCPUs per instance, from 0.5 to 4 in steps of 0.5.
        warm_calls: warm calls to time, an integer from 3 to 100.
        p_vcpu: on-demand price in USD per vCPU-second.
        p_gib: on-demand price in USD per GiB-second.
        p_req: on-demand price in USD per million requests.
        p_vcpu_on: always-on price in USD per vCPU-second.
        p_gib_on: always-on price in USD per GiB-second.

    Returns:
        time to answer in ms, cold and warm (bar plot); monthly cost in USD against log10 requests (line plot);
        the function's first answer (JSON); the result in a sentence (English and Chinese);
        metrics: cold_ms, warm_ms, monthly_cost_on_demand, monthly_cost_always_on (USD).
    """
    result = serverless.serverless_demo(model, requests_per_month, memory_gib, vcpu, warm_calls,
                                        p_vcpu, p_gib, p_req, p_vcpu_on, p_gib_on)
    return result.latency, result.costs, result.response, summary(result.metrics), result.metrics


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Radio(list(serverless.MODELS), value="classifier", label=t("model"))
            rate = gr.Number(value=1_000_000, minimum=0, label=t("rate"))
            memory = gr.Slider(0.25, 4, value=0.5, step=0.25, label=t("memory"))
            vcpu = gr.Slider(0.5, 4, value=1.0, step=0.5, label=t("vcpu"))
            warm = gr.Slider(3, 100, value=20, step=1, label=t("warm"))
            with gr.Accordion(t("prices"), open=False):
                prices = [gr.Number(value=P["on_demand_vcpu_s"], label=t("p_vcpu")),
                          gr.Number(value=P["on_demand_gib_s"], label=t("p_gib")),
                          gr.Number(value=P["per_million_requests"], label=t("p_req")),
                          gr.Number(value=P["always_on_vcpu_s"], label=t("p_vcpu_on")),
                          gr.Number(value=P["always_on_gib_s"], label=t("p_gib_on"))]
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                latency = gr.BarPlot(x="phase", y="ms", label=t("latency"), height=280,
                                     sort=["ready", "cold (first answer)", "warm p50", "warm p95"])
                costs = gr.LinePlot(x="log10_requests_per_month", y="usd", color="plan", label=t("costs"), height=280)
            note = result_note()
            response = gr.JSON(label=t("response"), render=False)
            metrics = metrics_json(response)
    inputs = [model, rate, memory, vcpu, warm, *prices]
    outputs = [latency, costs, response, note, metrics]
    examples(EXAMPLES, inputs[:5], outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="serverless_demo", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(serverless_function.predict, serverless.measure, serverless.on_demand_cost,
                   serverless.always_on_cost, serverless.break_even)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
