"""Climate City Contracts: versions, their history, and the live figures tracked against them

Revision ID: 0003_climate_city_contracts
Revises: 0003_partners_mous_accounts
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003_climate_city_contracts"
down_revision: str | None = "0003_partners_mous_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'draft','submitted','in_review','revision_requested','resubmitted','label_awarded'"


def upgrade() -> None:
    op.create_table(
        "ccc_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("copied_from_version", sa.Integer(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("city", "version", name="uq_ccc_versions_city_version"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_ccc_versions_status"),
    )
    with op.batch_alter_table("ccc_versions") as batch_op:
        batch_op.create_index("ix_ccc_versions_city", ["city"], unique=False)
    op.create_table(
        "ccc_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("transition", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ccc_transitions") as batch_op:
        batch_op.create_index("ix_ccc_transitions_city", ["city"], unique=False)
    op.create_table(
        "live_emissions_months",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("gpc_reference", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("co2e_mg", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city", "gpc_reference", "year", "month"),
        comment="Live emissions per city, GPC cell and local month, from inventory.events.v1.",
    )
    op.create_table(
        "published_inventories",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("total_co2e_mg", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city", "year", "version"),
    )
    op.create_table(
        "action_tracking",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("city", "action_id"),
    )


def downgrade() -> None:
    op.drop_table("action_tracking")
    op.drop_table("published_inventories")
    op.drop_table("live_emissions_months")
    with op.batch_alter_table("ccc_transitions") as batch_op:
        batch_op.drop_index("ix_ccc_transitions_city")
    op.drop_table("ccc_transitions")
    with op.batch_alter_table("ccc_versions") as batch_op:
        batch_op.drop_index("ix_ccc_versions_city")
    op.drop_table("ccc_versions")
