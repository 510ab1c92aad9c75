"""hub: a target's version, baseline per sector and trajectory (target.set)

Revision ID: 0007_target_trajectory
Revises: 0006_webhook_owner_subject
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_target_trajectory"
down_revision: str | None = "0006_webhook_owner_subject"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_city_targets") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("baseline_inventory", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("baseline_sectors", sa.Text(), nullable=True))
        batch.add_column(sa.Column("trajectory", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hub_city_targets") as batch:
        batch.drop_column("trajectory")
        batch.drop_column("baseline_sectors")
        batch.drop_column("baseline_inventory")
        batch.drop_column("version")
