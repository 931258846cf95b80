import asyncio
import importlib
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import pandas as pd
import pytest
from gradio import processing_utils
from PIL import Image

from pages import gradio_fixes


def run(coroutine):
    """Run ``coroutine`` on a loop of its own: the browser tests leave one running in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_fixes_are_installed_once_even_after_a_reload():
    original = gradio_fixes.move_files_to_cache.gradio_original
    assert processing_utils.async_move_files_to_cache is gradio_fixes.move_files_to_cache
    assert gr.LinePlot.read_from_flag is gradio_fixes._read_plot_from_flag
    importlib.reload(gradio_fixes)  # what Gradio's reload mode does: it must not wrap itself
    assert processing_utils.async_move_files_to_cache.gradio_original is original
    assert not original.__module__.startswith("pages")


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
    from pages.common import launch_kwargs

    assert gradio_fixes.CSS in launch_kwargs()["css"] and ".vega-embed" in gradio_fixes.CSS


def test_the_installed_libraries_are_the_ones_the_patches_were_written_for():
    """One loud failure on an upgrade: re-check each patch (its comment says what it works around,
    tests/app/test_gradio_fixes.py whether it still works), then move the version here."""
    from importlib.metadata import version  # importing Ultralytics itself would replace Image.open

    from showcase.vision import detection

    assert gr.__version__ == gradio_fixes.PATCHED_FOR, (
        f"Gradio {gr.__version__} is installed; pages/gradio_fixes.py and pages/common.py patch Gradio "
        f"{gradio_fixes.PATCHED_FOR}'s internals: re-check them, then update PATCHED_FOR")
    assert version("ultralytics") == detection.ULTRALYTICS_PATCHED_FOR, (
        f"Ultralytics {version('ultralytics')} is installed; showcase/vision/detection.py undoes "
        f"{detection.ULTRALYTICS_PATCHED_FOR}'s Image.open replacement: re-check it, then update ULTRALYTICS_PATCHED_FOR")


def test_a_strings_prefix_belongs_to_one_module():
    import pages.math.svd  # noqa: F401 - registers the prefix "svd"
    from pages.common import strings

    with pytest.raises(ValueError, match="already used"):
        strings("svd", {"title": ("x", "x")})   # pages/math/svd.py owns "svd"
    strings("test_gradio_fixes.own", {"a": ("a", "甲")})
    strings("test_gradio_fixes.own", {"a": ("a", "甲")})   # the same module again, as a reload does
