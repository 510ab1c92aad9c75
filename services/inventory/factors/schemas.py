"""Emission factors on the wire. Amounts are decimals (JSON strings keep every digit)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.inventory.factors.units import UnitError, validate_unit
from services.inventory.gpc.catalogue import CELL_REFERENCES, is_cell
from services.inventory.gpc.gases import Gas, GwpSet
from shared.jsontypes import JSONIntegerCheck
from shared.text import NoNul

FACTOR_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,99}$"
# A country (ISO 3166 alpha-2), a Norwegian bidding zone, or a city slug.
REGION_PATTERN = r"^([A-Z]{2}|NO[1-5]|[a-z0-9][a-z0-9-]{1,62})$"
RegionKind = Literal["country", "bidding_zone", "city"]
MassUnit = Literal["g", "kg", "t"]
FIRST_YEAR, LAST_YEAR = 1990, 2100


def region_kind(region: str) -> RegionKind:
    if len(region) == 3 and region.startswith("NO") and region[2] in "12345":
        return "bidding_zone"
    if len(region) == 2 and region.isupper():
        return "country"
    return "city"


def _gpc_reference(reference: str) -> str:
    if not is_cell(reference):
        raise ValueError(f"'{reference}' is not a GPC cell (see GET /v1/gpc/cells)")
    return reference


def _activity_unit(unit: str) -> str:
    try:
        return validate_unit(unit)
    except UnitError as exc:
        raise ValueError(str(exc)) from None


GpcReference = Annotated[
    str,
    Field(max_length=16, json_schema_extra={"enum": CELL_REFERENCES}),
    AfterValidator(_gpc_reference),
]
ActivityUnit = Annotated[
    str,
    Field(max_length=32, description="kWh, MWh, GJ, TJ, L, m**3, kg, t or vehicle-km"),
    AfterValidator(_activity_unit),
]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR), JSONIntegerCheck]
"""A year in a body (a query's year is text: see the endpoints)."""
Text = Annotated[str, NoNul]
"""Free text that is stored (PostgreSQL refuses NUL in text)."""
ACTIVITY_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"


class FactorSpec(BaseModel):
    """What every version of a factor states: mass of ``gas`` per ``activity_unit``."""

    # validate_default: the cross-field rules below run even when the field is omitted.
    model_config = ConfigDict(extra="forbid", validate_default=True)

    name: Text = Field(min_length=1, max_length=300)
    activity: str = Field(
        pattern=ACTIVITY_PATTERN,
        description="What the factor measures, e.g. electricity_grid, diesel, road_bus",
    )
    gpc_references: list[GpcReference] = Field(
        min_length=1, max_length=60, description="The GPC cells the factor applies to"
    )
    activity_unit: ActivityUnit
    gas: Gas = Field(description="CO2, CH4, N2O, SF6, NF3, HFC, PFC, or CO2e (not split by gas)")
    value: Decimal = Field(
        ge=0, max_digits=20, decimal_places=9, description="Mass of the gas per activity unit"
    )
    mass_unit: MassUnit = Field(description="Unit of the mass in `value`: g, kg or t")
    gwp_set: GwpSet | None = Field(
        None, description="The GWP set a CO2e factor was computed with (required for CO2e)"
    )
    region: str = Field(
        pattern=REGION_PATTERN,
        description="Country (NO), bidding zone (NO1 … NO5) or city slug",
    )
    valid_from_year: Year
    valid_to_year: Year | None = Field(None, description="Inclusive; none means open-ended")
    source: Text = Field(min_length=1, max_length=300, description="Publisher and publication")
    source_reference: Text | None = Field(None, max_length=500, description="URL or citation")

    @field_validator("gwp_set")
    @classmethod
    def _gwp_set_for_co2e(cls, value: GwpSet | None, info: ValidationInfo) -> GwpSet | None:
        if info.data.get("gas") == "CO2e" and value is None:
            raise ValueError("a CO2e factor must say which GWP set it was computed with")
        return value

    @field_validator("valid_to_year")
    @classmethod
    def _to_after_from(cls, value: int | None, info: ValidationInfo) -> int | None:
        start = info.data.get("valid_from_year")
        if value is not None and start is not None and value < start:
            raise ValueError(f"valid_to_year {value} is before valid_from_year {start}")
        return value


class FactorCreate(FactorSpec):
    """A new factor: version 1 of ``id`` (admin only)."""

    id: str = Field(pattern=FACTOR_ID_PATTERN, description="Stable id, e.g. no-grid-location-2024")


class FactorRevise(BaseModel):
    """A revision: the fields that change (others are copied from the current version), and why."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=500, description="Why the factor was revised")
    name: Text | None = Field(None, min_length=1, max_length=300)
    activity: str | None = Field(None, pattern=ACTIVITY_PATTERN)
    gpc_references: list[GpcReference] | None = Field(None, min_length=1, max_length=60)
    activity_unit: ActivityUnit | None = None
    gas: Gas | None = None
    value: Decimal | None = Field(None, ge=0, max_digits=20, decimal_places=9)
    mass_unit: MassUnit | None = None
    gwp_set: GwpSet | None = None
    region: str | None = Field(None, pattern=REGION_PATTERN)
    valid_from_year: Year | None = None
    valid_to_year: Year | None = None
    source: Text | None = Field(None, min_length=1, max_length=300)
    source_reference: Text | None = Field(None, max_length=500)


class FactorPublic(BaseModel):
    """One version of a factor."""

    id: str
    version: int
    name: str
    activity: str
    gpc_references: list[str]
    activity_unit: str
    gas: str
    value: Decimal = Field(description="Mass of the gas (in mass_unit) per activity unit")
    mass_unit: str
    gwp_set: str | None
    region: str
    region_kind: RegionKind
    valid_from_year: int
    valid_to_year: int | None
    source: str
    source_reference: str | None
    is_current: bool = Field(description="False once a newer version superseded this one")
    created_at: datetime
    created_by: str | None
    revision_reason: str | None
    superseded_at: datetime | None

    @classmethod
    def of(cls, factor: object) -> FactorPublic:
        data = {name: getattr(factor, name) for name in cls.model_fields if name != "region_kind"}
        return cls(**data, region_kind=region_kind(data["region"]))
