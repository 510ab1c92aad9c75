"""identity: service accounts, the tokens issued to them, revoked token ids

Revision ID: 0010_identity
Revises: 0005_factor_valid_to_year
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_identity"
down_revision: str | None = "0005_factor_valid_to_year"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_accounts",
        sa.Column("client_id", sa.String(length=64), primary_key=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_by", sa.String(length=200), nullable=True),
    )
    op.create_index("ix_service_accounts_city", "service_accounts", ["city"])
    op.create_table(
        "issued_tokens",
        sa.Column("jti", sa.String(length=64), primary_key=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_issued_tokens_client_id", "issued_tokens", ["client_id"])
    op.create_index("ix_issued_tokens_expires_at", "issued_tokens", ["expires_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=200), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("revoked_tokens")
    op.drop_table("issued_tokens")
    op.drop_table("service_accounts")
