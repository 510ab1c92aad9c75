"""Choosing the factor for an activity: region falls back from bidding zone to country, and
year to the newest factor year not after the activity's (else the earliest there is)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.inventory.factors.models import EmissionFactor


@dataclass
class FactorBook:
    """The current factors, indexed for lookups during one accounted batch."""

    by_activity_region: dict[tuple[str, str], list[EmissionFactor]]

    @classmethod
    def of(cls, factors: Iterable[EmissionFactor]) -> FactorBook:
        index: dict[tuple[str, str], list[EmissionFactor]] = {}
        for f in factors:
            index.setdefault((f.activity, f.region), []).append(f)
        for versions in index.values():
            versions.sort(key=lambda f: f.valid_from_year)
        return cls(index)

    def find(self, activity: str, regions: Iterable[str], year: int) -> EmissionFactor | None:
        for region in regions:
            candidates = self.by_activity_region.get((activity, region))
            if not candidates:
                continue
            applicable = [
                f
                for f in candidates
                if f.valid_from_year <= year
                and (f.valid_to_year is None or year <= f.valid_to_year)
            ]
            if applicable:
                return applicable[-1]
            earlier = [f for f in candidates if f.valid_from_year <= year]
            return earlier[-1] if earlier else candidates[0]
        return None
