"""``Idempotency-Key``: the answer to a batch is kept, per gateway, for a retry to get it again.

The record is written in the batch's own transaction, so it exists exactly when the batch's
effects do: a batch answered 503 (rolled back) leaves no record and its retry runs again. Two
concurrent requests with one key meet on the primary key: on PostgreSQL the second insert waits
for the first transaction and then finds its answer; on SQLite transactions run one at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.readings.models import IdempotencyRecord
from shared.db import insert_ignoring_conflicts
from shared.problems import ProblemError

RECORDS: Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
FIELD = "/header/idempotency-key"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str


def request_fingerprint(media_type: str, body: bytes) -> str:
    return hashlib.sha256(media_type.encode() + b"\n" + body).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ProblemError(
            400,
            "Bad Request",
            f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            kind="validation",
            field=FIELD,
        )


async def claim(
    session: AsyncSession,
    gateway_id: str,
    key: str,
    fingerprint: str,
    now: datetime,
    ttl: timedelta,
) -> StoredAnswer | None:
    """None when this request is the key's first (go on and :func:`store` the answer), else
    the answer given before. The same key with another batch is refused (422)."""
    inserted = await insert_ignoring_conflicts(
        session,
        RECORDS,
        [
            {
                "gateway_id": gateway_id,
                "key": key,
                "request_sha256": fingerprint,
                "status_code": 0,
                "body": "",
                "created_at": now,
                "expires_at": now + ttl,
            }
        ],
        returning=("key",),
    )
    if inserted:
        return None
    row = (
        await session.execute(
            select(RECORDS).where(RECORDS.c.gateway_id == gateway_id, RECORDS.c.key == key)
        )
    ).one()
    if row.expires_at <= now:
        await session.execute(
            update(RECORDS)
            .where(RECORDS.c.gateway_id == gateway_id, RECORDS.c.key == key)
            .values(
                request_sha256=fingerprint,
                status_code=0,
                body="",
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return None
    if row.request_sha256 != fingerprint:
        raise ProblemError(
            422,
            "Idempotency-Key reused",
            "this Idempotency-Key was used for a different batch; use a new key per batch",
            kind="idempotency-key-reused",
            field=FIELD,
        )
    return StoredAnswer(row.status_code, row.body)


async def store(session: AsyncSession, gateway_id: str, key: str, status: int, body: str) -> None:
    await session.execute(
        update(RECORDS)
        .where(RECORDS.c.gateway_id == gateway_id, RECORDS.c.key == key)
        .values(status_code=status, body=body)
    )


async def purge_expired(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(RECORDS).where(RECORDS.c.expires_at <= now))
