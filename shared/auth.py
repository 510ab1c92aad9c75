"""Who may write: OpenID Connect access tokens for people and apps; gateways use API keys.

Every service accepts access tokens of the trusted issuers: the **built-in issuer** (always,
unless ``KLIMABY_BUILTIN_ISSUER_ENABLED=false``; ``klimaby token``, service accounts, partner
invitations) and an **external issuer** when ``KLIMABY_OIDC_ISSUER`` names one (Keycloak, Entra
ID, ID-porten). Both go through one path: the token's ``iss`` picks the issuer, its ``kid`` the
key in that issuer's JWKS (``shared/identity/jwks.py``: fetched, cached, refreshed on an unknown
``kid``), the signature is checked with RS256 or ES256 only, then ``aud``, ``exp`` (required),
``nbf``, and the deny list of revoked token ids (``shared/identity/revocations.py``).

Claims become a Klimaby role by a documented mapping (docs/identity.md, ``KLIMABY_OIDC_*``):
the role names found in the roles claim(s), the city claim and the partner claim.

Roles, most powerful first:

- ``admin`` (platform admin): writes every city's data and the platform's (cities, factors);
- ``city_admin`` of a city (``city`` in older tokens): everything of its city: its data and
  drafts, publishing, gateways and their API keys, partners and invitations, MoUs, webhooks,
  service accounts;
- ``city_editor`` of a city: writes its city's data and drafts (inventories and their entries,
  imports, targets, budget, CCC, directory, resources); no publishing, no keys, no partners;
- ``partner`` of a city (claims ``partner`` = the partner's id, and ``city``): its own record,
  its side of its MoUs, its own climate accounts; nothing of its city or of other partners;
- ``subscriber``: the hub's webhook subscriptions of its own; nothing else;
- ``member``: a person of an organisation without a city (a ministry) for the places that enrol
  such subjects, such as the hub's forum;
- ``reader``: a signed-in reader; with a city, it also reads that city's drafts.

A valid token with no Klimaby role is a reader without a city: a write answers 403, not 401.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.identity.jwks import ALLOWED_ALGORITHMS, BuiltinJwks, DiscoveryJwks, IssuerKeys
from shared.identity.revocations import DenyList
from shared.identity.tokens import (
    BUILTIN_AUDIENCE,
    CITY_ROLES,
    LEGACY_ALIASES,
    ROLES,
    Role,
    builtin_signing_keys,
    issue_token,
)
from shared.problems import ProblemError
from shared.settings import ServiceSettings

__all__ = [
    "BUILTIN_AUDIENCE",
    "CITY_ROLES",
    "ROLES",
    "Principal",
    "Role",
    "builtin_signing_keys",
    "issue_token",
]

_bearer = HTTPBearer(auto_error=False, description="An access token of a trusted issuer")


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    city: str | None = None
    partner: str | None = None
    """The partner's id (a UUID as text) for the ``partner`` role; None otherwise."""
    # Who it is and which token, for audit trails and revocation; not part of its rights.
    name: str | None = field(default=None, compare=False)
    token_id: str | None = field(default=None, compare=False)
    issuer: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.role in LEGACY_ALIASES:
            object.__setattr__(self, "role", LEGACY_ALIASES[self.role])

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """How audit trails and ``created_by`` name the caller: display name and subject."""
        text = (
            f"{self.name} ({self.subject})"
            if self.name and self.name != self.subject
            else (self.subject)
        )
        return text[:200]

    def can_write(self, city: str) -> bool:
        """May write ``city``'s own data and drafts (a partner never may: only its own)."""
        return self.role == "admin" or (self.role in CITY_ROLES and self.city == city)

    def can_administer(self, city: str) -> bool:
        """May decide for ``city``: publish, manage its keys, partners, MoUs, webhooks and
        service accounts (a city editor may not)."""
        return self.role == "admin" or (self.role == "city_admin" and self.city == city)

    def can_read_drafts(self, city: str) -> bool:
        """May read what ``city`` has not published: who writes it, and its readers."""
        return self.can_write(city) or (self.role == "reader" and self.city == city)

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
        the administrator of its city (the city keeps its partners' records too)."""
        return self.is_partner(partner_id, city) or self.can_administer(city)


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        kind="unauthorized",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


@dataclass(frozen=True)
class ClaimsMapping:
    """Where an issuer's tokens keep what Klimaby needs. Each entry lists claim paths (dots
    go into objects: ``realm_access.roles``); the first one present wins, except for roles,
    which are gathered from all of them."""

    roles: tuple[str, ...] = ("roles", "realm_access.roles")
    city: tuple[str, ...] = ("city",)
    partner: tuple[str, ...] = ("partner",)
    name: tuple[str, ...] = ("name", "preferred_username")
    token_id: tuple[str, ...] = ("jti", "uti")
    role_prefix: str = ""

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> ClaimsMapping:
        def paths(text: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in text.split(",") if p.strip())

        return cls(
            roles=paths(settings.oidc_roles_claim),
            city=paths(settings.oidc_city_claim),
            partner=paths(settings.oidc_partner_claim),
            name=paths(settings.oidc_name_claim),
            token_id=paths(settings.oidc_token_id_claim),
            role_prefix=settings.oidc_role_prefix,
        )


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _first_text(claims: dict[str, Any], paths: Iterable[str]) -> str | None:
    for path in paths:
        value = _claim(claims, path)
        if isinstance(value, str) and value:
            return value
    return None


def principal_from_claims(
    claims: dict[str, Any], mapping: ClaimsMapping, issuer: str | None = None
) -> Principal:
    """The Klimaby principal a verified token's claims describe (the documented mapping)."""
    found: set[str] = set()
    for path in mapping.roles:
        value = _claim(claims, path)
        names = value.split() if isinstance(value, str) else value
        if isinstance(names, list):
            for name in names:
                if isinstance(name, str) and name.startswith(mapping.role_prefix):
                    plain = name[len(mapping.role_prefix) :]
                    found.add(LEGACY_ALIASES.get(plain, plain))
    role: Role = next((r for r in ROLES if r in found), "reader")
    city = _first_text(claims, mapping.city)
    partner = _first_text(claims, mapping.partner)
    if role in CITY_ROLES and not city:
        raise unauthorized(f"a {role} token names its city (claim {mapping.city[0]})")
    if role == "partner" and not (city and partner):
        raise unauthorized("a partner token names its partner and city")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        # An admin, a subscriber or a member acts for no one city.
        city=city if role in (*CITY_ROLES, "partner", "reader") else None,
        partner=partner if role == "partner" else None,
        name=_first_text(claims, mapping.name),
        token_id=_first_text(claims, mapping.token_id),
        issuer=issuer,
    )


