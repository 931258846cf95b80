"""A page's HTML made once (``pages/page_cache.py``): the same request gets Gradio's bytes without a
second render, gzipped when asked; another root URL (a proxy's ``Host``) renders its own; anything
else passes through as it came.

    python -m pytest tests/unit/test_page_cache.py -q
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
from urllib.parse import urlparse

import gradio as gr
from starlette.middleware import Middleware

from pages import page_cache
from pages.page_cache import PageCache
from tests.loops import run_apart

PAGE = b"<html><head></head><body>" + b"x" * 5000 + b"</body></html>"


def inner(status=200, content_type=b"text/html; charset=utf-8", body=PAGE, delay=0.0):
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["path"])
        await asyncio.sleep(delay)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body[:100], "more_body": True})
        await send({"type": "http.response.body", "body": body[100:]})

    return app, calls


def get(cache, path="/math", host=b"a.example", encoding=b""):
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "scheme": "http",
             "headers": [(b"host", host), (b"accept-encoding", encoding)]}
    run_apart(cache(scope, None, send))
    return dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_a_page_is_rendered_once_and_served_the_same_after():
    app, calls = inner()
    cache = PageCache(app)
    first = get(cache)
    again = get(cache)
    assert calls == ["/math"] and first[1] == again[1] == PAGE
    assert int(again[0][b"content-length"]) == len(PAGE) and b"content-encoding" not in again[0]
    headers, body = get(cache, encoding=b"gzip, deflate, br")
    assert headers[b"content-encoding"] == b"gzip" and gzip.decompress(body) == PAGE
    assert int(headers[b"content-length"]) == len(body) < len(PAGE) and headers[b"vary"] == b"Accept-Encoding"
    assert b"content-encoding" not in get(cache, encoding=b"gzip;q=0")[0]
    get(cache, host=b"b.example")                     # another root URL: its own page
    assert calls == ["/math", "/math"]


def test_what_is_not_a_pages_html_passes_through_every_time():
    for app, calls, path in [(*inner(), "/gradio_api/info"), (*inner(status=404), "/math"),
                             (*inner(content_type=b"application/json", body=b'{"a": 1}'), "/math")]:
        cache = PageCache(app)
        bodies = {get(cache, path=path)[1] for _ in range(2)}
        assert len(calls) == 2 and len(bodies) == 1 and not cache.pages and not cache.making


def test_a_class_opening_one_page_at_once_renders_it_once():
    app, calls = inner(delay=0.05)
    cache = PageCache(app)

    async def many():
        async def send(message):
            pass
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "scheme": "http",
                 "headers": [(b"host", b"a.example")]}
        await asyncio.gather(*(cache(dict(scope), None, send) for _ in range(20)))

    run_apart(many())
    assert calls == ["/"]


def test_the_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(page_cache, "MOST_PAGES", 3)
    app, calls = inner()
    cache = PageCache(app)
    for i in range(10):
        get(cache, host=f"h{i}.example".encode())
    assert len(cache.pages) == 3 and len(calls) == 10


def test_gradios_page_for_another_host_carries_that_hosts_root():
    """Through a launched Gradio app: the root URL Gradio writes into the page follows the request's
    ``Host``, and a cached page is Gradio's own answer, byte for byte."""
    with gr.Blocks() as demo:
        gr.Markdown("hello")
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, _frontend=False,
                app_kwargs={"middleware": [Middleware(PageCache)]})
    try:
        url = urlparse(demo.local_url)

        def fetch(host):
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            conn.request("GET", "/", headers={"Host": host})
            body = conn.getresponse().read()
            conn.close()
            return body

        first, second, other = fetch("class.example:8080"), fetch("class.example:8080"), fetch("other.example")
        assert first == second and b"http://class.example:8080" in first
        assert b"http://other.example" in other and b"class.example" not in other
    finally:
        demo.close()


def test_a_stream_on_a_page_path_does_not_hold_the_next_request():
    """A path that looks like a page (ends in "/") but streams (Gradio's MCP endpoint) is passed
    through at once: a second client's request to it does not wait for the first stream to end."""
    opened = []

    async def app(scope, receive, send):
        opened.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        await asyncio.sleep(60)

    cache = PageCache(app)

    async def two():
        async def send(message):
            pass
        scope = {"type": "http", "method": "GET", "path": "/gradio_api/mcp/", "query_string": b"", "headers": []}
        streams = [asyncio.create_task(cache(dict(scope), None, send)) for _ in range(2)]
        await asyncio.sleep(0.2)
        for stream in streams:
            stream.cancel()

    run_apart(two())
    assert len(opened) == 2
