"""How a claim module reports a number: measured in this run or read from a card or a paper, and,
where the tab claims something about it, the target and whether it was met.

A claim module's ``claims()`` returns ``{key: value}``; a plain value is a measurement with no
target. ``measured(value, ">= 1.5")`` adds a target; ``read(value, "model card")`` marks a number
this run did not measure (a published figure, a training-time figure), which is never judged and
never divided by a live time.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Reading:
    value: object
    target: str | None = None      # e.g. ">= 0.9", "<= 300"
    source: str | None = None      # None: measured in this run; else where the number was read

    @property
    def verdict(self) -> str:
        """"met", "MISSED", or "" (no target, or not measured here)."""
        if self.target is None or self.source is not None:
            return ""
        op, threshold = self.target.split()
        try:
            return "met" if OPS[op](float(self.value), float(threshold)) else "MISSED"
        except (TypeError, ValueError):
            return "MISSED"          # an error or a missing number cannot meet a target


def measured(value, target: str | None = None) -> Reading:
    if target is not None:
        op, threshold = target.split()
        assert op in OPS and float(threshold) == float(threshold), target
    return Reading(value, target)


def read(value, source: str) -> Reading:
    return Reading(value, None, source)


def as_reading(value) -> Reading:
    return value if isinstance(value, Reading) else Reading(value)
