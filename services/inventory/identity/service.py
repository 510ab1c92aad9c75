"""The built-in issuer: service accounts (client credentials), the deny list of revoked token
ids, its signing keys. See docs/identity.md."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.service import get_city
from services.inventory.identity.models import IssuedToken, RevokedToken, ServiceAccount
from services.inventory.identity.repository import IdentityRepository
from services.inventory.identity.schemas import (
    RevocationCreate,
    RevokedTokenId,
    ServiceAccountCreate,
    TokenAnswer,
)
from shared.auth import Principal, ensure_can_administer, issue_token
from shared.db import Database
from shared.identity.revocations import DenyList, RevocationLoader, RevocationSnapshot
from shared.observability import security_log
from shared.problems import ProblemError
from shared.settings import ServiceSettings


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _ensure_may_manage(principal: Principal, city: str | None, field: str) -> None:
    """A platform admin manages every service account; a city administrator its city's."""
    if city is None:
        if not principal.is_admin:
            raise ProblemError(
                403,
                "Forbidden",
                "a service account of no city needs a platform admin",
                kind="forbidden",
                field=field,
            )
        return
    ensure_can_administer(principal, city, field)


async def create_account(
    session: AsyncSession, principal: Principal, data: ServiceAccountCreate
) -> tuple[ServiceAccount, str]:
    if data.role in ("city_admin", "city_editor") and data.city is None:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"a {data.role} service account acts for a city: give its city",
            kind="validation",
            field="/body/city",
        )
    _ensure_may_manage(principal, data.city, "/body/city")
    if data.city is not None:
        try:
            await get_city(session, data.city)
        except ProblemError as exc:
            exc.field = "/body/city"
            raise
    secret = secrets.token_urlsafe(32)
    account = ServiceAccount(
        client_id=f"sa-{secrets.token_hex(8)}",
        secret_hash=secret_hash(secret),
        name=data.name,
        role=data.role,
        city=data.city,
        created_at=datetime.now(UTC),
        created_by=principal.actor,
    )
    session.add(account)
    await session.flush()
    security_log(
        "service_account.created",
        actor=principal,
        city=account.city,
        client_id=account.client_id,
        account_role=account.role,
    )
    return account, secret


async def list_accounts(session: AsyncSession, principal: Principal) -> Sequence[ServiceAccount]:
    if principal.is_admin:
        return await IdentityRepository(session).accounts()
    if principal.city is None or not principal.can_administer(principal.city):
        raise ProblemError(
            403,
            "Forbidden",
            "service accounts are listed for a city administrator or a platform admin",
            kind="forbidden",
        )
    return await IdentityRepository(session).accounts(principal.city)


async def disable_account(
    session: AsyncSession, principal: Principal, client_id: str, deny_list: DenyList
) -> ServiceAccount:
    """No new tokens, and every token it still holds revoked."""
    repo = IdentityRepository(session)
    account = await repo.account(client_id)
    if account is None or not (
        principal.is_admin or (account.city is not None and principal.can_administer(account.city))
    ):
        # Another city's account is answered as absent: its existence is not this city's data.
        raise ProblemError(
            404,
            "Not Found",
            f"no service account {client_id}",
            kind="not-found",
            field="/path/client_id",
        )
    now = datetime.now(UTC)
    if account.disabled_at is None:
        account.disabled_at, account.disabled_by = now, principal.actor
        for token in await repo.live_tokens_of(client_id, now):
            await _revoke(
                session,
                deny_list,
                token.jti,
                token.expires_at,
                principal.actor,
                f"service account {client_id} disabled",
            )
        await session.flush()
        security_log(
            "service_account.disabled", actor=principal, city=account.city, client_id=client_id
        )
    return account


def _invalid_client(detail: str) -> ProblemError:
    # RFC 6749 5.2: a failed client authentication is 401 with the error code "invalid_client"
    # (kept beside the problem document's own members, so OAuth libraries understand it).
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        kind="invalid-client",
        headers={"WWW-Authenticate": 'Basic realm="klimaby"'},
        extra={"error": "invalid_client", "error_description": detail},
    )


async def issue_for_client(
    session: AsyncSession, settings: ServiceSettings, client_id: str, client_secret: str
) -> TokenAnswer:
    """The client credentials grant: a short-lived token for a service account."""
    account = await IdentityRepository(session).account(client_id)
    expected = account.secret_hash if account else secret_hash("")
    # Compared in constant time whether the account exists or not.
    if not hmac.compare_digest(expected, secret_hash(client_secret)) or account is None:
        # The 401 is logged as authentication.failed by the problem handler, as every 401 is.
        raise _invalid_client("unknown client or wrong secret")
    if account.disabled_at is not None:
        raise _invalid_client(f"service account {client_id} is disabled")
    ttl = settings.service_token_ttl_s
    jti = str(uuid.uuid4())
    token = issue_token(
        f"service-account:{account.client_id}",
        account.role,  # type: ignore[arg-type]
        account.city,
        ttl,
        name=account.name,
        client_id=account.client_id,
        token_id=jti,
        settings=settings,
    )
    session.add(
        IssuedToken(
            jti=jti,
            client_id=account.client_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl + 60),
        )
    )
    return TokenAnswer(access_token=token, expires_in=ttl)


async def _revoke(
    session: AsyncSession,
    deny_list: DenyList,
    jti: str,
    expires_at: datetime | None,
    by: str,
    reason: str | None,
) -> RevokedToken:
    repo = IdentityRepository(session)
    existing = await repo.revocation(jti)
    if existing is not None:
        return existing
    row = RevokedToken(
        jti=jti, expires_at=expires_at, revoked_at=datetime.now(UTC), revoked_by=by, reason=reason
    )
    session.add(row)
    await session.flush()
    # At once in this replica; the others (and the other services) at their next poll.
    deny_list.add(jti)
    security_log("token.revoked", subject=by, jti=jti, reason=reason)
    return row


async def revoke(
    session: AsyncSession, principal: Principal, data: RevocationCreate, deny_list: DenyList
) -> RevokedToken:
    if not principal.is_admin:
        raise ProblemError(
            403, "Forbidden", "revoking a token needs a platform admin", kind="forbidden"
        )
    return await _revoke(
        session, deny_list, data.jti, data.expires_at, principal.actor, data.reason
    )


async def revoke_presented(
    session: AsyncSession, deny_list: DenyList, principal: Principal, expires_at: datetime | None
) -> None:
    """The token's holder revokes it (it was verified: its id is its own)."""
    assert principal.token_id is not None
    await _revoke(
        session, deny_list, principal.token_id, expires_at, principal.actor, "revoked by its holder"
    )


async def revocation_list(session: AsyncSession) -> tuple[str, list[RevokedTokenId]]:
    """The deny list and its tag (the ETag: equal lists, equal tags, on every replica)."""
    rows = await IdentityRepository(session).revocations(datetime.now(UTC))
    digest = hashlib.sha256("\n".join(r.jti for r in rows).encode()).hexdigest()[:32]
    return f'"{digest}"', [RevokedTokenId(jti=r.jti, expires_at=r.expires_at) for r in rows]


def database_revocations(db: Database) -> RevocationLoader:
    """The inventory's own deny-list source: its database (every replica sees every write)."""

    async def load(etag: str | None) -> RevocationSnapshot | None:
        async with db.transaction() as session:
            tag, revoked = await revocation_list(session)
        if tag == etag:
            return None
        return RevocationSnapshot(tag, frozenset(r.jti for r in revoked))

    return load
