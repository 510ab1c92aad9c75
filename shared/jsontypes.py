"""Numbers of a request body are JSON numbers, as the OpenAPI documents say (``integer`` or
``number``): JSON Schema counts neither ``true`` nor ``"60"`` as one, but pydantic's lax mode
reads them as 1 and 60. These types refuse both with pydantic's own error (a 422 naming the
field, as any validation error) and keep the rest of lax mode: ``60.0`` is an integer to JSON
Schema, and an integer is a number. A field's schema, and its ``Field`` bounds, stay those of
``int`` and ``float``.

For request bodies only: query and path parameters arrive as text, and events are read by their
consumers. Text formats are text too: a model validated with ``model_validate_strings`` (as the
cells of a CSV file are) still reads ``"60"`` as 60.

``JSONInt | None`` is fine, and so is ``JSONInt = Field(ge=1)`` on a field that is not optional.
Bounds of an optional integer, or of an ``Annotated`` alias, go before the check instead,
``Annotated[int, Field(ge=1), JSONIntegerCheck] | None``: a bound after the check cannot reach
the ``int``; it is still enforced, but written into the JSON Schema under pydantic's own name
(``ge``, not ``minimum``; pydantic/pydantic#11576).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Strict, ValidationInfo
from pydantic_core import PydanticKnownError


def _json_integer(value: Any, info: ValidationInfo) -> Any:
    # Not pydantic's strict int, which refuses 60.0 too. A bool is an int to Python, hence named;
    # "string" is pydantic's mode for text input.
    if isinstance(value, bool) or (isinstance(value, str) and info.mode != "string"):
        raise PydanticKnownError("int_type")
    return value


JSONIntegerCheck = BeforeValidator(_json_integer)
"""The check of ``JSONInt``, for an ``Annotated`` integer with bounds of its own."""

JSONInt = Annotated[int, JSONIntegerCheck]
"""A JSON Schema integer: 60 or 60.0, not true, not "60"."""

# Pydantic's strict float is exactly a JSON number: an int or a float, never a bool or a str
# (text input, model_validate_strings, is still parsed), and bounds in any place reach it.
JSONFloat = Annotated[float, Strict()]
"""A JSON Schema number: 1.5 or 2, not true, not "1.5"."""
