"""Tonnes of CO2e have one representation in every answer of every service.

Internally amounts are whole milligrams (exact in any order of addition). A person or a client
reads tonnes as a decimal **string with a fixed scale of 9 places** (1 mg = 0.000000001 t), so
the figure is exact, never a float and never in exponent form such as ``0E-9``:
``"1234.000000001"``, ``"0.000000000"``, ``"-0.012000000"``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

TCO2E_SCALE = 9
_MG_PER_TONNE = 10**TCO2E_SCALE
TCO2E_PATTERN = r"^-?\d+\.\d{9}$"


def tco2e_from_mg(mg: int) -> Decimal:
    """Whole milligrams as tonnes, exactly, at the fixed scale."""
    return (Decimal(mg) / _MG_PER_TONNE).quantize(Decimal(1).scaleb(-TCO2E_SCALE))


def mg_from_tco2e(tonnes: Decimal) -> int:
    """Tonnes (at most 9 decimal places, i.e. whole mg) as whole milligrams, exactly; a finer
    fraction is a ValueError (it would be lost)."""
    mg = tonnes * _MG_PER_TONNE
    if mg != mg.to_integral_value():
        raise ValueError("tCO2e has at most 9 decimal places (whole milligrams)")
    return int(mg)


def format_tco2e(value: Decimal | int | float | str) -> str:
    """The one text form of tonnes: fixed-point, 9 decimal places."""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return f"{amount.quantize(Decimal(1).scaleb(-TCO2E_SCALE)):f}"


def _to_decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    return value


TCO2e = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(format_tco2e, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TCO2E_PATTERN,
            "description": "Tonnes CO2e as a decimal string with 9 decimal places (exact to the mg)",
            "examples": ["1234.567000000"],
        }
    ),
]
"""Use for every tCO2e field of an answer or an event."""
