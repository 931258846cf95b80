"""The file inputs pages share: an image and an audio input that hand the page the upload untouched."""

from __future__ import annotations

import gradio as gr
from PIL import UnidentifiedImageError

from pages.gradio_fixes import sent_as_base
from pages.translation import tc


@sent_as_base
class _CheckedImage(gr.Image):
    """``gr.Image`` whose corrupt uploads get a clear error. It keeps ``gr.Image.__init__``:
    Gradio sends a component's props to the browser by reading its ``__init__`` signature."""

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise gr.Error("Could not read the upload as an image. Upload a PNG, JPEG or WebP.") from exc


def ImageInput(label=None, **kwargs) -> gr.Image:  # noqa: N802 - reads like the component it makes
    """An image input that hands the page the uploaded file untouched (16-bit, RGBA and all, for
    ``showcase.core.images.load_image`` to check and convert)."""
    kwargs.setdefault("type", "filepath")
    kwargs.setdefault("image_mode", None)
    kwargs.setdefault("sources", ["upload", "clipboard"])
    return _CheckedImage(label=label if label is not None else tc("image"), **kwargs)


def AudioInput(label=None, **kwargs) -> gr.Audio:  # noqa: N802 - reads like the component it makes
    """An audio input (upload or microphone) that hands the page the file untouched: no
    conversion by Gradio, so ``showcase.core.audio.load_audio`` checks every upload the same way
    (empty, not audio, too long, too many channels) and says what is wrong."""
    kwargs.setdefault("type", "filepath")
    kwargs.setdefault("format", None)
    kwargs.setdefault("sources", ["upload", "microphone"])
    return gr.Audio(label=label if label is not None else tc("audio"), **kwargs)
