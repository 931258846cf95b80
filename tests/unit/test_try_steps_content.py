"""Every topic page has its "Try this" steps beside it (``pages/<area>/<topic>.try.toml``), and they
are well formed: 3–5 steps, English and Chinese in each, the last one a question with its answer,
``set`` naming only parameters of the page's ``run()``, and ``example`` only rows that exist; a
``check`` (the number a step states, tests/app/test_try_numbers.py) is a list of tables."""

import importlib
import inspect
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_TOPICS = {"__init__", "common", "fill", "home", "gradio_fixes"}
PAGES = sorted(p for p in ROOT.glob("pages/*/*.py") if p.stem not in NOT_TOPICS)
KEYS = {"en", "zh", "set", "example", "answer_en", "answer_zh", "check"}


def test_every_topic_has_its_page_and_every_page_its_topic():
    from showcase.core.topics import all_topics

    assert {f"{p.parent.name}.{p.stem}" for p in PAGES} == {t.module for t in all_topics()}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_try_steps(page):
    path = page.with_suffix(".try.toml")
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Try this: "), "the first line names the tab for the teacher who edits it"
    steps = tomllib.loads(text)["step"]
    assert 3 <= len(steps) <= 5

    module = importlib.import_module(f"pages.{page.parent.name}.{page.stem}")
    run = getattr(module, "run", None)
    params = set(inspect.signature(run).parameters) if run is not None else set()
    for number, step in enumerate(steps, 1):
        assert set(step) <= KEYS, f"step {number}: unknown keys {set(step) - KEYS}"
        assert step["en"].strip() and step["zh"].strip(), f"step {number} needs both languages"
        assert set(step.get("set", {})) <= params, f"step {number} sets {set(step['set']) - params}, not run()'s"
        if "example" in step:
            assert 1 <= step["example"] <= len(module.EXAMPLES), f"step {number}: no example {step['example']}"
        if "check" in step:
            assert isinstance(step["check"], list) and all("metric" in c and "shown" in c for c in step["check"]), \
                f"step {number}: check = [{{ metric = ..., value = ..., tol = ..., shown = ... }}, ...]"
        if number < len(steps):
            assert "answer_en" not in step and "answer_zh" not in step, "only the last step is the question"
    assert steps[-1]["answer_en"].strip() and steps[-1]["answer_zh"].strip()
