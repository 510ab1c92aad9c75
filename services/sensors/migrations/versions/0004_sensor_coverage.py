"""sensors declare their coverage: a coverage group and the share of their GPC cell's activity

Revision ID: 0004_sensor_coverage
Revises: acb7f50c9663
Create Date: 2026-12-02 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_sensor_coverage'
down_revision: str | None = 'acb7f50c9663'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sensors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coverage_group', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('coverage_share', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sensors', schema=None) as batch_op:
        batch_op.drop_column('coverage_share')
        batch_op.drop_column('coverage_group')
