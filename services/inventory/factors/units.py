"""Activity units, with pint: kWh/MWh/GJ/TJ, litres and m³, kg and tonnes, and vehicle-km.

Conversions run on Decimal (pint's ``non_int_type``), so that activity data keep their exact
digits until the one rounding to milligrams of gas.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache

import pint

# The kinds of activity a factor may be expressed per; anything else is refused.
DIMENSIONS = {
    "energy": "[mass] * [length] ** 2 / [time] ** 2",
    "volume": "[length] ** 3",
    "mass": "[mass]",
    "vehicle distance": "[vehicle_distance]",
}
# Spellings people write that pint would read as arithmetic ("vehicle-km" = vehicle minus km).
_ALIASES = {"vehicle-km": "vehicle_km", "vkm": "vehicle_km", "veh-km": "vehicle_km"}


class UnitError(ValueError):
    """A unit we cannot read, or one that cannot be converted to the unit required."""


@cache
def registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(non_int_type=Decimal)
    # Vehicle-km is its own dimension: a distance driven by one vehicle, never a plain km.
    ureg.define("vehicle_kilometre = [vehicle_distance] = _ = vehicle_km")
    return ureg


@lru_cache(maxsize=1024)
def _parse(unit: str) -> pint.Unit:
    # Cached: the live accounting converts every reading, and pint parsing the same "kWh"
    # again was a third of the inventory's CPU per reading (docs/performance.md). Units are
    # immutable; a unit pint cannot read raises again each time (exceptions are not cached).
    text = _ALIASES.get(unit.strip(), unit.strip())
    if not text or len(text) > 32 or "\x00" in text:
        raise UnitError(f"'{unit}' is not a unit")
    try:
        return registry().parse_units(text)
    except Exception as exc:  # pint raises several kinds for unreadable input
        raise UnitError(f"'{unit}' is not a unit pint knows") from exc


def _kind(parsed: pint.Unit) -> str:
    dimensionality = str(parsed.dimensionality)
    for name, dims in DIMENSIONS.items():
        if dimensionality == dims:
            return name
    return dimensionality


def dimension_of(unit: str) -> str:
    """The kind of activity ``unit`` measures (energy, volume, mass, vehicle distance)."""
    parsed = _parse(unit)
    kind = _kind(parsed)
    if kind in DIMENSIONS:
        return kind
    raise UnitError(
        f"'{unit}' measures {kind}; activity units measure energy (kWh, MWh, GJ, TJ), "
        "volume (L, m³), mass (kg, t) or vehicle distance (vehicle-km)"
    )


def validate_unit(unit: str) -> str:
    dimension_of(unit)
    return unit.strip()


def convert(value: Decimal, unit: str, to_unit: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``to_unit``; UnitError when they measure different
    things."""
    source, target = _parse(unit), _parse(to_unit)
    if source == target:
        return value
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"'{unit}' ({_kind(source)}) cannot be converted to '{to_unit}' ({_kind(target)})"
        )
    magnitude = registry().Quantity(value, source).to(target).magnitude
    return Decimal(magnitude)
