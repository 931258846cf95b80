"""What every page shares: translations, the error guard, the image input and the tab furniture.

A page registers its strings once, in both languages, and gets a function that turns a key into
a ``gr.I18n`` key (``t("title")``); ``i18n()`` gathers every page's strings for ``launch()``.
``guard`` runs a backend call and turns ``InputError`` into a ``gr.Error`` the user can read,
and any other failure into a short message, so the server stays up.

A result computed at run time cannot go through ``gr.I18n`` (its strings are fixed at launch and
take no numbers), so a page returns it in both languages with ``say(en, zh)`` into the
``result_note()`` above its metrics; CSS shows the half of the page's language (see ``header``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
import logging
import math
import tempfile
import time
import uuid
from pathlib import Path

import gradio as gr
from PIL import Image, UnidentifiedImageError
from starlette.middleware import Middleware

import pages.gradio_fixes  # noqa: F401 - native plot fixes, applied on import
from pages.language_link import LanguageFromLink
from pages.site import TabLinkRedirect
from showcase.core.code import source_of
from showcase.core.errors import InputError
from showcase.core.settings import settings

log = logging.getLogger("showcase")

_EN: dict[str, str] = {}
_ZH: dict[str, str] = {}
_OWNERS: dict[str, str] = {}   # prefix -> the module that registered it
_i18n = gr.I18n()


def strings(prefix: str, table: dict[str, tuple[str, str]]):
    """Register ``{key: (english, chinese)}`` under ``prefix``; return ``t(key) -> I18nData``.

    A prefix belongs to one module: a second module using it would silently overwrite the first
    one's strings, so that raises (the same module registering again, as a reload does, is fine)."""
    # the caller's frame alone: inspect.stack() reads every frame's source file, ~3 s of start-up
    # for the app's 37 tables
    owner = sys._getframe(1).f_globals.get("__name__", "?")
    if _OWNERS.setdefault(prefix, owner) != owner:
        raise ValueError(f"strings() prefix {prefix!r} is already used by {_OWNERS[prefix]}; "
                         f"choose another for {owner} (the page's file name is a good one).")
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
    "audio": ("Audio", "音频"),
    "reference": ("Compare with", "对照"),
    "metrics_all": ("All the numbers (what the API returns)", "全部数值(即 API 的返回值)"),
    # the probe ``header`` puts on every tab: CSS finds the page's language by it (see CSS below)
    "locale": ('<span class="locale-en"></span>', '<span class="locale-zh"></span>'),
})


_settled: set[str] = set()


def settle_once(name: str) -> None:
    """After the first call of handler ``name``: collect, then move every object alive now out of
    the garbage collector's sight (``gc.freeze``), as ``app.settle`` does at start-up. The models
    and tables a first call loads live as long as the app; left in the oldest generation, every
    full collection walked them, ~150 ms each, inside whichever request was running (14 in 180
    quick calls, with every tab loaded). A request running in another thread at this moment has its
    objects frozen too: freed as usual when their count drops, kept only if they form a cycle, and
    this happens once per handler in the life of the process."""
    if name not in _settled:
        _settled.add(name)
        gc.collect()
        gc.freeze()


