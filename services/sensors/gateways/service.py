"""Gateways and their credentials: registration, rotation with a grace period, revocation, and
the check of an API key on every ingestion request."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.cities.service import ensure_known_city
from services.sensors.gateways import keys
from services.sensors.gateways.models import Gateway, GatewayKey
from services.sensors.gateways.repository import GatewayRepository
from services.sensors.gateways.schemas import (
    GatewayCreate,
    GatewayUpdate,
    KeyPublic,
    KeyRotation,
    KeyState,
    RotatedKey,
)
from shared.auth import Principal, ensure_can_administer
from shared.observability import security_log
from shared.problems import ProblemError


async def register_gateway(
    session: AsyncSession, principal: Principal, data: GatewayCreate
) -> tuple[Gateway, str]:
    """Create a gateway and its first API key; returns the key's plaintext (shown once)."""
    ensure_can_administer(principal, data.city)  # its API key is a credential of the city
    await ensure_known_city(session, data.city, "/body/city")
    now = datetime.now(UTC)
    gateway = Gateway(
        id="gw_" + secrets.token_hex(8), city=data.city, name=data.name, created_at=now
    )
    key = keys.new_key()
    repo = GatewayRepository(session)
    repo.add(gateway)
    await session.flush()
    repo.add(
        GatewayKey(
            id=key.key_id, gateway_id=gateway.id, secret_sha256=key.secret_sha256, created_at=now
        )
    )
    await session.flush()
    return gateway, key.plaintext


async def get_gateway(session: AsyncSession, gateway_id: str) -> Gateway:
    gateway = await GatewayRepository(session).get(gateway_id)
    if gateway is None:
        raise ProblemError(
            404,
            "Not Found",
            f"no gateway '{gateway_id}'",
            kind="not-found",
            field="/path/gateway_id",
        )
    return gateway


async def writable_gateway(session: AsyncSession, principal: Principal, gateway_id: str) -> Gateway:
    gateway = await get_gateway(session, gateway_id)
    ensure_can_administer(principal, gateway.city, field="/path/gateway_id")
    return gateway


async def update_gateway(
    session: AsyncSession, principal: Principal, gateway_id: str, data: GatewayUpdate
) -> Gateway:
    gateway = await writable_gateway(session, principal, gateway_id)
    for name, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(gateway, name, value)
    await session.flush()
    return gateway


def key_state(key: GatewayKey, now: datetime) -> KeyState:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is None:
        return "active"
    return "expiring" if key.expires_at > now else "expired"


def key_public(key: GatewayKey, now: datetime) -> KeyPublic:
    return KeyPublic(
        id=key.id,
        gateway_id=key.gateway_id,
        state=key_state(key, now),
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
    )


async def list_keys(
    session: AsyncSession, principal: Principal, gateway_id: str
) -> Sequence[KeyPublic]:
    await writable_gateway(session, principal, gateway_id)
    now = datetime.now(UTC)
    return [key_public(k, now) for k in await GatewayRepository(session).keys(gateway_id)]


async def rotate_key(
    session: AsyncSession, principal: Principal, gateway_id: str, data: KeyRotation
) -> RotatedKey:
    """Issue a new key; every key valid now stays valid for the grace period, then expires.

    The gateway can be switched over at leisure: during the grace period both keys work."""
    gateway = await writable_gateway(session, principal, gateway_id)
    now = datetime.now(UTC)
    repo = GatewayRepository(session)
    grace_end = now + timedelta(seconds=data.grace_period_s)
    previous = list(await repo.valid_keys(gateway.id, now))
    for old in previous:
        # Never lengthen a key's life: a key already expiring sooner keeps its own end.
        if old.expires_at is None or old.expires_at > grace_end:
            old.expires_at = grace_end
    new = keys.new_key()
    row = GatewayKey(
        id=new.key_id, gateway_id=gateway.id, secret_sha256=new.secret_sha256, created_at=now
    )
    repo.add(row)
    await session.flush()
    # The key ids only: the new key's secret is shown once, to the caller, never logged.
    security_log(
        "gateway.key_rotated",
        actor=principal,
        city=gateway.city,
        gateway=gateway.id,
        key_id=row.id,
        previous_key_ids=[k.id for k in previous],
        grace_period_s=data.grace_period_s,
    )
    return RotatedKey(
        api_key=new.plaintext,
        key=key_public(row, now),
        previous_keys=[key_public(k, now) for k in previous],
    )


async def revoke_key(
    session: AsyncSession, principal: Principal, gateway_id: str, key_id: str
) -> KeyPublic:
    """Refuse the key from now on (401), on every replica: keys are checked in the database."""
    gateway = await writable_gateway(session, principal, gateway_id)
    repo = GatewayRepository(session)
    key = await repo.key(key_id)
    if key is None or key.gateway_id != gateway.id:
        raise ProblemError(
            404,
            "Not Found",
            f"gateway '{gateway_id}' has no key '{key_id}'",
            kind="not-found",
            field="/path/key_id",
        )
    now = datetime.now(UTC)
    if key.revoked_at is None:
        key.revoked_at = now
        await session.flush()
        security_log(
            "gateway.key_revoked",
            actor=principal,
            city=gateway.city,
            gateway=gateway.id,
            key_id=key.id,
        )
    return key_public(key, now)


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        kind="unauthorized",
        field="/header/x-api-key",
        headers={"WWW-Authenticate": 'ApiKey header="X-Api-Key"'},
    )


async def authenticate_gateway(session: AsyncSession, api_key: str | None) -> Gateway:
    """The gateway an API key belongs to, or 401 (missing, malformed, wrong, revoked, expired).

    One indexed lookup and a SHA-256: keys are 256-bit random, so a slow password hash would
    add nothing but latency to every batch."""
    if not api_key:
        raise _unauthorized("this endpoint needs the gateway's API key in X-Api-Key")
    parts = keys.split(api_key)
    if parts is None:
        raise _unauthorized("malformed API key")
    key_id, secret = parts
    found = await GatewayRepository(session).key_with_gateway(key_id)
    if found is None or not keys.matches(secret, found[0].secret_sha256):
        raise _unauthorized("unknown API key")
    key, gateway = found
    now = datetime.now(UTC)
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise _unauthorized("this API key is revoked or expired")
    if gateway.status != "active":
        raise _unauthorized("this gateway is disabled")
    return gateway
