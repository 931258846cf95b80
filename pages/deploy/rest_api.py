"""Tab: a SageMaker-style REST service, started here and load-tested. Run alone: ``python -m pages.deploy.rest_api``."""

from __future__ import annotations

import gradio as gr

from pages.common import code_accordion, guard, header, launch_kwargs, lazy_demo, metrics_json, standalone, strings, tc
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
    "table": ("Load test", "压力测试"),
    "request": ("The request", "请求"),
    "response": ("The response", "响应"),
    "policy": ("Auto-scaling requests (dry run, checked against botocore's model, not sent)",
               "自动扩缩容请求(仅演示,已按 botocore 模型校验,未发送)"),
})

EXAMPLES = [["classifier", 2, 120], ["detector", 2, 80], ["classifier", 1, 120]]

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"rest_api_demo": EXAMPLES[0]}


@guard
def run(model="classifier", workers=2, requests=120, progress=gr.Progress()):
    progress(0.1, desc="serve → /ping → /invocations → load test")
    result = rest_api.rest_api_demo(model, workers, requests)
    throughput = result.table.assign(clients=result.table["clients"].astype(str))
    return result.chart, throughput, result.table, result.request, result.response, result.policy, result.metrics


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
            table = gr.Dataframe(label=t("table"), interactive=False)
    with gr.Row():
        request = gr.Code(label=t("request"), language="shell", interactive=False)
        response = gr.JSON(label=t("response"))
    policy = gr.JSON(label=t("policy"))
    metrics = metrics_json()
    inputs = [model, workers, requests]
    outputs = [chart, throughput, table, request, response, policy, metrics]
    gr.Examples(EXAMPLES, inputs, outputs, fn=run, cache_examples=True, cache_mode="lazy")
    button.click(run, inputs, outputs, api_name="rest_api_demo", concurrency_id="deploy", concurrency_limit=1)
    code_accordion(rest_service.create_app, inference.decode_payload, rest_api.rest_api_demo,
                   autoscaling.scaling_requests)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
