"""An issuer's signing keys as a verifier sees them: its JWKS, fetched and cached, refreshed when
a token names a key it does not know (the issuer rotated), at most once per ``min_refresh_s``
(a stream of made-up key ids must not turn into a stream of fetches).

Sources: ``DiscoveryJwks`` reads an OpenID Connect issuer's discovery document and the JWKS it
points to over HTTP; ``BuiltinJwks`` reads the built-in issuer's key file when this host has it
and otherwise fetches the built-in issuer's own discovery document like any other issuer's.
The JOSE work (parsing keys, checking signatures) is PyJWT's (``PyJWKSet``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt

from shared.identity.keys import SigningKeys

log = logging.getLogger(__name__)

# Asymmetric only: with HS256 a verifier could be tricked into using the public key as an
# HMAC secret, and "none" signs nothing.
ALLOWED_ALGORITHMS = ("RS256", "ES256")

JwksSource = Callable[[], Awaitable[dict[str, Any]]]


class JwksUnavailable(Exception):
    """The issuer's keys could not be fetched (network, a bad document)."""


class DiscoveryJwks:
    """``{issuer}/.well-known/openid-configuration`` (or the discovery URL given) →
    ``jwks_uri`` → the JWKS."""

    def __init__(
        self, issuer: str, discovery_url: str | None = None, timeout_s: float = 5.0
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.discovery_url = discovery_url or f"{self.issuer}/.well-known/openid-configuration"
        self.timeout_s = timeout_s

    async def __call__(self) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                discovery = await client.get(self.discovery_url)
                discovery.raise_for_status()
                document = discovery.json()
                # The document must speak for the issuer we trust, or it may name foreign keys.
                if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                    raise JwksUnavailable(
                        f"discovery document of {self.issuer} names issuer "
                        f"{document.get('issuer')!r}"
                    )
                jwks = await client.get(str(document["jwks_uri"]))
                jwks.raise_for_status()
                body: dict[str, Any] = jwks.json()
                return body
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise JwksUnavailable(f"{self.issuer}: {type(exc).__name__}: {exc}") from exc


class BuiltinJwks:
    """The built-in issuer's JWKS: from its key file on this host, else over HTTP."""

    def __init__(self, keys: SigningKeys, issuer: str) -> None:
        self.keys = keys
        self.remote = DiscoveryJwks(issuer)

    async def __call__(self) -> dict[str, Any]:
        if self.keys.exists():
            return self.keys.jwks()
        return await self.remote()


class IssuerKeys:
    """One issuer's verification keys by ``kid``, cached for ``ttl_s``."""

    def __init__(self, source: JwksSource, ttl_s: float = 300.0, min_refresh_s: float = 1.0):
        self.source = source
        self.ttl_s = ttl_s
        self.min_refresh_s = min_refresh_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        fresh = now - self._fetched_at < self.ttl_s
        if fresh and kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            # Another request may have refreshed while this one waited for the lock; and the
            # issuer is asked at most once per min_refresh_s, whatever kids tokens name.
            if (
                self._attempted_at > now
                or time.monotonic() - self._attempted_at < self.min_refresh_s
            ):
                return self._keys.get(kid)
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            document = await self.source()
            jwks = jwt.PyJWKSet.from_dict(document)
        except (JwksUnavailable, jwt.PyJWTError) as exc:
            # Keep the keys we had: an issuer briefly unreachable must not lock everyone out.
            log.warning("cannot refresh the issuer's keys", extra={"error": str(exc)})
            return
        keys = {}
        for key in jwks.keys:
            if (
                key.key_id
                and key.algorithm_name in ALLOWED_ALGORITHMS
                and key.public_key_use
                in (
                    None,
                    "sig",
                )
            ):
                keys[key.key_id] = key
        retired = sorted(set(self._keys) - set(keys))
        if retired:
            log.info("issuer retired signing keys", extra={"kids": retired})
        self._keys = keys
        self._fetched_at = time.monotonic()
