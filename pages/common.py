"""What every page shares: translations, the error guard, the image input and the tab furniture.

A page registers its strings once, in both languages, and gets a function that turns a key into
a ``gr.I18n`` key (``t("title")``); ``i18n()`` gathers every page's strings for ``launch()``.
``guard`` runs a backend call and turns ``InputError`` into a ``gr.Error`` the user can read,
and any other failure into a short message, so the server stays up.
"""

from __future__ import annotations

import functools
import logging
import math
import tempfile
import time
import uuid
from pathlib import Path

import gradio as gr
from PIL import Image, UnidentifiedImageError

import pages.gradio_fixes  # noqa: F401 - native plot fixes, applied on import
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
            result = fn(*args, **kwargs)
            return tuple(map(json_safe, result)) if isinstance(result, tuple) else json_safe(result)
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


def json_safe(value):
    """Metrics with NaN or infinity in them are not JSON, and a cached example holding one never
    reaches the browser: write them as None and "inf"."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return type(value)(json_safe(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


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


def ImageInput(label=None, **kwargs) -> gr.Image:  # noqa: N802 - reads like the component it makes
    """An image input that hands the page the uploaded file untouched (16-bit, RGBA and all, for
    ``showcase.core.images.load_image`` to check and convert)."""
    kwargs.setdefault("type", "filepath")
    kwargs.setdefault("image_mode", None)
    kwargs.setdefault("sources", ["upload", "clipboard"])
    return _CheckedImage(label=label if label is not None else tc("image"), **kwargs)


_scratch = Path(tempfile.mkdtemp(prefix="showcase-"))


def scratch_file(data: bytes, suffix: str) -> str:
    """Write ``data`` to a new file in this process's scratch folder and return its path, for
    an output that already is a file (a JPEG, a video): Gradio serves it without encoding again."""
    path = _scratch / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(data)
    return str(path)


def lossless_webp(image: Image.Image) -> str:
    """Save ``image`` as a lossless WebP and return its path for a ``gr.Image`` output.

    The page shows exact pixels (no JPEG artefacts) at a fraction of PNG's cost. For the
    512×512 SVD output, measured here: Gradio's default PNG ~120 ms; PNG level 1 33 ms, 414 KB;
    lossless WebP at its fastest method 17 ms, 363 KB.
    """
    path = _scratch / f"{uuid.uuid4().hex}.webp"
    image.save(path, format="WEBP", lossless=True, method=0, quality=0)
    return str(path)


fast_png = lossless_webp  # the old name, still used by pages written before the switch to WebP


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
    return gr.JSON(label=tc("metrics"), elem_classes="metrics")


def fix_example_headers(demo: gr.Blocks) -> None:
    """Examples tables show their inputs' labels as column headers, and the browser does not
    translate those: give every examples table plain "English · 中文" headers instead."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Dataset):
            block.headers = [_both(c.label) for c in block._components]


def _both(label) -> str:
    key = getattr(label, "key", None)
    return f"{_EN[key]} · {_ZH[key]}" if key in _EN else str(label or "")


def standalone(build, title: str = "Roadmap Showcase") -> gr.Blocks:
    """One page as its own app (``python -m pages.math.svd``), like Gradio's multipage demos."""
    with gr.Blocks(title=title) as demo:
        build()
    fix_example_headers(demo)
    return demo


def lazy_demo(build):
    """A page's module ``__getattr__``: ``demo`` is built on first use, so app.py importing the
    page costs nothing, while ``gradio pages/x/y.py`` and ``python -m pages.x.y`` still find it."""

    def module_getattr(name):
        if name == "demo":
            return standalone(build)
        raise AttributeError(name)

    return module_getattr


CSS = """
.topic-title h2 { margin-bottom: 0.2em; }
.topic-reference { border-left: 4px solid var(--color-accent); padding-left: 0.8em; }
""" + pages.gradio_fixes.CSS


def launch_kwargs() -> dict:
    """What ``launch()`` gets, for the whole app and for a page run alone."""
    return dict(
        i18n=i18n(),
        css=CSS,
        theme=gr.themes.Soft(),
        max_file_size=f"{settings().max_file_mb}mb",
        show_error=True,
        app_kwargs={"routes": extra_routes()},
    )


def extra_routes() -> list:
    """Plain HTTP routes served on the app's own port beside the tabs: the chat tab's
    OpenAI-compatible ``/v1`` (Gradio hands ``app_kwargs`` to its FastAPI app). None if it fails."""
    try:
        from pages.language.chat import routes
    except Exception:  # noqa: BLE001 - the other tabs run without it
        log.exception("the chat tab's /v1 routes are not served")
        return []
    return routes()
