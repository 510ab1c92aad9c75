from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.gateways import keys
from services.sensors.gateways.models import Gateway, GatewayKey
from services.sensors.gateways.repository import GatewayRepository
from services.sensors.gateways.schemas import GatewayCreate
from shared.auth import Principal, ensure_can_write
from shared.problems import ProblemError


async def register_gateway(
    session: AsyncSession, principal: Principal, data: GatewayCreate
) -> tuple[Gateway, str]:
    """Create a gateway and its first API key; returns the key's plaintext (shown once)."""
    ensure_can_write(principal, data.city)
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
    """The gateway an API key belongs to, or 401 (missing, malformed, wrong, revoked, expired)."""
    if not api_key:
        raise _unauthorized("this endpoint needs the gateway's API key in X-Api-Key")
    parts = keys.split(api_key)
    if parts is None:
        raise _unauthorized("malformed API key")
    key_id, secret = parts
    repo = GatewayRepository(session)
    key = await repo.key(key_id)
    if key is None or not keys.matches(secret, key.secret_sha256):
        raise _unauthorized("unknown API key")
    now = datetime.now(UTC)
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise _unauthorized("this API key is revoked or expired")
    gateway = await repo.get(key.gateway_id)
    if gateway is None or gateway.status != "active":
        raise _unauthorized("this gateway is disabled")
    return gateway
