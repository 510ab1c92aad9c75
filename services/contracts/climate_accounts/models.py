"""A partner's climate account for one year; amounts are whole milligrams CO2e."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field

from services.contracts.db import Base
from shared.db import UTCDateTime


class ClimateAccount(Base, table=True):
    """One partner's reported emissions of one year (one account per partner and year; a new
    report of the year replaces it)."""

    __tablename__ = "climate_accounts"
    __table_args__ = (
        UniqueConstraint("partner_id", "year", name="uq_climate_accounts_partner_year"),
        CheckConstraint(
            "verification IN ('none', 'self_declared', 'third_party')",
            name="ck_climate_accounts_verification",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id", index=True)
    city: str = Field(max_length=64, index=True)
    year: int
    scope1_mg: int = Field(sa_type=BigInteger)
    scope2_location_mg: int = Field(sa_type=BigInteger)
    scope2_market_mg: int | None = Field(default=None, sa_type=BigInteger)
    # {"1": mg, "6": mg, …}: GHG Protocol scope 3 category → mg CO2e; absent = not reported.
    scope3_mg: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    gases: list[str] = Field(default_factory=list, sa_type=JSON)
    method: str = Field(max_length=200)
    tool: str | None = Field(default=None, max_length=200)
    verification: str = Field(max_length=16)
    verifier: str | None = Field(default=None, max_length=200)
    published: bool = False
    published_url: str | None = Field(default=None, max_length=2000)
    reported_by: str = Field(max_length=200)
    reported_at: datetime = Field(sa_type=UTCDateTime)