def guard(fn):
    """Wrap a page's handler: ``InputError`` becomes a ``gr.Error`` with its message; after its
    first good call, ``settle_once``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            settle_once(f"{fn.__module__}.{fn.__qualname__}")
            return tuple(map(json_safe, result)) if isinstance(result, tuple) else json_safe(result)
        except gr.Error:
            raise
        except InputError as exc:
            raise gr.Error(str(exc)) from exc  # Gradio titles it "Error" in the page's language
        except Exception as exc:  # noqa: BLE001 - the server must stay up whatever a backend does
            log.exception("%s failed", fn.__name__)
            raise gr.Error(
                f"{type(exc).__name__}: {exc}. Try other settings; the app keeps running.",
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

    # Gradio internal (see pages/gradio_fixes.py): a subclass is sent to the browser under its own
    # name, "_checkedimage", for which the browser has no component and draws nothing; a template
    # is sent as its base class, "image". Tested in tests/app/test_gradio_fixes.py.
    is_template = True

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


_scratch = Path(tempfile.mkdtemp(prefix="showcase-"))
_pruned_at = [0.0]


def temp_schedule() -> tuple[int, int]:
    """``delete_cache`` for ``gr.Blocks``: (how often, how old) in seconds, from SHOWCASE_TEMP_AGE_S."""
    age = settings().temp_age_s
    return max(1, age // 10), age


def scratch_folder() -> Path:
    """The folder for a page's output files. Gradio copies an output file into its own temp
    folder (which ``delete_cache`` keeps bounded), so the scratch copies are pruned on the same
    schedule: files older than SHOWCASE_TEMP_AGE_S go, looked for at most every tenth of it."""
    every, age = temp_schedule()
    now = time.time()
    if now - _pruned_at[0] >= every:
        _pruned_at[0] = now
        for old in _scratch.iterdir():
            with contextlib.suppress(OSError):
                if now - old.stat().st_mtime > age:
                    old.unlink()
    return _scratch


def scratch_path(suffix: str) -> Path:
    """A new file name in ``scratch_folder()``."""
    return scratch_folder() / f"{uuid.uuid4().hex}{suffix}"


def scratch_file(data: bytes, suffix: str) -> str:
    """Write ``data`` to a new file in this process's scratch folder and return its path, for
    an output that already is a file (a JPEG, a video): Gradio serves it without encoding again."""
    path = scratch_path(suffix)
    path.write_bytes(data)
    return str(path)


def lossless_webp(image: Image.Image) -> str:
    """Save ``image`` as a lossless WebP and return its path for a ``gr.Image`` output.

    The page shows exact pixels (no JPEG artefacts) at a fraction of PNG's cost. For the
    512×512 SVD output, measured here: Gradio's default PNG ~120 ms; PNG level 1 33 ms, 414 KB;
    lossless WebP at its fastest method 17 ms, 363 KB.
    """
    path = scratch_path(".webp")
    image.save(path, format="WEBP", lossless=True, method=0, quality=0)
    return str(path)


def header(title, body, reference=None) -> None:
    """The tab's title, its few sentences of explanation and the published number to compare."""
    # hidden: its translated content tells the CSS which language the page shows (``say``)
    gr.HTML(tc("locale"), elem_classes="locale-probe", container=False, padding=False)
    gr.Markdown(title, elem_classes="topic-title")
    gr.Markdown(body)
    if reference is not None:
        gr.Markdown(reference, elem_classes="topic-reference")


def code_accordion(*objects) -> None:
    """The "The code" accordion with the source of the backend functions that did the work."""
    with gr.Accordion(tc("code"), open=False):
        gr.Code(source_of(*objects), language="python", interactive=False)


def say(en: str, zh: str) -> str:
    """A result for ``result_note()``, in both languages (Markdown each: **bold**, a small table).

    The page shows only the half in its language; the API returns both. Put the key number and
    the paper's beside it: ``say(f"PSNR **{p:.1f} dB**; the paper: 24.7 dB.", f"PSNR **{p:.1f} dB**;论文:24.7 dB。")``.
    """
    # blank lines around each half: Markdown inside an HTML block is only parsed after one
    return f'<div lang="en">\n\n{en}\n\n</div>\n<div lang="zh">\n\n{zh}\n\n</div>'


def result_note() -> gr.Markdown:
    """Where a tab says its result in a sentence or two (a value made by ``say``), above the metrics."""
    return gr.Markdown(elem_classes="summary")


