"""The app shell: tabs for built pages only, and a broken page shown as an error tab."""

import sys
import types

from pathlib import Path

import gradio as gr
import pytest

import app
from showcase.core.topics import Topic


def test_a_page_that_fails_to_import_shows_an_error_not_a_crash(monkeypatch):
    broken = types.ModuleType("pages.math.broken")
    broken.build = lambda: 1 / 0
    monkeypatch.setitem(sys.modules, "pages.math.broken", broken)
    with gr.Blocks() as demo:
        with gr.Tab("broken") as tab:
            assert app._build_page(Topic("math", "broken", "broken", "Broken", "坏的"), tab) is None
        with gr.Tab("missing") as tab:
            assert app._build_page(Topic("math", "missing_page", "missing", "Missing", "缺失"), tab) is None
    codes = [b for b in demo.blocks.values() if isinstance(b, gr.Code)]
    assert len(codes) == 2
    assert "ZeroDivisionError" in codes[0].value and "ModuleNotFoundError" in codes[1].value


def test_only_pages_that_exist_get_tabs():
    names = {t.module for t in app.available_topics()}
    assert {"math.svd", "math.pca", "math.distributions", "math.gradient_descent"} <= names
    assert all((app.ROOT / "pages" / t.area / f"{t.name}.py").is_file() for t in app.available_topics())


def test_launch_settings():
    from pages.launch import launch_kwargs

    kwargs = launch_kwargs()
    assert kwargs["max_file_size"].endswith("mb")
    # the one folder allowed beyond Gradio's own: its examples cache, which only the app writes
    from gradio.utils import get_cache_folder
    assert kwargs["allowed_paths"] == [str(get_cache_folder().resolve())]
    assert Path(kwargs["allowed_paths"][0]) not in (Path.cwd(), Path("/"), Path.home())
    assert isinstance(kwargs["i18n"], gr.I18n)
    assert app.demo._queue.max_size == 64 and app.demo._queue.default_concurrency_limit == 2


def test_settle_takes_what_lives_as_long_as_the_app_out_of_the_collectors_sight():
    import gc

    try:
        app.settle()
        assert gc.get_freeze_count() > 100_000                 # the modules and the built pages
        assert len(gc.get_objects(generation=2)) < 10_000      # left for a full collection to walk
    finally:
        gc.unfreeze()


def test_the_heap_trim_runs_on_glibc_and_can_be_switched_off():
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        assert app.trim_heap_every(30) is None      # not glibc: nothing to trim
        return
    assert app.trim_heap_every(0) is None
    thread = app.trim_heap_every(3600)
    assert thread.is_alive() and thread.daemon


def test_a_handlers_first_good_call_freezes_what_it_loaded_and_later_calls_collect_nothing_extra():
    import gc

    from pages.guard import guard
    from showcase.core.errors import InputError

    loaded = []

    @guard
    def handler(fail=False):
        if fail:
            raise InputError("bad")
        if not loaded:
            loaded.append([{"weights": i} for i in range(50_000)])   # a model, loaded lazily
        return "ok"

    full = []
    counting = lambda phase, info: full.append(1) if phase == "start" and info["generation"] == 2 else None  # noqa: E731
    gc.callbacks.append(counting)
    gc.disable()   # only the handler's own collection is counted
    try:
        with pytest.raises(gr.Error):
            handler(fail=True)
        assert not full, "a failed call loaded nothing to keep"
        before = gc.get_freeze_count()
        assert handler() == "ok"
        assert len(full) == 1 and gc.get_freeze_count() >= before + 50_000
        assert not any(o is loaded[0] for o in gc.get_objects(generation=2))
        handler(), handler()
        assert len(full) == 1, "only the first good call collects"
    finally:
        gc.callbacks.remove(counting)
        gc.enable()
        gc.unfreeze()
