"""With a test OIDC issuer configured, the four services as a new user meets them: a city
editor of Oslo writes Oslo's draft inventory and is refused Trondheim's; once its ``jti`` is
revoked every service refuses it (401); after the issuer rotates its key, new tokens work and
tokens of the retired key do not."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt

from tests.conftest import ServiceClientFactory
from tests.helpers import eventually, serving
from tests.oidc_issuer import loopback_issuer

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# One write per service that the token must get past authentication to be answered: what
# each answers to a city editor of Oslo, and to no valid token (401).
def probes(clients: dict[str, httpx.AsyncClient], token: str) -> dict[str, Any]:
    return {
        # Authenticated, then the empty body is refused.
        "contracts": lambda: clients["contracts"].post("/v1/partners", json={}, headers=bearer(token)),
        "sensors": lambda: clients["sensors"].post("/v1/gateways", json={}, headers=bearer(token)),
        # Authenticated, then refused: webhooks are for a city's administrator, not its editor.
        "hub": lambda: clients["hub"].post("/v1/webhooks", json={}, headers=bearer(token)),
        "inventory": lambda: clients["inventory"].get(
            "/v1/cities/oslo/inventories/2023/versions/1", headers=bearer(token)
        ),
    }  # fmt: skip


AUTHENTICATED = {"contracts": 422, "sensors": 422, "hub": 403, "inventory": 200}


async def test_a_city_editor_of_oslo_revoked_and_rotated_across_the_services(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    with loopback_issuer() as issuer:
        identity = {
            "oidc_issuer": issuer.url,
            "oidc_audience": issuer.audience,
            # So that the test needs no wait after a rotation (the default is 1 s).
            "oidc_jwks_min_refresh_s": 0.0,
            **OFFLINE,
        }
        async with (
            service_client("inventory", **identity) as (inventory_app, inventory),
            serving(inventory_app) as inventory_url,
        ):
            # The other services read the deny list from the inventory over real HTTP.
            others = {**identity, "revocations_url": f"{inventory_url}/oidc/revocations"}
            async with (
                service_client("contracts", **others) as (_c, contracts),
                service_client("sensors", **others) as (_s, sensors),
                service_client("hub", **others) as (_h, hub),
            ):
                clients = {
                    "inventory": inventory,
                    "contracts": contracts,
                    "sensors": sensors,
                    "hub": hub,
                }
                editor = issuer.token(roles=["city_editor"], city="oslo", name="Kari Nordmann")
                sub = jwt.decode(editor, options={"verify_signature": False})["sub"]

                oslo = await inventory.post(
                    "/v1/cities/oslo/inventories", json={"year": 2023}, headers=bearer(editor)
                )
                assert oslo.status_code == 201, oslo.text
                trondheim = await inventory.post(
                    "/v1/cities/trondheim/inventories",
                    json={"year": 2023},
                    headers=bearer(editor),
                )
                assert trondheim.status_code == 403, trondheim.text
                # An editor writes the draft; publishing is the city administrator's.
                publish = await inventory.post(
                    "/v1/cities/oslo/inventories/2023/versions/1/publish", headers=bearer(editor)
                )
                assert publish.status_code == 403, publish.text
                audit = await inventory.get(
                    "/v1/cities/oslo/inventories/2023/versions/1/audit", headers=bearer(editor)
                )
                assert audit.status_code == 200, audit.text
                assert audit.json()[0]["subject"] == f"Kari Nordmann ({sub})"

                for name, probe in probes(clients, editor).items():
                    answer = await probe()
                    assert answer.status_code == AUTHENTICATED[name], (name, answer.text)

                jti = jwt.decode(editor, options={"verify_signature": False})["jti"]
                revoked = await inventory.post(
                    "/v1/identity/revocations",
                    json={"jti": jti, "reason": "laptop lost"},
                    headers=bearer(admin_token),
                )
                assert revoked.status_code == 201, revoked.text
                revoked_at = time.monotonic()
                took: dict[str, float] = {}
                for name, probe in probes(clients, editor).items():
                    answer = await eventually(
                        probe, lambda r: r.status_code == 401, attempts=100, pause_s=0.05
                    )
                    took[name] = time.monotonic() - revoked_at
                    assert answer.status_code == 401, (name, answer.text)
                    assert "revoked" in answer.json()["detail"]
                print(f"revoked token refused after: {took}")

                # The issuer rotates: its previous key is retired.
                retired_key = issuer.current
                issuer.rotate()
                fresh = issuer.token(roles=["city_editor"], city="oslo")
                new_year = await inventory.post(
                    "/v1/cities/oslo/inventories", json={"year": 2024}, headers=bearer(fresh)
                )
                assert new_year.status_code == 201, new_year.text
                for name, probe in probes(clients, fresh).items():
                    answer = await probe()
                    assert answer.status_code == AUTHENTICATED[name], (name, answer.text)
                old_signed = issuer.token(key=retired_key, roles=["city_editor"], city="oslo")
                for name, probe in probes(clients, old_signed).items():
                    answer = await probe()
                    assert answer.status_code == 401, (name, answer.text)
                    assert "not the issuer's" in answer.json()["detail"]
