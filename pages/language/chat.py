"""Tab: chat through the openai client, offline with the app's own toy GPT. Run alone: ``python -m pages.language.chat``.

The API key box is an input only: its value is never an output, never in an example, never logged.
"""

from __future__ import annotations

import functools

import gradio as gr

from pages.guard import json_safe
from pages.launch import launch_kwargs
from pages.layout import code_accordion, examples, header, lazy_demo, metrics_json, result_note, standalone
from pages.translation import say, strings
from showcase.core.errors import InputError
from showcase.core.settings import settings
from showcase.language import chat as backend
from showcase.language import chat_server

t = strings("chat", {
    "title": ("## GPT chat through the OpenAI client", "## 通过 OpenAI 客户端进行 GPT 对话"),
    "body": (
        "The official `openai` client streams the reply token by token from any OpenAI-compatible server: set the "
        "base URL, model, temperature, top-p and max tokens. With the base URL left empty it talks to this app's own "
        "`/v1/chat/completions`, which serves **pydoc-gpt**: a 1.4 M-parameter GPT-2 the project trained on Python's "
        "reference manual (`pydoc_data.topics`) with `transformers`. A toy trained on one manual writes plausible "
        "Python-doc prose, not answers: it continues your message in the manual's style and ignores the system prompt. "
        "The key comes from the box below (kept for this session, never stored or shown); the server's own "
        "`OPENAI_API_KEY` is used only with the base URL its owner set (`OPENAI_BASE_URL`, OpenAI's by default), "
        "never with a base URL typed here.",
        "官方 `openai` 客户端从任何兼容 OpenAI 的服务器逐个 token 流式接收回复:可设置 base URL、模型、温度、top-p 和最大 token 数。"
        "base URL 留空时,它连接本应用自己的 `/v1/chat/completions`,后者提供 **pydoc-gpt**:本项目用 `transformers` 在 Python "
        "参考手册(`pydoc_data.topics`)上训练的 144 万参数 GPT-2。只读过一本手册的玩具模型写出的是像模像样的 Python 文档式文字,"
        "而不是答案:它按手册的风格续写你的消息,并忽略系统提示。密钥来自下面的输入框(只在本会话中使用,从不保存或回显);"
        "服务器自己的 `OPENAI_API_KEY` 只用于其所有者设置的 base URL(`OPENAI_BASE_URL`,默认是 OpenAI 的),"
        "绝不会发往在这里输入的 base URL。",
    ),
    "reference": (
        "**Compare:** the toy's held-out perplexity is in its model card (a uniform guess over its vocabulary "
        "would score the vocabulary's size) with its bits per character. From any Python: `openai.OpenAI(base_url=\"http://127.0.0.1:7860/v1\", api_key=\"local\")`.",
        "**对照:** 玩具模型在留出文本上的困惑度写在模型卡中(在词表上均匀猜测的困惑度等于词表大小),以及每字符比特数。在任何 Python 中:"
        "`openai.OpenAI(base_url=\"http://127.0.0.1:7860/v1\", api_key=\"local\")`。",
    ),
    "chatbot": ("Conversation", "对话"),
    "message": ("Message", "消息"),
    "send": ("Send", "发送"),
    "settings": ("Server and sampling", "服务器与采样"),
    "system": ("System prompt", "系统提示"),
    "model": ("Model", "模型"),
    "base_url": ("Base URL (empty: this app's own /v1 with pydoc-gpt)", "Base URL(留空:本应用自己的 /v1 与 pydoc-gpt)"),
    "api_key": ("API key (this session only; empty: the server's key, for OPENAI_BASE_URL only)",
                "API 密钥(仅本会话;留空则用服务器的密钥,仅限 OPENAI_BASE_URL)"),
    "v1_open": (
        "**This app's `/v1` is open:** anyone who can reach this app can call it with any key. Its owner can "
        "require one by setting `SHOWCASE_API_KEY` (on a Space: a secret in the Space's settings).",
        "**本应用的 `/v1` 是开放的:** 任何能访问本应用的人都可以用任意密钥调用它。所有者可以设置 `SHOWCASE_API_KEY` "
        "来要求密钥(在 Space 上:在 Space 设置中添加一个 secret)。",
    ),
    "v1_locked": (
        "**This app's `/v1` wants a key:** send `Authorization: Bearer <SHOWCASE_API_KEY>` (`api_key=` in the "
        "`openai` client); this tab's own calls send it for you.",
        "**本应用的 `/v1` 需要密钥:** 请发送 `Authorization: Bearer <SHOWCASE_API_KEY>`(`openai` 客户端中的 "
        "`api_key=`);本标签页自己的调用会替你发送。",
    ),
    "temperature": ("Temperature (0 = greedy)", "温度(0 = 贪心)"),
    "top_p": ("Top-p", "Top-p"),
    "max_tokens": ("Max tokens", "最大 token 数"),
    "examples_note": (
        "The examples run on pydoc-gpt with the default settings: two headings from the manual, which it continues in "
        "the manual's style (working cases), then a hard case: a question, which a model that has only read the manual "
        "continues as if it were manual text instead of answering.",
        "示例用默认设置在 pydoc-gpt 上运行:先是手册中的两个标题,它按手册的风格续写(正常情况);最后是难例:一个问题——"
        "只读过手册的模型不会回答,而是把它当作手册文字续写下去。",
    ),
})

