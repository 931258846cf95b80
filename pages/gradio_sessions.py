"""Gradio's internals for sessions, connections and served files: the second door beside ``pages/gradio_fixes.py``
(same rule: no other module names them; ``tests/unit/test_gradio_private.py``; written for
``gradio_fixes.PATCHED_FOR``).

7. **A new session cost the whole app's config.** The first request of each browser session
   (every page open makes one) builds a ``SessionState``, which computed ``config_for_block`` for
   every block of the app, about 3,000 of them here, up front, for Gradio's deep links
   (``/gradio_api/deep_link``, which this app does not offer). That is 60–120 ms of CPU on the
   server's event loop per page open (py-spy: ``SessionState.__init__`` →
   ``config_for_block`` → ``Component.get_config`` → ``inspect.signature``): the tab's first
   unqueued call (its fill) waited for it, and a class of 60 opening 120 pages in ten seconds
   stalled every request behind 7–14 s of it. Here each block's config is computed when first
   asked for (the same value, from the same block), so a deep link still gets every one.
   Applied on import. Test: ``tests/unit/test_gradio_sessions.py``.

8. **A connection closed under a request.** Gradio starts uvicorn with its default keep-alive of
   5 s: an idle connection is closed after 5 s, which is also when clients give theirs up
   (httpx, hence gradio_client, keeps one 5 s) or reuse it (a student's think time is 2–5 s). A
   request sent on a connection the server is closing at that moment gets no answer: "Remote end
   closed connection without response" (requests). One of 1,484 calls of a 10-minute class failed
   so; a bare uvicorn showed 8 of 600 with requests idle 4.995–5.005 s, 0 with
   75 s. The server here keeps an idle connection ``KEEP_ALIVE_S``, longer than the clients' own
   and than the usual proxy's idle timeout (60 s), so a client or proxy lets it go first.
   Applied on import. Test: ``tests/unit/test_gradio_sessions.py``.

9. **A call submitted as the server closed the stream was cancelled (gradio_client).** The
   server ends a session's message stream (``close_stream``) once none of its calls is pending.
   gradio_client 2.x registers each new call to the stream it believes open, and when that stream
   ends it cancels every call registered to it. A call submitted back-to-back, between the server's
   ``close_stream`` and the client's reader reading it (a busy machine: the reader waits for the
   GIL), is registered to the closing stream: the server runs it and queues its messages for the
   session's next stream, which the client never opens, and the client raises ``CancelledError``
   (the 8-client load test: one call of about 280, in two full runs before this fix). ``Client``
   here reads on: when the server closed its stream while a call registered to it waits for its
   answer, it opens the stream again (or leaves the call to a newer stream, if one opened). The
   app's benchmarks and tests connect with it (``benchmarks.server.connect``).
   Test: ``tests/unit/test_gradio_sessions.py``.

Use: the folder of Gradio's examples cache (``GRADIO_EXAMPLES_CACHE``), for ``allowed_paths``
(``pages/launch.py``); and a component's value as the page is built set to a cached example's
result, files included (``shown_as_built``: an area's first tab opens showing it, ``pages/fill.py``).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from copy import copy
from pathlib import Path

import gradio_client
from gradio import http_server, processing_utils, state_holder, utils

KEEP_ALIVE_S = 75    # seconds an idle client connection is kept open (uvicorn's default: 5)


class LazyConfigValues(MutableMapping):
    """``SessionState.config_values``: ``{block id: its config}``, each made when first read."""

    def __init__(self, blocks_config, ids):
        self.blocks_config = blocks_config
        self.ids = dict.fromkeys(ids)          # the blocks, in Gradio's order
        self.made: dict = {}

    def __getitem__(self, key):
        if key not in self.made:
            if key not in self.ids:
                raise KeyError(key)
            self.made[key] = self.blocks_config.config_for_block(key, [], self.blocks_config.blocks[key])
        return self.made[key]

    def __setitem__(self, key, value):
        self.ids.setdefault(key)
        self.made[key] = value

    def __delitem__(self, key):
        del self.ids[key]
        self.made.pop(key, None)

    def __iter__(self):
        return iter(list(self.ids))

    def __len__(self):
        return len(self.ids)

    def __contains__(self, key):
        return key in self.ids


_original_init = state_holder.SessionState.__init__


def _lazy_session_init(self, blocks):
    """``SessionState.__init__`` of Gradio 6.31, line for line, but ``config_values`` lazy."""
    self.blocks_config = copy(blocks.default_config)
    self.config_values = LazyConfigValues(self.blocks_config,
                                          [k for k in self.blocks_config.blocks if k in blocks.blocks])
    self.state_data = {}
    self._state_ttl = {}
    self.is_closed = False
    self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600


_original_server_init = http_server.Server.__init__


def _server_init(self, config, *args, **kwargs):
    """Gradio's ``Server.__init__``, then fix 8: uvicorn reads the keep-alive per connection, from here."""
    _original_server_init(self, config, *args, **kwargs)
    self.config.timeout_keep_alive = max(self.config.timeout_keep_alive, KEEP_ALIVE_S)


class Client(gradio_client.Client):
    """gradio_client's ``Client`` with fix 9: a call registered to a stream the server closed is read
    from the session's next stream, not cancelled."""

    def stream_messages(self, protocol, session_hash) -> None:
        with self.pending_lock:
            epoch = self.stream_epoch     # the client opened this reader as this epoch began
        while True:
            super().stream_messages(protocol, session_hash)
            with self.pending_lock:
                closed = not self.stream_open or self.stream_epoch != epoch   # close_stream, not a broken stream
                waiting = [e for e in self.pending_event_ids if self.pending_event_epoch.get(e) == epoch]
                if not closed or not waiting:
                    return
                if self.stream_epoch != epoch:    # a newer stream opened: it reads them (the session's queue)
                    self.pending_event_epoch.update(dict.fromkeys(waiting, self.stream_epoch))
                    return
                self.stream_open = True           # read on, and later calls join this stream again


def install() -> None:
    if state_holder.SessionState.__init__ is not _lazy_session_init:
        state_holder.SessionState.__init__ = _lazy_session_init
    if http_server.Server.__init__ is not _server_init:
        http_server.Server.__init__ = _server_init


def examples_cache() -> str:
    """Gradio's examples cache folder, resolved (``GRADIO_EXAMPLES_CACHE`` or its default)."""
    return str(Path(utils.get_cache_folder()).resolve())


def shown_as_built(component, value) -> None:
    """Make ``component`` carry ``value``, one of ``Examples.load_from_cache``'s results (already
    postprocessed; maybe a property update), in the page's config, as a value given at build does.
    Call before the app launches: Gradio computes the config then."""
    from gradio.utils import is_prop_update
    from pydantic import BaseModel

    if is_prop_update(value):
        props = {k: v for k, v in value.items() if k != "__type__"}
        value = props.pop("value", component.value)
        for name, prop in props.items():
            setattr(component, name, prop)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    component.value = processing_utils.move_files_to_cache(value, component, postprocess=True, keep_in_cache=True)


install()
