"""Settings of the inventory service (env prefix `INVENTORY_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: ClassVar[str] = "inventory"
    default_port: ClassVar[int] = 8001

    # Inventory CSV uploads may be 20 MiB; multipart framing adds a little.
    max_request_bytes: int = Field(21 * 1024 * 1024, ge=1024)

    # The readings' accounting runs this many fetch-and-apply loops over disjoint shares of
    # the partitions (PostgreSQL only): while one batch's transaction runs in PostgreSQL, the
    # next is decoded and accounted in Python (docs/performance.md, "Lanes"). Three: two
    # partitions each of the default six; end to end on two cores they accounted ~10 % more
    # than two, alternating runs of bench/e2e.py (docs/performance.md, 2026-12-04).
    accounting_lanes: int = Field(3, ge=1, le=16)
    # A small fetch of readings waits this long for more before it is accounted: under a steady
    # load of small POSTs, fewer and larger transactions (docs/performance.md, "Linger").
    accounting_linger_ms: int = Field(50, ge=0, le=5000)
    # The most readings one lane accounts in one transaction. A transaction's fixed costs (its
    # statements, the factor book, one row per sensor and month, the commit) are paid once per
    # fetch: in process 4,000 took 10 % less CPU per reading than 2,000 (docs/performance.md,
    # 2026-12-04); a backlog drains in fetches this large, a steady load in smaller ones.
    accounting_max_records: int = Field(4000, ge=1, le=50_000)
