"""What every topic tab offers a class: a link to the run on screen with its QR code, the run as a
script and a notebook, and the tab's guided "Try this" steps. app.py calls ``wire`` for each tab it builds.

    python app.py    # then open http://127.0.0.1:7860/?tab=math.svd&rank=8&example=2&lang=zh

Nothing here computes at start-up: the link, its QR code and the files are made when a result
arrives (the change of the tab's metrics, its last output), from the inputs that produced it. The
link carries the language the page shows (``lang=``, read by ``pages.language_link``),
and the same event gives the tab's images their alt text: the result sentence in that language.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

import gradio as gr
import segno

from pages import links, script, try_this
from pages.layout import PAGE_LANGUAGE_JS, alt_text
from pages.translation import strings, tc

log = logging.getLogger("showcase")

t = strings("classroom", {
    "title": ("Share this run · run it yourself", "分享这次运行 · 自己运行"),
    "link": ("Link to this run (for slides: it opens this tab with these settings and result)",
             "这次运行的链接(可放进幻灯片:打开此标签页,带着这些设置与结果)"),
    "py": ("Script (.py)", "脚本 (.py)"),
    "ipynb": ("Notebook (.ipynb)", "笔记本 (.ipynb)"),
    "how": ("The script calls the same function as the tab, with these inputs, and prints the same metrics. "
            "Run it from the project's folder with the project installed (`pip install -r requirements.txt`).",
            "脚本用这些输入调用与标签页相同的函数,并打印相同的指标。请在项目文件夹中、装好项目后"
            "(`pip install -r requirements.txt`)运行。"),
    "qr": ("QR code of this link (a phone opens the same run; the full-screen button at its top right enlarges it)",
           "此链接的二维码(手机扫码即打开同一次运行;右上角的全屏按钮可将其放大)"),
    "lost": ("(Your own upload cannot travel in a link: the link uses the tab's example file instead.)",
             "(你自己上传的文件无法放进链接:链接改用标签页的示例文件。)"),
})

_files = Path(tempfile.mkdtemp(prefix="showcase-scripts-"))


def home_note() -> gr.Markdown:
    """Where the home tab says why a link did not open a tab (``links.route`` fills it)."""
    # the language probe (pages.layout.header): the note is a say() value, shown in the page's language
    gr.HTML(tc("locale"), elem_classes="locale-probe", container=False, padding=False)
    return gr.Markdown(visible=False, elem_classes=["summary", "link-note"])


def wire(tab: gr.Tab, made: list[gr.Examples], fills: bool) -> links.TabInputs | None:
    """Give the built tab its link parameters, its "Try this" steps and its share panel.

    Call inside ``with tab:`` after the page is built."""
    inputs = links.register(tab.id, made, fills)
    if inputs is None:
        return None
    try:
        try_this.render(tab, inputs)
    except Exception:  # noqa: BLE001 - a broken steps file must not take the tab down (tests/unit/test_try_this.py)
        log.exception("%s: its Try this steps are not shown", inputs.key)
    share_panel(inputs)
    return inputs


def share_panel(inputs: links.TabInputs) -> None:
    ex = inputs.examples
    with gr.Accordion(t("title"), open=False, elem_classes="share-run"):
        with gr.Row():
            with gr.Column(scale=3):
                link = gr.Textbox(label=t("link"), interactive=False, buttons=["copy"], elem_classes="share-link")
                with gr.Row():
                    py = gr.DownloadButton(t("py"), value=None, interactive=False, size="sm", elem_classes="share-py")
                    nb = gr.DownloadButton(t("ipynb"), value=None, interactive=False, size="sm",
                                           elem_classes="share-ipynb")
                gr.Markdown(t("how"), elem_classes="examples-note")
                lost = gr.Markdown(t("lost"), visible=False, elem_classes="examples-note")
            with gr.Column(scale=2, min_width=280):
                # its caption above it, not as the image's label: Gradio draws a label over the image's
                # top left, and a two-line one covered the code's finder patterns (tests/e2e/test_classroom.py)
                gr.Markdown(t("qr"), elem_classes="examples-note")
                # 320 px on a 1280×720 projector is ~45% of the screen's height; fullscreen fills it
                qr = gr.Image(show_label=False, type="filepath", format="png", interactive=False, height=320,
                              buttons=["fullscreen", "download"], elem_classes="share-qr")
        language = gr.Textbox(visible=False)   # filled in the browser by PAGE_LANGUAGE_JS
    images = [c for c in ex.outputs if isinstance(c, gr.Image)]
    note = next((c for c in ex.outputs if isinstance(c, gr.Markdown) and "summary" in (c.elem_classes or [])), None)
    sent = [*ex.inputs, *([note] if note is not None else []), language]

    def shared(request: gr.Request, *values):   # Gradio passes the request first (special_args)
        by_name = dict(zip(inputs.params, values))
        lang = "zh" if values[-1] == "zh" else "en"
        made = links.share(inputs, by_name)
        url = f"{base_url(request)}?{made.query}&lang={lang}"
        folder = _files / uuid.uuid4().hex[:12]
        try:
            py_path, nb_path = script.write(inputs, by_name, folder)
        except Exception:  # noqa: BLE001 - the link still works without the files
            log.exception("%s: the script of this run could not be written", inputs.key)
            py_path = nb_path = None
        alt = alt_text(values[-2], lang) if note is not None else ""
        qr_alt = f"QR code of {url}" if lang == "en" else f"链接 {url} 的二维码"
        return (url, gr.update(value=qr_code(url, folder), alt_text=qr_alt),
                gr.DownloadButton(value=py_path, interactive=py_path is not None),
                gr.DownloadButton(value=nb_path, interactive=nb_path is not None),
                gr.Markdown(visible=bool(made.lost)),
                *(gr.update(alt_text=alt or None) for _ in images))

    # the metrics (the tab's last output) change when a result arrives: share the inputs that made it
    ex.outputs[-1].change(shared, sent, [link, qr, py, nb, lost, *images], js=PAGE_LANGUAGE_JS, queue=False,
                          show_progress="hidden", api_visibility="private")


def qr_code(url: str, folder: Path) -> str:
    """``url`` as a QR code, a PNG in ``folder``: error correction M (15% of it may be unreadable,
    a projector's glare), 10 px a module with the standard 4-module quiet zone, black on white."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qr.png"
    segno.make(url, error="m", micro=False).save(path, kind="png", scale=10, border=4)
    return str(path)


def base_url(request: gr.Request | None) -> str:
    """The page's address as the learner's browser has it (the referer: right behind proxies and
    under a Space's prefix too), without its query."""
    if request is None or request.request is None:
        return "/"
    page = request.headers.get("referer", "")
    if page.startswith(("http://", "https://")):
        return page.split("#")[0].split("?")[0]
    return f"{request.request.url.scheme}://{request.headers.get('host', '127.0.0.1:7860')}/"
