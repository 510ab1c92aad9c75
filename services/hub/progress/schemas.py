"""Response bodies of the progress API. Tonnes are ``TCO2e`` strings (9 places, exact)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from services.hub.progress.models import CityProgress
from shared.quantities import TCO2e, tco2e_from_mg


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
    time_zone: str = Field(description="The zone the city's years and months are read in")
    live_tco2e: TCO2e = Field(description="co2e_mg in tonnes CO2e")
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
            time_zone=row.zone,
            live_tco2e=tco2e_from_mg(row.co2e_mg),
            co2e_mg=row.co2e_mg,
            readings_accounted=row.readings_accounted,
            last_accounted_at=row.last_accounted_at,
            partners=row.partners,
            mous_drafted=row.mous_drafted,
            mous_signed=row.mous_signed,
        )


class PopulationPublic(BaseModel):
    year: int = Field(description="The year of the figure (the newest one known up to then)")
    count: int
    source: str


class InventoryYearPublic(BaseModel):
    """A published inventory year (its newest version)."""

    year: int
    version: int
    level: str
    gwp_set: str
    total_tco2e: TCO2e = Field(description="The total of the inventory's level")
    territorial_tco2e: TCO2e
    sectors: dict[str, TCO2e] = Field(description="Per GPC sector I … V")
    population: PopulationPublic | None
    per_capita_tco2e: TCO2e | None = Field(description="Total per resident; none without data")
    published_at: datetime


class SectorLive(BaseModel):
    """A sector this year: what was measured live, and the budget's pace when it has one."""

    sector: str
    live_tco2e: TCO2e = Field(description="Accounted live from sensor readings this year")
    readings: int
    status: str = Field(
        description="The budget pace (on_track, at_risk, off_track …), or no_data when no pace "
        "has been evaluated: never on_track without data"
    )
    estimate_tco2e: TCO2e | None = Field(description="The budget's year-to-date figure")
    ceiling_tco2e: TCO2e | None
    prorated_ceiling_tco2e: TCO2e | None
    profile: str | None
    measured_share: str | None = Field(description="Share of the estimate that is measured")
    method: str | None
    evaluated_at: datetime | None


class MonthLive(BaseModel):
    month: int = Field(ge=1, le=12, description="Local calendar month")
    tco2e: TCO2e
    cumulative_tco2e: TCO2e
    ceiling_cumulative_tco2e: TCO2e | None = Field(
        description="The budgeted sectors' ceilings spread evenly over the months, cumulative"
    )


class LiveYear(BaseModel):
    year: int = Field(description="The city's current local calendar year")
    time_zone: str
    live_tco2e: TCO2e
    readings: int
    per_capita_tco2e: TCO2e | None
    population: PopulationPublic | None
    ceiling_tco2e: TCO2e | None = Field(description="Sum of the ceilings of budgeted sectors")
    sectors: list[SectorLive]
    months: list[MonthLive]


class TrajectoryPoint(BaseModel):
    year: int
    tco2e: TCO2e
    source: str = Field(
        description="target (the target's trajectory, as the inventory computed it) or budget "
        "(the sum of this year's ceilings, when the hub knows no target)"
    )


class Baseline(BaseModel):
    year: int
    tco2e: TCO2e
    source: str = Field(description="target or first_published_inventory")
    inventory: str | None = Field(
        None, description="The published inventory version the target's baseline is"
    )
    target_version: int | None = Field(None, description="The target version it is the base of")


class BaselineCutEstimate(BaseModel):
    """An estimate, not a published figure: this year's budget estimate so far against the
    baseline pro-rated to the same point of the year (by each sector's profile)."""

    year: int
    share: str = Field(description="1 - estimate / baseline so far, a fraction with 4 places")
    estimate_tco2e: TCO2e = Field(description="The budget's estimate of every sector so far")
    baseline_so_far_tco2e: TCO2e = Field(
        description="Each sector's baseline x (its pro-rated ceiling / its ceiling), summed"
    )
    evaluated_at: datetime = Field(description="The oldest pace evaluation it rests on")


class ActionPublic(BaseModel):
    action_id: str
    title: str | None
    status: str
    progress: str = Field(description="on_course, behind or other")
    sector: str | None
    updated_at: datetime


class ActionsSummary(BaseModel):
    total: int
    on_course: int
    behind: int
    other: int
    by_status: dict[str, int]
    items: list[ActionPublic]


class Milestone(BaseModel):
    state: str
    updated_at: datetime


class CityContext(BaseModel):
    """A city's progress in context: published inventories, this year live, the path."""

    city: str
    name: str | None
    mission_city: bool
    time_zone: str
    inventories: list[InventoryYearPublic]
    baseline: Baseline | None
    latest_inventory_year: int | None
    baseline_cut_share: str | None = Field(
        description="(baseline - latest published total) / baseline, as a fraction with 4 "
        "places; none until a later year than the baseline is published"
    )
    baseline_cut_estimate: BaselineCutEstimate | None = Field(
        description="This year's estimate against the baseline; none unless every sector of "
        "the target's baseline has a pace with an estimate this year"
    )
    live: LiveYear
    trajectory: list[TrajectoryPoint]
    actions: ActionsSummary
    label: Milestone | None = Field(description="The Mission Label's newest state")
    contract: Milestone | None = Field(description="The Climate City Contract's newest state")
    partners: int
    mous_drafted: int
    mous_signed: int
    co2e_mg: int = Field(description="Everything accounted live, ever, in milligrams")


class NationalCity(BaseModel):
    city: str
    name: str | None
    mission_city: bool
    latest_inventory_year: int | None
    latest_inventory_tco2e: TCO2e | None
    per_capita_tco2e: TCO2e | None
    population_year: int | None
    baseline_cut_share: str | None
    baseline_cut_estimate_share: str | None = Field(
        description="This year's estimate against the baseline (see the city's context)"
    )
    baseline_cut_estimate_year: int | None
    live_tco2e: TCO2e
    live_per_capita_tco2e: TCO2e | None
    sectors_off_track: int
    sectors_no_data: int
    actions_on_course: int
    actions_behind: int
    label_state: str | None


class NationalView(BaseModel):
    basis: str
    cities: list[NationalCity]
