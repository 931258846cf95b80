"""The app as pages: the roadmap at ``/`` and one page per area (``/math``, ``/vision``, …), each
holding its topics' tabs and sending the browser only its own components (Gradio's multipage apps,
``demo.route``).

    python app.py    # then open http://127.0.0.1:7860/ and http://127.0.0.1:7860/math?tab=math.pca

Why pages: one page holding all 30 tabs sent 2.5 MB of config (1,979 components) and the browser
took 3-11 s to build it before a tab could be clicked; an area's page holds 3-4 tabs (benchmarks/
page_load.py measures both beside a minimal Gradio app). Moving between pages is plain navigation
(links, so the back button and a bookmark work); ``?tab=area.name`` on any page is answered with a
redirect to that area's page (``TabLinkRedirect``), so the links and QR codes shared before keep
working, and ``?lang=`` carries over to the pages visited next (``pages/language_link.py``).
Gradio's own navigation bar shows the pages' names in one language only: each page has this
module's bilingual bar instead, and Gradio's is hidden.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import gradio as gr

from showcase.core.topics import AREAS


def path_of(area: str | None) -> str:
    """An area's page, relative to the app's root (and so to any page: they are siblings there),
    which keeps the links right under a Space's or a proxy's prefix; ``None``: the roadmap."""
    return "./" if area is None else area


def link_to(key: str) -> str:
    """The link that opens topic ``key`` ("math.svd") on its area's page."""
    return f"{path_of(key.split('.')[0])}?tab={key}"


def header(areas: list[str], current: str | None, title, home_name, area_name) -> None:
    """The page's one h1 (``title``) and the bar of links to the roadmap and every area (``current``: this
    page's area, None on the roadmap), bilingual: ``title``, ``home_name`` and ``area_name(area)`` are
    ``gr.I18n`` keys."""
    gr.Navbar(visible=False)   # ours below speaks both languages
    # the page's one h1 (screen readers jump by headings; axe's page-has-heading-one)
    gr.Markdown(title, elem_classes="app-title")
    with gr.Row(elem_classes="area-nav"):
        for area in [None, *areas]:
            name = home_name if area is None else area_name(area)
            gr.Button(name, link=path_of(area), size="sm", min_width=80, scale=0,
                      variant="primary" if area == current else "secondary",
                      elem_classes="area-link-current" if area == current else "area-link")


def redirect_for(path: str, query: str) -> str | None:
    """Where a request for page ``path`` with ``query`` belongs: the page of the area its ``tab=`` names
    (the query kept whole), or None when it is there already or names no area."""
    tab = dict(parse_qsl(query)).get("tab", "")
    area = tab.split(".")[0]
    if area not in AREAS or "." not in tab:
        return None     # no tab, or a wrong one: the page it asked for says why (links.route)
    here = path.rstrip("/").rsplit("/", 1)[-1]
    if here == area:
        return None
    # relative to the page asked for: "/" -> "/vision", "/math" -> "/vision", under any prefix
    return f"{'./' if path.endswith('/') else ''}{area}?{query}"


async def held_answer(app, scope, receive, send, wanted, on_pass=None) -> tuple[dict, bytes] | None:
    """Run ``app`` and hold its answer when ``wanted(its start message)``: returns (start, body) for
    the caller to send, changed or not. Any other answer goes straight through, unbuffered (after
    ``on_pass()``), and None is returned. For the page middlewares (``pages/language_link.py``,
    ``pages/page_cache.py``)."""
    start: dict = {}
    body: list[bytes] = []

    async def hold(message):
        if message["type"] == "http.response.start":
            start.update(message)
            if not wanted(message):
                start["pass"] = True
                if on_pass:
                    on_pass()
                await send(message)
            return
        if start.get("pass") or message["type"] != "http.response.body":
            await send(message)
            return
        body.append(message.get("body", b""))

    await app(scope, receive, hold)
    return None if not start or start.get("pass") else (start, b"".join(body))


def is_page(path: str) -> bool:
    """``path`` asks for one of the app's pages: the roadmap (a path ending in "/", as Gradio serves it
    there and under a Space's or a proxy's prefix) or an area's."""
    return path.endswith("/") or path.rsplit("/", 1)[-1] in AREAS


class TabLinkRedirect:
    """ASGI middleware: a GET of a page whose ``?tab=`` names another area's topic is redirected
    (302, the query kept) to that area's page. A 302 replaces the address in the browser's history, so
    the back button leads to the page before the link, not to a page that redirects again."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and is_page(scope["path"]):
            target = redirect_for(scope["path"], scope.get("query_string", b"").decode("latin-1"))
            if target is not None:
                await send({"type": "http.response.start", "status": 302,
                            "headers": [(b"location", target.encode("latin-1")), (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
