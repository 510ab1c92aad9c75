"""The built-in issuer's side of identity: Klimaby's role names and minting its tokens.

Kept free of FastAPI and the database layers, so that ``klimaby token`` answers at once;
``shared.auth`` (verification, the request dependencies) builds on it.
"""

from __future__ import annotations

import time
import uuid
from functools import cache
from typing import Any, Literal

import jwt

from shared.identity.keys import SigningKeys
from shared.settings import ServiceSettings

Role = Literal[
    "admin", "city_admin", "city_editor", "partner", "subscriber", "member", "reader", "city"
]
# Most powerful first: a token carrying several Klimaby roles acts with the first it has.
ROLES: tuple[Role, ...] = (
    "admin",
    "city_admin",
    "city_editor",
    "partner",
    "subscriber",
    "member",
    "reader",
)
# The name tokens used before there was a city editor: the city's administrator.
LEGACY_ALIASES: dict[str, Role] = {"city": "city_admin"}
CITY_ROLES: frozenset[str] = frozenset({"city_admin", "city_editor"})
# The built-in issuer's tokens are for Klimaby's services, whatever audience an external
# issuer uses (KLIMABY_OIDC_AUDIENCE).
BUILTIN_AUDIENCE = "klimaby"


def builtin_signing_keys(settings: ServiceSettings) -> SigningKeys:
    return _signing_keys(settings.effective_keys_file, settings.auth_secret.get_secret_value())


@cache
def _signing_keys(path: Any, passphrase: str) -> SigningKeys:
    # One object per file: it keeps the decrypted keys until the file changes.
    return SigningKeys(path, passphrase)


def issue_token(
    subject: str,
    role: Role,
    city: str | None = None,
    ttl_s: int = 30 * 86400,
    partner: str | None = None,
    *,
    name: str | None = None,
    client_id: str | None = None,
    token_id: str | None = None,
    settings: ServiceSettings | None = None,
) -> str:
    """An access token of the built-in issuer, signed with its current key."""
    role = LEGACY_ALIASES.get(role, role)
    if role in CITY_ROLES and not city:
        raise ValueError(f"a {role} token needs its city")
    if role == "partner" and not (city and partner):
        raise ValueError("a partner token needs its partner id and its city")
    if role != "partner" and partner:
        raise ValueError("only a partner token names a partner")
    if role not in ROLES:
        raise ValueError(f"no role {role!r}; one of {', '.join(ROLES)}")
    settings = settings or ServiceSettings()
    key = builtin_signing_keys(settings).current()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.builtin_issuer,
        "sub": subject,
        "aud": BUILTIN_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "jti": token_id or str(uuid.uuid4()),
        "roles": [role],
    }
    for claim, value in (("city", city), ("partner", partner), ("name", name)):
        if value:
            claims[claim] = value
    if client_id:
        claims["client_id"] = client_id
    return jwt.encode(claims, key.private_key, algorithm="ES256", headers={"kid": key.kid})
