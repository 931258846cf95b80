"""Every tab as a Model Context Protocol tool (issue #31): the app launched as ``launch_kwargs()``
launches it, its tools listed through ``/gradio_api/mcp/`` with the ``mcp`` client library, two quick
tools called and their metrics compared with the same call through ``gradio_client``.

    python -m pytest tests/app/test_mcp.py
"""

import ast
import importlib
import re

import pytest


from app import available_topics
from showcase.core.settings import settings
from tests.loops import run_apart

pytestmark = pytest.mark.slow

# Endpoints that train or record a person's rating: public through gradio_client, never an agent's tool.
NOT_TOOLS = {"dcgan_train", "ddp_train", "finetune_bert", "distill", "dp_federated", "mos_next", "mos_rate"}


def mcp_session(url: str, work):
    """Run ``await work(session)`` in an initialised MCP client session on the app at ``url``."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def go():
        async with streamable_http_client(f"{url.rstrip('/')}/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)

    return run_apart(go())


def api_names() -> set[str]:
    names = set()
    for topic in available_topics():
        page = importlib.import_module(f"pages.{topic.area}.{topic.name}")
        names |= set(page.API)
    return names


@pytest.fixture(scope="module")
def tools(app_url):
    async def listed(session):
        return (await session.list_tools()).tools

    return {tool.name: tool for tool in mcp_session(app_url, listed)}


def test_the_mcp_server_is_on_by_default_and_showcase_mcp_0_turns_it_off(monkeypatch):
    from pages.launch import launch_kwargs

    monkeypatch.delenv("SHOWCASE_MCP", raising=False)
    assert settings().mcp and launch_kwargs()["mcp_server"] is True
    for off in ("0", "off", "false"):
        monkeypatch.setenv("SHOWCASE_MCP", off)
        assert launch_kwargs()["mcp_server"] is False


def test_every_public_endpoint_is_a_tool_named_after_its_api_name_and_training_is_not(tools, client):
    import app

    public = {fn.api_name for fn in app.demo.fns.values() if fn.api_visibility == "public" and fn.api_name}
    assert set(tools) == public - NOT_TOOLS
    assert api_names() - NOT_TOOLS <= set(tools)
    assert not NOT_TOOLS & set(tools)
    endpoints = {name.lstrip("/") for name in client.view_api(return_format="dict", print_info=False)["named_endpoints"]}
    assert NOT_TOOLS <= endpoints, "a training endpoint left the API: gradio_client must still call it"


def test_every_tool_says_what_it_computes_and_what_each_parameter_means(tools):
    for name, tool in tools.items():
        assert len(tool.description) > 60 and "Returns:" in tool.description, name
        for parameter, schema in tool.inputSchema["properties"].items():
            assert len(schema.get("description", "")) > 10, f"{name}: parameter {parameter} is not described"


def test_every_parameter_states_its_range_and_a_few_choices_by_name():
    """What an agent cannot guess: a slider's range, and each of three or fewer choices (more may be
    described as a set, e.g. "one of the table's 30 features"). The tools' descriptions are these docstrings."""
    import inspect

    import gradio as gr

    import app

    def shown(value, text):
        return any(f in text for f in {str(value), f"{value:g}", f"{value:,}"})

    unsaid = []
    for fn in app.demo.fns.values():
        if not fn.api_name or fn.api_visibility != "public":
            continue
        handler = inspect.unwrap(fn.fn)
        args = (inspect.getdoc(handler) or "").partition("Args:")[2].partition("Returns:")[0]
        said = dict(re.findall(r"^ {0,4}(\w+): (.*(?:\n {6,}.*)*)", args, re.M))
        for name, component in zip(inspect.signature(handler).parameters, fn.inputs):
            text = said.get(name, "")
            if isinstance(component, gr.Slider) and not (shown(component.minimum, text) and shown(component.maximum, text)):
                unsaid.append(f"{fn.api_name}.{name}: range {component.minimum}-{component.maximum}")
            choices = [c[1] if isinstance(c, tuple) else c for c in getattr(component, "choices", None) or []]
            if 0 < len(choices) <= 3 and not all(f'"{c}"' in text or str(c) in text for c in choices):
                unsaid.append(f"{fn.api_name}.{name}: choices {choices}")
    assert not unsaid, unsaid


def metrics_of(result) -> dict:
    """The last output (the metrics dict) of an MCP tool's answer. Gradio 6.31 answers a queued
    endpoint with one text, ``str()`` of the list of all its outputs (``_execute_tool_without_progress``
    wraps the job's whole result as one output), so the metrics are that list's last item."""
    assert not result.isError, result.content
    value = ast.literal_eval(result.content[-1].text)
    return value[-1] if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("api_name, arguments", [
    ("fit_distribution", {"family": "poisson", "data": "", "n": 300, "mean": 4.0, "std": 1.0, "seed": 3}),
    ("gradient_descent", {"dataset": "roadmap", "method": "sgd", "lr": 0.02, "epochs": 300, "batch_size": 2}),
])
def test_a_tool_answers_as_the_api_does(app_url, client, tools, api_name, arguments):
    assert api_name in tools

    async def called(session):
        return await session.call_tool(api_name, arguments)

    by_mcp = metrics_of(mcp_session(app_url, called))
    by_api = client.predict(*arguments.values(), api_name=f"/{api_name}")[-1]
    assert by_mcp.keys() == by_api.keys()
    for key, value in by_api.items():
        if key.endswith(("_ms", "_s", "seconds")):   # timings differ from call to call
            continue
        assert by_mcp[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), key
