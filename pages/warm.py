"""Compute every tab's first example into Gradio's examples cache before the app serves, so that the
first learner to open a tab is served from the cache like everyone after (``pages/fill.py``).

    python app.py --warm                       # every tab that fills on open; the Dockerfile runs it at build
    python app.py --warm math.svd,trust.shap

(The command is app.py's: this module is below the app, which builds the tables it fills.)

Without it the cache still fills at first use: the first learner to open a tab computes its example
once, for everyone (2-8 s for the slowest tabs on 2 cores). Run it with the environment the app
will serve with: the cache lives in ``GRADIO_EXAMPLES_CACHE`` (Gradio's default
``.gradio/cached_examples`` under the working folder), in a folder per examples table named by the
table's component id, which the same code builds the same way each time. Tabs that opt out of
filling on open (``FILL_ON_OPEN = False``: they train) are left alone: nobody asked them to run.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("showcase")


def warm(fills: dict, tabs: set[str] | None = None) -> dict[str, float | str]:
    """Seconds each tab's first example took to compute and cache (an error's text instead, for a tab
    that failed: the others still warm); ``fills`` is the built app's ``app.FILLS``."""
    took: dict[str, float | str] = {}
    for key, opens in fills.items():
        if not opens.fills or (tabs and key not in tabs):
            continue
        started = time.perf_counter()
        try:
            opens.examples.load_from_cache(0)   # computes and writes the cache once; a no-op when cached
        except Exception as exc:  # noqa: BLE001 - that tab computes at first use instead
            log.exception("%s: its first example was not cached", key)
            took[key] = f"{type(exc).__name__}: {exc}"
            continue
        took[key] = round(time.perf_counter() - started, 2)
        log.info("%s cached in %.2f s", key, took[key])
    return took


def main(fills: dict, tabs: str | None) -> int:
    """``python app.py --warm [TABS]``: warm, say what failed; exit status 1 if anything did."""
    took = warm(fills, set(tabs.split(",")) if tabs else None)
    failed = {k: v for k, v in took.items() if isinstance(v, str)}
    print(f"cached {len(took) - len(failed)} tabs' first examples; failed: {failed or 'none'}")
    return 1 if failed else 0
