"""known cities: a projection of the inventory's city.registered

A gateway may only be registered, and the registry filtered, for a city the platform knows.
Cities that already have gateways are known from the start (they were accepted before); the
rest arrive from inventory.events.v1, read from its beginning by the new consumer group.

Revision ID: 0004_known_cities
Revises: 0004_sensor_coverage
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_known_cities"
down_revision: str | None = "0004_sensor_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_cities",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.execute(
        "INSERT INTO known_cities (slug, name, registered_at) "
        "SELECT city, city, MIN(created_at) FROM gateways GROUP BY city"
    )


def downgrade() -> None:
    op.drop_table("known_cities")
