"""``?lang=zh`` / ``?lang=en`` in any link opens the page in that language, whatever the browser
says: a teacher's Chinese slide opened on phones set to English, or the reverse.

    python app.py    # then open http://127.0.0.1:7860/?lang=zh in an English browser

Gradio 6.31 has no hook for it. Its frontend picks the locale once, from ``navigator.language``
(svelte-i18n's ``getLocaleFromNavigator``), when the app's config has arrived; ``launch(head=...)``
is no help, as the frontend adds that head from the config after it has chosen. So the page's HTML
gets a classic script at the top of its ``<head>``, which runs before Gradio's deferred module
and answers ``navigator.language`` with the link's choice: ``LanguageFromLink``, a small ASGI
middleware on the page's own route. Settings → Language still switches afterwards.
Tested in tests/e2e/test_classroom.py (a zh-CN browser with ``lang=en``, and the reverse) and
tests/unit/test_language_link.py: both fail if Gradio starts reading the locale elsewhere.
"""

from __future__ import annotations

from pages.site import held_answer, is_page

SCRIPT = b"""<script>
(() => {
  const tags = {"en": "en", "en-us": "en", "zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN"};
  let tag = tags[(new URLSearchParams(location.search).get("lang") || "").toLowerCase()];
  // the link's choice holds on the pages visited next in this browser tab (the area pages' links carry no lang=)
  try {
    if (tag) sessionStorage.setItem("showcase-lang", tag); else tag = tags[(sessionStorage.getItem("showcase-lang") || "").toLowerCase()];
  } catch (e) {}
  if (!tag) return;
  Object.defineProperty(navigator, "language", {get: () => tag, configurable: true});
  Object.defineProperty(navigator, "languages", {get: () => [tag], configurable: true});
  document.documentElement.lang = tag;
})();
</script>"""


def with_script(html: bytes) -> bytes:
    """``html`` with ``SCRIPT`` first in its ``<head>`` (unchanged when it has none)."""
    at = html.find(b"<head>")
    return html if at < 0 else html[:at + 6] + SCRIPT + html[at + 6:]


class LanguageFromLink:
    """ASGI middleware: GET of a page (the roadmap's or an area's: ``pages.site.is_page``) whose
    answer is HTML gets ``SCRIPT`` in its ``<head>``. Everything else passes untouched, unbuffered."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        held = await held_answer(self.app, scope, receive, send, _is_html)
        if held is None:
            return
        start, body = held
        page = with_script(body)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": page})


def _is_html(start: dict) -> bool:
    headers = dict((k.lower(), v) for k, v in start.get("headers", []))
    return headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers
