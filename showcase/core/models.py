"""Model resolution: every tab finds its model the same way and says which one served.

    spec = ModelSpec(name="tiny-bert", bundled=asset("language", "bert", "model"),
                     hub_repo="google-bert/bert-base-uncased")
    found = resolve(spec, prefer="hub")     # Resolved(path=..., source="hub" | "bundled", name=...)
    model = load(spec, AutoModel.from_pretrained, prefer="hub")   # one instance per process

Order, for ``prefer="hub"``: the local hub cache, then a download when the hub answers, then the
bundled weights. For ``prefer="bundled"`` the bundled weights come first. Whether the hub answers
is decided once per process by one short TCP probe (``hub_reachable``); when it does not, or when
``SHOWCASE_OFFLINE=1``, ``HF_HUB_OFFLINE=1`` is set so transformers and huggingface_hub fail at
once instead of retrying for ~25 s.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from showcase.core import patched
from showcase.core.errors import InputError
from showcase.core.settings import settings


class ModelUnavailable(InputError):
    """No copy of the model can be had here; the message says which model to choose instead."""


@dataclass(frozen=True)
class ModelSpec:
    name: str                                # what the UI shows, e.g. "YOLO11n (COCO)"
    bundled: Path | None = None              # file or folder under assets/
    hub_repo: str | None = None              # Hugging Face repo id
    hub_files: tuple[str, ...] | None = None  # allow_patterns for the snapshot; None = whole repo
    hub_revision: str | None = None


@dataclass(frozen=True)
class Resolved:
    name: str
    path: Path
    source: str  # "bundled" | "hub"
    detail: dict[str, Any] = field(default_factory=dict)


patched.check("huggingface_hub")  # _go_offline below sets one of its module constants


def _go_offline() -> None:
    """Make transformers and huggingface_hub refuse any request at once, in this process and its children."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    # huggingface_hub (2.4.0: patched.WRITTEN_FOR) reads the variable once, at import, into
    # ``constants.HF_HUB_OFFLINE``, which every request consults (``constants.is_offline_mode``);
    # it has no public switch, so a late decision is written into the constant. Without it each
    # request would try the network and wait on its timeouts and retries (~25 s) before failing.
    # tests/unit/core/test_patched.py checks that a download is then refused with no connection.
    try:
        import huggingface_hub.constants as hf_constants

        hf_constants.HF_HUB_OFFLINE = True
    except ImportError:
        pass


def _hub_endpoint() -> tuple[str, int]:
    endpoint = os.environ.get("HF_ENDPOINT")
    if not endpoint:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    url = urlparse(endpoint)
    return url.hostname or "localhost", url.port or (443 if url.scheme == "https" else 80)


_probe_lock = threading.Lock()
_probe_result: bool | None = None


def hub_reachable(timeout: float = 1.5) -> bool:
    """One short TCP probe of the hub, remembered for the process (``reset_probe`` forgets it)."""
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            if settings().offline or os.environ.get("HF_HUB_OFFLINE", "") in {"1", "true", "TRUE"}:
                _probe_result = False
            else:
                try:
                    with socket.create_connection(_hub_endpoint(), timeout=timeout):
                        _probe_result = True
                except OSError:
                    _probe_result = False
            if not _probe_result:
                _go_offline()
        return _probe_result


def reset_probe() -> None:
    global _probe_result
    with _probe_lock:
        _probe_result = None


def _snapshot(spec: ModelSpec, cache_dir: Path | None, *, local_only: bool) -> Path | None:
    """The model's files from the local hub cache (``local_only``) or downloaded; None if neither."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            spec.hub_repo,
            revision=spec.hub_revision,
            allow_patterns=list(spec.hub_files) if spec.hub_files else None,
            cache_dir=cache_dir,
            local_files_only=local_only,
        )
    except Exception:  # not cached, or any network or hub failure: "not from the hub this time"
        return None
    return Path(path)


def resolve(spec: ModelSpec, *, prefer: str = "bundled", cache_dir: Path | None = None) -> Resolved:
    """Find ``spec`` locally or on the hub; raise ``ModelUnavailable`` when no copy can be had."""
    if prefer not in ("bundled", "hub"):
        raise ValueError(f"prefer must be 'bundled' or 'hub', not {prefer!r}")

    def bundled() -> Resolved | None:
        if spec.bundled is not None and Path(spec.bundled).exists():
            return Resolved(spec.name, Path(spec.bundled), "bundled")
        return None

    def hub() -> Resolved | None:
        if not spec.hub_repo:
            return None
        path = _snapshot(spec, cache_dir, local_only=True)
        if path is not None:
            return Resolved(spec.name, path, "hub", {"repo": spec.hub_repo, "from": "cache"})
        if hub_reachable():
            path = _snapshot(spec, cache_dir, local_only=False)
            if path is not None:
                return Resolved(spec.name, path, "hub", {"repo": spec.hub_repo, "from": "download"})
        return None

    for attempt in ((bundled, hub) if prefer == "bundled" else (hub, bundled)):
        found = attempt()
        if found is not None:
            return found
    where = f"the hub ({spec.hub_repo}), which is not reachable from here" if spec.hub_repo else "nowhere"
    raise ModelUnavailable(
        f"{spec.name} is not bundled and can only come from {where}. Choose the bundled model instead."
    )


# Two kinds of entries, in one dict so that a test resets both at once: ("found", spec, prefer,
# cache_dir) -> where the spec resolved to, and ("model", loader, real path) -> the loaded model.
_instances: dict[tuple, Any] = {}
_instances_lock = threading.Lock()


def load(
    spec: ModelSpec,
    loader: Callable[[Path], Any],
    *,
    prefer: str = "bundled",
    cache_dir: Path | None = None,
) -> tuple[Any, Resolved]:
    """Resolve and load ``spec`` once per process; later calls return the same instance.

    The instance is kept by its loader and the real path of its weights, not by how it was
    asked for: the same weights reached by two routes (``prefer="hub"`` and ``prefer="bundled"``
    finding the one copy there is, two specs naming one file) are loaded once, never twice."""
    where = ("found", spec, prefer, cache_dir)
    with _instances_lock:
        if where not in _instances:
            _instances[where] = resolve(spec, prefer=prefer, cache_dir=cache_dir)
        found = _instances[where]
        key = ("model", loader, Path(found.path).resolve())
        if key not in _instances:
            _instances[key] = loader(found.path)
        return _instances[key], found


def forget_loaded() -> None:
    """Drop every resolved spec and loaded model, so the next ``load`` reads the files again
    (after a training run rewrote them)."""
    with _instances_lock:
        _instances.clear()


def loaded() -> list[tuple[str, Path]]:
    """(loader, weights) of every model this process holds through ``load``: one line each."""
    with _instances_lock:
        return [(getattr(k[1], "__qualname__", repr(k[1])), k[2]) for k in _instances if k[0] == "model"]


