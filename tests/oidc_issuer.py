"""A real OpenID Connect issuer on loopback for the tests: an HTTP server in a thread that
publishes a discovery document and a JWKS, signs tokens with its current key (RS256 first,
ES256 after a rotation) and can retire keys, as Keycloak or Entra ID would."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# Where Keycloak keeps a realm's issuer: the discovery document lives below the issuer's path.
REALM_PATH = "/realms/klimaby"


@dataclass
class IssuerKey:
    kid: str
    alg: str
    private_key: Any

    def public_jwk(self) -> dict[str, Any]:
        algorithm = (
            jwt.algorithms.RSAAlgorithm if self.alg == "RS256" else jwt.algorithms.ECAlgorithm
        )
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk


def rsa_key() -> IssuerKey:
    return IssuerKey(f"rsa-{uuid.uuid4().hex[:8]}", "RS256", rsa.generate_private_key(65537, 2048))


def ec_key() -> IssuerKey:
    return IssuerKey(f"ec-{uuid.uuid4().hex[:8]}", "ES256", ec.generate_private_key(ec.SECP256R1()))


class LoopbackIssuer:
    def __init__(self, audience: str) -> None:
        self.audience = audience
        self.published: list[IssuerKey] = [rsa_key()]
        self.jwks_fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.removeprefix(REALM_PATH)
                if path == "/.well-known/openid-configuration":
                    body: dict[str, Any] = {
                        "issuer": issuer.url,
                        "jwks_uri": f"{issuer.url}/protocol/openid-connect/certs",
                        "token_endpoint": f"{issuer.url}/protocol/openid-connect/token",
                        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                    }
                elif path == "/protocol/openid-connect/certs":
                    issuer.jwks_fetches += 1
                    body = {"keys": [k.public_jwk() for k in issuer.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{REALM_PATH}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def current(self) -> IssuerKey:
        return self.published[-1]

    def rotate(self) -> IssuerKey:
        """A new key signs; the previous ones are retired (no longer published)."""
        self.published = [ec_key() if self.current.alg == "RS256" else rsa_key()]
        return self.current

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": self.audience,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "name": "Kari Nordmann",
            "preferred_username": "kari",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, key: IssuerKey | None = None, **overrides: Any) -> str:
        key = key or self.current
        return jwt.encode(
            self.claims(**overrides), key.private_key, algorithm=key.alg, headers={"kid": key.kid}
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@contextmanager
def loopback_issuer(audience: str = "klimaby-test") -> Iterator[LoopbackIssuer]:
    issuer = LoopbackIssuer(audience)
    issuer.start()
    try:
        yield issuer
    finally:
        issuer.stop()
