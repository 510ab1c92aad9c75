"""Who may write: signed bearer tokens for people and apps; gateways use API keys (sensors).

A token is an HS256 JWT signed with ``KLIMABY_AUTH_SECRET`` (shared by the services, so any
service can verify it without calling another). Roles: ``admin`` may write for every city;
``city`` may write only for the city named in its ``city`` claim; ``member`` writes no city's
data at all: it names a person of an organisation without a city (a ministry, a directorate) for
the places that enrol such subjects, such as the hub's collaboration forum. ``klimaby token``
issues them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import ProblemError

Role = Literal["admin", "city", "member"]
ISSUER = "klimaby"
_bearer = HTTPBearer(auto_error=False, description="A token from `klimaby token`")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    city: str | None = None

    def can_write(self, city: str) -> bool:
        return self.role == "admin" or (self.role == "city" and self.city == city)


def issue_token(
    secret: str, subject: str, role: Role, city: str | None = None, ttl_s: int = 30 * 86400
) -> str:
    if role == "city" and not city:
        raise ValueError("a city token needs its city")
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": subject, "role": role, "iat": now, "exp": now + ttl_s}
    if city:
        claims["city"] = city
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER)
    except jwt.PyJWTError as exc:
        raise ProblemError(
            401,
            "Unauthorized",
            f"invalid token: {exc}",
            kind="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    role = claims.get("role")
    if role not in ("admin", "city", "member"):
        raise ProblemError(401, "Unauthorized", "token has no valid role", kind="unauthorized")
    return Principal(subject=str(claims.get("sub")), role=role, city=claims.get("city"))


async def require_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    """Dependency for every write: a valid bearer token or 401."""
    if credentials is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "this operation needs a bearer token",
            kind="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    secret: str = request.app.state.settings.auth_secret.get_secret_value()
    return verify_token(secret, credentials.credentials)


async def optional_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal | None:
    """For reads that show more to some callers: no token is anonymous, a bad one is 401."""
    if credentials is None:
        return None
    secret: str = request.app.state.settings.auth_secret.get_secret_value()
    return verify_token(secret, credentials.credentials)


def ensure_can_write(principal: Principal, city: str, field: str | None = "/body/city") -> None:
    """403 unless the principal may write ``city``; ``field`` names where the city came from."""
    if not principal.can_write(city):
        raise ProblemError(
            403,
            "Forbidden",
            f"this credential may not write data of city '{city}'",
            kind="forbidden",
            field=field,
        )


async def require_admin(principal: Principal = Depends(require_principal)) -> Principal:
    if principal.role != "admin":
        raise ProblemError(
            403, "Forbidden", "this operation needs an admin token", kind="forbidden"
        )
    return principal
