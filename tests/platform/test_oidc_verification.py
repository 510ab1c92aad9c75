"""Tokens of an external OpenID Connect issuer (a real one on loopback): the one verification
path of shared/auth.py with the issuer's discovery document and JWKS over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.auth import TokenVerifier, issue_token, verifier_for
from shared.identity.revocations import DenyList
from shared.problems import ProblemError
from shared.settings import ServiceSettings
from tests.oidc_issuer import LoopbackIssuer, loopback_issuer


@pytest.fixture
def issuer() -> Iterator[LoopbackIssuer]:
    with loopback_issuer() as running:
        yield running


def verifier(issuer: LoopbackIssuer, **settings: object) -> TokenVerifier:
    return verifier_for(
        ServiceSettings(
            oidc_issuer=issuer.url,
            oidc_audience=issuer.audience,
            oidc_jwks_min_refresh_s=settings.pop("min_refresh_s", 0.0),
            **settings,
        ),
        DenyList(),
    )


def hs256_by_hand(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """PyJWT will not sign HS256 with a PEM key (rightly): the attacker's token, by hand."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(ProblemError) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return str(caught.value.detail)


async def test_an_entra_style_token_maps_to_a_city_editor(issuer: LoopbackIssuer) -> None:
    principal = await verifier(issuer).verify(issuer.token(roles=["city_editor"], city="oslo"))
    assert (principal.role, principal.city, principal.name) == (
        "city_editor",
        "oslo",
        "Kari Nordmann",
    )
    assert principal.can_write("oslo") and not principal.can_write("trondheim")
    assert not principal.can_administer("oslo")
    assert principal.actor == f"Kari Nordmann ({principal.subject})"


async def test_a_keycloak_style_token_maps_realm_roles_and_ignores_foreign_ones(
    issuer: LoopbackIssuer,
) -> None:
    token = issuer.token(
        realm_access={"roles": ["offline_access", "default-roles-klimaby", "klimaby-city_admin"]},
        city="trondheim",
        name=None,
    )
    principal = await verifier(issuer, oidc_role_prefix="klimaby-").verify(token)
    assert (principal.role, principal.city, principal.name) == ("city_admin", "trondheim", "kari")
    # No Klimaby role at all: a signed-in reader, who writes nothing.
    nobody = await verifier(issuer).verify(issuer.token(roles=["offline_access"]))
    assert nobody.role == "reader" and not nobody.can_write("oslo")


async def test_the_most_powerful_role_wins_and_city_roles_need_their_city(
    issuer: LoopbackIssuer,
) -> None:
    check = verifier(issuer)
    both = await check.verify(issuer.token(roles=["reader", "city_admin"], city="oslo"))
    assert both.role == "city_admin"
    assert "city" in await refused(check, issuer.token(roles=["city_editor"]))


async def test_a_wrong_audience_is_refused(issuer: LoopbackIssuer) -> None:
    detail = await refused(verifier(issuer), issuer.token(roles=["admin"], aud="another-app"))
    assert "audience" in detail.lower()


async def test_an_expired_token_and_one_not_yet_valid_are_refused(issuer: LoopbackIssuer) -> None:
    now = int(time.time())
    check = verifier(issuer)
    expired = issuer.token(roles=["admin"], iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    assert "expired" in (await refused(check, expired)).lower()
    early = issuer.token(roles=["admin"], nbf=now + 3600, exp=now + 7200)
    assert "not yet valid" in (await refused(check, early)).lower()
    forever = issuer.token(roles=["admin"], exp=None)
    assert "exp" in await refused(check, forever)


async def test_alg_none_and_hs256_with_the_public_key_are_refused(issuer: LoopbackIssuer) -> None:
    check = verifier(issuer)
    claims = issuer.claims(roles=["admin"])
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.current.kid})
    assert "none" in await refused(check, unsigned)
    # The classic confusion: the issuer's public key (which anyone has) as an HMAC secret.
    public_pem = issuer.current.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hmac_signed = hs256_by_hand(claims, public_pem, issuer.current.kid)
    assert "HS256" in await refused(check, hmac_signed)


