"""Six fixes to Gradio 6.31: three to its native plots (LinePlot, ScatterPlot, BarPlot), one to
``delete_cache``, one to how results are written to its file cache, one to its queue's fairness.
Fixes 1, 2, 4 and 5 are applied on import; fix 3 is ``CSS`` for ``launch()``; fix 6 is
``one_heavy_job_per_session(demo)``, called by app.py after ``demo.queue()``. ``pages/common.py`` leans on Gradio
internals twice more (``_CheckedImage.is_template``; an examples table with ``headers=[]``), and
``pages/fill.py`` on ``gr.Examples``' own loading of a cached example (``_get_processed_example``,
``_get_cached_index_if_cached``, ``load_from_cache``; tested in ``tests/app/test_fill_on_open.py``).

They were written for Gradio ``PATCHED_FOR`` below; ``tests/unit/test_gradio_fixes.py`` fails when
another version is installed, so that an upgrade re-checks each one (its test through the launched
app says whether it still works) instead of silently breaking. Users are never stopped by it.

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

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

import gradio as gr
from gradio import processing_utils, route_utils
from gradio.data_classes import GradioModel, GradioRootModel

PATCHED_FOR = "6.31.0"      # the Gradio version these fixes were written and tested against


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


# Not a fix, a use of an internal (issue #29: every private Gradio name in this module):
def not_a_tool(fn):
    """Keep handler ``fn`` out of the app's MCP tools: it trains, or records a person's rating. It
    stays a public endpoint (the API page, ``gradio_client``). Gradio 6.31 lists as tools the
    functions whose ``_mcp_type`` is unset or "tool" (``GradioMCPServer.list_tools``); its one
    public switch, ``api_visibility="undocumented"``, would also drop the endpoint from the API page
    and from ``gradio_client``'s ``view_api``. tests/app/test_mcp.py fails if this stops working."""
    fn._mcp_type = "not_a_tool"
    return fn



# Not a fix, an argument of launch() that is an internal: Gradio 6.31's launch() HEADs its own page
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


# Fix 6: one job at a time per session in the pools of one worker.
HEAVY_REFUSED = ("You already have a training or demo run queued or running: wait for its result, then start "
                 "the next. · 你已有一个训练或演示任务在排队或运行:请等它出结果后再开始下一个。")


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
            return False, HEAVY_REFUSED, "error"
        return await push(body, request, username)

    fair_push.gradio_original = push
    queue.push = fair_push