def md_table(rows, headers) -> str:
    """A small Markdown table for ``say``: ``rows`` of values (numbers formatted already) under
    ``headers``, one list per language, e.g. ``md_table(rows, ["Method", "MB"])``."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def metrics_json(*full_tables: gr.components.Component) -> gr.JSON:
    """The metrics: the API's contract and every tab's last output, folded away under the result
    in the accordion "All the numbers", after ``full_tables`` (outputs made with ``render=False``:
    a wide table whose readable digest the page shows in its ``say`` result)."""
    with gr.Accordion(tc("metrics_all"), open=False, elem_classes="metrics-accordion"):
        for table in full_tables:
            table.render()
        return gr.JSON(show_label=False, elem_classes="metrics", max_height=360)


_recording: list[list[gr.Examples]] = []   # build time only: one list per page being built


def examples(rows, inputs, outputs, fn, note=None, **kwargs) -> gr.Examples:
    """``gr.Examples`` cached lazily, with ``note``: one translated line on what the rows show.

    The first row shows the method working; later rows may be hard cases, and ``note`` says what
    goes wrong in them and why (Gradio's example labels are not translated, so the note does it).
    The first table a page makes this way is the one its tab opens with (see ``pages/fill.py``)."""
    if note is not None:
        gr.Markdown(note, elem_classes="examples-note")
    kwargs.setdefault("cache_examples", True)
    kwargs.setdefault("cache_mode", "lazy")
    kwargs.setdefault("label", tc("examples"))
    made = gr.Examples(rows, inputs, outputs, fn=fn, **kwargs)
    if _recording:
        _recording[-1].append(made)
    return made


@contextlib.contextmanager
def recording_examples():
    """``with recording_examples() as made: page.build()``: ``made`` lists the ``gr.Examples``
    that ``examples()`` created inside, in order; app.py opens each tab with the first one."""
    made: list[gr.Examples] = []
    _recording.append(made)
    try:
        yield made
    finally:
        _recording.remove(made)


def fix_example_headers(demo: gr.Blocks) -> None:
    """Examples tables show their inputs' labels as column headers, which the browser does not
    translate (Gradio 6.31's Dataset prints an i18n key raw): show no header row; the inputs
    above the table carry the translated names, in the same order."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Dataset):
            block.headers = []


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
.app-title h1 { font-size: var(--text-xl); margin: 0; }
.topic-title h2 { margin-bottom: 0.2em; }
.topic-reference { border-left: 4px solid var(--color-accent); padding-left: 0.8em; }
.locale-probe { display: none !important; }
/* one language at a time: say() writes both halves, the probe of the shown tab picks one */
body:has(.locale-zh) .summary [lang="en"], body:not(:has(.locale-zh)) .summary [lang="zh"] { display: none; }
.summary { font-size: var(--text-lg); border-left: 4px solid var(--color-accent); padding-left: 0.8em; }
.summary table { font-size: var(--text-md); }
.examples-note { font-size: var(--text-sm); }
/* "Try this" (pages/try_this.py): a step's sentence beside its button, compact */
.try-step { align-items: center; }
.try-step .try-text p { margin: 0.15em 0; }
/* contrast (WCAG AA, axe-core's color-contrast): gr.Code's highlight style draws shell flags in
   #ebcb8b (1.6:1 on white), numbers in #88c0d0 (2:1) and strings in #d08770 (2.8:1), unreadable
   on a projector: code reads in the body colour. The audio player's times and speed are grey-400. */
.cm-editor .cm-line span { color: var(--body-text-color) !important; }
.timestamps time, button.playback, button.playback span { color: var(--body-text-color-subdued) !important; }
""" + pages.gradio_fixes.CSS


def theme() -> gr.themes.Base:
    """Gradio's Soft theme with the contrast WCAG AA asks for (4.5:1, axe-core's color-contrast).
    Soft draws labels, primary buttons, the selected tab and radio choice in indigo-500, which
    reads 3.6:1 on its pale-indigo label backgrounds and 4.5:1 under white text, and its notes
    (slider ends, the footer) in grey-400, 2.5:1: indigo-600 (5.1:1 and 6.3:1) and grey-600 (7:1)."""
    indigo = gr.themes.colors.indigo
    shades = {f"c{k}": getattr(indigo, f"c{k}") for k in (50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950)}
    primary = gr.themes.Color(**{**shades, "c500": indigo.c600, "c600": indigo.c700}, name="indigo_aa")
    return gr.themes.Soft(primary_hue=primary).set(body_text_color_subdued="*neutral_600")


def launch_kwargs() -> dict:
    """What ``launch()`` gets, for the whole app and for a page run alone."""
    return dict(
        i18n=i18n(),
        css=CSS,
        # every public endpoint as a Model Context Protocol tool at /gradio_api/mcp/ (SHOWCASE_MCP)
        mcp_server=settings().mcp,
        theme=theme(),
        max_file_size=f"{settings().max_file_mb}mb",
        show_error=True,
        # off in a public app: Gradio's /monitoring/summary answers anyone with per-function traffic
        enable_monitoring=False,
        # ?lang=zh / ?lang=en in a link wins over the browser's language (pages/language_link.py)
        app_kwargs={"routes": extra_routes(), "middleware": [Middleware(LanguageFromLink), Middleware(TabLinkRedirect)]},
        **pages.gradio_fixes.LAUNCH_INTERNALS,   # no self-check that kills a busy app (see there)
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
