"""Walking skeleton across services: what contracts publishes shows up on the hub."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI

from shared.auth import issue_token
from tests.conftest import ServiceClientFactory
from tests.contracts.helpers import COMMITMENT, know_city
from tests.hub.conftest import wait_for_city


async def test_a_partner_signed_in_contracts_is_counted_by_the_hub(
    hub: tuple[FastAPI, httpx.AsyncClient],
    service_client: ServiceClientFactory,
    city: str,
    city_token: Callable[[str], str],
) -> None:
    _, hub_client = hub
    token = {"Authorization": f"Bearer {city_token(city)}"}
    async with service_client("contracts") as (app, contracts):
        await know_city(app, city)  # as if the inventory had registered it
        partner = await contracts.post(
            "/v1/partners",
            json={"city": city, "name": "Elvebyen Kraft AS", "helix": "business"},
            headers=token,
        )
        assert partner.status_code == 201, partner.text
        mou = await contracts.post(
            "/v1/mous",
            json={
                "partner_id": partner.json()["id"],
                "title": "Klimapartnerskap",
                "period_start": "2025-01-01",
                "period_end": "2027-12-31",
                "commitments": [COMMITMENT],
            },
            headers=token,
        )
        assert mou.status_code == 201, mou.text
        # Signed by both sides: the partner with its own credentials, then the city.
        partner_token = issue_token(
            "elvebyen", "partner", city,
            partner=partner.json()["id"],
        )  # fmt: skip
        for credential, signatory in ((partner_token, "Ola Nordmann"), (None, "Lise Berg")):
            signed = await contracts.post(
                f"/v1/mous/{mou.json()['id']}/sign",
                json={"signatory": signatory, "signed_on": "2025-04-01"},
                headers={"Authorization": f"Bearer {credential}"} if credential else token,
            )
            assert signed.status_code == 200, signed.text
        assert signed.json()["status"] == "signed"

        progress = await wait_for_city(hub_client, city, lambda c: c["mous_signed"] == 1)
    assert (progress["partners"], progress["mous_drafted"], progress["mous_signed"]) == (1, 1, 1)
