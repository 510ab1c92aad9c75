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
    # Coverage (optional, so events from before it still parse): the sensor's group and the
    # share of its GPC cell's activity the group measures, as declared in the registry.
    coverage_group: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="The sensor's group"
    )
    coverage_share: float | None = Field(
        None, gt=0, le=1, description="Share of the cell's activity the group measures"
    )


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
    # Events written before cities stored a zone parse with Norway's calendar.
    time_zone: str = Field(
        "Europe/Oslo", description="IANA time zone of the city's calendar (years and months)"
    )


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


class AccountedCellMonth(BaseModel):
    """The part of one cell's amount that falls in one local calendar month of the city."""

    model_config = ConfigDict(extra="forbid")

    gpc_reference: str
    scope: Scope
    year: int = Field(description="The city's local calendar year")
    month: int = Field(ge=1, le=12, description="The city's local calendar month")
    co2e_mg: int


class AccountedSensorGroup(BaseModel):
    """Activity one accounted batch measured with one sensor group (the sensors' registered
    ``coverage_group``) in one GPC cell and local calendar month of the city."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(description="The sensors' coverage group, as registered")
    gpc_reference: str
    year: int = Field(description="The city's local calendar year")
    month: int = Field(ge=1, le=12, description="The city's local calendar month")
    readings: int = Field(ge=0, description="Readings counted in the month of their start")
    activity_value: Decimal = Field(
        description="Activity measured in the month (a reading is split by hour, pro rata)"
    )
    activity_unit: str = Field(description="kWh, L or vehicle-km")


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
    # Optional, so events from before them still parse. A backfilled batch may span months: its
    # cells per local month, exactly (by the hourly buckets), so no reader has to spread them.
    cell_months: list[AccountedCellMonth] = Field(
        default_factory=list,
        description="The cells' amounts per local calendar month of the city (they sum to "
        "cells); empty in events from before it",
    )
    # What the batch's sensors that belong to a
    # coverage group measured, per group, cell and month (contracts follows MEL indicators by it).
    sensor_groups: list[AccountedSensorGroup] = Field(
        default_factory=list,
        description="Activity per sensor group, GPC cell and local month (sensors without a "
        "coverage group are not listed)",
    )


class RecalculatedCell(BaseModel):
    """The change one recalculation made to one GPC cell (summed over the hours it touched)."""

    model_config = ConfigDict(extra="forbid")

    gpc_reference: str
    scope: Scope
    readings: int = Field(ge=0, description="Readings recomputed in this cell")
    co2e_mg_delta: int = Field(description="New minus old amount, in milligrams CO2e")


class RecalculatedCellMonth(BaseModel):
    """The part of one cell's recalculation difference that falls in one local month."""

    model_config = ConfigDict(extra="forbid")

    gpc_reference: str
    scope: Scope
    year: int = Field(description="The city's local calendar year")
    month: int = Field(ge=1, le=12, description="The city's local calendar month")
    co2e_mg_delta: int


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
    # Optional, so events from before it still parse: a revision may touch years of readings.
    cell_months: list[RecalculatedCellMonth] = Field(
        default_factory=list,
        description="The cells' differences per local calendar month of the city (they sum to "
        "cells); empty in events from before it",
    )


PaceStatus = Literal["on_track", "at_risk", "off_track", "no_data"]
PaceMethod = Literal[
    "scaled_by_history",
    "measured_over_coverage",
    "measured_only",
    "estimated_from_inventory",
    "mixed",
    "none",
]


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
    ytd_co2e_mg: int = Field(description="What the sector's sensors measured this year so far")
    ceiling_co2e_mg: int = Field(description="The sector's emission ceiling for the year")
    prorated_ceiling_co2e_mg: int = Field(
        description="The share of the ceiling expected by now (seasonal profile or flat)"
    )
    profile: Literal["seasonal", "flat"]
    evaluated_at: AwareDatetime
    # The estimate of the whole sector that the status compares (None in events from before
    # the coverage-aware pace, whose status compared ytd_co2e_mg).
    estimate_co2e_mg: int | None = Field(
        None, description="Estimate of the whole sector so far: measured + scaled + carried"
    )
    estimate_tco2e: TCO2e | None = None
    measured_co2e_mg: int | None = Field(None, description="Part of the estimate measured")
    scaled_co2e_mg: int | None = Field(
        None, description="Part scaled up from measurements (history ratio or coverage)"
    )
    carried_co2e_mg: int | None = Field(
        None, description="Part carried from the published inventory, pro-rated by season"
    )
    measured_share: float | None = Field(
        None, description="measured / estimate (None when the estimate is zero or unknown)"
    )
    method: PaceMethod | None = Field(None, description="How the estimate was made")
    inventory: str | None = Field(
        None, description="The published inventory the estimate leans on, e.g. oslo/2025/v1"
    )


