"""contract actions: the inventory's projection of contracts' portfolio events

Revision ID: 0005_contract_actions
Revises: 0006_local_time_parts
Create Date: 2026-12-02 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_contract_actions"
down_revision: str | None = "0006_local_time_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract_portfolios",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city"),
    )
    op.create_table(
        "contract_actions",
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("city", "action_id"),
    )


def downgrade() -> None:
    op.drop_table("contract_actions")
    op.drop_table("contract_portfolios")
