"""Every use of Gradio's internals in the project, each with what it works around: one of two doors (the other,
for sessions, connections and served files: ``pages/gradio_sessions.py``, fixes 7 and 8).

No other module of the app, the pages or the benchmarks names a private Gradio API
(``tests/unit/test_gradio_private.py`` checks it); each use here has its test through a launched
app. They were written for Gradio ``PATCHED_FOR`` below: importing this module logs a warning when
another version is installed, and ``tests/unit/test_gradio_fixes.py`` fails, so that an upgrade
re-checks each one instead of silently breaking. Users are never stopped by it.

Six fixes to Gradio 6.31: three to its native plots (LinePlot, ScatterPlot, BarPlot), one to
``delete_cache``, one to how results are written to its file cache, one to its queue's fairness.
Fixes 1, 2, 4 and 5 are applied on import; fix 3 is ``CSS`` for ``launch()``; fix 6 is
``one_heavy_job_per_session(demo)``, called by app.py after ``demo.queue()``, as is ``training_yields(demo)``. Then the uses that are no fix (marked "Use"):
a component drawn as its base class, the MCP tool marker, ``launch``'s ``_frontend``, the examples'
cache and processed values (the tab that opens filled, ``pages/fill.py``; links, ``pages/links.py``),
the examples click's concurrency group, a function run as a click would run it, and the client's
polling clock (``benchmarks/server.py``).

1. A native plot's cached example comes back from the cache file as a JSON *string* (NativePlot
   has no data_model): the browser cannot draw it and the whole output stays "processing".
   Parse it.
2. After every call Gradio walks each output's value twice, node by node in async recursion
   (``gradio_client.utils.async_traverse``), looking for files to move into its cache: ~8 µs a
   node. A 900-point line plot is ~7,000 nodes, ~60 ms a call, on the event loop. A native
   plot's value (``PlotData``: column names, rows of numbers and strings) never holds a file,
   so its walk is skipped.
3. A plot sizes its chart to the whole block, forgetting the label above it, so the bottom
   ~20 px fall outside the block: with the legend at the bottom, its entries (which colour is
   which) were cut off and only the legend's title showed. The CSS makes the chart take the
   height left under the label.
4. ``delete_cache``'s sweep (``route_utils.delete_files_created_by_app``, run in a worker thread)
   iterates each component's live set of temp files while requests add to it: "Set changed size
   during iteration" ends the scheduled task for good, and from then on the temp folder only
   grows (200 calls of every endpoint left 2,900 files, all past their age). The sweep here walks
   a snapshot of each set, and a file it cannot stat or remove is left for the next sweep.
5. A result that is a PIL image, a numpy array, raw bytes or an audio array is written into the
   cache under the hash of its content, in place (truncate, then write). A class of students
   calling an endpoint at its defaults gets identical results, so one request rewrites the very
   file another is being served: uvicorn then sends fewer bytes than the Content-Length it read
   ("peer closed connection without sending complete message body") or more ("Response content
   longer than Content-Length"), and the student's call fails (7 of 1,813 calls with 60 clients).
   Gradio's ``save_file_to_cache`` already writes a staging file and renames it into place; the
   three writers here do the same, and a file already in place is reused, as that one does.
6. Gradio's queue takes any number of events from one session: a student who presses Run on
   three training tabs, or calls a training endpoint ten times through the API, holds a pool of
   one worker (``concurrency_limit=1``: training, deploy demos, diffusion, video) for all of them,
   and everyone queued behind waits for each. ``Queue.push`` is wrapped: a run asked for (a Run
   button, an API call: a public ``api_name``) in such a pool is refused, with a message in both
   languages, while the same session has another one queued or running; the next is taken once
   that one ends. A tab's fill on opening and a guided step are left alone. Test:
   tests/app/test_fair_queue.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import logging
import os
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import gradio as gr
from gradio import processing_utils, route_utils
from gradio.data_classes import GradioModel, GradioRootModel

PATCHED_FOR = "6.31.0"      # the Gradio version these fixes were written and tested against

if gr.__version__ != PATCHED_FOR:   # the one check, at import: warn the owner, never stop a user
    logging.getLogger("showcase").warning(
        "Gradio %s is installed; pages/gradio_fixes.py was written for %s: re-check its uses of Gradio's "
        "internals (tests/unit/test_gradio_fixes.py fails until PATCHED_FOR is moved)", gr.__version__, PATCHED_FOR)


def _read_plot_from_flag(self, payload):
    """Fix 1: Gradio's ``Examples.load_from_cache`` hands a native plot the JSON string it wrote."""
    return json.loads(payload) if isinstance(payload, str) else payload


# only while NativePlot has no reader of its own: a Gradio that adds one has fixed this itself
if gr.components.NativePlot.read_from_flag is gr.components.Component.read_from_flag:
    gr.components.NativePlot.read_from_flag = _read_plot_from_flag

