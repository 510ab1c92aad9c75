"""Typed payloads, one class per event type. The ``data`` of a CloudEvent is one of these.

Quantities of CO2e travel as whole milligrams (``co2e_mg``) so that sums are exact in every
consumer, whatever order it adds them in; ``tco2e`` fields beside them are for readers.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.quantities import TCO2e

CITY_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
CitySlug = Annotated[str, Field(pattern=CITY_SLUG_PATTERN, description="City slug, e.g. oslo")]
"""A city's id across every service: lower-case, URL-safe."""

SensorKind = Literal["energy_meter", "traffic_counter"]
EnergyCarrier = Literal[
    "electricity", "district_heating", "diesel", "petrol", "heating_oil", "natural_gas"
]
VehicleClass = Literal["car", "van", "bus"]
BiddingZone = Literal["NO1", "NO2", "NO3", "NO4", "NO5"]
Scope = Literal[1, 2, 3]
HelixType = Literal["public", "business", "academia", "civil_society"]


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_type: ClassVar[str]


# --- sensors.readings.v1 / sensors.readings.rejected.v1 ------------------------------------


class AccountingParameters(BaseModel):
    """What the inventory needs to turn a reading into emissions (from the sensor's registry)."""

    model_config = ConfigDict(extra="forbid")

    energy_carrier: EnergyCarrier | None = None
    bidding_zone: BiddingZone | None = None
    road_segment_km: float | None = Field(None, gt=0)
    vehicle_class: VehicleClass | None = None


ReadingFlag = Literal["reset", "gap"]


class ReadingAccepted(EventPayload):
    """A validated reading, published once the gateway's batch is accepted."""

    event_type: ClassVar[str] = "no.klimaby.reading.accepted"

    reading_id: uuid.UUID = Field(description="Deterministic: the inventory's accounting key")
    sensor_id: str
    gateway_id: str
    city: str
    kind: SensorKind
    quantity: Literal["energy", "vehicle_count", "fuel_volume"]
    value: float = Field(ge=0)
    unit: str = Field(description="The sensor's canonical unit: kWh, {vehicle} or L")
    time: AwareDatetime = Field(description="Observation time, or the start of the interval")
    interval_end: AwareDatetime | None = None
    gpc_reference: str
    accounting: AccountingParameters
    received_at: AwareDatetime
    flags: list[ReadingFlag] = Field(
        default_factory=list,
        description="For deltas of a cumulative register: 'reset' (the register went down and "
        "restarted from zero) and 'gap' (the interval is longer than twice the expected one)",
    )


class ReadingRejected(EventPayload):
    """A reading the sensors service refused, kept for audit."""

    event_type: ClassVar[str] = "no.klimaby.reading.rejected"

    gateway_id: str
    city: str
    index: int = Field(ge=0, description="Position of the item in its batch")
    sensor_id: str | None = None
    field: str = Field(description="JSON pointer of the offending field within the item")
    reason: str
    item: dict[str, object]
    received_at: AwareDatetime


# --- sensors.events.v1 --------------------------------------------------------------------


class SensorStale(EventPayload):
    """A sensor has been silent for longer than its expected reporting interval."""

    event_type: ClassVar[str] = "no.klimaby.sensor.stale"

    sensor_id: str
    gateway_id: str
    city: str
    expected_interval_s: int = Field(gt=0)
    last_seen_at: AwareDatetime | None = Field(
        description="When the sensor last sent anything; none if it never did"
    )
    detected_at: AwareDatetime


class SensorRecovered(EventPayload):
    """A stale sensor reported again."""

    event_type: ClassVar[str] = "no.klimaby.sensor.recovered"

    sensor_id: str
    gateway_id: str
    city: str
    stale_since: AwareDatetime
    recovered_at: AwareDatetime


# --- inventory.events.v1 ------------------------------------------------------------------


class CityRegistered(EventPayload):
    event_type: ClassVar[str] = "no.klimaby.city.registered"

    city: str = Field(description="Slug, e.g. oslo")
    name: str
    country: str = "NO"
    bidding_zone: BiddingZone | None = None
    mission_city: bool = False


class FactorRevised(EventPayload):
    """An emission factor got a new version; the previous one is superseded (and kept)."""

    event_type: ClassVar[str] = "no.klimaby.factor.revised"

    factor_id: str
    previous_version: int = Field(ge=1)
    version: int = Field(ge=2)
    name: str
    activity: str
    gpc_references: list[str]
    region: str = Field(description="NO, a bidding zone NO1..NO5, or a city slug (the key)")
    gas: str
    previous_value: Decimal = Field(description="Mass of the gas per activity unit, before")
    value: Decimal = Field(description="Mass of the gas per activity unit, now")
    mass_unit: str = Field(description="g, kg or t")
    activity_unit: str
    gwp_set: str | None = None
    valid_from_year: int
    valid_to_year: int | None = None
    reason: str
    revised_by: str
    revised_at: AwareDatetime


