"""Seeds obey the API's rules: every seeded reference factor is one the API would accept, and
every stored factor can be revised (the fuzzing run had found a 500 revising road factors)."""

from __future__ import annotations

from services.inventory.factors.schemas import FactorCreate
from services.inventory.factors.service import SPEC_FIELDS
from services.inventory.seed import reference_factors
from tests.conftest import ServiceClientFactory

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}


def test_every_seeded_factor_passes_the_api_rules() -> None:
    for factor in reference_factors():
        FactorCreate.model_validate({name: getattr(factor, name) for name in ("id", *SPEC_FIELDS)})


async def test_every_seeded_factor_can_be_revised(
    service_client: ServiceClientFactory, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with service_client("inventory", **OFFLINE) as (_app, client):
        factors = (await client.get("/v1/factors")).json()
        assert {"no-road-car", "no-road-van", "no-road-bus"} <= {f["id"] for f in factors}
        for factor in factors:
            r = await client.post(
                f"/v1/factors/{factor['id']}/revisions",
                json={"source_reference": "https://example.org/revised", "reason": "checked"},
                headers=admin,
            )
            assert r.status_code == 201, (factor["id"], r.text)
            assert r.json()["version"] == factor["version"] + 1
        road = (await client.get("/v1/factors/no-road-bus")).json()
        assert road["gas"] == "CO2e" and road["gwp_set"] == "AR5"
