"""The built-in issuer (served by the inventory): its discovery document and JWKS, service
accounts of municipal apps exchanging client credentials for short-lived tokens, disabling one
revokes its tokens, the deny list's ETag, and rotating its signing key."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import jwt

from shared.auth import issue_token
from shared.broker import free_port
from shared.settings import ServiceSettings
from tests.conftest import ServiceClientFactory
from tests.helpers import eventually, serving

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def client_credentials(
    client: httpx.AsyncClient, client_id: str, secret: str, basic: bool = True
) -> httpx.Response:
    if basic:
        auth = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return await client.post(
            "/oidc/token",
            content="grant_type=client_credentials",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {auth}",
            },
        )
    return await client.post(
        "/oidc/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


async def test_discovery_and_jwks_describe_the_keys_that_sign_cli_tokens(
    service_client: ServiceClientFactory,
) -> None:
    async with service_client("inventory", **OFFLINE) as (app, client):
        issuer = app.state.settings.builtin_issuer
        discovery = (await client.get("/oidc/.well-known/openid-configuration")).json()
        assert discovery["issuer"] == issuer
        assert discovery["jwks_uri"] == f"{issuer}/jwks.json"
        assert discovery["token_endpoint"] == f"{issuer}/token"
        jwks = (await client.get("/oidc/jwks.json")).json()
        token = issue_token("ops", "admin")
        kid = jwt.get_unverified_header(token)["kid"]
        (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
        assert key["alg"] == "ES256" and "d" not in key  # the public part only
        claims = jwt.decode(
            token, jwt.PyJWK(key), algorithms=["ES256"], audience="klimaby", issuer=issuer
        )
        assert claims["roles"] == ["admin"] and claims["jti"]


async def test_a_service_account_gets_short_lived_tokens_until_it_is_disabled(
    service_client: ServiceClientFactory, admin_token: str, city_token
) -> None:
    async with service_client("inventory", **OFFLINE) as (_app, client):
        editor = issue_token("e", "city_editor", "oslo")
        refused = await client.post(
            "/v1/identity/service-accounts",
            json={"name": "Oslo energy app", "role": "city_editor", "city": "oslo"},
            headers=bearer(editor),
        )
        assert refused.status_code == 403, refused.text
        other_city = await client.post(
            "/v1/identity/service-accounts",
            json={"name": "Oslo energy app", "role": "city_editor", "city": "oslo"},
            headers=bearer(city_token("trondheim")),
        )
        assert other_city.status_code == 403
        no_city = await client.post(
            "/v1/identity/service-accounts",
            json={"name": "x", "role": "city_editor"},
            headers=bearer(city_token("oslo")),
        )
        assert no_city.status_code == 422 and "/body/city" in no_city.text
        created = await client.post(
            "/v1/identity/service-accounts",
            json={"name": "Oslo energy app", "role": "city_editor", "city": "oslo"},
            headers=bearer(city_token("oslo")),
        )
        assert created.status_code == 201, created.text
        assert created.headers["cache-control"] == "no-store"
        account = created.json()
        client_id, secret = account["client_id"], account["client_secret"]
        assert account["created_by"] == "test-oslo"

        wrong = await client_credentials(client, client_id, secret + "x")
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        grant = await client.post(
            "/oidc/token",
            content="grant_type=password",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"

        answer = await client_credentials(client, client_id, secret)
        assert answer.status_code == 200, answer.text
        assert answer.json()["expires_in"] == 900
        token = answer.json()["access_token"]
        posted = await client_credentials(client, client_id, secret, basic=False)
        assert posted.status_code == 200
        draft = await client.post(
            "/v1/cities/oslo/inventories", json={"year": 2022}, headers=bearer(token)
        )
        assert draft.status_code == 201, draft.text
        audit = await client.get(
            "/v1/cities/oslo/inventories/2022/versions/1/audit", headers=bearer(token)
        )
        assert audit.json()[0]["subject"] == f"Oslo energy app (service-account:{client_id})"
        assert audit.json()[0]["role"] == "city_editor"

        listed = await client.get(
            "/v1/identity/service-accounts", headers=bearer(city_token("trondheim"))
        )
        assert listed.status_code == 200 and listed.json() == []

        disabled = await client.delete(
            f"/v1/identity/service-accounts/{client_id}", headers=bearer(city_token("oslo"))
        )
        assert disabled.status_code == 200 and disabled.json()["disabled_at"]
        again = await client_credentials(client, client_id, secret)
        assert again.status_code == 401 and "disabled" in again.json()["detail"]
        # Both tokens it held are on the deny list now.
        jtis = {entry["jti"] for entry in (await client.get("/oidc/revocations")).json()["revoked"]}
        for held in (token, posted.json()["access_token"]):
            assert jwt.decode(held, options={"verify_signature": False})["jti"] in jtis
        after = await eventually(
            lambda: client.get("/v1/cities/oslo/inventories", headers=bearer(token)),
            lambda r: r.status_code == 401,
        )
        assert after.status_code == 401 and "revoked" in after.json()["detail"]


async def test_the_deny_list_answers_304_while_it_is_unchanged(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory", **OFFLINE) as (_app, client):
        first = await client.get("/oidc/revocations")
        tag = first.headers["etag"]
        unchanged = await client.get("/oidc/revocations", headers={"If-None-Match": tag})
        assert unchanged.status_code == 304
        city = issue_token("c", "city_admin", "oslo")
        not_admin = await client.post(
            "/v1/identity/revocations", json={"jti": "x"}, headers=bearer(city)
        )
        assert not_admin.status_code == 403
        revoked = await client.post(
            "/v1/identity/revocations",
            json={"jti": "some-token-id", "reason": "left the office"},
            headers=bearer(admin_token),
        )
        assert revoked.status_code == 201 and revoked.json()["revoked_by"] == "test-admin"
        changed = await client.get("/oidc/revocations", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert {"jti": "some-token-id", "expires_at": None} in changed.json()["revoked"]


async def test_rotating_the_signing_key_keeps_old_tokens_until_the_key_is_retired(
    service_client: ServiceClientFactory, tmp_path: Path
) -> None:
    # A key file of its own: retiring keys must not touch the session's.
    own_keys = {"builtin_keys_file": tmp_path / "keys.json"}
    settings = ServiceSettings(**own_keys)

    def mint() -> str:
        return issue_token("ops", "admin", settings=settings)

    async with service_client("inventory", **OFFLINE, **own_keys, oidc_jwks_min_refresh_s=0.0) as (
        _app,
        client,
    ):
        before = mint()
        rotated = await client.post(
            "/v1/identity/signing-keys/rotate", json={}, headers=bearer(before)
        )
        assert rotated.status_code == 201, rotated.text
        after = mint()
        assert jwt.get_unverified_header(after)["kid"] == rotated.json()["kid"]
        for token in (before, after):
            r = await client.get("/v1/identity/signing-keys", headers=bearer(token))
            assert r.status_code == 200, r.text
        retired = await client.post(
            "/v1/identity/signing-keys/rotate",
            json={"retire_previous": True},
            headers=bearer(after),
        )
        assert retired.status_code == 201
        newest = mint()
        keys = await client.get("/v1/identity/signing-keys", headers=bearer(newest))
        assert [k["kid"] for k in keys.json()] == [retired.json()["kid"]]
        for old in (before, after):
            r = await client.get("/v1/identity/signing-keys", headers=bearer(old))
            assert r.status_code == 401 and "not the issuer's" in r.json()["detail"]


async def test_a_token_revoked_by_its_holder_is_refused(
    service_client: ServiceClientFactory,
) -> None:
    async with service_client("inventory", **OFFLINE) as (_app, client):
        token = issue_token("kari", "city_editor", "oslo", name="Kari Nordmann")
        reads = await client.get("/v1/cities/oslo/inventories", headers=bearer(token))
        assert reads.status_code == 200
        signed_out = await client.post("/oidc/revoke", data={"token": token})
        assert signed_out.status_code == 200
        after = await client.get("/v1/cities/oslo/inventories", headers=bearer(token))
        assert after.status_code == 401 and "revoked" in after.json()["detail"]
        (entry,) = [
            e
            for e in (await client.get("/oidc/revocations")).json()["revoked"]
            if e["jti"] == jwt.decode(token, options={"verify_signature": False})["jti"]
        ]
        assert entry["expires_at"] is not None  # dropped from the list once it expires
        # RFC 7009: nothing to revoke is no error, and says nothing.
        assert (await client.post("/oidc/revoke", data={"token": "garbage"})).status_code == 200


async def test_a_service_without_the_key_file_fetches_the_built_in_jwks_over_http(
    service_client: ServiceClientFactory, tmp_path: Path
) -> None:
    """As sensors and hub in compose: no copy of the keys, the issuer's discovery document and
    JWKS from the inventory instead, through the same verification path."""
    port = free_port()
    issuer = {"builtin_issuer": f"http://127.0.0.1:{port}/oidc"}
    async with (
        service_client("inventory", **OFFLINE, **issuer) as (inventory_app, _inventory),
        serving(inventory_app, port),
        service_client(
            "hub", **OFFLINE, **issuer, builtin_keys_file=tmp_path / "no-such-file.json"
        ) as (_hub_app, hub),
    ):
        token = issue_token("s", "subscriber", settings=ServiceSettings(**issuer))
        answer = await hub.get("/v1/webhooks", headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert not (tmp_path / "no-such-file.json").exists()


async def test_revoke_answers_an_invalid_token_with_200_and_a_form_without_one_with_400(
    service_client: ServiceClientFactory,
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        # RFC 7009 2.2: an invalid token (here one holding NUL, or empty) is answered 200.
        for body in ("token=%00abc", "token="):
            r = await client.post("/oidc/revoke", content=body, headers=form)
            assert (r.status_code, r.content) == (200, b""), body
        missing = await client.post("/oidc/revoke", content="hint=x", headers=form)
        assert missing.status_code == 400 and "/body/token" in missing.text
