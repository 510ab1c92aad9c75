"""Security-relevant actions are logged as JSON lines with who, what and which city, and never
with a secret: gateway key rotation and revocation, factor revisions, CCC label transitions,
failed authentication (401) and refused authorization (403)."""

from __future__ import annotations

import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from shared.auth import issue_token
from shared.observability import log_handler, security_log
from tests.conftest import ServiceClientFactory
from tests.contracts.ccc_helpers import start_ccc
from tests.contracts.helpers import know_city
from tests.helpers import ELECTRICITY_METER, register_gateway_with_sensors
from tests.sensors.conftest import hour_ago, kwh


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def security(self, action: str) -> list[dict[str, Any]]:
        return [x for x in self.lines() if x.get("security_action") == action]


@contextmanager
def captured_logs(service: str) -> Iterator[Captured]:
    """Every log line of the process in the services' JSON format, while the block runs."""
    captured = Captured()
    handler = log_handler(service, json_logs=True)
    handler.setStream(captured.stream)  # type: ignore[attr-defined]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_detail_named_like_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key"):
        security_log("gateway.key_rotated", subject="x", api_key="kb_123")
    with pytest.raises(ValueError, match="token"):
        security_log("authentication.failed", subject="x", bearer_token="ey...")


async def test_key_rotation_revocation_and_refused_credentials_are_logged_without_secrets(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    other_city = f"otherby-{uuid.uuid4().hex[:8]}"
    async with service_client("sensors") as (_s, sensors):
        gateway, first_key, (meter,) = await register_gateway_with_sensors(
            sensors, admin_token, city, [ELECTRICITY_METER]
        )
        token = city_token(city)
        # An admin token whose signature is not the issuer's (its last bytes changed).
        head, claims, signature = issue_token("mallory", "admin").split(".")
        forged = f"{head}.{claims}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        with captured_logs("sensors") as logs:
            auth = {"Authorization": f"Bearer {token}"}
            r = await sensors.post(
                f"/v1/gateways/{gateway}/keys", json={"grace_period_s": 60}, headers=auth
            )
            assert r.status_code == 201, r.text
            new_key, new_id = r.json()["api_key"], r.json()["key"]["id"]
            old_id = r.json()["previous_keys"][0]["id"]
            r = await sensors.delete(f"/v1/gateways/{gateway}/keys/{old_id}", headers=auth)
            assert r.status_code == 200, r.text
            # A revoked key, a forged token and another city's token are refused.
            r = await sensors.post(
                "/v1/readings",
                json={"readings": [kwh(meter, hour_ago())]},
                headers={"X-Api-Key": first_key},
            )
            assert r.status_code == 401
            r = await sensors.get(
                f"/v1/gateways/{gateway}/keys", headers={"Authorization": f"Bearer {forged}"}
            )
            assert r.status_code == 401
            other = {"Authorization": f"Bearer {city_token(other_city)}"}
            r = await sensors.post(f"/v1/gateways/{gateway}/keys", json={}, headers=other)
            assert r.status_code == 403

    (rotated,) = logs.security("gateway.key_rotated")
    assert rotated["subject"] == f"test-{city}" and rotated["role"] == "city_admin"
    assert rotated["city"] == city and rotated["gateway"] == gateway
    assert rotated["key_id"] == new_id and rotated["previous_key_ids"] == [old_id]
    assert rotated["service"] == "sensors" and rotated["time"].endswith("+00:00")
    (revoked,) = logs.security("gateway.key_revoked")
    assert revoked["key_id"] == old_id and revoked["subject"] == f"test-{city}"

    failed = logs.security("authentication.failed")
    assert {(f["credential"], f["path"]) for f in failed} == {
        ("api_key", "/v1/readings"),
        ("bearer", f"/v1/gateways/{gateway}/keys"),
    }
    # The forged token's subject is what it claimed: named, so an operator sees who tried.
    assert {f["subject"] for f in failed} == {None, "mallory"}
    assert all(f["level"] == "WARNING" and f["outcome"] == "refused" for f in failed)
    (refused,) = logs.security("authorization.refused")
    assert refused["subject"] == f"test-{other_city}" and refused["caller_city"] == other_city
    assert refused["status"] == 403

    for secret in (first_key, new_key, token, forged, city_token(other_city)):
        assert secret not in logs.text
    secret_part = first_key.rsplit(".", 1)[-1]
    assert secret_part not in logs.text


async def test_a_factor_revision_is_logged_with_who_and_why(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("inventory") as (_i, inventory):
        with captured_logs("inventory") as logs:
            r = await inventory.post(
                "/v1/factors/no-grid-location-2023/revisions",
                json={"value": "16", "reason": "NVE revised 2023"},
                headers={"Authorization": f"Bearer {admin_token}"},
            )
            assert r.status_code == 201, r.text
    (line,) = logs.security("factor.revised")
    assert line["subject"] == "test-admin" and line["role"] == "admin"
    assert line["factor_id"] == "no-grid-location-2023" and line["version"] == 2
    assert line["changed"] == ["value"] and line["reason"] == "NVE revised 2023"
    assert admin_token not in logs.text


async def test_a_label_transition_is_logged_with_who_and_which_city(
    service_client: ServiceClientFactory, city_token: Callable[[str], str]
) -> None:
    city = f"testby-{uuid.uuid4().hex[:8]}"
    async with service_client("contracts", consumers_enabled=False) as (app, contracts):
        await know_city(app, city)
        token = city_token(city)
        await start_ccc(contracts, token, city, {"title": "Klimabykontrakt"})
        with captured_logs("contracts") as logs:
            r = await contracts.post(
                f"/v1/cities/{city}/ccc/versions/1/transitions",
                json={"transition": "submit", "comments": {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text
            # The reviewer's step with the city's own token: a 403, logged.
            r = await contracts.post(
                f"/v1/cities/{city}/ccc/versions/1/transitions",
                json={"transition": "start_review", "comments": {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 403, r.text
    (line,) = logs.security("ccc.label_transition")
    assert line["city"] == city and line["subject"] == f"test-{city}"
    assert (line["transition"], line["from_status"], line["to_status"]) == (
        "submit",
        "draft",
        "submitted",
    )
    (refused,) = logs.security("authorization.refused")
    assert refused["city"] == city and "reviewer" in refused["reason"]
    assert token not in logs.text
    assert os.environ["KLIMABY_AUTH_SECRET"] not in logs.text


async def test_service_accounts_and_token_revocations_are_logged_without_secrets(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    offline = {"consumers_enabled": False, "outbox_relay_enabled": False}
    oslo = {"Authorization": f"Bearer {city_token('oslo')}"}
    async with service_client("inventory", **offline) as (_app, client):
        with captured_logs("inventory") as logs:
            created = await client.post(
                "/v1/identity/service-accounts",
                json={"name": "Oslo energy app", "role": "city_editor", "city": "oslo"},
                headers=oslo,
            )
            assert created.status_code == 201, created.text
            client_id, secret = created.json()["client_id"], created.json()["client_secret"]
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            wrong = await client.post(
                "/oidc/token",
                content=f"grant_type=client_credentials&client_id={client_id}"
                f"&client_secret={secret}x",
                headers=form,
            )
            assert wrong.status_code == 401
            granted = await client.post(
                "/oidc/token",
                content=f"grant_type=client_credentials&client_id={client_id}"
                f"&client_secret={secret}",
                headers=form,
            )
            assert granted.status_code == 200, granted.text
            token = granted.json()["access_token"]
            revoked = await client.post("/oidc/revoke", content=f"token={token}", headers=form)
            assert revoked.status_code == 200
            disabled = await client.delete(
                f"/v1/identity/service-accounts/{client_id}", headers=oslo
            )
            assert disabled.status_code == 200, disabled.text

    (made,) = logs.security("service_account.created")
    assert (made["client_id"], made["account_role"], made["city"]) == (
        client_id, "city_editor", "oslo")  # fmt: skip
    assert made["subject"] == "test-oslo"
    (refused,) = logs.security("authentication.failed")
    assert refused["path"] == "/oidc/token" and refused["status"] == 401
    (revocation,) = logs.security("token.revoked")
    assert revocation["jti"] and client_id in revocation["subject"]
    (gone,) = logs.security("service_account.disabled")
    assert gone["client_id"] == client_id and gone["subject"] == "test-oslo"
    for leaked in (secret, token, city_token("oslo")):
        assert leaked not in logs.text
