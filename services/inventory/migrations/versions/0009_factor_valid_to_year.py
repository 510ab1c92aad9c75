"""factors superseded by a newer year end the year before it (valid_to_year)

For each current, open-ended factor, a current factor of the same activity, region and gas from
a later year closes it: valid_to_year = that year - 1. The live choice of factors does not
change (it took the newest year not after the reading's already); inventory entries that use
an older year's factor while a newer one exists are flagged stale_factor.

Revision ID: 0005_factor_valid_to_year
Revises: 0005_coverage_pace
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_factor_valid_to_year"
down_revision: str | None = "0005_coverage_pace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEWER = """
    FROM emission_factors AS newer
    WHERE newer.is_current
      AND newer.activity = emission_factors.activity
      AND newer.region = emission_factors.region
      AND newer.gas = emission_factors.gas
      AND newer.valid_from_year > emission_factors.valid_from_year
"""


def upgrade() -> None:
    op.execute(
        "UPDATE emission_factors "
        f"SET valid_to_year = (SELECT MIN(newer.valid_from_year) - 1 {_NEWER}) "
        f"WHERE is_current AND valid_to_year IS NULL AND EXISTS (SELECT 1 {_NEWER})"
    )


def downgrade() -> None:
    # Which end years were set here is not recorded; they stay (they are true).
    pass
