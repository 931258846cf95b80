"""The serverless tab through the API: the first example, bad inputs with clear errors, and recovery."""

import pytest

pytestmark = pytest.mark.slow


def test_serverless_demo_defaults(client):
    latency, costs, response, note, metrics = client.predict(api_name="/serverless_demo")
    assert metrics["status"] == 200 and response["cold"] is True
    assert f"{metrics['cold_ms']:.0f} ms" in note and "冷启动" in note
    assert metrics["cold_ms"] > metrics["warm_ms"] > 0
    assert metrics["monthly_cost_always_on"] == pytest.approx(44.71, abs=0.01)
    assert metrics["monthly_cost_on_demand"] == 0.0 and metrics["cheaper"] == "on demand"  # inside the free tier
    assert metrics["break_even_requests_per_month"] > 1_000_000 and "2026-12-01" in metrics["price_source"]


def test_serverless_bad_inputs_then_recovers(client, fails_clearly):
    fails_clearly("/serverless_demo", "bert", 1e6, 0.5, 1, 20, match="not in the list of choices")
    fails_clearly("/serverless_demo", "classifier", -1, 0.5, 1, 20, match="less than minimum")
    fails_clearly("/serverless_demo", "classifier", 1e6, 0.5, 1, 20.5, match="Warm calls must be a whole number")
    fails_clearly("/serverless_demo", "classifier", 1e6, 0.5, 1, 20, -1, match="Price on_demand_vcpu_s must be between")
    *_, metrics = client.predict("classifier", 5e7, 0.5, 1, 3, api_name="/serverless_demo")
    # which plan is cheaper depends on the warm time measured; that the month is costed at it does not
    from showcase.deploy import serverless

    costs = {plan: float(cost(5e7, metrics["warm_ms"], 1, 0.5))
             for plan, cost in (("on demand", serverless.on_demand_cost), ("always on", serverless.always_on_cost))}
    assert (metrics["monthly_cost_on_demand"], metrics["monthly_cost_always_on"]) == pytest.approx(
        (costs["on demand"], costs["always on"]), abs=0.005)
    assert metrics["cheaper"] == min(costs, key=costs.get) and metrics["requests_per_month"] == 5e7
