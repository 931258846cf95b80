"""``?lang=`` in a link (``pages/language_link.py``): the script goes first in the page's <head>,
ahead of Gradio's module, and Gradio's frontend still reads the locale where the script sets it.
In a browser: tests/e2e/test_classroom.py.

    python -m pytest tests/unit/test_language_link.py
"""

from pathlib import Path

import gradio

from pages.language_link import SCRIPT, LanguageFromLink, with_script
from tests.loops import run_apart

PAGE = b'<html><head><meta charset="utf-8"><script type="module" src="./assets/index.js"></script></head></html>'


def test_the_script_comes_before_gradios_module():
    page = with_script(PAGE)
    assert page.index(SCRIPT) < page.index(b'type="module"')
    assert with_script(b"{}") == b"{}"


def serve(body: bytes, content_type: bytes, path: str = "/", method: str = "GET") -> tuple[dict, bytes]:
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        half = len(body) // 2
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path}
    run_apart(LanguageFromLink(app)(scope, None, send))
    start = sent[0]
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_the_middleware_adds_it_to_the_page_and_leaves_the_rest_alone():
    headers, body = serve(PAGE, b"text/html; charset=utf-8")
    assert body == with_script(PAGE) and int(headers[b"content-length"]) == len(body)
    assert serve(b'{"a": 1}', b"application/json")[1] == b'{"a": 1}'
    assert serve(PAGE, b"text/html", path="/gradio_api/file=x.html")[1] == PAGE
    assert serve(PAGE, b"text/html", method="HEAD")[1] == PAGE


def test_gradios_frontend_still_takes_the_locale_from_navigator_language():
    """Gradio 6.31's svelte-i18n reads ``window.navigator.language`` once (getLocaleFromNavigator):
    if an upgrade moves the choice elsewhere, the script stops working; this fails first."""
    assets = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    assert any(b"window.navigator.language||window.navigator.languages[0]" in f.read_bytes()
               for f in assets.glob("runtime-*.js"))
    assert gradio.__version__ == "6.31.0"
