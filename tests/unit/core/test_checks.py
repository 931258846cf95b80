import numpy as np
import pytest

from showcase.core.checks import number, number_list, text
from showcase.core.errors import InputError


def test_number():
    assert number("3", "k", low=1, high=5, integer=True) == 3
    for bad, message in ((None, "missing"), ("x", "must be a number"), (float("nan"), "finite"),
                         (2.5, "whole number"), (9, "between")):
        with pytest.raises(InputError, match=message):
            number(bad, "k", low=1, high=5, integer=True)


def test_text(monkeypatch):
    assert text("hi") == "hi"
    with pytest.raises(InputError, match="empty"):
        text("   ")
    monkeypatch.setenv("SHOWCASE_MAX_TEXT", "10")
    with pytest.raises(InputError, match="limit is 10"):
        text("x" * 11)


def test_number_list():
    np.testing.assert_array_equal(number_list("1, 2;3\n4\t5"), [1, 2, 3, 4, 5])
    with pytest.raises(InputError, match="not a number"):
        number_list("1 2 abc")
    with pytest.raises(InputError, match="at least"):
        number_list("1")
    with pytest.raises(InputError, match="NaN"):
        number_list([1.0, float("inf")])
