"""Gradio's internals are used in two modules, ``pages/gradio_fixes.py`` and ``pages/gradio_sessions.py``,
and nowhere else.

    python -m pytest tests/unit/test_gradio_private.py -q

An internal is a module of gradio or gradio_client that their docs do not present (``gradio.context``,
``gradio.processing_utils``, ``gradio_client.utils``…), a name that starts with ``_`` read off
anything (``ex._get_processed_example``, ``"_mcp_type"``), or one of the few internals without the
underscore (``is_template``, ``process_api``). Read with ``ast`` over app.py, pages/, showcase/ and
benchmarks/; tests may reach into Gradio to test the fixes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOORS = {ROOT / "pages" / "gradio_fixes.py", ROOT / "pages" / "gradio_sessions.py"}
# what the docs present: ``gr.*``, its themes and components, the client, its exceptions, and the
# job status enum that gradio_client's docs import from gradio_client.utils
PUBLIC_MODULES = {"gradio", "gradio.themes", "gradio.components", "gradio_client", "gradio_client.exceptions"}
PUBLIC_FROM = {("gradio_client.utils", "Status")}
UNPREFIXED = {"is_template", "process_api", "set_event_trigger", "default_config", "temp_file_sets"}
# private names of Python itself, not Gradio's
PYTHON_OWN = {"_getframe", "_exit", "_asdict", "_replace", "_fields", "_make", "_current_frames"}


def uses(path: Path) -> list[str]:
    """The internal Gradio names ``path`` uses, as "line: what"."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    gradio_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in ("gradio", "gradio_client"):
                    gradio_aliases.add(a.asname or a.name.split(".")[0])
                    if a.name not in PUBLIC_MODULES:
                        found.append(f"{node.lineno}: import {a.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("gradio", "gradio_client"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if a.name.startswith("_") or (node.module not in PUBLIC_MODULES and (node.module, a.name) not in PUBLIC_FROM):
                    found.append(f"{node.lineno}: from {node.module} import {a.name}")
                elif node.module in ("gradio", "gradio_client") and a.name in _PRIVATE_SUBMODULES:
                    found.append(f"{node.lineno}: {full}")
    if not gradio_aliases and not found:
        return found   # a module that does not import Gradio has no Gradio object to reach into
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
            base_is_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if (name.startswith("_") and not name.startswith("__") and name not in PYTHON_OWN and not base_is_self) \
                    or name in UNPREFIXED:
                found.append(f"{node.lineno}: .{name}")
            if isinstance(node.value, ast.Name) and node.value.id in gradio_aliases and name in _PRIVATE_SUBMODULES:
                found.append(f"{node.lineno}: {node.value.id}.{name}")
        elif isinstance(node, ast.Name) and node.id in UNPREFIXED:
            found.append(f"{node.lineno}: {node.id}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and str(node.args[1].value).startswith("_")
              and not str(node.args[1].value).startswith("__")):
            found.append(f"{node.lineno}: {node.args[1].value!r}")
    return found


# gradio's and gradio_client's modules that are internals when reached as an attribute (gr.utils)
_PRIVATE_SUBMODULES = {"utils", "context", "processing_utils", "route_utils", "networking", "blocks", "queueing",
                       "helpers", "data_classes", "server_messages", "events", "routes", "flagging", "wasm_utils"}


def project_modules() -> list[Path]:
    paths = [ROOT / "app.py"]
    for top in ("pages", "showcase", "benchmarks"):
        paths += sorted((ROOT / top).rglob("*.py"))
    return [p for p in paths if p not in DOORS]


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_but_gradio_fixes_uses_gradio_internals(path):
    assert not uses(path), f"{path.relative_to(ROOT)}: move these behind pages/gradio_fixes.py or pages/gradio_sessions.py: {uses(path)}"


def test_the_check_sees_each_kind_of_internal(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text(
        "import gradio as gr\nfrom gradio.context import get_blocks_context\nfrom gradio_client import utils\n"
        "from gradio_client.utils import Status\n"
        "class C(gr.Image):\n    is_template = True\n"
        "def f(ex, fn):\n    ex._get_processed_example(0)\n    getattr(fn, '_mcp_type', None)\n    gr.processing_utils\n"
        "    self_ok = gr.Blocks()\n")
    assert sorted(u.split(": ", 1)[1] for u in uses(sample)) == sorted([
        "from gradio.context import get_blocks_context", "gradio_client.utils", "is_template",
        "._get_processed_example", "'_mcp_type'", "gr.processing_utils"])
