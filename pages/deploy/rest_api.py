"""Tab: a SageMaker-style REST service, started here and load-tested. Run alone: ``python -m pages.deploy.rest_api``."""

from __future__ import annotations

import gradio as gr

from pages.guard import guard
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import md_table, say, strings, tc
from showcase.deploy import autoscaling, inference, rest_api, rest_service

t = strings("rest_api", {
    "title": ("## A REST inference service with SageMaker's container contract",
              "## 遵循 SageMaker 容器约定的 REST 推理服务"),
    "body": (
        "SageMaker starts a custom container with `serve` and talks to it on port 8080: `GET /ping` must answer 200 "
        "once the model is loaded, `POST /invocations` gets the request body and returns the prediction. Here that "
        "contract is served by FastAPI on gunicorn with uvicorn workers; **Run** starts it as a real process on this "
        "machine (the model from `/opt/ml/model` when present, else the bundled one), sends one request, then a short "
        "load test: 1, 4 and 8 clients, each sending its next request as soon as the last one is answered. "
        "Throughput rises until the workers are busy, then latency rises instead; that throughput sets the "
        "auto-scaling target below. Bad payloads get a clear 4xx (400, 406, 413, 415, 422), never a 5xx.",
        "SageMaker 用 `serve` 启动自定义容器,并通过 8080 端口与之通信:模型加载完成后 `GET /ping` 必须返回 200,"
        "`POST /invocations` 接收请求体并返回预测。这里用 FastAPI(gunicorn + uvicorn 工作进程)实现这一约定;"
        "点击 **运行** 会在本机以真实进程启动服务(有 `/opt/ml/model` 就从那里读模型,否则用内置模型),发送一个请求,"
        "再做一次简短的压力测试:1、4、8 个客户端,每个收到回复后立即发下一个请求。吞吐量先随并发上升,工作进程占满后"
        "上升的就变成延迟;这个吞吐量决定了下面的自动扩缩容目标。错误的请求得到明确的 4xx(400、406、413、415、422),"
        "绝不是 5xx。",
    ),
    "reference": (
        "**Compare:** the project's target is p95 ≤ 150 ms at 8 concurrent clients for the classifier on this 2-core "
        "machine. SageMaker caps a real-time request at 6 MB and 60 s; AWS's `sagemaker-inference` toolkit serves the "
        "same contract with Multi Model Server (Java).",
        "**对照:** 本项目的目标是在这台 2 核机器上,分类器在 8 个并发客户端下 p95 ≤ 150 毫秒。SageMaker 实时请求上限为 6 MB、"
        "60 秒;AWS 的 `sagemaker-inference` 工具包用 Multi Model Server(Java)实现同样的约定。",
    ),
    "model": ("Model served", "提供服务的模型"),
    "workers": ("Worker processes", "工作进程数"),
    "requests": ("Requests per concurrency level", "每个并发级别的请求数"),
    "chart": ("Latency (ms) against concurrent clients", "延迟(毫秒)随并发客户端数的变化"),
    "throughput": ("Throughput (requests/s) against concurrent clients", "吞吐量(请求/秒)随并发客户端数的变化"),
    "table": ("Load test, every level", "压力测试,每个并发级别"),
    "request": ("The request", "请求"),
    "response": ("The response", "响应"),
    "policy": ("Auto-scaling requests (dry run, checked against botocore's model, not sent)",
               "自动扩缩容请求(仅演示,已按 botocore 模型校验,未发送)"),
    "examples_note": (
        "First the classifier on two workers: throughput rises with the clients until both workers are busy, then latency rises instead. "
        "The detector is a heavier model, so every level is slower and the target does not apply. "
        "With one worker the requests queue: throughput stays flat while latency grows with the clients.",
        "第一个示例是两个工作进程上的分类器:吞吐量随客户端数上升,直到两个工作进程都占满,之后上升的是延迟。"
        "检测器是更重的模型,每个并发级别都更慢,延迟目标不适用于它。只有一个工作进程时请求会排队:吞吐量基本不变,延迟随客户端数增长。",
    ),
})

EXAMPLES = [["classifier", 2, 120], ["detector", 2, 80], ["classifier", 1, 120]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"rest_api_demo": EXAMPLES[0]}

# The tab opens without running (pages/fill.py): its first example starts a gunicorn server (2 workers) and load-tests
# it with 120 requests, which would take the CPU from everyone else because a learner looked at the tab.
FILL_ON_OPEN = False


