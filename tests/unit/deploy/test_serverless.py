"""The Cloud Functions entry point as a real functions-framework process on loopback, and the
cost model checked by hand."""

import io
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from showcase.core import children, datasets, zoo
from showcase.core.errors import InputError
from showcase.core.settings import ROOT
from showcase.deploy import serverless
from showcase.deploy.rest_api import free_port


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def function_url():
    port = free_port()
    process = children.Child(      # ends with the test run, even a killed one
        [str(serverless._script("functions-framework")), "--source", serverless.SOURCE, "--target", "predict",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), SHOWCASE_SERVE_MODEL="classifier"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            assert process.poll() is None, "functions-framework exited"
            time.sleep(0.1)
    yield url
    children.stop(process, grace=10)


def post(url, body, content_type="image/png"):
    return httpx.post(url, content=body, headers={"Content-Type": content_type}, timeout=60)


@pytest.mark.slow
def test_the_model_loads_lazily_on_the_first_call_then_stays(function_url):
    assert httpx.get(function_url).json()["loaded"] is False, "GET must not load the model"
    data = datasets.load_fashion_mnist()
    first = post(function_url, png(data.x_test[0])).json()
    assert first["cold"] is True and first["model_load_ms"] > 0
    second = post(function_url, png(data.x_test[1])).json()
    assert second["cold"] is False and second["pid"] == first["pid"]
    expected = zoo.logits_of(zoo.load_model("student"), data.x_test[:2]).argmax(1).tolist()
    assert [first["predictions"][0]["class_id"], second["predictions"][0]["class_id"]] == expected


@pytest.mark.slow
@pytest.mark.parametrize("body, content_type, status, words", [
    (b"", "image/png", 400, "empty"),
    (b"GIF89a" + b"\0" * 40, "image/gif", 415, "not supported"),
    (b"\xff\xd8\xff" + b"corrupt" * 30, "image/jpeg", 400, "Could not read"),
    (b'{"instances": "x"}', "application/json", 422, "instances"),
    (b"\0" * 7_000_000, "image/png", 413, "limit"),
])
def test_bad_payloads_get_a_clear_4xx(function_url, body, content_type, status, words):
    answer = post(function_url, body, content_type)
    assert answer.status_code == status and words in answer.json()["error"]


@pytest.mark.slow
def test_chunked_oversized_and_wrong_method_then_concurrent_calls(function_url):
    answer = httpx.post(function_url, content=(b"\0" * 1_000_000 for _ in range(7)),
                        headers={"Content-Type": "image/png"}, timeout=60)
    assert answer.status_code == 413
    assert httpx.put(function_url, content=b"x").status_code == 405
    images = datasets.load_fashion_mnist().x_test[:16]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda x: post(function_url, png(x)), images))
    assert [a.status_code for a in answers] == [200] * 16


def test_cost_model_by_hand():
    # 17.344 M requests of 25 ms (billed 100 ms), 1 vCPU, 0.5 GiB, free tier applied:
    # on demand: 1,734,400 vCPU-s − 180,000 free at $0.000024 + 867,200 GiB-s − 360,000 at $0.0000025
    #            + 15.344 M requests at $0.40 a million
    on_demand = (1_734_400 - 180_000) * 0.000024 + (867_200 - 360_000) * 0.0000025 + 15.344 * 0.40
    assert serverless.on_demand_cost(17_344_000, 25, 1, 0.5) == pytest.approx(on_demand)
    # always on: one instance all month (730 h), 2,628,000 vCPU-s − 240,000 and 1,314,000 GiB-s − 450,000
    always = (2_628_000 - 240_000) * 0.000018 + (1_314_000 - 450_000) * 0.000002
    assert serverless.always_on_cost(1_000, 25, 1, 0.5) == pytest.approx(always) == pytest.approx(44.71, abs=0.01)
    assert serverless.on_demand_cost(1_000_000, 25, 1, 0.5) == 0.0       # inside the free tier
    # 101 ms is billed as 200 ms
    assert serverless.on_demand_cost(1e7, 101, 1, 0, free_tier=False) == pytest.approx(1e7 * 0.2 * 0.000024 + 4.0)
    # a second instance when one is busy the whole month
    assert serverless.always_on_cost(2 * 2_628_000 * 10, 100, 1, 0.5, free_tier=False) == pytest.approx(
        2 * 2_628_000 * (0.000018 + 0.5 * 0.000002))


def test_break_even_is_where_the_costs_meet():
    even = serverless.break_even(25, 1, 0.5)
    assert 1e7 < even < 3e7
    assert serverless.on_demand_cost(even, 25, 1, 0.5) == pytest.approx(serverless.always_on_cost(even, 25, 1, 0.5), rel=0.01)
    assert serverless.break_even(250, 1, 0.5) < even / 2                   # slower requests: always-on pays sooner
    assert serverless.break_even(25, 1, 0.5, dict(serverless.PRICES, always_on_vcpu_s=1.0)) is None


@pytest.mark.slow
def test_demo_measures_cold_and_warm_and_costs_the_month():
    result = serverless.serverless_demo("classifier", 3_000_000, warm_calls=5)
    m = result.metrics
    assert m["status"] == 200 and m["cold_ms"] > m["ready_ms"] > 0 and m["cold_ms"] > m["warm_ms"] > 0
    assert m["monthly_cost_always_on"] == pytest.approx(44.71, abs=0.01)
    assert m["monthly_cost_on_demand"] == pytest.approx(
        float(serverless.on_demand_cost(3_000_000, m["warm_ms"], 1, 0.5)), abs=0.01)
    assert set(result.costs["plan"]) == {"on demand", "always on"} and list(result.latency["ms"])[1] == m["cold_ms"]
    assert "2026-12-01" in m["price_source"]


def test_bad_inputs():
    with pytest.raises(InputError, match="model must be one of"):
        serverless.serverless_demo("gpt")
    with pytest.raises(InputError, match="Memory"):
        serverless.serverless_demo("classifier", 1e6, memory_gib=0)
    with pytest.raises(InputError, match="Requests per month"):
        serverless.serverless_demo("classifier", -5)


@pytest.mark.parametrize("accept, status", [("text/csv", 406), ("image/png, text/plain", 406)])
def test_the_function_answers_406_to_an_accept_without_json_as_the_rest_service_does(accept, status):
    # issue #25: the function ignored Accept where the REST service answered 406; called in Flask's
    # request context (as functions-framework calls it), refused before the model would load
    import flask

    from showcase.deploy import serverless_function

    app = flask.Flask("test")
    with app.test_request_context("/", method="POST", data=b"\x89PNG", headers={"Accept": accept,
                                                                               "Content-Type": "image/png"}):
        body, code, headers = serverless_function.predict(flask.request)
    assert code == status and "application/json only" in json.loads(body)["error"]
    assert headers["Content-Type"] == "application/json" and serverless_function._served is None
