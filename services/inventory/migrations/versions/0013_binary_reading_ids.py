"""reading ids compared byte for byte: the readings' and parts' ``reading_id`` in collation "C"
on PostgreSQL

Every accounted reading inserts its id into two primary keys (its reading's, its part's); under
the database's language collation each comparison on the way down those B-trees went through
``strcoll``. In collation "C" it is a ``memcmp``: about 0.5 µs less of the backend's CPU per key
(docs/performance.md). A UUID's text sorts the same either way, so paging by reading id is
unchanged. The column keeps its type; PostgreSQL rebuilds the indexes that hold it (the primary
keys and ``ix_part_no_factor``) under an exclusive lock, which on a large inventory takes a
while: run it in a maintenance window. SQLite compares bytes already: nothing to do there.

Revision ID: 0013_binary_reading_ids
Revises: 0012_lineage_write_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_binary_reading_ids"
down_revision: str | None = "0012_lineage_write_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("accounted_readings", "accounted_reading_parts")


def upgrade() -> None:
    _collate(sa.String(36, collation="C"), sa.String(36))


def downgrade() -> None:
    _collate(sa.String(36), sa.String(36, collation="C"))


def _collate(new: sa.String, old: sa.String) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.alter_column(table, "reading_id", type_=new, existing_type=old, existing_nullable=False)