@dataclass
class TrustedIssuer:
    issuer: str
    audience: str
    keys: IssuerKeys
    mapping: ClaimsMapping


class TokenVerifier:
    """The one verification path for every issuer's tokens."""

    def __init__(
        self, issuers: Iterable[TrustedIssuer], deny_list: DenyList, leeway_s: float = 30.0
    ) -> None:
        self.issuers = {i.issuer.rstrip("/"): i for i in issuers}
        self.deny_list = deny_list
        self.leeway_s = leeway_s

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token: {exc}") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise unauthorized(
                f"invalid token: algorithm {header.get('alg')!r} is not accepted "
                f"(only {', '.join(ALLOWED_ALGORITHMS)})"
            )
        trusted = self.issuers.get(str(unverified.get("iss", "")).rstrip("/"))
        if trusted is None:
            raise unauthorized(f"invalid token: issuer {unverified.get('iss')!r} is not trusted")
        kid = header.get("kid")
        key = await trusted.keys.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise unauthorized(f"invalid token: signing key {kid!r} is not the issuer's")
        try:
            # A token without an expiry would be valid forever: every token must carry exp.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=trusted.audience,
                issuer=unverified["iss"],
                leeway=self.leeway_s,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"invalid token: {exc}") from exc
        principal = principal_from_claims(claims, trusted.mapping, trusted.issuer)
        if principal.token_id is None:
            raise unauthorized("invalid token: it carries no token id (jti), so cannot be revoked")
        if principal.token_id in self.deny_list:
            raise unauthorized("this token has been revoked")
        return principal


def verifier_for(settings: ServiceSettings, deny_list: DenyList | None = None) -> TokenVerifier:
    """The trusted issuers of this installation, from its settings."""
    issuers = []
    if settings.builtin_issuer_enabled:
        issuers.append(
            TrustedIssuer(
                issuer=settings.builtin_issuer,
                audience=BUILTIN_AUDIENCE,
                keys=IssuerKeys(
                    BuiltinJwks(builtin_signing_keys(settings), settings.builtin_issuer),
                    settings.oidc_jwks_cache_s,
                    settings.oidc_jwks_min_refresh_s,
                ),
                mapping=ClaimsMapping(),
            )
        )
    if settings.oidc_issuer:
        issuers.append(
            TrustedIssuer(
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience,
                keys=IssuerKeys(
                    DiscoveryJwks(settings.oidc_issuer, settings.oidc_discovery_url),
                    settings.oidc_jwks_cache_s,
                    settings.oidc_jwks_min_refresh_s,
                ),
                mapping=ClaimsMapping.from_settings(settings),
            )
        )
    return TokenVerifier(issuers, deny_list if deny_list is not None else DenyList())


async def verify_token(token: str, settings: ServiceSettings | None = None) -> Principal:
    """Verify one token outside a service (the command line, tests): same path, no deny list."""
    return await verifier_for(settings or ServiceSettings()).verify(token)


async def _verified(request: Request, token: str) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token)
    request.state.principal = principal
    return principal


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
    return await _verified(request, credentials.credentials)


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
    return await _verified(request, credentials.credentials)


def ensure_may_act_for_partner(
    principal: Principal, partner_id: object, city: str, field: str | None = "/path/partner_id"
) -> None:
    """403 unless the principal is the partner itself or administers the partner's city."""
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


def ensure_can_administer(
    principal: Principal, city: str, field: str | None = "/body/city"
) -> None:
    """403 unless the principal administers ``city`` (a city editor does not)."""
    if not principal.can_administer(city):
        raise ProblemError(
            403,
            "Forbidden",
            f"this needs the city administrator of '{city}' (or a platform admin)"
            + (", not a city editor" if principal.role == "city_editor" else ""),
            kind="forbidden",
            field=field,
        )


async def require_admin(principal: Principal = Depends(require_principal)) -> Principal:
    if principal.role != "admin":
        raise ProblemError(
            403, "Forbidden", "this operation needs an admin token", kind="forbidden"
        )
    return principal
