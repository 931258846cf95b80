"""Model cards: the JSON beside each bundled model (data, seed, command, time, held-out metrics).

Every reader of a card goes through ``read_card``, so a missing card says the same thing
everywhere: what to run to make it, or nothing where the caller can do without it.

    python -m pytest tests/unit/core/test_cards.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

from showcase.core.errors import InputError

_REQUIRED = object()


def read_card(path, *, missing=_REQUIRED, train_with: str | None = None) -> dict:
    """The card at ``path`` as a dict. When there is none: ``missing`` if given (``{}``: the caller
    does without), else ``InputError`` naming ``train_with``, the command that writes it, else
    ``FileNotFoundError`` (a training run that resumes from a card it just wrote)."""
    path = Path(path)
    if not path.is_file():
        if missing is not _REQUIRED:
            return missing
        if train_with is not None:
            raise InputError(f"{path} is missing: run `{train_with}`.")
        raise FileNotFoundError(path)
    return json.loads(path.read_text(encoding="utf-8"))