def summary(m: dict, table) -> str:
    rows = [[int(r.clients), f"{r.p50_ms:.0f}", f"{r.p95_ms:.0f}", f"{r.throughput_rps:.0f}"] for r in table.itertuples()]
    target = m["target_p95_ms_at_8"]
    met_en = met_zh = ""
    if target is not None:
        ok = m["p95_ms"] <= target
        met_en = f" The target is p95 ≤ {target:.0f} ms: **{'met' if ok else 'missed'}**."
        met_zh = f"目标是 p95 ≤ {target:.0f} 毫秒:**{'达到' if ok else '未达到'}**。"
    en = (f"At 8 clients the service answers in **{m['p95_ms']:.0f} ms** (p95; p50 {m['p50_ms']:.0f} ms) at "
          f"**{m['throughput_rps']:.0f} requests/s**, with {m['errors']} errors in {m['requests']} requests.{met_en} "
          f"Auto-scaling target: {m['scaling_target_per_instance_per_min']} requests per instance per minute.\n\n"
          + md_table(rows, ["Clients", "p50 (ms)", "p95 (ms)", "Requests/s"]))
    zh = (f"8 个并发客户端时,服务在 **{m['p95_ms']:.0f} 毫秒**内应答(p95;p50 为 {m['p50_ms']:.0f} 毫秒),吞吐量 "
          f"**{m['throughput_rps']:.0f} 请求/秒**,{m['requests']} 个请求中有 {m['errors']} 个出错。{met_zh}"
          f"自动扩缩容目标:每个实例每分钟 {m['scaling_target_per_instance_per_min']} 个请求。\n\n"
          + md_table(rows, ["客户端数", "p50(毫秒)", "p95(毫秒)", "请求/秒"]))
    return say(en, zh)


@guard
def run(model="classifier", workers=2, requests=120, progress=gr.Progress()):
    """Serve a model as a SageMaker-style REST service (FastAPI on gunicorn), send one request, then load-test it at
    rising concurrency.

    Args:
        model: "classifier" (MNIST CNN) or "detector" (the shapes YOLO11n).
        workers: gunicorn worker processes, an integer from 1 to 4.
        requests: requests per concurrency level, an integer from 16 to 400 in steps of 8.

    Returns:
        latency in ms and throughput in requests/s against concurrent clients (two plots); the request (code);
        the load test at every level (table); the service's response (JSON); the auto-scaling requests, validated, not sent (JSON);
        the result in a sentence (English and Chinese); metrics: status, latency_ms, p95_ms, requests.
    """
    progress(0.1, desc="serve → /ping → /invocations → load test")
    result = rest_api.rest_api_demo(model, workers, requests)
    throughput = result.table.assign(clients=result.table["clients"].astype(str))
    return (result.chart, throughput, result.request, result.table, result.response, result.policy,
            summary(result.metrics, result.table), result.metrics)


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Radio(list(rest_api.MODELS), value="classifier", label=t("model"))
            workers = gr.Slider(1, 4, value=2, step=1, label=t("workers"))
            requests = gr.Slider(16, 400, value=120, step=8, label=t("requests"))
            button = gr.Button(tc("run"), variant="primary")
        with gr.Column(scale=2):
            with gr.Row():
                chart = gr.LinePlot(x="clients", y="latency_ms", color="series", label=t("chart"), height=260)
                throughput = gr.BarPlot(x="clients", y="throughput_rps", label=t("throughput"), height=260)
            note = result_note()
            request = gr.Code(label=t("request"), language="shell", interactive=False)
            # the raw table, the model's answer and the scaling calls: the result above gives their gist
            table = gr.Dataframe(label=t("table"), interactive=False, render=False)
            response = gr.JSON(label=t("response"), render=False)
            policy = gr.JSON(label=t("policy"), render=False)
            metrics = metrics_json(table, response, policy)
    inputs = [model, workers, requests]
    outputs = [chart, throughput, request, table, response, policy, note, metrics]
    examples(EXAMPLES, inputs, outputs, run, t("examples_note"))
    button.click(run, inputs, outputs, api_name="rest_api_demo", concurrency_id="cpu_training", concurrency_limit=1)
    code_accordion(rest_service.create_app, inference.decode_payload, rest_api.rest_api_demo,
                   autoscaling.scaling_requests)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
