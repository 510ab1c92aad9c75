"""The built-in issuer's signing keys: an ES256 key pair generated once into a file, rotated by
adding a new pair, published as a JWKS.

The file (``KLIMABY_BUILTIN_KEYS_FILE``, by default ``var/oidc-signing-keys.json``) holds every
key the issuer still publishes, newest last; the newest signs. Private keys are PEM encrypted
with ``KLIMABY_AUTH_SECRET``, so a copied file alone signs nothing. Every process that signs
(``klimaby token``, the inventory's token endpoint, contracts' invitation acceptance) and every
service that verifies on the same host reads this one file; a service without it fetches the
issuer's discovery document and JWKS over HTTP like any other issuer's.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

SIGNING_ALGORITHM = "ES256"


class SigningKeyError(RuntimeError):
    """The key file cannot be read (another passphrase, a broken file): a configuration error."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created_at: str
    private_key: EllipticCurvePrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(
            jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key())
        )
        jwk.update(kid=self.kid, alg=SIGNING_ALGORITHM, use="sig")
        return jwk


class SigningKeys:
    """The key file of the built-in issuer. Reads it anew on each call: another process (the
    CLI rotating, a sibling service generating) may have changed it."""

    def __init__(self, path: Path, passphrase: str) -> None:
        self.path = path
        self._passphrase = passphrase.encode()
        # Decrypting a PEM costs tens of milliseconds: keep the keys until the file changes.
        self._cached: tuple[tuple[int, int, int], list[SigningKey], list[dict[str, Any]]] | None
        self._cached = None

    def _entries(self) -> tuple[tuple[int, int, int], list[dict[str, Any]]] | None:
        try:
            stat = self.path.stat()
            entries = json.loads(self.path.read_text())["keys"]
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise SigningKeyError(f"{self.path} is not a Klimaby signing-key file") from exc
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size), entries

    def _read(self) -> list[SigningKey]:
        found = self._entries()
        if found is None:
            return []
        version, entries = found
        if self._cached and self._cached[0] == version:
            return self._cached[1]
        keys = []
        for entry in entries:
            try:
                private = serialization.load_pem_private_key(
                    entry["private_key"].encode(), password=self._passphrase
                )
            except (ValueError, TypeError) as exc:
                raise SigningKeyError(
                    f"cannot read the signing keys in {self.path}: written with another "
                    "KLIMABY_AUTH_SECRET? (delete the file to start a new issuer)"
                ) from exc
            assert isinstance(private, EllipticCurvePrivateKey)
            keys.append(SigningKey(entry["kid"], entry["created_at"], private))
        self._cached = (version, keys, [e["public_jwk"] for e in entries])
        return keys

    def _entry(self, key: SigningKey) -> dict[str, Any]:
        pem = key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        return {
            "kid": key.kid,
            "created_at": key.created_at,
            "public_jwk": key.public_jwk(),
            "private_key": pem.decode(),
        }

    def _write(self, keys: list[SigningKey], exclusive: bool) -> bool:
        """Write atomically (a reader never sees half a file); with ``exclusive`` only if no
        file exists yet, so processes starting together agree on the one first key."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"keys": [self._entry(k) for k in keys]}, indent=2)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".signing-keys-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(body)
            os.chmod(tmp, 0o600)
            if exclusive:
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    return False
            else:
                os.replace(tmp, self.path)
                tmp = ""
            return True
        finally:
            if tmp:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)

    def exists(self) -> bool:
        return self.path.exists()

    def all(self) -> list[SigningKey]:
        """Every published key, oldest first; generates the first one when there is none."""
        keys = self._read()
        if not keys:
            self._write([new_key()], exclusive=True)
            keys = self._read()
        return keys

    def current(self) -> SigningKey:
        return self.all()[-1]

    def jwks(self) -> dict[str, Any]:
        """The public JWKS, as the issuer publishes it (read without decrypting anything, so a
        verifier needs no passphrase)."""
        found = self._entries()
        if found is None:
            self.all()
            found = self._entries()
        assert found is not None
        return {"keys": [entry["public_jwk"] for entry in found[1]]}

    def rotate(self, retire_previous: bool = False) -> SigningKey:
        """A new key signs from now on. The previous ones stay published (tokens they signed
        stay valid until they expire) unless ``retire_previous``: then they are dropped, and
        every service refuses their tokens once it refreshes the JWKS."""
        keys = self.all()
        key = new_key()
        self._write([key] if retire_previous else [*keys, key], exclusive=False)
        return key

    def retire(self, kid: str) -> bool:
        keys = self.all()
        kept = [k for k in keys if k.kid != kid]
        if len(kept) == len(keys) or not kept:
            return False
        self._write(kept, exclusive=False)
        return True


def new_key() -> SigningKey:
    now = datetime.now(UTC)
    return SigningKey(
        kid=f"{now:%Y%m%d}-{uuid.uuid4().hex[:12]}",
        created_at=now.isoformat(),
        private_key=ec.generate_private_key(ec.SECP256R1()),
    )
