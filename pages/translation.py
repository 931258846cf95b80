"""Every visible string in both languages: a page registers its table once and gets ``t(key)``.

A page registers ``{key: (english, chinese)}`` under a prefix and gets a function that turns a
key into a ``gr.I18n`` key (``t("title")``); ``i18n()`` gathers every page's strings for
``launch()``. A result computed at run time cannot go through ``gr.I18n`` (its strings are fixed
at launch and take no numbers), so a page returns it in both languages with ``say(en, zh)``; the
CSS (``pages/style.py``) shows the half of the page's language (see ``pages/layout.py``'s ``header``).
"""

from __future__ import annotations

import sys
import threading

import gradio as gr

# The registry of every page's strings, filled as the pages are imported and read by launch().
# Module-level because a page's t() and the app's i18n() must see the same table; locked because
# a page may be imported (and register) from a request's thread, as a lazily built tab is.
_LOCK = threading.Lock()
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
    with _LOCK:
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
    en, zh = translations()
    return gr.I18n(en=en, zh=zh, **{"zh-CN": dict(zh)})


def translations() -> tuple[dict[str, str], dict[str, str]]:
    """Copies of the English and the Chinese tables, ``{"prefix.key": text}``."""
    with _LOCK:
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
    # the probe ``header`` puts on every tab: CSS finds the page's language by it (pages/style.py)
    "locale": ('<span class="locale-en"></span>', '<span class="locale-zh"></span>'),
})


# what a page says where its model card's numbers go, before the model is trained
NOT_IN_CARD_YET = ("The held-out numbers appear here once the model card has them.", "模型卡写入留出集结果后显示在这里。")


def say(en: str, zh: str) -> str:
    """A result for ``result_note()``, in both languages (Markdown each: **bold**, a small table).

    The page shows only the half in its language; the API returns both. Put the key number and
    the paper's beside it: ``say(f"PSNR **{p:.1f} dB**; the paper: 24.7 dB.", f"PSNR **{p:.1f} dB**;论文:24.7 dB。")``.
    """
    # blank lines around each half: Markdown inside an HTML block is only parsed after one
    return f'<div lang="en">\n\n{en}\n\n</div>\n<div lang="zh">\n\n{zh}\n\n</div>'


def md_table(rows, headers) -> str:
    """A small Markdown table for ``say``: ``rows`` of values (numbers formatted already) under
    ``headers``, one list per language, e.g. ``md_table(rows, ["Method", "MB"])``."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
