"""Who keeps webhook subscriptions: a city's administrator its city's, a hub subscriber its
own, an admin all; a city editor none."""

from __future__ import annotations

from shared.auth import issue_token
from tests.conftest import ServiceClientFactory

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_subscriber_keeps_its_own_subscriptions_only(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    async with service_client("hub", **OFFLINE) as (_app, client):
        body = {"url": "https://example.org/hook"}
        mine, theirs = issue_token("app-1", "subscriber"), issue_token("app-2", "subscriber")
        created = await client.post("/v1/webhooks", json=body, headers=bearer(mine))
        assert created.status_code == 201, created.text
        assert created.json()["cities"] == []  # every city's public events
        other = await client.post("/v1/webhooks", json=body, headers=bearer(theirs))
        assert other.status_code == 201
        listed = await client.get("/v1/webhooks", headers=bearer(mine))
        assert [s["id"] for s in listed.json()] == [created.json()["id"]]
        foreign = await client.get(f"/v1/webhooks/{other.json()['id']}", headers=bearer(mine))
        assert foreign.status_code == 404
        everything = await client.get("/v1/webhooks", headers=bearer(admin_token))
        ids = {s["id"] for s in everything.json()}
        assert {created.json()["id"], other.json()["id"]} <= ids

        editor = issue_token("e", "city_editor", "oslo")
        refused = await client.post("/v1/webhooks", json=body, headers=bearer(editor))
        assert refused.status_code == 403, refused.text
        city_admin = issue_token("a", "city_admin", "oslo")
        assert (await client.get("/v1/webhooks", headers=bearer(city_admin))).json() == []
