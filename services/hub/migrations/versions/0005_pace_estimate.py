"""hub: the budget pace's sector estimate (coverage-aware pace)

Revision ID: 0005_pace_estimate
Revises: 0003_progress_in_context
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_pace_estimate"
down_revision: str | None = "0003_progress_in_context"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_sector_pace") as batch:
        batch.add_column(sa.Column("estimate_co2e_mg", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hub_sector_pace") as batch:
        batch.drop_column("estimate_co2e_mg")