# --- contracts.events.v1 ------------------------------------------------------------------


class PartnerRegistered(EventPayload):
    event_type: ClassVar[str] = "no.klimaby.partner.registered"

    partner_id: uuid.UUID
    city: str
    name: str
    organisation_number: str | None = None
    helix: HelixType


class PartnerUpdated(EventPayload):
    """A partner's record changed (by the partner itself or by its city). Contact details are
    a person's data: the event names which changed, never their values."""

    event_type: ClassVar[str] = "no.klimaby.partner.updated"

    partner_id: uuid.UUID
    city: str
    name: str
    organisation_number: str | None = None
    helix: HelixType
    changed: list[str] = Field(description="The fields that changed, e.g. ['name', 'contact']")
    updated_by: str
    updated_at: AwareDatetime


class PartnerInvited(EventPayload):
    """A city invited a partner to take its own credentials (the one-time code is never in it)."""

    event_type: ClassVar[str] = "no.klimaby.partner.invited"

    invitation_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    invited_by: str
    expires_at: AwareDatetime


class PartnerInvitationAccepted(EventPayload):
    """A partner accepted its invitation and got its partner credentials."""

    event_type: ClassVar[str] = "no.klimaby.partner.invitation_accepted"

    invitation_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    accepted_at: AwareDatetime


class PartnerInvitationRevoked(EventPayload):
    """A city revoked a pending invitation: its code is refused from now on."""

    event_type: ClassVar[str] = "no.klimaby.partner.invitation_revoked"

    invitation_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    revoked_by: str
    revoked_at: AwareDatetime


MouTier = Literal["partner", "supporter"]
MouState = Literal["proposed", "signed", "active", "reported", "renewed", "ended"]
SignatureSide = Literal["city", "partner"]
GpcSector = Literal["I", "II", "III", "IV", "V"]


class MouDrafted(EventPayload):
    """An MoU was proposed to (drafted with) a partner; it needs both sides' signatures."""

    event_type: ClassVar[str] = "no.klimaby.mou.drafted"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    title: str
    tier: MouTier = "partner"
    period_start: date | None = None
    period_end: date | None = None
    renews_mou_id: uuid.UUID | None = Field(
        None, description="The MoU this one renews, when it is a renewal"
    )


class MouSignatureAdded(EventPayload):
    """One side signed an MoU: who signed (the person), with which credential, and when."""

    event_type: ClassVar[str] = "no.klimaby.mou.signature_added"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    side: SignatureSide
    signatory: str = Field(description="The person who signed for this side")
    signed_on: date
    signed_by: str = Field(description="The credential's subject that recorded the signature")
    signed_at: AwareDatetime


class MouSigned(EventPayload):
    """An MoU is signed by both sides (the city's and the partner's signatures both exist)."""

    event_type: ClassVar[str] = "no.klimaby.mou.signed"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    signed_on: date = Field(description="The day of the later of the two signatures")
    signatory: str = Field(description="The person who signed for the partner")
    city_signatory: str | None = Field(None, description="The person who signed for the city")


class MouStatusChanged(EventPayload):
    """An MoU moved along its lifecycle after signing: active, reported, renewed or ended."""

    event_type: ClassVar[str] = "no.klimaby.mou.status_changed"

    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    previous_status: MouState
    status: MouState
    note: str | None = None
    changed_by: str
    changed_at: AwareDatetime
    successor_mou_id: uuid.UUID | None = Field(
        None, description="For 'renewed': the new MoU, proposed, that continues this one"
    )


class SectorReduction(BaseModel):
    """An expected cut in one GPC sector of the city's inventory."""

    model_config = ConfigDict(extra="forbid")

    sector: GpcSector
    co2e_mg: int = Field(ge=0, description="Expected reduction, in milligrams CO2e per year")
    tco2e: TCO2e


class CommitmentChanged(EventPayload):
    """A stakeholder commitment of an MoU was added, changed or removed (before signing)."""

    event_type: ClassVar[str] = "no.klimaby.commitment.changed"

    commitment_id: uuid.UUID
    mou_id: uuid.UUID
    partner_id: uuid.UUID
    city: str
    change: Literal["added", "updated", "removed"]
    kind: Literal["action", "investment"]
    description: str
    due_by: date
    investment_nok: int | None = None
    expected_reductions: list[SectorReduction]
    expected_co2e_mg: int = Field(description="Sum over the sectors, in milligrams CO2e")
    changed_by: str