# Gradio's own function, even when this module is imported again (Gradio's reload mode)
_gradio_move_files_to_cache = getattr(processing_utils.async_move_files_to_cache, "gradio_original",
                                      processing_utils.async_move_files_to_cache)


async def move_files_to_cache(data, block, *args, **kwargs):
    """Fix 2: Gradio's ``async_move_files_to_cache``, except for native plots, which hold no files."""
    if isinstance(block, gr.components.NativePlot):
        return data.model_dump() if isinstance(data, (GradioModel, GradioRootModel)) else data
    return await _gradio_move_files_to_cache(data, block, *args, **kwargs)


move_files_to_cache.gradio_original = _gradio_move_files_to_cache
processing_utils.async_move_files_to_cache = move_files_to_cache


# Gradio's own sweep, even when this module is imported again (Gradio's reload mode)
_gradio_delete_files = getattr(route_utils.delete_files_created_by_app, "gradio_original",
                               route_utils.delete_files_created_by_app)


def delete_files_created_by_app(blocks, age: int | None) -> None:
    """Fix 4: Gradio's sweep of the files a Blocks made, over a snapshot of each set."""
    keep = set()
    for component in list(blocks.blocks.values()):
        keep.update(getattr(component, "keep_in_cache", set()))
    now = datetime.now()
    for temp_set in list(blocks.temp_file_sets):
        for file in list(temp_set):
            if file in keep:
                continue
            try:
                if age is None or (now - datetime.fromtimestamp(Path(file).lstat().st_ctime)).total_seconds() > age:
                    os.remove(file)
                    temp_set.discard(file)
            except FileNotFoundError:
                temp_set.discard(file)
            except OSError:
                continue   # busy or not ours to remove: the next sweep tries again


delete_files_created_by_app.gradio_original = _gradio_delete_files
route_utils.delete_files_created_by_app = delete_files_created_by_app


def _publish(path: Path, write) -> str:
    """Fix 5: put a cache file at ``path`` atomically; ``write(staging_path)`` makes its content.
    The name is a hash of the content, so a file already there is the same result: reuse it."""
    if path.exists():
        with contextlib.suppress(OSError):
            os.utime(path)   # ``delete_cache`` ages by ctime: a result handed out again is fresh
        return str(path)
    fd, staging = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=path.suffix)
    os.close(fd)
    try:
        write(staging)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(path)


def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = processing_utils.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    return _publish((folder / f"{name}.{format}").resolve(), lambda p: Path(p).write_bytes(data))


def save_bytes_to_cache(data: bytes, file_name: str, cache_dir: str) -> str:
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    if not Path(file_name).suffix:
        file_name += processing_utils.detect_audio_format(data)
    return _publish((folder / Path(file_name).name).resolve(), lambda p: Path(p).write_bytes(data))


def save_audio_to_cache(data, sample_rate: int, format: str, cache_dir: str) -> str:
    # the same key as Gradio's, so a result cached by either is found by the other
    meta = {"cache_schema": "audio-cache-v1", "dtype": str(data.dtype), "format": format,
            "sample_rate": int(sample_rate), "shape": data.shape}
    key = hashlib.sha256(processing_utils.hash_seed)
    key.update(json.dumps(meta, sort_keys=True).encode("utf-8"))
    key.update(data.tobytes())
    folder = Path(cache_dir) / key.hexdigest()
    folder.mkdir(exist_ok=True, parents=True)
    return _publish((folder / f"audio.{format}").resolve(),
                    lambda p: processing_utils.audio_to_file(sample_rate, data, p, format=format))


# Gradio's own writers, even when this module is imported again (Gradio's reload mode)
for _writer in (save_pil_to_cache, save_bytes_to_cache, save_audio_to_cache):
    _original = getattr(processing_utils, _writer.__name__)
    _writer.gradio_original = getattr(_original, "gradio_original", _original)
    setattr(processing_utils, _writer.__name__, _writer)


# Use: a subclass of a component is sent to the browser under its own
# name ("_checkedimage" for pages/inputs.py's image input), for which the browser has no component
# and draws nothing; a class marked ``is_template`` is sent as its base class ("image"). Gradio has
# no public way to subclass a component for its server side only. Test: tests/app/test_gradio_fixes.py.
def sent_as_base(cls):
    """Class decorator: the browser draws ``cls`` as the Gradio component it derives from."""
    cls.is_template = True
    return cls


