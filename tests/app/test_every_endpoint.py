"""Every page's ``API`` calls, through ``gradio_client`` against the launched app."""

import importlib
from pathlib import Path

import pytest

from app import available_topics
from showcase.core.topics import METRICS, missing_metrics

pytestmark = pytest.mark.slow


def _calls():
    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        for api_name, args in page.API.items():
            yield pytest.param(api_name, args, id=api_name)


def as_client_args(args):
    from gradio_client import handle_file

    return [handle_file(a) if isinstance(a, str) and "\n" not in a and len(a) < 1024 and Path(a).is_file() else a for a in args]


@pytest.mark.parametrize("api_name, args", list(_calls()))
def test_good_call_returns_metrics(client, api_name, args):
    result = client.predict(*as_client_args(args), api_name=f"/{api_name}")
    outputs = result if isinstance(result, tuple) else (result,)
    metrics = outputs[-1]
    assert isinstance(metrics, dict) and metrics, f"{api_name} returned no metrics"
    assert not missing_metrics(api_name, metrics), f"{api_name} lacks its contract's metrics {missing_metrics(api_name, metrics)}"


def test_every_topic_calls_its_contract_api_and_has_a_metrics_contract():
    """Each built tab's main api_name is among its page's API calls (so the test above checks it)
    and has its metrics keys written in showcase.core.topics.METRICS."""
    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        assert topic.api in page.API, f"{topic.module}: API lacks its main call {topic.api!r}"
        assert topic.api in METRICS and topic.metrics, topic.module


def test_every_topic_has_its_contract_api(client):
    """The api_name in showcase/core/topics.py of each built topic is an endpoint of the app."""
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for topic in available_topics():
        assert f"/{topic.api}" in endpoints, topic.module


# Endpoints whose API call (the page's ``API``) is not the tab's first example, and why.
NOT_THE_FIRST_EXAMPLE = {
    "dcgan_train": "no examples: the test trains 20 steps from the bundled weights, the tab 100 from scratch",
    "finetune_bert": "the test fine-tunes 20 steps; the tab's default is 100, about a minute on two free cores",
    "diffusion_compare": "the test runs the quick second example; the defaults are the first",
}


def same_value(default, arg) -> bool:
    if isinstance(default, dict) and "path" in default:           # a file: Gradio serves a copy of it
        return isinstance(arg, str) and Path(default["path"]).name == Path(arg).name
    if isinstance(arg, (list, tuple)):
        return list(default or []) == list(arg)
    return default == arg or (default in (None, "") and arg in (None, ""))


def test_every_endpoint_has_a_default_for_every_parameter_and_they_are_its_first_example(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name, endpoint in endpoints.items():
        missing = [p["parameter_name"] for p in endpoint["parameters"] if not p["parameter_has_default"]]
        assert not missing, f"{name} cannot be called without {missing}"
    for api_name, args in (call.values for call in _calls()):
        if api_name in NOT_THE_FIRST_EXAMPLE:
            continue
        params = endpoints[f"/{api_name}"]["parameters"]
        defaults = [p["parameter_default"] for p in params]
        wrong = [(p["parameter_name"], d, a) for p, d, a in zip(params, defaults, args) if not same_value(d, a)]
        assert len(defaults) == len(args) and not wrong, f"/{api_name}: default ≠ first example: {wrong}"


@pytest.mark.parametrize("api_name, timing", [("svd_compress", {"svd_seconds"}), ("fit_distribution", set()),
                                              ("decision_boundaries", set()), ("detect", {"latency_ms"})])
def test_a_call_with_no_arguments_reproduces_the_first_example(client, api_name, timing):
    args = dict((call.values for call in _calls()))[api_name]
    given = client.predict(*as_client_args(args), api_name=f"/{api_name}")[-1]
    bare = client.predict(api_name=f"/{api_name}")[-1]
    assert {k: v for k, v in bare.items() if k not in timing} == {k: v for k, v in given.items() if k not in timing}
