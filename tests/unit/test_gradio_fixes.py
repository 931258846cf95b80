import importlib
import os
from pathlib import Path

import gradio as gr
import pandas as pd
import pytest

from gradio import processing_utils
from PIL import Image

from pages import gradio_fixes
from tests.loops import run_apart


def run(coroutine):
    """Run ``coroutine`` on a loop of its own: the browser tests leave one running in this thread."""
    return run_apart(coroutine)


def test_the_fixes_are_installed_once_even_after_a_reload():
    original = gradio_fixes.move_files_to_cache.gradio_original
    assert processing_utils.async_move_files_to_cache is gradio_fixes.move_files_to_cache
    assert gr.LinePlot.read_from_flag is gradio_fixes._read_plot_from_flag
    importlib.reload(gradio_fixes)  # what Gradio's reload mode does: it must not wrap itself
    assert processing_utils.async_move_files_to_cache.gradio_original is original
    assert not original.__module__.startswith("pages")
    assert not gradio_fixes.delete_files_created_by_app.gradio_original.__module__.startswith("pages")


def test_a_native_plot_value_is_returned_whole_without_the_walk():
    plot = gr.LinePlot(x="epoch", y="loss", color="method")
    value = plot.postprocess(pd.DataFrame({"epoch": [0, 1], "loss": [2.0, 1.0], "method": "batch"}))
    out = run(processing_utils.async_move_files_to_cache(value, plot, postprocess=True))
    assert out == value.model_dump() and out["data"] == [[0, 2.0, "batch"], [1, 1.0, "batch"]]
    assert plot.read_from_flag('{"a": 1}') == {"a": 1}


def test_files_of_other_components_still_move_to_the_cache(tmp_path):
    path = tmp_path / "x.png"
    Image.new("RGB", (4, 4)).save(path)
    image = gr.Image()
    out = run(processing_utils.async_move_files_to_cache(image.postprocess(str(path)), image, postprocess=True))
    assert out["path"] != str(path) and out["url"].startswith("/gradio_api/file=")


def test_the_plot_css_reaches_every_launch():
    from pages.launch import launch_kwargs

    assert gradio_fixes.CSS in launch_kwargs()["css"] and ".vega-embed" in gradio_fixes.CSS


def test_the_installed_gradio_is_the_one_the_fixes_were_written_for():
    """One loud failure on an upgrade: re-check each use (its comment says what it works around,
    tests/app/test_gradio_fixes.py whether it still works), then move PATCHED_FOR. The other
    libraries' patches: tests/unit/core/test_patched.py."""
    assert gr.__version__ == gradio_fixes.PATCHED_FOR, (
        f"Gradio {gr.__version__} is installed; pages/gradio_fixes.py patches Gradio "
        f"{gradio_fixes.PATCHED_FOR}'s internals: re-check them, then update PATCHED_FOR")


def test_a_strings_prefix_belongs_to_one_module():
    import pages.math.svd  # noqa: F401 - registers the prefix "svd"
    from pages.translation import strings

    with pytest.raises(ValueError, match="already used"):
        strings("svd", {"title": ("x", "x")})   # pages/math/svd.py owns "svd"
    strings("test_gradio_fixes.own", {"a": ("a", "甲")})
    strings("test_gradio_fixes.own", {"a": ("a", "甲")})   # the same module again, as a reload does


class _Blocks:
    """What ``delete_files_created_by_app`` reads of a Blocks: its components and their file sets."""

    def __init__(self, files):
        self.blocks, self.temp_file_sets = {}, [set(files)]


def _old_files(folder, n):
    files = []
    for i in range(n):
        path = folder / f"out{i}.png"
        path.write_bytes(b"x")
        files.append(str(path))
    return files


