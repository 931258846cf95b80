"""The REST tab's backend: the service started as a real process, one call, a short load test."""

import pytest

from showcase.core.errors import InputError
from showcase.deploy import autoscaling, rest_api

pytestmark = pytest.mark.slow


def test_demo_calls_the_service_and_load_tests_it_at_1_4_8_clients():
    result = rest_api.rest_api_demo("classifier", workers=2, requests=16)
    assert result.metrics["status"] == 200 and result.response["predictions"][0]["label"] == "Ankle boot"
    assert list(result.table["clients"]) == [1, 4, 8] and (result.table["ok"] == 16).all()
    assert result.metrics["requests"] == 48 and result.metrics["errors"] == 0
    assert (result.table["requests"] == 16).all(), "each level sends exactly its requests, no more"
    at8 = result.table.iloc[-1]
    assert (result.metrics["p50_ms"], result.metrics["p95_ms"], result.metrics["throughput_rps"]) == \
        (at8["p50_ms"], at8["p95_ms"], at8["throughput_rps"])
    assert result.metrics["scaling_target_per_instance_per_min"] == \
        autoscaling.target_from_throughput(float(result.table["throughput_rps"].max()))
    assert set(result.chart["series"]) == {"p50", "p95"} and len(result.chart) == 6
    assert "--data-binary" in result.request and result.metrics["source"] == "bundled"
    again = rest_api.rest_api_demo("classifier", workers=2, requests=16)
    assert again.metrics["url"] == result.metrics["url"], "the running service is reused"


def test_bad_inputs():
    with pytest.raises(InputError, match="model must be one of"):
        rest_api.rest_api_demo("llm")
    with pytest.raises(InputError, match="Workers"):
        rest_api.rest_api_demo("classifier", workers=9)



def test_load_test_works_when_the_caller_is_inside_an_event_loop():
    """CI once ran this after a test that left a loop running in the main thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    url = rest_api.rest_api_demo("classifier", workers=2, requests=16).metrics["url"].removesuffix("/invocations")
    body, content_type, _ = rest_api.sample_request("classifier")

    async def from_inside_a_loop():
        return rest_api.load_test(url, body, content_type, (1, 2), 4)

    # a thread of its own: in the full run Playwright's loop already runs in this one
    with ThreadPoolExecutor(1) as pool:
        table = pool.submit(asyncio.run, from_inside_a_loop()).result()
    assert list(table["clients"]) == [1, 2] and (table["ok"] == 4).all()
