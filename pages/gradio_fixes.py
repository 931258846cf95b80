"""Three fixes to Gradio 6.31's native plots (LinePlot, ScatterPlot, BarPlot); the first two are
applied on import, the third is ``CSS`` for ``launch()``. ``pages/common.py`` leans on Gradio
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
"""

from __future__ import annotations

import json

import gradio as gr
from gradio import processing_utils
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


# Fix 3: the chart takes the height left under the block's label, so the legend stays inside.
CSS = """
.block:has(> .vega-embed) { display: flex; flex-direction: column; }
.block:has(> .vega-embed) > .vega-embed { flex: 1 1 0; min-height: 0; height: auto !important; }
"""