def test_the_cache_sweep_survives_a_request_adding_files_while_it_runs(tmp_path, monkeypatch):
    """Fix 4: a request thread adds an output file to a component's set while the sweep walks it.
    Gradio's sweep dies of it ("Set changed size during iteration"), ending delete_cache's schedule
    for good; the fixed sweep removes every old file and keeps the new one for a later sweep."""
    from gradio import route_utils

    assert route_utils.delete_files_created_by_app is gradio_fixes.delete_files_created_by_app
    real_remove, added = os.remove, tmp_path / "new.png"
    added.write_bytes(b"x")

    def remove_while_a_request_adds(path):
        real_remove(path)
        blocks.temp_file_sets[0].add(str(added))   # what move_files_to_cache does for a new output

    monkeypatch.setattr(os, "remove", remove_while_a_request_adds)
    blocks = _Blocks(_old_files(tmp_path, 20))
    with pytest.raises(RuntimeError, match="changed size"):
        gradio_fixes.delete_files_created_by_app.gradio_original(blocks, age=0)
    blocks = _Blocks(_old_files(tmp_path, 20))
    gradio_fixes.delete_files_created_by_app(blocks, age=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.png"]
    assert blocks.temp_file_sets[0] == {str(added)}


def test_the_cache_sweep_keeps_young_files_and_the_examples(tmp_path):
    young, kept = _old_files(tmp_path, 2)
    blocks = _Blocks([young, kept])
    blocks.blocks = {1: type("Example", (), {"keep_in_cache": {kept}})()}
    gradio_fixes.delete_files_created_by_app(blocks, age=3600)
    assert blocks.temp_file_sets[0] == {young, kept}
    gradio_fixes.delete_files_created_by_app(blocks, age=None)
    assert blocks.temp_file_sets[0] == {kept} and (tmp_path / "out1.png").exists()


def _served_while_rewritten(save, tmp_path, rounds=200, until_torn=False):
    """What uvicorn does for a result file (stat for Content-Length, then read it chunk by chunk
    between other work) while other requests with the same result write it again: the reads that
    did not get the stat's size."""
    import threading
    import time
    import numpy as np
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (400, 400, 3), dtype=np.uint8))
    path = Path(save(image, str(tmp_path)))
    stop, torn = threading.Event(), []

    def writer():
        while not stop.is_set():
            save(image, str(tmp_path))

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(rounds):
            size, got = path.stat().st_size, 0
            with open(path, "rb") as f:
                while chunk := f.read(16384):
                    got += len(chunk)
                    time.sleep(0)   # the event loop serves other requests between chunks
            if got != size or size == 0:
                torn.append((size, got))
                if until_torn:
                    break
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return torn


def test_a_result_file_is_never_served_half_written(tmp_path):
    """Fix 5: 60 students at an endpoint's defaults get one result; rewriting it in place tore
    the responses of the others (7 of 1,813 calls failed in the classroom load test)."""
    assert processing_utils.save_pil_to_cache is gradio_fixes.save_pil_to_cache
    assert not _served_while_rewritten(processing_utils.save_pil_to_cache, tmp_path / "fixed")
    # the check itself sees the fault in Gradio's own writer, so it can fail
    assert _served_while_rewritten(gradio_fixes.save_pil_to_cache.gradio_original, tmp_path / "gradio",
                                   rounds=5000, until_torn=True)


def test_the_atomic_writers_keep_gradios_names_and_content(tmp_path):
    import numpy as np
    image = Image.new("RGB", (8, 8), "red")
    for ours in (gradio_fixes.save_pil_to_cache, gradio_fixes.save_pil_to_cache.gradio_original):
        path = Path(ours(image, str(tmp_path / ours.__module__)))
        assert path.name == "image.webp" and Image.open(path).getpixel((0, 0))[0] > 200
    a = Path(gradio_fixes.save_bytes_to_cache(b"RIFF0000WAVEdata", "clip", str(tmp_path)))
    b = Path(gradio_fixes.save_bytes_to_cache.gradio_original(b"RIFF0000WAVEdata", "clip", str(tmp_path / "g")))
    assert a.name == b.name == "clip.wav" and a.parent.name == b.parent.name
    tone = (np.sin(np.arange(1600) / 5) * 3000).astype(np.int16)
    a = Path(gradio_fixes.save_audio_to_cache(tone, 16000, "wav", str(tmp_path)))
    b = Path(gradio_fixes.save_audio_to_cache.gradio_original(tone, 16000, "wav", str(tmp_path / "g")))
    assert a.parent.name == b.parent.name and a.read_bytes() == b.read_bytes()
    assert not [p for p in a.parent.iterdir() if p.name.startswith(".")]   # no staging file left behind


def test_another_gradio_version_is_named_in_the_log_at_import(monkeypatch, caplog):
    import importlib

    monkeypatch.setattr(gr, "__version__", "0.0.1")
    with caplog.at_level("WARNING", logger="showcase"):
        importlib.reload(gradio_fixes)
    assert f"Gradio 0.0.1 is installed; pages/gradio_fixes.py was written for {gradio_fixes.PATCHED_FOR}" in caplog.text
