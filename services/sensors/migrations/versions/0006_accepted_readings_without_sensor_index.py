"""accepted_readings without its sensor_id index

No query reads ``accepted_readings`` by sensor (the table answers "is this reading id known?"
through its primary key), yet every accepted reading paid an insert into the index's B-tree:
about 1 µs of PostgreSQL's CPU per reading of a 5,000-reading batch (docs/performance.md).

Revision ID: 0006_accepted_no_sensor_index
Revises: 0004_known_cities
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_accepted_no_sensor_index"
down_revision: str | None = "0004_known_cities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accepted_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_accepted_readings_sensor_id")


def downgrade() -> None:
    with op.batch_alter_table("accepted_readings", schema=None) as batch_op:
        batch_op.create_index("ix_accepted_readings_sensor_id", ["sensor_id"], unique=False)
