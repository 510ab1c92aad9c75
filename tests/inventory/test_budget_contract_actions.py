"""A budget measure may refer to an action of the city's Climate City Contract by id: the
inventory checks it against its projection of contracts' ccc.portfolio_changed events, read from
the real broker as contracts publishes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from services.inventory.contract_actions.models import ContractAction
from tests.conftest import ServiceClientFactory
from tests.contracts.ccc_helpers import action, start_ccc
from tests.contracts.helpers import know_city
from tests.helpers import eventually
from tests.inventory.test_accounting_live import register_city
from tests.inventory.test_targets import NET_ZERO_2030, bearer


def measure(action_id: str) -> dict[str, Any]:
    return {
        "name": "Elektriske bybusser",
        "sector": "II",
        "expected_reduction_tco2e": "120.5",
        "contract_action_id": action_id,
    }


async def test_a_measure_refers_only_to_an_action_contracts_announced(
    service_client: ServiceClientFactory, admin_token: str, city_token: Callable[[str], str]
) -> None:
    async with (
        service_client("inventory") as (inventory_app, inventory),
        service_client("contracts") as (_contracts, contracts),
    ):
        city = await register_city(inventory, admin_token)
        await know_city(_contracts, city)  # as contracts' consumer of city.registered does
        auth = bearer(city_token(city))
        r = await inventory.post(f"/v1/cities/{city}/targets", json=NET_ZERO_2030, headers=auth)
        assert r.status_code == 201, r.text
        url = f"/v1/cities/{city}/budget/2026/measures"

        await start_ccc(
            contracts,
            city_token(city),
            city,
            {"b2_actions": [action("TR-01", reductions=[("II.1", 2030, "9500")])]},
        )

        async def add(action_id: str) -> httpx.Response:
            return await inventory.post(url, json=measure(action_id), headers=auth)

        async def known() -> list[str]:
            async with inventory_app.state.db.transaction() as session:
                rows = await session.execute(
                    select(col(ContractAction.action_id)).where(col(ContractAction.city) == city)
                )
                return sorted(rows.scalars())

        assert await eventually(known, lambda ids: ids == ["TR-01"]) == ["TR-01"]
        r = await add("TR-01")
        assert r.status_code == 201, r.text
        assert r.json()["contract_action_id"] == "TR-01"

        r = await add("TR-99")
        assert r.status_code == 422
        assert r.json()["invalid-params"][0]["name"] == "/body/contract_action_id"
        assert "TR-99" in r.json()["detail"]

        # Before contracts announced any CCC for a city there is nothing to check against.
        other = await register_city(inventory, admin_token)
        await know_city(_contracts, other)
        r = await inventory.post(
            f"/v1/cities/{other}/targets", json=NET_ZERO_2030, headers=bearer(city_token(other))
        )
        assert r.status_code == 201, r.text
        r = await inventory.post(
            f"/v1/cities/{other}/budget/2026/measures",
            json=measure("CCC-B2-07"),
            headers=bearer(city_token(other)),
        )
        assert r.status_code == 201, r.text

        # The city removes TR-01 from its contract: the inventory follows.
        r = await contracts.put(
            f"/v1/cities/{city}/ccc/versions/1/actions/TR-02",
            json=action("TR-02"),
            headers=bearer(city_token(city)),
        )
        assert r.status_code == 201, r.text
        r = await contracts.delete(
            f"/v1/cities/{city}/ccc/versions/1/actions/TR-01", headers=bearer(city_token(city))
        )
        assert r.status_code == 204, r.text
        assert await eventually(known, lambda ids: ids == ["TR-02"]) == ["TR-02"]
        r = await add("TR-01")
        assert r.status_code == 422, r.text
        assert (await add("TR-02")).status_code == 201
