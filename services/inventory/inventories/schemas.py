"""Inventories on the wire.

Units: activity values in the unit given (converted to each factor's unit with pint); reported
and computed amounts in tonnes of each gas (HFC, PFC and CO2e in tonnes CO2e); ``co2e_mg`` is
the exact amount in milligrams CO2e and ``tco2e`` the same in tonnes. Decimals travel as JSON
strings so that no digit is lost.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.inventory.factors.schemas import (
    FACTOR_ID_PATTERN,
    ActivityUnit,
    GpcReference,
    Text,
    Year,
)
from services.inventory.gpc.catalogue import CellLevel, Level
from services.inventory.gpc.gases import Gas, GwpSet
from shared.jsontypes import JSONIntegerCheck
from shared.quantities import TCO2e

EntryKind = Literal["activity", "reported", "notation"]
NotationKey = Literal["NO", "IE", "NE", "C"]
DataQuality = Literal["reported", "measured", "estimated"]
Status = Literal["draft", "published"]

# Tonnes with 9 decimals: one milligram is the smallest amount an inventory keeps.
Tonnes = Annotated[Decimal, Field(max_digits=24, decimal_places=9)]


class InventoryCreate(BaseModel):
    """A city's inventory for a year: version 1, as a draft."""

    model_config = ConfigDict(extra="forbid")

    year: Year
    level: Level = Field("BASIC", description="BASIC or BASIC+")
    gwp_set: GwpSet = Field("AR5", description="AR5 (CH4 28, N2O 265) or AR6")
    note: Text | None = Field(None, max_length=500)


class VersionCreate(BaseModel):
    """A new draft version, copied from the last one; level and GWP set may change."""

    model_config = ConfigDict(extra="forbid")

    level: Level | None = Field(None, description="Default: as the last version")
    gwp_set: GwpSet | None = Field(None, description="Default: as the last version")
    note: Text | None = Field(None, max_length=500, description="Why a new version")


class FactorRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=FACTOR_ID_PATTERN)
    version: Annotated[int, Field(ge=1, le=1_000_000), JSONIntegerCheck] | None = Field(
        None, description="Default: the factor's current version"
    )


class ActivityLine(BaseModel):
    """Activity data (value + unit) and the factors (one per gas) that turn it into emissions."""

    model_config = ConfigDict(extra="forbid")

    description: Text | None = Field(None, max_length=200, description="e.g. heating oil")
    value: Decimal = Field(ge=0, max_digits=24, decimal_places=9)
    unit: ActivityUnit
    factors: list[FactorRef] = Field(min_length=1, max_length=8)


_NEEDED: dict[str, EntryKind] = {
    "activities": "activity",
    "emissions": "reported",
    "method": "reported",
    "notation_key": "notation",
}


