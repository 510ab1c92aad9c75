"""The Norwegian Environment Agency's municipal statistics, imported as reported data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
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
