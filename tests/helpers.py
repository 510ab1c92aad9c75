"""Small helpers the tests share: bounded polling (no timed assertions) and demo registration."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    attempts: int = 300,
    pause_s: float = 0.1,
) -> T:
    """Poll ``probe`` until ``until`` holds; returns the last value either way, so the caller's
    assertion shows what was seen instead of a bare timeout."""
    value = await probe()
    for _ in range(attempts):
        if until(value):
            return value
        await asyncio.sleep(pause_s)
        value = await probe()
    return value


async def register_gateway_with_sensors(
    client: httpx.AsyncClient,
    token: str,
    city: str,
    sensors: list[dict[str, object]],
    name: str = "test gateway",
) -> tuple[str, str, list[str]]:
    """Register a gateway and its sensors; returns (gateway id, API key, sensor ids)."""
    auth = {"Authorization": f"Bearer {token}"}
    r = await client.post("/v1/gateways", json={"city": city, "name": name}, headers=auth)
    assert r.status_code == 201, r.text
    gateway = r.json()
    ids = []
    for n, spec in enumerate(sensors):
        spec = {"external_id": f"sensor-{n}", **spec}
        r = await client.post(f"/v1/gateways/{gateway['id']}/sensors", json=spec, headers=auth)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return gateway["id"], gateway["api_key"], ids


ELECTRICITY_METER = {
    "kind": "energy_meter",
    "gpc_reference": "I.1.2",
    "energy_carrier": "electricity",
}


def prepare_services(names: list[str], env: dict[str, str | None], demo: bool) -> None:
    """Migrate and seed ``names`` as ``klimaby run`` does, with ``env`` set for the duration
    (a ``None`` value removes the variable), leaving the test process's environment as it was."""
    import os

    from services.cli import migrate_services, seed_services

    saved = {k: os.environ.get(k) for k in env}
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        asyncio.run(migrate_services(names))
        asyncio.run(seed_services(names, demo=demo))
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
