"""indented_json writes exactly what json.dumps(indent=n) writes, for any JSON value."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kudoswall.jsontext import indented_json

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text())
VALUES = st.recursive(SCALARS,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                      max_leaves=30)


def dumps(value: Any, indent: int) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)


@settings(max_examples=400)
@given(VALUES, st.integers(min_value=0, max_value=3))
def test_the_same_text_as_json_dumps(value: Any, indent: int) -> None:
    assert indented_json(value, indent) == dumps(value, indent)


@given(VALUES)
def test_nested_text_is_the_value_as_it_appears_inside_a_larger_document(value: Any) -> None:
    document = dumps({"outer": [value]}, 1)
    assert indented_json(value, 1, level=2) in document
    assert dumps(value, 1).replace("\n", "\n  ") == indented_json(value, 1, level=2)


def test_tuples_and_str_subclasses_are_written_as_json_does() -> None:
    class Name(str):
        pass

    value = {"a": (1, Name("x\u2028\"")), "b": [], "c": {}, "d": -0.0, "e": 10**30}
    assert indented_json(value, 2) == dumps(value, 2)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused_as_json_dumps_refuses_them(value: float) -> None:
    with pytest.raises(ValueError):
        dumps([value], 1)
    with pytest.raises(ValueError):
        indented_json([value], 1)


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {1, 2}}, {"a": b"x"}])
def test_what_json_has_no_form_for_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        indented_json(value, 1)
