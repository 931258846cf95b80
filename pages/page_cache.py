"""A page's HTML made once, then served from memory, gzipped for the browsers that ask for it.

    python app.py    # then: curl -s -o /dev/null -w "%{time_total}\\n" --compressed http://127.0.0.1:7860/math

Gradio renders a page's HTML afresh on every open: it deep-copies the page's config (0.4–0.8 MB of
JSON here), walks it to put the request's root URL on every file, and renders the template, about
35 ms of CPU an open (py-spy: ``safe_deepcopy``, ``update_root_in_config``, ``Template.render``).
A class opening 120 pages in its first fifteen seconds spent four seconds of the server's two cores
on it, while the same students waited for their first results. And the HTML went out uncompressed,
650 KB a page over a classroom's Wi-Fi (170 KB gzipped).

The page's config is fixed once the app is built, so the same request gets the same HTML: the first
open of a page renders it (concurrent opens of the same page wait for that one), the next are served
the same bytes. What the HTML depends on is the key: the path and query (``?lang=``, ``?tab=``, a
deep link), and what Gradio reads for the page's root URL (``Host``, ``X-Forwarded-*``, ``Forwarded``,
the ASGI ``root_path`` and scheme). The app has no login; one would add the user to the key.
``PageCache`` is an ASGI middleware, outermost, so it keeps the page as the browser gets it (with
``pages.language_link``'s script). Tests: ``tests/unit/test_page_cache.py``.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict

from pages.site import held_answer, is_page

ROOT_HEADERS = (b"host", b"forwarded", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port",
                b"x-forwarded-prefix")
MOST_PAGES = 64      # keys kept (a page is about 1 MB with its gzip): a stream of made-up Host headers stays bounded


class Page:
    """One rendered page: the answer's status and headers, its body, and the body gzipped."""

    def __init__(self, start: dict, body: bytes):
        self.status = start["status"]
        self.headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        self.body, self.gzipped = body, gzip.compress(body, 6)

    async def send(self, send, accepts_gzip: bool) -> None:
        body = self.gzipped if accepts_gzip else self.body
        headers = self.headers + [(b"vary", b"Accept-Encoding"), (b"content-length", str(len(body)).encode())]
        if accepts_gzip:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def key_of(scope: dict) -> tuple:
    headers = dict(scope.get("headers", []))
    return (scope["path"], scope.get("query_string", b""), scope.get("root_path", ""), scope.get("scheme"),
            tuple(headers.get(name, b"") for name in ROOT_HEADERS))


def accepts_gzip(scope: dict) -> bool:
    value = dict(scope.get("headers", [])).get(b"accept-encoding", b"").lower()
    return any(part.split(b";")[0].strip() == b"gzip" and not part.replace(b" ", b"").endswith(b"q=0")
               for part in value.split(b","))


class PageCache:
    """ASGI middleware: a GET of a page (``pages.site.is_page``) answered 200 with HTML is kept by
    ``key_of`` and served from memory after; anything else passes untouched, unbuffered."""

    def __init__(self, app):
        self.app = app
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.making: dict[tuple, asyncio.Lock] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = key_of(scope)
        page = self.pages.get(key)
        if page is None:
            lock = self.making.setdefault(key, asyncio.Lock())
            await lock.acquire()           # the first open of a page renders it; the others wait for it
            held = [True]
            try:
                page = self.pages.get(key) or await self.render(scope, receive, send, lock, held)
            finally:
                if held[0]:
                    lock.release()
            if page is None:               # not a page's HTML: already sent as it came; keep no lock for it
                self.making.pop(key, None)  # (a waiter holds its own reference; made-up keys stay bounded)
                return
            self.pages[key] = page
            while len(self.pages) > MOST_PAGES:
                self.making.pop(self.pages.popitem(last=False)[0], None)
        self.pages.move_to_end(key)
        await page.send(send, accepts_gzip(scope))

    async def render(self, scope, receive, send, lock: asyncio.Lock, held: list[bool]) -> Page | None:
        """The inner app's answer, kept as a ``Page`` when it is a 200 of uncompressed HTML; anything
        else is sent through as it comes, and the others waiting for this key go on at once (a
        stream must not hold them)."""
        def let_the_others_go():
            held[0] = False
            lock.release()

        answer = await held_answer(self.app, scope, receive, send, cacheable, on_pass=let_the_others_go)
        return None if answer is None else Page(*answer)


def cacheable(start: dict) -> bool:
    headers = dict((k.lower(), v) for k, v in start.get("headers", []))
    return (start["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html")
            and b"content-encoding" not in headers and b"set-cookie" not in headers)
