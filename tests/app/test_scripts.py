"""'Run it yourself' (``pages/script.py``): the script of every tab's first example runs in another
Python than the test's (``SHOWCASE_OFFLINE=1``, from the project's folder: the quick tabs' scripts one
after another in one, each live tab's in a fresh one) and prints the metrics the tab shows,
that is, what the tab's function returns in-process for the same example. Its notebook holds the
same code and is a valid nbformat v4 notebook.

    python -m pytest tests/app/test_scripts.py -k math

The tabs that train or sample live (``FILL_ON_OPEN = False``: ddp, distillation, dp_federated,
rest_api, chat) are run too, but their metrics differ from run to run: their script must pass
exactly the first example's inputs and print metrics that keep the tab's contract. Chat's script
serves pydoc-gpt's /v1 itself, as no app is running.
"""

import ast
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import app  # noqa: F401 - building the app registers every tab in links.TABS
from pages import links, script
from showcase.core import children
from showcase.core.settings import ROOT

pytestmark = pytest.mark.slow   # builds the whole app, and runs every tab's first example twice

# Metrics that differ between two runs of the same example, by design, each tab's with the reason.
# Everything else must match (floats within 0.1%): the script computes what the tab computes.
TIMED = "a time measured on this machine: never the same twice"
THREADS = ("torch's thread count: the app and the script cap it before torch loads (pages/__init__.py); "
           "the test process loaded torch before")
VARIES = {
    "*": {"cached": "the backend's own cache answers a second call in one process, not in a fresh one"},
    "classic.ensembles": dict.fromkeys(("fit_seconds", "rf_fit_seconds", "xgb_fit_seconds"), TIMED),
    "deploy.edge": {"rows": "each row holds measured latencies, and its Pareto flag follows from them",
                    "front": "the Pareto front of measured latencies", "latency_ms": TIMED,
                    "fastest": "the configuration with the least measured latency: int8 and fp32 at 160 px are "
                               "within a millisecond of each other",
                    "torch_threads_default": THREADS},
    "deploy.serverless": {**dict.fromkeys(("cold_ms", "warm_ms", "warm_p95_ms", "ready_ms", "model_load_ms"), TIMED),
                          "cold_over_warm": "a ratio of two measured times",
                          "billed_ms_per_request": "billed from the measured warm time",
                          "monthly_cost_on_demand": "billed from the measured warm time"},
    "frameworks.graph_mode": {**dict.fromkeys(("eager_ms", "graph_ms", "eager_p90_ms", "graph_p90_ms", "speedup",
                                               "compile_s", "eager_times", "graph_times"), TIMED),
                              "compile_cached": "the compiled graph is kept per process", "threads": THREADS},
    "frameworks.onnx_export": {**dict.fromkeys(("export_s", "ort_ms", "torch_ms", "ort_ms_batch8", "torch_ms_batch8",
                                                "speedup", "speedup_batch8"), TIMED),
                               "export_cached": "the export is kept per process", "threads": THREADS},
    "language.bert_classifier": {"model_ms": TIMED},
    "language.caption_vqa": {"latency_ms": TIMED},
    "language.clip": {"latency_ms": TIMED},
    "math.svd": {"svd_seconds": TIMED},
    "optimize.pruning": dict.fromkeys(("seconds", "latency_ms", "dense_latency_ms", "channels_removed_latency_ms",
                                       "channels_removed_speedup", "zeroed_speedup"), TIMED),
    "optimize.quantization": dict.fromkeys(("seconds", "fp32_ms", "int8_ms", "latency_ms", "speedup", "quantize_s"),
                                           TIMED),
    "speech.asr": dict.fromkeys(("seconds", "real_time_factor"), TIMED),
    "speech.features": {"feature_ms": TIMED},
    "speech.tts": {**dict.fromkeys(("seconds", "real_time_factor", "listen_seconds"), TIMED),
                   "audio_seconds": "Piper's VITS draws fresh noise on every call: the length of the speech varies"},
    "trust.fgsm": {"attack_ms": TIMED},
    "trust.shap": dict.fromkeys(("kernel_seconds", "tree_interventional_seconds", "kernel_over_tree_time",
                                 "tree_shap_seconds_test_set"), TIMED),
    "vision.dcgan": dict.fromkeys(("seconds", "latency_ms"), TIMED),
    "vision.detection": dict.fromkeys(("latency_ms", "latency_p95_ms"), TIMED),
    "vision.diffusion": dict.fromkeys(("seconds", "seconds_per_step"), TIMED),
    "vision.segmentation": {"latency_ms": TIMED},
}


def varies(key: str, name: str) -> bool:
    """Whether metric ``name`` is listed for the tab, also as the end of a longer name: metrics are
    often flattened ("ort_static.int8_ms") or prefixed by engine ("whisper_real_time_factor")."""
    last = name.rsplit(".", 1)[-1]
    return any(last == listed or last.endswith(f"_{listed}") for listed in {**VARIES["*"], **VARIES.get(key, {})})


def compare(key: str, mine, theirs, path="") -> list[str]:
    """Where two metrics dicts differ beyond float rounding, leaving out what ``varies``."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        diffs = []
        for name in sorted(set(mine) | set(theirs)):
            if varies(key, name):
                continue
            if name not in mine or name not in theirs:
                diffs.append(f"{path}{name}: only in one")
                continue
            diffs += compare(key, mine[name], theirs[name], f"{path}{name}.")
        return diffs
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        return [d for a, b in zip(mine, theirs) for d in compare(key, a, b, path)]
    if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)) and not isinstance(mine, bool):
        return [] if math.isclose(mine, theirs, rel_tol=1e-3, abs_tol=1e-6) else [f"{path}: {mine} != {theirs}"]
    return [] if mine == theirs else [f"{path}: {mine!r} != {theirs!r}"]


TABS = sorted(links.TABS)


def first_example(key):
    tab = links.TABS[key]
    return tab, tab.example_values(0)


def printed_metrics(stdout: str) -> dict:
    return json.loads(stdout.split("\nmetrics:\n", 1)[1])


# The scripts of the tabs that fill on open (quick, deterministic) run one after another in ONE other
# Python, each by ``runpy`` in a namespace of its own: the ~10 s of importing torch and the pages is
# paid once, not per tab, and the test process's own computation of the tab (below) shares no cache
# with it, so the comparison stays a real one. The live tabs (they train or sample, a minute each)
# run each in a fresh Python beside it, as a learner would run any script.
RUNNER = """
import contextlib, runpy, sys, traceback
for py in sys.argv[1:]:
    code = 0
    with open(py + ".out", "w") as out, open(py + ".err", "w") as err, \\
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(py, run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
    with open(py + ".rc.part", "w") as rc:
        rc.write(str(code))
    import os
    os.replace(py + ".rc.part", py + ".rc")
"""


class Ran:
    """A script that the shared runner runs: ``result()`` waits for it and reads what it printed."""

    def __init__(self, py, runner):
        self.py, self.runner = py, runner

    def result(self, timeout=900) -> subprocess.CompletedProcess:
        rc, deadline = Path(f"{self.py}.rc"), time.monotonic() + timeout
        while not rc.exists():
            # the wait is for the runner to reach this script, not a speed check
            assert self.runner.poll() is None or rc.exists(), f"the script runner ended ({self.runner.returncode})"
            assert time.monotonic() < deadline, f"{self.py.name} did not finish in {timeout} s"
            time.sleep(0.5)
        read = lambda ext: Path(f"{self.py}.{ext}").read_text(errors="replace")  # noqa: E731
        return subprocess.CompletedProcess([str(self.py)], int(rc.read_text()), read("out"), read("err"))


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """The first-example script of every tab selected in this session, written and started ahead, in
    the tests' order: key -> (folder, script, notebook, its run: ``result()`` waits for it)."""
    env = dict(os.environ, SHOWCASE_OFFLINE="1", PYTHONPATH=str(ROOT))
    pool = ThreadPoolExecutor(1, thread_name_prefix="script")
    started, quick = {}, []
    selected = [item.callspec.params["key"] for item in request.session.items
                if item.originalname == "test_the_script_of_the_first_example_prints_the_tabs_metrics"]
    for key in selected:
        folder = tmp_path_factory.mktemp(key.replace(".", "_"))
        py, nb = script.write(links.TABS[key], first_example(key)[1], folder)
        if links.TABS[key].fills:
            quick.append(py)
            started[key] = (folder, py, nb, None)
        else:
            started[key] = (folder, py, nb, pool.submit(subprocess.run, [sys.executable, str(py)], cwd=ROOT, env=env,
                                                         capture_output=True, text=True, timeout=900))
    # a Child: it ends with the test run, even a killed one (showcase/core/children.py)
    runner = children.Child([sys.executable, "-c", RUNNER, *map(str, quick)], cwd=ROOT, env=env)
    started = {k: (f, py, nb, run or Ran(py, runner)) for k, (f, py, nb, run) in started.items()}
    yield started
    pool.shutdown(cancel_futures=True)
    runner.kill()
    runner.wait()


@pytest.mark.parametrize("key", TABS)
def test_the_script_of_the_first_example_prints_the_tabs_metrics(key, runs):
    tab, values = first_example(key)
    folder, py, nb, running = runs[key]
    source = py.read_text()
    compile(source, str(py), "exec")
    assert f"from {tab.fn.__module__} import {tab.fn.__name__}" in source
    import nbformat
    nbformat.validate(nbformat.reads(nb.read_text(), as_version=4))
    if not tab.fills:
        # it trains or samples live: the script passes exactly the first example's inputs, runs, and
        # prints metrics that keep the tab's contract (their values differ from run to run)
        called = assignments(source)
        assert called == {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}, called
        done = running.result()
        assert done.returncode == 0, done.stderr[-3000:]
        from showcase.core.topics import all_topics, missing_metrics

        api = next(t.api for t in all_topics() if f"{t.area}.{t.name}" == key)
        assert not missing_metrics(api, printed_metrics(done.stdout)), done.stdout[-2000:]
        return
    outputs = tab.examples.fn(*tab.examples.examples[0])
    if hasattr(outputs, "__next__"):
        *_, outputs = outputs
    mine = json.loads(json.dumps(outputs[-1] if isinstance(outputs, tuple) else outputs, default=str))
    done = running.result()
    assert done.returncode == 0, done.stderr[-3000:]
    diffs = compare(key, mine, printed_metrics(done.stdout))
    assert not diffs, f"{key}: the script's metrics differ from the tab's: {diffs}"
    assert (folder / f"{key.split('.')[1]}_run").is_dir() or len(tab.examples.outputs) <= 2


def assignments(source: str) -> dict:
    """The inputs a script passes: its ``name = literal`` lines before the call."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:   # a literal, or a multi-line text written as "\n".join([...])
                found[node.targets[0].id] = eval(compile(ast.Expression(node.value), "<script>", "eval"),
                                                 {"__builtins__": {}})
            except Exception:  # noqa: BLE001 - not an input line (OUT = Path(...))
                continue
    return {k: v for k, v in found.items() if k not in ("NAMES",)}


def test_a_bundled_file_is_named_by_its_path_and_an_own_upload_says_where_to_put_it(tmp_path):
    tab, values = first_example("math.svd")
    source = script.script(tab, values)
    assert "image = 'assets/math/svd/astronaut.png'   # one of the tab's bundled examples" in source
    assert "svd_compress" in source   # the backend call it makes, named
    own = tmp_path / "holiday.png"
    own.write_bytes(b"mine")
    source = script.script(tab, {**values, "image": str(own), "rank": 8})
    assert "image = 'holiday.png'   # your own file" in source and "rank = 8" in source
    assert "&rank=8" in source   # the link to the same run
