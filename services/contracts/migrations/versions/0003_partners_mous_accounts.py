"""partners in depth (contact, updates, invitations), MoUs signed by both sides with a
lifecycle and commitments, partners' climate accounts, the cities contracts knows

Existing MoUs migrate: 'drafted' becomes 'proposed'; a 'signed' MoU stays signed, its one
signature (the person who signed for the partner, recorded by the city's credential before
MoUs were signed by both sides) becomes its partner-side signature, marked as migrated, and
its history gets the two steps it went through.

Revision ID: 0003_partners_mous_accounts
Revises: 81ff26bec82b
Create Date: 2026-12-02 19:53:18.996331
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003_partners_mous_accounts'
down_revision: str | None = '81ff26bec82b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIGRATED_BY = "migration 0003 (signed once, before MoUs were signed by both sides)"


def _defer_foreign_keys() -> None:
    # SQLite's batch mode recreates ``mous`` while other tables reference it: check the
    # references at commit, when the new table has the old one's name again.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade() -> None:
    _defer_foreign_keys()
    op.create_table('known_cities',
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('mission_city', sa.Boolean(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_table('climate_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('scope1_mg', sa.BigInteger(), nullable=False),
    sa.Column('scope2_location_mg', sa.BigInteger(), nullable=False),
    sa.Column('scope2_market_mg', sa.BigInteger(), nullable=True),
    sa.Column('scope3_mg', sa.JSON(), nullable=False),
    sa.Column('gases', sa.JSON(), nullable=False),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.Column('tool', sa.String(length=200), nullable=True),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('verifier', sa.String(length=200), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_url', sa.String(length=2000), nullable=True),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verification IN ('none', 'self_declared', 'third_party')", name='ck_climate_accounts_verification'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner_id', 'year', name='uq_climate_accounts_partner_year')
    )
    with op.batch_alter_table('climate_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_climate_accounts_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_climate_accounts_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_invitations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_invitations_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_invitations_partner_id'), ['partner_id'], unique=False)

    op.create_table('mou_commitments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mou_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('due_by', sa.Date(), nullable=False),
    sa.Column('investment_nok', sa.BigInteger(), nullable=True),
    sa.Column('expected_reductions_mg', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('action', 'investment')", name='ck_mou_commitments_kind'),
    sa.ForeignKeyConstraint(['mou_id'], ['mous.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mou_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mou_commitments_mou_id'), ['mou_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mou_commitments_partner_id'), ['partner_id'], unique=False)

    op.create_table('mou_signatures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mou_id', sa.Uuid(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('signatory', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("side IN ('city', 'partner')", name='ck_mou_signatures_side'),
    sa.ForeignKeyConstraint(['mou_id'], ['mous.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mou_id', 'side', name='uq_mou_signatures_side')
    )
    with op.batch_alter_table('mou_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mou_signatures_mou_id'), ['mou_id'], unique=False)

    op.create_table('mou_transitions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mou_id', sa.Uuid(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mou_id'], ['mous.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mou_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mou_transitions_mou_id'), ['mou_id'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by', sa.String(length=200), nullable=True))

    # The MoUs as the old rules kept them, read before their columns change.
    legacy = sa.table(
        'mous',
        sa.column('id', sa.Uuid()),
        sa.column('status', sa.String()),
        sa.column('signatory', sa.String()),
        sa.column('signed_on', sa.Date()),
        sa.column('drafted_at', sa.DateTime(timezone=True)),
        sa.column('signed_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(legacy.c.id, legacy.c.status, legacy.c.signatory, legacy.c.signed_on,
                  legacy.c.drafted_at, legacy.c.signed_at)
    ).all()

    # Step 1: the new columns (nullable for now) and no more of the old status rules. On SQLite
    # each batch recreates ``mous``: both run while no row references an MoU yet.
    with op.batch_alter_table('mous', schema=None) as batch_op:
        batch_op.drop_constraint('ck_mous_status', type_='check')
        batch_op.drop_constraint('ck_mous_signature', type_='check')
        batch_op.add_column(sa.Column('tier', sa.String(length=16), nullable=False, server_default='partner'))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('document_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('renews_mou_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('proposed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_mous_renews_mou_id', 'mous', ['renews_mou_id'], ['id'])

    mous = sa.table(
        'mous',
        sa.column('status', sa.String()),
        sa.column('drafted_at', sa.DateTime(timezone=True)),
        sa.column('signed_at', sa.DateTime(timezone=True)),
        sa.column('proposed_at', sa.DateTime(timezone=True)),
        sa.column('status_changed_at', sa.DateTime(timezone=True)),
    )
    bind.execute(sa.update(mous).values(proposed_at=mous.c.drafted_at))
    bind.execute(
        sa.update(mous).where(mous.c.status == 'signed')
        .values(status_changed_at=sa.func.coalesce(mous.c.signed_at, mous.c.drafted_at))
    )
    bind.execute(sa.update(mous).where(mous.c.status == 'drafted').values(status='proposed'))

    # Step 2: the old columns go, the new rules hold.
    with op.batch_alter_table('mous', schema=None) as batch_op:
        batch_op.drop_column('signed_on')
        batch_op.drop_column('signatory')
        batch_op.drop_column('drafted_at')
        batch_op.alter_column('proposed_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(
            'ck_mous_status',
            "status IN ('proposed', 'signed', 'active', 'reported', 'renewed', 'ended')",
        )
        batch_op.create_check_constraint('ck_mous_tier', "tier IN ('partner', 'supporter')")

    # Step 3: each old MoU's signature and history.
    signatures = sa.table(
        'mou_signatures',
        sa.column('id', sa.Uuid()),
        sa.column('mou_id', sa.Uuid()),
        sa.column('side', sa.String()),
        sa.column('signatory', sa.String()),
        sa.column('signed_on', sa.Date()),
        sa.column('signed_by', sa.String()),
        sa.column('signed_at', sa.DateTime(timezone=True)),
    )
    transitions = sa.table(
        'mou_transitions',
        sa.column('id', sa.Uuid()),
        sa.column('mou_id', sa.Uuid()),
        sa.column('from_status', sa.String()),
        sa.column('to_status', sa.String()),
        sa.column('note', sa.String()),
        sa.column('changed_by', sa.String()),
        sa.column('changed_at', sa.DateTime(timezone=True)),
    )
    new_signatures, new_transitions = [], []
    for row in rows:
        new_transitions.append(
            {"id": uuid.uuid4(), "mou_id": row.id, "from_status": None, "to_status": "proposed",
             "note": "drafted before MoUs had a lifecycle", "changed_by": "migration 0003",
             "changed_at": row.drafted_at}
        )
        if row.status == "signed":
            signed_at = row.signed_at or row.drafted_at
            new_signatures.append(
                {"id": uuid.uuid4(), "mou_id": row.id, "side": "partner",
                 "signatory": row.signatory, "signed_on": row.signed_on,
                 "signed_by": MIGRATED_BY, "signed_at": signed_at}
            )
            new_transitions.append(
                {"id": uuid.uuid4(), "mou_id": row.id, "from_status": "proposed",
                 "to_status": "signed", "note": "one signature, recorded before MoUs were "
                 "signed by both sides", "changed_by": "migration 0003", "changed_at": signed_at}
            )
    if new_signatures:
        bind.execute(sa.insert(signatures), new_signatures)
    if new_transitions:
        bind.execute(sa.insert(transitions), new_transitions)


def downgrade() -> None:
    _defer_foreign_keys()
    # Back to drafted/signed with one signature (the partner side's, else the city side's):
    # read them first, then drop the tables that reference MoUs, then recreate ``mous``.
    bind = op.get_bind()
    signatures = sa.table(
        'mou_signatures',
        sa.column('mou_id', sa.Uuid()),
        sa.column('side', sa.String()),
        sa.column('signatory', sa.String()),
        sa.column('signed_on', sa.Date()),
    )
    kept: dict = {}
    for row in bind.execute(
        sa.select(signatures).order_by(signatures.c.side)  # 'city' before 'partner'
    ).all():
        kept[row.mou_id] = row
    with op.batch_alter_table('mou_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mou_transitions_mou_id'))

    op.drop_table('mou_transitions')
    with op.batch_alter_table('mou_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mou_signatures_mou_id'))

    op.drop_table('mou_signatures')
    with op.batch_alter_table('mou_commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mou_commitments_partner_id'))
        batch_op.drop_index(batch_op.f('ix_mou_commitments_mou_id'))

    op.drop_table('mou_commitments')
    with op.batch_alter_table('partner_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_invitations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_invitations_city'))

    op.drop_table('partner_invitations')
    with op.batch_alter_table('climate_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_climate_accounts_partner_id'))
        batch_op.drop_index(batch_op.f('ix_climate_accounts_city'))

    op.drop_table('climate_accounts')
    op.drop_table('known_cities')

    with op.batch_alter_table('mous', schema=None) as batch_op:
        batch_op.drop_constraint('ck_mous_status', type_='check')
        batch_op.drop_constraint('ck_mous_tier', type_='check')
        batch_op.drop_constraint('fk_mous_renews_mou_id', type_='foreignkey')
        batch_op.add_column(sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('signatory', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
    mous = sa.table(
        'mous',
        sa.column('id', sa.Uuid()),
        sa.column('status', sa.String()),
        sa.column('signatory', sa.String()),
        sa.column('signed_on', sa.Date()),
        sa.column('drafted_at', sa.DateTime(timezone=True)),
        sa.column('proposed_at', sa.DateTime(timezone=True)),
    )
    bind.execute(sa.update(mous).values(drafted_at=mous.c.proposed_at, status='drafted'))
    for mou_id, row in kept.items():
        bind.execute(
            sa.update(mous).where(mous.c.id == mou_id)
            .values(status='signed', signatory=row.signatory, signed_on=row.signed_on)
        )
    with op.batch_alter_table('mous', schema=None) as batch_op:
        for name in ('status_changed_at', 'proposed_at', 'proposed_by', 'renews_mou_id',
                     'period_end', 'period_start', 'document_url', 'text', 'tier'):
            batch_op.drop_column(name)
        batch_op.alter_column('drafted_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint('ck_mous_status', "status IN ('drafted', 'signed')")
        batch_op.create_check_constraint(
            'ck_mous_signature',
            "(status = 'signed') = (signatory IS NOT NULL AND signed_on IS NOT NULL)",
        )

    # MoUs reference partners: on SQLite drop the columns in place (3.35+), no recreate.
    for name in ('updated_by', 'updated_at', 'contact_phone', 'contact_email', 'contact_name'):
        if bind.dialect.name == "sqlite":
            op.execute(f"ALTER TABLE partners DROP COLUMN {name}")
        else:
            op.drop_column('partners', name)
