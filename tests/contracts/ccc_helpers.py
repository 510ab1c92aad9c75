"""Builders for CCC tests: partners, actions and a small document."""

from __future__ import annotations

from typing import Any

import httpx

from tests.contracts.test_partners import bearer


async def register_partner(
    client: httpx.AsyncClient, token: str, city: str, name: str = "Fjordbyen Energi AS"
) -> str:
    r = await client.post(
        "/v1/partners",
        json={"city": city, "name": name, "helix": "business"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def action(
    action_id: str,
    *,
    field: str = "land_use_and_transport",
    reductions: list[tuple[str, int, str]] | None = None,
    depends_on: list[str] | None = None,
    responsible: str | None = None,
) -> dict[str, Any]:
    return {
        "id": action_id,
        "name": f"Tiltak {action_id}",
        "type": "investment",
        "description": "Et tiltak for testene.",
        "field_of_action": field,
        "systemic_lever": "technology_and_infrastructure",
        "responsible_partner_id": responsible,
        "timeline": {
            "start": "2025-01-01",
            "end": "2030-12-31",
            "milestones": [{"name": "Halvveis", "due": "2027-06-30"}],
        },
        "expected_reductions": [
            {"gpc_reference": ref, "year": year, "reduction_tco2e": t}
            for ref, year, t in (reductions or [])
        ],
        "depends_on": depends_on or [],
    }


async def start_ccc(
    client: httpx.AsyncClient, token: str, city: str, document: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = await client.post(f"/v1/cities/{city}/ccc", json=document or {}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())
