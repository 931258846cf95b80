"""What every topic tab offers a class: a link to the run on screen, the run as a script and a
notebook, and the tab's guided "Try this" steps. app.py calls ``wire`` for each tab it builds.

    python app.py    # then open http://127.0.0.1:7860/?tab=math.svd&rank=8&example=2

Nothing here computes at start-up: the link and the files are made when a result arrives (the
change of the tab's metrics, its last output), from the inputs that produced it.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

import gradio as gr

from pages import links, script, try_this
from pages.common import strings, tc

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
    "lost": ("(Your own upload cannot travel in a link: the link uses the tab's example file instead.)",
             "(你自己上传的文件无法放进链接:链接改用标签页的示例文件。)"),
})

_files = Path(tempfile.mkdtemp(prefix="showcase-scripts-"))


def home_note() -> gr.Markdown:
    """Where the home tab says why a link did not open a tab (``links.route`` fills it)."""
    # the language probe (pages.common.header): the note is a say() value, shown in the page's language
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
        link = gr.Textbox(label=t("link"), interactive=False, buttons=["copy"], elem_classes="share-link")
        with gr.Row():
            py = gr.DownloadButton(t("py"), value=None, interactive=False, size="sm", elem_classes="share-py")
            nb = gr.DownloadButton(t("ipynb"), value=None, interactive=False, size="sm", elem_classes="share-ipynb")
        gr.Markdown(t("how"), elem_classes="examples-note")
        lost = gr.Markdown(t("lost"), visible=False, elem_classes="examples-note")

    def shared(request: gr.Request, *values):   # Gradio passes the request first (special_args)
        by_name = dict(zip(inputs.params, values))
        made = links.share(inputs, by_name)
        folder = _files / uuid.uuid4().hex[:12]
        try:
            py_path, nb_path = script.write(inputs, by_name, folder)
        except Exception:  # noqa: BLE001 - the link still works without the files
            log.exception("%s: the script of this run could not be written", inputs.key)
            py_path = nb_path = None
        return (f"{base_url(request)}?{made.query}",
                gr.DownloadButton(value=py_path, interactive=py_path is not None),
                gr.DownloadButton(value=nb_path, interactive=nb_path is not None),
                gr.Markdown(visible=bool(made.lost)))

    # the metrics (the tab's last output) change when a result arrives: share the inputs that made it
    ex.outputs[-1].change(shared, ex.inputs, [link, py, nb, lost], queue=False, show_progress="hidden",
                          api_visibility="private")


def base_url(request: gr.Request | None) -> str:
    """The page's address as the learner's browser has it (the referer: right behind proxies and
    under a Space's prefix too), without its query."""
    if request is None or request.request is None:
        return "/"
    page = request.headers.get("referer", "")
    if page.startswith(("http://", "https://")):
        return page.split("#")[0].split("?")[0]
    return f"{request.request.url.scheme}://{request.headers.get('host', '127.0.0.1:7860')}/"
