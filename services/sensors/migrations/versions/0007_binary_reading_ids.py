"""accepted reading ids compared byte for byte: ``accepted_readings.reading_id`` in collation
"C" on PostgreSQL

Every accepted reading inserts its id into the table's primary key; under the database's
language collation each comparison on the way down the B-tree went through ``strcoll``, in
collation "C" it is a ``memcmp`` (about 0.5 µs less of the backend's CPU per reading,
docs/performance.md). The column keeps its type; PostgreSQL rebuilds the primary key under an
exclusive lock. SQLite compares bytes already: nothing to do there.

Revision ID: 0007_binary_reading_ids
Revises: 0006_accepted_no_sensor_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_binary_reading_ids"
down_revision: str | None = "0006_accepted_no_sensor_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _collate(sa.String(36, collation="C"), sa.String(36))


def downgrade() -> None:
    _collate(sa.String(36), sa.String(36, collation="C"))


def _collate(new: sa.String, old: sa.String) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column(
        "accepted_readings", "reading_id", type_=new, existing_type=old, existing_nullable=False
    )
