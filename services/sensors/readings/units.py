"""Units a gateway may send, converted to the sensor's canonical unit (UCUM codes and the
common spellings gateways use)."""

from __future__ import annotations

from decimal import Decimal

# canonical unit -> {accepted spelling (case-insensitive): factor to canonical}
ALIASES: dict[str, dict[str, Decimal]] = {
    "kWh": {
        "kwh": Decimal(1),
        "kw.h": Decimal(1),
        "wh": Decimal("0.001"),
        "w.h": Decimal("0.001"),
        "mwh": Decimal(1000),
        "mw.h": Decimal(1000),
    },
    "L": {"l": Decimal(1), "litre": Decimal(1), "liter": Decimal(1), "m3": Decimal(1000)},
    "{vehicle}": {
        "{vehicle}": Decimal(1),
        "{vehicles}": Decimal(1),
        "vehicle": Decimal(1),
        "vehicles": Decimal(1),
        "1": Decimal(1),
    },
}


def to_canonical(value: float, unit: str, canonical: str) -> float | None:
    """``value`` in ``canonical``, or None when ``unit`` is unknown or of another dimension."""
    factor = ALIASES.get(canonical, {}).get(unit.strip().lower())
    if factor is None:
        # 'MWh' and 'mWh' fold to the same key; only the megawatt-hour is meant by meters.
        return None
    return float(Decimal(str(value)) * factor)
