"""What ``launch()`` gets, for the whole app and for a page run alone: ``demo.launch(**launch_kwargs())``."""

from __future__ import annotations

import logging

from starlette.middleware import Middleware

from pages import gradio_fixes, gradio_sessions
from pages.language_link import LanguageFromLink
from pages.page_cache import PageCache
from pages.site import TabLinkRedirect
from pages.style import CSS, theme
from pages.translation import i18n
from showcase.core.settings import settings

log = logging.getLogger("showcase")


def launch_kwargs() -> dict:
    """Theme, CSS, translations, limits and the extra routes, as ``launch()``'s keyword arguments."""
    return dict(
        i18n=i18n(),
        css=CSS,
        # every public endpoint as a Model Context Protocol tool at /gradio_api/mcp/ (SHOWCASE_MCP)
        mcp_server=settings().mcp,
        theme=theme(),
        max_file_size=f"{settings().max_file_mb}mb",
        show_error=True,
        # a tab opens with its first example read from Gradio's examples cache (pages/fill.py), and
        # Gradio serves a result's file only from the working folder, the temp folder or these: with
        # the cache moved elsewhere (GRADIO_EXAMPLES_CACHE, as the benchmarks and tests do) every
        # cached image failed ("Cannot move … to the gradio cache dir"). Only the app writes there.
        allowed_paths=[gradio_sessions.examples_cache()],
        # off in a public app: Gradio's /monitoring/summary answers anyone with per-function traffic
        enable_monitoring=False,
        # ?lang=zh / ?lang=en in a link wins over the browser's language (pages/language_link.py)
        # a page's HTML made once and gzipped (pages/page_cache.py), outermost: it keeps what the browser gets
        app_kwargs={"routes": extra_routes(), "middleware": [Middleware(PageCache), Middleware(LanguageFromLink),
                                                             Middleware(TabLinkRedirect)]},
        **gradio_fixes.LAUNCH_INTERNALS,   # no self-check that kills a busy app (see there)
    )


def extra_routes() -> list:
    """Plain HTTP routes served on the app's own port beside the tabs: the chat tab's
    OpenAI-compatible ``/v1`` (Gradio hands ``app_kwargs`` to its FastAPI app). None if it fails.
    Read from the backend, not the chat page, which itself launches with these arguments."""
    try:
        from showcase.language.chat_server import routes
    except Exception:  # noqa: BLE001 - the other tabs run without it
        log.exception("the chat tab's /v1 routes are not served")
        return []
    return routes()