# Use: Gradio's MCP marker.
def not_a_tool(fn):
    """Keep handler ``fn`` out of the app's MCP tools: it trains, or records a person's rating. It
    stays a public endpoint (the API page, ``gradio_client``). Gradio 6.31 lists as tools the
    functions whose ``_mcp_type`` is unset or "tool" (``GradioMCPServer.list_tools``); its one
    public switch, ``api_visibility="undocumented"``, would also drop the endpoint from the API page
    and from ``gradio_client``'s ``view_api``. tests/app/test_mcp.py fails if this stops working."""
    fn._mcp_type = "not_a_tool"
    return fn


def is_a_tool(fn) -> bool:
    """Whether Gradio lists ``fn`` among the MCP tools (``not_a_tool`` says no)."""
    return getattr(fn, "_mcp_type", None) != "not_a_tool"



# Use: an argument of launch() that is an internal: Gradio 6.31's launch() HEADs its own page
# once it serves (networking.url_ok, 3 s per try) and raises "When localhost is not accessible…" when
# that times out: on a busy 2-core machine the 30-tab page took longer, and an app that was already
# answering exited. _frontend=False skips only that check (blocks.py uses it nowhere else); the
# server has answered startup-events by then. Test: tests/app/test_busy_start.py.
LAUNCH_INTERNALS = {"_frontend": False}


# Fix 3: the chart takes the height left under the block's label, so the legend stays inside.
CSS = """
.block:has(> .vega-embed) { display: flex; flex-direction: column; }
.block:has(> .vega-embed) > .vega-embed { flex: 1 1 0; min-height: 0; height: auto !important; }
"""


# Use: an examples table's own state. A tab opens showing its first example (pages/fill.py) and a
# link opens one (pages/links.py) exactly as a click on it would: Gradio has no public call for
# "the inputs a click on row k shows" nor "is row k cached yet" (``Examples.load_from_cache`` is
# the click's own handler). Tests: tests/app/test_fill_on_open.py, tests/unit/test_links.py.
def example_inputs(ex: gr.Examples, k: int) -> list:
    """What a click on row ``k`` of ``ex`` sends its inputs (postprocessed once at build time)."""
    return list(ex._get_processed_example(ex.non_none_examples[k]))


def example_is_cached(ex: gr.Examples, k: int) -> bool:
    """Whether row ``k``'s result is in the examples cache, as ``load_from_cache`` checks it."""
    return bool(ex.cache_examples) and ex._get_cached_index_if_cached(k) is not None


# Use: the listeners of the Blocks being built (gradio.context) and their BlockFunction's
# concurrency settings. The listener Gradio makes for an examples click (``Examples.cache_event``)
# takes no concurrency arguments, so a click on a heavy page's example ran beside its Run button's
# group instead of in it. Test: tests/app/test_fill_on_open.py (the fill runs in the page's group).
def group_of(fn) -> dict:
    """``concurrency_id`` and ``concurrency_limit`` of the listener being built that runs ``fn`` (its
    Run button's), or {} when it has none of its own (Gradio's default then: one group per listener)."""
    from gradio.context import get_blocks_context

    for block_fn in get_blocks_context().fns.values():
        if block_fn.fn is fn and block_fn.concurrency_id != str(id(fn)):   # str(id(fn)): Gradio's default
            return {"concurrency_id": block_fn.concurrency_id, "concurrency_limit": block_fn.concurrency_limit}
    return {}


def share_group(table: gr.Examples) -> None:
    """Run a click on ``table``'s examples in its page's group (``group_of``); the queue reads the
    settings given to the click's BlockFunction when an event arrives."""
    from gradio.context import get_blocks_context

    group = group_of(table.fn) if table.cache_examples else {}
    if group and table.cache_event is not None:
        listener = get_blocks_context().fns[table.cache_event["id"]]
        listener.concurrency_id, listener.concurrency_limit = group["concurrency_id"], group["concurrency_limit"]


# Use: ``Blocks.process_api`` on a throwaway dependency, Gradio's own route as ``Examples.cache``
# takes it: it preprocesses (and so checks) every input, calls the function and postprocesses its
# outputs, which a link's values must go through like a click's. Test: tests/unit/test_links.py.
def run_as_a_click(ex: gr.Examples, inputs: list, request: gr.Request | None) -> list:
    """The outputs of ``ex.fn`` on ``inputs`` (as the browser sends them), postprocessed for the browser."""
    from gradio.events import EventListenerMethod
    from gradio_client import utils as client_utils

    blocks = ex.root_block
    _, index = blocks.default_config.set_event_trigger(
        [EventListenerMethod(blocks, "load")], fn=ex.fn, inputs=ex.inputs, outputs=ex.outputs,
        preprocess=True, postprocess=True)
    try:
        result = client_utils.synchronize_async(
            blocks.process_api, block_fn=blocks.default_config.fns[index], inputs=inputs, request=request,
            in_event_listener=False)
    finally:
        blocks.default_config.fns.pop(index)
    # as plain values, like the examples cache's (the fill returns them with postprocess=False)
    return [value.model_dump() if hasattr(value, "model_dump") else value for value in result["data"]]


