"""Who may write: signed bearer tokens for people and apps; gateways use API keys (sensors).

A token is an HS256 JWT signed with ``KLIMABY_AUTH_SECRET`` (shared by the services, so any
service can verify it without calling another). Roles: ``admin`` may write for every city;
``city`` may write only for the city named in its ``city`` claim; ``partner`` is one partner
organisation of one city (claims ``partner`` = the partner's id and ``city``): it may keep its own
record, sign its own side of its MoUs and report its own climate account, and write nothing of
its city or of another partner. ``klimaby token`` issues them; a partner also gets its token by
accepting the city's invitation (contracts); ``member`` writes no city's
data at all: it names a person of an organisation without a city (a ministry, a directorate) for
the places that enrol such subjects, such as the hub's collaboration forum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import ProblemError

Role = Literal["admin", "city", "partner", "member"]
ROLES: tuple[Role, ...] = ("admin", "city", "partner", "member")
ISSUER = "klimaby"
_bearer = HTTPBearer(auto_error=False, description="A token from `klimaby token`")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    city: str | None = None
    partner: str | None = None
    """The partner's id (a UUID as text) for the ``partner`` role; None otherwise."""

    def can_write(self, city: str) -> bool:
        """May write ``city``'s own data (a partner never may: it writes only its own)."""
        return self.role == "admin" or (self.role == "city" and self.city == city)

    def is_partner(self, partner_id: object, city: str | None = None) -> bool:
        """Is this the credential of partner ``partner_id`` itself (of ``city``, when given)?
        Only this may sign the partner's side of an MoU: not the city, not an admin."""
        return (
            self.role == "partner"
            and self.partner is not None
            and self.partner == str(partner_id)
            and (city is None or self.city == city)
        )

    def may_act_for_partner(self, partner_id: object, city: str) -> bool:
        """May change partner ``partner_id``'s record or report for it: the partner itself, or
        a credential that may write its city (the city keeps its partners' records too)."""
        return self.is_partner(partner_id, city) or self.can_write(city)


def issue_token(
    secret: str,
    subject: str,
    role: Role,
    city: str | None = None,
    ttl_s: int = 30 * 86400,
    partner: str | None = None,
) -> str:
    if role == "city" and not city:
        raise ValueError("a city token needs its city")
    if role == "partner" and not (city and partner):
        raise ValueError("a partner token needs its partner id and its city")
    if role != "partner" and partner:
        raise ValueError("only a partner token names a partner")
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": subject, "role": role, "iat": now, "exp": now + ttl_s}
    if city:
        claims["city"] = city
    if partner:
        claims["partner"] = partner
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: str, token: str) -> Principal:
    try:
        # A token without an expiry would be valid forever: every token must carry exp.
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise ProblemError(
            401,
            "Unauthorized",
            f"invalid token: {exc}",
            kind="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    role = claims.get("role")
    if role not in ROLES:
        raise ProblemError(401, "Unauthorized", "token has no valid role", kind="unauthorized")
    city, partner = claims.get("city"), claims.get("partner")
    if role == "partner" and not (isinstance(city, str) and isinstance(partner, str)):
        raise ProblemError(
            401, "Unauthorized", "a partner token names its partner and city", kind="unauthorized"
        )
    if role != "partner":
        partner = None
    return Principal(subject=str(claims.get("sub")), role=role, city=city, partner=partner)


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


_optional_bearer = HTTPBearer(
    auto_error=False, description="Optional on reads: a token shows what only its holder may see"
)


async def optional_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_optional_bearer),
) -> Principal | None:
    """The caller's principal on a public read when a token came with it (an invalid token is
    a 401, never silently anonymous); None without a token."""
    if credentials is None:
        return None
    secret: str = request.app.state.settings.auth_secret.get_secret_value()
    return verify_token(secret, credentials.credentials)


def ensure_may_act_for_partner(
    principal: Principal, partner_id: object, city: str, field: str | None = "/path/partner_id"
) -> None:
    """403 unless the principal is the partner itself or may write the partner's city."""
    if not principal.may_act_for_partner(partner_id, city):
        raise ProblemError(
            403,
            "Forbidden",
            f"this credential may not act for partner '{partner_id}' of city '{city}'",
            kind="forbidden",
            field=field,
        )


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
