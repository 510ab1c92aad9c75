"""lineage write indexes: the indexes no query reads dropped from accounted_readings; readings
waiting for a factor found through a partial index of their parts

Every accounted reading wrote an entry into nine indexes. Since 0006 the bucket drill-down,
the factor revisions and the factors added later read the parts, not the readings, so the four
secondary indexes of ``accounted_readings`` (bucket, factor version, status and activity, sensor)
served no query; a reading is found by its primary key. Of the parts, only those without a factor
are ever looked up by status and activity: the index holds those alone (and their reading ids, in
the order a factor added later pages through them), so an accounted part writes no entry into it.
docs/performance.md has the measurements.

Revision ID: 0012_lineage_write_indexes
Revises: 0011_gas_months
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_lineage_write_indexes"
down_revision: str | None = "0011_gas_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_FACTOR = sa.text("status = 'no_factor'")


def upgrade() -> None:
    op.drop_index("ix_accounted_bucket", table_name="accounted_readings")
    op.drop_index("ix_accounted_factor_version", table_name="accounted_readings")
    op.drop_index("ix_accounted_status_activity", table_name="accounted_readings")
    op.drop_index("ix_accounted_readings_sensor_id", table_name="accounted_readings")
    op.drop_index("ix_part_status_activity", table_name="accounted_reading_parts")
    op.create_index(
        "ix_part_no_factor",
        "accounted_reading_parts",
        ["activity", "reading_id"],
        postgresql_where=NO_FACTOR,
        sqlite_where=NO_FACTOR,
    )


def downgrade() -> None:
    op.drop_index("ix_part_no_factor", table_name="accounted_reading_parts")
    op.create_index("ix_part_status_activity", "accounted_reading_parts", ["status", "activity"])
    op.create_index("ix_accounted_readings_sensor_id", "accounted_readings", ["sensor_id"])
    op.create_index("ix_accounted_status_activity", "accounted_readings", ["status", "activity"])
    op.create_index(
        "ix_accounted_factor_version", "accounted_readings", ["factor_id", "factor_version"]
    )
    op.create_index(
        "ix_accounted_bucket", "accounted_readings", ["city", "gpc_reference", "scope", "hour"]
    )
