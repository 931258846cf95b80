"""Every page's ``API`` calls, through ``gradio_client`` against the launched app."""

import importlib
from pathlib import Path

import pytest

from app import available_topics

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


def test_every_topic_has_its_contract_api(client):
    """TOPICS.md's api_name for each built topic is an endpoint of the app."""
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for topic in available_topics():
        assert f"/{topic.api}" in endpoints, topic.module
