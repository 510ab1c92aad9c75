"""Live activity per sensor group, for MEL indicators whose live source is a sensor group

Revision ID: 0005_live_sensor_group_months
Revises: 0003_climate_city_contracts
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_live_sensor_group_months"
down_revision: str | None = "0003_climate_city_contracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_sensor_group_months",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("sensor_group", sa.String(length=64), nullable=False),
        sa.Column("gpc_reference", sa.String(length=32), nullable=False),
        sa.Column("activity_unit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("activity_micro", sa.BigInteger(), nullable=False),
        sa.Column("readings", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "city", "sensor_group", "gpc_reference", "activity_unit", "year", "month"
        ),
        comment="Activity measured per sensor group, GPC cell and local month "
        "(millionths of the unit), from inventory.events.v1.",
    )


def downgrade() -> None:
    op.drop_table("live_sensor_group_months")
