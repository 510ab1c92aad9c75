"""import runs: an import's counts and all its problems (answers carry only the first ones)

Revision ID: 0005_import_runs
Revises: f19b877b59bb
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005_import_runs"
down_revision: str | None = "f19b877b59bb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
    )
    op.create_index("ix_import_runs_city", "import_runs", ["city"])


def downgrade() -> None:
    op.drop_index("ix_import_runs_city", table_name="import_runs")
    op.drop_table("import_runs")
