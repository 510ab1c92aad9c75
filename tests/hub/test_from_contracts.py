"""Walking skeleton across services: what contracts publishes shows up on the hub."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI

from tests.conftest import ServiceClientFactory
from tests.hub.conftest import wait_for_city


async def test_a_partner_signed_in_contracts_is_counted_by_the_hub(
    hub: tuple[FastAPI, httpx.AsyncClient],
    service_client: ServiceClientFactory,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, hub_client = hub
    token = {"Authorization": f"Bearer {city_token(city)}"}
    async with service_client("contracts") as (_, contracts):
        partner = await contracts.post(
            "/v1/partners",
            json={"city": city, "name": "Elvebyen Kraft AS", "helix": "business"},
            headers=token,
        )
        assert partner.status_code == 201, partner.text
        mou = await contracts.post(
            "/v1/mous",
            json={"partner_id": partner.json()["id"], "title": "Klimapartnerskap"},
            headers=token,
        )
        signed = await contracts.post(
            f"/v1/mous/{mou.json()['id']}/sign",
            json={"signatory": "Ola Nordmann", "signed_on": "2025-04-01"},
            headers=token,
        )
        assert signed.status_code == 200, signed.text

        progress = await wait_for_city(hub_client, city, lambda c: c["mous_signed"] == 1)
    assert (progress["partners"], progress["mous_drafted"], progress["mous_signed"]) == (1, 1, 1)
