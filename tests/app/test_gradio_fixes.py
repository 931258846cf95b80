"""Each patch of Gradio's and Ultralytics' internals, through the launched app: these fail when a
patch stops taking effect (tests/unit/test_gradio_fixes.py fails first when the version changes)."""

import io
import json
import urllib.request

import gradio as gr
import pytest
from gradio_client import handle_file

import app
from pages import gradio_fixes

pytestmark = pytest.mark.slow


def config(app_url) -> dict:
    with urllib.request.urlopen(f"{app_url.rstrip('/')}/config", timeout=30) as response:
        return json.load(response)


def test_a_cached_native_plot_comes_back_as_data_not_a_string(client):
    """Fix 1: without it the cached example's plot is a JSON string the browser cannot draw."""
    examples = next(f.fn.__closure__[0].cell_contents for f in app.demo.fns.values()
                    if f.name == "load_example_output"
                    and any(isinstance(o, gr.ScatterPlot) for o in f.fn.__closure__[0].cell_contents.outputs))
    outputs = examples.load_from_cache(0)         # cached on first use, then read back from the file
    plots = [v for o, v in zip(examples.outputs, outputs) if isinstance(o, gr.components.NativePlot)]
    assert plots and all(isinstance(v, dict) and v["data"] for v in plots)


def test_native_plots_skip_the_walk_for_files(client, monkeypatch):
    """Fix 2: every output passes through our wrapper, and only non-plots reach Gradio's own walk."""
    seen = []
    original = gradio_fixes._gradio_move_files_to_cache

    async def spy(data, block, *args, **kwargs):
        seen.append(type(block).__name__)
        return await original(data, block, *args, **kwargs)

    monkeypatch.setattr(gradio_fixes, "_gradio_move_files_to_cache", spy)
    projection, variance, rebuilt, note, metrics = client.predict(api_name="/pca_project")
    assert projection["data"] and variance["data"] and metrics["n_components"] == 10
    assert "Image" in seen, "Gradio no longer calls processing_utils.async_move_files_to_cache"
    assert not {"ScatterPlot", "LinePlot"} & set(seen)


def test_the_plot_css_and_the_image_template_reach_the_browser(app_url):
    """Fix 3 and ``_CheckedImage.is_template``: the page gets the CSS, and the image inputs are
    sent as Gradio's "image" (a "_checkedimage" would be drawn as nothing)."""
    cfg = config(app_url)
    assert gradio_fixes.CSS.strip() in cfg["css"]
    types = {c["type"] for c in cfg["components"]}
    assert "image" in types and not any("checked" in t for t in types)


def test_examples_tables_have_no_untranslatable_headers(app_url):
    datasets = [c for c in config(app_url)["components"] if c["type"] == "dataset"]
    assert datasets and all(c["props"]["headers"] == [] for c in datasets)


def test_after_ultralytics_is_imported_a_corrupt_upload_still_fails_clearly(client, fails_clearly, tmp_path):
    """Ultralytics replaces PIL's Image.open for the whole process (its version tries to install a
    HEIF plugin on any unreadable file); ``ultralytics_offline`` puts Pillow's own back."""
    from PIL import Image
    from ultralytics.utils import patches

    from showcase.vision import detection

    detection.ultralytics_offline()
    assert Image.open is patches._image_open
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    fails_clearly("/detect", handle_file(str(corrupt)), "faces", 0.25, 0.45, match="Could not read|image")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="PNG")
    good = tmp_path / "white.png"
    good.write_bytes(buffer.getvalue())
    assert client.predict(handle_file(str(good)), "faces", 0.25, 0.45, api_name="/detect")[-1]["n_detections"] == 0


def test_a_pil_result_reaches_the_cache_through_the_atomic_writer(client, monkeypatch):
    """Fix 5: the decision-boundary chart is a PIL image; the file the client is given was put in
    place by ``gradio_fixes._publish`` (staged and renamed), not rewritten in place by Gradio."""
    from pages.classic import decision_boundaries

    published = []
    original = gradio_fixes._publish

    def spy(path, write):
        published.append(str(path))
        return original(path, write)

    monkeypatch.setattr(gradio_fixes, "_publish", spy)
    chart, *_ = client.predict(*decision_boundaries.API["decision_boundaries"], api_name="/decision_boundaries")
    served = chart["path"] if isinstance(chart, dict) else chart
    assert published, "Gradio no longer writes PIL results through processing_utils.save_pil_to_cache"
    from pathlib import Path
    assert Path(served).read_bytes() in {Path(p).read_bytes() for p in published}


def test_every_training_run_of_the_app_yields_the_cpu():
    """``training_yields``: each Run of the training pool (``benchmarks.server.HEAVY``, the ones there) is
    lowered (``pages/priority.py``); a quick tab's handler is not."""
    from benchmarks.server import HEAVY

    pool = [fn for fn in app.demo.fns.values() if fn.concurrency_id == gradio_fixes.TRAINING_POOL]
    runs = {fn.api_name for fn in pool if fn.api_name in HEAVY}
    assert len(runs) >= 8 and all(getattr(fn.fn, "lowered", False) for fn in pool), runs
    svd = next(fn for fn in app.demo.fns.values() if fn.api_name == "svd_compress")
    assert not getattr(svd.fn, "lowered", False)
