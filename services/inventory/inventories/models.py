"""Yearly GPC inventories of a city: versions (draft → published, then immutable), one entry
per GPC cell, and an audit trail per version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from services.inventory.db import Base
from shared.db import UTCDateTime


class Inventory(Base, table=True):
    """The inventory of one city for one calendar year; its content lives in its versions."""

    __tablename__ = "inventories"
    __table_args__ = (UniqueConstraint("city", "year", name="uq_inventories_city_year"),)

    id: int | None = Field(default=None, primary_key=True)
    city: str = Field(foreign_key="cities.slug", max_length=64, index=True)
    year: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)


class InventoryVersion(Base, table=True):
    """Version n of an inventory. A draft can change; a published version never does."""

    __tablename__ = "inventory_versions"
    __table_args__ = (
        UniqueConstraint("inventory_id", "version", name="uq_inventory_versions_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    inventory_id: int = Field(
        sa_column=Column(Integer, ForeignKey("inventories.id"), nullable=False, index=True)
    )
    version: int = Field(ge=1)
    level: str = Field(max_length=8, description="BASIC or BASIC+")
    gwp_set: str = Field(max_length=8, description="AR5 or AR6")
    status: str = Field(max_length=16, description="draft or published")
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: str | None = Field(default=None, max_length=200)


class InventoryEntry(Base, table=True):
    """What a version says about one GPC cell: activity data with factors (emissions computed),
    directly reported emissions, or a notation key with its explanation.

    Amounts are whole milligrams (``gas_mg`` per gas, ``co2e_mg``), so totals are exact sums.
    """

    __tablename__ = "inventory_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "gpc_reference", name="uq_inventory_entries_cell"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(
        sa_column=Column(Integer, ForeignKey("inventory_versions.id"), nullable=False, index=True)
    )
    gpc_reference: str = Field(max_length=16)
    scope: int
    kind: str = Field(max_length=16, description="activity, reported or notation")
    notation_key: str | None = Field(default=None, max_length=2)
    included_in: str | None = Field(default=None, max_length=16)
    justification: str | None = Field(default=None, max_length=1000)
    method: str | None = Field(default=None, max_length=500)
    ch4_fossil: bool | None = None
    # Activity lines with the factor versions they used and what each produced (for lineage).
    activities: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    # Directly reported amounts as given, tonnes per gas (decimal strings).
    reported: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    gas_mg: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    co2e_mg: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    data_source: str | None = Field(default=None, max_length=300)
    data_quality: str | None = Field(default=None, max_length=16)
    comment: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=200)


class InventoryChange(Base, table=True):
    """One line of a version's audit trail: who changed what, and when."""

    __tablename__ = "inventory_changes"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(
        sa_column=Column(Integer, ForeignKey("inventory_versions.id"), nullable=False, index=True)
    )
    at: datetime = Field(sa_type=UTCDateTime)
    subject: str = Field(max_length=200, description="The token's subject")
    role: str = Field(max_length=16)
    action: str = Field(max_length=32)
    gpc_reference: str | None = Field(default=None, max_length=16)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
