"""Units a gateway may send, converted to the sensor's canonical unit.

UCUM codes are matched exactly first (UCUM is case-sensitive: ``MW.h`` is a megawatt-hour,
``mW.h`` a milliwatt-hour). Then the spellings gateways commonly use, case-insensitively
(``kWh``, ``KWH``, ``kwh``); there ``mwh`` means the megawatt-hour, since no meter reports in
milliwatt-hours. Anything else is refused: a unit is never guessed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Canonical = Literal["kWh", "L", "{vehicle}"]

# canonical unit -> {UCUM code (case-sensitive): factor to canonical}
UCUM: dict[str, dict[str, Decimal]] = {
    "kWh": {
        "kW.h": Decimal(1),
        "W.h": Decimal("0.001"),
        "MW.h": Decimal(1000),
        "GW.h": Decimal(1_000_000),
        "J": Decimal(1) / Decimal(3_600_000),
        "kJ": Decimal(1) / Decimal(3_600),
        "MJ": Decimal(1) / Decimal("3.6"),
        "GJ": Decimal(1000) / Decimal("3.6"),
    },
    "L": {
        "L": Decimal(1),
        "l": Decimal(1),
        "mL": Decimal("0.001"),
        "dm3": Decimal(1),
        "m3": Decimal(1000),
    },
    "{vehicle}": {"{vehicle}": Decimal(1), "{vehicles}": Decimal(1), "1": Decimal(1)},
}

# canonical unit -> {common spelling, lower case: factor to canonical}
ALIASES: dict[str, dict[str, Decimal]] = {
    "kWh": {
        "kwh": Decimal(1),
        "kw.h": Decimal(1),
        "kw h": Decimal(1),
        "kw·h": Decimal(1),
        "wh": Decimal("0.001"),
        "w.h": Decimal("0.001"),
        "mwh": Decimal(1000),
        "mw.h": Decimal(1000),
        "gwh": Decimal(1_000_000),
        "gw.h": Decimal(1_000_000),
    },
    "L": {
        "litre": Decimal(1),
        "litres": Decimal(1),
        "liter": Decimal(1),
        "liters": Decimal(1),
    },
    "{vehicle}": {
        "{vehicle}": Decimal(1),
        "{vehicles}": Decimal(1),
        "{veh}": Decimal(1),
        "{count}": Decimal(1),
        "vehicle": Decimal(1),
        "vehicles": Decimal(1),
        "veh": Decimal(1),
        "count": Decimal(1),
    },
}

QUANTITY_OF = {"kWh": "energy", "L": "volume", "{vehicle}": "vehicle count"}


def factor_to(unit: str, canonical: str) -> Decimal | None:
    """The factor that converts ``unit`` into ``canonical``, or None if it does not."""
    code = unit.strip()
    factor = UCUM.get(canonical, {}).get(code)
    if factor is None:
        factor = ALIASES.get(canonical, {}).get(code.lower())
    return factor


def dimension_of(unit: str) -> str | None:
    """The canonical unit whose dimension ``unit`` belongs to, if it is known at all."""
    for canonical in UCUM:
        if factor_to(unit, canonical) is not None:
            return canonical
    return None


def to_canonical(value: float, unit: str, canonical: str) -> float | None:
    """``value`` in ``canonical``, or None when ``unit`` is unknown or of another dimension."""
    factor = factor_to(unit, canonical)
    if factor is None:
        return None
    if factor == 1:
        return value  # what the decimal product below would give, without building it
    return float(Decimal(str(value)) * factor)


def unit_problem(unit: str, canonical: str) -> str:
    """Why ``unit`` cannot be used for a sensor reporting in ``canonical``."""
    other = dimension_of(unit)
    if other is None:
        return f"unknown unit '{unit}' (use a UCUM code such as {canonical})"
    return (
        f"unit '{unit}' is a unit of {QUANTITY_OF[other]}, but this sensor reports "
        f"{QUANTITY_OF.get(canonical, canonical)} in {canonical}"
    )