class EntryWrite(BaseModel):
    """What a version says about one GPC cell. By ``kind``:

    - ``activity``: ``activities`` (value + unit + factor ids); emissions are computed;
    - ``reported``: ``emissions`` (tonnes per gas) and the ``method`` that produced them;
    - ``notation``: ``notation_key`` NO, IE (with ``included_in``), NE (with ``justification``)
      or C.

    ``data_source`` and ``data_quality`` are required for activity and reported entries;
    ``ch4_fossil`` is required whenever the entry has CH4 (it picks the AR6 potential).
    """

    model_config = ConfigDict(extra="forbid", validate_default=True)

    kind: EntryKind
    activities: list[ActivityLine] | None = Field(None, max_length=50)
    emissions: dict[Gas, Tonnes] | None = Field(
        None,
        description="Tonnes of each gas (HFC, PFC, CO2e in tonnes CO2e)",
        min_length=1,
    )
    method: Text | None = Field(None, max_length=500)
    notation_key: NotationKey | None = None
    included_in: GpcReference | None = Field(None, description="For IE: the cell holding it")
    justification: Text | None = Field(None, max_length=1000, description="For NE: why not")
    ch4_fossil: bool | None = Field(None, description="Whether the entry's CH4 is fossil")
    data_source: Text | None = Field(None, max_length=300, description="Where the data comes from")
    data_quality: DataQuality | None = Field(
        None, description="reported, measured (from sensors) or estimated"
    )
    comment: Text | None = Field(None, max_length=1000)

    @field_validator("activities", "emissions", "method", "notation_key")
    @classmethod
    def _by_kind(cls, value: object, info: ValidationInfo) -> object:
        kind = info.data.get("kind")
        needed = _NEEDED[info.field_name or ""]
        if kind == needed and (value is None or (isinstance(value, str) and not value.strip())):
            raise ValueError(f"required for a {needed} entry")
        if kind is not None and kind != needed and value is not None:
            raise ValueError(f"only for a {needed} entry, not a {kind} entry")
        if info.field_name == "activities" and kind == "activity" and not value:
            raise ValueError("give at least one activity line")
        return value

    @field_validator("included_in")
    @classmethod
    def _ie_names_its_cell(cls, value: str | None, info: ValidationInfo) -> str | None:
        key = info.data.get("notation_key")
        if key == "IE" and value is None:
            raise ValueError("IE (included elsewhere) must name the cell it is included in")
        if key != "IE" and value is not None:
            raise ValueError("only for notation key IE")
        return value

    @field_validator("justification")
    @classmethod
    def _ne_is_justified(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("notation_key") == "NE" and (value is None or not value.strip()):
            raise ValueError("NE (not estimated) must say why")
        return value

    @field_validator("ch4_fossil")
    @classmethod
    def _ch4_says_fossil(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        emissions = info.data.get("emissions") or {}
        if "CH4" in emissions and value is None:
            raise ValueError("say whether the CH4 is fossil (it chooses its GWP in AR6)")
        return value

    @field_validator("data_source", "data_quality")
    @classmethod
    def _provenance(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") in ("activity", "reported") and (
            value is None or not value.strip()
        ):
            raise ValueError("required for entries with numbers")
        return value


EntryFlagName = Literal["stale_factor", "gwp_mismatch"]


class FactorUsed(BaseModel):
    """One factor version an activity line used, and what it produced."""

    id: str
    version: int
    gas: str
    value: Decimal = Field(description="Mass of the gas (mass_unit) per activity_unit")
    mass_unit: str
    activity_unit: str
    gwp_set: str | None
    source: str
    valid_from_year: int
    activity_value: Decimal = Field(description="The line's value in the factor's unit")
    amount_t: Decimal = Field(description="Tonnes of the gas (tCO2e for CO2e factors)")
    flags: list[EntryFlagName] = Field(
        default_factory=list,
        description="stale_factor: the library holds a newer year's factor (newer_factor) for "
        "the inventory's year; gwp_mismatch: a CO2e factor stated under another GWP set than "
        "the inventory's (not restated: it does not give its gases)",
    )
    newer_factor: str | None = Field(None, description="With stale_factor: the newer factor")


class ActivityLinePublic(BaseModel):
    description: str | None
    value: Decimal
    unit: str
    factors: list[FactorUsed]


class EntryPublic(BaseModel):
    """One GPC cell of an inventory version, with its computed amounts."""

    gpc_reference: str
    sector: str
    subsector: str
    scope: int
    cell_level: CellLevel
    kind: EntryKind
    notation_key: NotationKey | None
    included_in: str | None
    justification: str | None
    activities: list[ActivityLinePublic] | None
    emissions: dict[str, Decimal] | None = Field(description="As reported, tonnes per gas")
    method: str | None
    ch4_fossil: bool | None
    gases_t: dict[str, Decimal] = Field(description="Tonnes per gas (HFC/PFC/CO2e: tCO2e)")
    co2e_mg: int = Field(description="Exact, milligrams CO2e, under the version's GWP set")
    tco2e: TCO2e
    flags: list[EntryFlagName] = Field(
        default_factory=list, description="Every flag of the factors the entry used"
    )
    data_source: str | None
    data_quality: DataQuality | None
    comment: str | None
    updated_at: datetime
    updated_by: str


class VersionSummary(BaseModel):
    """A version's state, without its entries."""

    city: str
    year: int
    version: int
    level: Level
    gwp_set: GwpSet
    status: Status
    note: str | None
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None


class VersionPublic(VersionSummary):
    """A version with its entries, ordered by GPC reference."""

    entries: list[EntryPublic]


class InventorySummary(BaseModel):
    """One year of a city's inventories, as far as the caller may see it."""

    city: str
    year: int
    latest_version: int = Field(description="Newest version the caller may read")
    latest_status: Status
    published_versions: list[int]


class Change(BaseModel):
    """One line of the audit trail."""

    at: datetime
    subject: str
    role: str
    action: str
    gpc_reference: str | None
    detail: dict[str, object]


class LevelCompleteness(BaseModel):
    level: Level
    complete: bool = Field(description="Every required cell has a value or a notation key")
    required: int
    filled: int
    missing: list[str] = Field(description="Required GPC cells without an entry")


class EntryFlag(BaseModel):
    gpc_reference: str
    flag: EntryFlagName
    factor_id: str
    detail: str


class Completeness(BaseModel):
    city: str
    year: int
    version: int
    inventory_level: Level
    levels: list[LevelCompleteness]
    warnings: list[str] = Field(description="e.g. IE naming a cell that has no number")
    flags: list[EntryFlag] = Field(
        default_factory=list, description="Entries whose factors are flagged (they do not block)"
    )


class Amount(BaseModel):
    co2e_mg: int = Field(description="Milligrams CO2e (exact)")
    tco2e: TCO2e = Field(description="Tonnes CO2e")


class GroupTotal(Amount):
    key: str = Field(description="Sector (I … V), subsector (I.1 …), scope (1 … 3) or gas")
    name: str | None = None


class GasTotal(Amount):
    gas: str
    amount_t: Decimal = Field(description="Tonnes of the gas (HFC/PFC/CO2e: tCO2e)")


class GpcView(BaseModel):
    """Totals in the GPC frame. Breakdowns cover the cells of the inventory's level;
    territorial-only cells (I.4.4, III.x.3) are reported apart and never in a GPC total."""

    city: str
    year: int
    version: int
    status: Status
    level: Level
    gwp_set: GwpSet
    total: Amount = Field(description="Total of the inventory's level")
    basic: Amount
    basic_plus: Amount
    territorial_only: Amount
    by_sector: list[GroupTotal]
    by_subsector: list[GroupTotal]
    by_scope: list[GroupTotal]
    by_gas: list[GasTotal]


class TerritorialSectorTotal(Amount):
    sector: str = Field(description="Agency sector slug, e.g. road_traffic")
    name: str
    name_no: str = Field(description="The agency's Norwegian name")
    cells: list[str]
    agency_reported_co2e_mg: int | None = Field(
        None, description="The agency's own figure for the year, when imported"
    )


class ExcludedCell(Amount):
    gpc_reference: str
    reason: str


class TerritorialView(BaseModel):
    """Totals as the Norwegian Environment Agency counts them: inside the municipality only;
    grid electricity and district heating (scope 2) count zero for the consumer."""

    city: str
    year: int
    version: int
    status: Status
    gwp_set: GwpSet
    total: Amount
    sectors: list[TerritorialSectorTotal]
    counted_zero: list[ExcludedCell] = Field(description="Cells with emissions that count zero")
