"""coverage-aware pace: coverage statements, sensors' declared coverage, sensors' activity per
local month (backfilled from the accounted readings), and the estimate on the stored pace

Revision ID: 0005_coverage_pace
Revises: 0005_contract_actions
Create Date: 2026-12-02 20:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision: str = '0005_coverage_pace'
down_revision: str | None = '0005_contract_actions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Cities had no zone of their own when this ran: every one kept Norway's calendar.
ZONE = ZoneInfo("Europe/Oslo")


def upgrade() -> None:
    op.create_table('coverage_statements',
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('gpc_reference', sa.String(length=16), nullable=False),
    sa.Column('sensor_group', sa.String(length=100), nullable=False),
    sa.Column('share', sa.Numeric(precision=10, scale=9), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city'], ['cities.slug'], ),
    sa.PrimaryKeyConstraint('city', 'gpc_reference', 'sensor_group')
    )
    op.create_table('sensor_coverage',
    sa.Column('sensor_id', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('gpc_reference', sa.String(length=16), nullable=False),
    sa.Column('coverage_group', sa.String(length=64), nullable=True),
    sa.Column('coverage_share', sa.Numeric(precision=10, scale=9), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sensor_id')
    )
    with op.batch_alter_table('sensor_coverage', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_coverage_city', ['city'], unique=False)
    op.create_table('sensor_activity_months',
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('gpc_reference', sa.String(length=16), nullable=False),
    sa.Column('sensor_id', sa.String(length=100), nullable=False),
    sa.Column('activity', sa.String(length=64), nullable=False),
    sa.Column('month', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activity_unit', sa.String(length=32), nullable=False),
    sa.Column('readings', sa.Integer(), nullable=False),
    sa.Column('activity_micro', sa.BigInteger(), nullable=False),
    sa.Column('co2e_mg', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('city', 'gpc_reference', 'sensor_id', 'activity', 'month')
    )
    with op.batch_alter_table('sensor_activity_months', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_activity_city_month', ['city', 'month'], unique=False)
    with op.batch_alter_table('budget_pace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimate_co2e_mg', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('method', sa.String(length=32), nullable=True))
    _backfill_activity()


def _backfill_activity() -> None:
    """Each sensor's activity per local month, from the readings accounted so far (exact: the
    activity is summed in millionths of its unit, in Python, on both databases)."""
    readings = sa.table(
        'accounted_readings',
        sa.column('city', sa.String()),
        sa.column('gpc_reference', sa.String()),
        sa.column('sensor_id', sa.String()),
        sa.column('activity', sa.String()),
        sa.column('activity_unit', sa.String()),
        sa.column('activity_value', sa.Numeric(24, 9)),
        sa.column('co2e_mg', sa.BigInteger()),
        sa.column('hour', UTCDateTime()),
        sa.column('status', sa.String()),
    )
    months_table = sa.table(
        'sensor_activity_months',
        sa.column('city', sa.String()),
        sa.column('gpc_reference', sa.String()),
        sa.column('sensor_id', sa.String()),
        sa.column('activity', sa.String()),
        sa.column('month', UTCDateTime()),
        sa.column('activity_unit', sa.String()),
        sa.column('readings', sa.Integer()),
        sa.column('activity_micro', sa.BigInteger()),
        sa.column('co2e_mg', sa.BigInteger()),
        sa.column('updated_at', UTCDateTime()),
    )
    conn = op.get_bind()
    query = sa.select(
        readings.c.city,
        readings.c.gpc_reference,
        readings.c.sensor_id,
        readings.c.activity,
        readings.c.activity_unit,
        readings.c.activity_value,
        readings.c.co2e_mg,
        readings.c.hour,
    ).where(readings.c.status != 'no_activity')
    months: dict[tuple[str, str, str, str, datetime], list] = {}
    for city, ref, sensor, activity, unit, value, mg, hour in conn.execute(query):
        local = hour.astimezone(ZONE)
        month = datetime(local.year, local.month, 1, tzinfo=ZONE).astimezone(UTC)
        row = months.setdefault((city, ref, sensor, activity, month), [unit, 0, 0, 0])
        row[1] += 1
        micro = Decimal(str(value)) * 1_000_000
        row[2] += int(micro.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        row[3] += mg or 0
    now = datetime.now(UTC)
    rows = [
        {
            'city': city,
            'gpc_reference': ref,
            'sensor_id': sensor,
            'activity': activity,
            'month': month,
            'activity_unit': unit,
            'readings': n,
            'activity_micro': micro,
            'co2e_mg': mg,
            'updated_at': now,
        }
        for (city, ref, sensor, activity, month), (unit, n, micro, mg) in months.items()
    ]
    if rows:
        conn.execute(sa.insert(months_table), rows)


def downgrade() -> None:
    with op.batch_alter_table('budget_pace', schema=None) as batch_op:
        batch_op.drop_column('method')
        batch_op.drop_column('estimate_co2e_mg')
    with op.batch_alter_table('sensor_activity_months', schema=None) as batch_op:
        batch_op.drop_index('ix_sensor_activity_city_month')
    op.drop_table('sensor_activity_months')
    with op.batch_alter_table('sensor_coverage', schema=None) as batch_op:
        batch_op.drop_index('ix_sensor_coverage_city')
    op.drop_table('sensor_coverage')
    op.drop_table('coverage_statements')
