"""Who may read what: published versions are public; drafts need a credential of the city."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal, verify_token
from shared.problems import ProblemError

_optional_bearer = HTTPBearer(
    auto_error=False, description="Optional on reads: a token of the city shows its drafts"
)


async def optional_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_optional_bearer),
) -> Principal | None:
    """The caller's principal when a bearer token came with the request (an invalid one is a
    401, not silently anonymous), else None."""
    if credentials is None:
        return None
    secret: str = request.app.state.settings.auth_secret.get_secret_value()
    return verify_token(secret, credentials.credentials)


def may_see_drafts(principal: Principal | None, city: str) -> bool:
    return principal is not None and principal.can_write(city)


def ensure_can_read(principal: Principal | None, city: str, version: int, status: str) -> None:
    if status == "published" or may_see_drafts(principal, city):
        return
    detail = f"version {version} of this inventory is a draft; drafts need a credential of {city}"
    if principal is None:
        raise ProblemError(
            401,
            "Unauthorized",
            detail,
            kind="unauthorized",
            field="/path/version",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise ProblemError(403, "Forbidden", detail, kind="forbidden", field="/path/version")
