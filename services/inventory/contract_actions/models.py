"""The actions of each city's tracked Climate City Contract version, as contracts announced them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class ContractPortfolio(Base, table=True):
    """That contracts announced a tracked portfolio for the city (maybe an empty one)."""

    __tablename__ = "contract_portfolios"

    city: str = Field(primary_key=True, max_length=64)
    version: int
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ContractAction(Base, table=True):
    """One action of a city's tracked CCC version."""

    __tablename__ = "contract_actions"

    city: str = Field(primary_key=True, max_length=64)
    action_id: str = Field(primary_key=True, max_length=100)
    version: int
    name: str = Field(max_length=300)