# Use: gradio_client's module clock (``gradio_client.utils.time``), for the benchmarks' timed calls.
class PromptPoll:
    """``time`` for gradio_client, whose ``sleep`` is at most ``POLL_S``. The client reads each
    call's messages from a queue it polls with ``time.sleep(0.05)``, so every call it timed ended
    on a 50 ms step: a 12 ms call measured 58 ms, or 108 ms when the result missed a poll (the
    p95s of the quick endpoints). A browser is sent its messages as they come."""
    POLL_S = 0.005     # 8 clients polling every 5 ms cost the server next to nothing

    def __getattr__(self, name):
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.POLL_S))


_polling = threading.Lock()   # guards the depth below: blocks may open in several client threads
_polling_depth = [0]


@contextlib.contextmanager
def prompt_polling():
    """gradio_client polls every 5 ms instead of 50 ms inside this block (and its threads, as the
    client's module is shared), and as before once the outermost block ends: the patch stays
    with the measurements that need it, not with whatever runs later in the process (pytest).
    Test: tests/unit/test_benchmark_server.py."""
    from gradio_client import utils as client_utils

    with _polling:
        if _polling_depth[0] == 0:
            prompt_polling.saved = client_utils.time
            client_utils.time = PromptPoll()
        _polling_depth[0] += 1
    try:
        yield
    finally:
        with _polling:
            _polling_depth[0] -= 1
            if _polling_depth[0] == 0:
                client_utils.time = prompt_polling.saved


# Fix 6: one job at a time per session in the pools of one worker.
HEAVY_REFUSED = ("You already have a training or demo run queued or running: wait for its result, then start "
                 "the next. · 你已有一个训练或演示任务在排队或运行:请等它出结果后再开始下一个。")


HEAVY_GRACE_STEPS = 20   # x 50 ms: the moment between a job's result and its leaving the queue


def heavy_pools(demo: gr.Blocks) -> set[str]:
    """The named concurrency groups of one worker: a job there holds everyone else's turn."""
    return {fn.concurrency_id for fn in demo.fns.values()
            if fn.concurrency_limit == 1 and not str(fn.concurrency_id).isdigit()}  # a digit id: Gradio's own, per event


def one_heavy_job_per_session(demo: gr.Blocks) -> None:
    """Fix 6 (see the docstring): call after ``demo.queue()``, which makes the queue."""
    queue, pools = demo._queue, heavy_pools(demo)
    push = getattr(queue.push, "gradio_original", queue.push)

    def run_asked(fn) -> bool:
        # a Run button or an API call; not a tab's fill on opening or a guided step (private events),
        # which show a cached example or a quick result and would refuse a learner browsing the tabs
        return fn.concurrency_id in pools and bool(fn.api_name) and fn.api_visibility == "public"

    def holds_one(session: str) -> bool:
        waiting = (e for pool in pools if pool in queue.event_queue_per_concurrency_id
                   for e in queue.event_queue_per_concurrency_id[pool].queue)
        running = (e for job in queue.active_jobs if job for e in job)
        return any(e.session_hash == session and run_asked(e.fn) for e in (*waiting, *running))

    async def fair_push(body, request, username):
        fn = demo.fns.get(body.fn_index) if body.fn_index is not None else None
        if fn is not None and run_asked(fn) and body.session_hash and holds_one(body.session_hash):
            # a job sends its result before the queue lets it go (``Queue.process_events``' finally): a
            # client that asks again on that result at once waits for nothing else, so it gets a moment
            for _ in range(HEAVY_GRACE_STEPS):
                await asyncio.sleep(0.05)
                if not holds_one(body.session_hash):
                    break
            else:
                return False, HEAVY_REFUSED, "error"
        return await push(body, request, username)

    fair_push.gradio_original = push
    queue.push = fair_push


# Use: a listener's function swapped once the app is built (Gradio has no hook for the thread a
# handler runs in): the training pool's handlers yield the CPU to quick clicks (pages/priority.py).
# Coroutines are left as they are (they run on the event loop). Test: tests/unit/test_priority.py.
TRAINING_POOL = "cpu_training"


def training_yields(demo: gr.Blocks) -> int:
    """Every sync handler of the training pool runs ``priority.lowered``, holding its lock; returns how many."""
    from pages.priority import TRAINING_LOCK, lowered

    chosen = [fn for fn in demo.fns.values() if fn.concurrency_id == TRAINING_POOL and callable(fn.fn)
              and not (inspect.iscoroutinefunction(fn.fn) or inspect.isasyncgenfunction(fn.fn))]
    for fn in chosen:
        fn.fn = lowered(fn.fn, TRAINING_LOCK)
    return len(chosen)