EXAMPLES = [["The \"with\" statement"], ["A list comprehension"], ["What is the capital of France?"]]
DEFAULTS = dict(system="", model=backend.LOCAL_MODEL, base_url="", temperature=0.8, top_p=0.95, max_tokens=80)

# A good call per api_name (the first example): app tests and benchmarks use it.
API = {"chat": [EXAMPLES[0][0], [], "", backend.LOCAL_MODEL, "", "", 0.8, 0.95, 80]}

# The tab opens with an empty conversation (pages/fill.py): replies are sampled afresh, so its examples
# run live rather than from a cache, and a reply nobody asked for would only hold the queue.
FILL_ON_OPEN = False
OPEN_NOTE = say("Replies are sampled afresh each time, so this tab waits for you: click an example below, "
                "or write a message and press **Send**.",
                "每次回复都是重新采样的,所以此标签页等你开始:点击下面的一个示例,或写下消息后按 **发送**。")


def routes() -> list:
    """The OpenAI-compatible routes this tab's default server needs, for ``launch(app_kwargs=...)``."""
    return chat_server.routes()


def _own_v1(request: gr.Request | None) -> str | None:
    """This app's own /v1 address, from the socket the request arrived on (works behind proxies)."""
    server = request.request.scope.get("server") if request is not None and request.request is not None else None
    if not server:
        return None
    host, port = server
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "", None) else host
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/v1"


@functools.cache
def _script_v1() -> str:
    """Outside a running app (the tab's "run it yourself" script), pydoc-gpt's /v1 served by this
    process on a free loopback port, once: the script then makes the same HTTP calls the tab makes."""
    return chat_server.serve_in_thread()[1]


def summary(m: dict) -> str:
    """Which model served the reply, how many tokens in what time, and what to expect of the toy."""
    tokens = m["completion_tokens"] if m["completion_tokens"] is not None else "?"
    first = f"{m['first_token_ms']:.0f}" if m.get("first_token_ms") is not None else "?"
    local = m["source"].startswith("bundled")
    where_en = "this app's own /v1" if local else m["source"].removeprefix("api: ")
    where_zh = "本应用自己的 /v1" if local else m["source"].removeprefix("api: ")
    en = (f"**{m['model']}** from {where_en}: **{tokens}** tokens in **{m['seconds']:.2f} s** "
          f"(first token after {first} ms).")
    zh = f"**{m['model']}**,来自{where_zh}:**{m['seconds']:.2f} 秒**生成 **{tokens}** 个 token(首个 token 用时 {first} 毫秒)。"
    if local and m["model"] == backend.LOCAL_MODEL:
        en += " A toy trained on Python's manual: it writes Python-doc prose, not answers."
        zh += "这是只在 Python 手册上训练的玩具模型:它写的是 Python 文档式文字,而不是答案。"
    return say(en, zh)


