"""The few values read from the environment, in one place.

    SHOWCASE_OFFLINE=1        never try the network for models (the hub path is skipped)
    SHOWCASE_MAX_SIDE=4096    largest image side accepted, in pixels
    SHOWCASE_MIN_SIDE=8       smallest image side accepted, in pixels
    SHOWCASE_MAX_TEXT=20000   longest text accepted, in characters
    SHOWCASE_MAX_FILE_MB=50   upload limit given to ``launch(max_file_size=...)``
    SHOWCASE_TEMP_AGE_S=3600  files the app made for a result (Gradio's temp folder, the pages'
                              scratch) are deleted once this old; checked every tenth of it
    SHOWCASE_DATA             folder for what the app writes at run time (the listening test's
                              ratings database); unset: /data when it exists and is writable (a
                              Space's persistent storage), else $XDG_DATA_HOME/roadmap-showcase
                              (~/.local/share/roadmap-showcase): never inside the checkout
    SHOWCASE_TRY_DIR=pages    folder of the tabs' guided steps (``<area>/<topic>.try.toml``): a
                              teacher's own set, or a test's
    SHOWCASE_MCP=1            serve every tab as an MCP tool at /gradio_api/mcp/ (0: off)
    OPENAI_API_KEY            the owner's key for the chat tab, never logged or shown; it is sent
                              only to OPENAI_BASE_URL, never to a base URL a visitor typed
    OPENAI_BASE_URL           where OPENAI_API_KEY may go (default https://api.openai.com/v1)
    SHOWCASE_API_KEY          when set, /v1/* and the REST demo service (when it listens beyond
                              loopback) want ``Authorization: Bearer <it>``; unset, they are open
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"   # the openai client's own default
APP_NAME = "roadmap-showcase"
PERSISTENT = Path("/data")      # where a Hugging Face Space mounts its persistent storage


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    offline: bool
    max_side: int
    min_side: int
    max_text: int
    max_file_mb: int
    temp_age_s: int
    trim_s: int
    openai_api_key: str | None
    openai_base_url: str
    api_key: str | None
    data_dir: Path
    try_dir: Path
    mcp: bool


def data_location() -> tuple[Path, str]:
    """Where the app writes at run time, and why there. Not the checkout: a rebuilt Space or a
    fresh clone would start with no ratings, and a read-only install could not write at all."""
    chosen = os.environ.get("SHOWCASE_DATA", "").strip()
    if chosen:
        return Path(chosen), "SHOWCASE_DATA"
    if PERSISTENT.is_dir() and os.access(PERSISTENT, os.W_OK | os.X_OK):
        return PERSISTENT, "persistent storage"
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    if not os.path.isabs(base):      # the XDG spec: a relative path is invalid and ignored
        base = str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME, "the per-user data folder"


def data_line() -> str:
    """The start-up log line that says where ratings go."""
    path, why = data_location()
    return f"run-time data (the listening test's ratings) in {path} ({why}; set SHOWCASE_DATA to change it)"


def settings() -> Settings:
    """Read the environment now (tests change it with monkeypatch, so nothing is cached)."""
    return Settings(
        offline=_flag("SHOWCASE_OFFLINE"),
        max_side=_int("SHOWCASE_MAX_SIDE", 4096),
        min_side=_int("SHOWCASE_MIN_SIDE", 8),
        max_text=_int("SHOWCASE_MAX_TEXT", 20000),
        max_file_mb=_int("SHOWCASE_MAX_FILE_MB", 50),
        temp_age_s=max(1, _int("SHOWCASE_TEMP_AGE_S", 3600)),
        trim_s=_int("SHOWCASE_TRIM_S", 300),
        openai_api_key=os.environ.get("OPENAI_API_KEY", "").strip() or None,
        openai_base_url=os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_DEFAULT_BASE_URL,
        api_key=os.environ.get("SHOWCASE_API_KEY", "").strip() or None,
        data_dir=data_location()[0],
        try_dir=Path(os.environ.get("SHOWCASE_TRY_DIR", "").strip() or ROOT / "pages"),
        mcp=os.environ.get("SHOWCASE_MCP", "1").strip().lower() not in {"0", "false", "no", "off"},
    )


def asset(*parts: str) -> Path:
    """Path of a file under ``assets/`` (e.g. ``asset("math", "svd", "astronaut.png")``)."""
    return ASSETS.joinpath(*parts)
