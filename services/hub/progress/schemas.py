"""Response bodies of the city progress API."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from services.hub.progress.models import CityProgress


def tonnes(co2e_mg: int) -> Decimal:
    """Exact tonnes from milligrams (a Decimal, so formatting never shows float noise)."""
    return Decimal(co2e_mg).scaleb(-9)


def tonnes_rounded(co2e_mg: int, places: int = 3) -> Decimal:
    return tonnes(co2e_mg).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class CityProgressPublic(BaseModel):
    """A city's progress as the hub sees it from the events it has consumed."""

    city: str = Field(description="City slug, e.g. oslo")
    name: str | None = Field(description="Null until the city's registration has arrived")
    bidding_zone: str | None = None
    mission_city: bool = False
    live_tco2e: float = Field(description="co2e_mg in tonnes CO2e (for display)")
    co2e_mg: int = Field(description="CO2e accounted live so far, exact, in milligrams")
    readings_accounted: int
    last_accounted_at: datetime | None
    partners: int
    mous_drafted: int
    mous_signed: int

    @classmethod
    def of(cls, row: CityProgress) -> CityProgressPublic:
        return cls(
            city=row.city,
            name=row.name,
            bidding_zone=row.bidding_zone,
            mission_city=row.mission_city,
            live_tco2e=float(tonnes(row.co2e_mg)),
            co2e_mg=row.co2e_mg,
            readings_accounted=row.readings_accounted,
            last_accounted_at=row.last_accounted_at,
            partners=row.partners,
            mous_drafted=row.mous_drafted,
            mous_signed=row.mous_signed,
        )
