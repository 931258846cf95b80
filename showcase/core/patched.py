"""The third-party versions our patches of their internals were written for, and the one check.

Each patch sits beside the code it serves, with a comment saying what it works around:

    huggingface_hub  showcase/core/models.py           ``constants.HF_HUB_OFFLINE`` kept in step with the variable
    ultralytics      showcase/core/detector.py         PIL's ``Image.open`` given back after Ultralytics replaces it
    ultralytics      showcase/vision/detection_training.py  ``torch_utils.NUM_THREADS`` = 1
    flwr, torch      showcase/trust/dp_federated_worker.py  ``sys.modules`` entries that make tensorflow and triton
                                                      fail to import (Flower's optional import, torch's triton probe)

(Gradio's internals have a door of their own: ``pages/gradio_fixes.py``, with its ``PATCHED_FOR``.)
A patching module calls ``check(library)`` at import: when another version is installed the log
says so, once per library, and ``tests/unit/core/test_patched.py`` fails, so that an upgrade
re-checks each patch (its test says whether it still works) before ``WRITTEN_FOR`` is moved.
Users are never stopped by it.

    from showcase.core import patched
    patched.check("ultralytics")     # True when the installed version is the one in WRITTEN_FOR
"""

from __future__ import annotations

import functools
import logging
from importlib.metadata import PackageNotFoundError, version
from types import MappingProxyType

WRITTEN_FOR = MappingProxyType({
    "huggingface_hub": "2.4.0",
    "ultralytics": "8.4.190",
    "flwr": "1.42.0",
    "torch": "2.14.1",
})


def installed(library: str) -> str | None:
    """The installed distribution's version, read from its metadata (the library is not imported)."""
    try:
        return version(library)
    except PackageNotFoundError:
        return None


@functools.cache  # one warning per library and process, however many modules patch it
def check(library: str) -> bool:
    """Whether ``library`` is installed at the version its patches were written for; log it if not."""
    found, written_for = installed(library), WRITTEN_FOR[library]
    if found is not None and found != written_for:
        logging.getLogger("showcase").warning(
            "%s %s is installed; its patches (showcase/core/patched.py lists them) were written for %s: "
            "re-check them (tests/unit/core/test_patched.py fails until WRITTEN_FOR is moved)",
            library, found, written_for)
    return found == written_for
