"""Numbers of request bodies are JSON numbers (shared/jsontypes.py): not true, not "60"; 60.0
is still an integer, and a CSV cell is still text."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from shared.jsontypes import JSONFloat, JSONInt, JSONIntegerCheck

INT: TypeAdapter[int | None] = TypeAdapter(JSONInt | None)
FLOAT: TypeAdapter[float | None] = TypeAdapter(JSONFloat | None)
BOUNDED: TypeAdapter[int | None] = TypeAdapter(
    Annotated[int, Field(ge=1, le=10), JSONIntegerCheck] | None
)


def _error(adapter: TypeAdapter[Any], value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize("value", [True, False, "60", "60.0"])
def test_an_integer_is_neither_a_boolean_nor_text(value: object) -> None:
    assert _error(INT, value) == "int_type"
    assert _error(BOUNDED, value) == "int_type"


def test_an_integer_may_be_written_with_a_zero_fraction_and_may_be_left_out() -> None:
    assert INT.validate_python(60) == 60
    assert INT.validate_python(60.0) == 60
    assert INT.validate_python(None) is None
    assert _error(INT, 60.5) == "int_from_float"


@pytest.mark.parametrize("value", [True, False, "1.5", "2"])
def test_a_number_is_neither_a_boolean_nor_text(value: object) -> None:
    assert _error(FLOAT, value) == "float_type"


def test_a_number_may_be_whole_and_may_be_left_out() -> None:
    assert FLOAT.validate_python(1.5) == 1.5
    assert FLOAT.validate_python(2) == 2.0
    assert FLOAT.validate_python(None) is None


def test_text_input_is_still_read_as_numbers() -> None:
    # A CSV cell (model_validate_strings) is text whatever it holds.
    assert INT.validate_strings("60") == 60
    assert FLOAT.validate_strings("1.5") == 1.5
    assert BOUNDED.validate_strings("3") == 3


def test_bounds_stay_in_the_schema_and_are_checked() -> None:
    assert BOUNDED.json_schema()["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 10}
    assert _error(BOUNDED, 11) == "less_than_equal"
    assert TypeAdapter(Annotated[JSONFloat, Field(gt=0)] | None).json_schema()["anyOf"][0] == {
        "type": "number",
        "exclusiveMinimum": 0,
    }
