"""The estimate of a sector from what is measured and what is known (pure functions).

Per GPC cell, with ``s`` the share of the year's emissions expected by now (the pace's
profile) and ``F`` the last published inventory's figure for the cell (a whole year):

- ``scaled_by_history``: the cell's sensors also measured in the inventory's year, so
  ``F * r * s`` with ``r`` = this year's measured activity / the same sensors' activity over
  the same months of the inventory's year;
- ``measured_over_coverage``: no history, but the share of the cell's activity the sensors
  measure is known, so ``measured / coverage``;
- ``estimated_from_inventory``: no live data (or live data that can be neither scaled nor
  extrapolated), so the inventory's figure pro-rated by season, ``F * s``;
- ``measured_only``: live data and nothing to extrapolate with: the measured amount.

A cell's estimate is never below what its sensors measured. Each is rounded once (half-even)
to whole milligrams; the sector's estimate is the exact sum of its cells'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

CellMethod = Literal[
    "scaled_by_history", "measured_over_coverage", "measured_only", "estimated_from_inventory"
]
SectorMethod = Literal[
    "scaled_by_history",
    "measured_over_coverage",
    "measured_only",
    "estimated_from_inventory",
    "mixed",
    "none",
]


@dataclass(frozen=True)
class SensorMonth:
    """One sensor's activity of one kind in one local month (1-12), in millionths of its unit,
    this year and in the same month of the inventory's year."""

    sensor_id: str
    activity: str
    month: int
    this_year: int
    base_year: int
    base_co2e_mg: int = 0


def history_ratio(
    months: Iterable[SensorMonth], current_month: int, into_month: Fraction
) -> Fraction | None:
    """This year's measured activity over the same sensors' activity in the same period of the
    inventory's year: only sensor-months measured in both years count, up to the current month,
    whose base counts for the part of it that has passed. None without such a pair.

    Activities of different kinds (kWh of electricity, litres of diesel) are compared each in
    its own unit, then weighed by their share of the base period's measured emissions.
    """
    sums: dict[str, list[Fraction]] = {}
    for m in months:
        if m.month > current_month:
            continue
        part = into_month if m.month == current_month else Fraction(1)
        base = m.base_year * part
        if m.this_year <= 0 or base <= 0:
            continue
        acc = sums.setdefault(m.activity, [Fraction(0), Fraction(0), Fraction(0)])
        acc[0] += m.this_year
        acc[1] += base
        acc[2] += m.base_co2e_mg * part
    if not sums:
        return None
    if len(sums) == 1:
        this, base, _weight = next(iter(sums.values()))
        return this / base
    total = sum((w for _t, _b, w in sums.values()), Fraction(0))
    if total <= 0:
        return sum((t / b for t, b, _w in sums.values()), Fraction(0)) / len(sums)
    return sum((w / total * (t / b) for t, b, w in sums.values()), Fraction(0))


@dataclass(frozen=True)
class CellInputs:
    gpc_reference: str
    measured_mg: int
    """What the cell's sensors measured this year so far"""
    has_live_data: bool
    inventory_mg: int | None = None
    """The published inventory's figure for the cell (a whole year); None if it has none"""
    activity_ratio: Fraction | None = None
    coverage: Fraction | None = None
    sensors: int = 0
    uncovered_sensors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellEstimate:
    inputs: CellInputs
    method: CellMethod
    estimate_mg: int

    @property
    def gpc_reference(self) -> str:
        return self.inputs.gpc_reference

    @property
    def measured_mg(self) -> int:
        return self.inputs.measured_mg

    @property
    def scaled_mg(self) -> int:
        if self.method in ("scaled_by_history", "measured_over_coverage"):
            return self.estimate_mg - self.measured_mg
        return 0

    @property
    def carried_mg(self) -> int:
        if self.method == "estimated_from_inventory":
            return self.estimate_mg - self.measured_mg
        return 0


def estimate_cell(c: CellInputs, share: Fraction) -> CellEstimate:
    """The cell's year-to-date estimate; ``share`` is the share of the year expected by now."""
    method: CellMethod
    if not c.has_live_data:
        if c.inventory_mg is None:
            raise ValueError(f"{c.gpc_reference}: neither live data nor an inventory figure")
        method, estimate = "estimated_from_inventory", round(c.inventory_mg * share)
    elif c.inventory_mg is not None and c.activity_ratio is not None:
        method = "scaled_by_history"
        estimate = round(c.inventory_mg * c.activity_ratio * share)
    elif c.coverage is not None:
        method, estimate = "measured_over_coverage", round(Fraction(c.measured_mg) / c.coverage)
    elif c.inventory_mg is not None:
        method, estimate = "estimated_from_inventory", round(c.inventory_mg * share)
    else:
        method, estimate = "measured_only", c.measured_mg
    return CellEstimate(c, method, max(estimate, c.measured_mg))


@dataclass(frozen=True)
class SectorEstimate:
    cells: Sequence[CellEstimate] = field(default_factory=tuple)

    @property
    def has_data(self) -> bool:
        return bool(self.cells)

    @property
    def estimate_mg(self) -> int:
        return sum(c.estimate_mg for c in self.cells)

    @property
    def measured_mg(self) -> int:
        return sum(c.measured_mg for c in self.cells)

    @property
    def scaled_mg(self) -> int:
        return sum(c.scaled_mg for c in self.cells)

    @property
    def carried_mg(self) -> int:
        return sum(c.carried_mg for c in self.cells)

    @property
    def measured_share(self) -> Fraction | None:
        if self.estimate_mg <= 0:
            return None
        return Fraction(self.measured_mg, self.estimate_mg)

    @property
    def method(self) -> SectorMethod:
        # A cell the inventory says does not occur (NO, zero carried) adds nothing: it does
        # not make the sector "mixed" unless it is all there is.
        counted = [c for c in self.cells if c.inputs.has_live_data or c.estimate_mg != 0]
        methods = {c.method for c in counted or self.cells}
        if not methods:
            return "none"
        if len(methods) == 1:
            return next(iter(methods))
        return "mixed"


def estimate_sector(cells: Iterable[CellInputs], share: Fraction) -> SectorEstimate:
    return SectorEstimate(
        tuple(estimate_cell(c, share) for c in sorted(cells, key=lambda c: c.gpc_reference))
    )
