"""gas months: the roll-up of CO2e per city, local month and gas that the live GPC view reads

Built from the accounted parts (grouped by hour in SQL, then each hour put in its city's local
month), so the roll-up starts equal to what the view summed before; from here on the accounting
and the recalculations keep it in their own transactions.

Revision ID: 0011_gas_months
Revises: 0010_identity
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime
from shared.localtime import DEFAULT_TIME_ZONE, month_start_of

revision: str = "0011_gas_months"
down_revision: str | None = "0010_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 5_000

cities = sa.table("cities", sa.column("slug", sa.String), sa.column("time_zone", sa.String))
parts = sa.table(
    "accounted_reading_parts",
    sa.column("city", sa.String),
    sa.column("hour", UTCDateTime),
    sa.column("gas", sa.String),
    sa.column("co2e_mg", sa.BigInteger),
)


def upgrade() -> None:
    gas_months = op.create_table(
        "emission_gas_months",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("month", UTCDateTime(), nullable=False),
        sa.Column("gas", sa.String(length=8), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("co2e_mg", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("city", "month", "gas"),
    )
    conn = op.get_bind()
    zones = {slug: tz or DEFAULT_TIME_ZONE for slug, tz in conn.execute(sa.select(cities))}
    per_hour = conn.execute(
        sa.select(
            parts.c.city, parts.c.hour, parts.c.gas, sa.func.count(), sa.func.sum(parts.c.co2e_mg)
        )
        .where(parts.c.co2e_mg.is_not(None))
        .group_by(parts.c.city, parts.c.hour, parts.c.gas)
    )
    totals: dict[tuple[str, datetime, str], list[int]] = {}
    for city, hour, gas, n, mg in per_hour:
        month = month_start_of(hour, zones.get(city, DEFAULT_TIME_ZONE))
        total = totals.setdefault((city, month, gas or "CO2e"), [0, 0])
        total[0] += int(n)
        total[1] += int(mg)
    now = datetime.now(UTC)
    rows = [
        {"city": city, "month": month, "gas": gas, "parts": n, "co2e_mg": mg, "updated_at": now}
        for (city, month, gas), (n, mg) in sorted(totals.items())
    ]
    for i in range(0, len(rows), PAGE):
        conn.execute(gas_months.insert(), rows[i : i + PAGE])


def downgrade() -> None:
    op.drop_table("emission_gas_months")
