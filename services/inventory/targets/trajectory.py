"""Linear trajectories from a baseline to a target, per sector and for the city. Pure.

A sector falls in a straight line from its baseline (in the baseline year) to what its cut
leaves (in its target year) and stays there after. Each point is rounded once, half-even, to
whole milligrams; the city's point of a year is the exact sum of its sectors' points, so an
exempted sector changes the city's line by exactly its own difference and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True)
class SectorPlan:
    sector: str
    baseline_mg: int
    baseline_year: int
    target_year: int
    reduction_percent: Decimal

    @property
    def final_mg(self) -> int:
        """What the sector may still emit from its target year on."""
        return round(self._final)

    @property
    def _final(self) -> Fraction:
        return self.baseline_mg * (1 - Fraction(self.reduction_percent) / 100)

    def at(self, year: int) -> int | None:
        """The sector's point in ``year``; None before the baseline year."""
        if year < self.baseline_year:
            return None
        if year >= self.target_year:
            return round(self._final)
        progress = Fraction(year - self.baseline_year, self.target_year - self.baseline_year)
        return round(self.baseline_mg + (self._final - self.baseline_mg) * progress)


def years_of(plans: Sequence[SectorPlan], target_year: int) -> range:
    """Baseline year through the last target year (the city's or an exempted sector's)."""
    first = min(p.baseline_year for p in plans)
    last = max([target_year, *(p.target_year for p in plans)])
    return range(first, last + 1)


def city_at(plans: Sequence[SectorPlan], year: int) -> int | None:
    points = [p.at(year) for p in plans]
    if any(point is None for point in points):
        return None
    return sum(point for point in points if point is not None)
