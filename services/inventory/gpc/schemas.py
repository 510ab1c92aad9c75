from __future__ import annotations

from pydantic import BaseModel, Field

from services.inventory.gpc.catalogue import CellLevel, Scope


class SubsectorPublic(BaseModel):
    reference: str = Field(description="e.g. I.1")
    name: str


class SectorPublic(BaseModel):
    """A GPC sector with its subsectors."""

    reference: str = Field(description="Roman numeral: I … V")
    name: str
    subsectors: list[SubsectorPublic]


class CellPublic(BaseModel):
    """One GPC cell: a subsector at one scope, with the level that requires it."""

    reference: str = Field(description="e.g. I.1.2, III.4.3 or IV.1")
    sector: str
    subsector: str
    scope: Scope
    level: CellLevel = Field(
        description="BASIC, BASIC+ (adds to BASIC) or territorial (reported, outside the totals)"
    )
    required_for: list[str] = Field(description="The reporting levels that require this cell")
    territorial_sector: str | None = Field(
        description="The Norwegian Environment Agency sector it counts in; none when it counts zero"
    )
    name: str
