"""Coverage on the wire: shares are decimals, 0 < share ≤ 1 (0.12 = 12 % of the cell)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.text import NoNul

Share = Annotated[
    Decimal,
    Field(
        gt=0,
        le=1,
        max_digits=10,
        decimal_places=9,
        description="Share of the cell's activity measured, 0 < share ≤ 1 (0.12 = 12 %)",
        examples=["0.12"],
    ),
]


class CoverageWrite(BaseModel):
    """What share of a cell's (or a sensor group's) activity the city's sensors measure."""

    model_config = ConfigDict(extra="forbid")

    share: Share
    source: Annotated[str, NoNul] | None = Field(
        None, max_length=500, description="e.g. 'Energy statistics 2024: 3 of 25 buildings'"
    )


class CoverageStatementPublic(BaseModel):
    city: str
    gpc_reference: str
    sensor_group: str | None = Field(description="None: all the cell's sensors together")
    share: Decimal
    source: str | None
    updated_by: str
    updated_at: datetime


class GroupCoveragePublic(BaseModel):
    group: str = Field(description="A coverage_group of the registry, or a sensor's id")
    share: Decimal | None
    basis: Literal["stated", "declared", "unknown"] = Field(
        description="stated by the city, declared by the group's sensors, or unknown"
    )
    sensors: list[str]


class CellCoveragePublic(BaseModel):
    gpc_reference: str
    share: Decimal | None = Field(
        description="The share of the cell's activity its sensors measure (None: unknown)"
    )
    basis: Literal["cell_stated", "groups", "unknown"]
    groups: list[GroupCoveragePublic]
    uncovered_sensors: list[str] = Field(description="Sensors in no group with a share")
    statements: list[CoverageStatementPublic]


class CityCoverage(BaseModel):
    city: str
    cells: list[CellCoveragePublic] = Field(
        description="Every cell with a statement or a sensor that has sent readings"
    )
