"""Live accounting on the wire, and the input types the inventory's live, target and budget
endpoints share."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from shared.quantities import TCO2e


def _plausible(moment: datetime) -> datetime:
    # Far-off instants overflow when moved to UTC (year 1 at +01:00); no reading is from then.
    if not 1900 <= moment.year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
"""A time in a query: RFC 3339 with an offset, between 1900 and 2200."""


class CellTotal(BaseModel):
    gpc_reference: str
    scope: int
    readings: int
    co2e_mg: int
    tco2e: TCO2e


class LiveTotals(BaseModel):
    """A city's live (sensor-based) emissions over a period, in the GPC frame."""

    city: str
    start: datetime | None = Field(description="Inclusive; none means from the first reading")
    end: datetime | None = Field(description="Exclusive; none means up to now")
    readings: int
    co2e_mg: int = Field(description="Exact sum, in milligrams CO2e")
    tco2e: TCO2e
    by_scope: dict[str, TCO2e] = Field(description="tCO2e per scope")
    cells: list[CellTotal]


class HourlyBucket(BaseModel):
    gpc_reference: str
    scope: int
    hour: datetime
    readings: int
    co2e_mg: int
    tco2e: TCO2e


class ReadingPart(BaseModel):
    """The share of a reading in one UTC hour: its bucket, its activity and its factor."""

    part: int = Field(description="0, 1, … in time order")
    hour: datetime = Field(description="The UTC hour (the bucket it is in)")
    part_start: datetime
    part_end: datetime
    local_year: int = Field(description="The city's calendar year of the hour (factor year)")
    activity_value: Decimal = Field(description="The activity in this hour, by duration")
    activity_unit: str
    factor_id: str | None
    factor_version: int | None
    factor_year: int | None
    factor_source: str | None
    gwp_set: str | None
    gas: str | None
    co2e_mg: int | None
    status: str


class ReadingLineage(BaseModel):
    """How one reading became emissions: activity, factor version and GWP set.

    An interval reading is spread over the UTC hours it covers: ``parts`` lists each, and the
    reading's ``co2e_mg`` is their exact sum (``hour`` and the factor are its first part's)."""

    reading_id: str
    sensor_id: str
    gpc_reference: str
    scope: int
    hour: datetime
    observed_at: datetime
    interval_end: datetime | None = Field(None, description="The end of an interval reading")
    activity: str
    activity_value: Decimal
    activity_unit: str
    factor_id: str | None
    factor_version: int | None
    factor_year: int | None
    factor_source: str | None
    gwp_set: str | None
    gas: str | None
    co2e_mg: int | None
    status: str
    bidding_zone: str | None = Field(description="The zone its factor was looked up for")
    recalculated_at: datetime | None = Field(
        description="When a factor revision (or a factor added later) changed its amount"
    )
    parts: list[ReadingPart] = Field(
        default_factory=list, description="One per UTC hour the reading covers"
    )


class BucketLineage(ReadingLineage):
    """A reading behind one hourly bucket: ``hour``, ``activity_value``, the factor and
    ``co2e_mg`` are those of its part in this hour (``part``); ``reading_co2e_mg`` and
    ``reading_activity_value`` are the whole reading's."""

    part: int
    part_start: datetime
    part_end: datetime
    reading_activity_value: Decimal
    reading_co2e_mg: int | None


class BucketFactor(BaseModel):
    """One factor version behind an hourly bucket: how many of its readings, how much CO2e."""

    factor_id: str | None
    factor_version: int | None
    factor_year: int | None
    factor_source: str | None
    gwp_set: str | None
    gas: str | None
    status: str = Field(description="accounted, or no_factor / no_activity (not in the bucket)")
    readings: int
    co2e_mg: int


class YearCell(CellTotal):
    """A GPC cell's live year-to-date."""

    sector: str
    level: str | None = Field(description="BASIC, BASIC+ or territorial (the cell's GPC flag)")
    territorial_sector: str | None = Field(
        description="The Environment Agency sector it counts in; none when it counts zero"
    )


TIME_ZONE_FIELD = Field(description="The IANA zone of the city's calendar that the year follows")


class YearToDate(BaseModel):
    """A city's live emissions from 1 January (local time) of ``year`` up to now, per cell."""

    city: str
    year: int
    time_zone: str = TIME_ZONE_FIELD
    as_of: datetime
    readings: int
    co2e_mg: int = Field(description="Exact sum, in milligrams CO2e")
    tco2e: TCO2e
    by_scope: dict[str, TCO2e] = Field(description="tCO2e per scope")
    cells: list[YearCell]


class Amount(BaseModel):
    co2e_mg: int = Field(description="Milligrams CO2e (exact)")
    tco2e: TCO2e


class GroupTotal(Amount):
    key: str = Field(description="Sector (I … V), subsector (I.1 …) or scope (1 … 3)")
    name: str | None = None


class LiveGpcView(BaseModel):
    """The live year-to-date in the GPC frame. Territorial-only cells (I.4.4, III.x.3) are
    reported apart and never in a GPC total; BASIC+ adds the scope-3 cells of I and II."""

    city: str
    year: int
    time_zone: str = TIME_ZONE_FIELD
    as_of: datetime
    readings: int
    basic: Amount
    basic_plus: Amount
    territorial_only: Amount
    by_sector: list[GroupTotal]
    by_subsector: list[GroupTotal]
    by_scope: list[GroupTotal]
    by_gas: list[GroupTotal] = Field(
        default_factory=list,
        description="CO2e by the gas of the factor that produced it; 'CO2e' where the factor "
        "is given as CO2e (e.g. the grid mix), not split by gas",
    )


class TerritorialSectorTotal(Amount):
    sector: str = Field(description="Agency sector slug, e.g. road_traffic")
    name: str
    name_no: str = Field(description="The agency's Norwegian name")
    cells: list[str]


class CountedZero(Amount):
    gpc_reference: str
    reason: str


class LiveTerritorialView(BaseModel):
    """The live year-to-date as the Norwegian Environment Agency counts it: inside the
    municipality only; grid electricity and district heating (scope 2) count zero."""

    city: str
    year: int
    time_zone: str = TIME_ZONE_FIELD
    as_of: datetime
    total: Amount
    sectors: list[TerritorialSectorTotal]
    counted_zero: list[CountedZero] = Field(description="Cells with emissions that count zero")
