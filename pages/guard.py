"""``guard``: how every page's handler fails, and what happens after its first good call.

``guard`` runs a backend call and turns ``InputError`` into a ``gr.Error`` the user can read, and
any other failure into a short message, so the server stays up; results go through ``json_safe``.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import threading
import time

import gradio as gr

from showcase.core.errors import InputError

log = logging.getLogger("showcase")

# The handlers already settled: once per handler in the life of the process, so it is process
# state by nature; locked because two requests may finish their first call at the same moment.
_settled: set[str] = set()
_settled_lock = threading.Lock()


def settle_once(name: str) -> None:
    """After the first call of handler ``name``: collect, then move every object alive now out of
    the garbage collector's sight (``gc.freeze``), as ``app.settle`` does at start-up. The models
    and tables a first call loads live as long as the app; left in the oldest generation, every
    full collection walked them, ~150 ms each, inside whichever request was running (14 in 180
    quick calls, with every tab loaded). A request running in another thread at this moment has its
    objects frozen too: freed as usual when their count drops, kept only if they form a cycle, and
    this happens once per handler in the life of the process."""
    with _settled_lock:
        if name in _settled:
            return
        _settled.add(name)
    gc.collect()
    gc.freeze()


def guard(fn):
    """Wrap a page's handler: ``InputError`` becomes a ``gr.Error`` with its message; after its
    first good call, ``settle_once``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            settle_once(f"{fn.__module__}.{fn.__qualname__}")
            return tuple(map(json_safe, result)) if isinstance(result, tuple) else json_safe(result)
        except gr.Error:
            raise
        except InputError as exc:
            raise gr.Error(str(exc)) from exc  # Gradio titles it "Error" in the page's language
        except Exception as exc:  # noqa: BLE001 - the server must stay up whatever a backend does
            log.exception("%s failed", fn.__name__)
            raise gr.Error(
                f"{type(exc).__name__}: {exc}. Try other settings; the app keeps running.",
            ) from exc
        finally:
            log.info("%s took %.0f ms", fn.__name__, 1000 * (time.perf_counter() - started))

    return wrapper


def json_safe(value):
    """Metrics with NaN or infinity in them are not JSON, and a cached example holding one never
    reaches the browser: write them as None and "inf"."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return type(value)(json_safe(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value
