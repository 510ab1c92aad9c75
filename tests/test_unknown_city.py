"""An unknown city is a 404 on every city-scoped GET, and a slug in the wrong case is a 422 that
says which slug to use. The endpoints come from each service's OpenAPI document, so a new
city-scoped endpoint is covered without touching this test."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ServiceClientFactory

OFFLINE = {"consumers_enabled": False, "outbox_relay_enabled": False}
# Plausible values for the other parameters, so that only the city can be what is wrong.
VALUES: dict[str, str] = {
    "year": "2024",
    "version": "1",
    "gpc_reference": "I.1.2",
    "measure_id": "1",
    "hour": "2024-01-01T00:00:00+00:00",
    "format": "json",
    "import_id": "00000000-0000-0000-0000-000000000000",
    "action_id": "TR-01",
    "indicator_id": "IND-TR-1",
    "from_version": "1",
    "to_version": "2",
    "table": "actions",
}


def _value(param: dict[str, Any]) -> str:
    if param["name"] in VALUES:
        return VALUES[param["name"]]
    schema = param.get("schema", {})
    types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "integer" in types:
        return str(schema.get("minimum", 1))
    if schema.get("enum"):
        return str(schema["enum"][0])
    raise AssertionError(f"no value for parameter {param['name']}: add it to VALUES")


def city_scoped_gets(document: dict[str, Any], city: str) -> list[tuple[str, dict[str, str]]]:
    """(path, query) of every GET that names a city, in the path or as ``?city=``."""
    calls = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        params = operation.get("parameters", [])
        if not any(p["name"] == "city" for p in params):
            continue
        url = path
        query: dict[str, str] = {}
        for p in params:
            value = city if p["name"] == "city" else _value(p) if p.get("required") else None
            if value is None:
                continue
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", value)
            elif p["in"] == "query":
                query[p["name"]] = value
        calls.append((url, query))
    return calls


@pytest.mark.parametrize("service", ["inventory", "sensors", "contracts", "hub"])
async def test_every_city_scoped_get_of_an_unknown_city_is_a_404(
    service_client: ServiceClientFactory, admin_token: str, service: str
) -> None:
    unknown = f"nowhere-{uuid.uuid4().hex[:8]}"
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client(service, **OFFLINE) as (app, client):
        calls = city_scoped_gets(app.openapi(), unknown)
        assert len(calls) >= (20 if service == "inventory" else 2)
        wrong = {}
        for url, query in calls:
            r = await client.get(url, params=query, headers=auth)
            # JSON answers a problem naming the city; a page answers its own 404 page.
            body = r.json() if "json" in r.headers["content-type"] else r.text
            said = body.get("detail", "") if isinstance(body, dict) else str(body)
            if r.status_code != 404 or unknown not in said:
                wrong[(url, str(query))] = (r.status_code, r.text[:200])
        assert not wrong, wrong


@pytest.mark.parametrize("service", ["inventory", "sensors", "contracts", "hub"])
async def test_a_city_slug_in_the_wrong_case_is_told_the_slug_to_use(
    service_client: ServiceClientFactory, admin_token: str, service: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    async with service_client(service, **OFFLINE) as (app, client):
        for url, query in city_scoped_gets(app.openapi(), "Oslo"):
            r = await client.get(url, params=query, headers=auth)
            assert r.status_code == 422, (url, r.text)
            problem = r.json()
            assert "use 'oslo'" in problem["detail"], (url, problem)
            assert problem["invalid-params"][0]["name"].startswith(("/path/city", "/query/city"))
