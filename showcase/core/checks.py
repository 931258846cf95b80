"""Checks for plain inputs (numbers, text, number lists), with messages a user can act on."""

from __future__ import annotations

import math
import re

import numpy as np

from showcase.core.errors import InputError
from showcase.core.settings import settings


def number(value, name: str, *, low: float | None = None, high: float | None = None, integer: bool = False):
    """``value`` as a float (or int), inside [low, high]; ``InputError`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{name} is missing.")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {value!r}.") from None
    if not math.isfinite(x):
        raise InputError(f"{name} must be a finite number.")
    if integer:
        if x != int(x):
            raise InputError(f"{name} must be a whole number, not {value}.")
        x = int(x)
    if low is not None and x < low or high is not None and x > high:
        raise InputError(f"{name} must be between {low} and {high}; got {value}.")
    return x


def unicode_text(value, name: str = "Text") -> str:
    """``value`` as a str that can be encoded ("" for None): bytes are decoded as UTF-8 (or
    refused), and lone surrogates (e.g. "\\ud800" sent through JSON) are refused. For optional text
    fields (a system prompt, an API key) as much as for the main text."""
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is not valid UTF-8 (byte {exc.start}); save or send it as UTF-8.") from None
    value = "" if value is None else str(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{name} holds lone surrogates, which are not valid Unicode text.") from None
    return value


def text(value, name: str = "Text", *, max_chars: int | None = None) -> str:
    """Non-empty text under the length limit that a tokenizer can take (see ``unicode_text``)."""
    value = unicode_text(value, name)
    if not value.strip():
        raise InputError(f"{name} is empty: type or paste something.")
    limit = max_chars or settings().max_text
    if len(value) > limit:
        raise InputError(f"{name} is {len(value):,} characters; the limit is {limit:,}.")
    return value


def number_list(value, name: str = "Numbers", *, min_count: int = 2, max_count: int = 100_000) -> np.ndarray:
    """Numbers pasted as text (commas, spaces, tabs or new lines) or given as a list."""
    if value is None:
        raise InputError(f"{name}: nothing given.")
    if isinstance(value, str):
        tokens = [t for t in re.split(r"[\s,;]+", value.strip()) if t]
        values = []
        for token in tokens:
            try:
                values.append(float(token))
            except ValueError:
                raise InputError(f"{name}: {token[:30]!r} is not a number.") from None
        array = np.asarray(values, dtype=np.float64)
    else:
        try:
            array = np.asarray(value, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError(f"{name}: expected a list of numbers.") from None
    if array.size < min_count:
        raise InputError(f"{name}: need at least {min_count} numbers, got {array.size}.")
    if array.size > max_count:
        raise InputError(f"{name}: at most {max_count:,} numbers, got {array.size:,}.")
    if not np.isfinite(array).all():
        raise InputError(f"{name}: NaN or infinite values are not allowed.")
    return array
