"""A simulated city gateway for demos: energy meters follow a daily load profile, traffic
counters follow rush hours. It registers itself through the public API like a real installer
would and then posts batches of readings stamped with the current time."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from services.sensors.settings import Settings
from shared.auth import issue_token
from shared.observability import configure_logging

log = logging.getLogger("klimaby.simulator")
OSLO_TIME = ZoneInfo("Europe/Oslo")
ZONES = {"oslo": "NO1", "stavanger": "NO2", "trondheim": "NO3", "tromso": "NO4"}


@dataclass
class SimulatedSensor:
    sensor_id: str
    kind: str
    scale: float  # average kW for meters, peak vehicles per hour for counters


def load_profile(hour: float) -> float:
    """Relative electricity demand over a Norwegian winter day (1.0 = daily mean)."""
    morning = math.exp(-((hour - 8.0) ** 2) / 3.0)
    evening = math.exp(-((hour - 18.5) ** 2) / 5.0)
    night = 0.55
    return night + 0.6 * morning + 0.75 * evening


def traffic_profile(hour: float) -> float:
    """Share of peak traffic: rush hours around 07:30 and 16:00, quiet at night."""
    morning = math.exp(-((hour - 7.5) ** 2) / 1.2)
    afternoon = math.exp(-((hour - 16.0) ** 2) / 1.8)
    day = 0.35 if 6 <= hour <= 21 else 0.05
    return min(1.0, day + morning + afternoon)


SENSOR_SPECS: list[tuple[dict[str, object], float]] = [
    (
        {
            "external_id": "feeder-residential",
            "kind": "energy_meter",
            "gpc_reference": "I.1.2",
            "energy_carrier": "electricity",
        },
        18_000.0,
    ),
    (
        {
            "external_id": "feeder-commercial",
            "kind": "energy_meter",
            "gpc_reference": "I.2.2",
            "energy_carrier": "electricity",
        },
        12_000.0,
    ),
    (
        {
            "external_id": "feeder-industry",
            "kind": "energy_meter",
            "gpc_reference": "I.3.2",
            "energy_carrier": "electricity",
        },
        8_000.0,
    ),
    (
        {
            "external_id": "ring-road-cars",
            "kind": "traffic_counter",
            "gpc_reference": "II.1.1",
            "road_segment_km": 1.8,
            "vehicle_class": "car",
        },
        5_500.0,
    ),
    (
        {
            "external_id": "bus-corridor",
            "kind": "traffic_counter",
            "gpc_reference": "II.1.1",
            "road_segment_km": 2.4,
            "vehicle_class": "bus",
        },
        90.0,
    ),
]


REGISTER_ATTEMPTS = 120


async def register(
    client: httpx.AsyncClient, token: str, city: str
) -> tuple[str, list[SimulatedSensor]]:
    auth = {"Authorization": f"Bearer {token}"}
    gateway_body = {"city": city, "name": f"Simulated gateway {city}"}
    # The sensors service learns cities from the inventory's city.registered events: right
    # after start-up it may not know them yet (404). Wait for it, within a bound.
    for _ in range(REGISTER_ATTEMPTS):
        r = await client.post("/v1/gateways", json=gateway_body, headers=auth)
        if r.status_code != 404:
            break
        await asyncio.sleep(1)
    r.raise_for_status()
    gateway = r.json()
    sensors = []
    for spec, scale in SENSOR_SPECS:
        body: dict[str, object] = dict(spec)
        if body["kind"] == "energy_meter" and city in ZONES:
            body["bidding_zone"] = ZONES[city]
        r = await client.post(f"/v1/gateways/{gateway['id']}/sensors", json=body, headers=auth)
        r.raise_for_status()
        sensors.append(SimulatedSensor(r.json()["id"], str(spec["kind"]), scale))
    return gateway["api_key"], sensors


def readings_for(
    sensors: list[SimulatedSensor], now: datetime, interval_s: float, rng: random.Random
) -> list[dict[str, object]]:
    local = now.astimezone(OSLO_TIME)
    hour = local.hour + local.minute / 60
    out: list[dict[str, object]] = []
    for s in sensors:
        if s.kind == "energy_meter":
            kwh = s.scale * load_profile(hour) * interval_s / 3600 * rng.uniform(0.9, 1.1)
            out.append(
                {
                    "sensor_id": s.sensor_id,
                    "time": now.isoformat(),
                    "value": round(kwh, 3),
                    "unit": "kWh",
                }
            )
        else:
            expected = s.scale * traffic_profile(hour) * interval_s / 3600
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            out.append(
                {
                    "sensor_id": s.sensor_id,
                    "time": now.isoformat(),
                    "value": count,
                    "unit": "{vehicle}",
                }
            )
    return out


async def run_simulator(
    sensors_url: str, cities: list[str], interval_s: float, iterations: int | None = None
) -> None:
    settings = Settings()
    configure_logging("simulator", settings.log_level, settings.log_json)
    token = issue_token(
        "simulated-gateway-installer", "admin", name="Simulated gateway", settings=settings
    )
    rng = random.Random(2030)
    async with httpx.AsyncClient(base_url=sensors_url, timeout=30) as client:
        gateways = {city: await register(client, token, city) for city in cities}
        log.info("registered gateways for %s", ", ".join(cities))
        done = 0
        while iterations is None or done < iterations:
            now = datetime.now(UTC)
            for city, (api_key, sensors) in gateways.items():
                batch = readings_for(sensors, now, interval_s, rng)
                for attempt in range(5):
                    try:
                        r = await client.post(
                            "/v1/readings", json={"readings": batch}, headers={"X-Api-Key": api_key}
                        )
                        if r.status_code < 500:
                            break
                        retry = float(r.headers.get("Retry-After", "1"))
                    except httpx.HTTPError as exc:
                        log.warning("post failed for %s: %s", city, exc)
                        retry = 1.0
                    # The same readings again: the service answers duplicates for any it took.
                    await asyncio.sleep(retry * (attempt + 1))
            done += 1
            await asyncio.sleep(interval_s)
