"""local time and parts: a city's time zone, a reading's parts per hour, local monthly roll-up

Each city gets an IANA time zone (default Europe/Oslo). Readings get their parts (one per UTC
hour an interval covers); a reading accounted before this revision was booked whole in one hour,
so it gets one part, in that hour, with its factor. The monthly roll-up is recomputed from the
hourly buckets in each city's local months (``month`` becomes the first instant, in UTC, of the
local month); its table and columns are unchanged.

Revision ID: 0006_local_time_parts
Revises: 0005_import_runs
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime
from shared.localtime import DEFAULT_TIME_ZONE, local_year, month_start_of

revision: str = "0006_local_time_parts"
down_revision: str | None = "0005_import_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 5_000

cities = sa.table("cities", sa.column("slug", sa.String), sa.column("time_zone", sa.String))
buckets = sa.table(
    "emission_buckets",
    sa.column("city", sa.String),
    sa.column("gpc_reference", sa.String),
    sa.column("scope", sa.Integer),
    sa.column("hour", UTCDateTime),
    sa.column("readings", sa.Integer),
    sa.column("co2e_mg", sa.BigInteger),
    sa.column("updated_at", UTCDateTime),
)
months = sa.table(
    "emission_months",
    sa.column("city", sa.String),
    sa.column("gpc_reference", sa.String),
    sa.column("scope", sa.Integer),
    sa.column("month", UTCDateTime),
    sa.column("readings", sa.Integer),
    sa.column("co2e_mg", sa.BigInteger),
    sa.column("updated_at", UTCDateTime),
)
READING_COLUMNS = (
    "reading_id",
    "city",
    "gpc_reference",
    "scope",
    "activity",
    "activity_value",
    "activity_unit",
    "factor_id",
    "factor_version",
    "factor_year",
    "factor_source",
    "gwp_set",
    "gas",
    "co2e_mg",
    "status",
    "bidding_zone",
    "recalculated_at",
)
readings = sa.table(
    "accounted_readings",
    *(sa.column(name) for name in READING_COLUMNS),
    sa.column("hour", UTCDateTime),
    sa.column("observed_at", UTCDateTime),
)


def _parts_table() -> sa.Table:
    return sa.Table(
        "accounted_reading_parts",
        sa.MetaData(),
        sa.Column("reading_id", sa.String(length=36), primary_key=True),
        sa.Column("part", sa.Integer(), primary_key=True),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("gpc_reference", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("part_start", UTCDateTime(), nullable=False),
        sa.Column("part_end", UTCDateTime(), nullable=False),
        sa.Column("local_year", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("activity_value", sa.Numeric(24, 9), nullable=False),
        sa.Column("activity_unit", sa.String(length=32), nullable=False),
        sa.Column("factor_id", sa.String(length=100), nullable=True),
        sa.Column("factor_version", sa.Integer(), nullable=True),
        sa.Column("factor_year", sa.Integer(), nullable=True),
        sa.Column("factor_source", sa.String(length=300), nullable=True),
        sa.Column("gwp_set", sa.String(length=8), nullable=True),
        sa.Column("gas", sa.String(length=8), nullable=True),
        sa.Column("co2e_mg", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bidding_zone", sa.String(length=3), nullable=True),
        sa.Column("recalculated_at", UTCDateTime(), nullable=True),
    )


def _zones(conn: sa.Connection) -> dict[str, str]:
    return {slug: tz or DEFAULT_TIME_ZONE for slug, tz in conn.execute(sa.select(cities))}


def _roll_up_months(conn: sa.Connection, zones: dict[str, str] | None) -> None:
    """The monthly roll-up afresh from the hourly buckets: local months of each city's zone,
    or UTC months when ``zones`` is None (the layout before this revision)."""
    totals: dict[tuple[str, str, int, datetime], list[object]] = {}
    for city, ref, scope, hour, n, mg, updated in conn.execute(sa.select(buckets)):
        if zones is None:
            month = hour.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        else:
            month = month_start_of(hour, zones.get(city, DEFAULT_TIME_ZONE))
        row = totals.setdefault((city, ref, scope, month), [0, 0, updated])
        row[0] = int(row[0]) + int(n)  # type: ignore[call-overload]
        row[1] = int(row[1]) + int(mg)  # type: ignore[call-overload]
        row[2] = max(row[2], updated)  # type: ignore[type-var]
    conn.execute(months.delete())
    rows = [
        {
            "city": city,
            "gpc_reference": ref,
            "scope": scope,
            "month": month,
            "readings": n,
            "co2e_mg": mg,
            "updated_at": updated,
        }
        for (city, ref, scope, month), (n, mg, updated) in sorted(totals.items())
    ]
    for i in range(0, len(rows), PAGE):
        conn.execute(months.insert(), rows[i : i + PAGE])


def upgrade() -> None:
    with op.batch_alter_table("cities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone",
                sa.String(length=64),
                nullable=False,
                server_default=DEFAULT_TIME_ZONE,
            )
        )
    with op.batch_alter_table("accounted_readings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interval_end", sa.DateTime(timezone=True), nullable=True))
    parts = _parts_table()
    parts.create(op.get_bind())
    op.create_index(
        "ix_part_bucket", "accounted_reading_parts", ["city", "gpc_reference", "scope", "hour"]
    )
    op.create_index(
        "ix_part_factor_version", "accounted_reading_parts", ["factor_id", "factor_version"]
    )
    op.create_index("ix_part_status_activity", "accounted_reading_parts", ["status", "activity"])

    conn = op.get_bind()
    zones = _zones(conn)
    # Every reading accounted so far becomes one part, in its hour, with its factor.
    after = ""
    while True:
        page = (
            conn.execute(
                sa.select(readings)
                .where(readings.c.reading_id > after)
                .order_by(readings.c.reading_id)
                .limit(PAGE)
            )
            .mappings()
            .all()
        )
        if not page:
            break
        conn.execute(
            parts.insert(),
            [
                {
                    **{name: r[name] for name in READING_COLUMNS},
                    "part": 0,
                    "hour": r["hour"],
                    "part_start": r["observed_at"],
                    "part_end": r["observed_at"],
                    "local_year": local_year(r["hour"], zones.get(r["city"], DEFAULT_TIME_ZONE)),
                }
                for r in page
            ],
        )
        after = page[-1]["reading_id"]
    _roll_up_months(conn, zones)


def downgrade() -> None:
    _roll_up_months(op.get_bind(), None)
    op.drop_index("ix_part_status_activity", table_name="accounted_reading_parts")
    op.drop_index("ix_part_factor_version", table_name="accounted_reading_parts")
    op.drop_index("ix_part_bucket", table_name="accounted_reading_parts")
    op.drop_table("accounted_reading_parts")
    with op.batch_alter_table("accounted_readings", schema=None) as batch_op:
        batch_op.drop_column("interval_end")
    with op.batch_alter_table("cities", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
