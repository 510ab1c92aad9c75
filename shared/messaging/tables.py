"""The messaging tables every service keeps in its own database.

Built on the service's own metadata so that each service's Alembic history owns them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.db import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
Id = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    consumer_offsets: Table
    processed_events: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("sent_at", UTCDateTime(), nullable=True),
        comment="Transactional outbox: written with the state change, relayed to Kafka after.",
    )
    Index(
        "ix_outbox_unsent",
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    consumer_offsets = Table(
        "consumer_offsets",
        metadata,
        Column("group_id", String(200), primary_key=True),
        Column("topic", String(200), primary_key=True),
        Column("partition", Integer, primary_key=True, autoincrement=False),
        Column("next_offset", BigInteger, nullable=False),
        # The broker cluster the offset belongs to: a broker that lost its log (a restarted
        # memory-only Tansu) numbers offsets from zero again, and a stored offset from before
        # would skip its records.
        Column("cluster_id", String(200), nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False),
        comment="Next offset to apply per partition, committed with the effects it covers.",
    )
    processed_events = Table(
        "processed_events",
        metadata,
        Column("group_id", String(200), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", UTCDateTime(), nullable=False),
        comment="Inbox: event ids already applied, so a re-published event changes nothing.",
    )
    return MessagingTables(outbox, consumer_offsets, processed_events)
