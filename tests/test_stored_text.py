"""NUL in text: refused at the edge (PostgreSQL text cannot hold it), and a projection that
receives it from another service's event stores it without blocking its partition."""

from __future__ import annotations

import uuid

from shared.text import without_nul
from tests.conftest import ServiceClientFactory


async def test_nul_in_a_stored_name_is_a_422_naming_the_field(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", consumers_enabled=False) as (_app, inventory):
        r = await inventory.post(
            "/v1/cities",
            headers=auth,
            json={"slug": f"nul-{uuid.uuid4().hex[:6]}", "name": "Ny\x00by"},
        )
        assert r.status_code == 422
        assert r.json()["invalid-params"][0]["name"] == "/body/name"
    async with service_client("contracts") as (_app, contracts):
        r = await contracts.post(
            "/v1/partners",
            headers=auth,
            json={"city": "oslo", "name": "A\x00S", "helix": "business"},
        )
        assert r.status_code == 422
        assert r.json()["invalid-params"][0]["name"] == "/body/name"


def test_a_projection_makes_foreign_text_storable() -> None:
    assert without_nul("Ny\x00by") == "Nyby"