class ClimateAccountReported(EventPayload):
    """A partner's yearly climate account was reported or replaced (GHG Protocol scopes)."""

    event_type: ClassVar[str] = "no.klimaby.climate_account.reported"

    partner_id: uuid.UUID
    city: str
    year: int
    scope1_co2e_mg: int
    scope2_location_co2e_mg: int
    scope2_market_co2e_mg: int | None = None
    scope3_co2e_mg: int = Field(description="Sum of the scope 3 categories reported")
    scope3_categories: list[int] = Field(description="GHG Protocol scope 3 categories reported")
    total_co2e_mg: int = Field(description="Scope 1 + scope 2 location-based + scope 3")
    total_tco2e: TCO2e
    verification: Literal["none", "self_declared", "third_party"]
    published: bool
    replaced: bool = Field(description="True when it replaced an earlier report of the year")
    reported_by: str


# --- contracts.events.v1: Climate City Contracts ------------------------------------------

CccStatus = Literal[
    "draft", "submitted", "in_review", "revision_requested", "resubmitted", "label_awarded"
]
ActionTrackingStatus = Literal["on_course", "behind", "no_data"]


class CccVersionStarted(EventPayload):
    """A city started a version of its Climate City Contract: the first, or a yearly
    iteration copied from the version that holds the Mission Label."""

    event_type: ClassVar[str] = "no.klimaby.ccc.version_started"

    city: str
    version: int = Field(ge=1)
    copied_from_version: int | None = Field(None, ge=1)
    started_by: str
    started_at: AwareDatetime


class CccStatusChanged(EventPayload):
    """A CCC version moved along the label lifecycle (submitted, reviewed, revised …)."""

    event_type: ClassVar[str] = "no.klimaby.ccc.status_changed"

    city: str
    version: int = Field(ge=1)
    transition: str = Field(description="submit, start_review, request_revision, resubmit, award")
    previous_status: CccStatus
    status: CccStatus
    by: str
    at: AwareDatetime
    comments: dict[str, str] = Field(
        default_factory=dict, description="Comments per CCC module (module name → text)"
    )


class MissionLabelAwarded(EventPayload):
    """The European Commission's Mission Label was awarded to a CCC version of a city."""

    event_type: ClassVar[str] = "no.klimaby.ccc.label_awarded"

    city: str
    version: int = Field(ge=1)
    awarded_by: str
    awarded_at: AwareDatetime


class ActionStatusChanged(EventPayload):
    """An action's tracking status, computed from the live inventory, changed."""

    event_type: ClassVar[str] = "no.klimaby.action.status_changed"

    city: str
    version: int = Field(ge=1, description="The CCC version whose action portfolio is tracked")
    action_id: str
    action_name: str
    previous_status: ActionTrackingStatus | None = Field(
        None, description="None the first time the action is evaluated"
    )
    status: ActionTrackingStatus
    year: int = Field(description="The local year judged")
    months: list[int] = Field(description="The complete local months compared with last year")
    gpc_references: list[str] = Field(description="The GPC references the action is judged on")
    observed_co2e_mg: int | None = Field(None, description="Live emissions of those months")
    allowed_co2e_mg: int | None = Field(
        None, description="What the path allows for those months (last year's x the path step)"
    )
    indicator_ids: list[str] = Field(
        default_factory=list,
        description="The MEL indicators with a live source that follow the action and were "
        "judged against their target path (optional: absent in events from before them)",
    )
    evaluated_at: AwareDatetime


class PortfolioAction(BaseModel):
    """One action of a tracked portfolio, as other services may refer to it."""

    model_config = ConfigDict(extra="forbid")

    action_id: str
    name: str
    field_of_action: str
    gpc_references: list[str] = Field(description="Where its expected cuts are")


class CccPortfolioChanged(EventPayload):
    """The actions of a city's tracked CCC version (the newest labelled one, else the newest)
    changed: the whole list, so a consumer replaces what it knew (e.g. the inventory, whose
    budget measures may refer to an action by id)."""

    event_type: ClassVar[str] = "no.klimaby.ccc.portfolio_changed"

    city: str
    version: int = Field(ge=1)
    actions: list[PortfolioAction]


class FundingYear(BaseModel):
    """One year of an action's investment plan, in whole øre (1 NOK = 100 øre)."""

    model_config = ConfigDict(extra="forbid")

    year: int
    cost_ore: int = Field(description="Capex + opex planned for the year")
    committed_ore: int
    applied_for_ore: int
    gap_ore: int = Field(description="cost - committed (negative: more committed than planned)")


class FundingChanged(EventPayload):
    """An action's costing or funding sources changed in a CCC version's investment plan."""

    event_type: ClassVar[str] = "no.klimaby.ccc.funding_changed"

    city: str
    version: int = Field(ge=1)
    action_id: str
    years: list[FundingYear]
    cost_ore: int
    committed_ore: int
    gap_ore: int
