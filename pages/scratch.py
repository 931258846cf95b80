"""Where pages write their output files (a WebP, a video), pruned on the schedule of Gradio's cache."""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
import uuid
from pathlib import Path

from PIL import Image

from showcase.core.settings import settings


def temp_schedule() -> tuple[int, int]:
    """``delete_cache`` for ``gr.Blocks``: (how often, how old) in seconds, from SHOWCASE_TEMP_AGE_S."""
    age = settings().temp_age_s
    return max(1, age // 10), age


class _Scratch:
    """One folder per process; every request writes into it, so the last prune's time is shared:
    the lock keeps two requests from both deciding to walk the folder at once."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="showcase-"))
        self.pruned_at = 0.0
        self.lock = threading.Lock()

    def pruned(self) -> Path:
        every, age = temp_schedule()
        now = time.time()
        with self.lock:
            if now - self.pruned_at < every:
                return self.folder
            self.pruned_at = now
        for old in self.folder.iterdir():
            with contextlib.suppress(OSError):
                if now - old.stat().st_mtime > age:
                    old.unlink()
        return self.folder


_SCRATCH = _Scratch()


def scratch_folder() -> Path:
    """The folder for a page's output files. Gradio copies an output file into its own temp
    folder (which ``delete_cache`` keeps bounded), so the scratch copies are pruned on the same
    schedule: files older than SHOWCASE_TEMP_AGE_S go, looked for at most every tenth of it."""
    return _SCRATCH.pruned()


def scratch_path(suffix: str) -> Path:
    """A new file name in ``scratch_folder()``."""
    return scratch_folder() / f"{uuid.uuid4().hex}{suffix}"


def scratch_file(data: bytes, suffix: str) -> str:
    """Write ``data`` to a new file in this process's scratch folder and return its path, for
    an output that already is a file (a JPEG, a video): Gradio serves it without encoding again."""
    path = scratch_path(suffix)
    path.write_bytes(data)
    return str(path)


def lossless_webp(image: Image.Image) -> str:
    """Save ``image`` as a lossless WebP and return its path for a ``gr.Image`` output.

    The page shows exact pixels (no JPEG artefacts) at a fraction of PNG's cost. For the
    512×512 SVD output, measured here: Gradio's default PNG ~120 ms; PNG level 1 33 ms, 414 KB;
    lossless WebP at its fastest method 17 ms, 363 KB.
    """
    path = scratch_path(".webp")
    image.save(path, format="WEBP", lossless=True, method=0, quality=0)
    return str(path)
