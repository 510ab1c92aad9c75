from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel


class FactorPublic(BaseModel):
    id: str
    version: int
    name: str
    activity: str
    gpc_references: list[str]
    activity_unit: str
    gas: str
    value: Decimal
    mass_unit: str
    gwp_set: str | None
    region: str
    valid_from_year: int
    valid_to_year: int | None
    source: str
    source_reference: str | None
    is_current: bool
    created_at: datetime
