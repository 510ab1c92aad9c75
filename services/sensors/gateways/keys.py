"""API key format ``kgw_<key id>.<secret>``: the id finds the row, the secret's hash proves it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "kgw_"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret_sha256: str
    plaintext: str


def new_key() -> NewKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, digest(secret), f"{PREFIX}{key_id}.{secret}")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(api_key: str) -> tuple[str, str] | None:
    if not api_key.startswith(PREFIX) or "." not in api_key:
        return None
    key_id, _, secret = api_key[len(PREFIX) :].partition(".")
    # Ids are hex (new_key): anything else cannot be a key and is not looked up.
    if not secret or len(key_id) != 16 or any(c not in "0123456789abcdef" for c in key_id):
        return None
    return key_id, secret


def matches(secret: str, expected_sha256: str) -> bool:
    return hmac.compare_digest(digest(secret), expected_sha256)