class InventoryPublished(EventPayload):
    """A version of a city's GPC inventory for one year was published and is now immutable."""

    event_type: ClassVar[str] = "no.klimaby.inventory.published"

    city: str
    year: int
    version: int = Field(ge=1)
    level: Literal["BASIC", "BASIC+"]
    gwp_set: Literal["AR5", "AR6"]
    basic_co2e_mg: int = Field(description="BASIC total, in milligrams CO2e")
    basic_plus_co2e_mg: int = Field(description="BASIC+ total, in milligrams CO2e")
    territorial_co2e_mg: int = Field(
        description="Territorial total as the Norwegian Environment Agency counts it"
    )
    tco2e: TCO2e = Field(description="The total of the inventory's level, in tonnes CO2e")
    sectors_co2e_mg: dict[str, int] = Field(
        description="Per GPC sector (I … V), cells of the inventory's level, in milligrams CO2e"
    )
    territorial_sectors_co2e_mg: dict[str, int] = Field(
        description="Per agency sector (e.g. road_traffic), in milligrams CO2e"
    )
    published_by: str
    published_at: AwareDatetime


class AccountedCell(BaseModel):
    """Emissions added to one GPC cell by one accounted batch."""

    model_config = ConfigDict(extra="forbid")

    gpc_reference: str
    scope: Scope
    readings: int = Field(ge=0)
    co2e_mg: int


class EmissionsAccounted(EventPayload):
    """Aggregated result of one consumed batch for one city (not one event per reading)."""

    event_type: ClassVar[str] = "no.klimaby.emissions.accounted"

    city: str
    readings_accounted: int = Field(ge=0)
    co2e_mg: int = Field(description="CO2e added by this batch, in milligrams")
    tco2e: TCO2e = Field(description="The same amount in tonnes CO2e")
    cells: list[AccountedCell]
    period_start: AwareDatetime
    period_end: AwareDatetime


class RecalculatedCell(BaseModel):
    """The change one recalculation made to one GPC cell (summed over the hours it touched)."""

    model_config = ConfigDict(extra="forbid")

    gpc_reference: str
    scope: Scope
    readings: int = Field(ge=0, description="Readings recomputed in this cell")
    co2e_mg_delta: int = Field(description="New minus old amount, in milligrams CO2e")


class EmissionsRecalculated(EventPayload):
    """Accounted emissions changed after the fact, for one city: a factor was revised (its
    readings were recomputed with the new version), or a factor was added that readings recorded
    without one now take. Add ``co2e_mg_delta`` to what ``emissions.accounted`` summed."""

    event_type: ClassVar[str] = "no.klimaby.emissions.recalculated"

    city: str
    reason: Literal["factor_revised", "factor_added"]
    factor_id: str
    factor_version: int = Field(ge=1, description="The version now applied")
    previous_version: int | None = Field(
        None, ge=1, description="The version replaced; none when the readings had no factor"
    )
    readings_recalculated: int = Field(ge=0)
    co2e_mg_delta: int = Field(description="Sum of the cells' differences, in milligrams CO2e")
    tco2e_delta: TCO2e = Field(description="The same difference in tonnes CO2e")
    cells: list[RecalculatedCell]
    period_start: AwareDatetime = Field(description="Start of the earliest hour touched")
    period_end: AwareDatetime = Field(description="End of the latest hour touched")


PaceStatus = Literal["on_track", "at_risk", "off_track"]


class BudgetStatusChanged(EventPayload):
    """A sector's live pace against this year's climate budget changed status."""

    event_type: ClassVar[str] = "no.klimaby.budget.status_changed"

    city: str
    year: int
    sector: str = Field(description="GPC sector: I, II, III, IV or V")
    previous_status: PaceStatus | None = Field(
        None, description="None the first time the sector's pace is evaluated this year"
    )
    status: PaceStatus
    ytd_co2e_mg: int = Field(description="Live emissions of the sector this year so far")
    ceiling_co2e_mg: int = Field(description="The sector's emission ceiling for the year")
    prorated_ceiling_co2e_mg: int = Field(
        description="The share of the ceiling expected by now (seasonal profile or flat)"
    )
    profile: Literal["seasonal", "flat"]
    evaluated_at: AwareDatetime


# --- contracts.events.v1 ------------------------------------------------------------------


class PartnerRegistered(EventPayload):
    event_type: ClassVar[str] = "no.klimaby.partner.registered"

    partner_id: uuid.UUID
    city: str
    name: str
    organisation_number: str | None = None
    helix: HelixType


class MouDrafted(EventPayload):
    event_type: ClassVar[str] = "no.klimaby.mou.drafted"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    title: str


class MouSigned(EventPayload):
    event_type: ClassVar[str] = "no.klimaby.mou.signed"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    signed_on: date
    signatory: str
