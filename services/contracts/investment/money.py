"""Money in the investment plan: Norwegian kroner, exact to the øre.

Stored and summed as whole øre (int, 1 NOK = 100 øre), so sums are exact in any order; a
person or a client reads and writes NOK as a decimal string with 2 places (``"1250000.00"``),
never a float. Events carry the øre integers (``*_ore``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

NOK_PATTERN = r"^-?\d+\.\d{2}$"
# Far beyond any city's budget, and small enough that no sum overflows a 64-bit integer.
MAX_NOK = Decimal(10) ** 13


def ore_from_nok(amount: Decimal) -> int:
    return int(amount * 100)


def nok_from_ore(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))


def format_nok(value: Decimal | int) -> str:
    amount = value if isinstance(value, Decimal) else Decimal(value)
    return f"{amount.quantize(Decimal('0.01')):f}"


def _to_decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    return value


_SCHEMA = {
    "type": "string",
    "pattern": NOK_PATTERN,
    "description": "Norwegian kroner as a decimal string with 2 places (exact to the øre)",
    "examples": ["1250000.00"],
}

Nok = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    Field(ge=0, le=MAX_NOK, max_digits=16, decimal_places=2),
    PlainSerializer(format_nok, return_type=str),
    WithJsonSchema({**_SCHEMA, "pattern": r"^\d+(\.\d{1,2})?$"}),
]
"""An amount a person enters: 0 or more, at most 2 decimals."""

SignedNok = Annotated[
    Decimal,
    PlainSerializer(format_nok, return_type=str),
    WithJsonSchema(_SCHEMA),
]
"""A computed amount (a funding gap may be negative: more committed than planned)."""
