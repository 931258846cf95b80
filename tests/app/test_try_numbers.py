"""Every number a "Try this" step states is checked: each tab's steps are replayed in order as their
buttons do it (the tab opens on its first example; ``example = K`` loads row K, ``set`` then changes
inputs; a step with neither reads the result already shown), the tab's function runs on each new
state, and every ``check`` of the step (``pages/try_this.py``) must hold on the metrics it returns.

    python -m pytest tests/app/test_try_numbers.py -k math           # the quick tabs: make test
    python -m pytest tests/app/test_try_numbers.py -m training       # the tabs that train live: make test-all

A check on a metric that differs from run to run by design (``VARIES`` in test_scripts.py: a time
measured on this machine, or a cost billed from one) is refused: speed claims belong to the benchmarks.
"""

import json

import pytest

import app  # noqa: F401 - building the app registers every tab in links.TABS
from pages import links, try_this
from showcase.core.settings import ROOT
from tests.app.test_scripts import varies

FILES = {f"{p.parent.name}.{p.name.removesuffix('.try.toml')}": p for p in sorted(ROOT.glob("pages/*/*.try.toml"))}
CHECKED = [key for key, path in FILES.items() if any("check" in s for s in try_this.load(path))]


def replay(tab: links.TabInputs, steps: list[dict]):
    """(number, step, inputs) for each step: the values in the tab's inputs once the learner has
    followed it and every step before it, parsed as a step's button parses them."""
    values = tab.example_values(0)
    for number, step in enumerate(steps, 1):
        if "example" in step:
            values = tab.example_values(step["example"] - 1)
        values = {**values, **{name: links.parse_value(tab, name, links.as_text(v))
                               for name, v in step.get("set", {}).items()}}
        yield number, step, values


def metrics_of(tab: links.TabInputs, values: dict, seen: dict):
    """The metrics (the last output) of the tab's function on ``values``; each state runs once."""
    state = json.dumps(values, sort_keys=True, default=str)
    if state not in seen:
        outputs = tab.examples.fn(*values.values())
        if hasattr(outputs, "__next__"):   # a streaming tab: its last update holds the metrics
            *_, outputs = outputs
        seen[state] = outputs[-1] if isinstance(outputs, tuple) else outputs
    return seen[state]


def cases():
    for key in CHECKED:
        tab = links.TABS[key]
        yield pytest.param(key, id=key, marks=[] if tab.fills else [pytest.mark.training])


@pytest.mark.parametrize("key", cases())
def test_the_numbers_the_steps_state_are_what_the_tab_shows(key):
    tab, steps = links.TABS[key], try_this.load(FILES[key])
    seen, wrong = {}, []
    for number, step, values in replay(tab, steps):
        for check in step.get("check", []):
            assert not varies(key, check["metric"]), (
                f"{key} step {number}: {check['metric']} differs from run to run (a measured time, or derived from "
                f"one): a step's speed claim belongs to the benchmarks, not to a check")
            measured = try_this.metric(metrics_of(tab, values, seen), check["metric"])
            if why := try_this.failed(check, measured):
                wrong.append(f"step {number}: {why}")
    assert not wrong, f"{FILES[key].relative_to(ROOT)}:\n" + "\n".join(wrong)


def test_a_check_on_a_measured_time_is_refused():
    assert varies("math.svd", "svd_seconds") and varies("optimize.quantization", "ort_static.int8_ms")
    assert not varies("math.svd", "psnr_db") and not varies("deploy.serverless", "monthly_cost_always_on")
