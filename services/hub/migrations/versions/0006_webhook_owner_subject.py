"""hub: a webhook subscription owned by a hub subscriber (its token's subject)

Revision ID: 0006_webhook_owner_subject
Revises: 0005_pace_estimate
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_webhook_owner_subject"
down_revision: str | None = "0005_pace_estimate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("owner_subject", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_column("owner_subject")
