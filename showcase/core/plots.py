"""Plot helpers: matplotlib on the Agg backend, one ``Figure`` per plot.

Figures are made with ``matplotlib.figure.Figure`` rather than ``pyplot``, so no global figure
registry grows with every request (nothing to close, safe across threads); ``to_image`` renders
one to a PIL image when a tab wants a picture rather than a plot.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402


def new_figure(width: float = 6.0, height: float = 4.0, *, ncols: int = 1, nrows: int = 1, **subplot_kw):
    """A figure and its axes (a single ``Axes`` when one, else an array)."""
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    # Fixed margins: a constrained layout doubles the cost of every render here (~80 ms).
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.9, wspace=0.3, hspace=0.35)
    return fig, axes


def to_image(fig: Figure, dpi: int = 100) -> Image.Image:
    """Render ``fig`` to an RGB image."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")

# Small, plain figures: on two slow cores every savefig costs 100–400 ms, and Gradio renders
# each returned figure once per request.
matplotlib.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "font.size": 9})
