"""The Norwegian Environment Agency's municipal statistics, imported as reported data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class AgencyStatistic(Base, table=True):
    """One line of "Klimagassutslipp fra kommuner": a city's territorial emissions of one
    source in one agency sector and year, as the agency reports them (not computed here)."""

    __tablename__ = "agency_statistics"

    city: str = Field(primary_key=True, max_length=64, foreign_key="cities.slug")
    year: int = Field(primary_key=True)
    sector: str = Field(primary_key=True, max_length=32, description="Agency sector slug")
    source: str = Field(primary_key=True, max_length=200, description="e.g. Personbiler")
    co2e_mg: int = Field(sa_column=Column(BigInteger, nullable=False))
    imported_at: datetime = Field(sa_type=UTCDateTime)
    imported_by: str = Field(max_length=200)


class ImportRun(Base, table=True):
    """One CSV import through the API: its counts and every problem, so that an answer stays
    small (the first problems) while the whole list can be downloaded."""

    __tablename__ = "import_runs"

    id: str = Field(primary_key=True, max_length=36)
    city: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16, description="inventory or agency")
    year: int | None = None
    version: int | None = None
    rows: int
    imported: int
    skipped: int
    rejected: int
    problems: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
