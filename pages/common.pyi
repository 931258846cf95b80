"""What every page shares: translations, the error guard, the image input and the tab furniture.

A page registers its strings once, in both languages, and gets a function that turns a key into
a ``gr.I18n`` key (``t("title")``); ``i18n()`` gathers every page's strings for ``launch()``.
``guard`` runs a backend call and turns ``InputError`` into a ``gr.Error`` the user can read,
and any other failure into a short message, so the server stays up.
"""

from __future__ import annotations

import functools
import logging
import time

import gradio as gr
from PIL import UnidentifiedImageError

from showcase.core.code import source_of
from showcase.core.errors import InputError
from showcase.core.settings import settings

log = logging.getLogger("showcase")

_EN: dict[str, str] = {}
_ZH: dict[str, str] = {}
_i18n = gr.I18n()


def strings(prefix: str, table: dict[str, tuple[str, str]]):
    """Register ``{key: (english, chinese)}`` under ``prefix``; return ``t(key) -> I18nData``."""
    for key, (en, zh) in table.items():
        _EN[f"{prefix}.{key}"] = en
        _ZH[f"{prefix}.{key}"] = zh

    def t(key: str):
        full = f"{prefix}.{key}"
        if full not in _EN:
            raise KeyError(f"no translation registered for {full!r}")
        return _i18n(full)

    return t


def i18n() -> gr.I18n:
    """Every registered string, in English and Simplified Chinese (browsers say zh-CN or zh)."""
    return gr.I18n(en=dict(_EN), zh=dict(_ZH), **{"zh-CN": dict(_ZH)})


def translations() -> tuple[dict[str, str], dict[str, str]]:
    return dict(_EN), dict(_ZH)


tc = strings("common", {
    "code": ("The code", "代码"),
    "metrics": ("Metrics", "指标"),
    "run": ("Run", "运行"),
    "examples": ("Examples: click one", "示例:点击任意一个"),
    "image": ("Image", "图像"),
    "reference": ("Compare with", "对照"),
})


def guard(fn):
    """Wrap a page's handler: ``InputError`` becomes a ``gr.Error`` with its message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except InputError as exc:
            raise gr.Error(str(exc), title="Check the input / 请检查输入") from exc
        except Exception as exc:  # noqa: BLE001 - the server must stay up whatever a backend does
            log.exception("%s failed", fn.__name__)
            raise gr.Error(
                f"{type(exc).__name__}: {exc}. Try other settings; the app keeps running.",
                title="Something went wrong / 出错了",
            ) from exc
        finally:
            log.info("%s took %.0f ms", fn.__name__, 1000 * (time.perf_counter() - started))

    return wrapper

from gradio.events import Dependency

class ImageInput(gr.Image):
    """``gr.Image`` that hands the page the uploaded file untouched (16-bit, RGBA and all, for
    ``showcase.core.images.load_image`` to check) and answers a corrupt upload with a clear error."""

    is_template = True  # the browser draws it as a plain gr.Image

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("type", "filepath")
        kwargs.setdefault("image_mode", None)
        kwargs.setdefault("sources", ["upload", "clipboard"])
        super().__init__(label=label if label is not None else tc("image"), **kwargs)

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise gr.Error(
                "Could not read the upload as an image. Upload a PNG, JPEG or WebP. / 无法读取该图像文件。",
                title="Check the input / 请检查输入",
            ) from exc
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


def header(title, body, reference=None) -> None:
    """The tab's title, its few sentences of explanation and the published number to compare."""
    gr.Markdown(title, elem_classes="topic-title")
    gr.Markdown(body)
    if reference is not None:
        gr.Markdown(reference, elem_classes="topic-reference")


def code_accordion(*objects) -> None:
    """The "The code" accordion with the source of the backend functions that did the work."""
    with gr.Accordion(tc("code"), open=False):
        gr.Code(source_of(*objects), language="python", interactive=False)


def metrics_json() -> gr.JSON:
    return gr.JSON(label=tc("metrics"))


def standalone(build, title: str = "Roadmap Showcase") -> gr.Blocks:
    """One page as its own app (``python -m pages.math.svd``), like Gradio's multipage demos."""
    with gr.Blocks(title=title) as demo:
        build()
    return demo


def launch_kwargs() -> dict:
    """What ``launch()`` gets, for the whole app and for a page run alone."""
    return dict(
        i18n=i18n(),
        theme=gr.themes.Soft(),
        max_file_size=f"{settings().max_file_mb}mb",
        show_error=True,
    )
class _CheckedImage(gr.Image):
    """``gr.Image`` whose corrupt uploads get a clear error. It keeps ``gr.Image.__init__``:
    Gradio sends a component's props to the browser by reading its ``__init__`` signature."""

    is_template = True  # the browser draws it as a plain gr.Image

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise gr.Error(
                "Could not read the upload as an image. Upload a PNG, JPEG or WebP. / 无法读取该图像文件。",
                title="Check the input / 请检查输入",
            ) from exc
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component

    