def respond(message=EXAMPLES[0][0], history=None, system="", model=backend.LOCAL_MODEL, base_url="", api_key="",
            temperature=0.8, top_p=0.95, max_tokens=80, request: gr.Request = None):
    """Chat with a language model: the project's own pydoc-gpt (a small GPT trained on Python's documentation) or any
    OpenAI-compatible server.

    Args:
        message: your message (pydoc-gpt continues text about Python's standard library best).
        history: the conversation so far, a list of {"role", "content"} messages; empty to start one.
        system: a system prompt; empty for none.
        model: the model's name: "pydoc-gpt" for the bundled one, or a name the server at base_url serves.
        base_url: an OpenAI-compatible server's URL; empty for this app's own /v1 serving pydoc-gpt.
        api_key: the key for base_url, used for this call only; empty to use none (or the owner's for the owner's URL).
        temperature: sampling temperature, from 0 (greedy) to 2.
        top_p: nucleus sampling's probability mass, from 0.05 to 1.
        max_tokens: the longest reply in tokens, an integer from 1 to 4096.

    Returns:
        the conversation with the reply appended (chatbot messages); the result in a sentence (English and Chinese);
        metrics: model, source, prompt_tokens, completion_tokens, seconds.
    """
    # a generator: the conversation grows as the reply streams in; the summary and metrics come last
    history = list(history or [])
    try:
        updates = backend.chat(message, history, system, model, base_url, api_key, temperature, top_p, max_tokens,
                               local_base=None if str(base_url or "").strip() else _own_v1(request) or _script_v1())
        turn = history + [{"role": "user", "content": str(message)}]
        for update in updates:
            shown = turn + [{"role": "assistant", "content": update.reply}]
            if update.metrics:
                yield shown, summary(update.metrics), json_safe(update.metrics)
            else:
                yield shown, gr.skip(), gr.skip()
    except InputError as exc:
        raise gr.Error(str(exc)) from None  # Gradio titles it "Error" in the page's language


def respond_example(message=EXAMPLES[0][0], request: gr.Request = None):
    yield from respond(message, [], **DEFAULTS, request=request)


def build() -> None:
    header(t("title"), t("body"), t("reference"))
    gr.Markdown(t("v1_locked") if settings().api_key else t("v1_open"))   # read once, as the /v1 routes read it
    with gr.Row():
        with gr.Column(scale=2):
            # the manual's prose the toy writes, and the prompts it continues: data, not the page's prose
            chatbot = gr.Chatbot(label=t("chatbot"), height=360, elem_classes="model-text")
            message = gr.Textbox(value=EXAMPLES[0][0], lines=2, max_length=backend.MAX_CHARS, label=t("message"))
            send = gr.Button(t("send"), variant="primary")
            note = result_note()   # under the conversation it describes, not below the settings
            metrics = metrics_json()
        with gr.Column(scale=1):
            with gr.Accordion(t("settings"), open=True):
                system = gr.Textbox(value=DEFAULTS["system"], lines=2, label=t("system"))
                model = gr.Textbox(value=DEFAULTS["model"], label=t("model"))
                base_url = gr.Textbox(value=DEFAULTS["base_url"], placeholder="https://api.openai.com/v1", label=t("base_url"))
                api_key = gr.Textbox(value="", type="password", label=t("api_key"))
                temperature = gr.Slider(0, 2, value=DEFAULTS["temperature"], step=0.05, label=t("temperature"))
                top_p = gr.Slider(0.05, 1, value=DEFAULTS["top_p"], step=0.05, label=t("top_p"))
                max_tokens = gr.Slider(1, 4096, value=DEFAULTS["max_tokens"], step=1, label=t("max_tokens"))
    outputs = [chatbot, note, metrics]
    # sampled at temperature 0.8, so run live rather than cached: each click shows a fresh reply
    shown = examples(EXAMPLES, [message], outputs, respond_example, t("examples_note"), cache_examples=False,
                     run_on_click=True, elem_id="model-text-chat")
    shown.dataset.layout = "table"  # one input would make it cards; a table like every other tab's
    inputs = [message, chatbot, system, model, base_url, api_key, temperature, top_p, max_tokens]
    send.click(respond, inputs, outputs, api_name="chat", concurrency_id="chat", concurrency_limit=4)
    message.submit(respond, inputs, outputs, api_visibility="private", concurrency_id="chat")
    code_accordion(backend.chat, backend.generate, chat_server.routes)


__getattr__ = lazy_demo(build)


if __name__ == "__main__":
    standalone(build).launch(**launch_kwargs())
