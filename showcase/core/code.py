"""The source shown in each tab's "The code" accordion."""

from __future__ import annotations

import inspect
import textwrap


def source_of(*objects) -> str:
    """The source of each function, class or module, separated by a blank line."""
    return "\n\n".join(textwrap.dedent(inspect.getsource(obj)).rstrip() for obj in objects) + "\n"