async def test_another_issuers_token_and_a_forged_signature_are_refused(
    issuer: LoopbackIssuer,
) -> None:
    check = verifier(issuer)
    with loopback_issuer() as stranger:
        assert "not trusted" in await refused(check, stranger.token(roles=["admin"]))
        # The stranger's key under our issuer's name and key id.
        forged = jwt.encode(
            issuer.claims(roles=["admin"]),
            stranger.current.private_key,
            algorithm="RS256",
            headers={"kid": issuer.current.kid},
        )
        assert "signature" in (await refused(check, forged)).lower()


async def test_a_revoked_token_is_refused(issuer: LoopbackIssuer) -> None:
    check = verifier(issuer)
    token = issuer.token(roles=["city_editor"], city="oslo")
    principal = await check.verify(token)
    check.deny_list.add(str(principal.token_id))
    assert "revoked" in await refused(check, token)
    # Another token of the same person is not affected.
    assert (await check.verify(issuer.token(roles=["reader"]))).role == "reader"


async def test_rotation_is_followed_and_the_retired_keys_tokens_are_refused(
    issuer: LoopbackIssuer,
) -> None:
    check = verifier(issuer)
    old_key = issuer.current
    before = issuer.token(roles=["admin"])
    assert (await check.verify(before)).role == "admin"
    issuer.rotate()
    assert issuer.current.alg == "ES256" and issuer.current.kid != old_key.kid
    # The new key id is unknown to the cache: the verifier fetches the JWKS again.
    assert (await check.verify(issuer.token(roles=["admin"]))).role == "admin"
    assert "not the issuer's" in await refused(check, before)
    assert "not the issuer's" in await refused(check, issuer.token(key=old_key, roles=["admin"]))


async def test_unknown_key_ids_do_not_turn_into_a_stream_of_fetches(
    issuer: LoopbackIssuer,
) -> None:
    check = verifier(issuer, min_refresh_s=3600.0)
    await check.verify(issuer.token(roles=["reader"]))
    fetched = issuer.jwks_fetches
    for _ in range(20):
        made_up = jwt.encode(
            issuer.claims(),
            issuer.current.private_key,
            algorithm="RS256",
            headers={"kid": uuid.uuid4().hex},
        )
        await refused(check, made_up)
    assert issuer.jwks_fetches == fetched


async def test_built_in_and_external_tokens_are_accepted_side_by_side(
    issuer: LoopbackIssuer,
) -> None:
    check = verifier(issuer)
    assert (await check.verify(issue_token("ops", "admin"))).role == "admin"
    assert (await check.verify(issuer.token(roles=["admin"]))).role == "admin"
    # The built-in issuer turned off: only the external issuer's tokens remain.
    external_only = verifier(issuer, builtin_issuer_enabled=False)
    assert "not trusted" in await refused(external_only, issue_token("ops", "admin"))


def test_production_wants_the_external_issuer_over_tls() -> None:
    with pytest.raises(ValueError, match="https"):
        ServiceSettings(
            environment="production",
            auth_secret="x" * 32,
            oidc_issuer="http://keycloak:8080/realms/klimaby",
        )
    ServiceSettings(
        environment="production",
        auth_secret="x" * 32,
        oidc_issuer="https://login.example.kommune.no/realms/klimaby",
    )
    # Trying Keycloak on one machine is an explicit choice.
    ServiceSettings(
        environment="production",
        auth_secret="x" * 32,
        oidc_issuer="http://localhost:8080/realms/klimaby",
        oidc_discovery_url="http://keycloak:8080/realms/klimaby/.well-known/openid-configuration",
        oidc_insecure_http=True,
    )


async def test_the_discovery_document_may_be_fetched_elsewhere_but_must_name_the_issuer(
    issuer: LoopbackIssuer,
) -> None:
    # As in compose: the services reach the issuer at an internal address.
    internal = issuer.url.replace("127.0.0.1", "localhost")
    elsewhere = verifier(issuer, oidc_discovery_url=f"{internal}/.well-known/openid-configuration")
    assert (await elsewhere.verify(issuer.token(roles=["admin"]))).role == "admin"
    # A document that speaks for another issuer is not believed: no keys, no token.
    impostor = verifier_for(
        ServiceSettings(
            oidc_issuer=internal,
            oidc_audience=issuer.audience,
            oidc_discovery_url=f"{issuer.url}/.well-known/openid-configuration",
        )
    )
    token = issuer.token(roles=["admin"], iss=internal)
    assert "not the issuer's" in await refused(impostor, token)
