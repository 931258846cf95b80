"""Every page's ``API`` calls, through ``gradio_client`` against the launched app."""

import importlib
from pathlib import Path

import pytest

from app import available_topics
from benchmarks.server import served_by
from showcase.core.topics import METRICS, missing_metrics

pytestmark = pytest.mark.slow


# Live training runs whose good call, with the same contract check, is made by their own app test
# after its bad calls: a second run here would cost the time of a whole run again.
OWN_TEST = {"distill": "test_optimize_distillation.py (the defaults: the first example; ~10-30 s)",
            "dp_federated": "test_trust_dp_federated.py (a Flower + Ray start: ~35 s a run)",
            "ddp_train": "test_frameworks_ddp.py (torchrun's processes: ~10-20 s a run)"}


def _calls(everything: bool = False):
    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        for api_name, args in page.API.items():
            if everything or api_name not in OWN_TEST:
                yield pytest.param(api_name, args, id=api_name)


def as_client_args(args):
    from gradio_client import handle_file

    return [handle_file(a) if isinstance(a, str) and "\n" not in a and len(a) < 1024 and Path(a).is_file() else a for a in args]


# Tabs whose result involves no model (maths on the input, a closed-form fit, signal processing):
# nothing to name. Measured 2026-12-01: the other tabs name theirs (the UI says which model served).
NO_MODEL = {"math.svd", "math.pca", "math.distributions", "math.gradient_descent", "speech.features"}
MAIN_CALLS = {topic.api: topic.module for topic in available_topics()}


def keeps_its_contract(api_name: str, metrics) -> None:
    """The metrics of a good call: the keys of its contract, and which model served."""
    assert isinstance(metrics, dict) and metrics, f"{api_name} returned no metrics"
    assert not missing_metrics(api_name, metrics), f"{api_name} lacks its contract's metrics {missing_metrics(api_name, metrics)}"
    if MAIN_CALLS.get(api_name, "math.svd") not in NO_MODEL:
        assert served_by(metrics), f"{MAIN_CALLS[api_name]}: its metrics do not say which model served"


@pytest.mark.parametrize("api_name, args", list(_calls()))
def test_good_call_returns_metrics(client, api_name, args):
    result = client.predict(*as_client_args(args), api_name=f"/{api_name}")
    keeps_its_contract(api_name, (result if isinstance(result, tuple) else (result,))[-1])


def test_the_live_runs_left_out_above_are_checked_by_their_own_test():
    for api_name, where in OWN_TEST.items():
        source = (Path(__file__).parent / where.split(" ")[0]).read_text()
        assert f'keeps_its_contract("{api_name}"' in source, f"{where.split(' ')[0]} does not check /{api_name}'s contract"


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
    for api_name, args in (call.values for call in _calls(everything=True)):
        if api_name in NOT_THE_FIRST_EXAMPLE:
            continue
        params = endpoints[f"/{api_name}"]["parameters"]
        defaults = [p["parameter_default"] for p in params]
        wrong = [(p["parameter_name"], d, a) for p, d, a in zip(params, defaults, args) if not same_value(d, a)]
        assert len(defaults) == len(args) and not wrong, f"/{api_name}: default ≠ first example: {wrong}"


@pytest.mark.parametrize("api_name, timing", [("svd_compress", {"svd_seconds"}), ("fit_distribution", set()),
                                              ("decision_boundaries", set()), ("detect", {"latency_ms"})])
def test_a_call_with_no_arguments_reproduces_the_first_example(client, api_name, timing):
    args = dict((call.values for call in _calls(everything=True)))[api_name]
    given = client.predict(*as_client_args(args), api_name=f"/{api_name}")[-1]
    bare = client.predict(api_name=f"/{api_name}")[-1]
    assert {k: v for k, v in bare.items() if k not in timing} == {k: v for k, v in given.items() if k not in timing}
